// Package tracking is the tracking service. Judges each attached family's problems with the Outcomes Plan engine, keeps per-problem status and sustained deadlines, and reports projections.
package tracking

import (
	_ "embed"

	"github.com/familypath/familypath/pkg/platform/service"
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

// Definition is the tracking service for the platform's runner.
func Definition() service.Definition {
	return service.Definition{
		Name:       contract.QueueTracking,
		Migrations: migrations.FS,
		OpenAPI:    openAPI,
		// JudgeFamily reads the evidence snapshots identification keeps and the case's evidence.
		Calls: []string{contract.QueueIdentification, contract.QueueCase},
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
			judge := judging.Judge{Plans: ps, Identification: d.Upstream(contract.QueueIdentification), Case: d.Upstream(contract.QueueCase), Status: judging.StatusStore{DB: d.DB}}
			r.RegisterActivityWithOptions(judge.JudgeFamily, activity.RegisterOptions{Name: contract.ActivityTrackingJudgeFamily})
			maker := forecasting.Maker{Store: forecasting.Store{DB: d.DB}, Plans: ps}
			r.RegisterActivityWithOptions(maker.MakeForecast, activity.RegisterOptions{Name: contract.ActivityTrackingMakeForecast})
			return nil
		},
	}
}
