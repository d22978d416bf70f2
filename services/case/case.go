// Package caseservice is the case service. Holds each family's case: members, lead professional, allocations, assessment, family plan, notes and evidence; answers whether a user may see a family.
package caseservice

import (
	"context"
	_ "embed"
	"fmt"
	"io"

	"github.com/familypath/familypath/pkg/platform/config"
	"github.com/familypath/familypath/pkg/platform/erasure"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/subjectaccess"
	"github.com/familypath/familypath/proto/contract"
	"github.com/familypath/familypath/services/case/internal/allocations"
	"github.com/familypath/familypath/services/case/internal/imports"
	"github.com/familypath/familypath/services/case/internal/quality"
	"github.com/familypath/familypath/services/case/internal/record"
	"github.com/familypath/familypath/services/case/migrations"
	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
)

//go:embed openapi.yaml
var openAPI []byte

// openAPIExamples are examples of the API's answers, recorded from its tests
// (FAMILYPATH_RECORD_EXAMPLES=1 go test .).
//
//go:embed openapi-examples.json
var openAPIExamples []byte

// Definition is the case service for the platform's runner.
func Definition() service.Definition {
	return service.Definition{
		Name:       contract.QueueCase,
		Migrations: migrations.FS,
		// Members' names and birth dates are sealed under FIELD_KEYS.
		PersonalData: true,
		Sealed:       []sealed.Column{record.SealedMembers},
		SubjectAccess: &service.SubjectAccess{
			Find: func(ctx context.Context, d *service.Deps, s *subjectaccess.Subject, _ *subjectaccess.Export) error {
				return record.Store{DB: d.DB, Keys: d.Settings.FieldKeys}.FindSubject(ctx, s)
			},
			Sources: subjectSources,
		},
		Erasure: &erasure.Family{Statements: eraseFamily,
			// A restriction of processing (UK GDPR Article 18) keeps the records until it is lifted.
			Hold: `SELECT restriction_ground FROM "case".families WHERE id = @family AND restricted_at IS NOT NULL`},
		OpenAPI:         openAPI,
		OpenAPIExamples: openAPIExamples,
		BodyLimits:      imports.FileLimits,
		Commands: map[string]service.Command{
			"synthetic-import": {
				Summary: "write a mid-programme import file from the synthetic county (docs/import-contract.md)",
				Run: func(ctx context.Context, d *service.Deps, args []string, out io.Writer) error {
					ps, err := d.Plans()
					if err != nil {
						return err
					}
					return imports.SyntheticCommand(ctx, ps, args, out)
				},
			},
		},
		Relationships: func(d *service.Deps) httpapi.Relationships {
			return allocations.Local{Store: allocations.Store{DB: d.DB}}
		},
		Activities: func(d *service.Deps, r worker.Registry) error {
			r.RegisterActivityWithOptions(allocations.Activities{Store: allocations.Store{DB: d.DB}}.GatherAttachment,
				activity.RegisterOptions{Name: contract.ActivityCaseGatherAttachment})
			ps, err := d.Plans()
			if err != nil {
				return err
			}
			imp := imports.Activities{DB: d.DB, Plans: ps, Temporal: d.Temporal}
			r.RegisterActivityWithOptions(
				imp.ImportPage,
				activity.RegisterOptions{Name: contract.ActivityCaseImportPage},
			)
			r.RegisterActivityWithOptions(
				imp.StartImportedFamilies,
				activity.RegisterOptions{Name: contract.ActivityCaseStartImportedFamilies},
			)
			r.RegisterActivityWithOptions(
				imp.FinishImport,
				activity.RegisterOptions{Name: contract.ActivityCaseFinishImport},
			)
			return nil
		},
		Routes: func(d *service.Deps, r *gin.Engine) error {
			(&allocations.API{Store: allocations.Store{DB: d.DB}, Guard: d.Guard, Log: d.Log, Temporal: d.Temporal}).Routes(
				r,
			)
			ps, err := d.Plans()
			if err != nil {
				return err
			}
			(&record.API{DB: d.DB, Keys: d.Settings.FieldKeys, Temporal: d.Temporal, Plans: ps, Guard: d.Guard, Log: d.Log}).Routes(
				r,
				d.Idempotency.Require(),
			)
			env := config.FromOS()
			weeks := env.Int("DATA_QUALITY_STALE_WEEKS", quality.DefaultWeeks)
			if err := env.Err(); err != nil {
				return err
			}
			if weeks < 1 || weeks > 104 {
				return fmt.Errorf("DATA_QUALITY_STALE_WEEKS must be from 1 to 104 weeks, not %d", weeks)
			}
			(&quality.API{Weeks: weeks, DB: d.DB, Keys: d.Settings.FieldKeys, Temporal: d.Temporal, Guard: d.Guard, Log: d.Log}).Routes(
				r,
			)
			(&imports.API{Plans: ps, Store: imports.Store{DB: d.DB, Keys: d.Settings.FieldKeys, Plans: ps}, Temporal: d.Temporal,
				Guard: d.Guard, Log: d.Log}).Routes(
				r,
			)
			return nil
		},
	}
}

// subjectSources are the case service's tables about a person's families and the person
// (docs/data-protection.md, "Subject access"): the whole case record, members' identities
// opened.
var subjectSources = []subjectaccess.Source{
	{Section: "families", Query: `SELECT * FROM "case".families WHERE id = ANY(@families::uuid[]) ORDER BY id`},
	{
		Section: "members",
		Query:   `SELECT * FROM "case".members WHERE family_id = ANY(@families::uuid[]) ORDER BY family_id, person_id`,
		Sealed:  &record.SealedMembers,
	},
	{
		Section: "allocations",
		Query:   `SELECT * FROM "case".allocations WHERE family_id = ANY(@families::uuid[]) ORDER BY family_id, allocated_at`,
	},
	{
		Section: "referrals",
		Query:   `SELECT * FROM "case".referrals WHERE family_id = ANY(@families::uuid[]) ORDER BY created_at, id`,
	},
	{
		Section: "assessments",
		Query:   `SELECT * FROM "case".assessments WHERE family_id = ANY(@families::uuid[]) ORDER BY family_id`,
	},
	{
		Section: "family_plans",
		Query:   `SELECT * FROM "case".family_plans WHERE family_id = ANY(@families::uuid[]) ORDER BY family_id`,
	},
	{
		Section: "notes",
		Query:   `SELECT * FROM "case".notes WHERE family_id = ANY(@families::uuid[]) ORDER BY created_at, id`,
	},
	{
		Section: "evidence",
		Query:   `SELECT * FROM "case".evidence WHERE family_id = ANY(@families::uuid[]) ORDER BY recorded_at, id`,
	},
	{
		Section: "record_history",
		Query:   `SELECT * FROM "case".record_history WHERE family_id = ANY(@families::uuid[]) ORDER BY family_id, seq`,
	},
	{
		Section: "imported_families",
		Query:   `SELECT * FROM "case".imported_families WHERE family_id = ANY(@families::uuid[]) ORDER BY family_id`,
	},
	{
		Section: "family_merges",
		Query:   `SELECT * FROM "case".family_merges WHERE family_id = ANY(@families::uuid[]) OR into_family_id = ANY(@families::uuid[]) ORDER BY merged_at`,
	},
}

// eraseFamily removes the family's case record past its retention period, every part of it
// (docs/data-protection.md, "Retention").
var eraseFamily = []string{
	`DELETE FROM "case".record_history WHERE family_id = @family`,
	`DELETE FROM "case".notes WHERE family_id = @family`,
	`DELETE FROM "case".evidence WHERE family_id = @family`,
	`DELETE FROM "case".assessments WHERE family_id = @family`,
	`DELETE FROM "case".family_plans WHERE family_id = @family`,
	`DELETE FROM "case".members WHERE family_id = @family`,
	`DELETE FROM "case".referrals WHERE family_id = @family`,
	`DELETE FROM "case".allocations WHERE family_id = @family`,
	`DELETE FROM "case".imported_families WHERE family_id = @family`,
	`DELETE FROM "case".family_merges WHERE family_id = @family OR into_family_id = @family`,
	`DELETE FROM "case".families WHERE id = @family`,
}
