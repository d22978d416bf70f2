package forecast

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestTheForecastIsKeptThenHandedToTheDashboard(t *testing.T) {
	env := (&testsuite.WorkflowTestSuite{}).NewTestWorkflowEnvironment()
	var recorded *familypathv1.ForecastSnapshot
	env.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.MakeForecastRequest) (*familypathv1.ForecastSnapshot, error) {
			if r.GetPlanId() != "lancashire-phase2" || r.GetDraws() != 500 {
				return nil, errors.New("unexpected request")
			}
			return &familypathv1.ForecastSnapshot{Id: "s-1", PlanId: r.GetPlanId(), ForecastJson: []byte(`{}`)}, nil
		},
		activity.RegisterOptions{Name: contract.ActivityTrackingMakeForecast},
	)
	env.RegisterActivityWithOptions(
		func(_ context.Context, s *familypathv1.ForecastSnapshot) (*familypathv1.RecordForecastResponse, error) {
			recorded = s
			return &familypathv1.RecordForecastResponse{}, nil
		},
		activity.RegisterOptions{Name: contract.ActivityClaimsRecordForecast},
	)
	env.ExecuteWorkflow(Forecast, &familypathv1.ForecastInput{PlanId: "lancashire-phase2", Draws: 500})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if recorded == nil || recorded.GetId() != "s-1" {
		t.Fatalf("the dashboard was given %v", recorded)
	}
}

func TestAnUnknownPlanEndsTheWorkflowWithoutRetrying(t *testing.T) {
	env := (&testsuite.WorkflowTestSuite{}).NewTestWorkflowEnvironment()
	calls := 0
	env.RegisterActivityWithOptions(
		func(_ context.Context, _ *familypathv1.MakeForecastRequest) (*familypathv1.ForecastSnapshot, error) {
			calls++
			return nil, temporal.NewNonRetryableApplicationError("no published plan", "NotFound", nil)
		},
		activity.RegisterOptions{Name: contract.ActivityTrackingMakeForecast},
	)
	env.RegisterActivityWithOptions(
		func(_ context.Context, _ *familypathv1.ForecastSnapshot) (*familypathv1.RecordForecastResponse, error) {
			t.Error("nothing to record")
			return nil, nil
		},
		activity.RegisterOptions{Name: contract.ActivityClaimsRecordForecast},
	)
	env.ExecuteWorkflow(Forecast, &familypathv1.ForecastInput{PlanId: "nope"})
	if err := env.GetWorkflowError(); err == nil || calls != 1 {
		t.Fatalf("error %v after %d calls", err, calls)
	}
}

// Started after an identification run, the forecast waits for the run's families to be judged.
func TestAForecastAfterARunWaitsForItsFamilies(t *testing.T) {
	env := (&testsuite.WorkflowTestSuite{}).NewTestWorkflowEnvironment()
	start := env.Now()
	var madeAt time.Time
	env.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.MakeForecastRequest) (*familypathv1.ForecastSnapshot, error) {
			madeAt = env.Now()
			return &familypathv1.ForecastSnapshot{Id: "s-1", PlanId: r.GetPlanId(), ForecastJson: []byte(`{}`)}, nil
		},
		activity.RegisterOptions{Name: contract.ActivityTrackingMakeForecast},
	)
	env.RegisterActivityWithOptions(
		func(_ context.Context, _ *familypathv1.ForecastSnapshot) (*familypathv1.RecordForecastResponse, error) {
			return &familypathv1.RecordForecastResponse{}, nil
		},
		activity.RegisterOptions{Name: contract.ActivityClaimsRecordForecast},
	)
	env.ExecuteWorkflow(
		Forecast,
		&familypathv1.ForecastInput{PlanId: "lancashire-phase2", Settle: durationpb.New(time.Hour)},
	)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if madeAt.Sub(start) < time.Hour {
		t.Fatalf("forecast made %v after the start, before the families settled", madeAt.Sub(start))
	}
}
