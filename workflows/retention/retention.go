// Package retention holds the FamilyRetention workflow: started when a family's FamilyLifecycle
// ends, it waits out the council's retention period (RETENTION_PERIOD on the workflow worker,
// read once and kept in the history) and then has every service erase what it holds about the
// family (docs/data-protection.md, "Retention"). Its history holds the family's opaque id and
// dates only.
//
// Determinism: no wall clock, randomness, map iteration order or goroutines here.
package retention

import (
	"time"

	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// erasers are the services' erasure activities, in the order they run: the case service
// first, which refuses while the family's processing is restricted (a restriction for legal
// claims keeps the records: the erasure waits, retried, until it is lifted); identification,
// which found the family, last.
var erasers = []struct{ service, queue, activity string }{
	{"case", contract.QueueCase, contract.ActivityCaseEraseFamily},
	{"claims", contract.QueueClaims, contract.ActivityClaimsEraseFamily},
	{"tracking", contract.QueueTracking, contract.ActivityTrackingEraseFamily},
	{"attachment", contract.QueueAttachment, contract.ActivityAttachmentEraseFamily},
	{"identification", contract.QueueIdentification, contract.ActivityIdentificationEraseFamily},
}

// Register registers the workflow and its period activity on the workflow worker.
func Register(r worker.Registry, period time.Duration) {
	RegisterWorkflow(r)
	r.RegisterActivityWithOptions(
		Period{Period: period}.Read,
		activity.RegisterOptions{Name: contract.ActivityWorkflowsRetentionPeriod},
	)
}

// RegisterWorkflow registers the workflow alone (a replayer).
func RegisterWorkflow(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Family, workflow.RegisterOptions{Name: contract.WorkflowFamilyRetention})
}

// Family is the FamilyRetention workflow of one family.
func Family(ctx workflow.Context, in *familypathv1.FamilyRetentionInput) error {
	state := &familypathv1.FamilyRetentionState{FamilyId: in.GetFamilyId(), EndedAt: in.GetEndedAt()}
	if err := workflow.SetQueryHandler(ctx, contract.QueryFamilyRetentionState, func() (*familypathv1.FamilyRetentionState, error) {
		return proto.Clone(state).(*familypathv1.FamilyRetentionState), nil
	}); err != nil {
		return err
	}
	var period familypathv1.RetentionPeriodResponse
	if err := workflow.ExecuteActivity(options(ctx, contract.QueueFamilyLifecycle), contract.ActivityWorkflowsRetentionPeriod).Get(ctx, &period); err != nil {
		return err
	}
	eraseAt := in.GetEndedAt().AsTime().Add(period.GetPeriod().AsDuration())
	state.Period, state.EraseAt = period.GetPeriod(), timestamppb.New(eraseAt)
	if err := workflow.UpsertTypedSearchAttributes(ctx, temporalx.SANextActionDate.ValueSet(eraseAt)); err != nil {
		return err
	}
	workflow.SetCurrentDetails(ctx, "waiting: the retention period to pass")
	if wait := eraseAt.Sub(workflow.Now(ctx)); wait > 0 {
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	for _, e := range erasers {
		workflow.SetCurrentDetails(ctx, "waiting: "+e.service+" to erase the family's records")
		var done familypathv1.EraseFamilyResponse
		if err := workflow.ExecuteActivity(options(ctx, e.queue), e.activity, &familypathv1.EraseFamilyRequest{FamilyId: in.GetFamilyId()}).Get(ctx, &done); err != nil {
			return err
		}
		state.Erased = append(state.Erased, &familypathv1.ErasedIn{Service: e.service, Rows: done.GetRows()})
	}
	workflow.SetCurrentDetails(ctx, "erased")
	return nil
}

// options run an activity on a service's queue until it succeeds: a service that is down
// delays the erasure, never skips it (its workflow then shows as waiting in the Temporal UI).
func options(ctx workflow.Context, queue string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Hour,
		},
	})
}

// Period is the workflow worker's retention period, as an activity: a workflow reads it once
// and keeps it in its history, so a change of setting applies to families that end after it.
type Period struct{ Period time.Duration }

// Read answers the period.
func (p Period) Read() (*familypathv1.RetentionPeriodResponse, error) {
	return &familypathv1.RetentionPeriodResponse{Period: durationpb.New(p.Period)}, nil
}
