package ledger

import (
	"context"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// WindowOpensAt is when, in a window's opening day, its ClaimWindow workflow starts.
const WindowOpensAt = 9 // 09:00 Europe/London

// ScheduleClaimWindows makes one Temporal Schedule per claim window of the plan that has not
// closed: when the window opens, it starts the window's ClaimWindow workflow (a window open
// now starts at once). A schedule that exists is left as it is, so `claims
// schedule-claim-windows` runs at every deploy. Windows that have closed are reported, not
// scheduled.
func ScheduleClaimWindows(
	ctx context.Context,
	c client.Client,
	p *outcomes.Plan,
	now time.Time,
) (temporalx.ScheduleReport, error) {
	var rep temporalx.ScheduleReport
	for _, w := range p.ClaimWindows {
		id := contract.ClaimWindowWorkflowID(p.ID, w.ID)
		opens, closes := w.Opens.Time, w.Closes.Time
		if !now.Before(closes) {
			rep.Closed = append(rep.Closed, id)
			continue
		}
		err := rep.Ensure(ctx, c, client.ScheduleOptions{
			ID: id,
			Spec: client.ScheduleSpec{TimeZoneName: "Europe/London", Calendars: []client.ScheduleCalendarSpec{{
				Year: []client.ScheduleRange{
					{Start: opens.Year()},
				}, Month: []client.ScheduleRange{{Start: int(opens.Month())}},
				DayOfMonth: []client.ScheduleRange{
					{Start: opens.Day()},
				}, Hour: []client.ScheduleRange{{Start: WindowOpensAt}},
				Comment: "claim window " + w.ID + " opens",
			}}},
			Action: &client.ScheduleWorkflowAction{
				ID: id, Workflow: contract.WorkflowClaimWindow, TaskQueue: contract.QueueFamilyLifecycle,
				StaticSummary: "claim window " + w.ID + " of " + p.ID,
				Args: []any{
					&familypathv1.ClaimWindowInput{WindowId: w.ID, PlanId: p.ID, ClosesAt: timestamppb.New(closes),
						AuditSampleRate: p.AuditSampleRate, DecisionDue: durationpb.New(14 * 24 * time.Hour), ReminderEvery: durationpb.New(3 * 24 * time.Hour)},
				},
			},
			RemainingActions:   1,
			TriggerImmediately: !now.Before(opens),
			Note: "made by claims schedule-claim-windows from " + p.ID + " version " + strconv.Itoa(
				p.Version,
			),
		})
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}
