// Package servicetest holds checks every service runs on itself.
package servicetest

import (
	"io"
	"log/slog"
	"testing"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/prometheus/client_golang/prometheus"
)

// OpenAPIMatchesRoutes fails when the service's served routes and its OpenAPI document differ.
func OpenAPIMatchesRoutes(t *testing.T, def service.Definition) {
	t.Helper()
	d := &service.Deps{
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics:     prometheus.NewRegistry(),
		Idempotency: &httpapi.Idempotency{Service: def.Name},
	}
	engine, err := service.NewEngine(def, d)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := httpapi.RouteDiff(engine, def.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
}
