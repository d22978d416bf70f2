package claims

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/claims/internal/auditing"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// identify records a family whose child's protection plan ended 2016-05-01 and who had an
// anti-social behaviour intervention on 2016-07-01, with the social care and police data
// received up to asOf, and answers its id and evidence snapshot.
func identify(t *testing.T, o owners, asOf string) (string, string) {
	t.Helper()
	analyst := auth.Principal{Subject: "analyst", Roles: []string{auth.RoleDataAnalyst}}
	w := o.ident.Do(
		analyst,
		"POST",
		"/v1/candidate-families",
		`{"plan_id":"lancashire-phase2","reference_date":"2016-10-01",`+
			`"members":[{"id":"p-1","birth_date":"1985-02-01"},{"id":"p-2","birth_date":"2008-06-15"}],`+
			`"facts":[{"id":"social_care:1","person":"p-2","feed":"social_care","type":"CP_PLAN","start":"2016-03-01","end":"2016-05-01"},`+
			`{"id":"police:1","person":"p-2","feed":"police","type":"ASB_INTERVENTION","date":"2016-07-01"}],`+
			`"coverage":{"social_care":"`+asOf+`","police":"`+asOf+`"}}`,
		"Idempotency-Key",
		"test-"+testenv.Unique(),
	)
	var fam struct {
		ID                 string `json:"id"`
		EvidenceSnapshotID string `json:"evidence_snapshot_id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &fam); err != nil || w.Code != 201 {
		t.Fatalf("identify: %d %s", w.Code, w.Body)
	}
	return fam.ID, fam.EvidenceSnapshotID
}

// Before a window submits, each claim is judged again on its pack: one whose data does not
// reach its sustained dates is held back with the reason, and kept; a retry answers the same;
// the report shows it beside its claim, and a paid claim whose pack cannot show its result
// (frozen before the engine recorded the attachment) as a possible repayment.
func TestClaimsThatNoLongerStandAreHeldAndReported(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts, o := activities(t, a)
	ctx := context.Background()
	attached := timestamppb.New(time.Date(2016, 10, 14, 23, 0, 0, 0, time.UTC)) // 2016-10-15 in London
	claim := func(asOf string, withAttachment bool) string {
		family, snapshot := identify(t, o, asOf)
		req := claimFor(family, 1, "lancashire-phase2@1")
		req.EvidenceSnapshotId, req.AchievedAt = snapshot, timestamppb.New(
			time.Date(2017, 10, 14, 23, 0, 0, 0, time.UTC),
		) // 2017-10-15 in London
		if withAttachment {
			req.AttachedAt, req.BaselineProblems = attached, []string{"CHILDREN_NEED_HELP", "CRIME"}
		}
		c, err := acts.CreateClaim(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return c.GetClaimId()
	}
	stands, short, old := claim("2017-12-01", true), claim("2017-06-01", true), claim("2017-12-01", false)

	if _, err := acts.TakeWindowClaims(ctx, &familypathv1.TakeWindowClaimsRequest{WindowId: "2017-10", PlanId: "lancashire-phase2"}); err != nil {
		t.Fatal(err)
	}
	req := &familypathv1.RejudgeClaimsRequest{WindowId: "2017-10", ClaimIds: []string{stands, short}}
	first, err := acts.RejudgeClaims(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	verdicts := first.GetClaims()
	if len(verdicts) != 2 || !verdicts[0].GetStands() || verdicts[1].GetStands() ||
		verdicts[1].GetEngineVersion() != "2" ||
		!strings.Contains(verdicts[1].GetReason(), "awaiting data from social_care after 2017-06-01") {
		t.Fatalf("judged again: %v", verdicts)
	}
	if again, err := acts.RejudgeClaims(ctx, req); err != nil ||
		again.GetClaims()[1].GetReason() != verdicts[1].GetReason() {
		t.Errorf("a retry: %v %v", again, err)
	}
	// The window submits the claim that stands and the one a window before engine 2 took
	// unjudged, holds the other; both submitted are then paid.
	if _, err := acts.SubmitWindow(ctx, &familypathv1.SubmitWindowRequest{PlanId: "lancashire-phase2", WindowId: "2017-10", ClaimIds: []string{stands, old}, HeldClaimIds: []string{short}}); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	a.Deps.DB.Raw(`SELECT status FROM claims.claims WHERE id::text IN ? ORDER BY array_position(?::text[], id::text)`,
		[]string{stands, short, old}, "{"+stands+","+short+","+old+"}").Scan(&statuses)
	if strings.Join(statuses, ",") != "SUBMITTED,HELD,SUBMITTED" {
		t.Fatalf("statuses %v", statuses)
	}
	a.Deps.DB.Exec(
		`UPDATE claims.claims SET status = 'PAID' WHERE status = 'SUBMITTED' AND window_id = '2017-10'`,
	) // as the payment route records it

	manager := auth.Principal{Subject: "pm", Roles: []string{auth.RoleProgrammeManager}}
	w := a.Do(manager, "GET", "/v1/plans/lancashire-phase2/claims-at-risk", "")
	var report struct {
		Items []ledger.AtRisk `json:"items"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &report); err != nil || w.Code != 200 || len(report.Items) != 2 {
		t.Fatalf("report: %d %s", w.Code, w.Body)
	}
	held, repay := report.Items[0], report.Items[1]
	if held.Kind != ledger.RiskHeld || held.ClaimID != short || held.Reason != verdicts[1].GetReason() ||
		held.Claimed.Route != "SSP" ||
		held.JudgedAgain.Route != "" ||
		held.JudgedAgain.EngineVersion != "2" ||
		!strings.Contains(held.JudgedAgain.Problems, "CHILDREN_NEED_HELP:SIGNIFICANT_PROGRESS") {
		t.Errorf("held %+v", held)
	}
	if repay.Kind != ledger.RiskPossibleRepayment || repay.ClaimID != old ||
		!strings.Contains(repay.Reason, "records no attachment date") {
		t.Errorf("possible repayment %+v", repay)
	}
	w = a.Do(manager, "GET", "/v1/plans/lancashire-phase2/claims-at-risk", "", "Accept", "text/csv")
	rows, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(auditing.RiskColumns, ",") ||
		rows[1][0] != ledger.RiskHeld {
		t.Errorf("csv: %v %v", rows, err)
	}
	if w := a.Do(manager, "GET", "/v1/plans/no-such-plan/claims-at-risk", ""); w.Code != 404 {
		t.Errorf("unknown plan: %d", w.Code)
	}
	caseworker := auth.Principal{Subject: "cw", Roles: []string{auth.RoleCaseworker}}
	if w := a.Do(caseworker, "GET", "/v1/plans/lancashire-phase2/claims-at-risk", ""); w.Code != 403 {
		t.Errorf("a caseworker reads the report: %d", w.Code)
	}
}
