// Package runs is the identification run's record and its API: runs, the families each found
// with their evidence snapshots, the fan-out that tells every eligible family's
// FamilyLifecycle workflow, the review queue's HTTP side, and subject access over what runs
// kept. Linking a run (internal/linking) writes what this package reads; reviewers' decisions
// are kept by internal/review.
package runs

import (
	"context"
	"errors"
	"time"

	"github.com/familypath/familypath/pkg/platform/db"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Run statuses.
const (
	StatusRunning   = "RUNNING"
	StatusLinked    = "LINKED"
	StatusCompleted = "COMPLETED"
)

// Run is one identification run. Ids, codes and counts only.
type Run struct {
	ID                       uuid.UUID    `gorm:"type:uuid;primaryKey"`
	PlanID                   string       `gorm:"not null"`
	PlanVersion              string       `gorm:"not null"`
	ReferenceDate            time.Time    `gorm:"type:date;not null"`
	UploadIDs                db.TextArray `gorm:"column:upload_ids;type:uuid[];not null"`
	Status                   string       `gorm:"not null"`
	WorkflowID               string       `gorm:"not null"`
	RequestHash              string       `gorm:"not null"`
	RequestedBy              string       `gorm:"not null"`
	KeyID                    *string
	Records                  *int64
	People                   *int64
	Households               *int64
	Families                 *int64
	Eligible                 *int64
	EligibleNotOpenToService *int64 `gorm:"column:eligible_not_open_to_service"`
	ReviewPairs              *int64
	Changed                  *int64
	Started, Signalled       int64
	Unchanged, Closed        int64
	CreatedAt                time.Time `gorm:"not null"`
	LinkedAt, FinishedAt     *time.Time
}

// TableName puts the table in the service's own schema.
func (Run) TableName() string { return "identification.runs" }

// ErrNotFound is returned when no run has the id.
var ErrNotFound = errors.New("identification run not found")

// ErrRequestMismatch is returned when a run's id is reused for a different request.
var ErrRequestMismatch = errors.New("the id was already used for a different request")

// Store reads and writes runs.
type Store struct{ DB *gorm.DB }

// Create inserts r, or returns the run the same request created before.
func (s Store) Create(ctx context.Context, r *Run) (*Run, error) {
	if err := s.DB.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(r).Error; err != nil {
		return nil, err
	}
	got, err := s.Get(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	if got.RequestHash != r.RequestHash {
		return nil, ErrRequestMismatch
	}
	return got, nil
}

// Get returns one run.
func (s Store) Get(ctx context.Context, id uuid.UUID) (*Run, error) {
	var r Run
	err := s.DB.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &r, err
}

// Position is where a page of runs ends (newest first).
type Position struct {
	CreatedAt time.Time `json:"t"`
	ID        uuid.UUID `json:"id"`
}

// List returns up to limit+1 runs after pos, newest first.
func (s Store) List(ctx context.Context, after *Position, limit int) ([]Run, error) {
	q := s.DB.WithContext(ctx).Order("created_at DESC, id DESC").Limit(limit + 1)
	if after != nil {
		q = q.Where("(created_at, id) < (?, ?)", after.CreatedAt, after.ID)
	}
	var out []Run
	return out, q.Find(&out).Error
}

// Finish records the fan-out's counts and completes the run (once).
func (s Store) Finish(
	ctx context.Context,
	id uuid.UUID,
	started, signalled, unchanged, closed int64,
	at time.Time,
) error {
	return s.DB.WithContext(ctx).Model(&Run{}).Where("id = ? AND status = ?", id, StatusLinked).
		Updates(map[string]any{"status": StatusCompleted, "started": started, "signalled": signalled, "unchanged": unchanged,
			"closed": closed, "finished_at": at}).
		Error
}

// Family is a run's family as judged, with what the fan-out did for it.
type Family struct {
	RunID              uuid.UUID    `gorm:"type:uuid;primaryKey"`
	FamilyID           uuid.UUID    `gorm:"type:uuid;primaryKey"`
	Members            int          `gorm:"not null"`
	Eligible           bool         `gorm:"not null"`
	OpenToService      bool         `gorm:"not null"`
	ProblemCodes       db.TextArray `gorm:"type:text[];not null"`
	EvidenceSnapshotID *uuid.UUID   `gorm:"type:uuid"`
	Changed            bool         `gorm:"not null"`
	Fanout             string       `gorm:"not null"`
	JoinedBy           db.TextArray `gorm:"type:text[];not null"`
}

// TableName puts the table in the service's own schema.
func (Family) TableName() string { return "identification.run_families" }

// Fan-out outcomes of a run's family.
const (
	FanoutPending     = "PENDING"
	FanoutStarted     = "STARTED"
	FanoutSignalled   = "SIGNALLED"
	FanoutUnchanged   = "UNCHANGED"
	FanoutClosed      = "CLOSED"
	FanoutNotEligible = "NOT_ELIGIBLE"
)

// FamilyFilter selects a run's families.
type FamilyFilter struct {
	Eligible, OpenToService *bool
}

// Families returns up to limit+1 of a run's families after a family id, in id order.
func (s Store) Families(
	ctx context.Context,
	run uuid.UUID,
	f FamilyFilter,
	after *uuid.UUID,
	limit int,
) ([]Family, error) {
	q := s.DB.WithContext(ctx).Where("run_id = ?", run).Order("family_id").Limit(limit + 1)
	if f.Eligible != nil {
		q = q.Where("eligible = ?", *f.Eligible)
	}
	if f.OpenToService != nil {
		q = q.Where("open_to_service = ?", *f.OpenToService)
	}
	if after != nil {
		q = q.Where("family_id > ?", *after)
	}
	var out []Family
	return out, q.Find(&out).Error
}

// FamilyChange is how a run changed a family it found before: merged, split, members moved.
type FamilyChange struct {
	FamilyID      string  `json:"family_id"`
	Kind          string  `json:"kind"`
	OtherFamilyID *string `json:"other_family_id,omitempty"`
	People        int     `json:"people"`
	Explanation   string  `json:"explanation"`
}

// FamilyChanges are the run's changes to families found before (not new ones), a page of
// limit from offset, in family order.
func (s Store) FamilyChanges(ctx context.Context, run uuid.UUID, offset, limit int) ([]FamilyChange, error) {
	var rows []FamilyChange
	err := s.DB.WithContext(ctx).Raw(`SELECT family_id::text, kind, other_family_id::text, people, explanation
		FROM identification.family_changes WHERE run_id = ? AND kind <> 'NEW' ORDER BY family_id, kind, other_family_id
		OFFSET ? LIMIT ?`, run, offset, limit).Scan(&rows).Error
	return rows, err
}

// Recognitions are the run's households that hold people of a family the programme held
// before, certain ones first, a page of limit from offset.
func (s Store) Recognitions(ctx context.Context, run uuid.UUID, offset, limit int) ([]RecognitionBody, error) {
	var rows []RecognitionBody
	err := s.DB.WithContext(ctx).
		Raw(`SELECT family_id::text, known_family_id::text, matched, partial, certain, family_id = known_family_id AS same_family
		FROM identification.run_recognitions WHERE run_id = ? ORDER BY certain DESC, family_id OFFSET ? LIMIT ?`, run, offset, limit).
		Scan(&rows).
		Error
	return rows, err
}

// PeopleKnownBy are the people whose records runs kept under any of the pseudonyms.
func (s Store) PeopleKnownBy(ctx context.Context, pseudonyms [][]byte) ([]string, error) {
	var ids []string
	err := s.DB.WithContext(ctx).
		Raw(`SELECT DISTINCT person_id::text FROM identification.person_keys WHERE pseudonym IN ? ORDER BY 1`, pseudonyms).
		Scan(&ids).
		Error
	return ids, err
}

// FamiliesOf are the families any run found the people in.
func (s Store) FamiliesOf(ctx context.Context, people []string) ([]string, error) {
	var ids []string
	err := s.DB.WithContext(ctx).
		Raw(`SELECT DISTINCT family_id::text FROM identification.family_members WHERE person_id::text IN ? ORDER BY 1`, people).
		Scan(&ids).
		Error
	return ids, err
}

// LinksOf are the links runs made to or from the rows at places (upload, row number), as
// rows of a subject access export.
func (s Store) LinksOf(ctx context.Context, places [][]any) ([]map[string]any, error) {
	var links []map[string]any
	err := s.DB.WithContext(ctx).
		Raw(`SELECT run_id::text, upload_a::text, row_a, upload_b::text, row_b, weight, levels::int[] AS levels, linked_by
		FROM identification.run_links WHERE (upload_a::text, row_a) IN ? OR (upload_b::text, row_b) IN ? ORDER BY run_id, upload_a, row_a, upload_b, row_b`, places, places).
		Scan(&links).
		Error
	return links, err
}

// CountsOf is a linked run's counts as kept.
func CountsOf(r *Run) *familypathv1.RunCounts {
	v := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	return &familypathv1.RunCounts{
		Records:    v(r.Records),
		People:     v(r.People),
		Households: v(r.Households),
		Families:   v(r.Families),
		Eligible: v(
			r.Eligible,
		),
		EligibleNotOpenToService: v(r.EligibleNotOpenToService),
		ReviewPairs:              v(r.ReviewPairs),
		Changed:                  v(r.Changed),
	}
}
