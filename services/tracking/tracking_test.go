package tracking

import (
	"testing"

	"github.com/familypath/familypath/pkg/platform/servicetest"
)

func TestOpenAPIMatchesRoutes(t *testing.T) { servicetest.OpenAPIMatchesRoutes(t, Definition()) }
