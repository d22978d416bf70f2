package quality

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Store holds the quality package's SQL: the report and the merge ask it, never the database
// (docs/architecture.md, "One shape per package"). A team of "" is every team.
type Store struct{ DB *gorm.DB }

// staleCase is an open case with its last sign of work.
type staleCase struct {
	FamilyID, Team, Lead string
	Since                time.Time
}

// StaleCases are the team's open cases whose last sign of work (their latest note or evidence,
// or their opening) is before before, oldest first.
func (s Store) StaleCases(ctx context.Context, team string, before time.Time) ([]staleCase, error) {
	var rows []staleCase
	err := s.DB.WithContext(ctx).Raw(`SELECT f.id::text AS family_id, f.team, coalesce(f.lead_professional, '') AS lead,
		greatest(f.created_at, coalesce(max(n.created_at), f.created_at), coalesce(max(e.recorded_at), f.created_at)) AS since
		FROM "case".families f
		LEFT JOIN "case".notes n ON n.family_id = f.id
		LEFT JOIN "case".evidence e ON e.family_id = f.id
		WHERE f.status = 'OPEN' AND (? = '' OR f.team = ?)
		GROUP BY f.id
		HAVING greatest(f.created_at, coalesce(max(n.created_at), f.created_at), coalesce(max(e.recorded_at), f.created_at)) < ?
		ORDER BY since, f.id`, team, team, before).Scan(&rows).Error
	return rows, err
}

// overdueAction is an open action of a family plan past its due date.
type overdueAction struct {
	FamilyID, Team, Lead, Agency string
	Number                       int
	Due                          time.Time
}

// OverdueActions are the open actions of the team's open cases' plans due before today,
// earliest first.
func (s Store) OverdueActions(ctx context.Context, team string, today time.Time) ([]overdueAction, error) {
	var rows []overdueAction
	err := s.DB.WithContext(ctx).Raw(`SELECT f.id::text AS family_id, f.team, coalesce(f.lead_professional, '') AS lead,
		a.ord AS number, (a.action->>'due')::date AS due, coalesce(a.action->>'agency', '') AS agency
		FROM "case".families f JOIN "case".family_plans p ON p.family_id = f.id,
		jsonb_array_elements(CASE WHEN jsonb_typeof(p.actions) = 'array' THEN p.actions ELSE '[]' END)
			WITH ORDINALITY AS a(action, ord)
		WHERE f.status = 'OPEN' AND (? = '' OR f.team = ?) AND a.action->>'status' = 'OPEN'
			AND (a.action->>'due')::date < ?
		ORDER BY due, f.id, number`, team, team, today).Scan(&rows).Error
	return rows, err
}

// caseStatus is a case's status and the date it took it.
type caseStatus struct {
	FamilyID, Team, Lead, Status string
	Since                        *time.Time
}

// OpenAndClosed are the team's open and closed cases, by family id.
func (s Store) OpenAndClosed(ctx context.Context, team string) ([]caseStatus, error) {
	var rows []caseStatus
	err := s.DB.WithContext(ctx).
		Raw(`SELECT id::text AS family_id, team, coalesce(lead_professional, '') AS lead, status,
		status_since::timestamptz AS since
		FROM "case".families WHERE status IN ('OPEN', 'CLOSED') AND (? = '' OR team = ?) ORDER BY id`, team, team).
		Scan(&rows).
		Error
	return rows, err
}

// heldMember is a member of a family not closed and never merged, with the identity the case
// holds (sealed).
type heldMember struct {
	FamilyID  uuid.UUID
	PersonID  string
	Identity  []byte
	Team      string
	Lead      string
	CreatedAt time.Time
}

// MembersOfOpenFamilies are the members of every family not closed and never merged, in any
// team, by family and person.
func (s Store) MembersOfOpenFamilies(ctx context.Context) ([]heldMember, error) {
	var rows []heldMember
	err := s.DB.WithContext(ctx).Raw(`SELECT m.family_id, m.person_id, m.identity, f.team,
		coalesce(f.lead_professional, '') AS lead, f.created_at
		FROM "case".members m JOIN "case".families f ON f.id = m.family_id
		WHERE f.status <> 'CLOSED' AND NOT EXISTS (SELECT 1 FROM "case".family_merges g WHERE g.family_id = f.id)
		ORDER BY m.family_id, m.person_id`).Scan(&rows).Error
	return rows, err
}

// Merge records that family id is family into, closes id's case (MERGED) and writes its
// history, then runs closeWorkflow before the transaction commits: a workflow that refuses
// leaves nothing recorded. A merge recorded before is answered as it stands.
func (s Store) Merge(
	ctx context.Context,
	id, into uuid.UUID,
	reason, by string,
	closeWorkflow func() error,
) (MergeBody, error) {
	var body MergeBody
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before []MergeBody
		if err := tx.Raw(`SELECT family_id::text, into_family_id::text, reason_code, merged_by, merged_at
			FROM "case".family_merges WHERE family_id IN (?, ?) FOR UPDATE`, id, into).Scan(&before).Error; err != nil {
			return err
		}
		for _, b := range before {
			switch {
			case b.FamilyID == into.String():
				return errIntoMerged
			case b.IntoFamilyID != into.String():
				return errMergedElsewhere
			default:
				body = b
				return nil // merged before: answered as recorded
			}
		}
		body = MergeBody{
			FamilyID:     id.String(),
			IntoFamilyID: into.String(),
			ReasonCode:   reason,
			MergedBy:     by,
			MergedAt:     time.Now().UTC(),
		}
		if err := tx.Exec(`INSERT INTO "case".family_merges (family_id, into_family_id, reason_code, merged_by, merged_at)
			VALUES (?, ?, ?, ?, ?)`, id, into, reason, by, body.MergedAt).Error; err != nil {
			return err
		}
		res := tx.Exec(`UPDATE "case".families SET status = 'CLOSED', status_reason = 'MERGED', status_since = ?,
			version = version + 1, updated_at = now()
			WHERE id = ? AND status <> 'CLOSED'`, body.MergedAt.Format(time.DateOnly), id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected > 0 {
			if err := tx.Exec(`INSERT INTO "case".record_history (family_id, kind, version, content, changed_by)
				VALUES (?, 'STATUS', 1, ?::jsonb, ?)`,
				id, `{"status":"CLOSED","reason":"MERGED","into_family_id":"`+into.String()+`"}`, by).Error; err != nil {
				return err
			}
		}
		return closeWorkflow()
	})
	return body, err
}

// Merges are every merge recorded (identification's runs follow them).
func (s Store) Merges(ctx context.Context) ([]Merge, error) {
	out := []Merge{}
	err := s.DB.WithContext(ctx).
		Raw(`SELECT family_id::text, into_family_id::text FROM "case".family_merges ORDER BY family_id`).
		Scan(&out).Error
	return out, err
}
