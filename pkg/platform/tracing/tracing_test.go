package tracing

import (
	"context"
	"testing"
)

func env(vars map[string]string) Env { return func(k string) string { return vars[k] } }

// Tracing is off unless an OTLP endpoint or exporter is named, and the SDK's own switches
// turn it off.
func TestTracingIsOffUnlessTheEnvironmentAsks(t *testing.T) {
	for _, c := range []struct {
		name string
		vars map[string]string
		want bool
	}{
		{"nothing set", nil, false},
		{"an endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true},
		{"a traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, true},
		{"the exporter named", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true},
		{"exporter none", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c"}, false},
		{"SDK disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Enabled(env(c.vars)); got != c.want {
				t.Errorf("Enabled = %v, want %v", got, c.want)
			}
		})
	}
}

// Only OTLP over HTTP is built in: asking for gRPC is a clear error at start, not silence.
func TestStartRefusesAnExportProtocolItDoesNotHave(t *testing.T) {
	_, err := Start(context.Background(), env(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
	}), "tracking", "test")
	if err == nil {
		t.Fatal("started with OTEL_EXPORTER_OTLP_PROTOCOL=grpc")
	}
	stop, err := Start(context.Background(), env(nil), "tracking", "test")
	if err != nil || stop(context.Background()) != nil {
		t.Fatalf("off: %v", err)
	}
}

// A statement's span is named by its operation alone: never its text, which can hold data.
func TestStatementSpansAreNamedByOperationOnly(t *testing.T) {
	for sql, want := range map[string]string{
		"SELECT name FROM case.members WHERE id = $1":         "SELECT",
		"  insert into t values ('Jane Doe')":                 "INSERT",
		"WITH x AS (SELECT 1) SELECT * FROM x":                "WITH",
		"(SELECT 1) UNION (SELECT 2)":                         "SELECT",
		"-- Jane Doe's record\nSELECT 1":                      "SQL",
		"/* comment */ DELETE FROM t":                         "SQL",
		"":                                                    "SQL",
		"UPDATE\tt SET a = 'x' WHERE b = 'Smith, 1985-02-01'": "UPDATE",
	} {
		if got := Operation(sql); got != want {
			t.Errorf("Operation(%q) = %q, want %q", sql, got, want)
		}
	}
}
