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
	in := &familypathv1.FamilyLifecycleInput{
		FamilyId:           c.ID.String(),
		PlanId:             c.PlanID,
		EvidenceSnapshotId: c.EvidenceSnapshotID.String(),
		IdentifiedAt:       timestamppb.New(c.CreatedAt),
	}
	_, err := l.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       c.WorkflowID,
		TaskQueue:                contract.QueueFamilyLifecycle,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporalx.SAFamilyPhase.ValueSet(familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED.String()),
			temporalx.SAPlanVersion.ValueSet(c.PlanID),
		),
		StaticSummary: "Family lifecycle under plan " + c.PlanID,
	}, contract.WorkflowFamilyLifecycle, in)
	return err
}

// SignalEvidence tells the family's workflow of new evidence, by its snapshot's id.
func (l Lifecycles) SignalEvidence(ctx context.Context, workflowID, snapshotID string, at time.Time) error {
	return l.Temporal.SignalWorkflow(ctx, workflowID, "", contract.SignalEvidenceReceived, &familypathv1.EvidenceReceived{
		EvidenceSnapshotId: snapshotID, Source: contract.QueueIdentification, RecordedAt: timestamppb.New(at)})
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
