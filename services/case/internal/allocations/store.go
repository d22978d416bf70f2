// Package allocations holds who works with each family (team, lead professional, allocated
// caseworkers) and answers a user's relationship to a family from it.
package allocations

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// ErrNotFound: no family with that id has a case.
var ErrNotFound = errors.New("family not found")

// ErrStale: the family changed since the version the caller read.
var ErrStale = errors.New("family changed")

// Family is one family's allocation.
type Family struct {
	ID                     uuid.UUID
	Team                   string
	LeadProfessional       *string
	LeadProfessionalAgency *string
	Caseworkers            []string `gorm:"-"`
	RestrictedAt           *time.Time
	RestrictionGround      *string // why processing is restricted (UK GDPR Article 18), nil when it is not
	Version                int64
	CreatedAt, UpdatedAt   time.Time
}

// Store reads and writes allocations.
type Store struct{ DB *gorm.DB }

// Get reads a family's allocation.
func (s Store) Get(ctx context.Context, id uuid.UUID) (*Family, error) {
	// One round trip: the family and its caseworkers (every access check reads this).
	var rows []struct {
		Family
		Allocated db.TextArray `gorm:"type:text[]"`
	}
	err := s.DB.WithContext(ctx).
		Raw(`SELECT f.*, ARRAY(SELECT a.subject FROM "case".allocations a WHERE a.family_id = f.id ORDER BY a.subject) AS allocated
		FROM "case".families f WHERE f.id = ?`, id).
		Scan(&rows).
		Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	f := rows[0].Family
	f.Caseworkers = rows[0].Allocated
	return &f, nil
}

// Put sets a family's allocation whole: created at version 1, or replaced when the caller
// read the current version (optimistic locking). It returns the new state.
func (s Store) Put(ctx context.Context, f Family, readVersion int64, by string) (*Family, error) {
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if readVersion == 0 {
			res := tx.Exec(
				`INSERT INTO "case".families (id, team, lead_professional, lead_professional_agency) VALUES (?, ?, ?, ?)
				ON CONFLICT (id) DO NOTHING`,
				f.ID,
				f.Team,
				f.LeadProfessional,
				f.LeadProfessionalAgency,
			)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return ErrStale
			}
		} else {
			res := tx.Exec(`UPDATE "case".families SET team = ?, lead_professional = ?, lead_professional_agency = ?, version = version + 1,
				updated_at = now() WHERE id = ? AND version = ?`, f.Team, f.LeadProfessional, f.LeadProfessionalAgency, f.ID, readVersion)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return ErrStale
			}
		}
		if err := tx.Exec(`DELETE FROM "case".allocations WHERE family_id = ? AND NOT (subject = ANY(?::text[]))`, f.ID, db.TextArray(f.Caseworkers)).Error; err != nil {
			return err
		}
		for _, sub := range f.Caseworkers {
			if err := tx.Exec(`INSERT INTO "case".allocations (family_id, subject, allocated_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				f.ID, sub, by).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, f.ID)
}

// Access is p's relationship to the family (lead professional, allocated caseworker, a
// member of its team, or none: also for a family with no case, so nothing tells the caller
// whether it exists), and whether its processing is restricted.
func (s Store) Access(ctx context.Context, p auth.Principal, id uuid.UUID) (policy.Access, error) {
	f, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return policy.Access{}, nil
	}
	if err != nil {
		return policy.Access{}, err
	}
	return policy.Access{Relationship: Relate(p, f), Restricted: f.RestrictedAt != nil}, nil
}

// Restrict sets (ground non-empty) or lifts (ground empty) the restriction of processing of
// a family with a case.
func (s Store) Restrict(ctx context.Context, id uuid.UUID, ground string) (*Family, error) {
	var res *gorm.DB
	if ground == "" {
		res = s.DB.WithContext(ctx).Exec(`UPDATE "case".families SET restricted_at = NULL, restriction_ground = NULL,
			version = version + 1, updated_at = now() WHERE id = ?`, id)
	} else {
		res = s.DB.WithContext(ctx).Exec(`UPDATE "case".families SET restricted_at = coalesce(restricted_at, now()), restriction_ground = ?,
			version = version + 1, updated_at = now() WHERE id = ?`, ground, id)
	}
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	return s.Get(ctx, id)
}

// Relate is the relationship rule itself.
func Relate(p auth.Principal, f *Family) policy.Relationship {
	switch {
	case f.LeadProfessional != nil && *f.LeadProfessional == p.Subject:
		return policy.LeadProfessional
	case slices.Contains(f.Caseworkers, p.Subject):
		return policy.Allocated
	case p.Team != "" && p.Team == f.Team:
		return policy.SameTeam
	}
	return policy.None
}

const caseloadColumns = `f.id::text AS family_id, f.team, f.lead_professional,
	f.lead_professional_agency AS lead_agency, f.status, f.restricted_at IS NOT NULL AS restricted, f.updated_at`

// CaseloadOrder is the caseload's order (most recently changed first).
const CaseloadOrder = "f.updated_at DESC, f.id DESC"

// CaseloadQuery selects a user's own families: those they lead or are allocated to (each
// side by its own index, then joined: an OR across the two would scan every family).
func CaseloadQuery(db *gorm.DB, subject string) *gorm.DB {
	return db.Table(`"case".families f`).Select(caseloadColumns).
		Where(`f.id IN (SELECT l.id FROM "case".families l WHERE l.lead_professional = ? UNION ALL
			SELECT al.family_id FROM "case".allocations al WHERE al.subject = ?)`, subject, subject)
}

// Caseload reads a page of the subject's own families (in status, "" for any).
func (s Store) Caseload(
	ctx context.Context,
	subject, status string,
	after *caseloadPosition,
	limit int,
) ([]CaseloadItem, error) {
	q := CaseloadQuery(s.DB.WithContext(ctx), subject)
	if status != "" {
		q = q.Where("f.status = ?", status)
	}
	return pageOf(q, after, limit)
}

// TeamFilter narrows a team's families; an empty field does not narrow.
type TeamFilter struct{ Team, Status, LeadProfessional string }

// TeamFamilies reads a page of the families matching the filter.
func (s Store) TeamFamilies(
	ctx context.Context,
	f TeamFilter,
	after *caseloadPosition,
	limit int,
) ([]CaseloadItem, error) {
	q := s.DB.WithContext(ctx).Table(`"case".families f`).Select(caseloadColumns)
	for _, w := range []struct{ column, value string }{
		{"f.team", f.Team},
		{"f.status", f.Status},
		{"f.lead_professional", f.LeadProfessional},
	} {
		if w.value != "" {
			q = q.Where(w.column+" = ?", w.value)
		}
	}
	return pageOf(q, after, limit)
}

// pageOf reads up to limit rows of q (which selects caseloadColumns) after the position.
func pageOf(q *gorm.DB, after *caseloadPosition, limit int) ([]CaseloadItem, error) {
	if after != nil {
		q = q.Where("(f.updated_at, f.id) < (?, ?)", after.UpdatedAt, after.ID)
	}
	var rows []CaseloadItem
	return rows, q.Order(CaseloadOrder).Limit(limit).Scan(&rows).Error
}

// caseloadFamily is a family of a caseload, and whether its processing is restricted.
type caseloadFamily struct {
	ID         string
	Restricted bool
}

// CaseloadOf lists the families the subject leads or is allocated to, in the team ("" for
// every team), by id.
func (s Store) CaseloadOf(ctx context.Context, subject, team string) ([]caseloadFamily, error) {
	var rows []caseloadFamily
	err := s.DB.WithContext(ctx).Raw(`SELECT f.id::text AS id, f.restricted_at IS NOT NULL AS restricted
		FROM "case".families f
		WHERE (f.lead_professional = ?
			OR EXISTS (SELECT 1 FROM "case".allocations al WHERE al.family_id = f.id AND al.subject = ?))
		AND (? = '' OR f.team = ?) ORDER BY f.id`, subject, subject, team, team).Scan(&rows).Error
	return rows, err
}

// Reassign moves the families (ids) from one subject to another in one transaction: the lead
// where from leads (with the agency, when given), the allocations where from is allocated.
func (s Store) Reassign(ctx context.Context, families []string, from, to, agency, by string) error {
	ids := db.TextArray(families)
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, stmt := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE "case".families SET lead_professional = ?,
				lead_professional_agency = coalesce(NULLIF(?, ''), lead_professional_agency)
				WHERE id::text = ANY(?::text[]) AND lead_professional = ?`, []any{to, agency, ids, from}},
			{`INSERT INTO "case".allocations (family_id, subject, allocated_by)
				SELECT family_id, ?, ? FROM "case".allocations
				WHERE subject = ? AND family_id::text = ANY(?::text[]) ON CONFLICT DO NOTHING`, []any{to, by, from, ids}},
			{`DELETE FROM "case".allocations WHERE subject = ? AND family_id::text = ANY(?::text[])`, []any{from, ids}},
			{`UPDATE "case".families SET version = version + 1, updated_at = now()
				WHERE id::text = ANY(?::text[])`, []any{ids}},
		} {
			if err := tx.Exec(stmt.sql, stmt.args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
