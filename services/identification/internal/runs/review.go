package runs

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/linkage"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/services/identification/internal/review"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

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

func pairBody(p *review.Pair) PairBody {
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
func (a *API) rankedPair(c *gin.Context) (*review.Pair, bool) {
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
	if errors.Is(err, review.ErrPairNotFound) {
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
