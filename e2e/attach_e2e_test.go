//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
)

// The lead professional's attach request crosses the running services: the attachment API
// sends the attach update to the family's workflow, which asks the case worker what the case
// holds (a lead professional allocated through the case API, no assessment or plan yet) and
// the tracking worker whether that is enough; the API answers 422 naming exactly what is
// missing, and the family stays identified. Another team's caseworker is refused.
func TestAttachThroughTheRunningServicesSaysWhatIsMissing(t *testing.T) {
	cases := env(t, "CASE_URL")
	created := newFamily(t, "EDUCATION", "CRIME")
	admin := auth.Principal{Subject: "e2e.admin", Roles: []string{auth.RoleAdministrator}}
	if code, body := request(t, "PUT", cases+"/v1/families/"+created.ID+"/allocation",
		`{"team":"preston-1","lead_professional":{"subject":"e2e.lead","agency":"COUNCIL_FAMILY_SERVICE"}}`, "Authorization", "Bearer "+token(t, admin)); code != http.StatusCreated {
		t.Fatalf("allocate: %d %s", code, body)
	}
	// The lead professional asks the attachment API; the update crosses the services.
	lead := auth.Principal{Subject: "e2e.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	stranger := auth.Principal{Subject: "e2e.other", Roles: []string{auth.RoleCaseworker}, Team: "burnley-2"}
	attachURL := env(t, "ATTACHMENT_URL") + "/v1/families/" + created.ID + "/attachment"
	if code, _ := request(t, "POST", attachURL, "", "Authorization", "Bearer "+token(t, stranger), "Idempotency-Key", "e2e-attach-0"); code != http.StatusForbidden {
		t.Errorf("another team's caseworker: %d", code)
	}
	code, body := request(
		t,
		"POST",
		attachURL,
		"",
		"Authorization",
		"Bearer "+token(t, lead),
		"Idempotency-Key",
		fmt.Sprintf("e2e-attach-%d", time.Now().UnixNano()),
	)
	var problem struct {
		Type   string `json:"type"`
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(body, &problem)
	// The family's plan (Lancashire's Phase 2) ended in 2020, so that is missing too: no family is
	// attached, and no fee booked, under a programme that can pay no result.
	if code != http.StatusUnprocessableEntity || len(problem.Errors) != 3 ||
		problem.Errors[0].Field != "PROGRAMME_ENDED" ||
		problem.Errors[1].Field != "WHOLE_FAMILY_ASSESSMENT" ||
		problem.Errors[2].Field != "FAMILY_PLAN" {
		t.Errorf("attach answered %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := temporalClient(t)
	v, err := c.QueryWorkflow(ctx, created.WorkflowID, "", contract.QueryFamilyState)
	if err != nil {
		t.Fatal(err)
	}
	var st familypathv1.FamilyState
	if err := v.Get(&st); err != nil || st.GetPhase() != familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED {
		t.Errorf("state %v %v", &st, err)
	}
}
