// Package operations holds what operators watch about the family workflows, outside
// workflow code (it may use the clock and the network).
package operations

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// Counted is what a gauge of running workflows needs: the Temporal client, the namespace,
// how long an answer is kept (visibility is asked at most once per CacheFor, whatever the
// scrape rate), a logger and a clock.
type Counted struct {
	Client    client.Client
	Namespace string
	CacheFor  time.Duration
	Log       *slog.Logger
	Now       func() time.Time

	mu      sync.Mutex
	value   float64
	fetched time.Time
	ok      bool
}

// collect sends the count of workflows the query matches as desc. When visibility cannot
// answer, the gauge is absent rather than a misleading zero (the alert rules also watch for
// its absence).
func (c *Counted) collect(
	ch chan<- prometheus.Metric,
	desc *prometheus.Desc,
	query func(time.Time) string,
	labels ...string,
) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now()
	if now.Sub(c.fetched) >= c.CacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := c.Client.CountWorkflow(
			ctx,
			&workflowservice.CountWorkflowExecutionsRequest{Namespace: c.Namespace, Query: query(now)},
		)
		cancel()
		c.fetched, c.ok = now, err == nil
		if err != nil {
			c.Log.Warn("count family workflows", "metric", desc.String(), "error", err.Error())
		} else {
			c.value = float64(resp.GetCount())
		}
	}
	if c.ok {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, c.value, labels...)
	}
}

// runningFamilies is the start of every query: running family workflows.
const runningFamilies = `WorkflowType = "` + contract.WorkflowFamilyLifecycle + `" AND ExecutionStatus = "Running"`

// OverdueFamilies exports familypath_overdue_families: running family workflows whose
// NextActionDate search attribute is more than Grace in the past (a timer that should have
// fired, or an action nobody took). The chart's FamilypathOverdueFamilies alert uses it.
type OverdueFamilies struct {
	Counted
	Grace time.Duration
}

var overdueDesc = prometheus.NewDesc("familypath_overdue_families",
	"Running FamilyLifecycle workflows whose NextActionDate is more than the grace period in the past.", nil, nil)

// Query is the visibility query the gauge counts, at a moment.
func (o *OverdueFamilies) Query(now time.Time) string {
	return runningFamilies + ` AND NextActionDate < "` + now.Add(-o.Grace).UTC().Format(time.RFC3339) + `"`
}

// Describe implements prometheus.Collector.
func (o *OverdueFamilies) Describe(ch chan<- *prometheus.Desc) { ch <- overdueDesc }

// Collect implements prometheus.Collector.
func (o *OverdueFamilies) Collect(ch chan<- prometheus.Metric) { o.collect(ch, overdueDesc, o.Query) }

// ServiceSteps are the WaitingFor codes of a family waiting on a service's activity (the
// description of its problems, its attachment fee, a judgement, its claim's record), which
// answer in seconds while the service's worker runs; the other codes wait on people, data
// or the calendar.
var ServiceSteps = []string{"IDENTIFICATION_DESCRIBE", "ATTACHMENT_FEE", "TRACKING_JUDGEMENT", "CLAIM_RECORD"}

// StalledSteps exports familypath_stalled_service_steps: running family workflows that have
// waited on a service's activity (ServiceSteps) for longer than Grace, as their WaitingFor and
// WaitingSince search attributes show. An activity scheduled on a task queue no worker polls
// raises no error and no SDK metric (nothing picks it up to measure); this count does. The
// chart's FamilypathStalledServiceSteps alert uses it.
type StalledSteps struct {
	Counted
	Grace time.Duration
}

var stalledDesc = prometheus.NewDesc("familypath_stalled_service_steps",
	"Running FamilyLifecycle workflows waiting on a service's activity for longer than the grace period.", nil, nil)

// Query is the visibility query the gauge counts, at a moment.
func (s *StalledSteps) Query(now time.Time) string {
	return runningFamilies + ` AND WaitingFor IN ("` + strings.Join(ServiceSteps, `", "`) + `") AND WaitingSince < "` +
		now.Add(-s.Grace).UTC().Format(time.RFC3339) + `"`
}

// Describe implements prometheus.Collector.
func (s *StalledSteps) Describe(ch chan<- *prometheus.Desc) { ch <- stalledDesc }

// Collect implements prometheus.Collector.
func (s *StalledSteps) Collect(ch chan<- prometheus.Metric) { s.collect(ch, stalledDesc, s.Query) }

// FamiliesByPhase exports familypath_running_families{phase}: running family workflows by
// their FamilyPhase search attribute, one visibility count per phase (cached like the others),
// for the programme's dashboard.
type FamiliesByPhase struct {
	// Where narrows every count (a visibility condition such as `TaskQueue = "..."`); empty
	// counts them all.
	Where  string
	phases []string
	counts []*Counted
}

var phaseDesc = prometheus.NewDesc("familypath_running_families",
	"Running FamilyLifecycle workflows by their FamilyPhase.", []string{"phase"}, nil)

// runningPhases are the phases a running family workflow is in (the others end it).
var runningPhases = []familypathv1.FamilyPhase{familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED,
	familypathv1.FamilyPhase_FAMILY_PHASE_ATTACHED, familypathv1.FamilyPhase_FAMILY_PHASE_TRACKING,
	familypathv1.FamilyPhase_FAMILY_PHASE_CLAIM_CANDIDATE, familypathv1.FamilyPhase_FAMILY_PHASE_CLAIMED,
	familypathv1.FamilyPhase_FAMILY_PHASE_SUBMITTED}

// NewFamiliesByPhase counts each phase a running family can be in, each with its own cache.
func NewFamiliesByPhase(counted func() Counted) *FamiliesByPhase {
	f := &FamiliesByPhase{}
	for _, p := range runningPhases {
		c := counted()
		f.phases, f.counts = append(f.phases, p.String()), append(f.counts, &c)
	}
	return f
}

// Describe implements prometheus.Collector.
func (f *FamiliesByPhase) Describe(ch chan<- *prometheus.Desc) { ch <- phaseDesc }

// Collect implements prometheus.Collector.
func (f *FamiliesByPhase) Collect(ch chan<- prometheus.Metric) {
	for i, phase := range f.phases {
		query := func(time.Time) string {
			q := runningFamilies + ` AND FamilyPhase = "` + phase + `"`
			if f.Where != "" {
				q += " AND " + f.Where
			}
			return q
		}
		f.counts[i].collect(ch, phaseDesc, query, strings.TrimPrefix(phase, "FAMILY_PHASE_"))
	}
}
