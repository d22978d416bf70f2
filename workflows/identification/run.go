// Package identification holds the IdentificationRun workflow: one per run of
// identification over a set of loaded extracts. It asks identification to link, group and
// judge the run's rows and keep the result (one long activity, heartbeating, retried until
// it is kept once), then to tell every eligible family's FamilyLifecycle workflow a page at
// a time (signal-with-start for a family identified for the first time, a signal when its
// evidence changed, nothing when it did not), then records the run's end. Progress is in
// its state query and the UI's current details; a worker that dies mid-run loses nothing.
//
// Determinism: as in workflows/family; changes to deployed logic go behind
// workflow.GetVersion with ids in versions.go.
package identification

import (
	"fmt"
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
)

// Register registers the workflow on the family-lifecycle worker.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Run, workflow.RegisterOptions{Name: contract.WorkflowIdentification})
}

// Stages of a run.
const (
	StageLinking  = "LINKING"
	StageStarting = "STARTING_FAMILIES"
	StageFinished = "FINISHED"
)

// PageSize is how many families one StartFamilies activity tells.
const PageSize = 500

// Run is the IdentificationRun workflow.
func Run(ctx workflow.Context, in *familypathv1.IdentificationRunInput) error {
	state := in.GetContinued()
	if state == nil {
		state = &familypathv1.IdentificationRunState{RunId: in.GetRunId(), Stage: StageLinking}
	}
	if err := workflow.SetQueryHandler(ctx, contract.QueryIdentificationRunState, func() (*familypathv1.IdentificationRunState, error) {
		return proto.Clone(state).(*familypathv1.IdentificationRunState), nil
	}); err != nil {
		return err
	}
	if state.GetStage() == StageLinking {
		if err := link(ctx, state); err != nil {
			return err
		}
	}
	if state.GetStage() == StageStarting {
		if err := fanOut(ctx, state); err != nil {
			return err
		}
	}
	return finish(ctx, state)
}

// activities are the options of identification's activities: retried with back-off (an
// outage of identification or Postgres only delays the run), except for a run or plan that
// does not exist.
func activities(ctx workflow.Context, startToClose, heartbeat time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue: contract.QueueIdentification, StartToCloseTimeout: startToClose, HeartbeatTimeout: heartbeat,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        5 * time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        10 * time.Minute,
			NonRetryableErrorTypes: []string{"NotFound", "InvalidArgument", "PlanVersionMissing"},
		},
	})
}

func link(ctx workflow.Context, state *familypathv1.IdentificationRunState) error {
	setWaiting(ctx, state, "identification to link, group and judge the run's rows")
	actx := activities(ctx, 2*time.Hour, 2*time.Minute)
	var linked familypathv1.LinkRunResponse
	if err := workflow.ExecuteActivity(actx, contract.ActivityIdentificationLinkRun, &familypathv1.LinkRunRequest{RunId: state.GetRunId()}).
		Get(ctx, &linked); err != nil {
		return err
	}
	state.Counts, state.Stage = linked.GetCounts(), StageStarting
	return nil
}

// fanOut tells the eligible families a page at a time, continuing as new (with its place)
// when the history grows long enough for the server to suggest it.
func fanOut(ctx workflow.Context, state *familypathv1.IdentificationRunState) error {
	actx := activities(ctx, 10*time.Minute, 0)
	for {
		told := state.GetStarted() + state.GetSignalled() + state.GetUnchanged() + state.GetClosed()
		setWaiting(
			ctx,
			state,
			fmt.Sprintf(
				"identification to tell eligible families: %d of %d told",
				told,
				state.GetCounts().GetEligible(),
			),
		)
		var page familypathv1.StartFamiliesResponse
		if err := workflow.ExecuteActivity(actx, contract.ActivityIdentificationStartFamilies, &familypathv1.StartFamiliesRequest{
			RunId: state.GetRunId(), AfterFamilyId: state.GetAfterFamilyId(), Limit: PageSize}).Get(ctx, &page); err != nil {
			return err
		}
		state.Started += int64(page.GetStarted())
		state.Signalled += int64(page.GetSignalled())
		state.Unchanged += int64(page.GetUnchanged())
		state.Closed += int64(page.GetClosed())
		if page.GetLastFamilyId() != "" {
			state.AfterFamilyId = page.GetLastFamilyId()
		}
		if page.GetDone() {
			return nil
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return workflow.NewContinueAsNewError(ctx, contract.WorkflowIdentification,
				&familypathv1.IdentificationRunInput{RunId: state.GetRunId(), Continued: state})
		}
	}
}

func finish(ctx workflow.Context, state *familypathv1.IdentificationRunState) error {
	setWaiting(ctx, state, "identification to record the run's end")
	actx := activities(ctx, time.Minute, 0)
	if err := workflow.ExecuteActivity(actx, contract.ActivityIdentificationFinishRun, &familypathv1.FinishRunRequest{
		RunId: state.GetRunId(), Started: state.GetStarted(), Signalled: state.GetSignalled(), Unchanged: state.GetUnchanged(),
		Closed: state.GetClosed()}).Get(ctx, nil); err != nil {
		return err
	}
	state.Stage, state.WaitingFor = StageFinished, ""
	workflow.SetCurrentDetails(
		ctx,
		fmt.Sprintf(
			"finished: %d eligible families; %d started, %d signalled, %d unchanged, %d closed",
			state.GetCounts().
				GetEligible(),
			state.GetStarted(),
			state.GetSignalled(),
			state.GetUnchanged(),
			state.GetClosed(),
		),
	)
	return nil
}

// setWaiting records what the run waits for, in its state and in the UI's current details.
func setWaiting(ctx workflow.Context, state *familypathv1.IdentificationRunState, what string) {
	state.WaitingFor = what
	workflow.SetCurrentDetails(ctx, "waiting: "+what)
}
