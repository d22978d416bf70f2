package retention

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

// A family's records are erased by every service once the period has passed since its
// journey ended, and not a moment before; a service that fails is retried, never skipped.
func TestAFamilysRecordsAreErasedEverywhereOnceThePeriodHasPassed(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	start := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	ended := start.Add(-24 * time.Hour)
	period := 7 * 365 * 24 * time.Hour
	Register(env, period)
	var order []string
	var erasedAt []time.Time
	caseFailures := 2 // the case service is down at first
	for _, e := range erasers {
		env.RegisterActivityWithOptions(
			func(_ context.Context, r *familypathv1.EraseFamilyRequest) (*familypathv1.EraseFamilyResponse, error) {
				if r.GetFamilyId() != familyID {
					t.Errorf("%s asked to erase %q", e.service, r.GetFamilyId())
				}
				if e.service == "case" && caseFailures > 0 {
					caseFailures--
					return nil, temporal.NewApplicationError("the family's processing is restricted", "Restricted")
				}
				order = append(order, e.service)
				erasedAt = append(erasedAt, env.Now())
				return &familypathv1.EraseFamilyResponse{Rows: 3}, nil
			},
			activity.RegisterOptions{Name: e.activity},
		)
	}
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(contract.QueryFamilyRetentionState)
		var st familypathv1.FamilyRetentionState
		if err != nil || v.Get(&st) != nil || !st.GetEraseAt().AsTime().Equal(ended.Add(period)) ||
			len(st.GetErased()) != 0 {
			t.Errorf("a year on: %v %v", &st, err)
		}
	}, 365*24*time.Hour)
	env.ExecuteWorkflow(Family, &familypathv1.FamilyRetentionInput{FamilyId: familyID, EndedAt: timestamppb.New(ended),
		EndedPhase: familypathv1.FamilyPhase_FAMILY_PHASE_PAID})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	want := []string{"case", "claims", "tracking", "attachment", "identification"}
	if len(order) != len(want) {
		t.Fatalf("erased in %v", order)
	}
	for i := range want {
		if order[i] != want[i] || erasedAt[i].Before(ended.Add(period)) {
			t.Errorf("erasure %d: %s at %v, want %s after %v", i, order[i], erasedAt[i], want[i], ended.Add(period))
		}
	}
}

// A family whose journey ended longer ago than the period (a period shortened, a backlog) is
// erased at once.
func TestAFamilyPastThePeriodIsErasedAtOnce(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	start := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	Register(env, 24*time.Hour)
	erased := 0
	for _, e := range erasers {
		env.RegisterActivityWithOptions(
			func(context.Context, *familypathv1.EraseFamilyRequest) (*familypathv1.EraseFamilyResponse, error) {
				erased++
				if !env.Now().Equal(start) {
					t.Errorf("%s erased at %v, want at once", e.service, env.Now())
				}
				return &familypathv1.EraseFamilyResponse{}, nil
			},
			activity.RegisterOptions{Name: e.activity},
		)
	}
	env.ExecuteWorkflow(
		Family,
		&familypathv1.FamilyRetentionInput{FamilyId: familyID, EndedAt: timestamppb.New(start.AddDate(-3, 0, 0))},
	)
	if env.GetWorkflowError() != nil || erased != len(erasers) {
		t.Errorf("erased by %d services: %v", erased, env.GetWorkflowError())
	}
}
