// Package claims is the claims service. Claims results, runs claim windows, the audit sample and auditors' decisions, keeps the payments ledger and serves the programme dashboard.
package claims

import (
	_ "embed"

	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/proto/contract"
	"github.com/familypath/familypath/services/claims/migrations"
)

//go:embed openapi.yaml
var openAPI []byte

// Definition is the claims service for the platform's runner.
func Definition() service.Definition {
	return service.Definition{
		Name:       contract.QueueClaims,
		Migrations: migrations.FS,
		OpenAPI:    openAPI,
	}
}
