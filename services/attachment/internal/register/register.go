// Package register is the attachment register and the activity that records into it.
package register

import (
	"context"
	"time"

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

// CorrectAttachment corrects the family's register row as the workflow's `correct` update
// says, keeping what it was before, once per request: a retry changes nothing more.
func (a Activities) CorrectAttachment(ctx context.Context, r *familypathv1.CorrectAttachmentRequest) (*familypathv1.CorrectAttachmentResponse, error) {
	family, err := uuid.Parse(r.GetFamilyId())
	if err != nil || r.GetRequestId() == "" || r.GetReasonCode() == "" || (len(r.GetBaselineProblems()) == 0 && r.GetAttachedAt() == nil) {
		return nil, temporal.NewNonRetryableApplicationError("a correction needs a family id, a request id, a reason and something to correct", "InvalidArgument", nil)
	}
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before []struct {
			BaselineProblems db.TextArray `gorm:"type:text[]"`
			AttachedAt       time.Time
		}
		if err := tx.Raw(`SELECT baseline_problems, attached_at FROM attachment.attachments WHERE family_id = ? FOR UPDATE`, family).Scan(&before).Error; err != nil {
			return err
		}
		if len(before) == 0 {
			return temporal.NewNonRetryableApplicationError("the family has no attachment to correct", "NotFound", nil)
		}
		baseline, at := []string(before[0].BaselineProblems), before[0].AttachedAt
		if len(r.GetBaselineProblems()) > 0 {
			baseline = r.GetBaselineProblems()
		}
		if r.GetAttachedAt() != nil {
			at = r.GetAttachedAt().AsTime()
		}
		res := tx.Exec(`INSERT INTO attachment.corrections (request_id, family_id, baseline_problems_before, attached_at_before,
			baseline_problems_after, attached_at_after, reason_code) VALUES (?, ?, ?::text[], ?, ?::text[], ?, ?) ON CONFLICT (family_id, request_id) DO NOTHING`,
			r.GetRequestId(), family, db.TextArray(before[0].BaselineProblems), before[0].AttachedAt, db.TextArray(baseline), at, r.GetReasonCode())
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // corrected before by this request
		}
		return tx.Exec(`UPDATE attachment.attachments SET baseline_problems = ?::text[], attached_at = ? WHERE family_id = ?`,
			db.TextArray(baseline), at, family).Error
	})
	if err != nil {
		return nil, err
	}
	return &familypathv1.CorrectAttachmentResponse{}, nil
}

// ImportAttachments registers the families of an import's page, each with its historical
// attachment date and baseline, once: a family registered before (by an earlier import, or
// attached in familypath) keeps its row, which only the family's workflow corrects. It
// answers each family's attachment id, in the request's order.
func (a Activities) ImportAttachments(ctx context.Context, r *familypathv1.ImportAttachmentsRequest) (*familypathv1.ImportAttachmentsResponse, error) {
	out := &familypathv1.ImportAttachmentsResponse{}
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, f := range r.GetFamilies() {
			family, err := uuid.Parse(f.GetFamilyId())
			if err != nil || f.GetAttachedAt() == nil || len(f.GetBaselineProblems()) < 2 || f.GetPlanVersion() == "" || r.GetImportId() == "" {
				return temporal.NewNonRetryableApplicationError("an imported attachment needs a family id, a date, 2+ baseline problems, a plan version and its import", "InvalidArgument", nil)
			}
			id := uuid.NewSHA1(idNamespace, family[:])
			if err := tx.Exec(`INSERT INTO attachment.attachments (family_id, id, attached_at, baseline_problems, plan_version, request_id)
				VALUES (?, ?, ?, ?::text[], ?, ?) ON CONFLICT (family_id) DO NOTHING`,
				family, id, f.GetAttachedAt().AsTime(), db.TextArray(f.GetBaselineProblems()), f.GetPlanVersion(), "import-"+r.GetImportId()).Error; err != nil {
				return err
			}
			out.AttachmentIds = append(out.AttachmentIds, id.String())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
