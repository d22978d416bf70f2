package candidates

import (
	"context"
	"errors"

	"github.com/familypath/familypath/pkg/platform/temporalx"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
)

// Activities are identification's activities on its task queue.
type Activities struct{ Store Store }

// DescribeCandidate returns what identification recorded about a candidate family: codes
// and ids only, so that nothing personal enters the workflow's history.
func (a *Activities) DescribeCandidate(
	ctx context.Context,
	req *familypathv1.DescribeCandidateRequest,
) (*familypathv1.DescribeCandidateResponse, error) {
	id, err := uuid.Parse(req.GetFamilyId())
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("family id is not a UUID", "InvalidArgument", nil)
	}
	c, err := a.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, temporal.NewNonRetryableApplicationError("no candidate family with this id", "NotFound", nil)
	}
	if err != nil {
		return nil, temporalx.Step("read the candidate family", err)
	}
	return &familypathv1.DescribeCandidateResponse{
		FamilyId:           c.ID.String(),
		PlanId:             c.PlanID,
		EvidenceSnapshotId: c.EvidenceSnapshotID.String(),
		ProblemCodes:       c.ProblemCodes,
	}, nil
}
