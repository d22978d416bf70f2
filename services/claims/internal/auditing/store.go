package auditing

import (
	"context"
	"errors"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Store holds the auditing package's SQL: the handlers ask it, never the database
// (docs/architecture.md, "One shape per package").
type Store struct{ DB *gorm.DB }

// sampledExpr says whether claim c is in its window's audit sample (SQL).
const sampledExpr = `EXISTS (SELECT 1 FROM claims.audit_samples s WHERE s.window_id = c.window_id AND s.plan_id = split_part(c.plan_version, '@', 1)
	AND s.sampled @> jsonb_build_array(jsonb_build_object('claim_id', c.id::text)))`

// sampledClaim is a claim with its window, and whether the window's audit sample holds it.
type sampledClaim struct {
	WindowID    string
	PlanVersion string
	Sampled     bool
}

// Claim is the claim with its window and whether it was sampled; nil when there is none.
func (s Store) Claim(ctx context.Context, id uuid.UUID) (*sampledClaim, error) {
	var rows []sampledClaim
	err := s.DB.WithContext(ctx).
		Raw(`SELECT coalesce(c.window_id, '') AS window_id, c.plan_version, `+sampledExpr+` AS sampled
		FROM claims.claims c WHERE c.id = ?`, id).
		Scan(&rows).
		Error
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// keptDecision is the decision recorded for a claim: the first one.
type keptDecision struct {
	Passed     bool
	ReasonCode *string
	DecidedBy  string
	DecidedAt  time.Time
}

// RecordDecision keeps d unless the claim was decided before, and answers the decision that
// stands (the first).
func (s Store) RecordDecision(ctx context.Context, id uuid.UUID, d DecisionBody, reason *string) (keptDecision, error) {
	db := s.DB.WithContext(ctx)
	if err := db.Exec(`INSERT INTO claims.audit_decisions (claim_id, window_id, passed, reason_code, decided_by, decided_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (claim_id) DO NOTHING`, id, d.WindowID, d.Passed, reason, d.DecidedBy, d.DecidedAt).Error; err != nil {
		return keptDecision{}, err
	}
	var kept []keptDecision
	if err := db.Raw(`SELECT passed, reason_code, decided_by, decided_at FROM claims.audit_decisions WHERE claim_id = ?`, id).Scan(&kept).Error; err != nil {
		return keptDecision{}, err
	}
	if len(kept) == 0 {
		return keptDecision{}, errors.New("the audit decision was not kept")
	}
	return kept[0], nil
}

// RecordPayment records the window's payment once, in one transaction: its submitted claims
// become PAID, each with a result entry in the ledger at its plan version's rate. A window
// paid before answers its recorded payment; one with no submitted claims ErrNothingSubmitted.
func (s Store) RecordPayment(
	ctx context.Context,
	plans *outcomes.Plans,
	planID, windowID string,
	paidAt time.Time,
	by string,
) (PaymentBody, error) {
	body := PaymentBody{PlanID: planID, WindowID: windowID}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var done []PaymentBody
		if err := tx.Raw(`SELECT plan_id, window_id, paid_at, claims_paid, amount_pence FROM claims.window_payments WHERE plan_id = ? AND window_id = ? FOR UPDATE`,
			planID, windowID).Scan(&done).Error; err != nil {
			return err
		}
		if len(done) > 0 {
			body = done[0]
			return nil
		}
		var claims []struct {
			ID, FamilyID, PlanVersion string
		}
		if err := tx.Raw(`SELECT id::text AS id, family_id::text AS family_id, plan_version FROM claims.claims
			WHERE window_id = ? AND split_part(plan_version, '@', 1) = ? AND status = 'SUBMITTED' ORDER BY id FOR UPDATE`, windowID, planID).Scan(&claims).Error; err != nil {
			return err
		}
		if len(claims) == 0 {
			return ErrNothingSubmitted
		}
		for _, cl := range claims {
			p, ok := plans.ByKey(cl.PlanVersion)
			if !ok {
				return errors.New("plan version " + cl.PlanVersion + " is not loaded")
			}
			if err := tx.Exec(`INSERT INTO claims.ledger (id, kind, family_id, source_id, amount_pence, plan_version, occurred_at)
				VALUES (?, 'RESULT', ?, ?, ?, ?, ?) ON CONFLICT (kind, source_id) DO NOTHING`,
				ledger.ResultEntryID(cl.ID), cl.FamilyID, cl.ID, p.Money.ResultPence, cl.PlanVersion, paidAt).Error; err != nil {
				return err
			}
			body.AmountPence += p.Money.ResultPence
		}
		if err := tx.Exec(`UPDATE claims.claims SET status = 'PAID' WHERE window_id = ? AND split_part(plan_version, '@', 1) = ? AND status = 'SUBMITTED'`,
			windowID, planID).Error; err != nil {
			return err
		}
		body.PaidAt, body.ClaimsPaid = paidAt.UTC(), len(claims)
		return tx.Exec(
			`INSERT INTO claims.window_payments (plan_id, window_id, paid_at, claims_paid, amount_pence, recorded_by) VALUES (?, ?, ?, ?, ?, ?)`,
			planID,
			windowID,
			body.PaidAt,
			body.ClaimsPaid,
			body.AmountPence,
			by,
		).Error
	})
	return body, err
}

// paidClaim is a paid claim of a window, and whether it was imported (no window workflow took it).
type paidClaim struct {
	ID, FamilyID string
	Imported     bool
}

// PaidClaims are the window's paid claims.
func (s Store) PaidClaims(ctx context.Context, planID, windowID string) ([]paidClaim, error) {
	var claims []paidClaim
	err := s.DB.WithContext(ctx).
		Raw(`SELECT id::text AS id, family_id::text AS family_id, import_id IS NOT NULL AS imported FROM claims.claims
		WHERE window_id = ? AND split_part(plan_version, '@', 1) = ? AND status = 'PAID' ORDER BY id`, windowID, planID).
		Scan(&claims).
		Error
	return claims, err
}

// SampleWorkflowIDs are the ids of the workflows that recorded the window's audit sample.
func (s Store) SampleWorkflowIDs(ctx context.Context, planID, windowID string) ([]string, error) {
	var ids []string
	err := s.DB.WithContext(ctx).
		Raw(`SELECT workflow_id FROM claims.audit_samples WHERE plan_id = ? AND window_id = ? AND workflow_id IS NOT NULL`,
			planID, windowID).
		Scan(&ids).
		Error
	return ids, err
}

// Queue is every sampled claim with no decision yet, oldest sample first, with the reminders
// the window's workflow has sent about it and whether it was escalated.
func (s Store) Queue(ctx context.Context) ([]QueueItem, error) {
	var items []QueueItem
	err := s.DB.WithContext(ctx).Raw(`
SELECT s.claim_id, w.window_id, c.route, c.plan_version, s.reason AS sample_reason, w.recorded_at AS sampled_at,
       (SELECT count(*) FROM claims.audit_reminders r WHERE r.plan_id = w.plan_id AND r.window_id = w.window_id AND s.claim_id = ANY(r.outstanding)) AS reminders,
       EXISTS (SELECT 1 FROM claims.audit_reminders r WHERE r.plan_id = w.plan_id AND r.window_id = w.window_id AND s.claim_id = ANY(r.outstanding) AND r.escalated) AS escalated,
       (SELECT max(r.sent_at) FROM claims.audit_reminders r WHERE r.plan_id = w.plan_id AND r.window_id = w.window_id AND s.claim_id = ANY(r.outstanding)) AS last_reminder
FROM claims.audit_samples w
CROSS JOIN LATERAL jsonb_to_recordset(w.sampled) AS s(claim_id text, reason text)
JOIN claims.claims c ON c.id::text = s.claim_id
WHERE c.status = 'IN_WINDOW' AND NOT EXISTS (SELECT 1 FROM claims.audit_decisions d WHERE d.claim_id::text = s.claim_id)
ORDER BY w.recorded_at, s.claim_id`).Scan(&items).Error
	return items, err
}

// sealedPack is a claim's status, when it was made, and its sealed evidence pack.
type sealedPack struct {
	Status    string
	CreatedAt time.Time
	Sealed    []byte
}

// Pack is the claim's sealed evidence pack; nil when there is no such claim.
func (s Store) Pack(ctx context.Context, id uuid.UUID) (*sealedPack, error) {
	var rows []sealedPack
	err := s.DB.WithContext(ctx).
		Raw(`SELECT c.status, c.created_at, p.sealed FROM claims.claims c JOIN claims.evidence_packs p ON p.claim_id = c.id WHERE c.id = ?`, id).
		Scan(&rows).
		Error
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// Steps are the claim's steps after it was made, in time order, from claims' own tables.
func (s Store) Steps(ctx context.Context, id uuid.UUID) ([]TrailEntry, error) {
	var steps []TrailEntry
	err := s.DB.WithContext(ctx).Raw(`
SELECT s.recorded_at AS at, 'SAMPLED' AS step, x.reason AS detail, '' AS by
  FROM claims.claims c JOIN claims.audit_samples s ON s.window_id = c.window_id AND s.plan_id = split_part(c.plan_version, '@', 1)
  CROSS JOIN LATERAL jsonb_to_recordset(s.sampled) AS x(claim_id text, reason text) WHERE c.id = ? AND x.claim_id = c.id::text
UNION ALL
SELECT r.sent_at, CASE WHEN r.escalated THEN 'ESCALATED' ELSE 'REMINDED' END, '', ''
  FROM claims.claims c JOIN claims.audit_reminders r ON r.window_id = c.window_id AND r.plan_id = split_part(c.plan_version, '@', 1) WHERE c.id = ? AND c.id::text = ANY(r.outstanding)
UNION ALL
SELECT d.decided_at, 'DECIDED', CASE WHEN d.passed THEN 'PASSED' ELSE 'FAILED ' || d.reason_code END, d.decided_by
  FROM claims.audit_decisions d WHERE d.claim_id = ?
UNION ALL
SELECT sub.submitted_at, 'SUBMITTED', 'submission ' || sub.id::text || ' of window ' || sub.window_id, ''
  FROM claims.submissions sub WHERE ?::text = ANY(sub.claim_ids)
UNION ALL
SELECT l.occurred_at, 'PAID', 'result entry of ' || l.amount_pence || ' pence', ''
  FROM claims.ledger l WHERE l.kind = 'RESULT' AND l.source_id = ?::text
ORDER BY 1`, id, id, id, id, id).Scan(&steps).Error
	return steps, err
}

// windowSubmission is a window's submission: its id and when it was made.
type windowSubmission struct {
	ID          string
	SubmittedAt time.Time
}

// Submission is the window's submission; nil before the window has submitted.
func (s Store) Submission(ctx context.Context, planID, windowID string) (*windowSubmission, error) {
	var subs []windowSubmission
	err := s.DB.WithContext(ctx).
		Raw(`SELECT id::text AS id, submitted_at FROM claims.submissions WHERE plan_id = ? AND window_id = ?`, planID, windowID).
		Scan(&subs).
		Error
	if err != nil || len(subs) == 0 {
		return nil, err
	}
	return &subs[0], nil
}

// submittedClaim is a claim of a window's submission file.
type submittedClaim struct {
	ID, FamilyID, Route, PlanVersion string
	Attempt                          int
	AchievedAt                       time.Time
	Problems                         string
	Sampled                          bool
}

// SubmittedClaims are the window's submitted (and since paid) claims, by id.
func (s Store) SubmittedClaims(ctx context.Context, planID, windowID string) ([]submittedClaim, error) {
	var rows []submittedClaim
	err := s.DB.WithContext(ctx).
		Raw(`SELECT c.id::text AS id, c.family_id::text AS family_id, c.route, c.plan_version, c.attempt, c.achieved_at, c.problems::text AS problems,
		`+sampledExpr+` AS sampled FROM claims.claims c WHERE c.window_id = ? AND split_part(c.plan_version, '@', 1) = ? AND c.status IN ('SUBMITTED', 'PAID') ORDER BY c.id`,
			windowID, planID).
		Scan(&rows).
		Error
	return rows, err
}

// submittedCount is a count of a window's submitted claims by route and audit.
type submittedCount struct {
	Route   string
	Sampled bool
	Claims  int
}

// SubmittedCounts are the window's submitted claims counted by route and whether sampled.
func (s Store) SubmittedCounts(ctx context.Context, planID, windowID string) ([]submittedCount, error) {
	var rows []submittedCount
	err := s.DB.WithContext(ctx).
		Raw(`SELECT c.route, `+sampledExpr+` AS sampled, count(*) AS claims FROM claims.claims c
		WHERE c.window_id = ? AND split_part(c.plan_version, '@', 1) = ? AND c.status IN ('SUBMITTED', 'PAID') GROUP BY 1, 2 ORDER BY 1, 2`, windowID, planID).
		Scan(&rows).
		Error
	return rows, err
}
