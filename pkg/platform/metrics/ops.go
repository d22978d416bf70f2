// Package metrics serves Prometheus metrics, and the liveness and readiness endpoints of
// processes that have no API of their own (workers), on a separate port from any API.
package metrics

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one dependency the readiness endpoint asks about.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves /metrics, /healthz and /readyz.
func Handler(log *slog.Logger, reg *prometheus.Registry, checks []Check) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		code, body := Ready(r.Context(), log, checks)
		writeJSON(w, code, body)
	})
	return mux
}

// Ready asks each dependency (2 s in all) and answers the readiness status code and body:
// each dependency "ok" or "unreachable"; the cause goes to the log only.
func Ready(ctx context.Context, log *slog.Logger, checks []Check) (int, map[string]any) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	status, code := "ok", http.StatusOK
	res := make(map[string]string, len(checks))
	for _, c := range checks {
		if err := c.Ping(ctx); err != nil {
			log.WarnContext(ctx, "readiness check failed", "dependency", c.Name, "error", err.Error())
			res[c.Name], status, code = "unreachable", "unavailable", http.StatusServiceUnavailable
			continue
		}
		res[c.Name] = "ok"
	}
	return code, map[string]any{"status": status, "checks": res}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
