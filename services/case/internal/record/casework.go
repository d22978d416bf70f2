package record

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// NoteRequest is a case note.
type NoteRequest struct {
	Class string `json:"class" validate:"required,oneof=ORDINARY SPECIAL RESTRICTED"`
	Body  string `json:"body"  validate:"required,max=20000"`
}

// NoteBody is a note as the caller may see it: the body of a note whose class the caller's
// relationship does not allow is withheld.
type NoteBody struct {
	ID        string    `json:"id"`
	Class     string    `json:"class"`
	Body      *string   `json:"body"`
	Withheld  bool      `json:"withheld,omitempty"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	Change
}

var noteClasses = map[string]policy.FieldClass{
	"ORDINARY":   policy.Ordinary,
	"SPECIAL":    policy.Special,
	"RESTRICTED": policy.Restricted,
}

// FactRequest is a piece of evidence as a professional records it: a fact the Outcomes Plan
// reads (data-contracts.md: a feed's event, or a spell) and the reference of the document
// that shows it.
type FactRequest struct {
	Member      string `json:"member"       validate:"required,memberid"`
	Feed        string `json:"feed"         validate:"required,max=32"`
	Type        string `json:"type"         validate:"required,code"`
	Date        string `json:"date"         validate:"required_without=Start,omitempty,datetime=2006-01-02"`
	Start       string `json:"start"        validate:"omitempty,datetime=2006-01-02"`
	End         string `json:"end"          validate:"omitempty,datetime=2006-01-02"`
	DocumentRef string `json:"document_ref" validate:"required,max=500"`
}

// check reports what the tags cannot: an event type of its feed, an end not before its start.
func (f FactRequest) check(at string) []httpapi.FieldError {
	var errs []httpapi.FieldError
	if !outcomes.KnownEvent(f.Feed, f.Type) {
		errs = append(
			errs,
			httpapi.FieldError{
				Field:   at + "type",
				Message: "must be an event type of the feed (see data-contracts.md)",
			},
		)
	}
	if f.Start != "" && f.End != "" && f.End < f.Start {
		errs = append(errs, httpapi.FieldError{Field: at + "end", Message: "must not be before start"})
	}
	// Evidence is of what has happened: a date after today (London) is a mistake, not a plan.
	today := time.Now().In(outcomes.London).Format(time.DateOnly)
	for _, d := range []struct{ field, value string }{{"date", f.Date}, {"start", f.Start}, {"end", f.End}} {
		if d.value > today {
			errs = append(errs, httpapi.FieldError{Field: at + d.field, Message: "must not be in the future"})
		}
	}
	return errs
}

// body is the fact as recorded, by whom and when.
func (f FactRequest) body(by string, at time.Time) EvidenceBody {
	return EvidenceBody{
		ID:          uuid.NewString(),
		Member:      f.Member,
		Feed:        f.Feed,
		Type:        f.Type,
		Date:        moment(day(f.Date)),
		Start:       moment(day(f.Start)),
		End:         moment(day(f.End)),
		DocumentRef: f.DocumentRef,
		RecordedBy:  by,
		RecordedAt:  at,
	}
}

// fact is the recorded evidence as the engine reads it.
func (e EvidenceBody) fact() outcomes.Fact {
	return outcomes.Fact{
		ID:     "case:" + e.ID,
		Person: e.Member,
		Feed:   e.Feed,
		Type:   e.Type,
		Date:   e.Date,
		Start:  e.Start,
		End:    e.End,
	}
}

// caseworkerFeeds are the feeds a caseworker's own evidence comes from (progress and employment).
var caseworkerFeeds = []string{"caseworker", "employment"}

// EvidenceBody is recorded evidence.
type EvidenceBody struct {
	ID          string           `json:"id"`
	Member      string           `json:"member"`
	Feed        string           `json:"feed"`
	Type        string           `json:"type"`
	Date        *outcomes.Moment `json:"date,omitempty"` // programme dates: YYYY-MM-DD, as they were given
	Start       *outcomes.Moment `json:"start,omitempty"`
	End         *outcomes.Moment `json:"end,omitempty"`
	DocumentRef string           `json:"document_ref"`
	RecordedBy  string           `json:"recorded_by"`
	RecordedAt  time.Time        `json:"recorded_at"`
	Change
}

// CaseEvidence is what tracking reads when it judges: the caseworkers' facts (as the engine
// reads them) and the date the case closed, if it has.
type CaseEvidence struct {
	FamilyID string `json:"family_id"`
	// Members are the case's members as the engine reads them (a referred family has no
	// identification snapshot: these are its members).
	Members    []outcomes.Member `json:"members"`
	Facts      []outcomes.Fact   `json:"facts"`
	CaseClosed *string           `json:"case_closed,omitempty"`
	// Coverage holds the caseworker feed's: the day the case last recorded evidence. The
	// caseworkers' record holds what they knew before it (docs/outcomes.md, evidence gaps).
	Coverage outcomes.Coverage `json:"coverage,omitempty"`
	// Items are the evidence as recorded: the current pieces, or (?include=history) every
	// piece with what replaced or withdrew it. Facts are always the current pieces only.
	Items []EvidenceBody `json:"items"`
}

// StatusRequest moves the case: open, stepped down (to universal services), or closed, with
// a reason and the date it took effect.
type StatusRequest struct {
	Status string `json:"status"      validate:"required,oneof=OPEN STEPPED_DOWN CLOSED"`
	Reason string `json:"reason_code" validate:"required_unless=Status OPEN,omitempty,code"`
	On     string `json:"on"          validate:"required,datetime=2006-01-02"`
}

// caseworkRoutes adds notes, evidence and status, and their corrections and withdrawals.
// Adding, correcting or withdrawing a note or evidence takes an Idempotency-Key, checked
// after the caller is allowed to write the family, so a retry changes nothing twice.
func (a *API) caseworkRoutes(r gin.IRouter, idempotent gin.HandlerFunc) {
	write := a.Guard.RequireFamily(policy.FamilyWrite, "id")
	r.POST("/v1/families/:id/notes", write, idempotent, a.addNote)
	r.GET("/v1/families/:id/notes", a.listNotes)
	r.POST("/v1/families/:id/evidence", write, idempotent, a.addEvidence)
	r.GET("/v1/families/:id/evidence", a.readEvidence)
	r.PUT("/v1/families/:id/status", a.putStatus)
	a.correctionRoutes(r, idempotent)
}

// hasCase answers 404 when the family has no case.
func (a *API) hasCase(c *gin.Context, id uuid.UUID) bool {
	has, err := a.store().HasCase(c, id)
	if err != nil {
		httpapi.Fail(c, a.Log, "hasCase", err)
		return false
	}
	if !has {
		httpapi.NotFound(c, "The family's case (allocate the family first)")
		return false
	}
	return true
}

func (a *API) addNote(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id") // allowed by RequireFamily
	if !ok {
		return
	}
	var req NoteRequest
	if !httpapi.BindJSON(c, &req) || !a.hasCase(c, id) {
		return
	}
	n := NoteBody{
		ID:        uuid.NewString(),
		Class:     req.Class,
		Body:      &req.Body,
		Author:    httpapi.Principal(c).Subject,
		CreatedAt: time.Now().UTC(),
	}
	err := a.store().AddNote(c, id, n)
	if err != nil {
		httpapi.Fail(c, a.Log, "add note", err)
		return
	}
	c.Header("Location", "/v1/families/"+id.String()+"/notes")
	c.JSON(http.StatusCreated, n)
}

func (a *API) listNotes(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	history, ok := withHistory(c)
	if !ok {
		return
	}
	rel, ok := a.Guard.Family(c, policy.FamilyRead, id.String())
	if !ok {
		return
	}
	rows, err := a.store().Notes(c, id)
	if err != nil {
		httpapi.Fail(c, a.Log, "listNotes", err)
		return
	}
	var notes []NoteBody
	p := httpapi.Principal(c)
	for _, r := range rows {
		if !history && !r.current() {
			continue
		}
		n := NoteBody{ID: r.ID, Class: r.Class, Author: r.Author, CreatedAt: r.CreatedAt.UTC(), Change: r.Change}
		// A withdrawn note's body is withheld from everyone: it is kept only for the record.
		if r.WithdrawnAt == nil && policy.FieldVisible(p, noteClasses[r.Class], rel) {
			body := r.Body
			n.Body = &body
		} else {
			n.Withheld = true
		}
		notes = append(notes, n)
	}
	if notes == nil {
		notes = []NoteBody{}
	}
	c.JSON(http.StatusOK, gin.H{"items": notes})
}

// addEvidence records the evidence and tells the family's workflow (by the evidence's id),
// which asks tracking to judge again. The evidence is kept even when the workflow cannot be
// told (503): sending it again tells it.
func (a *API) addEvidence(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id") // allowed by RequireFamily
	if !ok {
		return
	}
	var req FactRequest
	if !httpapi.BindJSON(c, &req) || !a.validEvidence(c, id, req) {
		return
	}
	e := req.body(httpapi.Principal(c).Subject, time.Now().UTC())
	err := a.store().AddEvidence(c, id, e)
	if err != nil {
		httpapi.Fail(c, a.Log, "add evidence", err)
		return
	}
	if !a.tell(c, id, e.ID, e.RecordedAt) {
		return
	}
	c.JSON(http.StatusCreated, e)
}

// validEvidence checks a piece of evidence as the case records it (a fact of the caseworker
// or employment feed, about a member of the family's case), answering 400 or 404 when not.
func (a *API) validEvidence(c *gin.Context, family uuid.UUID, req FactRequest) bool {
	errs := req.check("")
	if !slices.Contains(caseworkerFeeds, req.Feed) {
		errs = append(errs, httpapi.FieldError{Field: "feed", Message: "must be caseworker or employment"})
	}
	if len(errs) > 0 {
		httpapi.Invalid(c, errs...)
		return false
	}
	if !a.hasCase(c, family) {
		return false
	}
	member, err := a.store().IsMember(c, family, req.Member)
	if err != nil {
		httpapi.Fail(c, a.Log, "check evidence", err)
		return false
	}
	if !member {
		httpapi.Invalid(
			c,
			httpapi.FieldError{
				Field:   "member",
				Message: "is not a member of the family (record the member first: PUT .../members)",
			},
		)
		return false
	}
	return true
}

// tell signals the family's workflow that its case evidence changed.
func (a *API) tell(c *gin.Context, family uuid.UUID, ref string, at time.Time) bool {
	wf, _ := contract.FamilyWorkflowID(family.String())
	err := a.Temporal.SignalWorkflow(
		c,
		wf,
		"",
		contract.SignalEvidenceReceived,
		&familypathv1.EvidenceReceived{
			Source:         contract.QueueCase,
			CaseEvidenceId: ref,
			RecordedAt:     timestamppb.New(at),
		},
	)
	var ended *serviceerror.NotFound
	if errors.As(err, &ended) {
		// The family's workflow has ended (paid, withdrawn, closed) or never ran: the change is
		// kept in the case record and there is nothing to move on. Retrying could never help.
		a.Log.InfoContext(c, "no running workflow to tell: the change is recorded only", "family_id", family.String())
		return true
	}
	if err != nil {
		a.Log.ErrorContext(c, "signal family workflow", "family_id", family.String(), "error", err.Error())
		httpapi.Unavailable(c, "Recorded, but the family's workflow could not be told; send it again.")
		return false
	}
	return true
}

// instant is a programme date as the database keeps it (midnight in London), or nil.
func instant(m *outcomes.Moment) *time.Time {
	if m == nil {
		return nil
	}
	t := m.UTC()
	return &t
}

func day(s string) *time.Time {
	if s == "" {
		return nil
	}
	m, err := outcomes.ParseMoment(s) // midnight in London, the programme's calendar
	if err != nil {
		return nil
	}
	t := m.UTC()
	return &t
}

// readEvidence answers the family's case evidence: to tracking's service token (it judges
// with it) and to those who may read the family's record. Audited either way.
func (a *API) readEvidence(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	history, ok := withHistory(c)
	if !ok {
		return
	}
	// Services (tracking judging, claims freezing a pack) read any family's evidence; a person
	// needs the relationship, whatever else their role may read (a data analyst's snapshots).
	p := httpapi.Principal(c)
	if d := policy.Decide(p, policy.EvidenceRead, policy.None); d.Allowed && p.Has(auth.RoleService) {
		if !a.Guard.Record(c, string(policy.EvidenceRead), "family", id.String(), d.Reason) {
			return
		}
	} else if _, ok := a.Guard.Family(c, policy.FamilyRead, id.String()); !ok {
		return
	}
	ev, err := a.caseEvidence(c, id, history)
	if errors.Is(err, ErrNoCase) {
		httpapi.NotFound(c, "The family's case")
		return
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "read evidence", err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, ev)
}

// caseEvidence is the family's case evidence: facts from the current pieces only; the items
// too, or every piece when history is asked for.
func (a *API) caseEvidence(c context.Context, id uuid.UUID, history bool) (*CaseEvidence, error) {
	fam, rows, ms, err := a.store().Evidence(c, id)
	if err != nil {
		return nil, err
	}
	out := &CaseEvidence{
		FamilyID: id.String(),
		Members:  engineMembers(ms),
		Facts:    []outcomes.Fact{},
		Items:    []EvidenceBody{},
	}
	for _, r := range rows {
		e := EvidenceBody{
			ID:          r.ID,
			Member:      r.Member,
			Feed:        r.Feed,
			Type:        r.Type,
			Date:        moment(r.Date),
			Start:       moment(r.StartAt),
			End:         moment(r.EndAt),
			DocumentRef: r.DocumentRef,
			RecordedBy:  r.RecordedBy,
			RecordedAt:  r.RecordedAt.UTC(),
			Change:      r.Change,
		}
		if r.current() {
			out.Facts = append(out.Facts, e.fact())
		}
		if history || r.current() {
			out.Items = append(out.Items, e)
		}
	}
	if n := len(rows); n > 0 { // in recorded order: the last is the latest
		l := rows[n-1].RecordedAt.In(outcomes.London)
		out.Coverage = outcomes.Coverage{"caseworker": outcomes.Date(l.Year(), l.Month(), l.Day())}
	}
	if fam.Status == "CLOSED" && fam.StatusSince != nil {
		s := fam.StatusSince.Format(time.DateOnly)
		out.CaseClosed = &s
	}
	return out, nil
}

// putStatus moves the case; a close (or reopening) reaches the family's workflow, which asks
// tracking to judge again (a plan whose outcomes are sustained after closure starts its
// clocks at the closure date).
func (a *API) putStatus(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	if _, ok := a.Guard.Family(c, policy.FamilyWrite, id.String()); !ok {
		return
	}
	var req StatusRequest
	if !httpapi.BindJSON(c, &req) || !a.hasCase(c, id) {
		return
	}
	by := httpapi.Principal(c).Subject
	err := a.store().SetStatus(c, id, req, by)
	if err != nil {
		httpapi.Fail(c, a.Log, "put status", err)
		return
	}
	if !a.tell(c, id, "status:"+req.Status+":"+req.On, time.Now().UTC()) {
		return
	}
	c.JSON(http.StatusOK, req)
}
