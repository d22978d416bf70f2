// Package register is the attachment register and the activity that records into it.
package register

import (
	"context"

	"github.com/familypath/familypath/pkg/platform/db"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
)

// Activities are the attachment service's activities.
type Activities struct{ DB *gorm.DB }

// idNamespace derives an attachment's id from its family's, so a retried activity, a
// replayed workflow or a second attach request finds the same attachment.
var idNamespace = uuid.MustParse("8d3c9a54-2f6e-4b1a-9c7d-5e0f1a2b3c4d")

// RecordAttachment records a family's attachment, once: a repeat answers the attachment
// already recorded (its id), whatever the repeat carries.
func (a Activities) RecordAttachment(ctx context.Context, r *familypathv1.RecordAttachmentRequest) (*familypathv1.RecordAttachmentResponse, error) {
	family, err := uuid.Parse(r.GetFamilyId())
	if err != nil || r.GetAttachedAt() == nil || len(r.GetBaselineProblems()) < 2 || r.GetPlanVersion() == "" {
		return nil, temporal.NewNonRetryableApplicationError("an attachment needs a family id, a date, 2+ baseline problems and a plan version", "InvalidArgument", nil)
	}
	id := uuid.NewSHA1(idNamespace, family[:])
	err = a.DB.WithContext(ctx).Exec(`INSERT INTO attachment.attachments (family_id, id, attached_at, baseline_problems, plan_version, request_id)
		VALUES (?, ?, ?, ?::text[], ?, ?) ON CONFLICT (family_id) DO NOTHING`,
		family, id, r.GetAttachedAt().AsTime(), db.TextArray(r.GetBaselineProblems()), r.GetPlanVersion(), r.GetRequestId()).Error
	if err != nil {
		return nil, err
	}
	return &familypathv1.RecordAttachmentResponse{AttachmentId: id.String()}, nil
}
