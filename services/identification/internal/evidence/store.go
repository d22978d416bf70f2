// Package evidence keeps evidence snapshots: the members and evidence rows behind a family's
// judgements, frozen with an id. Workflows carry the id; the content (special category data)
// stays here, sealed under FIELD_KEYS, and is read by tracking with its service token.
package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Content is what a snapshot freezes: the family's members (opaque ids, birth dates) and
// the evidence rows about them.
type Content struct {
	Members []outcomes.Member `json:"members"`
	Facts   []outcomes.Fact   `json:"facts"`
	// Coverage is how far each feed's data reached when the snapshot was taken: a later
	// extract that only extends it is new evidence, since the engine counts the absence of
	// events only inside it.
	Coverage outcomes.Coverage `json:"coverage,omitempty"`
}

// Snapshot is a snapshot's row; its content is sealed.
type Snapshot struct {
	ID            uuid.UUID    `gorm:"type:uuid;primaryKey"`
	FamilyID      uuid.UUID    `gorm:"type:uuid;not null"`
	PlanID        string       `gorm:"not null"`
	PlanVersion   string       `gorm:"not null"`
	ReferenceDate time.Time    `gorm:"type:date;not null"`
	ProblemCodes  db.TextArray `gorm:"type:text[];not null"`
	ContentHash   string       `gorm:"not null"`
	Sealed        []byte       `gorm:"not null"`
	MemberCount   int          `gorm:"not null"`
	FactCount     int          `gorm:"not null"`
	RecordedBy    string       `gorm:"not null"`
	CreatedAt     time.Time    `gorm:"not null"`
}

// SealedSnapshots is the snapshots' sealed content column, for reseal and keys-status.
var SealedSnapshots = sealed.Column{Table: "identification.evidence_snapshots", Key: []string{"id"}, Column: "sealed",
	AAD: func(key []any) []byte { id := sealed.UUID(key[0]); return id[:] }}

// TableName puts the table in the service's own schema.
func (Snapshot) TableName() string { return "identification.evidence_snapshots" }

// ErrNotFound is returned when no snapshot has the id.
var ErrNotFound = errors.New("evidence snapshot not found")

// Store reads and writes snapshots.
type Store struct {
	DB   *gorm.DB
	Keys *keyring.Keyring
}

// Hash is the content's SHA-256 over its canonical form (members and facts in id order), so
// that the same evidence sent in another order is the same snapshot.
func (c *Content) Hash() string {
	slices.SortFunc(c.Members, func(a, b outcomes.Member) int { return compare(a.ID, b.ID) })
	slices.SortFunc(c.Facts, func(a, b outcomes.Fact) int { return compare(a.ID, b.ID) })
	b, _ := json.Marshal(c) // plain data: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Record keeps snap (content c) as the family's latest snapshot, unless the family's latest
// snapshot already holds the same content: then it returns that one.
// Families are serialised by an advisory lock, so two refreshes at once make one snapshot.
func (s Store) Record(ctx context.Context, snap *Snapshot, c *Content) (out *Snapshot, err error) {
	snap.ContentHash, snap.MemberCount, snap.FactCount = c.Hash(), len(c.Members), len(c.Facts)
	plain, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Shared with other refreshes, exclusive with an identification run keeping its snapshots.
		if err := tx.Exec("SELECT pg_advisory_xact_lock_shared(?)", runLock).Error; err != nil {
			return err
		}
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 7))", snap.FamilyID.String()).Error; err != nil {
			return err
		}
		var latest Snapshot
		err := tx.Where("family_id = ?", snap.FamilyID).Order("created_at DESC, id DESC").Take(&latest).Error
		if err == nil && latest.ContentHash == snap.ContentHash && latest.PlanID == snap.PlanID {
			out = &latest
			return nil
		}
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		snap.ID, snap.CreatedAt = uuid.New(), time.Now().UTC()
		snap.Sealed = s.Keys.Seal(plain, snap.ID[:])
		if err := tx.Create(snap).Error; err != nil {
			return err
		}
		out = snap
		return nil
	})
	return out, err
}

// runLock is the advisory lock a run holds while it keeps many families' snapshots at once
// (RecordAll): a family's own lock, one each, would fill Postgres's lock table.
const runLock = 0x1de5_0a75

// RecordAll keeps many families' snapshots in the pgx transaction tx, as Record keeps one:
// a family whose latest snapshot holds the same content keeps it. It answers each family's
// snapshot, and whether it is new.
func (s Store) RecordAll(
	ctx context.Context,
	tx pgx.Tx,
	snaps []*Snapshot,
	contents []*Content,
) ([]*Snapshot, []bool, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", runLock); err != nil {
		return nil, nil, err
	}
	families := make([]uuid.UUID, len(snaps))
	for i, sn := range snaps {
		families[i] = sn.FamilyID
	}
	type latest struct {
		id         uuid.UUID
		hash, plan string
	}
	found := map[uuid.UUID]latest{}
	rows, err := tx.Query(
		ctx,
		`SELECT DISTINCT ON (family_id) family_id, id, content_hash, plan_id FROM identification.evidence_snapshots
		WHERE family_id = ANY($1) ORDER BY family_id, created_at DESC, id DESC`,
		families,
	)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var f uuid.UUID
		var l latest
		if err := rows.Scan(&f, &l.id, &l.hash, &l.plan); err != nil {
			rows.Close()
			return nil, nil, err
		}
		found[f] = l
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	fresh := make([]bool, len(snaps))
	var copyRows [][]any
	now := time.Now().UTC()
	for i, sn := range snaps {
		sn.ContentHash, sn.MemberCount, sn.FactCount = contents[i].Hash(), len(
			contents[i].Members,
		), len(
			contents[i].Facts,
		)
		if l, ok := found[sn.FamilyID]; ok && l.hash == sn.ContentHash && l.plan == sn.PlanID {
			sn.ID = l.id
			continue
		}
		plain, err := json.Marshal(contents[i])
		if err != nil {
			return nil, nil, err
		}
		sn.ID, sn.CreatedAt = uuid.New(), now
		sn.Sealed = s.Keys.Seal(plain, sn.ID[:])
		fresh[i] = true
		copyRows = append(
			copyRows,
			[]any{sn.ID, sn.FamilyID, sn.PlanID, sn.PlanVersion, sn.ReferenceDate, []string(sn.ProblemCodes),
				sn.ContentHash, sn.Sealed, sn.MemberCount, sn.FactCount, sn.RecordedBy, sn.CreatedAt},
		)
	}
	_, err = tx.CopyFrom(
		ctx,
		pgx.Identifier{"identification", "evidence_snapshots"},
		[]string{
			"id",
			"family_id",
			"plan_id",
			"plan_version",
			"reference_date",
			"problem_codes",
			"content_hash",
			"sealed",
			"member_count",
			"fact_count",
			"recorded_by",
			"created_at",
		},
		pgx.CopyFromRows(copyRows),
	)
	return snaps, fresh, err
}

// Get returns a snapshot and its opened content.
func (s Store) Get(ctx context.Context, id uuid.UUID) (*Snapshot, *Content, error) {
	var snap Snapshot
	err := s.DB.WithContext(ctx).Where("id = ?", id).Take(&snap).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	plain, err := s.Keys.Open(snap.Sealed, snap.ID[:])
	if err != nil {
		return nil, nil, fmt.Errorf("evidence snapshot %s: %w", snap.ID, err)
	}
	var c Content
	if err := json.Unmarshal(plain, &c); err != nil {
		return nil, nil, fmt.Errorf("evidence snapshot %s: %w", snap.ID, err)
	}
	return &snap, &c, nil
}
