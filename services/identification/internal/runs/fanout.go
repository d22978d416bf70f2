package runs

import (
	"context"
	"errors"
	"time"

	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/identification/internal/candidates"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// Fanout tells a run's eligible families' workflows, a page at a time.
type Fanout struct {
	DB         *gorm.DB
	Candidates candidates.Store
	Lifecycles candidates.Lifecycles
}

// Page tells the next page of the run's eligible families (after a family id, in id
// order): a family identified for the first time is signal-with-started (its workflow
// starts with the evidence signal); a known family whose evidence changed is signalled; one
// whose evidence did not change is left alone; one whose workflow has ended (it left the
// programme) is not started again. Each family's outcome is kept as it is done, so a retried
// page does nothing twice and counts what was done before it failed.
func (f Fanout) Page(
	ctx context.Context,
	req *familypathv1.StartFamiliesRequest,
) (*familypathv1.StartFamiliesResponse, error) {
	run, err := uuid.Parse(req.GetRunId())
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("run id", "InvalidArgument", err)
	}
	q := f.DB.WithContext(ctx).
		Where("run_id = ? AND eligible", run).
		Order("family_id").
		Limit(int(max(1, req.GetLimit())))
	if after := req.GetAfterFamilyId(); after != "" {
		q = q.Where("family_id > ?", after)
	}
	var page []Family
	if err := q.Find(&page).Error; err != nil {
		return nil, err
	}
	out := &familypathv1.StartFamiliesResponse{Done: len(page) < int(max(1, req.GetLimit()))}
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
			outcome, err := f.tell(gctx, fam)
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
func (f Fanout) tell(ctx context.Context, fam *Family) (string, error) {
	cand, err := f.Candidates.Get(ctx, fam.FamilyID)
	if err != nil {
		return "", err
	}
	now := time.Now().UTC()
	switch {
	case cand.WorkflowStartedAt == nil:
		// First identified by this run (or its start failed before): start it with the signal
		// of the run's snapshot.
		told := cand.EvidenceSnapshotID
		cand.EvidenceSnapshotID = *fam.EvidenceSnapshotID
		err := f.Lifecycles.StartWithEvidence(ctx, cand, now)
		var ended *serviceerror.WorkflowExecutionAlreadyStarted
		switch {
		case errors.As(err, &ended):
			return FanoutClosed, nil // it ran and ended: the family is not identified again
		case err != nil:
			return "", err
		}
		if told != cand.EvidenceSnapshotID {
			if err := f.Candidates.MarkEvidenceDelivered(ctx, cand.ID, cand.EvidenceSnapshotID); err != nil {
				return "", err
			}
		}
		return FanoutStarted, f.Candidates.MarkWorkflowStarted(ctx, cand.ID, now)
	case cand.EvidenceSnapshotID == *fam.EvidenceSnapshotID:
		return FanoutUnchanged, nil
	}
	err = f.Lifecycles.SignalEvidence(ctx, cand.WorkflowID, fam.EvidenceSnapshotID.String(), now)
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		return FanoutClosed, nil // its workflow has ended: the family left the programme
	case err != nil:
		return "", err
	}
	return FanoutSignalled, f.Candidates.MarkEvidenceDelivered(ctx, cand.ID, *fam.EvidenceSnapshotID)
}
