// Package caseservice is the case service. Holds each family's case: members, lead professional, allocations, assessment, family plan, notes and evidence; answers whether a user may see a family.
package caseservice

import (
	"context"
	_ "embed"
	"fmt"
	"io"

	"github.com/familypath/familypath/pkg/platform/config"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/familypath/familypath/pkg/platform/service"
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

// Definition is the case service for the platform's runner.
func Definition() service.Definition {
	return service.Definition{
		Name:       contract.QueueCase,
		Migrations: migrations.FS,
		// Members' names and birth dates are sealed under FIELD_KEYS.
		PersonalData: true,
		Sealed:       []sealed.Column{record.SealedMembers},
		OpenAPI:      openAPI,
		BodyLimits:   imports.FileLimits,
		Commands: map[string]service.Command{
			"synthetic-import": {Summary: "write a mid-programme import file from the synthetic county (docs/import-contract.md)",
				Run: func(ctx context.Context, d *service.Deps, args []string, out io.Writer) error {
					ps, err := d.Plans()
					if err != nil {
						return err
					}
					return imports.SyntheticCommand(ctx, ps, args, out)
				}},
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
			r.RegisterActivityWithOptions(imp.ImportPage, activity.RegisterOptions{Name: contract.ActivityCaseImportPage})
			r.RegisterActivityWithOptions(imp.StartImportedFamilies, activity.RegisterOptions{Name: contract.ActivityCaseStartImportedFamilies})
			r.RegisterActivityWithOptions(imp.FinishImport, activity.RegisterOptions{Name: contract.ActivityCaseFinishImport})
			return nil
		},
		Routes: func(d *service.Deps, r *gin.Engine) error {
			(&allocations.API{Store: allocations.Store{DB: d.DB}, Guard: d.Guard, Log: d.Log, Temporal: d.Temporal}).Routes(r)
			ps, err := d.Plans()
			if err != nil {
				return err
			}
			(&record.API{DB: d.DB, Keys: d.Settings.FieldKeys, Temporal: d.Temporal, Plans: ps, Guard: d.Guard, Log: d.Log}).Routes(r, d.Idempotency.Require())
			env := config.FromOS()
			weeks := env.Int("DATA_QUALITY_STALE_WEEKS", quality.DefaultWeeks)
			if err := env.Err(); err != nil {
				return err
			}
			if weeks < 1 || weeks > 104 {
				return fmt.Errorf("DATA_QUALITY_STALE_WEEKS must be from 1 to 104 weeks, not %d", weeks)
			}
			(&quality.API{Weeks: weeks, DB: d.DB, Keys: d.Settings.FieldKeys, Temporal: d.Temporal, Guard: d.Guard, Log: d.Log}).Routes(r)
			(&imports.API{Plans: ps, Store: imports.Store{DB: d.DB, Keys: d.Settings.FieldKeys, Plans: ps}, Temporal: d.Temporal,
				Guard: d.Guard, Log: d.Log}).Routes(r)
			return nil
		},
	}
}
