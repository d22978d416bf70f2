package forecasting

import (
	"context"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// ForecastAt is when, on the day of the month a plan's forecast runs, its ProgrammeForecast
// starts: early, after the night's judgements.
const ForecastAt = 6 // 06:00 Europe/London

// ScheduleForecasts makes one Temporal Schedule per plan still running: on day dayOfMonth of
// each month it starts a ProgrammeForecast of the plan, and the first starts at once so that
// a new deployment has a forecast. A schedule that exists is left as it is (`tracking
// schedule-forecasts` runs at every deploy); a plan whose programme has ended is reported, not
// scheduled.
func ScheduleForecasts(
	ctx context.Context,
	c client.Client,
	p *outcomes.Plan,
	dayOfMonth int,
	now time.Time,
) (temporalx.ScheduleReport, error) {
	var rep temporalx.ScheduleReport
	id := contract.ForecastWorkflowID(p.ID)
	if !now.Before(p.EffectiveTo.Time) {
		rep.Closed = append(rep.Closed, id)
		return rep, nil
	}
	return rep, rep.Ensure(ctx, c, client.ScheduleOptions{
		ID: id,
		Spec: client.ScheduleSpec{
			TimeZoneName: "Europe/London",
			EndAt:        p.EffectiveTo.Time,
			Calendars: []client.ScheduleCalendarSpec{{
				DayOfMonth: []client.ScheduleRange{
					{Start: dayOfMonth},
				}, Hour: []client.ScheduleRange{{Start: ForecastAt}},
				Month: []client.ScheduleRange{
					{Start: 1, End: 12},
				}, Year: []client.ScheduleRange{{Start: now.Year(), End: p.EffectiveTo.Time.Year()}},
				Comment: "monthly results forecast",
			}},
		},
		Action: &client.ScheduleWorkflowAction{
			ID: id, Workflow: contract.WorkflowForecast, TaskQueue: contract.QueueFamilyLifecycle,
			StaticSummary: "results forecast of " + p.ID,
			Args:          []any{&familypathv1.ForecastInput{PlanId: p.ID}},
		},
		Overlap:            enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		TriggerImmediately: true,
		Note:               "made by tracking schedule-forecasts from " + p.ID + " version " + strconv.Itoa(p.Version),
	})
}
