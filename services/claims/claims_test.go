package claims

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/plans"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestOpenAPIMatchesRoutes(t *testing.T) { servicetest.OpenAPIMatchesRoutes(t, Definition()) }

func TestOpenAPIIsValid(t *testing.T) { servicetest.OpenAPIIsValid(t, Definition()) }

func TestAPIReferenceIsCurrent(t *testing.T) {
	servicetest.APIReferenceIsCurrent(t, Definition(), "../../docs/api/claims.md")
}

func TestOpenAPIFollowsHouseRules(t *testing.T) {
	servicetest.OpenAPIFollowsHouseRules(t, Definition())
}

func TestMain(m *testing.M) { testenv.Main(m) }

// plansWithCap loads the shipped plans and a copy of Lancashire's with a family cap of 2.
func plansWithCap(t *testing.T) *outcomes.Plans {
	t.Helper()
	b, err := fs.ReadFile(plans.FS, "lancashire-phase2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(
		strings.Replace(string(b), "id: lancashire-phase2", "id: capped-test", 1),
		"family_cap: 8620",
		"family_cap: 2",
		1,
	)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "capped-test.yaml"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	ps, err := outcomes.LoadWithFolder(plans.FS, dir)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func claimFor(family string, attempt int32, plan string) *familypathv1.CreateClaimRequest {
	return &familypathv1.CreateClaimRequest{
		FamilyId:    family,
		Attempt:     attempt,
		Route:       familypathv1.ResultRoute_RESULT_ROUTE_SSP,
		PlanVersion: plan,
		AchievedAt:  timestamppb.New(time.Date(2017, 5, 1, 0, 0, 0, 0, time.UTC)),
		Problems: []*familypathv1.ProblemJudgement{
			{Code: "EDUCATION", Status: familypathv1.ProblemStatus_PROBLEM_STATUS_SUSTAINED},
		},
	}
}

func TestAttachmentFeeIsEnteredOnceAtThePlansRate(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts, _ := activities(t, a)
	req := &familypathv1.RecordAttachmentFeeRequest{
		FamilyId:     uuid.NewString(),
		AttachmentId: "att-1",
		AttachedAt:   timestamppb.Now(),
		PlanVersion:  "lancashire-phase2@1",
	}
	first, err := acts.RecordAttachmentFee(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := acts.RecordAttachmentFee(context.Background(), req); err != nil ||
		again.GetLedgerEntryId() != first.GetLedgerEntryId() {
		t.Errorf("repeat: %v %v", again, err)
	}
	var pence []int64
	a.Deps.DB.Raw("SELECT amount_pence FROM claims.ledger WHERE kind = 'ATTACHMENT_FEE'").Scan(&pence)
	if len(pence) != 1 || pence[0] != 100000 {
		t.Errorf("ledger %v, want one fee of £1,000", pence)
	}
	req.PlanVersion = "lancashire-phase2@9"
	if _, err := acts.RecordAttachmentFee(context.Background(), req); err == nil {
		t.Error("a fee under an unpublished plan version was entered")
	}
}

// A claim is made once per family and attempt; a family has one live claim at a time; a
// failed audit lets it claim again; the plan's family cap holds.
func TestClaimsAreExactlyOncePerFamilyAndCapped(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts, _ := activities(t, a)
	ctx := context.Background()
	f1, f2, f3 := uuid.NewString(), uuid.NewString(), uuid.NewString()
	first, err := acts.CreateClaim(ctx, claimFor(f1, 1, "capped-test@1"))
	if err != nil || first.GetExisting() {
		t.Fatalf("first: %v %v", first, err)
	}
	if again, err := acts.CreateClaim(ctx, claimFor(f1, 1, "capped-test@1")); err != nil || !again.GetExisting() ||
		again.GetClaimId() != first.GetClaimId() {
		t.Errorf("retry: %v %v", again, err)
	}
	if _, err := acts.CreateClaim(ctx, claimFor(f1, 2, "capped-test@1")); err == nil {
		t.Error("a second live claim for a family")
	}
	a.Deps.DB.Exec("UPDATE claims.claims SET status = 'FAILED_AUDIT' WHERE id = ?", first.GetClaimId())
	if second, err := acts.CreateClaim(ctx, claimFor(f1, 2, "capped-test@1")); err != nil ||
		second.GetClaimId() == first.GetClaimId() {
		t.Errorf("after a failed audit: %v %v", second, err)
	}
	if _, err := acts.CreateClaim(ctx, claimFor(f2, 1, "capped-test@1")); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.CreateClaim(ctx, claimFor(f3, 1, "capped-test@1")); err == nil {
		t.Error("a third family claimed under a cap of 2")
	}
	var problems string
	a.Deps.DB.Raw("SELECT problems::text FROM claims.claims WHERE family_id = ?", f2).Scan(&problems)
	if !strings.Contains(problems, "PROBLEM_STATUS_SUSTAINED") {
		t.Errorf("frozen judgement %s", problems)
	}
}

// A window takes the ready claims once, its sample is kept with its seed, and its submission
// sets each claim's status once; a carried-over claim joins the next window.
func TestWindowTakesRecordsAndSubmitsItsBatch(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts, _ := activities(t, a)
	ctx := context.Background()
	var ids []string
	for i, route := range []familypathv1.ResultRoute{familypathv1.ResultRoute_RESULT_ROUTE_SSP, familypathv1.ResultRoute_RESULT_ROUTE_CE, familypathv1.ResultRoute_RESULT_ROUTE_SSP} {
		req := claimFor(uuid.NewString(), 1, "lancashire-phase2@1")
		req.Route = route
		c, err := acts.CreateClaim(ctx, req)
		if err != nil {
			t.Fatal(i, err)
		}
		ids = append(ids, c.GetClaimId())
	}
	take := &familypathv1.TakeWindowClaimsRequest{WindowId: "2017-07", PlanId: "lancashire-phase2"}
	batch, err := acts.TakeWindowClaims(ctx, take)
	if err != nil || len(batch.GetClaims()) != 3 {
		t.Fatalf("batch %v %v", batch, err)
	}
	flagged := 0
	for _, c := range batch.GetClaims() {
		if c.GetRoute() == familypathv1.ResultRoute_RESULT_ROUTE_CE &&
			slices.Equal(c.GetRiskFlags(), []string{ledger.RiskContinuousEmployment}) {
			flagged++
		}
	}
	if again, _ := acts.TakeWindowClaims(ctx, take); flagged != 1 || len(again.GetClaims()) != 3 {
		t.Errorf("flagged %d; retry took %d", flagged, len(again.GetClaims()))
	}
	if other, _ := acts.TakeWindowClaims(ctx, &familypathv1.TakeWindowClaimsRequest{WindowId: "2017-10", PlanId: "lancashire-phase2"}); len(
		other.GetClaims(),
	) != 0 {
		t.Errorf("a claim in two windows: %v", other)
	}
	sample := &familypathv1.AuditSample{
		PlanId:    "lancashire-phase2",
		WindowId:  "2017-07",
		Seed:      18446744073709551615,
		BatchSize: 3,
		Required:  1,
		Sampled:   []*familypathv1.SampledClaim{{ClaimId: ids[1], Reason: ledger.RiskContinuousEmployment}},
	}
	for i := 0; i < 2; i++ {
		if _, err := acts.RecordAuditSample(ctx, sample); err != nil {
			t.Fatal(err)
		}
	}
	var seeds []string
	a.Deps.DB.Raw("SELECT seed::text FROM claims.audit_samples").Scan(&seeds)
	if len(seeds) != 1 || seeds[0] != "18446744073709551615" {
		t.Errorf("samples %v", seeds)
	}
	if _, err := acts.RemindAuditors(ctx, &familypathv1.AuditReminder{PlanId: "lancashire-phase2", WindowId: "2017-07", OutstandingClaimIds: []string{ids[1]}, Escalate: true}); err != nil {
		t.Fatal(err)
	}
	submit := &familypathv1.SubmitWindowRequest{
		PlanId:              "lancashire-phase2",
		WindowId:            "2017-07",
		ClaimIds:            []string{ids[0]},
		FailedClaimIds:      []string{ids[1]},
		CarriedOverClaimIds: []string{ids[2]},
	}
	first, err := acts.SubmitWindow(ctx, submit)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := acts.SubmitWindow(ctx, submit); err != nil || again.GetSubmissionId() != first.GetSubmissionId() {
		t.Errorf("resubmit: %v %v", again, err)
	}
	status := func(id string) string {
		var s string
		a.Deps.DB.Raw("SELECT status FROM claims.claims WHERE id = ?", id).Scan(&s)
		return s
	}
	if status(ids[0]) != "SUBMITTED" || status(ids[1]) != "FAILED_AUDIT" || status(ids[2]) != "READY" {
		t.Errorf("statuses %s %s %s", status(ids[0]), status(ids[1]), status(ids[2]))
	}
	if next, _ := acts.TakeWindowClaims(ctx, &familypathv1.TakeWindowClaimsRequest{WindowId: "2017-10", PlanId: "lancashire-phase2"}); len(
		next.GetClaims(),
	) != 1 ||
		next.GetClaims()[0].GetClaimId() != ids[2] {
		t.Errorf("the next window took %v", next)
	}
}

// Two plans' windows with one id stay apart: each takes, samples and submits its own claims.
func TestWindowsOfTwoPlansWithOneIDStayApart(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts, _ := activities(t, a)
	ctx := context.Background()
	claim := map[string]string{}
	for _, plan := range []string{"lancashire-phase2", "supporting-families-2022"} {
		c, err := acts.CreateClaim(ctx, claimFor(uuid.NewString(), 1, plan+"@1"))
		if err != nil {
			t.Fatal(plan, err)
		}
		claim[plan] = c.GetClaimId()
		batch, err := acts.TakeWindowClaims(
			ctx,
			&familypathv1.TakeWindowClaimsRequest{WindowId: "2017-07", PlanId: plan},
		)
		if err != nil || len(batch.GetClaims()) != 1 || batch.GetClaims()[0].GetClaimId() != c.GetClaimId() {
			t.Fatalf("%s's window took %v (%v)", plan, batch, err)
		}
		if _, err := acts.RecordAuditSample(ctx, &familypathv1.AuditSample{PlanId: plan, WindowId: "2017-07", BatchSize: 1, Required: 1,
			Sampled: []*familypathv1.SampledClaim{{ClaimId: c.GetClaimId(), Reason: "RANDOM"}}}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := acts.SubmitWindow(
		ctx,
		&familypathv1.SubmitWindowRequest{
			PlanId:   "lancashire-phase2",
			WindowId: "2017-07",
			ClaimIds: []string{claim["lancashire-phase2"]},
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	second, err := acts.SubmitWindow(
		ctx,
		&familypathv1.SubmitWindowRequest{
			PlanId:         "supporting-families-2022",
			WindowId:       "2017-07",
			FailedClaimIds: []string{claim["supporting-families-2022"]},
		},
	)
	if err != nil || second.GetSubmissionId() == first.GetSubmissionId() {
		t.Fatalf("the second plan's submission: %v %v", second, err)
	}
	var samples, submissions int64
	a.Deps.DB.Raw("SELECT count(*) FROM claims.audit_samples WHERE window_id = '2017-07'").Scan(&samples)
	a.Deps.DB.Raw("SELECT count(*) FROM claims.submissions WHERE window_id = '2017-07'").Scan(&submissions)
	var statuses []string
	a.Deps.DB.Raw("SELECT status FROM claims.claims WHERE id IN ? ORDER BY plan_version", []string{claim["lancashire-phase2"], claim["supporting-families-2022"]}).
		Scan(&statuses)
	if samples != 2 || submissions != 2 || strings.Join(statuses, ",") != "SUBMITTED,FAILED_AUDIT" {
		t.Errorf("samples %d, submissions %d, statuses %v", samples, submissions, statuses)
	}
}

// A window that another workflow has run (its sample recorded) gives a second run nothing:
// claims ready since wait for the plan's next window.
func TestAWindowAlreadyRunGivesASecondRunNothing(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts, _ := activities(t, a)
	ctx := context.Background()
	first := "claim-window/lancashire-phase2/2017-07-2017-07-01T09:00:00Z"
	if err := a.Deps.DB.Exec(`INSERT INTO claims.audit_samples (plan_id, window_id, seed, batch_size, required, sampled, workflow_id)
		VALUES ('lancashire-phase2', '2017-07', 1, 0, 0, '[]'::jsonb, ?)`, first).Error; err != nil {
		t.Fatal(err)
	}
	c, err := acts.CreateClaim(ctx, claimFor(uuid.NewString(), 1, "lancashire-phase2@1"))
	if err != nil {
		t.Fatal(err)
	}
	batch, err := acts.TakeWindowClaims(
		ctx,
		&familypathv1.TakeWindowClaimsRequest{WindowId: "2017-07", PlanId: "lancashire-phase2"},
	)
	if err != nil || batch.GetAlreadyRunBy() != first || len(batch.GetClaims()) != 0 {
		t.Fatalf("a second run of the window took %v (%v)", batch, err)
	}
	var status string
	a.Deps.DB.Raw("SELECT status FROM claims.claims WHERE id = ?", c.GetClaimId()).Scan(&status)
	if status != "READY" {
		t.Errorf("the new claim is %s, want READY for the next window", status)
	}
}
