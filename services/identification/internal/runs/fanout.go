package runs

import (
	"context"
	"errors"
	"time"

	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
)

// Fanout tells a run's eligible families' workflows, a page at a time.
type Fanout struct {
	DB       *gorm.DB
	Temporal client.Client
}

// Page tells the next page of the run's eligible families (after a family id, in id
// order): a family identified for the first time is signal-with-started (its workflow
// starts with the evidence signal); a known family whose evidence changed is signalled; one
// whose evidence did not change is left alone; one whose workflow has ended (it left the
// programme) is not started again. Each family's outcome is kept as it is done, so a retried
// page does nothing twice and counts what was done before it failed.
func (f Fanout) Page(ctx context.Context, req *familypathv1.StartFamiliesRequest) (*familypathv1.StartFamiliesResponse, error) {
	run, err := uuid.Parse(req.GetRunId())
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("run id", "InvalidArgument", err)
	}
	q := f.DB.WithContext(ctx).Where("run_id = ? AND eligible", run).Order("family_id").Limit(int(max(1, req.GetLimit())))
	if after := req.GetAfterFamilyId(); after != "" {
		q = q.Where("family_id > ?", after)
	}
	var page []Family
	if err := q.Find(&page).Error; err != nil {
		return nil, err
	}
	out := &familypathv1.StartFamiliesResponse{Done: len(page) < int(max(1, req.GetLimit()))}
	var r Run
	if err := f.DB.WithContext(ctx).Select("plan_id").Where("id = ?", run).Take(&r).Error; err != nil {
		return nil, err
	}
	// Families are told side by side: each signal-with-start is a round trip to Temporal,
	// and one at a time the fan-out is bound by their latency, not by Temporal's capacity.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Parallel)
	for i := range page {
		fam := &page[i]
		if fam.Fanout != FanoutPending {
			continue // told before a retry of this page
		}
		g.Go(func() error {
			outcome, err := f.tell(gctx, fam, r.PlanID)
			if err != nil {
				return err
			}
			if err := f.DB.WithContext(gctx).Model(&Family{}).Where("run_id = ? AND family_id = ?", run, fam.FamilyID).
				Update("fanout", outcome).Error; err != nil {
				return err
			}
			fam.Fanout = outcome
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i := range page {
		switch page[i].Fanout {
		case FanoutStarted:
			out.Started++
		case FanoutSignalled:
			out.Signalled++
		case FanoutUnchanged:
			out.Unchanged++
		case FanoutClosed:
			out.Closed++
		}
		out.LastFamilyId = page[i].FamilyID.String()
	}
	return out, nil
}

// Parallel is how many families of a page are told at once.
const Parallel = 32

// tell does what one family needs, and marks its candidate row told of the snapshot.
func (f Fanout) tell(ctx context.Context, fam *Family, plan string) (string, error) {
	var cand struct {
		EvidenceSnapshotID uuid.UUID
		WorkflowID         string
		WorkflowStartedAt  *time.Time
		CreatedAt          time.Time
	}
	if err := f.DB.WithContext(ctx).Table("identification.candidate_families").
		Select("evidence_snapshot_id, workflow_id, workflow_started_at, created_at").Where("id = ?", fam.FamilyID).Take(&cand).Error; err != nil {
		return "", err
	}
	snapshot := fam.EvidenceSnapshotID.String()
	signal := &familypathv1.EvidenceReceived{EvidenceSnapshotId: snapshot, Source: contract.QueueIdentification, RecordedAt: timestamppb.Now()}
	outcome := FanoutSignalled
	switch {
	case cand.WorkflowStartedAt == nil:
		// First identified by this run (or its start failed before): start it with the signal.
		in := &familypathv1.FamilyLifecycleInput{FamilyId: fam.FamilyID.String(), PlanId: plan, EvidenceSnapshotId: snapshot,
			IdentifiedAt: timestamppb.New(cand.CreatedAt)}
		_, err := f.Temporal.SignalWithStartWorkflow(ctx, cand.WorkflowID, contract.SignalEvidenceReceived, signal, client.StartWorkflowOptions{
			ID: cand.WorkflowID, TaskQueue: contract.QueueFamilyLifecycle,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				temporalx.SAFamilyPhase.ValueSet(familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED.String()),
				temporalx.SAPlanVersion.ValueSet(plan)),
			StaticSummary: "Family lifecycle under plan " + plan,
		}, contract.WorkflowFamilyLifecycle, in)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		switch {
		case errors.As(err, &started):
			outcome = FanoutClosed // it ran and ended: the family is not identified again
		case err != nil:
			return "", err
		default:
			outcome = FanoutStarted
		}
	case cand.EvidenceSnapshotID == *fam.EvidenceSnapshotID:
		return f.mark(ctx, fam, FanoutUnchanged)
	default:
		err := f.Temporal.SignalWorkflow(ctx, cand.WorkflowID, "", contract.SignalEvidenceReceived, signal)
		var nf *serviceerror.NotFound
		switch {
		case errors.As(err, &nf):
			return f.mark(ctx, fam, FanoutClosed) // its workflow has ended: the family left the programme
		case err != nil:
			return "", err
		}
	}
	return f.mark(ctx, fam, outcome)
}

// mark records that the family's workflow was told of (or has) its run's snapshot.
func (f Fanout) mark(ctx context.Context, fam *Family, outcome string) (string, error) {
	updates := map[string]any{"evidence_snapshot_id": *fam.EvidenceSnapshotID, "version": gorm.Expr("version + 1")}
	if outcome == FanoutStarted {
		updates["workflow_started_at"] = time.Now().UTC()
	}
	if outcome == FanoutUnchanged || outcome == FanoutClosed {
		return outcome, nil
	}
	return outcome, f.DB.WithContext(ctx).Table("identification.candidate_families").Where("id = ?", fam.FamilyID).Updates(updates).Error
}
