package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func TestLogsAreJSONWithRequestAndTraceIDsAndRedactPersonalKeys(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "info", "identification", "serve")
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(WithRequestID(context.Background(), "req-123"),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))
	log.InfoContext(ctx, "recorded", "family_id", "f-1", "surname", "Smith", "child_dob", "2010-01-01")

	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not JSON: %v: %s", err, buf.String())
	}
	if line["request_id"] != "req-123" || line["service"] != "identification" || line["family_id"] != "f-1" ||
		line["trace_id"] != tid.String() {
		t.Errorf("missing fields: %v", line)
	}
	if strings.Contains(buf.String(), "Smith") || strings.Contains(buf.String(), "2010-01-01") {
		t.Errorf("personal data reached the log: %s", buf.String())
	}
}
