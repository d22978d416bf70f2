package caseservice

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
)

// A partner agency worker refers a family: its evidence is judged, its case opened with its
// members and evidence, and its workflow started from the referral; a retry opens nothing
// more; a referral that is not eligible is refused and opens nothing.
func TestReferralOpensTheCaseAndStartsTheWorkflow(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	police := auth.Principal{Subject: "pc.referrer", Roles: []string{auth.RolePartnerWorker}, Agency: "POLICE"}
	body := `{"plan_id":"lancashire-phase2","team":"preston-1","reason_code":"POLICE_CONCERN",` +
		`"members":[{"person_id":"r-1","role":"ADULT","relationship":"PARENT_CARER","birth_date":"1984-05-02"},{"person_id":"r-2","role":"CHILD","relationship":"CHILD","birth_date":"2012-09-14"}],` +
		`"facts":[{"member":"r-2","feed":"police","type":"ASB_INTERVENTION","date":"` + daysAgo(30) + `","document_ref":"police://asb/9"},` +
		`{"member":"r-1","feed":"police","type":"DVA_INCIDENT","date":"` + daysAgo(60) + `","document_ref":"police://dva/3"}]}`
	key := "test-" + testenv.Unique()
	w := a.Do(police, "POST", "/v1/referrals", body, "Idempotency-Key", key)
	var ref struct {
		FamilyID     string   `json:"family_id"`
		WorkflowID   string   `json:"workflow_id"`
		ProblemCodes []string `json:"problem_codes"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &ref); err != nil || w.Code != 201 ||
		strings.Join(ref.ProblemCodes, ",") != "CRIME,DOMESTIC_ABUSE" {
		t.Fatalf("refer: %d %s", w.Code, w.Body)
	}
	if again := a.Do(police, "POST", "/v1/referrals", body, "Idempotency-Key", key); again.Code != 201 ||
		!strings.Contains(again.Body.String(), ref.FamilyID) {
		t.Errorf("retry: %d %s", again.Code, again.Body)
	}
	desc, err := a.Deps.Temporal.DescribeWorkflowExecution(context.Background(), ref.WorkflowID, "")
	if err != nil || desc.GetWorkflowExecutionInfo().GetType().GetName() != "FamilyLifecycle" {
		t.Fatalf("workflow: %v", err)
	}
	var counts struct{ Families, Members, Evidence int64 }
	a.Deps.DB.Raw(`SELECT (SELECT count(*) FROM "case".families WHERE id = ?) AS families, (SELECT count(*) FROM "case".members WHERE family_id = ?) AS members,
		(SELECT count(*) FROM "case".evidence WHERE family_id = ?) AS evidence`, ref.FamilyID, ref.FamilyID, ref.FamilyID).
		Scan(&counts)
	if counts.Families != 1 || counts.Members != 2 || counts.Evidence != 2 {
		t.Errorf("opened %+v", counts)
	}
	one := strings.Replace(body, `"type":"DVA_INCIDENT"`, `"type":"ASB_INTERVENTION"`, 1)
	if w := a.Do(police, "POST", "/v1/referrals", one, "Idempotency-Key", "test-"+testenv.Unique()); w.Code != 422 ||
		!strings.Contains(w.Body.String(), "1 of the 2") {
		t.Errorf("not eligible: %d %s", w.Code, w.Body)
	}
	auditor := auth.Principal{Subject: "aud", Roles: []string{auth.RoleAuditor}}
	if w := a.Do(auditor, "POST", "/v1/referrals", body, "Idempotency-Key", "test-"+testenv.Unique()); w.Code != 403 {
		t.Errorf("an auditor refers: %d", w.Code)
	}
}

func daysAgo(n int) string { return time.Now().AddDate(0, 0, -n).Format(time.DateOnly) }
