// Package candidates records candidate families and starts their FamilyLifecycle workflows:
// the walking skeleton's path through identification.
package candidates

import (
	"context"
	"errors"
	"time"

	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Candidate is a family identification has recorded. Codes and ids only.
type Candidate struct {
	ID                 uuid.UUID    `gorm:"type:uuid;primaryKey"`
	PlanID             string       `gorm:"not null"`
	EvidenceSnapshotID uuid.UUID    `gorm:"type:uuid;not null"`
	ProblemCodes       db.TextArray `gorm:"type:text[];not null"`
	ReferenceDate      time.Time    `gorm:"type:date;not null"`
	WorkflowID         string       `gorm:"not null"`
	RequestHash        string       `gorm:"not null"`
	Version            int64        `gorm:"not null;default:1"`
	CreatedAt          time.Time    `gorm:"not null"`
	WorkflowStartedAt  *time.Time
}

// TableName puts the table in the service's own schema.
func (Candidate) TableName() string { return "identification.candidate_families" }

// ErrNotFound is returned when no candidate has the id.
var ErrNotFound = errors.New("candidate family not found")

// ErrRequestMismatch is returned when an id is reused for a different request.
var ErrRequestMismatch = errors.New("the id was already used for a different request")

// Store reads and writes candidates.
type Store struct{ DB *gorm.DB }

// Create inserts c, or returns the existing row when the same request created it before
// (retries are safe). A different request with the same id is ErrRequestMismatch.
func (s Store) Create(ctx context.Context, c *Candidate) (*Candidate, error) {
	res := s.DB.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(c)
	if res.Error != nil {
		return nil, res.Error
	}
	existing, err := s.Get(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if existing.RequestHash != c.RequestHash {
		return nil, ErrRequestMismatch
	}
	return existing, nil
}

// Get returns one candidate.
func (s Store) Get(ctx context.Context, id uuid.UUID) (*Candidate, error) {
	var c Candidate
	err := s.DB.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &c, err
}

// MarkWorkflowStarted records when the family's workflow was started (once).
func (s Store) MarkWorkflowStarted(ctx context.Context, id uuid.UUID, at time.Time) error {
	return s.DB.WithContext(ctx).Model(&Candidate{}).
		Where("id = ? AND workflow_started_at IS NULL", id).
		Updates(map[string]any{"workflow_started_at": at, "version": gorm.Expr("version + 1")}).Error
}

// MarkEvidenceDelivered records that the family's workflow was told of snapshot id (its
// latest evidence).
func (s Store) MarkEvidenceDelivered(ctx context.Context, id, snapshot uuid.UUID) error {
	return s.DB.WithContext(ctx).Model(&Candidate{}).Where("id = ?", id).
		Updates(map[string]any{"evidence_snapshot_id": snapshot, "version": gorm.Expr("version + 1")}).Error
}

// Position is where a page of candidates ends (newest first).
type Position struct {
	CreatedAt time.Time `json:"t"`
	ID        uuid.UUID `json:"id"`
}

// List returns up to limit+1 candidates after pos, newest first.
func (s Store) List(ctx context.Context, after *Position, limit int) ([]Candidate, error) {
	q := s.DB.WithContext(ctx).Order("created_at DESC, id DESC").Limit(limit + 1)
	if after != nil {
		q = q.Where("(created_at, id) < (?, ?)", after.CreatedAt, after.ID)
	}
	var out []Candidate
	return out, q.Find(&out).Error
}
