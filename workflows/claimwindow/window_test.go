package claimwindow

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func batchOf(n int, risky ...int) []*familypathv1.WindowClaim {
	var cs []*familypathv1.WindowClaim
	for i := 1; i <= n; i++ {
		c := &familypathv1.WindowClaim{
			ClaimId:  fmt.Sprintf("claim-%02d", i),
			FamilyId: fmt.Sprintf("0b5e3c1e-7f2a-4c39-9d7e-2a6f0c1d9e%02d", i),
			Route:    familypathv1.ResultRoute_RESULT_ROUTE_SSP,
		}
		if slices.Contains(risky, i) {
			c.Route, c.RiskFlags = familypathv1.ResultRoute_RESULT_ROUTE_CE, []string{"CE_NEAR_UC_MIGRATION"}
		}
		cs = append(cs, c)
	}
	return cs
}

func TestRequiredIsTheRateRoundedUp(t *testing.T) {
	for _, c := range []struct {
		n    int
		rate float64
		want int
	}{{0, 0.1, 0}, {1, 0.1, 1}, {7, 0.1, 1}, {10, 0.1, 1}, {11, 0.1, 2}, {30, 0.1, 3}, {31, 0.1, 4}, {300, 0.1, 30}, {7, 0.25, 2}} {
		if got := Required(c.n, c.rate); got != c.want {
			t.Errorf("Required(%d, %v) = %d, want %d", c.n, c.rate, got, c.want)
		}
	}
}

func TestDrawIsDeterministicAndTakesEveryRiskPick(t *testing.T) {
	claims := batchOf(30, 4, 17)
	a := Draw(claims, 0.1, 42)
	reversed := slices.Clone(claims)
	slices.Reverse(reversed)
	if b := Draw(reversed, 0.1, 42); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("the order of the batch changed the draw:\n%v\n%v", a, b)
	}
	if len(a) != 3 {
		t.Fatalf("sampled %d, want 3 (10%% of 30)", len(a))
	}
	reasons := map[string]string{}
	for _, s := range a {
		reasons[s.GetClaimId()] = s.GetReason()
	}
	if reasons["claim-04"] != "CE_NEAR_UC_MIGRATION" || reasons["claim-17"] != "CE_NEAR_UC_MIGRATION" {
		t.Errorf("risk picks missing: %v", a)
	}
	differs := false
	for seed := uint64(1); seed < 20 && !differs; seed++ {
		differs = fmt.Sprint(Draw(claims, 0.1, seed)) != fmt.Sprint(a)
	}
	if !differs {
		t.Error("the random pick does not depend on the seed")
	}
	if got := Draw(batchOf(5, 1, 2, 3), 0.1, 7); len(got) != 3 {
		t.Errorf("risk picks above the rate are all kept: %v", got)
	}
}

// claimsService stands in for the claims service's activities.
type claimsService struct {
	mu        sync.Mutex
	batch     []*familypathv1.WindowClaim
	sample    *familypathv1.AuditSample
	reminders []*familypathv1.AuditReminder
	submitted *familypathv1.SubmitWindowRequest
	// fallen are the claims that no longer stand when judged again, with the reason.
	fallen   map[string]string
	rejudged []string
	// ranBy: claims answers that another workflow has already run the window.
	ranBy string
}

func (s *claimsService) register(env *testsuite.TestWorkflowEnvironment) {
	reg := func(fn any, name string) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(func(context.Context, *familypathv1.TakeWindowClaimsRequest) (*familypathv1.WindowClaims, error) {
		if s.ranBy != "" {
			return &familypathv1.WindowClaims{AlreadyRunBy: s.ranBy}, nil
		}
		return &familypathv1.WindowClaims{Claims: s.batch}, nil
	}, contract.ActivityClaimsTakeWindowClaims)
	reg(func(_ context.Context, a *familypathv1.AuditSample) (*familypathv1.RecordAuditSampleResponse, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.sample = a
		return &familypathv1.RecordAuditSampleResponse{}, nil
	}, contract.ActivityClaimsRecordAuditSample)
	reg(func(_ context.Context, r *familypathv1.AuditReminder) (*familypathv1.AuditReminderResponse, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.reminders = append(s.reminders, r)
		return &familypathv1.AuditReminderResponse{}, nil
	}, contract.ActivityClaimsRemindAuditors)
	reg(func(_ context.Context, r *familypathv1.SubmitWindowRequest) (*familypathv1.SubmitWindowResponse, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.submitted = r
		return &familypathv1.SubmitWindowResponse{SubmissionId: "sub-" + r.GetWindowId()}, nil
	}, contract.ActivityClaimsSubmitWindow)
	reg(func(_ context.Context, r *familypathv1.RejudgeClaimsRequest) (*familypathv1.RejudgeClaimsResponse, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.rejudged = append(s.rejudged, r.GetClaimIds()...)
		out := &familypathv1.RejudgeClaimsResponse{}
		for _, id := range r.GetClaimIds() {
			reason, fell := s.fallen[id]
			out.Claims = append(
				out.Claims,
				&familypathv1.ClaimRejudgement{ClaimId: id, Stands: !fell, Reason: reason, EngineVersion: "2"},
			)
		}
		return out, nil
	}, contract.ActivityClaimsRejudgeClaims)
}

var opens = time.Date(2017, 7, 1, 9, 0, 0, 0, time.UTC)

func input() *familypathv1.ClaimWindowInput {
	return &familypathv1.ClaimWindowInput{
		WindowId:        "2017-07",
		PlanId:          "lancashire-phase2",
		ClosesAt:        timestamppb.New(time.Date(2017, 7, 28, 0, 0, 0, 0, time.UTC)),
		AuditSampleRate: 0.10,
		DecisionDue:     durationpb.New(7 * 24 * time.Hour),
		ReminderEvery:   durationpb.New(2 * 24 * time.Hour),
	}
}

type told struct {
	family string
	o      *familypathv1.ClaimOutcome
}

func newWindow(t *testing.T, s *claimsService) (*testsuite.TestWorkflowEnvironment, *[]told) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(opens)
	Register(env)
	s.register(env)
	var mu sync.Mutex
	var out []told
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.SignalClaimOutcome, mock.Anything).Return(
		func(_, workflowID, _, _ string, arg any) error {
			mu.Lock()
			defer mu.Unlock()
			out = append(out, told{workflowID, arg.(*familypathv1.ClaimOutcome)})
			return nil
		})
	return env, &out
}

func decide(env *testsuite.TestWorkflowEnvironment, after time.Duration, claim string, passed bool, reason string) {
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(
			contract.SignalAuditDecision,
			&familypathv1.AuditDecision{ClaimId: claim, Passed: passed, ReasonCode: reason},
		)
	}, after)
}

func kinds(out []told) map[string]familypathv1.ClaimOutcomeKind {
	last := map[string]familypathv1.ClaimOutcomeKind{}
	for _, o := range out {
		last[o.o.GetClaimId()] = o.o.GetKind()
	}
	return last
}

// A window of 7 claims samples at least 1; the auditor passes it; all 7 are submitted, each
// family is told, and told again when the window is paid.
func TestWindowOfSevenSamplesAtLeastOneAndSubmitsTheBatch(t *testing.T) {
	s := &claimsService{batch: batchOf(7)}
	env, out := newWindow(t, s)
	env.RegisterDelayedCallback(func() {
		s.mu.Lock()
		sample := s.sample
		s.mu.Unlock()
		if sample == nil || len(sample.GetSampled()) < 1 || sample.GetRequired() != 1 || sample.GetBatchSize() != 7 {
			t.Fatalf("sample %v", sample)
		}
		if fmt.Sprint(Draw(s.batch, 0.10, sample.GetSeed())) != fmt.Sprint(sample.GetSampled()) {
			t.Error("the recorded seed does not reproduce the recorded sample")
		}
		env.SignalWorkflow(
			contract.SignalAuditDecision,
			&familypathv1.AuditDecision{ClaimId: sample.GetSampled()[0].GetClaimId(), Passed: true},
		)
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(
			contract.SignalWindowPaid,
			&familypathv1.WindowPaid{PaidAt: timestamppb.New(opens.AddDate(0, 2, 0))},
		)
	}, 60*24*time.Hour)
	env.ExecuteWorkflow(Window, input())
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("window: %v", env.GetWorkflowError())
	}
	if len(s.submitted.GetClaimIds()) != 7 || len(s.reminders) != 0 {
		t.Errorf("submitted %v, reminders %d", s.submitted, len(s.reminders))
	}
	if len(*out) != 14 {
		t.Fatalf("families told %d times, want 7 submitted + 7 paid", len(*out))
	}
	for _, o := range (*out)[:7] {
		if o.o.GetKind() != familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_SUBMITTED || o.family[:7] != "family/" {
			t.Errorf("told %v", o)
		}
	}
	for claim, k := range kinds(*out) {
		if k != familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_PAID {
			t.Errorf("%s ends %v", claim, k)
		}
	}
}

// A failed audit is not submitted and its family is told why; an auditor who is slow is
// reminded, then escalated; a decision on a claim not sampled changes nothing; a sampled
// claim undecided when the window closes goes to the next window.
func TestFailedAuditRemindersEscalationAndCarryOver(t *testing.T) {
	s := &claimsService{batch: batchOf(20, 3, 9)} // required 2: both risk picks
	env, out := newWindow(t, s)
	decide(env, time.Hour, "claim-01", false, "NOT_SAMPLED_DECISION")     // not sampled: ignored
	decide(env, 3*24*time.Hour, "claim-03", false, "EVIDENCE_INCOMPLETE") // after one reminder
	decide(env, 4*24*time.Hour, "claim-03", true, "")                     // a second decision: ignored
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(
			contract.SignalWindowPaid,
			&familypathv1.WindowPaid{PaidAt: timestamppb.New(opens.AddDate(0, 2, 0))},
		)
	}, 60*24*time.Hour)
	env.ExecuteWorkflow(Window, input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if s.submitted == nil || slices.Contains(s.submitted.GetClaimIds(), "claim-03") ||
		!slices.Equal(s.submitted.GetFailedClaimIds(), []string{"claim-03"}) ||
		!slices.Equal(s.submitted.GetCarriedOverClaimIds(), []string{"claim-09"}) ||
		len(s.submitted.GetClaimIds()) != 18 {
		t.Errorf("submitted %v", s.submitted)
	}
	escalations := 0
	for _, r := range s.reminders {
		if r.GetEscalate() {
			escalations++
		}
	}
	if len(s.reminders) < 3 || escalations != 1 ||
		!slices.Equal(s.reminders[len(s.reminders)-1].GetOutstandingClaimIds(), []string{"claim-09"}) {
		t.Errorf("reminders %v (escalations %d)", s.reminders, escalations)
	}
	k := kinds(*out)
	if k["claim-03"] != familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_FAILED_AUDIT ||
		k["claim-01"] != familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_PAID {
		t.Errorf("outcomes %v", k)
	}
	if _, told := k["claim-09"]; told {
		t.Error("a carried-over claim's family was told an outcome")
	}
	for _, o := range *out {
		if o.o.GetClaimId() == "claim-03" && o.o.GetReasonCode() != "EVIDENCE_INCOMPLETE" {
			t.Errorf("failed audit reason %q", o.o.GetReasonCode())
		}
	}
}

// Before submitting, every claim the window would submit is judged again: one that no longer
// stands is held back (not submitted, not paid) and its family is told why; the others go on.
func TestClaimsThatNoLongerStandAreHeldBack(t *testing.T) {
	reason := "judged again under lancashire-phase2@1 with engine 2, the family has no result on 2017-06-01: blocked by outstanding problems: WORKLESSNESS"
	s := &claimsService{batch: batchOf(7), fallen: map[string]string{"claim-05": reason}}
	env, out := newWindow(t, s)
	env.RegisterDelayedCallback(func() {
		s.mu.Lock()
		sampled := s.sample.GetSampled()
		s.mu.Unlock()
		for _, c := range sampled {
			env.SignalWorkflow(
				contract.SignalAuditDecision,
				&familypathv1.AuditDecision{ClaimId: c.GetClaimId(), Passed: true},
			)
		}
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(
			contract.SignalWindowPaid,
			&familypathv1.WindowPaid{PaidAt: timestamppb.New(opens.AddDate(0, 2, 0))},
		)
	}, 60*24*time.Hour)
	env.ExecuteWorkflow(Window, input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(s.rejudged) != 7 || slices.Contains(s.submitted.GetClaimIds(), "claim-05") ||
		len(s.submitted.GetClaimIds()) != 6 ||
		!slices.Equal(s.submitted.GetHeldClaimIds(), []string{"claim-05"}) {
		t.Fatalf("judged again %v; submitted %v", s.rejudged, s.submitted)
	}
	k := kinds(*out)
	if k["claim-05"] != familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_HELD_BACK ||
		k["claim-01"] != familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_PAID {
		t.Errorf("outcomes %v", k)
	}
	for _, o := range *out {
		if o.o.GetClaimId() == "claim-05" && o.o.GetReason() != reason {
			t.Errorf("held back with reason %q", o.o.GetReason())
		}
	}
	var st familypathv1.ClaimWindowState
	if v, err := env.QueryWorkflow(contract.QueryClaimWindowState); err != nil || v.Get(&st) != nil ||
		len(st.GetHeld()) != 1 ||
		st.GetHeld()[0].GetReason() != reason {
		t.Errorf("window state held %v (%v)", st.GetHeld(), err)
	}
}

// A window whose schedule fires again after it has run (claims answers who ran it) takes
// nothing, samples nothing, submits nothing and ends, saying who ran it.
func TestAWindowAlreadyRunIsNotRunAgain(t *testing.T) {
	s := &claimsService{batch: batchOf(3), ranBy: "claim-window/lancashire-phase2/2017-07-2017-07-01T09:00:00Z"}
	env, out := newWindow(t, s)
	env.ExecuteWorkflow(Window, input())
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("window: %v", env.GetWorkflowError())
	}
	v, err := env.QueryWorkflow(contract.QueryClaimWindowState)
	var st familypathv1.ClaimWindowState
	if err != nil || v.Get(&st) != nil || st.GetStage() != stageAlreadyRun || st.GetAlreadyRunBy() != s.ranBy {
		t.Errorf("state %v %v", &st, err)
	}
	if s.sample != nil || s.submitted != nil || len(*out) != 0 {
		t.Errorf("sampled %v, submitted %v, told %d families", s.sample, s.submitted, len(*out))
	}
}
