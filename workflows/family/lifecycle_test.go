package family

import (
	"context"
	"testing"
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const familyID = "0b5e3c1e-7f2a-4c39-9d7e-2a6f0c1d9e44"

func newEnv(
	t *testing.T,
	describe func(context.Context, *familypathv1.DescribeCandidateRequest) (*familypathv1.DescribeCandidateResponse, error),
) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	Register(env)
	env.RegisterActivityWithOptions(
		describe,
		activity.RegisterOptions{Name: contract.ActivityIdentificationDescribeCandidate},
	)
	return env
}

func input() *familypathv1.FamilyLifecycleInput {
	return &familypathv1.FamilyLifecycleInput{
		FamilyId: familyID, PlanId: "lancashire-phase2", EvidenceSnapshotId: "e-1",
		IdentifiedAt: timestamppb.New(time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC)),
	}
}

func query(t *testing.T, env *testsuite.TestWorkflowEnvironment) *familypathv1.FamilyState {
	t.Helper()
	v, err := env.QueryWorkflow(contract.QueryFamilyState)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	var st familypathv1.FamilyState
	if err := v.Get(&st); err != nil {
		t.Fatalf("decode state: %v", err)
	}
	return &st
}

func TestIdentifiedFamilyIsDescribedAndTakesEvidence(t *testing.T) {
	env := newEnv(
		t,
		func(_ context.Context, req *familypathv1.DescribeCandidateRequest) (*familypathv1.DescribeCandidateResponse, error) {
			if req.GetFamilyId() != familyID {
				t.Errorf("described family %q", req.GetFamilyId())
			}
			return &familypathv1.DescribeCandidateResponse{
				FamilyId:     familyID,
				ProblemCodes: []string{"EDUCATION", "WORKLESSNESS"},
			}, nil
		},
	)
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		if st.GetPhase() != familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED || len(st.GetProblemCodes()) != 2 ||
			st.GetWaitingFor() != waitingAttachment {
			t.Errorf("state after describe: %v", st)
		}
		env.SignalWorkflow(
			contract.SignalEvidenceReceived,
			&familypathv1.EvidenceReceived{EvidenceSnapshotId: "e-2", Source: "identification"},
		)
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		if st.GetEvidenceReceivedCount() != 1 || st.GetEvidenceSnapshotId() != "e-2" {
			t.Errorf("state after evidence: %v", st)
		}
		env.CancelWorkflow()
	}, 2*time.Hour)
	env.ExecuteWorkflow(contract.WorkflowFamilyLifecycle, input())
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not end")
	}
	if err := env.GetWorkflowError(); !temporal.IsCanceledError(err) {
		t.Fatalf("want cancellation, got %v", err)
	}
}

func TestUnknownFamilyFailsWithoutRetrying(t *testing.T) {
	calls := 0
	env := newEnv(
		t,
		func(context.Context, *familypathv1.DescribeCandidateRequest) (*familypathv1.DescribeCandidateResponse, error) {
			calls++
			return nil, temporal.NewNonRetryableApplicationError("no candidate family with this id", "NotFound", nil)
		},
	)
	env.ExecuteWorkflow(contract.WorkflowFamilyLifecycle, input())
	if err := env.GetWorkflowError(); err == nil {
		t.Fatal("want an error for an unknown family")
	}
	if calls != 1 {
		t.Fatalf("describe called %d times, want 1 (NotFound is not retried)", calls)
	}
}

func TestContinuedRunKeepsStateAndSkipsDescribe(t *testing.T) {
	env := newEnv(
		t,
		func(context.Context, *familypathv1.DescribeCandidateRequest) (*familypathv1.DescribeCandidateResponse, error) {
			t.Error("a continued run must not describe again")
			return nil, nil
		},
	)
	in := input()
	in.Continued = &familypathv1.FamilyState{
		FamilyId:              familyID,
		Phase:                 familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED,
		ProblemCodes:          []string{"CRIME", "HEALTH"},
		EvidenceReceivedCount: 41,
	}
	env.RegisterDelayedCallback(func() {
		if st := query(t, env); st.GetEvidenceReceivedCount() != 41 || len(st.GetProblemCodes()) != 2 {
			t.Errorf("continued state lost: %v", st)
		}
		env.CancelWorkflow()
	}, time.Minute)
	env.ExecuteWorkflow(contract.WorkflowFamilyLifecycle, in)
}
