//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
)

// The running codec server decodes a family workflow's stored (encrypted) input for an
// administrator, the way the Temporal UI asks it, and refuses a caseworker.
func TestCodecServerDecodesAFamilysHistoryForAdministratorsOnly(t *testing.T) {
	codec := env(t, "CODEC_URL")
	fam := newFamily(t, "EDUCATION", "HEALTH")
	c, err := client.Dial(
		client.Options{HostPort: env(t, "TEMPORAL_ADDRESS"), Namespace: "default"},
	) // no codec: raw history
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	it := c.GetWorkflowHistory(
		context.Background(),
		fam.WorkflowID,
		"",
		false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT,
	)
	first, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	input := first.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	if len(input) != 1 {
		t.Fatalf("workflow input: %d payloads", len(input))
	}
	raw, _ := protojson.Marshal(input[0])
	req := `{"payloads":[` + string(raw) + `]}`

	admin := auth.Principal{Subject: "e2e.ops", Roles: []string{auth.RoleAdministrator}}
	caseworker := auth.Principal{Subject: "e2e.cw", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	code, body := request(
		t,
		"POST",
		codec+"/decode",
		req,
		"Authorization",
		"Bearer "+token(t, admin),
		"X-Namespace",
		"default",
	)
	var decoded struct {
		Payloads []json.RawMessage `json:"payloads"`
	}
	var p commonpb.Payload
	if code != http.StatusOK || json.Unmarshal(body, &decoded) != nil || len(decoded.Payloads) != 1 ||
		protojson.Unmarshal(decoded.Payloads[0], &p) != nil ||
		!strings.HasPrefix(string(p.GetMetadata()["encoding"]), "json/") ||
		!strings.Contains(string(p.GetData()), "lancashire-phase2") {
		t.Fatalf("administrator: %d %.300s", code, body)
	}
	if code, _ := request(t, "POST", codec+"/decode", req, "Authorization", "Bearer "+token(t, caseworker)); code != http.StatusForbidden {
		t.Errorf("caseworker: %d", code)
	}
	if code, _ := request(t, "POST", codec+"/decode", req, "Authorization", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
}
