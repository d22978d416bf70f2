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
	"go.temporal.io/sdk/client"
)

// One family's whole programme through the running system, under the test plan whose
// sustained periods are 20 seconds (e2e/testdata/plans): identified from its evidence;
// allocated, assessed and planned through the case API; attached through the attachment
// API; a data refresh shows the child protection plan ended, the workflow waits on
// tracking's deadline and, when it falls due, claims; the window (its schedule triggered as
// an operator would) samples the claim; the auditor passes it through the claims API; the
// window submits; the programme manager records the payment; the family is paid. Every step
// is an API call; the only reads of Temporal are the queries an operator would make.
func TestAFamilyGoesFromIdentificationToAPaidResult(t *testing.T) {
	now := time.Now().UTC()
	fam := recordFamily(t, `{"plan_id":"e2e-seconds",`+protectionEvidence("", instant()))

	// The case: allocated to a lead professional, assessed and planned.
	lead := auth.Principal{Subject: "e2e.lead.paid", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	openCase(t, fam.ID, lead)

	// Attached through the attachment API; a correction is refused before attachment and made after.
	attachment := env(t, "ATTACHMENT_URL") + "/v1/families/" + fam.ID + "/attachment"
	correction := `{"baseline_problems":["CRIME","CHILDREN_NEED_HELP"],"reason_code":"BASELINE_RECORDED_WRONGLY"}`
	must(
		t,
		http.StatusConflict,
		"POST",
		attachment+"/corrections",
		correction,
		append(as(t, lead), "Idempotency-Key", fmt.Sprintf("e2e-fix-0-%d", now.UnixNano()))...)
	must(
		t,
		http.StatusCreated,
		"POST",
		attachment,
		"",
		append(as(t, lead), "Idempotency-Key", fmt.Sprintf("e2e-attach-paid-%d", now.UnixNano()))...)
	must(
		t,
		http.StatusOK,
		"POST",
		attachment+"/corrections",
		correction,
		append(as(t, lead), "Idempotency-Key", fmt.Sprintf("e2e-fix-1-%d", now.UnixNano()))...)
	c := temporalClient(t)
	waitFor(
		t,
		c,
		fam.WorkflowID,
		"tracking, waiting for evidence",
		60*time.Second,
		func(s *familypathv1.FamilyState) bool {
			return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_TRACKING && s.GetFeeRecorded() &&
				len(s.GetProblems()) == 2
		},
	)

	// Data refreshes: the child protection plan ended now; the next extracts show both problems
	// held for their sustained periods. The workflow judges again, and claims.
	endProtection(t, fam)
	st := waitFor(t, c, fam.WorkflowID, "a claim", 90*time.Second, func(s *familypathv1.FamilyState) bool {
		return s.GetClaimId() != "" && s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_CLAIMED
	})
	if st.GetClaimRoute() != familypathv1.ResultRoute_RESULT_ROUTE_SSP {
		t.Errorf("claimed by %v", st.GetClaimRoute())
	}

	// The window runs now (its schedule triggered), takes the claim and samples it.
	window := runWindow(t, c, "e2e-seconds", "e2e-later")
	if len(window.GetSample().GetSampled()) != 1 || window.GetSample().GetSampled()[0].GetClaimId() != st.GetClaimId() {
		t.Fatalf("sample %v, want the family's claim %s", window.GetSample(), st.GetClaimId())
	}

	// The auditor passes it; the window submits; the family is told.
	auditor := auth.Principal{Subject: "e2e.auditor", Roles: []string{auth.RoleAuditor}}
	claims := env(t, "CLAIMS_URL")
	if code, _ := request(t, "POST", claims+"/v1/claims/"+st.GetClaimId()+"/audit-decision", `{"passed":true}`, as(t, lead)...); code != http.StatusForbidden {
		t.Errorf("a caseworker decided an audit: %d", code)
	}
	must(
		t,
		http.StatusOK,
		"POST",
		claims+"/v1/claims/"+st.GetClaimId()+"/audit-decision",
		`{"passed":true}`,
		as(t, auditor)...)
	waitFor(t, c, fam.WorkflowID, "submission", 60*time.Second, func(s *familypathv1.FamilyState) bool {
		return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_SUBMITTED
	})

	// The payment arrives; the programme manager records it; the family is paid.
	manager := auth.Principal{Subject: "e2e.manager", Roles: []string{auth.RoleProgrammeManager}}
	var paid struct {
		ClaimsPaid  int   `json:"claims_paid"`
		AmountPence int64 `json:"amount_pence"`
	}
	if err := json.Unmarshal(must(t, http.StatusOK, "POST", claims+"/v1/plans/e2e-seconds/claim-windows/e2e-later/payment",
		`{"paid_at":"`+time.Now().UTC().Format(time.RFC3339)+`"}`, as(t, manager)...), &paid); err != nil ||
		paid.ClaimsPaid != 1 ||
		paid.AmountPence != 80000 {
		t.Errorf("payment %+v %v", paid, err)
	}
	waitFor(t, c, fam.WorkflowID, "payment", 60*time.Second, func(s *familypathv1.FamilyState) bool {
		return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_PAID
	})
	historyIsCiphertext(t, fam.WorkflowID, "CP_PLAN", "ASB_INTERVENTION", "p-2")

	// The child's family asks what the council holds about the child: every service answers.
	surname := fmt.Sprintf("Testchild%d", now.UnixNano())
	must(
		t,
		http.StatusOK,
		"PUT",
		env(t, "CASE_URL")+"/v1/families/"+fam.ID+"/members",
		`{"members":[{"person_id":"p-1","role":"ADULT","relationship":"PARENT_CARER","known_as":"Pat Testparent","birth_date":"1984-05-02"},`+
			`{"person_id":"p-2","role":"CHILD","relationship":"CHILD","known_as":"Sam `+surname+`","birth_date":"2014-09-14"}]}`,
		as(t, lead)...)
	must(
		t,
		http.StatusCreated,
		"POST",
		env(t, "CASE_URL")+"/v1/families/"+fam.ID+"/notes",
		`{"class":"ORDINARY","body":"Sam is settled at school."}`,
		append(as(t, lead), "Idempotency-Key", fmt.Sprintf("e2e-note-paid-%d", now.UnixNano()))...)
	subjectAccessCoversTheFamily(t, fam.ID, surname, "2014-09-14")
	erasedEverywhere(t, fam.ID)
}

// waitFor queries the family's workflow until ok holds, and returns that state.
func waitFor(
	t *testing.T,
	c client.Client,
	workflowID, what string,
	limit time.Duration,
	ok func(*familypathv1.FamilyState) bool,
) *familypathv1.FamilyState {
	t.Helper()
	var st familypathv1.FamilyState
	for deadline := time.Now().Add(limit); ; time.Sleep(500 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		v, err := c.QueryWorkflow(ctx, workflowID, "", contract.QueryFamilyState)
		if err == nil && v.Get(&st) == nil && ok(&st) {
			cancel()
			return &st
		}
		cancel()
		if time.Now().After(deadline) {
			t.Fatalf(
				"the family never reached %s: phase %v, waiting for %q (%v)",
				what,
				st.GetPhase(),
				st.GetWaitingFor(),
				err,
			)
		}
	}
}

// A family referred by a partner agency (not found by matching): the case service opens its
// case and starts its workflow from the referral; once allocated, assessed and planned it is
// attached, and tracking judges it on the case's evidence alone (it has no identification
// snapshot).
func TestAReferredFamilyIsAttachedAndTrackedOnTheCasesEvidence(t *testing.T) {
	police := auth.Principal{Subject: "e2e.police", Roles: []string{auth.RolePartnerWorker}, Agency: "POLICE"}
	cases := env(t, "CASE_URL")
	code, body := request(
		t,
		"POST",
		cases+"/v1/referrals",
		`{"plan_id":"e2e-seconds","team":"preston-1","reason_code":"POLICE_CONCERN",`+
			`"members":[{"person_id":"r-1","role":"ADULT","relationship":"PARENT_CARER","birth_date":"1984-05-02"},{"person_id":"r-2","role":"CHILD","relationship":"CHILD","birth_date":"2014-09-14"}],`+
			`"facts":[{"member":"r-2","feed":"police","type":"ASB_INTERVENTION","date":"`+day(-30*24*time.Hour)+`","document_ref":"police://asb/1"},`+
			`{"member":"r-1","feed":"police","type":"DVA_INCIDENT","date":"`+day(-20*24*time.Hour)+`","document_ref":"police://dva/1"}]}`,
		append(as(t, police), "Idempotency-Key", fmt.Sprintf("e2e-referral-%d", time.Now().UnixNano()))...)
	var ref struct {
		FamilyID   string `json:"family_id"`
		WorkflowID string `json:"workflow_id"`
	}
	if err := json.Unmarshal(body, &ref); err != nil || code != http.StatusCreated {
		t.Fatalf("refer: %d %s", code, body)
	}
	// The team's manager gives the referred family a lead professional (the referral opened it
	// in the team, so the change sends the version read).
	manager := auth.Principal{Subject: "e2e.manager.preston", Roles: []string{auth.RoleTeamManager}, Team: "preston-1"}
	lead := auth.Principal{Subject: "e2e.lead.referred", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	base := cases + "/v1/families/" + ref.FamilyID
	etag := readETag(t, base+"/allocation", as(t, manager))
	for _, step := range []struct {
		who           auth.Principal
		method, url   string
		body, ifMatch string
	}{
		{manager, "PUT", base + "/allocation", `{"team":"preston-1","lead_professional":{"subject":"e2e.lead.referred","agency":"COUNCIL_FAMILY_SERVICE"}}`, etag},
		{lead, "PUT", base + "/assessment", `{"completed_on":"` + day(0) + `","needs":[{"member":"r-2","problem":"CRIME","level":"HIGH"}]}`, ""},
		{lead, "PUT", base + "/plan", `{"agreed_on":"` + day(0) + `","outcomes":[{"problem":"CRIME","description":"No further incidents"}]}`, ""},
	} {
		headers := as(t, step.who)
		if step.ifMatch != "" {
			headers = append(headers, "If-Match", step.ifMatch)
		}
		if code, resp := request(t, step.method, step.url, step.body, headers...); code != http.StatusOK &&
			code != http.StatusCreated {
			t.Fatalf("%s %s: %d %s", step.method, step.url, code, resp)
		}
	}
	if code, resp := request(t, "POST", env(t, "ATTACHMENT_URL")+"/v1/families/"+ref.FamilyID+"/attachment", "",
		append(as(t, lead), "Idempotency-Key", fmt.Sprintf("e2e-attach-referred-%d", time.Now().UnixNano()))...); code != http.StatusCreated {
		t.Fatalf("attach: %d %s", code, resp)
	}
	// Its evidence is weeks old and the test plan sustains in 20 s: judged, it is claimed at once.
	st := waitFor(
		t,
		temporalClient(t),
		ref.WorkflowID,
		"a judgement",
		60*time.Second,
		func(s *familypathv1.FamilyState) bool {
			return len(s.GetProblems()) == 2 && s.GetPhase() >= familypathv1.FamilyPhase_FAMILY_PHASE_TRACKING
		},
	)
	if st.GetReferralId() == "" || st.GetEvidenceSnapshotId() != "" ||
		st.GetPhase() > familypathv1.FamilyPhase_FAMILY_PHASE_PAID {
		t.Errorf("referred state %v", st)
	}
}

// readETag reads a resource's ETag.
func readETag(t *testing.T, url string, headers []string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
		t.Fatalf("GET %s: %d, ETag %q", url, resp.StatusCode, resp.Header.Get("ETag"))
	}
	return resp.Header.Get("ETag")
}
