package ledger

import (
	"cmp"
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/familypath/familypath/pkg/platform/db"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"gorm.io/gorm"
)

// RiskContinuousEmployment marks a continuous-employment claim: the council has no Universal
// Credit data, so a move to UC can look like work (docs/programme.md, "Results"); every such claim
// is audited.
const RiskContinuousEmployment = "CE_POSSIBLE_UC_MOVE"

var submissionNamespace = uuid.MustParse("b7e2c4a1-3f5d-4c8e-9a6b-1d0e2f3a4b5c")

// TakeWindowClaims gives a window the plan's claims that are ready, marking them as the
// window's; a retry answers the same batch (the claims already marked for the window).
func (a Activities) TakeWindowClaims(
	ctx context.Context,
	r *familypathv1.TakeWindowClaimsRequest,
) (*familypathv1.WindowClaims, error) {
	if r.GetWindowId() == "" || r.GetPlanId() == "" {
		return nil, invalid("a window id and a plan id are needed")
	}
	var rows []struct {
		ID, FamilyID, Route string
	}
	var ranBy []string
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A window runs once: when another workflow has already sampled it, take nothing.
		if err := tx.Raw(`SELECT coalesce(workflow_id, '') FROM claims.audit_samples WHERE plan_id = ? AND window_id = ?`,
			r.GetPlanId(), r.GetWindowId()).Scan(&ranBy).Error; err != nil ||
			len(ranBy) > 0 && ranBy[0] != currentWorkflow(ctx) {
			return err
		}
		if err := tx.Exec(`UPDATE claims.claims SET status = 'IN_WINDOW', window_id = ? WHERE status = 'READY' AND split_part(plan_version, '@', 1) = ?`,
			r.GetWindowId(), r.GetPlanId()).Error; err != nil {
			return err
		}
		return tx.Raw(`SELECT id::text AS id, family_id::text AS family_id, route FROM claims.claims
			WHERE window_id = ? AND split_part(plan_version, '@', 1) = ? AND status = 'IN_WINDOW' ORDER BY id`, r.GetWindowId(), r.GetPlanId()).Scan(&rows).Error
	})
	if err != nil {
		return nil, err
	}
	if len(ranBy) > 0 && ranBy[0] != currentWorkflow(ctx) {
		return &familypathv1.WindowClaims{AlreadyRunBy: cmp.Or(ranBy[0], "an earlier run")}, nil
	}
	out := &familypathv1.WindowClaims{}
	for _, row := range rows {
		c := &familypathv1.WindowClaim{
			ClaimId:  row.ID,
			FamilyId: row.FamilyID,
			Route:    familypathv1.ResultRoute_RESULT_ROUTE_SSP,
		}
		if row.Route == "CE" {
			c.Route, c.RiskFlags = familypathv1.ResultRoute_RESULT_ROUTE_CE, []string{RiskContinuousEmployment}
		}
		out.Claims = append(out.Claims, c)
	}
	return out, nil
}

// RecordAuditSample keeps a window's audit sample and its seed, and the id of the window's
// workflow (the claims API signals it); the first record stands.
func (a Activities) RecordAuditSample(
	ctx context.Context,
	s *familypathv1.AuditSample,
) (*familypathv1.RecordAuditSampleResponse, error) {
	var workflowID *string
	if activity.IsActivity(ctx) {
		id := activity.GetInfo(ctx).WorkflowExecution.ID
		workflowID = &id
	}
	sampled := make([]map[string]string, 0, len(s.GetSampled()))
	for _, c := range s.GetSampled() {
		sampled = append(sampled, map[string]string{"claim_id": c.GetClaimId(), "reason": c.GetReason()})
	}
	b, _ := json.Marshal(sampled)
	err := a.DB.WithContext(ctx).
		Exec(`INSERT INTO claims.audit_samples (plan_id, window_id, seed, batch_size, required, sampled, workflow_id) VALUES (?, ?, ?, ?, ?, ?::jsonb, ?)
		ON CONFLICT (plan_id, window_id) DO NOTHING`, windowPlan(ctx, s.GetPlanId()), s.GetWindowId(), strconv.FormatUint(s.GetSeed(), 10), s.GetBatchSize(), s.GetRequired(), string(b), workflowID).
		Error
	return &familypathv1.RecordAuditSampleResponse{}, err
}

// RemindAuditors records a reminder (or an escalation) of a window's undecided claims; the
// auditors' queue shows them, and its notifications come with the auditors' API.
func (a Activities) RemindAuditors(
	ctx context.Context,
	r *familypathv1.AuditReminder,
) (*familypathv1.AuditReminderResponse, error) {
	err := a.DB.WithContext(ctx).
		Exec(`INSERT INTO claims.audit_reminders (plan_id, window_id, outstanding, escalated) VALUES (?, ?, ?::text[], ?)`,
			windowPlan(
				ctx,
				r.GetPlanId(),
			), r.GetWindowId(), db.TextArray(r.GetOutstandingClaimIds()), r.GetEscalate()).
		Error
	return &familypathv1.AuditReminderResponse{}, err
}

// SubmitWindow submits a window's batch once: the submitted claims are SUBMITTED, the failed
// ones FAILED_AUDIT, the held ones (judged again, they no longer stood) HELD, the
// carried-over ones READY for the next window.
func (a Activities) SubmitWindow(
	ctx context.Context,
	r *familypathv1.SubmitWindowRequest,
) (*familypathv1.SubmitWindowResponse, error) {
	plan := windowPlan(ctx, r.GetPlanId())
	id := uuid.NewSHA1(submissionNamespace, []byte(plan+"/"+r.GetWindowId()))
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(
			`INSERT INTO claims.submissions (plan_id, window_id, id, claim_ids) VALUES (?, ?, ?, ?::text[]) ON CONFLICT (plan_id, window_id) DO NOTHING`,
			plan,
			r.GetWindowId(),
			id,
			db.TextArray(r.GetClaimIds()),
		)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 { // submitted before: nothing changes, and the answer is its id
			var stored string
			if err := tx.Raw(`SELECT id::text FROM claims.submissions WHERE plan_id = ? AND window_id = ?`, plan, r.GetWindowId()).Scan(&stored).Error; err != nil {
				return err
			}
			id = uuid.MustParse(stored)
			return nil
		}
		// The window's claims are the plan's: window ids repeat across plans.
		const mine = `window_id = ? AND split_part(plan_version, '@', 1) = ? AND id::text IN ?`
		for status, ids := range map[string][]string{"SUBMITTED": r.GetClaimIds(), "FAILED_AUDIT": r.GetFailedClaimIds(), "HELD": r.GetHeldClaimIds()} {
			if len(ids) > 0 {
				if err := tx.Exec(`UPDATE claims.claims SET status = ? WHERE `+mine, status, r.GetWindowId(), plan, ids).Error; err != nil {
					return err
				}
			}
		}
		if ids := r.GetCarriedOverClaimIds(); len(ids) > 0 {
			return tx.Exec(
				`UPDATE claims.claims SET status = 'READY', window_id = NULL WHERE `+mine,
				r.GetWindowId(),
				plan,
				ids,
			).Error
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &familypathv1.SubmitWindowResponse{SubmissionId: id.String()}, nil
}

// currentWorkflow is the id of the workflow an activity works for ("" outside one).
func currentWorkflow(ctx context.Context) string {
	if !activity.IsActivity(ctx) {
		return ""
	}
	return activity.GetInfo(ctx).WorkflowExecution.ID
}

// windowPlan is the plan of the window an activity works for: the request's, or for a request
// scheduled before requests carried it, the plan in the window workflow's id
// (claim-window/<plan>/<window>...).
func windowPlan(ctx context.Context, planID string) string {
	if planID != "" {
		return planID
	}
	rest, _ := strings.CutPrefix(currentWorkflow(ctx), "claim-window/")
	plan, _, _ := strings.Cut(rest, "/")
	return plan
}
