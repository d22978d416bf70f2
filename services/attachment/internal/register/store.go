package register

import (
	"context"
	"errors"
	"time"

	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Store holds every statement of the register, the compliance checks and the profile: the
// activities and the handlers call it and hold no SQL (docs/architecture.md, one shape).
type Store struct{ DB *gorm.DB }

// Attachment is one register row to record.
type Attachment struct {
	FamilyID, ID     uuid.UUID
	AttachedAt       time.Time
	BaselineProblems []string
	PlanVersion      string
	RequestID        string
}

// Record records the attachments in one transaction, each once: a family registered before
// keeps its row.
func (s Store) Record(ctx context.Context, rows ...Attachment) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, r := range rows {
			if err := tx.Exec(`INSERT INTO attachment.attachments (family_id, id, attached_at, baseline_problems, plan_version, request_id)
				VALUES (?, ?, ?, ?::text[], ?, ?) ON CONFLICT (family_id) DO NOTHING`,
				r.FamilyID, r.ID, r.AttachedAt, db.TextArray(r.BaselineProblems), r.PlanVersion, r.RequestID).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// ErrNotAttached: the family has no register row.
var ErrNotAttached = errors.New("the family has no attachment")

// Correction changes a family's register row; empty fields keep what it was.
type Correction struct {
	FamilyID         uuid.UUID
	RequestID        string
	ReasonCode       string
	BaselineProblems []string
	AttachedAt       *time.Time
}

// Correct corrects the family's row once per request, keeping what it was before: a repeat of
// the request changes nothing more.
func (s Store) Correct(ctx context.Context, c Correction) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before []struct {
			BaselineProblems db.TextArray `gorm:"type:text[]"`
			AttachedAt       time.Time
		}
		if err := tx.Raw(`SELECT baseline_problems, attached_at FROM attachment.attachments WHERE family_id = ? FOR UPDATE`, c.FamilyID).Scan(&before).Error; err != nil {
			return err
		}
		if len(before) == 0 {
			return ErrNotAttached
		}
		baseline, at := []string(before[0].BaselineProblems), before[0].AttachedAt
		if len(c.BaselineProblems) > 0 {
			baseline = c.BaselineProblems
		}
		if c.AttachedAt != nil {
			at = *c.AttachedAt
		}
		res := tx.Exec(
			`INSERT INTO attachment.corrections (request_id, family_id, baseline_problems_before, attached_at_before,
			baseline_problems_after, attached_at_after, reason_code) VALUES (?, ?, ?::text[], ?, ?::text[], ?, ?) ON CONFLICT (family_id, request_id) DO NOTHING`,
			c.RequestID,
			c.FamilyID,
			before[0].BaselineProblems,
			before[0].AttachedAt,
			db.TextArray(baseline),
			at,
			c.ReasonCode,
		)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // corrected before by this request
		}
		return tx.Exec(
			`UPDATE attachment.attachments SET baseline_problems = ?::text[], attached_at = ? WHERE family_id = ?`,
			db.TextArray(baseline),
			at,
			c.FamilyID,
		).Error
	})
}

// CountAttachments counts a plan's attachments (every version of it) made in [from, to).
func (s Store) CountAttachments(ctx context.Context, planID string, from, to time.Time) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).
		Raw(`SELECT count(*) FROM attachment.attachments WHERE split_part(plan_version, '@', 1) = ? AND attached_at >= ? AND attached_at < ?`,
			planID, from, to).
		Scan(&n).
		Error
	return n, err
}

// errNoAttachments: a check's period holds no attachment to sample.
var errNoAttachments = errors.New("no attachments in the period")

// NewCheck is a compliance check to draw.
type NewCheck struct {
	ID        uuid.UUID
	PlanID    string
	From, To  string // dates
	Rate      float64
	Seed      int64
	CreatedBy string
}

// CreateCheck records the check and its sample of the period's attachments (Draw), in one
// transaction; errNoAttachments when the period has none.
func (s Store) CreateCheck(ctx context.Context, c NewCheck) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var families []string
		if err := tx.Raw(`SELECT family_id::text FROM attachment.attachments WHERE split_part(plan_version, '@', 1) = ? AND attached_at >= ? AND attached_at < ? ORDER BY family_id`,
			c.PlanID, c.From, c.To).Scan(&families).Error; err != nil {
			return err
		}
		if len(families) == 0 {
			return errNoAttachments
		}
		if err := tx.Exec(`INSERT INTO attachment.compliance_checks (id, plan_id, period_from, period_to, population, seed, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.PlanID, c.From, c.To, len(families), c.Seed, c.CreatedBy).Error; err != nil {
			return err
		}
		for _, i := range Draw(len(families), c.Rate, c.Seed) {
			if err := tx.Exec(`INSERT INTO attachment.compliance_cases (check_id, family_id) VALUES (?, ?)`, c.ID, families[i]).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// Check is a compliance check with its cases and how far it has got; nil when there is none.
func (s Store) Check(ctx context.Context, id uuid.UUID) (*CheckBody, error) {
	var checks []struct {
		ID, PlanID string
		PeriodFrom time.Time
		PeriodTo   time.Time
		Population int
		Seed       int64
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT id::text AS id, plan_id, period_from, period_to, population, seed FROM attachment.compliance_checks WHERE id = ?`, id).
		Scan(&checks).Error; err != nil ||
		len(checks) == 0 {
		return nil, err
	}
	ch := checks[0]
	out := &CheckBody{
		ID:         ch.ID,
		PlanID:     ch.PlanID,
		From:       ch.PeriodFrom.Format(time.DateOnly),
		To:         ch.PeriodTo.Format(time.DateOnly),
		Population: ch.Population,
		Seed:       ch.Seed,
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT family_id::text AS family_id, problem_evidence, assessment, family_plan, lead_professional, finding_code, reviewed_by, reviewed_at
		FROM attachment.compliance_cases WHERE check_id = ? ORDER BY family_id`, id).Scan(&out.Cases).Error; err != nil {
		return nil, err
	}
	for _, cs := range out.Cases {
		if cs.ReviewedAt != nil {
			out.Reviewed++
			if *cs.ProblemEvidence && *cs.Assessment && *cs.FamilyPlan && *cs.LeadProfessional {
				out.Compliant++
			}
		}
	}
	return out, nil
}

// Review records the reviewer's finding on a sampled case; false when the check did not
// sample the family.
func (s Store) Review(ctx context.Context, check, family uuid.UUID, r ReviewRequest, by string) (bool, error) {
	var finding *string
	if r.FindingCode != "" {
		finding = &r.FindingCode
	}
	res := s.DB.WithContext(ctx).
		Exec(`UPDATE attachment.compliance_cases SET problem_evidence = ?, assessment = ?, family_plan = ?, lead_professional = ?,
		finding_code = ?, reviewed_by = ?, reviewed_at = now() WHERE check_id = ? AND family_id = ?`,
			*r.ProblemEvidence, *r.Assessment, *r.FamilyPlan, *r.LeadProfessional, finding, by, check, family)
	return res.RowsAffected > 0, res.Error
}
