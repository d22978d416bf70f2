// Package identification is the identification service: it takes agency extracts, links
// people, groups families, judges them, and starts each family's FamilyLifecycle workflow
// (identification runs, internal/runs, over the pipeline of internal/matching); analysts
// run the same pipeline over files with the batch command. It also records a candidate
// family from evidence sent directly, and refreshes it.
package identification

import (
	"context"
	_ "embed"
	"io"
	"os"

	"github.com/familypath/familypath/pkg/platform/config"
	"github.com/familypath/familypath/pkg/platform/erasure"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/subjectaccess"
	"github.com/familypath/familypath/proto/contract"
	"github.com/familypath/familypath/services/identification/internal/batch"
	"github.com/familypath/familypath/services/identification/internal/candidates"
	"github.com/familypath/familypath/services/identification/internal/evidence"
	"github.com/familypath/familypath/services/identification/internal/ingest"
	"github.com/familypath/familypath/services/identification/internal/linking"
	"github.com/familypath/familypath/services/identification/internal/review"
	"github.com/familypath/familypath/services/identification/internal/runs"
	"github.com/familypath/familypath/services/identification/migrations"
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

// Definition is the identification service for the platform's runner.
func Definition() service.Definition {
	return service.Definition{
		Name:            contract.QueueIdentification,
		Migrations:      migrations.FS,
		OpenAPI:         openAPI,
		OpenAPIExamples: openAPIExamples,
		BodyLimits:      map[string]int64{ingest.UploadRoute: ingest.MaxUploadBytes},
		// Agency extracts: who each row is about is sealed under FIELD_KEYS.
		PersonalData: true,
		// The worker reads the case service's imported families to recognise them in a run.
		Calls: []string{contract.QueueCase},
		Routes: func(d *service.Deps, r *gin.Engine) error {
			ps, err := d.Plans()
			if err != nil {
				return err
			}
			snapshots := evidence.Store{DB: d.DB, Keys: d.Settings.FieldKeys}
			api := &candidates.API{Store: candidates.Store{DB: d.DB}, Evidence: snapshots, Plans: ps,
				Lifecycles: candidates.Lifecycles{Temporal: d.Temporal}, Guard: d.Guard, Log: d.Log}
			api.Routes(r, d.Idempotency.Require())
			(&evidence.API{Store: snapshots, Plans: ps, Guard: d.Guard, Log: d.Log}).Routes(r)
			extracts := ingest.Store{DB: d.DB, Keys: d.Settings.FieldKeys}
			(&ingest.API{Store: extracts, Guard: d.Guard, Log: d.Log, Uploads: ingest.NewUploadCounter(d.Metrics)}).Routes(
				r,
			)
			(&runs.API{Store: runs.Store{DB: d.DB}, Review: review.Store{DB: d.DB, Keys: d.Settings.FieldKeys}, Extracts: extracts,
				Plans: ps, Temporal: d.Temporal, Guard: d.Guard, Log: d.Log}).Routes(
				r,
				d.Idempotency.Require(),
			)
			return nil
		},
		Sealed: []sealed.Column{ingest.SealedIdentities, evidence.SealedSnapshots, linking.SealedCheckpoints},
		SubjectAccess: &service.SubjectAccess{
			Find: func(ctx context.Context, d *service.Deps, s *subjectaccess.Subject, e *subjectaccess.Export) error {
				return runs.Subject{
					Store:    runs.Store{DB: d.DB},
					Extracts: ingest.Store{DB: d.DB, Keys: d.Settings.FieldKeys},
					Keys:     d.Settings.FieldKeys,
				}.Find(
					ctx,
					s,
					e,
				)
			},
			Sources: subjectSources,
		},
		Erasure: &erasure.Family{Statements: eraseFamily},
		Commands: map[string]service.Command{
			"ingest": {Summary: "load extract files", Needs: service.Needs{DB: true, PersonalData: true},
				Run: func(ctx context.Context, d *service.Deps, args []string, out io.Writer) error {
					return ingest.Command(ctx, ingest.Store{DB: d.DB, Keys: d.Settings.FieldKeys}, args, out)
				}},
			"county": {Summary: "write a synthetic county's extracts and ground truth",
				Run: func(ctx context.Context, d *service.Deps, args []string, out io.Writer) error {
					return ingest.CountyCommand(ctx, d.Plans, args, out)
				}},
			"batch": {
				Summary: "identify a folder of extracts without the stack: people, families and the review queue as CSV",
				Run: func(ctx context.Context, _ *service.Deps, args []string, out io.Writer) error {
					return batch.Command(ctx, args, out)
				},
			},
			"retention": {
				Summary: "remove uploads past their retention period (RETENTION_EXTRACT_MONTHS, default 24)",
				Needs:   service.Needs{DB: true},
				Run: func(ctx context.Context, d *service.Deps, args []string, out io.Writer) error {
					env := config.FromOS()
					months := env.Int("RETENTION_EXTRACT_MONTHS", 24)
					if err := env.Err(); err != nil {
						return err
					}
					return ingest.RetentionCommand(ctx, ingest.Store{DB: d.DB}, d.Audit, months, args, out)
				},
			},
			"upload-report": {Summary: "an upload's report as CSV on standard output", Needs: service.Needs{DB: true},
				Run: func(ctx context.Context, d *service.Deps, args []string, _ io.Writer) error {
					return ingest.ReportCommand(ctx, ingest.Store{DB: d.DB}, args, os.Stdout)
				}},
		},
		Activities: func(d *service.Deps, r worker.Registry) error {
			acts := &candidates.Activities{Store: candidates.Store{DB: d.DB}}
			r.RegisterActivityWithOptions(
				acts.DescribeCandidate,
				activity.RegisterOptions{Name: contract.ActivityIdentificationDescribeCandidate},
			)
			ps, err := d.Plans()
			if err != nil {
				return err
			}
			run := &linking.Activities{
				Linker: linking.Linker{
					DB:       d.DB,
					Keys:     d.Settings.FieldKeys,
					Extracts: ingest.Store{DB: d.DB, Keys: d.Settings.FieldKeys},
					Evidence: evidence.Store{
						DB:   d.DB,
						Keys: d.Settings.FieldKeys,
					},
					Plans: ps,
					Held:  linking.HeldByCase(d.Upstream(contract.QueueCase)),
				},
				Fanout: runs.Fanout{
					DB:         d.DB,
					Candidates: candidates.Store{DB: d.DB},
					Lifecycles: candidates.Lifecycles{Temporal: d.Temporal},
				}, Store: runs.Store{DB: d.DB},
				Forecasts: linking.Forecasts{Temporal: d.Temporal}}
			r.RegisterActivityWithOptions(
				run.LinkRun,
				activity.RegisterOptions{Name: contract.ActivityIdentificationLinkRun},
			)
			r.RegisterActivityWithOptions(
				run.StartFamilies,
				activity.RegisterOptions{Name: contract.ActivityIdentificationStartFamilies},
			)
			r.RegisterActivityWithOptions(
				run.FinishRun,
				activity.RegisterOptions{Name: contract.ActivityIdentificationFinishRun},
			)
			return nil
		},
	}
}

// subjectSources are identification's tables about a person's families and the person
// (docs/data-protection.md, "Subject access"); the extract rows and run links are found by
// runs.Subject.
var subjectSources = []subjectaccess.Source{
	{
		Section: "person_keys",
		Query:   `SELECT * FROM identification.person_keys WHERE person_id::text = ANY(@people::text[]) ORDER BY person_id`,
	},
	{
		Section: "family_members",
		Query:   `SELECT * FROM identification.family_members WHERE family_id = ANY(@families::uuid[]) OR person_id::text = ANY(@people::text[]) ORDER BY run_id, family_id, person_id`,
	},
	{
		Section: "candidate_families",
		Query:   `SELECT * FROM identification.candidate_families WHERE id = ANY(@families::uuid[]) ORDER BY id`,
	},
	{
		Section: "run_families",
		Query:   `SELECT * FROM identification.run_families WHERE family_id = ANY(@families::uuid[]) ORDER BY run_id, family_id`,
	},
	{
		Section: "family_changes",
		Query:   `SELECT * FROM identification.family_changes WHERE family_id = ANY(@families::uuid[]) OR other_family_id = ANY(@families::uuid[]) ORDER BY run_id, family_id`,
	},
	{
		Section: "run_recognitions",
		Query:   `SELECT * FROM identification.run_recognitions WHERE family_id = ANY(@families::uuid[]) OR known_family_id = ANY(@families::uuid[]) ORDER BY run_id, family_id`,
	},
	{
		Section: "review_pairs",
		Query:   `SELECT * FROM identification.review_pairs WHERE person_a::text = ANY(@people::text[]) OR person_b::text = ANY(@people::text[]) ORDER BY run_id, rank`,
	},
	{Section: "review_decisions", Query: `SELECT * FROM identification.review_decisions WHERE pair_key IN (
		SELECT pair_key FROM identification.review_pairs WHERE person_a::text = ANY(@people::text[]) OR person_b::text = ANY(@people::text[])) ORDER BY decided_at`},
	{
		Section: "evidence_snapshots",
		Query:   `SELECT * FROM identification.evidence_snapshots WHERE family_id = ANY(@families::uuid[]) ORDER BY created_at, id`,
		Sealed:  &evidence.SealedSnapshots,
	},
}

// eraseFamily removes identification's rows about a family past its retention period: the
// family as runs found it and as it was recorded, its evidence snapshots, and its people where
// no other family holds them (their pseudonyms and review pairs). Agency extracts go by their
// own, shorter period (RETENTION_EXTRACT_MONTHS); reviewers' decisions stay, keyed
// pseudonyms of two records with no person or family (docs/data-protection.md, "Retention").
var eraseFamily = []string{
	`CREATE TEMP TABLE erased_people ON COMMIT DROP AS
		SELECT person_id FROM identification.family_members WHERE family_id = @family
		EXCEPT SELECT person_id FROM identification.family_members WHERE family_id <> @family`,
	`DELETE FROM identification.review_pairs WHERE person_a IN (SELECT person_id FROM erased_people) OR person_b IN (SELECT person_id FROM erased_people)`,
	`DELETE FROM identification.person_keys WHERE person_id IN (SELECT person_id FROM erased_people)`,
	`DELETE FROM identification.family_members WHERE family_id = @family`,
	`DELETE FROM identification.run_families WHERE family_id = @family`,
	`DELETE FROM identification.family_changes WHERE family_id = @family OR other_family_id = @family`,
	`DELETE FROM identification.run_recognitions WHERE family_id = @family OR known_family_id = @family`,
	`DELETE FROM identification.evidence_snapshots WHERE family_id = @family`,
	`DELETE FROM identification.candidate_families WHERE id = @family`,
}
