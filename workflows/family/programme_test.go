package family

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// day is a programme date at midnight UTC (the tests' clock).
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

var start = day(2016, 10, 1)

// services stands in for the five services' activities (the SDK's test environment; every
// activity mocked, so years of programme time pass in milliseconds). judge is tracking's
// judgement for the scenario.
type services struct {
	mu        sync.Mutex
	facts     *familypathv1.AttachmentFacts
	judge     func(at time.Time, evidence string) *familypathv1.FamilyJudgement
	end       time.Time
	calls     map[string]int
	claims    []*familypathv1.CreateClaimRequest
	judgedAt  []time.Time
	judgedFor []string // plan versions asked for
	// describeFailures: identification fails to describe the family this many times first.
	describeFailures int
	readinessCodes   [][]string                           // the problem codes each readiness judgement was asked with
	retained         []*familypathv1.FamilyRetentionInput // FamilyRetention workflows started
}

func (s *services) count(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[name]++
}

func (s *services) register(env *testsuite.TestWorkflowEnvironment) {
	reg := func(fn any, name string) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	env.RegisterWorkflowWithOptions(func(_ workflow.Context, in *familypathv1.FamilyRetentionInput) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.retained = append(s.retained, in)
		return nil
	}, workflow.RegisterOptions{Name: contract.WorkflowFamilyRetention})
	reg(
		func(_ context.Context, r *familypathv1.DescribeCandidateRequest) (*familypathv1.DescribeCandidateResponse, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.describeFailures > 0 {
				s.describeFailures--
				return nil, temporal.NewApplicationError("identification is busy", "Unavailable")
			}
			return &familypathv1.DescribeCandidateResponse{
				FamilyId:     r.GetFamilyId(),
				ProblemCodes: []string{"CHILDREN_NEED_HELP", "EDUCATION"},
			}, nil
		},
		contract.ActivityIdentificationDescribeCandidate,
	)
	reg(func(context.Context, *familypathv1.GatherAttachmentRequest) (*familypathv1.AttachmentFacts, error) {
		s.count("gather")
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.facts, nil
	}, contract.ActivityCaseGatherAttachment)
	reg(func(_ context.Context, r *familypathv1.JudgeReadinessRequest) (*familypathv1.Readiness, error) {
		s.count("readiness")
		s.mu.Lock()
		s.readinessCodes = append(s.readinessCodes, r.GetProblemCodes())
		s.mu.Unlock()
		var missing []string
		if !r.GetFacts().GetWholeFamilyAssessment() {
			missing = append(missing, "WHOLE_FAMILY_ASSESSMENT")
		}
		if !r.GetFacts().GetFamilyPlan() {
			missing = append(missing, "FAMILY_PLAN")
		}
		if !r.GetFacts().GetLeadProfessional() {
			missing = append(missing, "LEAD_PROFESSIONAL")
		}
		rd := &familypathv1.Readiness{Ready: len(missing) == 0, Missing: missing}
		if rd.Ready {
			rd.BaselineProblems, rd.PlanVersion = []string{"CHILDREN_NEED_HELP", "EDUCATION"}, "lancashire-phase2@1"
			if !s.end.IsZero() {
				rd.ProgrammeEndsAt = timestamppb.New(s.end)
			}
		}
		return rd, nil
	}, contract.ActivityTrackingJudgeReadiness)
	reg(func(context.Context, *familypathv1.RecordAttachmentRequest) (*familypathv1.RecordAttachmentResponse, error) {
		s.count("record")
		return &familypathv1.RecordAttachmentResponse{AttachmentId: "att-1"}, nil
	}, contract.ActivityAttachmentRecordAttachment)
	reg(
		func(_ context.Context, r *familypathv1.CorrectAttachmentRequest) (*familypathv1.CorrectAttachmentResponse, error) {
			s.count("correct")
			return &familypathv1.CorrectAttachmentResponse{}, nil
		},
		contract.ActivityAttachmentCorrectAttachment,
	)
	reg(
		func(context.Context, *familypathv1.RecordAttachmentFeeRequest) (*familypathv1.RecordAttachmentFeeResponse, error) {
			s.count("fee")
			return &familypathv1.RecordAttachmentFeeResponse{LedgerEntryId: "fee-1"}, nil
		},
		contract.ActivityClaimsRecordAttachmentFee,
	)
	reg(func(_ context.Context, r *familypathv1.JudgeFamilyRequest) (*familypathv1.FamilyJudgement, error) {
		s.mu.Lock()
		s.judgedAt = append(s.judgedAt, r.GetAt().AsTime())
		s.judgedFor = append(s.judgedFor, r.GetPlanVersion())
		s.mu.Unlock()
		return s.judge(r.GetAt().AsTime(), r.GetEvidenceSnapshotId()), nil
	}, contract.ActivityTrackingJudgeFamily)
	reg(func(_ context.Context, r *familypathv1.CreateClaimRequest) (*familypathv1.CreateClaimResponse, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.claims = append(s.claims, r)
		return &familypathv1.CreateClaimResponse{
			ClaimId:  "claim-" + string(rune('0'+r.GetAttempt())),
			WindowId: "2017-06",
		}, nil
	}, contract.ActivityClaimsCreateClaim)
}

func ready() *familypathv1.AttachmentFacts {
	return &familypathv1.AttachmentFacts{
		WholeFamilyAssessment: true,
		FamilyPlan:            true,
		LeadProfessional:      true,
		LeadAgency:            "COUNCIL_FAMILY_SERVICE",
		Team:                  "preston-1",
	}
}

// sustainedOn judges a family whose problems have met their outcomes, sustained on the date
// (a claim by SSP from then on); recurrence evidence restarts the clock.
func sustainedOn(
	clock, sustained time.Time,
	recurrence string,
	recurredOn time.Time,
) func(time.Time, string) *familypathv1.FamilyJudgement {
	return func(at time.Time, evidence string) *familypathv1.FamilyJudgement {
		c, s := clock, sustained
		if evidence == recurrence && recurrence != "" {
			c, s = recurredOn, recurredOn.AddDate(1, 0, 0)
		}
		pr := &familypathv1.ProblemJudgement{
			Code:        "CHILDREN_NEED_HELP",
			ClockStart:  timestamppb.New(c),
			SustainedAt: timestamppb.New(s),
			Status:      familypathv1.ProblemStatus_PROBLEM_STATUS_SIGNIFICANT_PROGRESS,
		}
		edu := &familypathv1.ProblemJudgement{
			Code:   "EDUCATION",
			Status: familypathv1.ProblemStatus_PROBLEM_STATUS_SUSTAINED,
		}
		j := &familypathv1.FamilyJudgement{Problems: []*familypathv1.ProblemJudgement{pr, edu}}
		if at.Before(s) {
			j.ReviewAt, j.EarliestClaimAt, j.Blocking = timestamppb.New(
				s,
			), timestamppb.New(
				s,
			), []string{
				"CHILDREN_NEED_HELP",
			}
			return j
		}
		pr.Status = familypathv1.ProblemStatus_PROBLEM_STATUS_SUSTAINED
		j.ResultRoute, j.AchievedAt = familypathv1.ResultRoute_RESULT_ROUTE_SSP, timestamppb.New(s)
		return j
	}
}

func newProgramme(t *testing.T, s *services) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	Register(env)
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	if s.facts == nil {
		s.facts = ready()
	}
	s.register(env)
	return env
}

// at runs fn when the programme's clock reaches the date.
func at(env *testsuite.TestWorkflowEnvironment, when time.Time, fn func()) {
	env.RegisterDelayedCallback(fn, when.Sub(start))
}

// sent is an update on its way: the test environment completes it as the workflow runs
// (its activities included), so its answer is read in a later callback or at the end.
type sent struct {
	done  bool
	err   error
	value any
}

func send(env *testsuite.TestWorkflowEnvironment, name, id string, arg any) *sent {
	u := &sent{}
	env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
		OnReject:   func(e error) { u.done, u.err = true, e },
		OnAccept:   func() {},
		OnComplete: func(v any, e error) { u.done, u.err, u.value = true, e, v },
	}, arg)
	return u
}

// result decodes the update's answer into out, or returns its error.
func (u *sent) result(t *testing.T, out any) error {
	t.Helper()
	if !u.done {
		t.Fatal("the update has not completed")
	}
	if u.err != nil || out == nil {
		return u.err
	}
	switch v := u.value.(type) {
	case converter.EncodedValue:
		return v.Get(out)
	case proto.Message:
		proto.Merge(out.(proto.Message), v)
	default:
		t.Fatalf("update answered %T", u.value)
	}
	return nil
}

func attachResult(t *testing.T, u *sent) *familypathv1.AttachResult {
	t.Helper()
	var res familypathv1.AttachResult
	if err := u.result(t, &res); err != nil {
		t.Fatalf("attach: %v", err)
	}
	return &res
}

func outcome(
	env *testsuite.TestWorkflowEnvironment,
	claim string,
	kind familypathv1.ClaimOutcomeKind,
	when time.Time,
	reason string,
) {
	at(env, when, func() {
		env.SignalWorkflow(
			contract.SignalClaimOutcome,
			&familypathv1.ClaimOutcome{ClaimId: claim, Kind: kind, ReasonCode: reason, At: timestamppb.New(when)},
		)
	})
}

func finalState(t *testing.T, env *testsuite.TestWorkflowEnvironment) *familypathv1.FamilyState {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	return query(t, env)
}

const (
	submittedKind = familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_SUBMITTED
	paidKind      = familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_PAID
	failedKind    = familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_FAILED_AUDIT
)

// A child protection plan ended 2016-05-01: sustained 12 months later, 2017-05-01, when the
// workflow's timer wakes it to ask tracking again; the claim is made then, once, and the
// window's outcomes carry the family to paid.
func TestChildProtectionFamilySustainedAfterTwelveMonthsIsClaimedOnceAndPaid(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	var attach *sent
	at(env, start.Add(time.Hour), func() {
		attach = send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	at(env, day(2017, 1, 1), func() {
		if res := attachResult(t, attach); !res.GetAttached() || res.GetPlanVersion() != "lancashire-phase2@1" ||
			len(res.GetBaselineProblems()) != 2 {
			t.Errorf("attach: %v", res)
		}
		st := query(t, env)
		if st.GetPhase() != tracking || !st.GetNextActionAt().AsTime().Equal(day(2017, 5, 1)) ||
			st.GetWaitingFor() != "review CHILDREN_NEED_HELP sustained at 2017-05-01" {
			t.Errorf("while sustaining: %v", st)
		}
	})
	outcome(env, "claim-1", submittedKind, day(2017, 6, 30), "")
	outcome(env, "claim-1", submittedKind, day(2017, 7, 1), "") // a repeat changes nothing
	outcome(env, "claim-1", paidKind, day(2017, 9, 30), "")
	env.ExecuteWorkflow(Lifecycle, input())
	st := finalState(t, env)
	if st.GetPhase() != paid || st.GetClaimId() != "claim-1" ||
		st.GetClaimRoute() != familypathv1.ResultRoute_RESULT_ROUTE_SSP ||
		st.GetAuditStatus() != "PASSED" {
		t.Errorf("final state: %v", st)
	}
	if len(s.claims) != 1 || !s.claims[0].GetAchievedAt().AsTime().Equal(day(2017, 5, 1)) || s.calls["fee"] != 1 ||
		s.calls["record"] != 1 {
		t.Errorf("claims %v, calls %v", s.claims, s.calls)
	}
	if len(s.judgedAt) != 2 || !s.judgedAt[1].Equal(day(2017, 5, 1)) ||
		slices.ContainsFunc(s.judgedFor, func(v string) bool { return v != "lancashire-phase2@1" }) {
		t.Errorf("judged at %v under %v", s.judgedAt, s.judgedFor)
	}
}

// A recurrence reported in month 11 restarts the problem's clock: no claim at month 12, one
// 12 months after the recurrence.
func TestRecurrenceInMonthElevenRestartsTheClock(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "e-recurrence", day(2017, 4, 1))}
	env := newProgramme(t, s)
	at(env, start.Add(time.Hour), func() {
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	at(env, day(2017, 4, 1), func() {
		env.SignalWorkflow(
			contract.SignalEvidenceReceived,
			&familypathv1.EvidenceReceived{EvidenceSnapshotId: "e-recurrence", Source: "case"},
		)
	})
	at(env, day(2017, 6, 1), func() {
		if st := query(t, env); st.GetPhase() != tracking || !st.GetNextActionAt().AsTime().Equal(day(2018, 4, 1)) {
			t.Errorf("after the recurrence: %v", st)
		}
	})
	outcome(env, "claim-1", paidKind, day(2018, 6, 1), "")
	env.ExecuteWorkflow(Lifecycle, input())
	finalState(t, env)
	if len(s.claims) != 1 || !s.claims[0].GetAchievedAt().AsTime().Equal(day(2018, 4, 1)) {
		t.Errorf("claims: %v", s.claims)
	}
}

// A JSA leaver in work 26 of the last 30 weeks is a result by continuous employment,
// whatever the other problems; tracking says when, the workflow wakes then.
func TestJSALeaverClaimedByContinuousEmploymentAtTwentySixWeeks(t *testing.T) {
	left := day(2016, 11, 7)
	due := left.AddDate(0, 0, 26*7)
	s := &services{judge: func(at time.Time, _ string) *familypathv1.FamilyJudgement {
		if at.Before(due) {
			return &familypathv1.FamilyJudgement{ReviewAt: timestamppb.New(due), Blocking: []string{"WORKLESSNESS"}}
		}
		return &familypathv1.FamilyJudgement{
			ResultRoute: familypathv1.ResultRoute_RESULT_ROUTE_CE,
			AchievedAt:  timestamppb.New(due),
		}
	}}
	env := newProgramme(t, s)
	at(env, start.Add(time.Hour), func() {
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	outcome(env, "claim-1", paidKind, due.AddDate(0, 2, 0), "")
	env.ExecuteWorkflow(Lifecycle, input())
	st := finalState(t, env)
	if len(s.claims) != 1 || s.claims[0].GetRoute() != familypathv1.ResultRoute_RESULT_ROUTE_CE ||
		st.GetPhase() != paid {
		t.Errorf("claims %v, state %v", s.claims, st)
	}
}

// A legacy benefit that simply ends is a possible move to Universal Credit: never a claim;
// the family, never claimed, closes when the programme ends.
func TestPossibleUCMoveIsNeverClaimedAndTheProgrammeEndClosesTheFamily(t *testing.T) {
	s := &services{end: day(2020, 3, 31), judge: func(time.Time, string) *familypathv1.FamilyJudgement {
		return &familypathv1.FamilyJudgement{
			Flags:    []string{"POSSIBLE_MOVE_TO_UC_EVIDENCE_OF_WORK_NEEDED"},
			Blocking: []string{"WORKLESSNESS"},
		}
	}}
	env := newProgramme(t, s)
	at(env, start.Add(time.Hour), func() {
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	at(env, day(2018, 1, 1), func() {
		st := query(t, env)
		if st.GetWaitingFor() != "programme end at 2020-03-31" || len(st.GetFlags()) != 1 {
			t.Errorf("waiting: %v", st)
		}
	})
	env.ExecuteWorkflow(Lifecycle, input())
	st := finalState(t, env)
	if st.GetPhase() != programmeEnded || len(s.claims) != 0 || !st.GetExitedAt().AsTime().Equal(day(2020, 3, 31)) {
		t.Errorf("final %v, claims %v", st, s.claims)
	}
}

// A sampled claim fails audit: the family returns to tracking with the reason, is judged
// again, and its second claim passes.
func TestFailedAuditReturnsTheFamilyToTrackingThenALaterClaimPasses(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	at(env, start.Add(time.Hour), func() {
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	outcome(env, "claim-1", failedKind, day(2017, 6, 15), "EVIDENCE_INCOMPLETE")
	at(env, day(2017, 6, 16), func() {
		st := query(t, env)
		if st.GetLastAuditFailure() != "EVIDENCE_INCOMPLETE" || st.GetClaimAttempts() != 2 || st.GetPhase() != claimed {
			t.Errorf("after the failed audit: %v", st)
		}
	})
	outcome(env, "claim-1", submittedKind, day(2017, 7, 1), "") // the failed claim's outcome: ignored
	at(env, day(2017, 7, 2), func() {
		if st := query(t, env); st.GetPhase() != claimed || st.GetClaimId() != "claim-2" {
			t.Errorf("an outcome of the failed claim moved the new one: %v", st)
		}
	})
	outcome(env, "claim-2", submittedKind, day(2017, 9, 30), "")
	outcome(env, "claim-2", paidKind, day(2017, 12, 1), "")
	env.ExecuteWorkflow(Lifecycle, input())
	st := finalState(t, env)
	if st.GetPhase() != paid || st.GetClaimId() != "claim-2" || len(s.claims) != 2 || s.claims[1].GetAttempt() != 2 {
		t.Errorf("final %v, claims %v", st, s.claims)
	}
}

// A claim held back by its window (judged again, it no longer stood) returns the family to
// tracking with the reason; judged again, it claims again, and that claim is paid. The claim
// carries the attachment and baseline, so that it can be judged again.
func TestAHeldClaimReturnsTheFamilyToTrackingWithTheReason(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	at(env, start.Add(time.Hour), func() {
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	reason := "judged again under lancashire-phase2@1 with engine 2, the family has no result on 2017-05-01"
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalClaimOutcome, &familypathv1.ClaimOutcome{ClaimId: "claim-1",
			Kind: familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_HELD_BACK, Reason: reason, At: timestamppb.New(day(2017, 6, 15))})
	}, day(2017, 6, 15).Sub(start))
	at(env, day(2017, 6, 16), func() {
		if st := query(t, env); st.GetLastHoldReason() != reason || st.GetClaimAttempts() != 2 ||
			st.GetClaimId() != "claim-2" {
			t.Errorf("after the hold: %v", st)
		}
	})
	outcome(env, "claim-2", submittedKind, day(2017, 9, 30), "")
	outcome(env, "claim-2", paidKind, day(2017, 12, 1), "")
	env.ExecuteWorkflow(Lifecycle, input())
	st := finalState(t, env)
	if st.GetPhase() != paid || len(s.claims) != 2 || s.claims[0].GetAttachedAt() == nil ||
		len(s.claims[0].GetBaselineProblems()) == 0 {
		t.Errorf("final %v, claims %v", st, s.claims)
	}
}

// Attachment is refused with exactly what is missing; once the case has it, the family is
// attached; repeated attach requests attach once.
func TestAttachSaysWhatIsMissingAndRepeatsHaveNoEffect(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{}),
		facts: &familypathv1.AttachmentFacts{FamilyPlan: true, LeadProfessional: true}}
	env := newProgramme(t, s)
	var first, second, repeat, notAttachable, withdraw *sent
	at(env, start.Add(time.Hour), func() {
		first = send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	at(env, start.Add(2*time.Hour), func() {
		if res := attachResult(t, first); res.GetAttached() ||
			!slices.Equal(res.GetMissing(), []string{"WHOLE_FAMILY_ASSESSMENT"}) {
			t.Errorf("first attach: %v", res)
		}
		if st := query(t, env); st.GetPhase() != identified {
			t.Errorf("phase after a refused attach: %v", st.GetPhase())
		}
		s.mu.Lock()
		s.facts = ready()
		s.mu.Unlock()
		second = send(env, contract.UpdateAttach, "attach-2", &familypathv1.AttachRequest{RequestId: "attach-2"})
		repeat = send(
			env,
			contract.UpdateAttach,
			"attach-3",
			&familypathv1.AttachRequest{RequestId: "attach-2"},
		) // the caseworker pressed twice
	})
	at(env, start.Add(3*time.Hour), func() {
		a, b := attachResult(t, second), attachResult(t, repeat)
		if !a.GetAttached() || a.GetAlreadyAttached() || !b.GetAttached() || !b.GetAlreadyAttached() {
			t.Errorf("attach %v, repeated %v", a, b)
		}
		notAttachable = send(
			env,
			contract.UpdateClose,
			"close-1",
			&familypathv1.CloseRequest{Exit: familypathv1.FamilyPhase_FAMILY_PHASE_NOT_ATTACHABLE, ReasonCode: "X"},
		)
	})
	at(env, day(2017, 1, 1), func() {
		if err := notAttachable.result(t, nil); err == nil {
			t.Error("an attached family was closed as not attachable")
		}
		withdraw = send(
			env,
			contract.UpdateClose,
			"close-2",
			&familypathv1.CloseRequest{
				Exit:       familypathv1.FamilyPhase_FAMILY_PHASE_WITHDRAWN,
				ReasonCode: "FAMILY_DECLINED",
			},
		)
	})
	env.ExecuteWorkflow(Lifecycle, input())
	st := finalState(t, env)
	var res familypathv1.CloseResult
	if err := withdraw.result(t, &res); err != nil ||
		res.GetPhase() != familypathv1.FamilyPhase_FAMILY_PHASE_WITHDRAWN {
		t.Errorf("withdraw: %v %v", &res, err)
	}
	if s.calls["record"] != 1 || s.calls["fee"] != 1 ||
		st.GetPhase() != familypathv1.FamilyPhase_FAMILY_PHASE_WITHDRAWN ||
		st.GetExitReason() != "FAMILY_DECLINED" ||
		len(s.claims) != 0 {
		t.Errorf("calls %v, final %v", s.calls, st)
	}
}

// A run that continued as new carries on from its state: no second description, attachment
// or fee; the pinned plan version and the deadline hold.
func TestContinuedRunKeepsEveryDeadlineAndThePinnedPlan(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	in := input()
	in.Continued = &familypathv1.FamilyState{
		FamilyId: familyID, Phase: tracking, PlanId: "lancashire-phase2", PlanVersion: "lancashire-phase2@1", EvidenceSnapshotId: "e-1",
		AttachedAt: timestamppb.New(
			day(2016, 9, 1),
		), AttachmentId: "att-1", FeeRecorded: true, BaselineProblems: []string{"CHILDREN_NEED_HELP", "EDUCATION"},
		NextActionAt: timestamppb.New(day(2017, 5, 1)), EvidenceReceivedCount: 7,
	}
	at(env, day(2017, 1, 1), func() {
		if st := query(t, env); !st.GetNextActionAt().AsTime().Equal(day(2017, 5, 1)) ||
			st.GetEvidenceReceivedCount() != 7 {
			t.Errorf("continued state: %v", st)
		}
	})
	outcome(env, "claim-1", paidKind, day(2017, 6, 1), "")
	env.ExecuteWorkflow(Lifecycle, in)
	finalState(t, env)
	if s.calls["fee"] != 0 || s.calls["record"] != 0 || len(s.claims) != 1 ||
		!s.claims[0].GetAchievedAt().AsTime().Equal(day(2017, 5, 1)) ||
		slices.ContainsFunc(s.judgedFor, func(v string) bool { return v != "lancashire-phase2@1" }) {
		t.Errorf("calls %v, claims %v, judged under %v", s.calls, s.claims, s.judgedFor)
	}
}

// Over the plan's family cap, claims refuses the claim: the family waits, flagged, and
// closes when the programme ends, instead of failing.
func TestAFamilyOverTheCapWaitsFlaggedUntilTheProgrammeEnds(t *testing.T) {
	s := &services{end: day(2018, 3, 31), judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	env.OnActivity(contract.ActivityClaimsCreateClaim, mock.Anything, mock.Anything).Return(nil,
		temporal.NewNonRetryableApplicationError("the plan's family cap is reached", "FamilyCapReached", nil))
	at(env, start.Add(time.Hour), func() {
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	at(env, day(2017, 6, 1), func() {
		if st := query(t, env); st.GetPhase() != claimCandidate ||
			!slices.Contains(st.GetFlags(), "FAMILY_CAP_REACHED") {
			t.Errorf("over the cap: %v", st)
		}
	})
	env.ExecuteWorkflow(Lifecycle, input())
	if st := finalState(t, env); st.GetPhase() != programmeEnded {
		t.Errorf("final %v", st)
	}
}

// Attendance improves over three consecutive terms: tracking names each term's end as the
// next review; the workflow wakes at each, and claims after the third.
func TestAttendanceSustainedOverThreeTermsIsClaimedAfterTheThird(t *testing.T) {
	terms := []time.Time{day(2016, 12, 20), day(2017, 4, 7), day(2017, 7, 21)} // autumn, spring, summer ends
	s := &services{judge: func(at time.Time, _ string) *familypathv1.FamilyJudgement {
		for _, end := range terms {
			if at.Before(end) {
				return &familypathv1.FamilyJudgement{ReviewAt: timestamppb.New(end), Blocking: []string{"EDUCATION"},
					Problems: []*familypathv1.ProblemJudgement{
						{Code: "EDUCATION", Status: familypathv1.ProblemStatus_PROBLEM_STATUS_SIGNIFICANT_PROGRESS,
							ClockStart: timestamppb.New(day(2016, 9, 5)), SustainedAt: timestamppb.New(terms[2])},
					}}
			}
		}
		return &familypathv1.FamilyJudgement{
			ResultRoute: familypathv1.ResultRoute_RESULT_ROUTE_SSP,
			AchievedAt:  timestamppb.New(terms[2]),
		}
	}}
	env := newProgramme(t, s)
	at(env, start.Add(time.Hour), func() {
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	outcome(env, "claim-1", paidKind, day(2017, 10, 1), "")
	env.ExecuteWorkflow(Lifecycle, input())
	finalState(t, env)
	if len(s.judgedAt) != 4 || !s.judgedAt[1].Equal(terms[0]) || !s.judgedAt[2].Equal(terms[1]) ||
		!s.judgedAt[3].Equal(terms[2]) {
		t.Errorf("judged at %v", s.judgedAt)
	}
	if len(s.claims) != 1 || !s.claims[0].GetAchievedAt().AsTime().Equal(terms[2]) {
		t.Errorf("claims %v", s.claims)
	}
}

// A baseline recorded wrongly is corrected after attachment: the register is told, the family
// is judged again at once under the corrected baseline, and the claim rests on it. Corrections
// that make no sense, or come once a claim exists, are refused by the validator.
func TestCorrectionChangesTheBaselineAndTheFamilyIsJudgedAgain(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	var baselines [][]string
	var judgedAt []time.Time
	inner := s.judge
	env := newProgramme(t, s)
	env.OnActivity(contract.ActivityTrackingJudgeFamily, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r *familypathv1.JudgeFamilyRequest) (*familypathv1.FamilyJudgement, error) {
			s.mu.Lock()
			baselines, judgedAt = append(baselines, r.GetBaselineProblems()), append(judgedAt, r.GetAt().AsTime())
			s.mu.Unlock()
			return inner(r.GetAt().AsTime(), r.GetEvidenceSnapshotId()), nil
		})
	var tooSmall, before, fixed, late *sent
	at(env, start.Add(time.Hour), func() {
		before = send(
			env,
			contract.UpdateCorrect,
			"fix-0",
			&familypathv1.CorrectRequest{
				RequestId:        "fix-0",
				ReasonCode:       "X",
				BaselineProblems: []string{"CRIME", "EDUCATION"},
			},
		)
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	at(env, day(2016, 11, 1), func() {
		tooSmall = send(
			env,
			contract.UpdateCorrect,
			"fix-1",
			&familypathv1.CorrectRequest{RequestId: "fix-1", ReasonCode: "X", BaselineProblems: []string{"CRIME"}},
		)
		fixed = send(
			env,
			contract.UpdateCorrect,
			"fix-2",
			&familypathv1.CorrectRequest{RequestId: "fix-2", ReasonCode: "BASELINE_RECORDED_WRONGLY",
				BaselineProblems: []string{"CHILDREN_NEED_HELP", "EDUCATION", "HEALTH"}},
		)
	})
	at(env, day(2017, 5, 2), func() {
		late = send(
			env,
			contract.UpdateCorrect,
			"fix-3",
			&familypathv1.CorrectRequest{
				RequestId:        "fix-3",
				ReasonCode:       "X",
				BaselineProblems: []string{"CRIME", "HEALTH"},
			},
		)
	})
	outcome(env, "claim-1", paidKind, day(2017, 6, 1), "")
	env.ExecuteWorkflow(Lifecycle, input())
	st := finalState(t, env)
	var res familypathv1.CorrectResult
	if err := fixed.result(t, &res); err != nil || len(res.GetBaselineProblems()) != 3 {
		t.Fatalf("correction: %v %v", &res, err)
	}
	for name, u := range map[string]*sent{"before attachment": before, "one problem": tooSmall, "with a claim": late} {
		t.Run(name, func(t *testing.T) {
			if err := u.result(t, nil); err == nil {
				t.Errorf("%s: accepted", name)
			}
		})
	}
	if s.calls["correct"] != 1 || len(st.GetBaselineProblems()) != 3 || len(s.claims) != 1 {
		t.Errorf("corrections %d, baseline %v, claims %d", s.calls["correct"], st.GetBaselineProblems(), len(s.claims))
	}
	// Judged at attachment under the old baseline, at once after the correction under the new.
	if len(baselines) < 2 || len(baselines[0]) != 2 || len(baselines[1]) != 3 || !judgedAt[1].Equal(day(2016, 11, 1)) {
		t.Errorf("judged with %v at %v", baselines, judgedAt)
	}
}

// A family referred by a professional takes its problems from the referral: identification,
// which never saw it, is not asked; it is attached and tracked like any other.
func TestReferredFamilyTakesItsProblemsFromTheReferral(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	env.OnActivity(contract.ActivityIdentificationDescribeCandidate, mock.Anything, mock.Anything).Return(nil,
		temporal.NewNonRetryableApplicationError("a referred family is not identification's", "NotFound", nil))
	in := input()
	in.EvidenceSnapshotId = ""
	in.Referral = &familypathv1.Referral{ReferralId: "ref-1", ProblemCodes: []string{"CHILDREN_NEED_HELP", "EDUCATION"}}
	at(env, start.Add(time.Hour), func() {
		if st := query(t, env); st.GetReferralId() != "ref-1" || len(st.GetProblemCodes()) != 2 {
			t.Errorf("referred: %v", st)
		}
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	outcome(env, "claim-1", paidKind, day(2017, 6, 1), "")
	env.ExecuteWorkflow(Lifecycle, in)
	if st := finalState(t, env); st.GetPhase() != familypathv1.FamilyPhase_FAMILY_PHASE_PAID || len(s.claims) != 1 {
		t.Errorf("final %v, claims %d", st, len(s.claims))
	}
	// The journey ended: the family's retention starts, from the moment it ended.
	if len(s.retained) != 1 || s.retained[0].GetFamilyId() != familyID ||
		s.retained[0].GetEndedPhase() != familypathv1.FamilyPhase_FAMILY_PHASE_PAID ||
		!s.retained[0].GetEndedAt().AsTime().After(day(2017, 6, 1).Add(-time.Second)) {
		t.Errorf("retention started %v", s.retained)
	}
}

// An attach that arrives while identification has not yet described the family (its
// worker busy, the activity retrying) waits for the family's problems and is judged on them.
func TestAnAttachBeforeTheFamilyIsDescribedWaitsForItsProblems(t *testing.T) {
	s := &services{
		facts:            ready(),
		describeFailures: 3,
		judge:            sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{}),
	}
	env := newProgramme(t, s)
	var attach *sent
	at(env, start.Add(time.Millisecond), func() {
		attach = send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	at(env, day(2016, 10, 2), func() {
		if res := attachResult(t, attach); !res.GetAttached() {
			t.Errorf("attach: %v", res)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.readinessCodes) != 1 || len(s.readinessCodes[0]) != 2 {
			t.Errorf("readiness judged with problems %v", s.readinessCodes)
		}
		env.CancelWorkflow()
	})
	env.ExecuteWorkflow(
		Lifecycle,
		&familypathv1.FamilyLifecycleInput{
			FamilyId: "0b5e3c1e-7f2a-4c39-9d7e-2a6f0c1d9e44",
			PlanId:   "lancashire-phase2",
		},
	)
}

// A restriction of processing (UK GDPR Article 18) set while the family is tracked pauses it:
// the result falls due on 2017-05-01 but no judgement or claim is made while it holds, the
// family shows as waiting for the restriction to be lifted, and once lifted (2017-08-01) it is
// judged and claimed then.
func TestARestrictedFamilyIsNeitherJudgedNorClaimedUntilTheRestrictionIsLifted(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	at(env, start.Add(time.Hour), func() {
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	restrict := func(when time.Time, on bool) {
		at(env, when, func() {
			env.SignalWorkflow(
				contract.SignalRestrictionChanged,
				&familypathv1.RestrictionChanged{Restricted: on, At: timestamppb.New(when)},
			)
		})
	}
	restrict(day(2017, 1, 10), true)
	at(env, day(2017, 7, 1), func() {
		st := query(t, env)
		if !st.GetRestricted() || st.GetPhase() != tracking || st.GetWaitingFor() != waitingLifted ||
			len(s.claims) != 0 {
			t.Errorf("while restricted: %v; claims %d", st, len(s.claims))
		}
		if got := len(s.judgedAt); got != 1 {
			t.Errorf("judged %d times while restricted", got)
		}
	})
	restrict(day(2017, 8, 1), false)
	outcome(env, "claim-1", submittedKind, day(2017, 9, 30), "")
	outcome(env, "claim-1", paidKind, day(2017, 12, 30), "")
	env.ExecuteWorkflow(Lifecycle, input())
	st := finalState(t, env)
	if st.GetPhase() != paid || st.GetRestricted() || len(s.claims) != 1 ||
		!s.claims[0].GetAchievedAt().AsTime().Equal(day(2017, 8, 1)) {
		t.Errorf("final state %v; claims %v", st, s.claims)
	}
}

// What the workflow waits on is a search attribute, with since when, and it is published
// before each step that waits on a service: an operator finds a family whose judging has
// waited on tracking for minutes in one query (WaitingFor, WaitingSince).
func TestWhatTheFamilyWaitsOnIsSearchable(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	var mu sync.Mutex
	var waits []string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		mu.Lock()
		defer mu.Unlock()
		if w, ok := sa.GetKeyword(temporalx.SAWaitingFor); ok {
			if _, since := sa.GetTime(temporalx.SAWaitingSince); !since {
				t.Errorf("WaitingFor %q without WaitingSince", w)
			}
			waits = append(waits, w)
		}
	}).Return(nil)
	at(env, start.Add(time.Hour), func() {
		send(env, contract.UpdateAttach, "attach-1", &familypathv1.AttachRequest{RequestId: "attach-1"})
	})
	outcome(env, "claim-1", submittedKind, day(2017, 6, 30), "")
	outcome(env, "claim-1", paidKind, day(2017, 9, 30), "")
	env.ExecuteWorkflow(Lifecycle, input())
	if st := finalState(t, env); st.GetPhase() != paid || st.GetWaitingFor() != waitingNothing {
		t.Fatalf("final state %v", st)
	}
	if waits[len(waits)-1] != "NONE" {
		t.Errorf("a paid family still shows WaitingFor %q", waits[len(waits)-1])
	}
	for _, want := range []string{"ATTACHMENT", "TRACKING_JUDGEMENT", "CLAIM_RECORD", "CLAIM_WINDOW_OUTCOME"} {
		if !slices.Contains(waits, want) {
			t.Errorf("WaitingFor never said %q: %q", want, waits)
		}
	}
}
