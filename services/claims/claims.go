// Package claims is the claims service. Claims results, runs claim windows, the audit sample and auditors' decisions, keeps the payments ledger and serves the programme dashboard.
package claims

import (
	"context"
	_ "embed"
	"io"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/temporalx"

	"github.com/familypath/familypath/pkg/platform/erasure"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/subjectaccess"
	"github.com/familypath/familypath/proto/contract"
	"github.com/familypath/familypath/services/claims/internal/auditing"
	"github.com/familypath/familypath/services/claims/internal/dashboard"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"github.com/familypath/familypath/services/claims/migrations"
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

// Definition is the claims service for the platform's runner.
func Definition() service.Definition {
	return service.Definition{
		Name:            contract.QueueClaims,
		Migrations:      migrations.FS,
		OpenAPI:         openAPI,
		OpenAPIExamples: openAPIExamples,
		// Evidence packs: CreateClaim reads the family's evidence from its owners, and seals it.
		Calls:         []string{contract.QueueIdentification, contract.QueueCase},
		PersonalData:  true,
		Sealed:        []sealed.Column{ledger.SealedPacks},
		SubjectAccess: &service.SubjectAccess{Sources: subjectSources},
		Erasure:       &erasure.Family{Statements: eraseFamily},
		Commands: map[string]service.Command{
			"schedule-claim-windows": {
				Summary: "make a Temporal Schedule for each claim window of every plan that has not closed (one that exists is kept: run it at every deploy)",
				Needs:   service.Needs{Temporal: true},
				Run: func(ctx context.Context, d *service.Deps, _ []string, _ io.Writer) error {
					return service.SchedulePlans(
						d,
						"claim windows",
						func(p *outcomes.Plan) (temporalx.ScheduleReport, error) {
							return ledger.ScheduleClaimWindows(ctx, d.Temporal, p, time.Now())
						},
					)
				},
			},
		},
		Routes: func(d *service.Deps, r *gin.Engine) error {
			ps, err := d.Plans()
			if err != nil {
				return err
			}
			packs := &ledger.Freezer{Keys: d.Settings.FieldKeys}
			// The ledger by plan and status, for the programme's Grafana dashboard.
			if err := d.Metrics.Register(&dashboard.ClaimsByStatus{DB: d.DB, Log: d.Log, CacheFor: time.Minute}); err != nil {
				return err
			}
			(&dashboard.API{DB: d.DB, Plans: ps, Packs: packs, Guard: d.Guard, Log: d.Log}).Routes(r)
			(&auditing.API{DB: d.DB, Plans: ps, Packs: packs, Temporal: d.Temporal, Guard: d.Guard, Log: d.Log}).Routes(
				r,
			)
			return nil
		},
		Activities: func(d *service.Deps, r worker.Registry) error {
			ps, err := d.Plans()
			if err != nil {
				return err
			}
			acts := ledger.Activities{
				DB:    d.DB,
				Plans: ps,
				Packs: &ledger.Freezer{Identification: d.Upstream(contract.QueueIdentification),
					Case: d.Upstream(contract.QueueCase), Keys: d.Settings.FieldKeys},
			}
			r.RegisterActivityWithOptions(
				acts.RecordAttachmentFee,
				activity.RegisterOptions{Name: contract.ActivityClaimsRecordAttachmentFee},
			)
			r.RegisterActivityWithOptions(
				acts.CreateClaim,
				activity.RegisterOptions{Name: contract.ActivityClaimsCreateClaim},
			)
			r.RegisterActivityWithOptions(
				acts.ImportLedger,
				activity.RegisterOptions{Name: contract.ActivityClaimsImportLedger},
			)
			r.RegisterActivityWithOptions(
				acts.TakeWindowClaims,
				activity.RegisterOptions{Name: contract.ActivityClaimsTakeWindowClaims},
			)
			r.RegisterActivityWithOptions(
				acts.RecordAuditSample,
				activity.RegisterOptions{Name: contract.ActivityClaimsRecordAuditSample},
			)
			r.RegisterActivityWithOptions(
				acts.RemindAuditors,
				activity.RegisterOptions{Name: contract.ActivityClaimsRemindAuditors},
			)
			r.RegisterActivityWithOptions(
				acts.SubmitWindow,
				activity.RegisterOptions{Name: contract.ActivityClaimsSubmitWindow},
			)
			r.RegisterActivityWithOptions(
				acts.RejudgeClaims,
				activity.RegisterOptions{Name: contract.ActivityClaimsRejudgeClaims},
			)
			r.RegisterActivityWithOptions(
				dashboard.Forecasts{DB: d.DB}.RecordForecast,
				activity.RegisterOptions{Name: contract.ActivityClaimsRecordForecast},
			)
			return nil
		},
	}
}

// subjectSources are claims' tables about a person's families (docs/data-protection.md,
// "Subject access"): claims, their frozen evidence opened, audit decisions, re-judgements and
// the ledger's entries.
var subjectSources = []subjectaccess.Source{
	{
		Section: "claims",
		Query:   `SELECT * FROM claims.claims WHERE family_id = ANY(@families::uuid[]) ORDER BY created_at, id`,
	},
	{
		Section: "evidence_packs",
		Query: `SELECT p.* FROM claims.evidence_packs p JOIN claims.claims c ON c.id = p.claim_id
		WHERE c.family_id = ANY(@families::uuid[]) ORDER BY p.frozen_at`,
		Sealed: &ledger.SealedPacks,
	},
	{
		Section: "audit_decisions",
		Query: `SELECT d.* FROM claims.audit_decisions d JOIN claims.claims c ON c.id = d.claim_id
		WHERE c.family_id = ANY(@families::uuid[]) ORDER BY d.decided_at`,
	},
	{Section: "rejudgements", Query: `SELECT r.* FROM claims.rejudgements r JOIN claims.claims c ON c.id = r.claim_id
		WHERE c.family_id = ANY(@families::uuid[]) ORDER BY r.judged_at`},
	{
		Section: "ledger",
		Query:   `SELECT * FROM claims.ledger WHERE family_id = ANY(@families::uuid[]) ORDER BY occurred_at, id`,
	},
}

// eraseFamily removes claims' rows about a family past its retention period: its claims with
// their evidence packs, audit decisions and re-judgements, and its ledger entries. A window's
// payment, sample and submission records keep their totals and the claims' opaque ids
// (docs/data-protection.md, "Retention").
var eraseFamily = []string{
	`DELETE FROM claims.evidence_packs WHERE claim_id IN (SELECT id FROM claims.claims WHERE family_id = @family)`,
	`DELETE FROM claims.audit_decisions WHERE claim_id IN (SELECT id FROM claims.claims WHERE family_id = @family)`,
	`DELETE FROM claims.rejudgements WHERE claim_id IN (SELECT id FROM claims.claims WHERE family_id = @family)`,
	`DELETE FROM claims.ledger WHERE family_id = @family`,
	`DELETE FROM claims.claims WHERE family_id = @family`,
}
