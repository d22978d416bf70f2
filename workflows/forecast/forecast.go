// Package forecast holds the ProgrammeForecast workflow: started each month by a plan's
// Temporal Schedule (workflow-worker schedule-forecasts), and by identification when a run
// finishes (after a settling wait, so that the families it told have been judged), it has
// tracking forecast the plan's results from its read model and keep the snapshot, then gives
// the dashboard (claims) its copy. Both steps are idempotent: a retried step keeps one snapshot and one copy.
//
// Determinism: as in workflows/family; changes to deployed logic go behind
// workflow.GetVersion with ids in versions.go.
package forecast

import (
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers the workflow on the family-lifecycle worker.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Forecast, workflow.RegisterOptions{Name: contract.WorkflowForecast})
}

func on(ctx workflow.Context, queue string, startToClose time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue: queue, StartToCloseTimeout: startToClose,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        5 * time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        10 * time.Minute,
			NonRetryableErrorTypes: []string{"InvalidArgument", "NotFound"},
		},
	})
}

// Forecast is the ProgrammeForecast workflow; it answers the snapshot it kept.
func Forecast(ctx workflow.Context, in *familypathv1.ForecastInput) (*familypathv1.ForecastSnapshot, error) {
	if settle := in.GetSettle().AsDuration(); settle > 0 {
		if err := workflow.Sleep(ctx, settle); err != nil {
			return nil, err
		}
	}
	var snap familypathv1.ForecastSnapshot
	// A forecast of 10,000 families takes seconds; the bound leaves room for a slow database.
	if err := workflow.ExecuteActivity(on(ctx, contract.QueueTracking, 15*time.Minute), contract.ActivityTrackingMakeForecast,
		&familypathv1.MakeForecastRequest{PlanId: in.GetPlanId(), Draws: in.GetDraws()}).Get(ctx, &snap); err != nil {
		return nil, err
	}
	if err := workflow.ExecuteActivity(on(ctx, contract.QueueClaims, time.Minute), contract.ActivityClaimsRecordForecast, &snap).
		Get(ctx, &familypathv1.RecordForecastResponse{}); err != nil {
		return nil, err
	}
	return &snap, nil
}
