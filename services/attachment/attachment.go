// Package attachment is the attachment service. Attaches families to the programme (through the family's workflow), keeps the attachment register and runs attachment compliance checks.
package attachment

import (
	_ "embed"

	"github.com/familypath/familypath/pkg/platform/erasure"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/subjectaccess"
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

// openAPIExamples are examples of the API's answers, recorded from its tests
// (FAMILYPATH_RECORD_EXAMPLES=1 go test .).
//
//go:embed openapi-examples.json
var openAPIExamples []byte

// Definition is the attachment service for the platform's runner.
func Definition() service.Definition {
	return service.Definition{
		Name:            contract.QueueAttachment,
		Migrations:      migrations.FS,
		OpenAPI:         openAPI,
		OpenAPIExamples: openAPIExamples,
		SubjectAccess:   &service.SubjectAccess{Sources: subjectSources},
		Erasure:         &erasure.Family{Statements: eraseFamily},
		Routes: func(d *service.Deps, r *gin.Engine) error {
			(&attach.API{Temporal: d.Temporal, Guard: d.Guard, Log: d.Log}).Routes(r, d.Idempotency.Require())
			ps, err := d.Plans()
			if err != nil {
				return err
			}
			(&register.ProfileAPI{Store: register.Store{DB: d.DB}, Plans: ps, Guard: d.Guard, Log: d.Log}).Routes(r)
			(&register.ComplianceAPI{Store: register.Store{DB: d.DB}, Guard: d.Guard, Log: d.Log}).Routes(r)
			return nil
		},
		Activities: func(d *service.Deps, r worker.Registry) error {
			acts := register.Activities{Store: register.Store{DB: d.DB}}
			r.RegisterActivityWithOptions(
				acts.RecordAttachment,
				activity.RegisterOptions{Name: contract.ActivityAttachmentRecordAttachment},
			)
			r.RegisterActivityWithOptions(
				acts.CorrectAttachment,
				activity.RegisterOptions{Name: contract.ActivityAttachmentCorrectAttachment},
			)
			r.RegisterActivityWithOptions(
				acts.ImportAttachments,
				activity.RegisterOptions{Name: contract.ActivityAttachmentImportAttachments},
			)
			return nil
		},
	}
}

// subjectSources are attachment's tables about a person's families (docs/data-protection.md,
// "Subject access").
var subjectSources = []subjectaccess.Source{
	{
		Section: "attachments",
		Query:   `SELECT * FROM attachment.attachments WHERE family_id = ANY(@families::uuid[]) ORDER BY attached_at, family_id`,
	},
	{
		Section: "corrections",
		Query:   `SELECT * FROM attachment.corrections WHERE family_id = ANY(@families::uuid[]) ORDER BY corrected_at`,
	},
	{
		Section: "compliance_cases",
		Query:   `SELECT * FROM attachment.compliance_cases WHERE family_id = ANY(@families::uuid[]) ORDER BY check_id, family_id`,
	},
}

// eraseFamily removes attachment's rows about a family past its retention period
// (docs/data-protection.md, "Retention").
var eraseFamily = []string{
	`DELETE FROM attachment.compliance_cases WHERE family_id = @family`,
	`DELETE FROM attachment.corrections WHERE family_id = @family`,
	`DELETE FROM attachment.attachments WHERE family_id = @family`,
}
