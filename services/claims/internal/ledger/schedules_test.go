package ledger

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/plans"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// On a real server: a schedule per window that has not closed, at 09:00 London on its
// opening day, starting its ClaimWindow with the plan's audit rate; a second run changes
// nothing.
func TestClaimWindowsAreScheduledOnceEach(t *testing.T) {
	ctx := context.Background()
	c := servicetest.TemporalClient(t)
	keys, err := keyring.Parse(testenv.PayloadKeys(t)) // to open the schedule's stored input
	if err != nil {
		t.Fatal(err)
	}
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ps.Latest("lancashire-phase2")
	now := time.Date(2019, 6, 1, 12, 0, 0, 0, time.UTC) // windows 2019-07, 2019-10 and 2020-01 are ahead
	rep, err := ScheduleClaimWindows(ctx, c, p, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range rep.Created {
		t.Cleanup(func() { _ = c.ScheduleClient().GetHandle(context.Background(), id).Delete(context.Background()) })
	}
	want := []string{
		contract.ClaimWindowWorkflowID(p.ID, "2019-07"),
		contract.ClaimWindowWorkflowID(p.ID, "2019-10"),
		contract.ClaimWindowWorkflowID(p.ID, "2020-01"),
	}
	if strings.Join(rep.Created, ",") != strings.Join(want, ",") || len(rep.Closed) != len(p.ClaimWindows)-3 {
		t.Fatalf("created %v, closed %d", rep.Created, len(rep.Closed))
	}
	desc, err := c.ScheduleClient().GetHandle(ctx, want[0]).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cal := desc.Schedule.Spec.Calendars[0]
	if desc.Schedule.Spec.TimeZoneName != "Europe/London" || cal.Year[0].Start != 2019 || cal.Month[0].Start != 7 ||
		cal.DayOfMonth[0].Start != 1 ||
		cal.Hour[0].Start != WindowOpensAt ||
		desc.Schedule.State.RemainingActions != 1 {
		t.Errorf("schedule %+v", desc.Schedule.Spec)
	}
	action := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if len(action.Args) != 1 || action.Workflow != contract.WorkflowClaimWindow ||
		action.TaskQueue != contract.QueueFamilyLifecycle {
		t.Fatalf("action %+v", action)
	}
	// The stored input is encrypted like every payload; opened, it is the window's.
	stored := action.Args[0].(*commonpb.Payload)
	if string(stored.GetMetadata()["encoding"]) != temporalx.EncodingEncrypted {
		t.Errorf("the schedule's input is stored as %s", stored.GetMetadata()["encoding"])
	}
	plain, err := temporalx.EncryptionCodec{Keys: keys}.Decode([]*commonpb.Payload{stored})
	var in familypathv1.ClaimWindowInput
	if err != nil || converter.GetDefaultDataConverter().FromPayload(plain[0], &in) != nil ||
		in.GetWindowId() != "2019-07" ||
		in.GetAuditSampleRate() != 0.10 ||
		!in.GetClosesAt().AsTime().Equal(time.Date(2019, 7, 28, 0, 0, 0, 0, time.UTC).Add(-time.Hour)) {
		t.Errorf("input %v (%v)", &in, err)
	}
	again, err := ScheduleClaimWindows(ctx, c, p, now)
	if err != nil || len(again.Created) != 0 || len(again.Existing) != 3 {
		t.Errorf("second run: %+v %v", again, err)
	}
}
