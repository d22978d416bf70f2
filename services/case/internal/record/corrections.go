package record

import (
	"errors"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// A wrong note or piece of evidence is never edited or deleted: it is corrected (a new one
// replaces it, naming it, with the reason) or withdrawn (with the reason). Both stay in the
// record; the record shows the current ones unless the history is asked for, and tracking
// judges with the current evidence only (its workflow is told of every change).

// NoteCorrection replaces a note: its class and body as they should have been, and why.
type NoteCorrection struct {
	NoteRequest
	Reason string `json:"reason" validate:"required,max=2000"`
}

// EvidenceCorrection replaces a piece of evidence: the fact as it should have been, and why.
type EvidenceCorrection struct {
	FactRequest
	Reason string `json:"reason" validate:"required,max=2000"`
}

// Withdrawal withdraws a note or a piece of evidence, with the reason.
type Withdrawal struct {
	Reason string `json:"reason" validate:"required,max=2000"`
}

// Change records what happened to a note or a piece of evidence after it was recorded.
type Change struct {
	Replaces         *string    `json:"replaces,omitempty"`
	CorrectionReason *string    `json:"correction_reason,omitempty"`
	ReplacedBy       *string    `json:"replaced_by,omitempty"`
	WithdrawnAt      *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawnBy      *string    `json:"withdrawn_by,omitempty"`
	WithdrawalReason *string    `json:"withdrawal_reason,omitempty"`
}

// current says whether it still stands: neither replaced nor withdrawn.
func (ch Change) current() bool { return ch.ReplacedBy == nil && ch.WithdrawnAt == nil }

// correctionRoutes adds the corrections and withdrawals, each taking an Idempotency-Key.
func (a *API) correctionRoutes(r gin.IRouter, idempotent gin.HandlerFunc) {
	write := a.Guard.RequireFamily(policy.FamilyWrite, "id")
	r.POST("/v1/families/:id/notes/:item/correction", write, idempotent, a.correctNote)
	r.POST("/v1/families/:id/notes/:item/withdrawal", write, idempotent, a.withdrawNote)
	r.POST("/v1/families/:id/evidence/:item/correction", write, idempotent, a.correctEvidence)
	r.POST("/v1/families/:id/evidence/:item/withdrawal", write, idempotent, a.withdrawEvidence)
}

// changeable is the table a note or a piece of evidence lives in, what it is called, and
// how the record's history names it.
type changeable struct{ table, noun, kind, idField string }

var (
	notesTable    = changeable{`"case".notes`, "note", "NOTE", "note_id"}
	evidenceTable = changeable{`"case".evidence`, "piece of evidence", "EVIDENCE", "evidence_id"}
)

// errGone is a note or a piece of evidence already replaced or withdrawn.
var errGone = errors.New("already replaced or withdrawn")

// changeFailed answers a change that could not be made: 404, 409 (no longer stands), or the
// failure as Fail classifies it.
func (a *API) changeFailed(c *gin.Context, t changeable, what string, err error) {
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		httpapi.NotFound(c, "The family's "+t.noun)
	case errors.Is(err, errGone):
		httpapi.Abort(
			c,
			httpapi.Problem{Type: httpapi.TypeConflict, Status: http.StatusConflict, Title: "No longer current",
				Detail: "The " + t.noun + " has been replaced or withdrawn: change the one that replaced it (list them with ?include=history)."},
		)
	default:
		httpapi.Fail(c, a.Log, what, err)
	}
}

// itemOf reads the family and the item from the path; false when either is not a UUID (the
// answer given).
func itemOf(c *gin.Context) (family, item uuid.UUID, ok bool) {
	if family, ok = httpapi.PathUUID(c, "id"); !ok { // allowed by RequireFamily
		return
	}
	item, ok = httpapi.PathUUID(c, "item")
	return
}

func (a *API) correctNote(c *gin.Context) {
	family, old, ok := itemOf(c)
	if !ok {
		return
	}
	var req NoteCorrection
	if !httpapi.BindJSON(c, &req) || !a.hasCase(c, family) {
		return
	}
	by, at := httpapi.Principal(c).Subject, time.Now().UTC()
	reason, was := req.Reason, old.String()
	n := NoteBody{ID: uuid.NewString(), Class: req.Class, Body: &req.Body, Author: by, CreatedAt: at,
		Change: Change{Replaces: &was, CorrectionReason: &reason}}
	err := a.store().CorrectNote(c, family, old, n)
	if err != nil {
		a.changeFailed(c, notesTable, "correct note", err)
		return
	}
	c.Header("Location", "/v1/families/"+family.String()+"/notes")
	c.JSON(http.StatusCreated, n)
}

func (a *API) withdrawNote(c *gin.Context) {
	// A withdrawn note's body is withheld from everyone: it is kept only for the record.
	if w, ok := a.withdrawItem(c, notesTable); ok {
		c.JSON(http.StatusOK, w.answer())
	}
}

// withdrawn is an item just withdrawn, of a family.
type withdrawn struct {
	family, item uuid.UUID
	change       Change
}

// answer is a withdrawal's answer, the same for a note and a piece of evidence: the item, when,
// by whom and why (the Withdrawn schema).
func (w withdrawn) answer() gin.H {
	return gin.H{"id": w.item.String(), "withdrawn_at": w.change.WithdrawnAt, "withdrawn_by": w.change.WithdrawnBy,
		"withdrawal_reason": w.change.WithdrawalReason}
}

// withdrawItem withdraws the family's item named in the path, with the request's reason, and
// records it in the record's history; false when it could not (the answer given).
func (a *API) withdrawItem(c *gin.Context, t changeable) (withdrawn, bool) {
	family, item, ok := itemOf(c)
	if !ok {
		return withdrawn{}, false
	}
	var req Withdrawal
	if !httpapi.BindJSON(c, &req) || !a.hasCase(c, family) {
		return withdrawn{}, false
	}
	by, at := httpapi.Principal(c).Subject, time.Now().UTC()
	err := a.store().Withdraw(c, t, family, item, by, req.Reason, at)
	if err != nil {
		a.changeFailed(c, t, "withdraw "+t.noun, err)
		return withdrawn{}, false
	}
	return withdrawn{family, item, Change{WithdrawnAt: &at, WithdrawnBy: &by, WithdrawalReason: &req.Reason}}, true
}

// correctEvidence replaces a piece of evidence, checked as new evidence is, and tells the
// family's workflow, which has tracking judge again with the corrected fact.
func (a *API) correctEvidence(c *gin.Context) {
	family, old, ok := itemOf(c)
	if !ok {
		return
	}
	var req EvidenceCorrection
	if !httpapi.BindJSON(c, &req) || !a.validEvidence(c, family, req.FactRequest) {
		return
	}
	e := req.body(httpapi.Principal(c).Subject, time.Now().UTC())
	was, reason := old.String(), req.Reason
	e.Change = Change{Replaces: &was, CorrectionReason: &reason}
	err := a.store().CorrectEvidence(c, family, old, e)
	if err != nil {
		a.changeFailed(c, evidenceTable, "correct evidence", err)
		return
	}
	if !a.tell(c, family, e.ID, e.RecordedAt) {
		return
	}
	c.JSON(http.StatusCreated, e)
}

// withdrawEvidence withdraws a piece of evidence and tells the family's workflow: tracking
// judges again without it.
func (a *API) withdrawEvidence(c *gin.Context) {
	w, ok := a.withdrawItem(c, evidenceTable)
	if !ok || !a.tell(c, w.family, "withdrawn:"+w.item.String(), *w.change.WithdrawnAt) {
		return
	}
	c.JSON(http.StatusOK, w.answer())
}

// withHistory says whether the caller asked for replaced and withdrawn items too
// (?include=history); false and answered 400 for any other include.
func withHistory(c *gin.Context) (history, ok bool) {
	switch c.Query("include") {
	case "":
		return false, true
	case "history":
		return true, true
	}
	httpapi.Invalid(c, httpapi.FieldError{Field: "include", Message: "must be history, or left out"})
	return false, false
}
