package claims

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/claims/internal/auditing"
	"github.com/google/uuid"
)

// Decisions and payments are kept in claims' tables before the window's workflow is told;
// with no window workflow running here the telling fails (503) and what was kept stays. The
// end-to-end test (e2e/lifecycle_e2e_test.go) runs the whole path with the workflow.
func TestAuditDecisionsAndPaymentsAreKeptOnceAndOnlyByThoseAllowed(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts, _ := activities(t, a)
	ctx := context.Background()
	var ids []string
	for range 2 {
		c, err := acts.CreateClaim(ctx, claimFor(uuid.NewString(), 1, "lancashire-phase2@1"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.GetClaimId())
	}
	if _, err := acts.TakeWindowClaims(ctx, &familypathv1.TakeWindowClaimsRequest{WindowId: "2017-07", PlanId: "lancashire-phase2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.RecordAuditSample(ctx, &familypathv1.AuditSample{PlanId: "lancashire-phase2", WindowId: "2017-07", BatchSize: 2, Required: 1,
		Sampled: []*familypathv1.SampledClaim{{ClaimId: ids[0], Reason: "RANDOM"}}}); err != nil {
		t.Fatal(err)
	}
	auditor := auth.Principal{Subject: "auditor.1", Roles: []string{auth.RoleAuditor}}
	caseworker := auth.Principal{Subject: "cw.1", Roles: []string{auth.RoleCaseworker}}
	manager := auth.Principal{Subject: "pm.1", Roles: []string{auth.RoleProgrammeManager}}
	decide := func(p auth.Principal, id, body string) int {
		return a.Do(p, "POST", "/v1/claims/"+id+"/audit-decision", body).Code
	}
	if _, err := acts.RemindAuditors(ctx, &familypathv1.AuditReminder{PlanId: "lancashire-phase2", WindowId: "2017-07", OutstandingClaimIds: []string{ids[0]}, Escalate: true}); err != nil {
		t.Fatal(err)
	}
	q := a.Do(auditor, "GET", "/v1/audit-queue", "")
	var queue struct {
		Items []auditing.QueueItem `json:"items"`
	}
	if err := json.Unmarshal(q.Body.Bytes(), &queue); err != nil || q.Code != 200 || len(queue.Items) != 1 ||
		queue.Items[0].ClaimID != ids[0] ||
		queue.Items[0].Reminders != 1 ||
		!queue.Items[0].Escalated ||
		queue.Items[0].SampleReason != "RANDOM" {
		t.Errorf("queue: %d %s", q.Code, q.Body)
	}
	if code := decide(auditor, ids[1], `{"passed":true}`); code != 403 {
		t.Errorf("a claim outside the sample: %d", code)
	}
	if code := decide(caseworker, ids[0], `{"passed":true}`); code != 403 {
		t.Errorf("a caseworker: %d", code)
	}
	if code := decide(auditor, ids[0], `{"passed":false}`); code != 400 {
		t.Errorf("a failure without its reason: %d", code)
	}
	if code := decide(auditor, ids[0], `{"passed":false,"reason_code":"EVIDENCE_INCOMPLETE"}`); code != 503 {
		t.Errorf("first decision with no window to tell: %d", code)
	}
	if code := decide(auditor, ids[0], `{"passed":true}`); code != 409 {
		t.Errorf("a different second decision: %d", code)
	}
	if q := a.Do(auditor, "GET", "/v1/audit-queue", ""); !strings.Contains(q.Body.String(), `"items":[]`) {
		t.Errorf("queue after the decision: %s", q.Body)
	}
	var kept []string
	a.Deps.DB.Raw("SELECT reason_code FROM claims.audit_decisions WHERE claim_id = ?", ids[0]).Scan(&kept)
	if len(kept) != 1 || kept[0] != "EVIDENCE_INCOMPLETE" {
		t.Errorf("decisions kept: %v", kept)
	}

	pay := func(p auth.Principal) (int, map[string]any) {
		w := a.Do(
			p,
			"POST",
			"/v1/plans/lancashire-phase2/claim-windows/2017-07/payment",
			`{"paid_at":"2017-09-01T00:00:00Z"}`,
		)
		var b map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &b)
		return w.Code, b
	}
	if code, _ := pay(manager); code != 409 {
		t.Errorf("payment before submission: %d", code)
	}
	if _, err := acts.SubmitWindow(ctx, &familypathv1.SubmitWindowRequest{PlanId: "lancashire-phase2", WindowId: "2017-07", ClaimIds: []string{ids[1]}, FailedClaimIds: []string{ids[0]}}); err != nil {
		t.Fatal(err)
	}
	// The submission file lists the submitted claim (not the failed one), not sampled.
	sub := a.Do(manager, "GET", "/v1/plans/lancashire-phase2/claim-windows/2017-07/submission", "")
	lines := strings.Split(strings.TrimSpace(sub.Body.String()), "\n")
	if sub.Code != 200 || len(lines) != 2 || lines[0] != strings.Join(auditing.SubmissionColumns, ",") ||
		!strings.Contains(lines[1], ids[1]) || !strings.Contains(lines[1], "EDUCATION:SUSTAINED,NOT_SAMPLED") {
		t.Errorf("submission file: %d %q", sub.Code, lines)
	}
	// A team manager gets the submission as counts (no claim or family ids); the programme
	// manager's per-family read is in the audit trail.
	teamManager := auth.Principal{Subject: "tm.1", Roles: []string{auth.RoleTeamManager}, Team: "preston-1"}
	counted := a.Do(teamManager, "GET", "/v1/plans/lancashire-phase2/claim-windows/2017-07/submission", "")
	if counts := strings.Split(strings.TrimSpace(counted.Body.String()), "\n"); counted.Code != 200 ||
		len(counts) != 2 ||
		counts[0] != strings.Join(auditing.SubmissionCountColumns, ",") ||
		strings.Contains(counted.Body.String(), ids[1]) ||
		!strings.HasSuffix(counts[1], ",SSP,NOT_SAMPLED,1") {
		t.Errorf("submission counts: %d %q", counted.Code, counts)
	}
	if reads, _ := a.Deps.Audit.Query(ctx, audit.Filter{ResourceType: "report", Actor: manager.Subject}); len(
		reads,
	) != 1 ||
		reads[0].Action != string(policy.ReportFamilyRows) {
		t.Errorf("the submission file's read in the audit trail: %+v", reads)
	}
	if code, _ := pay(caseworker); code != 403 {
		t.Errorf("a caseworker records a payment: %d", code)
	}
	// A plan id that is not a published plan is refused before any query: "%" would otherwise
	// match every plan's claims in the window.
	for _, route := range []string{"/v1/plans/%25/claim-windows/2017-07/payment", "/v1/plans/lancashire%25/claim-windows/2017-07/payment"} {
		if w := a.Do(manager, "POST", route, `{"paid_at":"2017-09-01T00:00:00Z"}`); w.Code != 404 {
			t.Errorf("a payment for plan %q: %d", route, w.Code)
		}
	}
	if w := a.Do(manager, "GET", "/v1/plans/%25/claim-windows/2017-07/submission", ""); w.Code != 404 {
		t.Errorf("a submission file for plan %%: %d", w.Code)
	}
	for range 2 { // kept once: the retry after the failed telling finds the same payment
		if code, _ := pay(manager); code != 503 {
			t.Errorf("payment with no window to tell: %d", code)
		}
	}
	// Every payment attempt by the finance role is in the audit trail, before it was made.
	events, err := a.Deps.Audit.Query(
		ctx,
		audit.Filter{ResourceType: "claim_window", ResourceID: "lancashire-phase2/2017-07", Outcome: audit.Allowed},
	)
	if err != nil || len(events) < 2 || events[0].Action != string(policy.ClaimPay) ||
		events[0].Actor != manager.Subject {
		t.Errorf("payments in the audit trail: %+v %v", events, err)
	}
	var results []struct {
		SourceID    string
		AmountPence int64
	}
	a.Deps.DB.Raw("SELECT source_id, amount_pence FROM claims.ledger WHERE kind = 'RESULT'").Scan(&results)
	var paid string
	a.Deps.DB.Raw("SELECT status FROM claims.claims WHERE id = ?", ids[1]).Scan(&paid)
	if len(results) != 1 || results[0].SourceID != ids[1] ||
		results[0].AmountPence != acts.Plans.All()[0].Money.ResultPence ||
		paid != "PAID" {
		t.Errorf("ledger %v, claim %s", results, paid)
	}
}
