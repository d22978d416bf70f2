package candidates

import (
	"context"
	"time"

	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Lifecycles starts and reads family workflows.
type Lifecycles struct{ Temporal client.Client }

// Start starts the family's FamilyLifecycle workflow, or finds the one already running
// (so a retried request never starts a second).
func (l Lifecycles) Start(ctx context.Context, c *Candidate) error {
	opts := startOptions(c)
	opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	_, err := l.Temporal.ExecuteWorkflow(ctx, opts, contract.WorkflowFamilyLifecycle, lifecycleInput(c))
	return err
}

// StartWithEvidence starts the family's workflow with the evidence-received signal of its
// snapshot (signal-with-start: a running workflow only takes the signal). A workflow that ran
// and ended is not started again: serviceerror.WorkflowExecutionAlreadyStarted.
func (l Lifecycles) StartWithEvidence(ctx context.Context, c *Candidate, at time.Time) error {
	_, err := l.Temporal.SignalWithStartWorkflow(
		ctx,
		c.WorkflowID,
		contract.SignalEvidenceReceived,
		evidenceSignal(c.EvidenceSnapshotID.String(), at),
		startOptions(c),
		contract.WorkflowFamilyLifecycle,
		lifecycleInput(c),
	)
	return err
}

func lifecycleInput(c *Candidate) *familypathv1.FamilyLifecycleInput {
	return &familypathv1.FamilyLifecycleInput{FamilyId: c.ID.String(), PlanId: c.PlanID,
		EvidenceSnapshotId: c.EvidenceSnapshotID.String(), IdentifiedAt: timestamppb.New(c.CreatedAt)}
}

// startOptions are a family workflow's: its id, queue, and what operators see from the start.
func startOptions(c *Candidate) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                    c.WorkflowID,
		TaskQueue:             contract.QueueFamilyLifecycle,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporalx.SAFamilyPhase.ValueSet(familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED.String()),
			temporalx.SAPlanVersion.ValueSet(c.PlanID),
		),
		StaticSummary: "Family lifecycle under plan " + c.PlanID,
	}
}

func evidenceSignal(snapshotID string, at time.Time) *familypathv1.EvidenceReceived {
	return &familypathv1.EvidenceReceived{
		EvidenceSnapshotId: snapshotID,
		Source:             contract.QueueIdentification,
		RecordedAt:         timestamppb.New(at),
	}
}

// SignalEvidence tells the family's workflow of new evidence, by its snapshot's id.
func (l Lifecycles) SignalEvidence(ctx context.Context, workflowID, snapshotID string, at time.Time) error {
	return l.Temporal.SignalWorkflow(
		ctx,
		workflowID,
		"",
		contract.SignalEvidenceReceived,
		evidenceSignal(snapshotID, at),
	)
}

// State asks the family's workflow for its state.
func (l Lifecycles) State(ctx context.Context, workflowID string) (*familypathv1.FamilyState, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := l.Temporal.QueryWorkflow(ctx, workflowID, "", contract.QueryFamilyState)
	if err != nil {
		return nil, err
	}
	var st familypathv1.FamilyState
	if err := v.Get(&st); err != nil {
		return nil, err
	}
	return &st, nil
}
