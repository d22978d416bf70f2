package runs

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/linkage"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Review reads runs' review queues and keeps reviewers' decisions.
type Review struct {
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
func (r Review) Queue(ctx context.Context, run uuid.UUID, after, limit int) ([]Pair, error) {
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
func (r Review) Get(ctx context.Context, run uuid.UUID, rank int) (*Pair, error) {
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
func (r Review) Decide(ctx context.Context, p *Pair, same bool, reason, by string) (*Decision, bool, error) {
	if d := p.Decision; d != nil && d.SamePerson == same && d.Reason == reason {
		return d, false, nil
	}
	d := &Decision{PairKey: p.PairKey, KeyID: r.Keys.ActiveID(), SamePerson: same, Reason: reason, DecidedBy: by,
		DecidedAt: time.Now().UTC(), RunID: p.RunID, Rank: p.Rank}
	return d, true, r.DB.WithContext(ctx).Create(d).Error
}

// PairBody is a pair of the review queue without personal data.
type PairBody struct {
	Rank        int               `json:"rank"`
	Value       int               `json:"value"`
	Probability float64           `json:"probability"`
	Weight      float64           `json:"weight"`
	A           RecordRef         `json:"a"`
	B           RecordRef         `json:"b"`
	Levels      map[string]string `json:"agreement"`
	Decision    *DecisionBody     `json:"decision,omitempty"`
}

// RecordRef is a record by its place, and who it was found to be.
type RecordRef struct {
	UploadID string `json:"upload_id"`
	Row      int    `json:"row"`
	PersonID string `json:"person_id"`
	FamilyID string `json:"family_id,omitempty"`
}

// DecisionBody is a decision as the API shows it.
type DecisionBody struct {
	Decision  string    `json:"decision"`
	Reason    string    `json:"reason,omitempty"`
	DecidedBy string    `json:"decided_by"`
	DecidedAt time.Time `json:"decided_at"`
}

var fieldNames = [linkage.NumFields]string{"forename", "surname", "dob", "postcode", "sex", "identifier"}
var levelNames = [linkage.NumLevels]string{"exact", "close", "partial", "differ", "missing"}

func pairBody(p *Pair) PairBody {
	ref := func(u uuid.UUID, row int, person uuid.UUID, family *uuid.UUID) RecordRef {
		r := RecordRef{UploadID: u.String(), Row: row, PersonID: person.String()}
		if family != nil {
			r.FamilyID = family.String()
		}
		return r
	}
	b := PairBody{
		Rank:        p.Rank,
		Value:       p.Value,
		Probability: p.Probability,
		Weight:      p.Weight,
		Levels:      map[string]string{},
		A:           ref(p.UploadA, p.RowA, p.PersonA, p.FamilyA),
		B:           ref(p.UploadB, p.RowB, p.PersonB, p.FamilyB),
	}
	for f, l := range p.Levels {
		if f < len(fieldNames) && int(l) < len(levelNames) && l >= 0 {
			b.Levels[fieldNames[f]] = levelNames[l]
		}
	}
	if d := p.Decision; d != nil {
		b.Decision = &DecisionBody{
			Decision:  decisionName(d.SamePerson),
			Reason:    d.Reason,
			DecidedBy: d.DecidedBy,
			DecidedAt: d.DecidedAt.UTC(),
		}
	}
	return b
}

func decisionName(same bool) string {
	if same {
		return "same"
	}
	return "different"
}

func (a *API) changes(c *gin.Context) {
	run, page, offset, ok := a.runPage(c)
	if !ok {
		return
	}
	rows, err := a.Store.FamilyChanges(c, run.ID, offset, page.Limit+1)
	if err != nil {
		httpapi.Fail(c, a.Log, "list family changes", err)
		return
	}
	c.JSON(http.StatusOK, httpapi.NewPage(rows, page.Limit, func(FamilyChange) any { return offset + page.Limit }))
}

func (a *API) queue(c *gin.Context) {
	run, page, from, ok := a.runPage(c)
	if !ok {
		return
	}
	pairs, err := a.Review.Queue(c, run.ID, from, page.Limit)
	if err != nil {
		httpapi.Fail(c, a.Log, "read review queue", err)
		return
	}
	bodies := make([]PairBody, len(pairs))
	for i := range pairs {
		bodies[i] = pairBody(&pairs[i])
	}
	c.JSON(http.StatusOK, httpapi.NewPage(bodies, page.Limit, func(b PairBody) any { return b.Rank }))
}

// rankedPair reads the pair the path names.
func (a *API) rankedPair(c *gin.Context) (*Pair, bool) {
	run, ok := a.run(c)
	if !ok {
		return nil, false
	}
	rank, err := strconv.Atoi(c.Param("rank"))
	if err != nil || rank < 1 {
		httpapi.Invalid(c, httpapi.FieldError{Field: "rank", Message: "must be a whole number from 1"})
		return nil, false
	}
	p, err := a.Review.Get(c, run.ID, rank)
	if errors.Is(err, ErrPairNotFound) {
		httpapi.NotFound(c, "Review pair")
		return nil, false
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "read review pair", err)
		return nil, false
	}
	return p, true
}

// RecordBody is one record of a pair, whole, for the reviewer deciding it.
type RecordBody struct {
	Feed         string `json:"feed"`
	Row          int    `json:"row"`
	Identifier   string `json:"identifier,omitempty"`
	Forename     string `json:"forename,omitempty"`
	Surname      string `json:"surname,omitempty"`
	DOB          string `json:"dob,omitempty"`
	Sex          string `json:"sex,omitempty"`
	AddressLine1 string `json:"address_line1,omitempty"`
	AddressLine2 string `json:"address_line2,omitempty"`
	Town         string `json:"town,omitempty"`
	Postcode     string `json:"postcode,omitempty"`
	EventType    string `json:"event_type,omitempty"`
}

// pair answers a pair with both records in full, for the reviewer: personal data, so the
// read is in the audit trail first, and the answer is not cached.
func (a *API) pair(c *gin.Context) {
	p, ok := a.rankedPair(c)
	if !ok {
		return
	}
	if !a.Guard.Record(
		c,
		string(policy.ReviewDecide),
		"review_pair",
		p.RunID.String()+"/"+strconv.Itoa(p.Rank),
		"reviewer reads a pair to decide it",
	) {
		return
	}
	var recs [2]RecordBody
	for i, ref := range [2]struct {
		upload uuid.UUID
		row    int
	}{{p.UploadA, p.RowA}, {p.UploadB, p.RowB}} {
		r, feed, err := a.Extracts.Row(c, ref.upload, ref.row)
		if err != nil {
			// The upload may have passed its retention period since the run.
			a.Log.WarnContext(c, "read a review pair's record", "error", err.Error())
			httpapi.NotFound(c, "The pair's record (its upload may have been removed)")
			return
		}
		recs[i] = RecordBody{
			Feed:         feed,
			Row:          r.Row,
			Identifier:   r.SourceID,
			Forename:     r.Forename,
			Surname:      r.Surname,
			DOB:          r.DOB,
			Sex:          r.Sex,
			AddressLine1: r.AddressLine1,
			AddressLine2: r.AddressLine2,
			Town:         r.Town,
			Postcode:     r.Postcode,
			EventType:    r.EventType,
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, struct {
		PairBody
		Records [2]RecordBody `json:"records"`
	}{pairBody(p), recs})
}

// DecisionRequest is a reviewer's decision about a pair.
type DecisionRequest struct {
	Decision string `json:"decision" validate:"required,oneof=same different"`
	Reason   string `json:"reason"   validate:"max=500"`
}

// decide keeps a reviewer's decision: it wins over any score in every later run. The same
// decision again answers 200 and keeps nothing new; a changed one is kept beside the old.
func (a *API) decide(c *gin.Context) {
	p, ok := a.rankedPair(c)
	if !ok {
		return
	}
	var req DecisionRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	if !a.Guard.Record(
		c,
		string(policy.ReviewDecide),
		"review_pair",
		p.RunID.String()+"/"+strconv.Itoa(p.Rank),
		"reviewer decides "+req.Decision,
	) {
		return
	}
	d, fresh, err := a.Review.Decide(c, p, req.Decision == "same", req.Reason, httpapi.Principal(c).Subject)
	if err != nil {
		httpapi.Fail(c, a.Log, "keep review decision", err)
		return
	}
	p.Decision = d
	status := http.StatusOK
	if fresh {
		status = http.StatusCreated
	}
	c.JSON(status, pairBody(p))
}
