// Package register is the attachment register and the activity that records into it.
package register

import (
	"context"
	"errors"

	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
)

// Activities are the attachment service's activities.
type Activities struct{ Store Store }

// idNamespace derives an attachment's id from its family's, so a retried activity, a
// replayed workflow or a second attach request finds the same attachment.
var idNamespace = uuid.MustParse("8d3c9a54-2f6e-4b1a-9c7d-5e0f1a2b3c4d")

// RecordAttachment records a family's attachment, once: a repeat answers the attachment
// already recorded (its id), whatever the repeat carries.
func (a Activities) RecordAttachment(
	ctx context.Context,
	r *familypathv1.RecordAttachmentRequest,
) (*familypathv1.RecordAttachmentResponse, error) {
	family, err := uuid.Parse(r.GetFamilyId())
	if err != nil || r.GetAttachedAt() == nil || len(r.GetBaselineProblems()) < 2 || r.GetPlanVersion() == "" {
		return nil, temporal.NewNonRetryableApplicationError(
			"an attachment needs a family id, a date, 2+ baseline problems and a plan version",
			"InvalidArgument",
			nil,
		)
	}
	id := uuid.NewSHA1(idNamespace, family[:])
	if err := a.Store.Record(ctx, Attachment{FamilyID: family, ID: id, AttachedAt: r.GetAttachedAt().AsTime(), BaselineProblems: r.GetBaselineProblems(),
		PlanVersion: r.GetPlanVersion(), RequestID: r.GetRequestId()}); err != nil {
		return nil, err
	}
	return &familypathv1.RecordAttachmentResponse{AttachmentId: id.String()}, nil
}

// CorrectAttachment corrects the family's register row as the workflow's `correct` update
// says, keeping what it was before, once per request: a retry changes nothing more.
func (a Activities) CorrectAttachment(
	ctx context.Context,
	r *familypathv1.CorrectAttachmentRequest,
) (*familypathv1.CorrectAttachmentResponse, error) {
	family, err := uuid.Parse(r.GetFamilyId())
	if err != nil || r.GetRequestId() == "" || r.GetReasonCode() == "" ||
		(len(r.GetBaselineProblems()) == 0 && r.GetAttachedAt() == nil) {
		return nil, temporal.NewNonRetryableApplicationError(
			"a correction needs a family id, a request id, a reason and something to correct",
			"InvalidArgument",
			nil,
		)
	}
	c := Correction{
		FamilyID:         family,
		RequestID:        r.GetRequestId(),
		ReasonCode:       r.GetReasonCode(),
		BaselineProblems: r.GetBaselineProblems(),
	}
	if r.GetAttachedAt() != nil {
		at := r.GetAttachedAt().AsTime()
		c.AttachedAt = &at
	}
	err = a.Store.Correct(ctx, c)
	if errors.Is(err, ErrNotAttached) {
		return nil, temporal.NewNonRetryableApplicationError("the family has no attachment to correct", "NotFound", nil)
	}
	if err != nil {
		return nil, err
	}
	return &familypathv1.CorrectAttachmentResponse{}, nil
}

// ImportAttachments registers the families of an import's page, each with its historical
// attachment date and baseline, once: a family registered before (by an earlier import, or
// attached in familypath) keeps its row, which only the family's workflow corrects. It
// answers each family's attachment id, in the request's order.
func (a Activities) ImportAttachments(
	ctx context.Context,
	r *familypathv1.ImportAttachmentsRequest,
) (*familypathv1.ImportAttachmentsResponse, error) {
	out := &familypathv1.ImportAttachmentsResponse{}
	rows := make([]Attachment, 0, len(r.GetFamilies()))
	for _, f := range r.GetFamilies() {
		family, err := uuid.Parse(f.GetFamilyId())
		if err != nil || f.GetAttachedAt() == nil || len(f.GetBaselineProblems()) < 2 || f.GetPlanVersion() == "" ||
			r.GetImportId() == "" {
			return nil, temporal.NewNonRetryableApplicationError(
				"an imported attachment needs a family id, a date, 2+ baseline problems, a plan version and its import",
				"InvalidArgument",
				nil,
			)
		}
		id := uuid.NewSHA1(idNamespace, family[:])
		rows = append(
			rows,
			Attachment{
				FamilyID:         family,
				ID:               id,
				AttachedAt:       f.GetAttachedAt().AsTime(),
				BaselineProblems: f.GetBaselineProblems(),
				PlanVersion:      f.GetPlanVersion(),
				RequestID:        "import-" + r.GetImportId(),
			},
		)
		out.AttachmentIds = append(out.AttachmentIds, id.String())
	}
	if err := a.Store.Record(ctx, rows...); err != nil {
		return nil, err
	}
	return out, nil
}
