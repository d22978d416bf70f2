package forecasting

import (
	"context"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/plans"
	"github.com/familypath/familypath/proto/contract"
	"go.temporal.io/sdk/client"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// On a real server: a running plan's forecast is scheduled monthly on the day asked, at 06:00
// London, until the programme ends; a second run keeps it; an ended plan is not scheduled.
func TestForecastsAreScheduledMonthlyWhileTheProgrammeRuns(t *testing.T) {
	ctx := context.Background()
	c := servicetest.TemporalClient(t)
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ps.Latest("lancashire-phase2")
	if rep, err := ScheduleForecasts(ctx, c, p, 5, p.EffectiveTo.Time.Add(time.Hour)); err != nil ||
		len(rep.Closed) != 1 ||
		len(rep.Created) != 0 {
		t.Fatalf("an ended programme: %+v %v", rep, err)
	}
	// A copy of the plan under an id of this test's own, so that runs of the suite do not meet.
	own := *p
	own.ID = "forecast-test-" + testenv.Unique()
	now := time.Date(2016, 6, 1, 12, 0, 0, 0, time.UTC)
	rep, err := ScheduleForecasts(ctx, c, &own, 5, now)
	if err != nil || len(rep.Created) != 1 || rep.Created[0] != contract.ForecastWorkflowID(own.ID) {
		t.Fatalf("created %+v %v", rep, err)
	}
	h := c.ScheduleClient().GetHandle(ctx, rep.Created[0])
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	desc, err := h.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cal := desc.Schedule.Spec.Calendars[0]
	if cal.DayOfMonth[0].Start != 5 || cal.Hour[0].Start != ForecastAt ||
		!desc.Schedule.Spec.EndAt.Equal(p.EffectiveTo.Time) {
		t.Errorf("schedule %+v", desc.Schedule.Spec)
	}
	if a := desc.Schedule.Action.(*client.ScheduleWorkflowAction); a.Workflow != contract.WorkflowForecast ||
		a.TaskQueue != contract.QueueFamilyLifecycle {
		t.Errorf("action %+v", a)
	}
	again, err := ScheduleForecasts(ctx, c, &own, 5, now)
	if err != nil || len(again.Existing) != 1 || len(again.Created) != 0 {
		t.Errorf("second run: %+v %v", again, err)
	}
}
