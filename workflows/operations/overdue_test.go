package operations

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/proto/contract"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The gauge counts, through a real server's visibility, the running family workflows whose
// next action date has passed by more than the grace period, and only those.
func TestOverdueFamiliesCountsRunningFamiliesPastTheirNextActionDate(t *testing.T) {
	ctx := context.Background()
	addr, ns := testenv.TemporalAddress(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	keys, err := keyring.Parse(testenv.PayloadKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := temporalx.Dial(ctx, temporalx.Config{Address: addr, Namespace: ns, PayloadKeys: keys}, nil, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := temporalx.RegisterSearchAttributes(ctx, c, ns); err != nil {
		t.Fatal(err)
	}
	// Only this test sets NextActionDate, and "now" is far enough ahead that no real date
	// would count; the run's other workflows have no next action date and never count.
	now := time.Date(2090, 1, 1, 0, 0, 0, 0, time.UTC)
	queue := "overdue-test-" + testenv.Unique()
	start := func(id string, next time.Time) {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "family/" + id, TaskQueue: queue,
			TypedSearchAttributes: temporal.NewSearchAttributes(temporalx.SANextActionDate.ValueSet(next))},
			contract.WorkflowFamilyLifecycle)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), "family/"+id, "", "test over") })
	}
	start("overdue-"+testenv.Unique(), now.Add(-48*time.Hour))
	start("due-soon-"+testenv.Unique(), now.Add(-time.Hour))

	o := &OverdueFamilies{Client: c, Namespace: ns, Grace: 24 * time.Hour, Log: log, Now: func() time.Time { return now }}
	deadline := time.Now().Add(20 * time.Second)
	for { // visibility is eventually consistent
		got := testutil.ToFloat64(o)
		if got == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("overdue families = %v, want 1", got)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
