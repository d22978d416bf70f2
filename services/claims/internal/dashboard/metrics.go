package dashboard

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
)

// ClaimsByStatus exports familypath_claims{plan, status}: the claims ledger by plan and status
// (READY, IN_WINDOW, SUBMITTED, PAID, HELD, FAILED_AUDIT, ...), for the programme's Grafana
// dashboard. The ledger is read at most once per CacheFor, whatever the scrape rate; when it
// cannot be read, the series are absent rather than a misleading zero.
type ClaimsByStatus struct {
	DB       *gorm.DB
	Log      *slog.Logger
	CacheFor time.Duration

	mu      sync.Mutex
	rows    []claimCount
	fetched time.Time
	ok      bool
}

var claimsDesc = prometheus.NewDesc(
	"familypath_claims",
	"Claims in the ledger by plan and status.",
	[]string{"plan", "status"},
	nil,
)

// Describe implements prometheus.Collector.
func (c *ClaimsByStatus) Describe(ch chan<- *prometheus.Desc) { ch <- claimsDesc }

// Collect implements prometheus.Collector.
func (c *ClaimsByStatus) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.fetched) >= c.CacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		rows, err := Store{DB: c.DB}.ClaimsByStatus(ctx)
		cancel()
		c.fetched, c.ok = time.Now(), err == nil
		if err != nil {
			c.Log.Warn("count claims by status", "error", err.Error())
		} else {
			c.rows = rows
		}
	}
	if !c.ok {
		return
	}
	for _, r := range c.rows {
		ch <- prometheus.MustNewConstMetric(claimsDesc, prometheus.GaugeValue, float64(r.N), r.Plan, r.Status)
	}
}
