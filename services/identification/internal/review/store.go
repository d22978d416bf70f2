// Package review keeps runs' review queues (the pairs of records linkage could not decide,
// most valuable first) and reviewers' decisions about them, which later runs follow.
package review

import (
	"context"
	"errors"
	"time"

	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Store reads runs' review queues and keeps reviewers' decisions.
type Store struct {
	DB   *gorm.DB
	Keys *keyring.Keyring
}

// Pair is one pair of a run's review queue.
type Pair struct {
	RunID       uuid.UUID `gorm:"type:uuid;primaryKey"`
	Rank        int       `gorm:"primaryKey"`
	PairKey     []byte
	UploadA     uuid.UUID `gorm:"type:uuid"`
	RowA        int
	UploadB     uuid.UUID `gorm:"type:uuid"`
	RowB        int
	PersonA     uuid.UUID  `gorm:"type:uuid"`
	PersonB     uuid.UUID  `gorm:"type:uuid"`
	FamilyA     *uuid.UUID `gorm:"type:uuid"`
	FamilyB     *uuid.UUID `gorm:"type:uuid"`
	Weight      float64
	Probability float64
	Levels      []int16 `gorm:"type:smallint[];serializer:json"`
	Value       int
	// Decision is the pair's latest decision, when there is one.
	Decision *Decision `gorm:"-"`
}

// TableName puts the table in the service's own schema.
func (Pair) TableName() string { return "identification.review_pairs" }

// Decision is a reviewer's decision about a pair.
type Decision struct {
	PairKey    []byte
	KeyID      string
	SamePerson bool
	Reason     string
	DecidedBy  string
	DecidedAt  time.Time
	RunID      uuid.UUID `gorm:"type:uuid"`
	Rank       int
}

// TableName puts the table in the service's own schema.
func (Decision) TableName() string { return "identification.review_decisions" }

// ErrPairNotFound is a rank the run's queue does not have.
var ErrPairNotFound = errors.New("no such pair in the run's review queue")

// pairColumns reads levels as text, which the API writes out as numbers.
const pairColumns = "run_id, rank, pair_key, upload_a, row_a, upload_b, row_b, person_a, person_b, family_a, family_b, weight, probability, array_to_json(levels)::text AS levels, value"

// Queue returns up to limit+1 pairs of a run's queue after a rank, most valuable first, each
// with its latest decision.
func (r Store) Queue(ctx context.Context, run uuid.UUID, after, limit int) ([]Pair, error) {
	var out []Pair
	err := r.DB.WithContext(ctx).
		Select(pairColumns).
		Where("run_id = ? AND rank > ?", run, after).
		Order("rank").
		Limit(limit + 1).
		Find(&out).
		Error
	if err != nil || len(out) == 0 {
		return out, err
	}
	keys := make([][]byte, len(out))
	for i := range out {
		keys[i] = out[i].PairKey
	}
	var ds []Decision
	if err := r.DB.WithContext(ctx).Raw(`SELECT DISTINCT ON (pair_key) * FROM identification.review_decisions
		WHERE pair_key IN ? ORDER BY pair_key, decided_at DESC`, keys).Scan(&ds).Error; err != nil {
		return nil, err
	}
	latest := map[string]*Decision{}
	for i := range ds {
		latest[string(ds[i].PairKey)] = &ds[i]
	}
	for i := range out {
		out[i].Decision = latest[string(out[i].PairKey)]
	}
	return out, nil
}

// Get returns one pair of a run's queue.
func (r Store) Get(ctx context.Context, run uuid.UUID, rank int) (*Pair, error) {
	ps, err := r.Queue(ctx, run, rank-1, 1)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 || ps[0].Rank != rank {
		return nil, ErrPairNotFound
	}
	return &ps[0], nil
}

// Decide keeps a decision about a pair. The same decision again is not kept twice (false).
func (r Store) Decide(ctx context.Context, p *Pair, same bool, reason, by string) (*Decision, bool, error) {
	if d := p.Decision; d != nil && d.SamePerson == same && d.Reason == reason {
		return d, false, nil
	}
	d := &Decision{PairKey: p.PairKey, KeyID: r.Keys.ActiveID(), SamePerson: same, Reason: reason, DecidedBy: by,
		DecidedAt: time.Now().UTC(), RunID: p.RunID, Rank: p.Rank}
	return d, true, r.DB.WithContext(ctx).Create(d).Error
}
