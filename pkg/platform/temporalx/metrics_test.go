package temporalx

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestSDKMetricsReachPrometheusWithOneLabelSetPerName(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := NewPrometheusMetrics(reg)
	h.WithTags(map[string]string{"activity_type": "identification.DescribeCandidate", "task_queue": "identification"}).
		Counter("temporal_activity_execution_failed").Inc(2)
	// Another call site with other tags (and one unknown tag) must not clash.
	h.WithTags(map[string]string{"workflow_type": "FamilyLifecycle", "client_name": "temporal_go"}).
		Counter("temporal_activity_execution_failed").Inc(1)
	h.Timer("temporal_request_latency").Record(20 * time.Millisecond)
	h.Gauge("temporal_num_pollers").Update(3)

	want := `
# HELP temporal_activity_execution_failed_total Temporal SDK counter temporal_activity_execution_failed.
# TYPE temporal_activity_execution_failed_total counter
temporal_activity_execution_failed_total{activity_type="",cause="",failure_reason="",namespace="",nexus_operation="",nexus_service="",operation="",poller_type="",status_code="",task_queue="",worker_type="",workflow_type="FamilyLifecycle"} 1
temporal_activity_execution_failed_total{activity_type="identification.DescribeCandidate",cause="",failure_reason="",namespace="",nexus_operation="",nexus_service="",operation="",poller_type="",status_code="",task_queue="identification",worker_type="",workflow_type=""} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "temporal_activity_execution_failed_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 4 {
		t.Errorf("gathered %d series, %v; want 4", n, err)
	}
}
