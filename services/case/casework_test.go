package caseservice

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// startFamily starts the family's workflow on the test server (no worker runs it), as
// identification would: the programme then knows the family (it can be allocated), and its
// workflow takes the case's signals, which a test counts in its history. A family whose
// workflow is running already is left as it is.
func startFamily(t *testing.T, a *servicetest.API, fam string) string {
	t.Helper()
	wf, _ := contract.FamilyWorkflowID(fam)
	if _, err := a.Deps.Temporal.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: wf, TaskQueue: "case-test-unpolled",
		WorkflowExecutionErrorWhenAlreadyStarted: false},
		contract.WorkflowFamilyLifecycle, &familypathv1.FamilyLifecycleInput{FamilyId: fam, PlanId: "lancashire-phase2"}); err != nil {
		t.Fatal(err)
	}
	return wf
}

// caseSignals counts the evidence signals in the workflow's history.
func caseSignals(t *testing.T, a *servicetest.API, wf string) int {
	t.Helper()
	it := a.Deps.Temporal.GetWorkflowHistory(
		context.Background(),
		wf,
		"",
		false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT,
	)
	n := 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if s := ev.GetWorkflowExecutionSignaledEventAttributes(); s != nil &&
			s.GetSignalName() == contract.SignalEvidenceReceived {
			n++
		}
	}
	return n
}

// Notes keep their class: a restricted note's body is withheld from a team manager who is not
// allocated; evidence and status changes are kept, tell the family's workflow, and are served
// to tracking's service token with the closure date; a caseworker of another team sees none.
func TestNotesEvidenceAndStatusAreKeptGuardedAndTold(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	wf := startFamily(t, a, fam)
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	manager := auth.Principal{Subject: "tm.1", Roles: []string{auth.RoleTeamManager}, Team: "preston-1"}
	stranger := auth.Principal{Subject: "cw.x", Roles: []string{auth.RoleCaseworker}, Team: "burnley-2"}
	base := "/v1/families/" + fam

	for _, n := range []string{`{"class":"ORDINARY","body":"Home visit"}`, `{"class":"RESTRICTED","body":"Refuge at the usual place"}`} {
		if w := a.Do(lead, "POST", base+"/notes", n, "Idempotency-Key", "key-"+testenv.Unique()); w.Code != 201 {
			t.Fatalf("note: %d %s", w.Code, w.Body)
		}
	}
	w := a.Do(manager, "GET", base+"/notes", "")
	if w.Code != 200 || strings.Contains(w.Body.String(), "Refuge") ||
		!strings.Contains(w.Body.String(), `"withheld":true`) ||
		!strings.Contains(w.Body.String(), "Home visit") {
		t.Errorf("manager's notes: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "GET", base+"/notes", ""); !strings.Contains(w.Body.String(), "Refuge") {
		t.Errorf("lead's notes: %s", w.Body)
	}
	if w := a.Do(stranger, "GET", base+"/notes", ""); w.Code != 403 {
		t.Errorf("another team: %d", w.Code)
	}

	if w := a.Do(lead, "POST", base+"/evidence", `{"member":"p-1","feed":"employment","type":"EMPLOYMENT","start":"2017-02-01","document_ref":"docs://payslip/1"}`, "Idempotency-Key", "key-"+testenv.Unique()); w.Code != 201 {
		t.Fatalf("evidence: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "POST", base+"/evidence", `{"member":"p-1","feed":"police","type":"EMPLOYMENT","document_ref":"x"}`, "Idempotency-Key", "key-"+testenv.Unique()); w.Code != 400 {
		t.Errorf("bad evidence: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "PUT", base+"/status", `{"status":"CLOSED","on":"2017-06-30"}`); w.Code != 400 {
		t.Errorf("a close without its reason: %d", w.Code)
	}
	if w := a.Do(lead, "PUT", base+"/status", `{"status":"CLOSED","reason_code":"OUTCOMES_MET","on":"2017-06-30"}`); w.Code != 200 {
		t.Fatalf("close: %d %s", w.Code, w.Body)
	}
	if n := caseSignals(t, a, wf); n != 2 {
		t.Errorf("%d signals to the workflow, want 2 (evidence, status)", n)
	}

	service := auth.Principal{Subject: "service:tracking", Roles: []string{auth.RoleService}}
	w = a.Do(service, "GET", base+"/evidence", "")
	var ev struct {
		Facts []struct {
			ID, Person, Feed, Type string
		} `json:"facts"`
		CaseClosed string `json:"case_closed"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &ev); err != nil || w.Code != 200 || len(ev.Facts) != 1 ||
		ev.Facts[0].Type != "EMPLOYMENT" ||
		ev.CaseClosed != "2017-06-30" {
		t.Errorf("tracking's read: %d %s", w.Code, w.Body)
	}
	if w := a.Do(stranger, "GET", base+"/evidence", ""); w.Code != 403 {
		t.Errorf("another team reads evidence: %d", w.Code)
	}
	// Reading identification's snapshots does not make a data analyst one of the family's
	// workers: the case's evidence needs the relationship; only services read it without.
	if w := a.Do(auth.Principal{Subject: "da.one", Roles: []string{auth.RoleDataAnalyst}}, "GET", base+"/evidence", ""); w.Code != 403 {
		t.Errorf("a data analyst with no relationship reads the case's evidence: %d", w.Code)
	}
	if kinds := historyKinds(a, fam); kinds != "NOTE,NOTE,EVIDENCE,STATUS" {
		t.Errorf("history %v", kinds)
	}
}

// historyKinds are the kinds of the family's record history, in order, joined by commas.
func historyKinds(a *servicetest.API, fam string) string {
	var kinds []string
	a.Deps.DB.Raw(`SELECT kind FROM "case".record_history WHERE family_id = ? ORDER BY seq`, fam).Scan(&kinds)
	return strings.Join(kinds, ",")
}

// Once a family's workflow has ended (paid, withdrawn), evidence and a case's closure are still
// recorded and answered as done: there is nothing left to tell, and "send it again" could never
// succeed. A retried evidence request (the same Idempotency-Key) adds nothing twice.
func TestChangesAfterTheWorkflowEndedAreRecorded(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	wf := startFamily(t, a, fam)
	if err := a.Deps.Temporal.TerminateWorkflow(context.Background(), wf, "", "paid"); err != nil {
		t.Fatal(err)
	}
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	base := "/v1/families/" + fam
	evidence, key := `{"member":"p-1","feed":"employment","type":"EMPLOYMENT","start":"2017-02-01","document_ref":"docs://payslip/2"}`, "key-"+testenv.Unique()
	if w := a.Do(lead, "POST", base+"/evidence", evidence, "Idempotency-Key", key); w.Code != 201 {
		t.Errorf("evidence after the workflow ended: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "POST", base+"/evidence", evidence, "Idempotency-Key", key); w.Code != 201 ||
		w.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("a retry of the evidence: %d %s", w.Code, w.Body) // the count below shows it was added once
	}
	if w := a.Do(lead, "POST", base+"/notes", `{"class":"ORDINARY","body":"Home visit"}`); w.Code != 400 {
		t.Errorf("a note without an Idempotency-Key: %d", w.Code)
	}
	if w := a.Do(lead, "PUT", base+"/status", `{"status":"CLOSED","reason_code":"OUTCOMES_MET","on":"2017-06-30"}`); w.Code != 200 {
		t.Errorf("closing after the workflow ended: %d %s", w.Code, w.Body)
	}
	var kept int64
	a.Deps.DB.Raw(`SELECT count(*) FROM "case".evidence WHERE family_id = ?`, fam).Scan(&kept)
	if kept != 1 {
		t.Errorf("%d evidence rows kept", kept)
	}
}
