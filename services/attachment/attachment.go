// Package attachment is the attachment service. Attaches families to the programme (through the family's workflow), keeps the attachment register and runs attachment compliance checks.
package attachment

import (
	_ "embed"

	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/proto/contract"
	"github.com/familypath/familypath/services/attachment/internal/attach"
	"github.com/familypath/familypath/services/attachment/internal/register"
	"github.com/familypath/familypath/services/attachment/migrations"
	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
)

//go:embed openapi.yaml
var openAPI []byte

// Definition is the attachment service for the platform's runner.
func Definition() service.Definition {
	return service.Definition{
		Name:       contract.QueueAttachment,
		Migrations: migrations.FS,
		OpenAPI:    openAPI,
		Routes: func(d *service.Deps, r *gin.Engine) error {
			(&attach.API{Temporal: d.Temporal, Guard: d.Guard, Log: d.Log}).Routes(r, d.Idempotency.Require())
			ps, err := d.Plans()
			if err != nil {
				return err
			}
			(&register.ProfileAPI{DB: d.DB, Plans: ps, Guard: d.Guard, Log: d.Log}).Routes(r)
			(&register.ComplianceAPI{DB: d.DB, Guard: d.Guard, Log: d.Log}).Routes(r)
			return nil
		},
		Activities: func(d *service.Deps, r worker.Registry) error {
			acts := register.Activities{DB: d.DB}
			r.RegisterActivityWithOptions(acts.RecordAttachment, activity.RegisterOptions{Name: contract.ActivityAttachmentRecordAttachment})
			r.RegisterActivityWithOptions(acts.CorrectAttachment, activity.RegisterOptions{Name: contract.ActivityAttachmentCorrectAttachment})
			r.RegisterActivityWithOptions(acts.ImportAttachments, activity.RegisterOptions{Name: contract.ActivityAttachmentImportAttachments})
			return nil
		},
	}
}
