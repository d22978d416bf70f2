package httpapi

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The shared components join a service's own; a service that defines one itself is refused,
// so each is written once.
func TestSharedComponentsJoinTheServicesOwnOnce(t *testing.T) {
	own := "openapi: 3.0.3\npaths: {}\ncomponents:\n  schemas:\n    Report: { type: object }\n"
	b, err := WithSharedComponents([]byte(own))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components map[string]map[string]any `yaml:"components"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Report", "Problem", "AuditEvent", "AuditEventPage", "AuditReport", "Health", "Readiness"} {
		if doc.Components["schemas"][name] == nil {
			t.Errorf("no schema %s in %s", name, b)
		}
	}
	if doc.Components["securitySchemes"]["bearer"] == nil {
		t.Errorf("no bearer scheme in %s", b)
	}
	if _, err := WithSharedComponents([]byte("openapi: 3.0.3\npaths: {}\n")); err != nil {
		t.Errorf("a document without components: %v", err)
	}
	_, err = WithSharedComponents([]byte(own + "    Problem: { type: object }\n"))
	if err == nil || !strings.Contains(err.Error(), "components.schemas.Problem") {
		t.Errorf("a second Problem was accepted: %v", err)
	}
}
