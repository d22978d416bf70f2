//go:build e2e

package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
)

// reconcilePlan has one programme year from 2020 and a claim window of its own
// (e2e/testdata/plans/e2e-reconcile.yaml): its figures are this test's alone.
const reconcilePlan, reconcileWindow = "e2e-reconcile", "e2e-reconcile-window"

// A programme's years through the running system, under a plan whose sustained periods are
// seconds: six families are identified; five are allocated, assessed, planned and attached;
// four see their problems resolved, are claimed, sampled (the auditor passes those drawn),
// submitted in the window and paid; one stays in tracking; one is never attached. The
// dashboard's figures must then reconcile exactly with what the services recorded: the
// attachment register's count, the window's submission file, each claim's spot-check trail
// and the ledger's money; no family is claimed twice, and the family cap holds.
func TestTheDashboardReconcilesWithTheClaimsAndAttachmentsRecorded(t *testing.T) {
	now := time.Now().UTC()
	lead := auth.Principal{Subject: "e2e.lead.reconcile", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	manager := auth.Principal{Subject: "e2e.manager", Roles: []string{auth.RoleProgrammeManager}}
	c := temporalClient(t)

	var families []family
	for i := 0; i < 6; i++ {
		families = append(
			families,
			recordFamily(t, `{"plan_id":"`+reconcilePlan+`",`+protectionEvidence("", instant())),
		)
	}
	attached, resolved := families[:5], families[:4]
	for i, fam := range attached {
		openCase(t, fam.ID, lead)
		must(t, http.StatusCreated, "POST", env(t, "ATTACHMENT_URL")+"/v1/families/"+fam.ID+"/attachment", "",
			append(as(t, lead), "Idempotency-Key", fmt.Sprintf("e2e-reconcile-attach-%d-%d", i, now.UnixNano()))...)
	}
	for _, fam := range attached {
		waitFor(t, c, fam.WorkflowID, "tracking", 60*time.Second, func(s *familypathv1.FamilyState) bool {
			return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_TRACKING && s.GetFeeRecorded()
		})
	}
	// Four families' child protection plans end now; the next extracts show them held for the
	// 20-second sustained period: each is claimed.
	endProtection(t, resolved...)
	claimOf := map[string]string{}
	for _, fam := range resolved {
		st := waitFor(t, c, fam.WorkflowID, "a claim", 90*time.Second, func(s *familypathv1.FamilyState) bool {
			return s.GetClaimId() != "" && s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_CLAIMED
		})
		claimOf[fam.ID] = st.GetClaimId()
	}

	// The window runs (its schedule triggered), samples at least one claim; the auditor passes
	// each claim drawn; the window submits; the payment is recorded; the families are paid.
	window := runWindow(t, c, reconcilePlan, reconcileWindow)
	if window.GetBatchSize() != int32(len(resolved)) || len(window.GetSample().GetSampled()) < 1 {
		t.Fatalf("window batch %d, sample %v", window.GetBatchSize(), window.GetSample())
	}
	auditor := auth.Principal{Subject: "e2e.auditor", Roles: []string{auth.RoleAuditor}}
	claims := env(t, "CLAIMS_URL")
	for _, s := range window.GetSample().GetSampled() {
		must(
			t,
			http.StatusOK,
			"POST",
			claims+"/v1/claims/"+s.GetClaimId()+"/audit-decision",
			`{"passed":true}`,
			as(t, auditor)...)
	}
	for _, fam := range resolved {
		waitFor(t, c, fam.WorkflowID, "submission", 60*time.Second, func(s *familypathv1.FamilyState) bool {
			return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_SUBMITTED
		})
	}
	must(t, http.StatusOK, "POST", claims+"/v1/plans/"+reconcilePlan+"/claim-windows/"+reconcileWindow+"/payment",
		`{"paid_at":"`+time.Now().UTC().Format(time.RFC3339)+`"}`, as(t, manager)...)
	for _, fam := range resolved {
		waitFor(t, c, fam.WorkflowID, "payment", 60*time.Second, func(s *familypathv1.FamilyState) bool {
			return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_PAID
		})
	}

	// What the services recorded.
	var dash struct {
		FamilyCap       int `json:"family_cap"`
		FamiliesClaimed int `json:"families_claimed"`
		Years           []struct {
			Attachments       int   `json:"attachments"`
			Results           int   `json:"results"`
			CumulativeResults int   `json:"cumulative_results"`
			Fees              int64 `json:"income_attachment_fees_pence"`
			Paid              int64 `json:"income_results_pence"`
			Budget            int64 `json:"budget_assumption_pence"`
		} `json:"years"`
	}
	if err := json.Unmarshal(must(t, http.StatusOK, "GET", claims+"/v1/plans/"+reconcilePlan+"/dashboard", "", as(t, manager)...), &dash); err != nil ||
		len(dash.Years) != 1 {
		t.Fatalf("dashboard: %+v %v", dash, err)
	}
	// Every claim was judged again before submission and stood (each family was paid), and
	// stands judged again now: nothing is at risk.
	var risk struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(must(t, http.StatusOK, "GET", claims+"/v1/plans/"+reconcilePlan+"/claims-at-risk", "", as(t, manager)...), &risk); err != nil ||
		len(risk.Items) != 0 {
		t.Errorf("claims at risk after a clean programme: %v %v", risk.Items, err)
	}
	var register struct {
		Years []struct{ Actual int } `json:"years"`
	}
	if err := json.Unmarshal(must(t, http.StatusOK, "GET", env(t, "ATTACHMENT_URL")+"/v1/plans/"+reconcilePlan+"/attachment-profile", "", as(t, manager)...), &register); err != nil ||
		len(register.Years) != 1 {
		t.Fatalf("attachment profile: %+v %v", register, err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(must(t, http.StatusOK, "GET", claims+"/v1/plans/"+reconcilePlan+"/claim-windows/"+reconcileWindow+"/submission", "",
		append(as(t, manager), "Accept", "text/csv")...)))).
		ReadAll()
	if err != nil || len(rows) < 1 {
		t.Fatalf("submission file: %v", err)
	}
	submitted := map[string]int{}
	for _, r := range rows[1:] {
		submitted[r[3]]++ // family_id
	}
	for _, fam := range resolved {
		var trail struct {
			Status string `json:"status"`
			Trail  []struct {
				Step string `json:"step"`
			} `json:"decision_trail"`
		}
		body := must(t, http.StatusOK, "GET", claims+"/v1/claims/"+claimOf[fam.ID]+"/spot-check", "", as(t, auditor)...)
		steps := map[string]bool{}
		_ = json.Unmarshal(body, &trail)
		for _, s := range trail.Trail {
			steps[s.Step] = true
		}
		if trail.Status != "PAID" || !steps["CLAIMED"] || !steps["SUBMITTED"] || !steps["PAID"] {
			t.Errorf("claim %s of family %s: %s", claimOf[fam.ID], fam.ID, body)
		}
	}

	y := dash.Years[0]
	if y.Attachments != len(attached) || register.Years[0].Actual != y.Attachments {
		t.Errorf(
			"attachments: dashboard %d, register %d, attached %d",
			y.Attachments,
			register.Years[0].Actual,
			len(attached),
		)
	}
	if y.Results != len(resolved) || len(rows)-1 != y.Results || y.CumulativeResults != y.Results ||
		dash.FamiliesClaimed != len(submitted) {
		t.Errorf(
			"results: dashboard %d (cumulative %d, families %d), submission file %d rows for %d families",
			y.Results,
			y.CumulativeResults,
			dash.FamiliesClaimed,
			len(rows)-1,
			len(submitted),
		)
	}
	for f, n := range submitted {
		if n != 1 {
			t.Errorf("family %s claimed %d times", f, n)
		}
	}
	if y.Fees != int64(len(attached))*100000 || y.Paid != int64(len(resolved))*80000 ||
		y.Budget != int64(len(attached))*100000+4*80000 { // 70% of 5 attachments, rounded: 4 results
		t.Errorf("money: fees %d, results paid %d, budget %d", y.Fees, y.Paid, y.Budget)
	}
	if dash.FamiliesClaimed > dash.FamilyCap {
		t.Errorf("%d families claimed over the cap of %d", dash.FamiliesClaimed, dash.FamilyCap)
	}
	// The family left in tracking is not claimed; the one never attached has no fee.
	st := waitFor(t, c, families[4].WorkflowID, "tracking", 10*time.Second, func(s *familypathv1.FamilyState) bool {
		return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_TRACKING
	})
	if st.GetClaimId() != "" || submitted[families[4].ID] != 0 || submitted[families[5].ID] != 0 {
		t.Errorf("an unresolved or unattached family was claimed: %v", st)
	}
}
