// Package tracking is the tracking service. Judges each attached family's problems with the Outcomes Plan engine, keeps per-problem status and sustained deadlines, and reports projections.
package tracking

import (
	_ "embed"

	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/proto/contract"
	"github.com/familypath/familypath/services/tracking/migrations"
)

//go:embed openapi.yaml
var openAPI []byte

// Definition is the tracking service for the platform's runner.
func Definition() service.Definition {
	return service.Definition{
		Name:       contract.QueueTracking,
		Migrations: migrations.FS,
		OpenAPI:    openAPI,
	}
}
