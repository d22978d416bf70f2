package identification

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// fakeIdentification stands in for identification's activities: a run of n eligible
// families, told a page at a time, whose first page fails once.
type fakeIdentification struct {
	n, failures int
	finished    *familypathv1.FinishRunRequest
	pages       []string // the after_family_id of each page asked for
}

func (f *fakeIdentification) register(env *testsuite.TestWorkflowEnvironment) {
	env.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.LinkRunRequest) (*familypathv1.LinkRunResponse, error) {
			return &familypathv1.LinkRunResponse{
				Counts: &familypathv1.RunCounts{Records: 100, Eligible: int64(f.n)},
			}, nil
		},
		activity.RegisterOptions{Name: contract.ActivityIdentificationLinkRun},
	)
	env.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.StartFamiliesRequest) (*familypathv1.StartFamiliesResponse, error) {
			f.pages = append(f.pages, r.GetAfterFamilyId())
			if r.GetAfterFamilyId() == "" && f.failures > 0 {
				f.failures--
				return nil, errors.New("Temporal frontend unavailable")
			}
			from := 0
			if r.GetAfterFamilyId() != "" {
				fmt.Sscanf(r.GetAfterFamilyId(), "family-%04d", &from)
			}
			to := min(f.n, from+int(r.GetLimit()))
			out := &familypathv1.StartFamiliesResponse{Done: to == f.n}
			for i := from + 1; i <= to; i++ {
				switch i % 3 {
				case 0:
					out.Started++
				case 1:
					out.Signalled++
				default:
					out.Unchanged++
				}
				out.LastFamilyId = fmt.Sprintf("family-%04d", i)
			}
			return out, nil
		},
		activity.RegisterOptions{Name: contract.ActivityIdentificationStartFamilies},
	)
	env.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.FinishRunRequest) (*familypathv1.FinishRunResponse, error) {
			f.finished = r
			return &familypathv1.FinishRunResponse{}, nil
		},
		activity.RegisterOptions{Name: contract.ActivityIdentificationFinishRun},
	)
}

// A run links once, tells every eligible family a page at a time (a failed page is
// retried), and records its end with what the pages did.
func TestARunTellsEveryEligibleFamilyAPageAtATime(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	Register(env)
	fake := &fakeIdentification{n: 1201, failures: 1}
	fake.register(env)
	env.ExecuteWorkflow(Run, &familypathv1.IdentificationRunInput{RunId: "run-1"})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("completed %v: %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	f := fake.finished
	if f == nil || f.GetStarted()+f.GetSignalled()+f.GetUnchanged() != 1201 || f.GetStarted() != 400 {
		t.Fatalf("finished with %+v", f)
	}
	if want := []string{"", "", "family-0500", "family-1000"}; fmt.Sprint(fake.pages) != fmt.Sprint(want) {
		t.Errorf("pages asked %v, want %v", fake.pages, want)
	}
	v, err := env.QueryWorkflow(contract.QueryIdentificationRunState)
	if err != nil {
		t.Fatal(err)
	}
	var st familypathv1.IdentificationRunState
	if err := v.Get(&st); err != nil || st.GetStage() != StageFinished || st.GetCounts().GetEligible() != 1201 {
		t.Errorf("state %+v %v", &st, err)
	}
}

// A run whose plan is not published on the worker fails at once, for an operator to see.
func TestARunWithoutItsPlanFails(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	Register(env)
	env.RegisterActivityWithOptions(
		func(context.Context, *familypathv1.LinkRunRequest) (*familypathv1.LinkRunResponse, error) {
			return nil, temporal.NewNonRetryableApplicationError("missing", "PlanVersionMissing", nil)
		},
		activity.RegisterOptions{Name: contract.ActivityIdentificationLinkRun},
	)
	env.ExecuteWorkflow(Run, &familypathv1.IdentificationRunInput{RunId: "run-2"})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || app.Type() != "PlanVersionMissing" {
		t.Errorf("error %v", err)
	}
}

// A run continued as new part way through its fan-out carries on from its place.
func TestAContinuedRunCarriesOnFromItsPlace(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	Register(env)
	fake := &fakeIdentification{n: 1201}
	fake.register(env)
	env.ExecuteWorkflow(
		Run,
		&familypathv1.IdentificationRunInput{RunId: "run-3", Continued: &familypathv1.IdentificationRunState{
			RunId: "run-3", Stage: StageStarting, Counts: &familypathv1.RunCounts{Eligible: 1201}, Started: 333, Signalled: 334, Unchanged: 333,
			AfterFamilyId: "family-1000"}},
	)
	if env.GetWorkflowError() != nil || fmt.Sprint(fake.pages) != "[family-1000]" {
		t.Fatalf("%v pages %v", env.GetWorkflowError(), fake.pages)
	}
	if f := fake.finished; f.GetStarted()+f.GetSignalled()+f.GetUnchanged() != 1201 {
		t.Errorf("finished with %+v", f)
	}
}
