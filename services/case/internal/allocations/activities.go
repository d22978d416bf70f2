package allocations

import (
	"context"
	"errors"

	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
)

// Activities are the case service's activities of a family's workflow.
type Activities struct{ Store Store }

// GatherAttachment answers what the case holds for attachment. The lead professional and
// team come from the allocation; the whole-family assessment and the family plan are
// recorded by the caseworker APIs (not yet built), so until then they are reported as not
// there, and attachment answers that they are missing.
func (a Activities) GatherAttachment(ctx context.Context, r *familypathv1.GatherAttachmentRequest) (*familypathv1.AttachmentFacts, error) {
	id, err := uuid.Parse(r.GetFamilyId())
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("family id must be a UUID", "InvalidArgument", nil)
	}
	f, err := a.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return &familypathv1.AttachmentFacts{}, nil // no case yet: nothing for attachment
	}
	if err != nil {
		return nil, err
	}
	facts := &familypathv1.AttachmentFacts{Team: f.Team, LeadProfessional: f.LeadProfessional != nil}
	if f.LeadProfessionalAgency != nil {
		facts.LeadAgency = *f.LeadProfessionalAgency
	}
	return facts, nil
}
