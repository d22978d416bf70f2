package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestLogsAreJSONWithRequestIDAndRedactPersonalKeys(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "info", "identification", "serve")
	ctx := WithRequestID(context.Background(), "req-123")
	log.InfoContext(ctx, "recorded", "family_id", "f-1", "surname", "Smith", "child_dob", "2010-01-01")

	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not JSON: %v: %s", err, buf.String())
	}
	if line["request_id"] != "req-123" || line["service"] != "identification" || line["family_id"] != "f-1" {
		t.Errorf("missing fields: %v", line)
	}
	if strings.Contains(buf.String(), "Smith") || strings.Contains(buf.String(), "2010-01-01") {
		t.Errorf("personal data reached the log: %s", buf.String())
	}
}
