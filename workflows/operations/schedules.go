package operations

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// WindowOpensAt is when, in a window's opening day, its ClaimWindow workflow starts.
const WindowOpensAt = 9 // 09:00 Europe/London

// ScheduleReport says what ScheduleClaimWindows did, by schedule id.
type ScheduleReport struct {
	Created, Existing, Closed []string
}

// ScheduleClaimWindows makes one Temporal Schedule per claim window of the plan that has not
// closed: when the window opens, it starts the window's ClaimWindow workflow (a window open
// now starts at once). A schedule that exists is left as it is, so the command runs at every
// deploy. Windows that have closed are reported, not scheduled.
func ScheduleClaimWindows(ctx context.Context, c client.Client, p *outcomes.Plan, now time.Time) (ScheduleReport, error) {
	var rep ScheduleReport
	for _, w := range p.ClaimWindows {
		id := contract.ClaimWindowWorkflowID(p.ID, w.ID)
		opens, closes := w.Opens.Time, w.Closes.Time
		if !now.Before(closes) {
			rep.Closed = append(rep.Closed, id)
			continue
		}
		_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID: id,
			Spec: client.ScheduleSpec{TimeZoneName: "Europe/London", Calendars: []client.ScheduleCalendarSpec{{
				Year: []client.ScheduleRange{{Start: opens.Year()}}, Month: []client.ScheduleRange{{Start: int(opens.Month())}},
				DayOfMonth: []client.ScheduleRange{{Start: opens.Day()}}, Hour: []client.ScheduleRange{{Start: WindowOpensAt}},
				Comment: "claim window " + w.ID + " opens",
			}}},
			Action: &client.ScheduleWorkflowAction{
				ID: id, Workflow: contract.WorkflowClaimWindow, TaskQueue: contract.QueueFamilyLifecycle,
				StaticSummary: "claim window " + w.ID + " of " + p.ID,
				Args: []any{&familypathv1.ClaimWindowInput{WindowId: w.ID, PlanId: p.ID, ClosesAt: timestamppb.New(closes),
					AuditSampleRate: p.AuditSampleRate, DecisionDue: durationpb.New(14 * 24 * time.Hour), ReminderEvery: durationpb.New(3 * 24 * time.Hour)}},
			},
			RemainingActions:   1,
			TriggerImmediately: !now.Before(opens),
			Note:               "made by workflow-worker schedule-claim-windows from " + p.ID + " version " + strconv.Itoa(p.Version),
		})
		if err := rep.add(id, err); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// add reports what creating the schedule id did: created, or kept as it was.
func (rep *ScheduleReport) add(id string, err error) error {
	var exists *serviceerror.AlreadyExists
	switch {
	case err == nil:
		rep.Created = append(rep.Created, id)
	case errors.As(err, &exists) || errors.Is(err, temporal.ErrScheduleAlreadyRunning):
		rep.Existing = append(rep.Existing, id)
	default:
		return err
	}
	return nil
}

// ForecastAt is when, on the day of the month a plan's forecast runs, its ProgrammeForecast
// starts: early, after the night's judgements.
const ForecastAt = 6 // 06:00 Europe/London

// ScheduleForecasts makes one Temporal Schedule per plan still running: on day dayOfMonth of
// each month it starts a ProgrammeForecast of the plan, and the first starts at once so that
// a new deployment has a forecast. A schedule that exists is left as it is (the command runs
// at every deploy); a plan whose programme has ended is reported, not scheduled.
func ScheduleForecasts(ctx context.Context, c client.Client, p *outcomes.Plan, dayOfMonth int, now time.Time) (ScheduleReport, error) {
	var rep ScheduleReport
	id := contract.ForecastWorkflowID(p.ID)
	if !now.Before(p.EffectiveTo.Time) {
		rep.Closed = append(rep.Closed, id)
		return rep, nil
	}
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: id,
		Spec: client.ScheduleSpec{TimeZoneName: "Europe/London", EndAt: p.EffectiveTo.Time, Calendars: []client.ScheduleCalendarSpec{{
			DayOfMonth: []client.ScheduleRange{{Start: dayOfMonth}}, Hour: []client.ScheduleRange{{Start: ForecastAt}},
			Month: []client.ScheduleRange{{Start: 1, End: 12}}, Year: []client.ScheduleRange{{Start: now.Year(), End: p.EffectiveTo.Time.Year()}},
			Comment: "monthly results forecast",
		}}},
		Action: &client.ScheduleWorkflowAction{
			ID: id, Workflow: contract.WorkflowForecast, TaskQueue: contract.QueueFamilyLifecycle,
			StaticSummary: "results forecast of " + p.ID,
			Args:          []any{&familypathv1.ForecastInput{PlanId: p.ID}},
		},
		Overlap:            enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		TriggerImmediately: true,
		Note:               "made by workflow-worker schedule-forecasts from " + p.ID + " version " + strconv.Itoa(p.Version),
	})
	return rep, rep.add(id, err)
}
