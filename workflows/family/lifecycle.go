// Package family holds the FamilyLifecycle workflow: one per family, living for the years
// the family is in the programme. It imports no service code: activities are called by
// their registered names (proto/contract) with the messages of proto/familypath/v1.
//
// Determinism: no wall clock, randomness, map iteration order or goroutines here; use
// workflow.Now and workflow.Go, and put every change to this logic, once deployed, behind
// workflow.GetVersion.
package family

import (
	"time"

	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
)

// Waiting-for texts shown to operators (no personal data).
const (
	waitingDescribe   = "identification to describe the candidate family"
	waitingAttachment = "attachment by a lead professional"
)

// Lifecycle is the FamilyLifecycle workflow.
func Lifecycle(ctx workflow.Context, in *familypathv1.FamilyLifecycleInput) error {
	state := in.GetContinued()
	if state == nil {
		state = &familypathv1.FamilyState{
			FamilyId:           in.GetFamilyId(),
			Phase:              familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED,
			PlanId:             in.GetPlanId(),
			EvidenceSnapshotId: in.GetEvidenceSnapshotId(),
			IdentifiedAt:       in.GetIdentifiedAt(),
		}
	}
	if err := workflow.SetQueryHandler(ctx, contract.QueryFamilyState, func() (*familypathv1.FamilyState, error) {
		return proto.Clone(state).(*familypathv1.FamilyState), nil
	}); err != nil {
		return err
	}
	legacy := workflow.GetVersion(ctx, changeAttachAndTrack, workflow.DefaultVersion, 1) == workflow.DefaultVersion
	var p *programme
	if !legacy {
		// Messages are taken from the first moment: an attach sent while identification still
		// describes the family must not be refused as unknown.
		p = &programme{state: state}
		if err := p.listen(ctx); err != nil {
			return err
		}
	}
	if in.GetContinued() == nil {
		if err := takeProblems(ctx, state, in.GetReferral()); err != nil {
			return err
		}
	}
	if p != nil {
		p.described = true
	}
	if legacy {
		setWaiting(ctx, state, waitingAttachment)
		return awaitEvidence(ctx, state) // recorded before attachment existed: evidence only
	}
	// An imported family starts in its phase (a paid one has already left the programme):
	// operators see it at once. Only imported families (none before this change) take it.
	if in.GetImportId() != "" && workflow.GetVersion(ctx, changeImported, workflow.DefaultVersion, 1) == 1 {
		if err := p.publish(ctx); err != nil {
			return err
		}
	}
	return p.run(ctx)
}

// takeProblems takes the family's problems: from its referral (a professional referred it to the
// case service), or from identification, which found it.
func takeProblems(ctx workflow.Context, state *familypathv1.FamilyState, referral *familypathv1.Referral) error {
	// Only referred families (which did not exist before this change) take this branch; the
	// version marks their histories.
	if referral != nil && workflow.GetVersion(ctx, changeReferrals, workflow.DefaultVersion, 1) == 1 {
		state.ReferralId, state.ProblemCodes = referral.GetReferralId(), referral.GetProblemCodes()
		return publishIdentified(ctx, state)
	}
	return describe(ctx, state)
}

// publishIdentified shows an identified family's phase, plan and problem count to operators.
func publishIdentified(ctx workflow.Context, state *familypathv1.FamilyState) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		temporalx.SAFamilyPhase.ValueSet(state.GetPhase().String()),
		temporalx.SAPlanVersion.ValueSet(state.GetPlanId()),
		temporalx.SAOutstandingProblemCount.ValueSet(int64(len(state.GetProblemCodes()))),
	)
}

// describe asks identification for the candidate's problem codes and shows them to operators.
func describe(ctx workflow.Context, state *familypathv1.FamilyState) error {
	setWaiting(ctx, state, waitingDescribe)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           contract.QueueIdentification,
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: []string{"NotFound", "InvalidArgument"},
		},
	})
	var desc familypathv1.DescribeCandidateResponse
	if err := workflow.ExecuteActivity(actx, contract.ActivityIdentificationDescribeCandidate,
		&familypathv1.DescribeCandidateRequest{FamilyId: state.GetFamilyId()}).Get(ctx, &desc); err != nil {
		return err
	}
	state.ProblemCodes = desc.GetProblemCodes()
	return publishIdentified(ctx, state)
}

// awaitEvidence takes evidence signals, continuing as new (with the whole state) when the
// history grows long enough for the server to suggest it.
func awaitEvidence(ctx workflow.Context, state *familypathv1.FamilyState) error {
	evidence := workflow.GetSignalChannel(ctx, contract.SignalEvidenceReceived)
	take := func(sig *familypathv1.EvidenceReceived) {
		state.EvidenceSnapshotId = sig.GetEvidenceSnapshotId()
		state.EvidenceReceivedCount++
	}
	for {
		cancelled := false
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(evidence, func(ch workflow.ReceiveChannel, _ bool) {
			var sig familypathv1.EvidenceReceived
			ch.Receive(ctx, &sig)
			take(&sig)
		})
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { cancelled = true })
		sel.Select(ctx)
		if cancelled {
			return ctx.Err()
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			// Drain what has arrived, so that no signal is lost across the new run.
			var sig familypathv1.EvidenceReceived
			for evidence.ReceiveAsync(&sig) {
				take(&sig)
			}
			return workflow.NewContinueAsNewError(
				ctx,
				contract.WorkflowFamilyLifecycle,
				&familypathv1.FamilyLifecycleInput{
					FamilyId: state.GetFamilyId(), PlanId: state.GetPlanId(),
					EvidenceSnapshotId: state.GetEvidenceSnapshotId(), IdentifiedAt: state.GetIdentifiedAt(),
					Continued: state,
				},
			)
		}
	}
}

// setWaiting records what the workflow waits for, in its state and in the UI's current details.
func setWaiting(ctx workflow.Context, state *familypathv1.FamilyState, what string) {
	state.WaitingFor = what
	workflow.SetCurrentDetails(ctx, "waiting: "+what)
}
