//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
)

// A family's lifecycle, served by identification, is part of its case record: identification
// asks the case service (passing the caller's token on) what the caller's relationship to
// the family is. Its lead professional reads it; a caseworker of another team and a partner
// agency worker who does not lead it are refused, and identification's audit trail shows
// each read and refusal, with a chain that verifies.
func TestCaseRecordAccessCrossesServicesThroughTheCaseService(t *testing.T) {
	ident, cases := env(t, "IDENTIFICATION_URL"), env(t, "CASE_URL")
	fam := newFamily(t, "EDUCATION", "CRIME")
	admin := auth.Principal{Subject: "e2e.admin", Roles: []string{auth.RoleAdministrator}}
	lead := auth.Principal{Subject: "e2e.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	stranger := auth.Principal{Subject: "e2e.stranger", Roles: []string{auth.RoleCaseworker}, Team: "burnley-2"}
	partner := auth.Principal{Subject: "e2e.police", Roles: []string{auth.RolePartnerWorker}, Agency: "POLICE"}
	auditor := auth.Principal{Subject: "e2e.auditor", Roles: []string{auth.RoleAuditor}}

	code, body := request(
		t,
		"PUT",
		cases+"/v1/families/"+fam.ID+"/allocation",
		`{"team":"preston-1","lead_professional":{"subject":"e2e.lead","agency":"COUNCIL_FAMILY_SERVICE"}}`,
		as(t, admin)...)
	if code != http.StatusCreated {
		t.Fatalf("allocate: %d %s", code, body)
	}
	lifecycle := ident + "/v1/candidate-families/" + fam.ID + "/lifecycle"
	deadline := time.Now().Add(30 * time.Second)
	for code, body = request(t, "GET", lifecycle, "", as(t, lead)...); code != http.StatusOK; code, body = request(t, "GET", lifecycle, "", as(t, lead)...) {
		if time.Now().After(deadline) { // the workflow may not have answered its first query yet
			t.Fatalf("lead professional: %d %s", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for name, p := range map[string]auth.Principal{"another team's caseworker": stranger, "partner not leading": partner} {
		t.Run(name, func(t *testing.T) {
			if code, body := request(t, "GET", lifecycle, "", as(t, p)...); code != http.StatusForbidden {
				t.Errorf("%s: %d %s", name, code, body)
			}
		})
	}
	if code, _ := request(t, "GET", lifecycle, "", "Authorization", "Bearer not-a-token"); code != http.StatusUnauthorized {
		t.Errorf("bad token: %d", code)
	}

	code, body = request(t, "GET", ident+"/v1/audit-events?resource_id="+fam.ID+"&limit=200", "", as(t, auditor)...)
	var page struct {
		Items []struct {
			Actor, Outcome, Reason string
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil || code != 200 {
		t.Fatalf("audit events: %d %s", code, body)
	}
	var seen []string
	for _, e := range page.Items {
		seen = append(seen, e.Actor+"/"+e.Outcome)
	}
	for _, want := range []string{"e2e.lead/allowed", "e2e.stranger/refused", "e2e.police/refused"} {
		if !strings.Contains(strings.Join(seen, " "), want) {
			t.Errorf("audit trail lacks %s: %v", want, seen)
		}
	}
	code, body = request(t, "GET", ident+"/v1/audit-trail/verification", "", as(t, auditor)...)
	if code != 200 || !strings.Contains(string(body), `"head_hash"`) || strings.Contains(string(body), "broken_at") {
		t.Errorf("verification: %d %s", code, body)
	}
}
