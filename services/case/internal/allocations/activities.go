package allocations

import (
	"context"
	"errors"

	"github.com/familypath/familypath/pkg/platform/temporalx"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/case/internal/record"
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
)

// Activities are the case service's activities of a family's workflow.
type Activities struct{ Store Store }

// GatherAttachment answers what the case holds for attachment: the lead professional and
// team from the allocation, and whether the whole-family assessment and a family plan with
// an outcome are recorded (the caseworker APIs of internal/record).
func (a Activities) GatherAttachment(
	ctx context.Context,
	r *familypathv1.GatherAttachmentRequest,
) (*familypathv1.AttachmentFacts, error) {
	id, err := uuid.Parse(r.GetFamilyId())
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("family id must be a UUID", "InvalidArgument", nil)
	}
	f, err := a.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return &familypathv1.AttachmentFacts{}, nil // no case yet: nothing for attachment
	}
	if err != nil {
		return nil, temporalx.Step("read the family's allocation", err)
	}
	assessed, planned, err := record.Store{DB: a.Store.DB}.Has(ctx, id)
	if err != nil {
		return nil, temporalx.Step("read the family's assessment and plan", err)
	}
	facts := &familypathv1.AttachmentFacts{
		Team:                  f.Team,
		LeadProfessional:      f.LeadProfessional != nil,
		WholeFamilyAssessment: assessed,
		FamilyPlan:            planned,
	}
	if f.LeadProfessionalAgency != nil {
		facts.LeadAgency = *f.LeadProfessionalAgency
	}
	return facts, nil
}
