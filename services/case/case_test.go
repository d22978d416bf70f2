package caseservice

import (
	"testing"

	"github.com/familypath/familypath/pkg/platform/servicetest"
)

func TestOpenAPIMatchesRoutes(t *testing.T) { servicetest.OpenAPIMatchesRoutes(t, Definition()) }

func TestOpenAPIIsValid(t *testing.T) { servicetest.OpenAPIIsValid(t, Definition()) }

func TestAPIReferenceIsCurrent(t *testing.T) {
	servicetest.APIReferenceIsCurrent(t, Definition(), "../../docs/api/case.md")
}

func TestOpenAPIFollowsHouseRules(t *testing.T) {
	servicetest.OpenAPIFollowsHouseRules(t, Definition())
}
