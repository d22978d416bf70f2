package record

import (
	"context"
	"fmt"
	"time"

	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/subjectaccess"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Store holds the record package's SQL: the handlers ask it, never the database
// (docs/architecture.md, "One shape per package"). Every change is one transaction with its
// line in the record's history.
type Store struct {
	DB   *gorm.DB
	Keys *keyring.Keyring // seals and opens members' identities (FIELD_KEYS)
}

// versionCheck decides whether a change may be made: recorded says whether there is something
// it would overwrite, current is the version recorded (nil when nothing is versioned yet). The
// handler makes it from If-Match (ifMatch).
type versionCheck func(recorded bool, current *int64) error

// HasCase says whether the family has a case.
func (s Store) HasCase(ctx context.Context, id uuid.UUID) (bool, error) {
	var n int64
	err := s.DB.WithContext(ctx).Raw(`SELECT count(*) FROM "case".families WHERE id = ?`, id).Scan(&n).Error
	return n > 0, err
}

// Has says whether the family has an assessment and a family plan with an outcome.
func (s Store) Has(ctx context.Context, id uuid.UUID) (assessment, plan bool, err error) {
	var r struct{ A, P bool }
	err = s.DB.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM "case".assessments WHERE family_id = ?) AS a,
		EXISTS (SELECT 1 FROM "case".family_plans WHERE family_id = ? AND jsonb_array_length(outcomes) > 0) AS p`,
		id, id).Scan(&r).Error
	return r.A, r.P, err
}

// PutPart replaces the family's part whole with cols (content as its history keeps it) when
// check allows, answering the new version; ErrNoCase when the family has no case.
func (s Store) PutPart(
	ctx context.Context,
	id uuid.UUID,
	p part,
	cols map[string]any,
	content any,
	check versionCheck,
	by string,
) (int64, error) {
	var version int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var exists int64
		if err := tx.Raw(`SELECT count(*) FROM "case".families WHERE id = ?`, id).Scan(&exists).Error; err != nil {
			return err
		}
		if exists == 0 {
			return ErrNoCase
		}
		var current []int64
		if err := tx.Raw(`SELECT version FROM `+p.table+` WHERE family_id = ? FOR UPDATE`, id).
			Scan(&current).Error; err != nil {
			return err
		}
		// Changing an existing record needs the version it was read at (a concurrent change is
		// never lost); the first write of a part needs none.
		var read *int64
		if len(current) > 0 {
			read = &current[0]
		}
		if err := check(read != nil, read); err != nil {
			return err
		}
		version = 1
		if read != nil {
			version = *read + 1
		}
		cols["updated_by"], cols["updated_at"] = by, time.Now().UTC()
		cols["version"] = version
		if version == 1 {
			cols["family_id"] = id
			if err := tx.Table(p.table).Create(cols).Error; err != nil {
				return err
			}
		} else if err := tx.Table(p.table).Where("family_id = ?", id).Updates(cols).Error; err != nil {
			return err
		}
		return historyAt(tx, id, p.kind, version, content, by)
	})
	return version, err
}

// Part reads the family's part as its table holds it; nil when it has none.
func (s Store) Part(ctx context.Context, id uuid.UUID, p part) (map[string]any, error) {
	var rows []map[string]any
	if err := s.DB.WithContext(ctx).Table(p.table).Where("family_id = ?", id).Find(&rows).Error; err != nil ||
		len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

// IsMember says whether the person is a member of the family, when its members are recorded
// (a family whose members are not yet recorded cannot be checked).
func (s Store) IsMember(ctx context.Context, family uuid.UUID, person string) (bool, error) {
	var n struct{ Members, This int64 }
	err := s.DB.WithContext(ctx).
		Raw(`SELECT count(*) AS members, count(*) FILTER (WHERE person_id = ?) AS this
			FROM "case".members WHERE family_id = ?`, person, family).
		Scan(&n).Error
	return n.Members == 0 || n.This > 0, err
}

// AddNote records a note of the family; its history keeps the note's id and class, never its
// body.
func (s Store) AddNote(ctx context.Context, family uuid.UUID, n NoteBody) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := insertNote(tx, family, n); err != nil {
			return err
		}
		return history(tx, family, "NOTE", map[string]string{"note_id": n.ID, "class": n.Class}, n.Author)
	})
}

// noteRow is a note as the notes table holds it, with its corrections.
type noteRow struct {
	ID, Class, Body, Author string
	CreatedAt               time.Time
	Change
}

// Notes are every note of the family, replaced and withdrawn ones too, in the order written.
func (s Store) Notes(ctx context.Context, family uuid.UUID) ([]noteRow, error) {
	var rows []noteRow
	err := s.DB.WithContext(ctx).Raw(`SELECT id::text AS id, class, body, author, created_at,
		replaces::text AS replaces, correction_reason, replaced_by::text AS replaced_by,
		withdrawn_at, withdrawn_by, withdrawal_reason
		FROM "case".notes WHERE family_id = ? ORDER BY created_at, id`, family).Scan(&rows).Error
	return rows, err
}

// AddEvidence records a piece of evidence of the family, and its history.
func (s Store) AddEvidence(ctx context.Context, family uuid.UUID, e EvidenceBody) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := insertEvidence(tx, family, e); err != nil {
			return err
		}
		return history(tx, family, "EVIDENCE", e, e.RecordedBy)
	})
}

// evidenceRow is a piece of evidence as the evidence table holds it, with its corrections.
type evidenceRow struct {
	ID, Member, Feed, Type, DocumentRef, RecordedBy string
	Date, StartAt, EndAt                            *time.Time
	RecordedAt                                      time.Time
	Change
}

// caseStatus is the case's status and the date it took it.
type caseStatus struct {
	Status      string
	StatusSince *time.Time
}

// Evidence reads the family's case status, every piece of its evidence in the order recorded
// and its members, opened; ErrNoCase when the family has no case.
func (s Store) Evidence(ctx context.Context, id uuid.UUID) (caseStatus, []evidenceRow, []Member, error) {
	var fam []caseStatus
	if err := s.DB.WithContext(ctx).Raw(`SELECT status, status_since FROM "case".families WHERE id = ?`, id).
		Scan(&fam).Error; err != nil {
		return caseStatus{}, nil, nil, err
	}
	if len(fam) == 0 {
		return caseStatus{}, nil, nil, ErrNoCase
	}
	var rows []evidenceRow
	if err := s.DB.WithContext(ctx).Raw(`SELECT id::text AS id, member, feed, type, document_ref, recorded_by,
		date, start_at, end_at, recorded_at, replaces::text AS replaces, correction_reason,
		replaced_by::text AS replaced_by, withdrawn_at, withdrawn_by, withdrawal_reason
		FROM "case".evidence WHERE family_id = ? ORDER BY recorded_at, id`, id).Scan(&rows).Error; err != nil {
		return caseStatus{}, nil, nil, err
	}
	ms, err := s.Members(ctx, id)
	return fam[0], rows, ms, err
}

// SetStatus moves the case, and records it in its history.
func (s Store) SetStatus(ctx context.Context, id uuid.UUID, req StatusRequest, by string) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE "case".families SET status = ?, status_reason = NULLIF(?, ''), status_since = ?,
			version = version + 1, updated_at = now() WHERE id = ?`, req.Status, req.Reason, req.On, id).Error; err != nil {
			return err
		}
		return history(tx, id, "STATUS", req, by)
	})
}

// CorrectNote replaces the family's current note old with n: gorm.ErrRecordNotFound when the
// family has no such note, errGone when it no longer stands.
func (s Store) CorrectNote(ctx context.Context, family, old uuid.UUID, n NoteBody) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockCurrent(tx, notesTable, family, old); err != nil {
			return err
		}
		if err := insertNote(tx, family, n); err != nil {
			return err
		}
		if err := replace(tx, notesTable, old.String(), n.ID); err != nil {
			return err
		}
		// The bodies and the reason stay in notes: the history says what happened, by whom.
		return history(tx, family, "NOTE_CORRECTION",
			map[string]string{"note_id": n.ID, "replaces": old.String(), "class": n.Class}, n.Author)
	})
}

// CorrectEvidence replaces the family's current piece of evidence old with e, as CorrectNote.
func (s Store) CorrectEvidence(ctx context.Context, family, old uuid.UUID, e EvidenceBody) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockCurrent(tx, evidenceTable, family, old); err != nil {
			return err
		}
		if err := insertEvidence(tx, family, e); err != nil {
			return err
		}
		if err := replace(tx, evidenceTable, old.String(), e.ID); err != nil {
			return err
		}
		kept := e // the reason stays in evidence, as a note's does in notes
		was := old.String()
		kept.Change = Change{Replaces: &was}
		return history(tx, family, "EVIDENCE_CORRECTION", kept, e.RecordedBy)
	})
}

// Withdraw withdraws the family's current item of t, as CorrectNote.
func (s Store) Withdraw(
	ctx context.Context,
	t changeable,
	family, item uuid.UUID,
	by, reason string,
	at time.Time,
) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockCurrent(tx, t, family, item); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE `+t.table+` SET withdrawn_at = ?, withdrawn_by = ?, withdrawal_reason = ? WHERE id = ?`,
			at, by, reason, item).Error; err != nil {
			return err
		}
		return history(tx, family, t.kind+"_WITHDRAWAL", map[string]string{t.idField: item.String()}, by)
	})
}

// PutMembers replaces the family's members when check allows, answering their new version.
func (s Store) PutMembers(
	ctx context.Context,
	id uuid.UUID,
	members []Member,
	check versionCheck,
	by string,
) (int64, error) {
	var version int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var current int64
		if err := tx.Raw(`SELECT members_version FROM "case".families WHERE id = ? FOR UPDATE`, id).
			Scan(&current).Error; err != nil {
			return err
		}
		// Replacing members someone has recorded needs the version they were read at.
		if err := check(current > 0, &current); err != nil {
			return err
		}
		version = current + 1
		if err := tx.Exec(`UPDATE "case".families SET members_version = ? WHERE id = ?`, version, id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM "case".members WHERE family_id = ?`, id).Error; err != nil {
			return err
		}
		if err := s.insertMembers(tx, id, members, by); err != nil {
			return err
		}
		ids := make([]string, len(members))
		for i, m := range members {
			ids[i] = m.PersonID
		}
		return history(tx, id, "MEMBERS", map[string]any{"person_ids": ids}, by) // who, never their names
	})
	return version, err
}

// MembersVersion is the version of the family's members (0 before any are recorded).
func (s Store) MembersVersion(ctx context.Context, id uuid.UUID) (int64, error) {
	var version int64
	err := s.DB.WithContext(ctx).Raw(`SELECT members_version FROM "case".families WHERE id = ?`, id).
		Scan(&version).Error
	return version, err
}

// Members reads and opens the family's members.
func (s Store) Members(ctx context.Context, id uuid.UUID) ([]Member, error) {
	var rows []struct {
		PersonID, Role, Relationship string
		Pregnant                     bool
		Identity                     []byte
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT person_id, role, relationship, pregnant, identity
		FROM "case".members WHERE family_id = ? ORDER BY person_id`, id).Scan(&rows).Error; err != nil {
		return nil, err
	}
	ms := make([]Member, 0, len(rows))
	for _, r := range rows {
		idn, err := OpenIdentity(s.Keys, id, r.PersonID, r.Identity)
		if err != nil {
			return nil, fmt.Errorf("open member %s's identity: %w", r.PersonID, err)
		}
		ms = append(ms, Member{
			PersonID:     r.PersonID,
			Role:         r.Role,
			Relationship: r.Relationship,
			Pregnant:     r.Pregnant,
			KnownAs:      idn.KnownAs,
			BirthDate:    idn.BirthDate,
		})
	}
	return ms, nil
}

// FindSubject adds to a subject access request the members whose sealed identity is the
// person's (surname and date of birth), and their families: a person referred to the
// programme, never identified from agencies' data, is found here. Every member is opened (no
// index over sealed values).
func (s Store) FindSubject(ctx context.Context, sub *subjectaccess.Subject) error {
	if sub.Surname == "" {
		return nil // an agency's identifier: only identification holds those
	}
	var rows []struct {
		FamilyID uuid.UUID
		PersonID string
		Identity []byte
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT family_id, person_id, identity FROM "case".members
		ORDER BY family_id, person_id`).Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		id, err := OpenIdentity(s.Keys, r.FamilyID, r.PersonID, r.Identity)
		if err != nil {
			return fmt.Errorf("a member of family %s: %w", r.FamilyID, err)
		}
		if sub.MatchesName(id.surname(), id.BirthDate) {
			sub.Add([]string{r.PersonID}, []string{r.FamilyID.String()})
		}
	}
	return nil
}

// newReferral is a referral as the case records it: the family's case, its members and
// evidence, and the referral itself.
type newReferral struct {
	ID, Family  uuid.UUID
	PlanID      string
	Team        string
	Codes       []string
	ReasonCode  string
	RequestHash string // the request's content: a key reused for another referral is refused
	Members     []Member
	Evidence    []EvidenceBody
	By          string
}

// Refer opens the referred family's case with its members and evidence; a referral recorded
// before is left as it is (errKeyReused when it was another request).
func (s Store) Refer(ctx context.Context, r newReferral) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing []string
		if err := tx.Raw(`SELECT request_hash FROM "case".referrals WHERE id = ?`, r.ID).
			Scan(&existing).Error; err != nil {
			return err
		}
		if len(existing) > 0 {
			if existing[0] != r.RequestHash {
				return errKeyReused
			}
			return nil // opened before: start the workflow again (idempotent)
		}
		// its members: version 1
		if err := tx.Exec(`INSERT INTO "case".families (id, team, members_version) VALUES (?, ?, 1)`,
			r.Family, r.Team).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO "case".referrals (id, family_id, plan_id, problem_codes, reason_code,
			referred_by, request_hash) VALUES (?, ?, ?, ?::text[], ?, ?, ?)`,
			r.ID, r.Family, r.PlanID, db.TextArray(r.Codes), r.ReasonCode, r.By, r.RequestHash).Error; err != nil {
			return err
		}
		if err := s.insertMembers(tx, r.Family, r.Members, r.By); err != nil {
			return err
		}
		for _, e := range r.Evidence {
			if err := insertEvidence(tx, r.Family, e); err != nil {
				return err
			}
		}
		return history(tx, r.Family, "REFERRAL", map[string]any{
			"referral_id":   r.ID,
			"plan_id":       r.PlanID,
			"problem_codes": r.Codes,
			"reason_code":   r.ReasonCode,
		}, r.By)
	})
}

// history records a change of the family's record (version 1 for items that are not
// versioned: notes, evidence, members, status).
func history(tx *gorm.DB, family uuid.UUID, kind string, content any, by string) error {
	return historyAt(tx, family, kind, 1, content, by)
}

func historyAt(tx *gorm.DB, family uuid.UUID, kind string, version int64, content any, by string) error {
	return tx.Exec(`INSERT INTO "case".record_history (family_id, kind, version, content, changed_by)
		VALUES (?, ?, ?, ?::jsonb, ?)`, family, kind, version, jsonOf(content), by).Error
}

// insertNote records a note of the family (and, for a correction, the note it replaces and why).
func insertNote(tx *gorm.DB, family uuid.UUID, n NoteBody) error {
	return tx.Exec(`INSERT INTO "case".notes (id, family_id, class, body, author, created_at, replaces,
		correction_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, family, n.Class, n.Body, n.Author, n.CreatedAt, n.Replaces, n.CorrectionReason).Error
}

// insertEvidence records a piece of evidence of the family (and, for a correction, the
// piece it replaces and why).
func insertEvidence(tx *gorm.DB, family uuid.UUID, e EvidenceBody) error {
	return tx.Exec(`INSERT INTO "case".evidence (id, family_id, member, feed, type, date, start_at, end_at,
		document_ref, recorded_by, recorded_at, replaces, correction_reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, family, e.Member, e.Feed, e.Type, instant(e.Date), instant(e.Start), instant(e.End),
		e.DocumentRef, e.RecordedBy, e.RecordedAt, e.Replaces, e.CorrectionReason).Error
}

// insertMembers adds the members to the family, each one's identity sealed.
func (s Store) insertMembers(tx *gorm.DB, family uuid.UUID, members []Member, by string) error {
	for _, m := range members {
		sealed := SealIdentity(s.Keys, family, m.PersonID, Identity{KnownAs: m.KnownAs, BirthDate: m.BirthDate})
		if err := tx.Exec(`INSERT INTO "case".members (family_id, person_id, role, relationship, pregnant,
			identity, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			family, m.PersonID, m.Role, m.Relationship, m.Pregnant, sealed, by).Error; err != nil {
			return err
		}
	}
	return nil
}

// lockCurrent locks the family's item for a change, answering gorm.ErrRecordNotFound when the
// family has no such item and errGone when it no longer stands.
func lockCurrent(tx *gorm.DB, t changeable, family, item uuid.UUID) error {
	var rows []Change
	if err := tx.Raw(`SELECT replaced_by::text AS replaced_by, withdrawn_at FROM `+t.table+`
		WHERE id = ? AND family_id = ? FOR UPDATE`, item, family).Scan(&rows).Error; err != nil {
		return err
	}
	switch {
	case len(rows) == 0:
		return gorm.ErrRecordNotFound
	case !rows[0].current():
		return errGone
	}
	return nil
}

// replace marks the old item replaced by the new one.
func replace(tx *gorm.DB, t changeable, old, by string) error {
	return tx.Exec(`UPDATE `+t.table+` SET replaced_by = ? WHERE id = ?`, by, old).Error
}
