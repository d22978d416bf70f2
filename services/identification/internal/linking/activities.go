package linking

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/identification/internal/runs"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Activities are the IdentificationRun workflow's activities, on task queue identification.
type Activities struct {
	Linker    Linker
	Fanout    runs.Fanout
	Store     runs.Store
	Forecasts Forecasts
}

// ForecastSettle is how long after a run its plan's forecast waits, so that the families the
// run told have been judged (each judges within seconds of its signal).
const ForecastSettle = time.Hour

// Forecasts starts a plan's ProgrammeForecast after a run.
type Forecasts struct{ Temporal client.Client }

// After starts, once per run, the forecast of the run's plan, ForecastSettle from now.
func (f Forecasts) After(ctx context.Context, planID string, run uuid.UUID) error {
	_, err := f.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: contract.ForecastWorkflowID(
			planID,
		) + "/after-run/" + run.String(), TaskQueue: contract.QueueFamilyLifecycle,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:            "results forecast of " + planID + " after identification run " + run.String(),
	}, contract.WorkflowForecast, &familypathv1.ForecastInput{PlanId: planID, Settle: durationpb.New(ForecastSettle)})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil // a retry of this activity: the forecast has run
	}
	return err
}

// LinkRun links, groups and judges the run's rows and keeps the result (once). It beats its
// heart at each stage, so a worker that dies is noticed within the heartbeat timeout and the
// activity runs again elsewhere, resuming after the people linked (the run's checkpoint).
func (a *Activities) LinkRun(
	ctx context.Context,
	req *familypathv1.LinkRunRequest,
) (*familypathv1.LinkRunResponse, error) {
	id, err := uuid.Parse(req.GetRunId())
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("run id", "InvalidArgument", err)
	}
	l := a.Linker
	// An attempt after one that got under way (a worker killed, or stopped by a deploy past
	// WORKER_STOP_TIMEOUT) resumes from the run's checkpoint: the heartbeat it left says so.
	l.Resume = activity.HasHeartbeatDetails(ctx)
	var stage atomic.Value
	stage.Store("started")
	stop := beat(ctx, &stage)
	defer stop()
	l.Progress = func(s string) {
		stage.Store(s)
		activity.RecordHeartbeat(ctx, s)
	}
	counts, err := l.Link(ctx, id)
	switch {
	case errors.Is(err, runs.ErrNotFound):
		return nil, temporal.NewNonRetryableApplicationError("no such run", "NotFound", err)
	case errors.Is(err, ErrPlanMissing):
		return nil, temporal.NewNonRetryableApplicationError(
			"the run's plan version is not published here",
			"PlanVersionMissing",
			err,
		)
	case err != nil:
		return nil, temporalx.Step("link the run", err)
	}
	return &familypathv1.LinkRunResponse{Counts: counts}, nil
}

// beat records a heartbeat every few seconds while a long stage runs (linking a million
// rows takes a quarter of a minute), until stopped; its details are the last stage reached,
// which the Temporal UI shows as the activity's progress.
func beat(ctx context.Context, stage *atomic.Value) func() {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, stage.Load())
			}
		}
	}()
	return func() { close(done) }
}

// StartFamilies tells a page of the run's eligible families' workflows.
func (a *Activities) StartFamilies(
	ctx context.Context,
	req *familypathv1.StartFamiliesRequest,
) (*familypathv1.StartFamiliesResponse, error) {
	return a.Fanout.Page(ctx, req)
}

// FinishRun records the fan-out's counts and completes the run, then has the run's plan
// forecast again once its families have been judged (docs/forecast.md).
func (a *Activities) FinishRun(
	ctx context.Context,
	req *familypathv1.FinishRunRequest,
) (*familypathv1.FinishRunResponse, error) {
	id, err := uuid.Parse(req.GetRunId())
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("run id", "InvalidArgument", err)
	}
	if err := a.Store.Finish(ctx, id, req.GetStarted(), req.GetSignalled(), req.GetUnchanged(), req.GetClosed(), time.Now().UTC()); err != nil {
		return nil, temporalx.Step("record the run's fan-out", err)
	}
	run, err := a.Store.Get(ctx, id)
	if err != nil {
		return nil, temporalx.Step("read the run", err)
	}
	if run != nil && a.Forecasts.Temporal != nil {
		if err := a.Forecasts.After(ctx, run.PlanID, id); err != nil {
			return nil, temporalx.Step("start the plan's forecast", err)
		}
	}
	return &familypathv1.FinishRunResponse{}, nil
}
