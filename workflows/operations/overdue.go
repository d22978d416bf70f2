// Package operations holds what operators watch about the family workflows, outside
// workflow code (it may use the clock and the network).
package operations

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/familypath/familypath/proto/contract"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// OverdueFamilies exports familypath_overdue_families: running family workflows whose
// NextActionDate search attribute is more than Grace in the past (a timer that should have
// fired, or an action nobody took). The chart's FamilypathOverdueFamilies alert uses it.
// It asks Temporal's visibility store at most once per CacheFor, whatever the scrape rate.
type OverdueFamilies struct {
	Client    client.Client
	Namespace string
	Grace     time.Duration
	CacheFor  time.Duration
	Log       *slog.Logger
	Now       func() time.Time

	mu      sync.Mutex
	value   float64
	fetched time.Time
	ok      bool
}

var overdueDesc = prometheus.NewDesc("familypath_overdue_families",
	"Running FamilyLifecycle workflows whose NextActionDate is more than the grace period in the past.", nil, nil)

// Query is the visibility query the gauge counts, at a moment.
func (o *OverdueFamilies) Query(now time.Time) string {
	return `WorkflowType = "` + contract.WorkflowFamilyLifecycle + `" AND ExecutionStatus = "Running" AND NextActionDate < "` +
		now.Add(-o.Grace).UTC().Format(time.RFC3339) + `"`
}

// Describe implements prometheus.Collector.
func (o *OverdueFamilies) Describe(ch chan<- *prometheus.Desc) { ch <- overdueDesc }

// Collect implements prometheus.Collector. When visibility cannot answer, the gauge is
// absent rather than a misleading zero (the alert rules also watch for its absence).
func (o *OverdueFamilies) Collect(ch chan<- prometheus.Metric) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.Now()
	if now.Sub(o.fetched) >= o.CacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := o.Client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: o.Namespace, Query: o.Query(now)})
		cancel()
		o.fetched, o.ok = now, err == nil
		if err != nil {
			o.Log.Warn("count overdue families", "error", err.Error())
		} else {
			o.value = float64(resp.GetCount())
		}
	}
	if o.ok {
		ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, o.value)
	}
}
