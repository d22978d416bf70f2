// Package tracking is the tracking service. Judges each attached family's problems with the Outcomes Plan engine, keeps per-problem status and sustained deadlines, and reports projections.
package tracking

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/config"
	"github.com/familypath/familypath/pkg/platform/temporalx"

	"github.com/familypath/familypath/pkg/platform/erasure"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/subjectaccess"
	"github.com/familypath/familypath/proto/contract"
	"github.com/familypath/familypath/services/tracking/internal/forecasting"
	"github.com/familypath/familypath/services/tracking/internal/judging"
	"github.com/familypath/familypath/services/tracking/internal/reports"
	"github.com/familypath/familypath/services/tracking/migrations"
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

// Definition is the tracking service for the platform's runner.
func Definition() service.Definition {
	return service.Definition{
		Name:            contract.QueueTracking,
		Migrations:      migrations.FS,
		OpenAPI:         openAPI,
		OpenAPIExamples: openAPIExamples,
		SubjectAccess:   &service.SubjectAccess{Sources: subjectSources},
		Erasure:         &erasure.Family{Statements: eraseFamily},
		// JudgeFamily reads the evidence snapshots identification keeps and the case's evidence.
		Calls: []string{contract.QueueIdentification, contract.QueueCase},
		Commands: map[string]service.Command{
			"schedule-forecasts": {
				Summary: "make a Temporal Schedule for each running plan's monthly results forecast on day FORECAST_DAY (default 5; one that exists is kept: run it at every deploy)",
				Needs:   service.Needs{Temporal: true},
				Run: func(ctx context.Context, d *service.Deps, _ []string, _ io.Writer) error {
					env := config.FromOS()
					day := env.Int("FORECAST_DAY", 5)
					if err := env.Err(); err != nil {
						return err
					}
					if day < 1 || day > 28 {
						return fmt.Errorf("FORECAST_DAY must be a day of the month from 1 to 28, not %d", day)
					}
					return service.SchedulePlans(
						d,
						"forecast",
						func(p *outcomes.Plan) (temporalx.ScheduleReport, error) {
							return forecasting.ScheduleForecasts(ctx, d.Temporal, p, day, time.Now())
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
			(&reports.API{DB: d.DB, Plans: ps, CaseURL: d.Settings.CaseURL, Guard: d.Guard, Log: d.Log}).Routes(r)
			return nil
		},
		Activities: func(d *service.Deps, r worker.Registry) error {
			ps, err := d.Plans()
			if err != nil {
				return err
			}
			r.RegisterActivityWithOptions(judging.Activities{Plans: ps}.JudgeReadiness,
				activity.RegisterOptions{Name: contract.ActivityTrackingJudgeReadiness})
			judge := judging.Judge{
				Plans:          ps,
				Identification: d.Upstream(contract.QueueIdentification),
				Case:           d.Upstream(contract.QueueCase),
				Status:         judging.StatusStore{DB: d.DB},
			}
			r.RegisterActivityWithOptions(
				judge.JudgeFamily,
				activity.RegisterOptions{Name: contract.ActivityTrackingJudgeFamily},
			)
			maker := forecasting.Maker{Store: forecasting.Store{DB: d.DB}, Plans: ps}
			r.RegisterActivityWithOptions(
				maker.MakeForecast,
				activity.RegisterOptions{Name: contract.ActivityTrackingMakeForecast},
			)
			return nil
		},
	}
}

// subjectSources are tracking's tables about a person's families (docs/data-protection.md,
// "Subject access").
var subjectSources = []subjectaccess.Source{
	{
		Section: "family_status",
		Query:   `SELECT * FROM tracking.family_status WHERE family_id = ANY(@families::uuid[]) ORDER BY family_id`,
	},
	{
		Section: "problem_transitions",
		Query:   `SELECT * FROM tracking.problem_transitions WHERE family_id = ANY(@families::uuid[]) ORDER BY seq`,
	},
}

// eraseFamily removes tracking's rows about a family past its retention period
// (docs/data-protection.md, "Retention").
var eraseFamily = []string{
	`DELETE FROM tracking.problem_transitions WHERE family_id = @family`,
	`DELETE FROM tracking.family_status WHERE family_id = @family`,
}
