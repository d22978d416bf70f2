// Package ledger holds the claims service's claims and payments ledger, and the activities
// the FamilyLifecycle workflow calls to record an attachment fee and to create a claim.
package ledger

import (
	"context"
	"errors"
	"strconv"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
)

// Activities are the claims service's activities of a family's workflow.
type Activities struct {
	DB    *gorm.DB
	Plans *outcomes.Plans
	// Packs freezes each claim's evidence pack when the claim is made.
	Packs *Freezer
}

// Ids derived from what they record, so that every retry finds the same row.
var (
	feeNamespace   = uuid.MustParse("2c1f7e3a-9b84-4d6c-a1e5-0f3b7c9d2e41")
	claimNamespace = uuid.MustParse("6a0d4b2e-8c7f-4e19-b3a5-d2c6e8f1a097")
	// resultNamespace derives a result's ledger entry id from its claim's, so it is entered once.
	resultNamespace = uuid.MustParse("4e0c5d2a-8b1f-4f3e-a6d7-2c9b0e1f5a38")
)

// ResultEntryID is the ledger entry id of a claim's paid result.
func ResultEntryID(claimID string) uuid.UUID { return uuid.NewSHA1(resultNamespace, []byte(claimID)) }

// FeeEntryID is the ledger entry id of an attachment's fee.
func FeeEntryID(attachmentID string) uuid.UUID {
	return uuid.NewSHA1(feeNamespace, []byte(attachmentID))
}

// ClaimID is the id of a family's claim at an attempt.
func ClaimID(family uuid.UUID, attempt int32) uuid.UUID {
	return uuid.NewSHA1(claimNamespace, []byte(family.String()+"/"+strconv.Itoa(int(attempt))))
}

func invalid(msg string) error {
	return temporal.NewNonRetryableApplicationError(msg, "InvalidArgument", nil)
}

// plan finds a pinned plan version ("lancashire-phase2@1").
func (a Activities) plan(version string) (*outcomes.Plan, error) {
	p, found := a.Plans.ByKey(version)
	if !found {
		return nil, invalid("no published plan version " + version)
	}
	return p, nil
}

// RecordAttachmentFee enters the plan's attachment fee in the ledger, once per attachment.
func (a Activities) RecordAttachmentFee(
	ctx context.Context,
	r *familypathv1.RecordAttachmentFeeRequest,
) (*familypathv1.RecordAttachmentFeeResponse, error) {
	family, err := uuid.Parse(r.GetFamilyId())
	if err != nil || r.GetAttachmentId() == "" || r.GetAttachedAt() == nil {
		return nil, invalid("a fee needs a family id, an attachment id and its date")
	}
	p, err := a.plan(r.GetPlanVersion())
	if err != nil {
		return nil, err
	}
	id := FeeEntryID(r.GetAttachmentId())
	err = a.DB.WithContext(ctx).
		Exec(`INSERT INTO claims.ledger (id, kind, family_id, source_id, amount_pence, plan_version, occurred_at)
		VALUES (?, 'ATTACHMENT_FEE', ?, ?, ?, ?, ?) ON CONFLICT (kind, source_id) DO NOTHING`,
			id, family, r.GetAttachmentId(), p.Money.AttachmentFeePence, r.GetPlanVersion(), r.GetAttachedAt().AsTime()).
		Error
	if err != nil {
		return nil, temporalx.Step("enter the attachment fee", err)
	}
	return &familypathv1.RecordAttachmentFeeResponse{LedgerEntryId: id.String()}, nil
}

// ErrLiveClaim: the family already has a claim that has not failed audit.
var ErrLiveClaim = errors.New("the family already has a live claim")

// CreateClaim creates the family's claim for an attempt, exactly once: a retry (same family
// and attempt) answers the claim made first. A family with another live claim, or over the
// plan's family cap, gets a non-retryable error.
func (a Activities) CreateClaim(
	ctx context.Context,
	r *familypathv1.CreateClaimRequest,
) (*familypathv1.CreateClaimResponse, error) {
	family, err := uuid.Parse(r.GetFamilyId())
	if err != nil || r.GetAttempt() < 1 || r.GetAchievedAt() == nil {
		return nil, invalid("a claim needs a family id, an attempt and the date its result was achieved")
	}
	route := map[familypathv1.ResultRoute]string{familypathv1.ResultRoute_RESULT_ROUTE_SSP: "SSP", familypathv1.ResultRoute_RESULT_ROUTE_CE: "CE"}[r.GetRoute()]
	if route == "" {
		return nil, invalid("a claim's route is SSP or CE")
	}
	p, err := a.plan(r.GetPlanVersion())
	if err != nil {
		return nil, err
	}
	pack, err := a.Packs.Freeze(ctx, r, route, p)
	if err != nil {
		return nil, temporalx.Step("freeze the evidence pack", err)
	}
	frozen := pack.Problems
	id := ClaimID(family, r.GetAttempt())
	sealed, err := a.Packs.Seal(id, pack)
	if err != nil {
		return nil, temporalx.Step("seal the evidence pack", err)
	}
	resp := &familypathv1.CreateClaimResponse{ClaimId: id.String()}
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// One claim at a time: the cap is checked and the claim made under one lock.
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext('familypath.claims.create'))").Error; err != nil {
			return err
		}
		var existing int64
		if err := tx.Raw("SELECT count(*) FROM claims.claims WHERE id = ?", id).Scan(&existing).Error; err != nil {
			return err
		}
		if existing > 0 {
			resp.Existing = true
			return nil
		}
		var live, families int64
		if err := tx.Raw("SELECT count(*) FROM claims.claims WHERE family_id = ? AND status <> 'FAILED_AUDIT'", family).Scan(&live).Error; err != nil {
			return err
		}
		if live > 0 {
			return ErrLiveClaim
		}
		if err := tx.Raw("SELECT count(DISTINCT family_id) FROM claims.claims WHERE split_part(plan_version, '@', 1) = ? AND status <> 'FAILED_AUDIT'", p.ID).Scan(&families).Error; err != nil {
			return err
		}
		if p.FamilyCap > 0 && families >= int64(p.FamilyCap) {
			return temporal.NewNonRetryableApplicationError("the plan's family cap is reached", "FamilyCapReached", nil)
		}
		if err := tx.Exec(`INSERT INTO claims.claims (id, family_id, attempt, route, plan_version, evidence_snapshot_id, achieved_at, problems)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb)`, id, family, r.GetAttempt(), route, r.GetPlanVersion(), r.GetEvidenceSnapshotId(),
			r.GetAchievedAt().AsTime(), string(frozen)).Error; err != nil {
			return err
		}
		return tx.Exec(
			`INSERT INTO claims.evidence_packs (claim_id, plan_version, plan_hash, engine_version, sealed, frozen_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			id,
			pack.PlanVersion,
			pack.PlanHash,
			pack.EngineVersion,
			sealed,
			pack.FrozenAt,
		).Error
	})
	if errors.Is(err, ErrLiveClaim) {
		return nil, temporal.NewNonRetryableApplicationError(ErrLiveClaim.Error(), "LiveClaim", nil)
	}
	if err != nil {
		return nil, temporalx.Step("create the claim", err)
	}
	return resp, nil
}
