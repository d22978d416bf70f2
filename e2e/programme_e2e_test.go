//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/client"
)

// Steps of a family's programme through the APIs, shared by the tests that take families
// from identification to a paid result under the seconds-scale test plans.

// as is the Authorization header of a principal's token.
func as(t *testing.T, p auth.Principal) []string {
	return []string{"Authorization", "Bearer " + token(t, p)}
}

// must sends a request and fails the test unless it is answered with want.
func must(t *testing.T, want int, method, url, body string, headers ...string) []byte {
	t.Helper()
	code, resp := request(t, method, url, body, headers...)
	if code != want {
		t.Fatalf("%s %s: %d %s", method, url, code, resp)
	}
	return resp
}

// day is a date relative to now.
func day(d time.Duration) string { return time.Now().UTC().Add(d).Format(time.DateOnly) }

// protectionEvidence is a family's evidence (everyone made up): a child on a child protection
// plan for five months (ended at cpEnd when given), and an anti-social behaviour intervention
// two months ago: CHILDREN_NEED_HELP and CRIME, with the social care and police data received
// up to asOf (a date or, for the seconds-scale plans, an instant). It is the body of a request
// after its "{".
func protectionEvidence(cpEnd, asOf string) string {
	end := ""
	if cpEnd != "" {
		end = `,"end":"` + cpEnd + `"`
	}
	return `"reference_date":"` + day(
		0,
	) + `","members":[{"id":"p-1","birth_date":"1984-05-02"},{"id":"p-2","birth_date":"2014-09-14"}],` +
		`"facts":[{"id":"social_care:1","person":"p-2","feed":"social_care","type":"CP_PLAN","start":"` + day(
		-150*24*time.Hour,
	) + `"` + end + `},` +
		`{"id":"police:1","person":"p-2","feed":"police","type":"ASB_INTERVENTION","date":"` + day(
		-60*24*time.Hour,
	) + `"}],` +
		`"coverage":{"social_care":"` + asOf + `","police":"` + asOf + `"}}`
}

// instant is now as the seconds-scale plans' evidence gives it.
func instant() string { return time.Now().UTC().Format(time.RFC3339) }

// endProtection is two data refreshes, as monthly extracts bring them: the families' child
// protection plans ended now; then, once the 20-second sustained period has passed, the next
// extracts, whose data reach past it. Only these show the outcomes held: the absence of a new
// plan or incident counts only as far as the data reach (docs/outcomes.md, evidence gaps).
func endProtection(t *testing.T, families ...family) {
	t.Helper()
	ended := instant()
	for _, fam := range families {
		must(
			t,
			http.StatusCreated,
			"POST",
			env(t, "IDENTIFICATION_URL")+"/v1/candidate-families/"+fam.ID+"/evidence",
			"{"+protectionEvidence(ended, ended),
		)
	}
	endedAt, _ := time.Parse(time.RFC3339, ended)
	time.Sleep(time.Until(endedAt.Add(22 * time.Second))) // programme time passing, not a timed assertion
	for _, fam := range families {
		must(
			t,
			http.StatusCreated,
			"POST",
			env(t, "IDENTIFICATION_URL")+"/v1/candidate-families/"+fam.ID+"/evidence",
			"{"+protectionEvidence(ended, instant()),
		)
	}
}

var e2eAdmin = auth.Principal{Subject: "e2e.admin", Roles: []string{auth.RoleAdministrator}}

// openCase allocates a family to the lead professional, who records the whole-family
// assessment and the family plan for its two problems.
func openCase(t *testing.T, familyID string, lead auth.Principal) {
	t.Helper()
	cases := env(t, "CASE_URL") + "/v1/families/" + familyID
	must(
		t,
		http.StatusCreated,
		"PUT",
		cases+"/allocation",
		`{"team":"`+lead.Team+`","lead_professional":{"subject":"`+lead.Subject+`","agency":"COUNCIL_FAMILY_SERVICE"}}`,
		as(t, e2eAdmin)...)
	must(
		t,
		http.StatusOK,
		"PUT",
		cases+"/assessment",
		`{"completed_on":"`+day(0)+`","needs":[{"member":"p-2","problem":"CHILDREN_NEED_HELP","level":"HIGH"},`+
			`{"member":"p-2","problem":"CRIME","level":"MEDIUM"}]}`,
		as(t, lead)...)
	must(
		t,
		http.StatusOK,
		"PUT",
		cases+"/plan",
		`{"agreed_on":"`+day(
			0,
		)+`","outcomes":[{"problem":"CHILDREN_NEED_HELP","description":"Stepped down from the plan"},`+
			`{"problem":"CRIME","description":"No further incidents"}],"actions":[]}`,
		as(t, lead)...)
}

// runWindow triggers a claim window's schedule, as an operator running a window early would,
// and returns the window's state once it audits. The schedule's run has its own id (the
// scheduled time appended), read from the schedule as an operator would.
func runWindow(t *testing.T, c client.Client, plan, window string) *familypathv1.ClaimWindowState {
	t.Helper()
	schedule := c.ScheduleClient().GetHandle(context.Background(), contract.ClaimWindowWorkflowID(plan, window))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := schedule.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("trigger the window's schedule: %v", err)
	}
	var state familypathv1.ClaimWindowState
	run := ""
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if run == "" {
			if d, err := schedule.Describe(ctx); err == nil && len(d.Info.RecentActions) > 0 {
				run = d.Info.RecentActions[0].StartWorkflowResult.WorkflowID
			}
		} else if v, err := c.QueryWorkflow(ctx, run, "", contract.QueryClaimWindowState); err == nil && v.Get(&state) == nil && state.GetStage() == "AUDITING" {
			return &state
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window %q never reached its audit: %v", run, &state)
		}
	}
}
