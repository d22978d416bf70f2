package temporalx

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// sdkLabels is the fixed label set of every Temporal SDK metric. Prometheus wants one label
// set per metric name while the SDK tags each call site differently, so every metric carries
// all of them ("" where a call site has no such tag) and unknown tags are dropped.
var sdkLabels = []string{"namespace", "task_queue", "worker_type", "poller_type", "workflow_type", "activity_type",
	"operation", "failure_reason", "cause", "status_code", "nexus_service", "nexus_operation"}

// PrometheusMetrics exports the SDK's metrics (temporal_activity_execution_failed_total,
// temporal_workflow_task_execution_failed_total, ...) to a Prometheus registry; the chart's
// alert rules are written against these names.
type PrometheusMetrics struct {
	vecs *sdkVecs
	tags map[string]string
}

type sdkVecs struct {
	reg        prometheus.Registerer
	mu         sync.Mutex
	counters   map[string]*prometheus.CounterVec
	gauges     map[string]*prometheus.GaugeVec
	histograms map[string]*prometheus.HistogramVec
}

// NewPrometheusMetrics returns an SDK metrics handler that registers on reg.
func NewPrometheusMetrics(reg prometheus.Registerer) client.MetricsHandler {
	return &PrometheusMetrics{vecs: &sdkVecs{reg: reg, counters: map[string]*prometheus.CounterVec{},
		gauges: map[string]*prometheus.GaugeVec{}, histograms: map[string]*prometheus.HistogramVec{}}}
}

// WithTags returns a handler whose metrics carry tags as well.
func (m *PrometheusMetrics) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(m.tags)+len(tags))
	for k, v := range m.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return &PrometheusMetrics{vecs: m.vecs, tags: merged}
}

func (m *PrometheusMetrics) labels() prometheus.Labels {
	l := make(prometheus.Labels, len(sdkLabels))
	for _, k := range sdkLabels {
		l[k] = m.tags[k]
	}
	return l
}

// Counter returns the counter name + "_total".
func (m *PrometheusMetrics) Counter(name string) client.MetricsCounter {
	c := vec(m.vecs, m.vecs.counters, name, func() *prometheus.CounterVec {
		return prometheus.NewCounterVec(
			prometheus.CounterOpts{Name: name + "_total", Help: "Temporal SDK counter " + name + "."},
			sdkLabels,
		)
	})
	return counter{c.With(m.labels())}
}

// Gauge returns the gauge name.
func (m *PrometheusMetrics) Gauge(name string) client.MetricsGauge {
	g := vec(m.vecs, m.vecs.gauges, name, func() *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(
			prometheus.GaugeOpts{Name: name, Help: "Temporal SDK gauge " + name + "."},
			sdkLabels,
		)
	})
	return gauge{g.With(m.labels())}
}

// Timer returns the histogram name + "_seconds".
func (m *PrometheusMetrics) Timer(name string) client.MetricsTimer {
	h := vec(m.vecs, m.vecs.histograms, name, func() *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(
			prometheus.HistogramOpts{Name: name + "_seconds", Help: "Temporal SDK timer " + name + ".",
				Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}},
			sdkLabels,
		)
	})
	return timer{h.With(m.labels())}
}

// vec returns the metric vector registered under name, making and registering it the first time.
func vec[V prometheus.Collector](v *sdkVecs, known map[string]V, name string, make func() V) V {
	v.mu.Lock()
	defer v.mu.Unlock()
	if c, ok := known[name]; ok {
		return c
	}
	c := register(v.reg, make())
	known[name] = c
	return c
}

// register registers c, or returns the collector already registered under its name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("temporalx: register SDK metric: " + err.Error())
	}
	return c
}

type counter struct{ c prometheus.Counter }

func (c counter) Inc(n int64) { c.c.Add(float64(n)) }

type gauge struct{ g prometheus.Gauge }

func (g gauge) Update(v float64) { g.g.Set(v) }

type timer struct{ h prometheus.Observer }

func (t timer) Record(d time.Duration) { t.h.Observe(d.Seconds()) }
