package operations

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/proto/contract"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The gauges count, through a real server's visibility, the running family workflows whose
// next action date has passed by more than the grace period, and those waiting on a
// service's activity for longer than theirs, and only those.
func TestOverdueFamiliesCountsRunningFamiliesPastTheirNextActionDate(t *testing.T) {
	ctx := context.Background()
	_, ns := testenv.TemporalAddress(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := servicetest.TemporalClient(t)
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

	o := &OverdueFamilies{
		Counted: Counted{Client: c, Namespace: ns, Log: log, Now: func() time.Time { return now }},
		Grace:   24 * time.Hour,
	}
	eventually(t, o, 1)

	// Families waiting on a service's activity: one for an hour (stalled), one for a minute,
	// one for an hour on a claim window (the calendar, not a service).
	waiting := func(id, code string, since time.Time) {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "family/" + id, TaskQueue: queue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				temporalx.SAWaitingFor.ValueSet(code),
				temporalx.SAWaitingSince.ValueSet(since),
			)},
			contract.WorkflowFamilyLifecycle)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), "family/"+id, "", "test over") })
	}
	waiting("stalled-"+testenv.Unique(), "TRACKING_JUDGEMENT", now.Add(-time.Hour))
	waiting("judging-"+testenv.Unique(), "TRACKING_JUDGEMENT", now.Add(-time.Minute))
	waiting("window-"+testenv.Unique(), "CLAIM_WINDOW_OUTCOME", now.Add(-time.Hour))
	s := &StalledSteps{
		Counted: Counted{Client: c, Namespace: ns, Log: log, Now: func() time.Time { return now }},
		Grace:   15 * time.Minute,
	}
	eventually(t, s, 1)
}

// Running families are counted by phase, each phase with its own label; only running ones.
func TestRunningFamiliesAreCountedByPhase(t *testing.T) {
	ctx := context.Background()
	_, ns := testenv.TemporalAddress(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := servicetest.TemporalClient(t)
	queue := "phase-test-" + testenv.Unique() // only this test's families count
	start := func(phase string) string {
		id := "family/phase-" + testenv.Unique()
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				temporalx.SAFamilyPhase.ValueSet(phase),
			)}, contract.WorkflowFamilyLifecycle)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), id, "", "test over") })
		return id
	}
	start("FAMILY_PHASE_TRACKING")
	start("FAMILY_PHASE_TRACKING")
	ended := start("FAMILY_PHASE_CLAIMED")
	if err := c.TerminateWorkflow(ctx, ended, "", "ended: not running"); err != nil {
		t.Fatal(err)
	}
	start("FAMILY_PHASE_SUBMITTED")
	f := NewFamiliesByPhase(func() Counted { return Counted{Client: c, Namespace: ns, Log: log, Now: time.Now} })
	f.Where = `TaskQueue = "` + queue + `"`
	want := map[string]float64{"TRACKING": 2, "SUBMITTED": 1, "CLAIMED": 0, "IDENTIFIED": 0}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		got := map[string]float64{}
		for _, phase := range []string{"TRACKING", "SUBMITTED", "CLAIMED", "IDENTIFIED"} {
			got[phase] = testutil.ToFloat64(phaseGauge{f, phase})
		}
		if maps.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("by phase %v, want %v", got, want)
		}
		f = NewFamiliesByPhase(func() Counted { return Counted{Client: c, Namespace: ns, Log: log, Now: time.Now} })
		f.Where = `TaskQueue = "` + queue + `"`
	}
}

// phaseGauge is one phase's series of FamiliesByPhase, for testutil.
type phaseGauge struct {
	f     *FamiliesByPhase
	phase string
}

func (g phaseGauge) Describe(ch chan<- *prometheus.Desc) { g.f.Describe(ch) }
func (g phaseGauge) Collect(ch chan<- prometheus.Metric) {
	all := make(chan prometheus.Metric, 16)
	g.f.Collect(all)
	close(all)
	for m := range all {
		if strings.Contains(m.Desc().String(), "familypath_running_families") && labelOf(m) == g.phase {
			ch <- m
		}
	}
}

// labelOf is a metric's phase label.
func labelOf(m prometheus.Metric) string {
	var out dto.Metric
	if m.Write(&out) != nil || len(out.GetLabel()) == 0 {
		return ""
	}
	return out.GetLabel()[0].GetValue()
}

// eventually waits until the gauge reads want: visibility is eventually consistent.
func eventually(t *testing.T, g prometheus.Collector, want float64) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		got := testutil.ToFloat64(g)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gauge = %v, want %v", got, want)
		}
	}
}
