package candidates

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/proto/contract"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
)

// API serves the candidate-family routes.
type API struct {
	Store      Store
	Lifecycles Lifecycles
	Guard      *httpapi.Guard
	Log        *slog.Logger
}

// Routes adds the routes; create needs the idempotency middleware. Candidate families are
// identification's own work (data analysts); a family's lifecycle is also part of its case
// record, so the family's caseworkers may read it too.
func (a *API) Routes(r gin.IRouter, idempotent gin.HandlerFunc) {
	analysts := a.Guard.Require(policy.IdentifyRun)
	r.POST("/v1/candidate-families", analysts, idempotent, a.create)
	r.GET("/v1/candidate-families", analysts, a.list)
	r.GET("/v1/candidate-families/:id", analysts, a.get)
	r.GET("/v1/candidate-families/:id/lifecycle", a.lifecycle)
}

// mayReadLifecycle lets data analysts, and those the policy lets read the family's record,
// read its lifecycle; either way the read is audited. The id is checked before the family
// is looked up, so a refusal does not tell whether the family exists.
func (a *API) mayReadLifecycle(c *gin.Context) bool {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		httpapi.Invalid(c, httpapi.FieldError{Field: "id", Message: "must be a UUID"})
		return false
	}
	if d := policy.Decide(httpapi.Principal(c), policy.IdentifyRun, policy.None); d.Allowed {
		return a.Guard.Record(c, string(policy.FamilyRead), "family", id.String(), d.Reason)
	}
	_, ok := a.Guard.Family(c, policy.FamilyRead, id.String())
	return ok
}

// CreateRequest records a candidate family (synthetic until identification runs link people).
type CreateRequest struct {
	PlanID        string   `json:"plan_id" validate:"required,min=3,max=64,planid"`
	ReferenceDate string   `json:"reference_date" validate:"required,datetime=2006-01-02"`
	ProblemCodes  []string `json:"problem_codes" validate:"required,min=2,max=20,unique,dive,problemcode"`
}

// CandidateBody is a candidate family as the API shows it.
type CandidateBody struct {
	ID                 string     `json:"id"`
	PlanID             string     `json:"plan_id"`
	ReferenceDate      string     `json:"reference_date"`
	ProblemCodes       []string   `json:"problem_codes"`
	EvidenceSnapshotID string     `json:"evidence_snapshot_id"`
	WorkflowID         string     `json:"workflow_id"`
	CreatedAt          time.Time  `json:"created_at"`
	WorkflowStartedAt  *time.Time `json:"workflow_started_at,omitempty"`
}

func body(c *Candidate) CandidateBody {
	return CandidateBody{
		ID: c.ID.String(), PlanID: c.PlanID, ReferenceDate: c.ReferenceDate.Format(time.DateOnly),
		ProblemCodes: c.ProblemCodes, EvidenceSnapshotID: c.EvidenceSnapshotID.String(),
		WorkflowID: c.WorkflowID, CreatedAt: c.CreatedAt.UTC(), WorkflowStartedAt: c.WorkflowStartedAt,
	}
}

// idNamespace derives candidate ids from idempotency keys, so that a retried request
// (even after Redis lost its record) finds the row it created instead of making another.
var idNamespace = uuid.MustParse("5b0f7c1e-3d5a-4f7e-9a41-6d1c2b8e9f30")

func (a *API) create(c *gin.Context) {
	var req CreateRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	ref, _ := time.Parse(time.DateOnly, req.ReferenceDate)
	codes := slices.Clone(req.ProblemCodes)
	slices.Sort(codes)
	sum := sha256.Sum256([]byte(req.PlanID + "|" + req.ReferenceDate + "|" + strings.Join(codes, ",")))

	id := uuid.NewSHA1(idNamespace, []byte(c.GetHeader(httpapi.HeaderIdempotencyKey)))
	wfID, err := contract.FamilyWorkflowID(id.String())
	if err != nil {
		httpapi.Internal(c)
		return
	}
	cand, err := a.Store.Create(c, &Candidate{
		ID: id, PlanID: req.PlanID, EvidenceSnapshotID: uuid.NewSHA1(id, []byte("evidence")), ProblemCodes: codes,
		ReferenceDate: ref, WorkflowID: wfID, RequestHash: hex.EncodeToString(sum[:]), CreatedAt: time.Now().UTC(),
	})
	if errors.Is(err, ErrRequestMismatch) {
		httpapi.Abort(c, httpapi.Problem{Type: httpapi.TypeIdempotency, Status: http.StatusUnprocessableEntity,
			Title: "Idempotency-Key reused", Detail: "This key was used for a different request; use a new key for a new request."})
		return
	}
	if err != nil {
		a.Log.ErrorContext(c, "record candidate family", "error", err.Error())
		httpapi.Internal(c)
		return
	}
	if err := a.Lifecycles.Start(c, cand); err != nil {
		// The row stands; a retry with the same key starts the workflow (or finds it started).
		a.Log.ErrorContext(c, "start family workflow", "family_id", cand.ID.String(), "error", err.Error())
		httpapi.Unavailable(c, "The family was recorded but its workflow could not be started; retry with the same Idempotency-Key.")
		return
	}
	now := time.Now().UTC()
	if cand.WorkflowStartedAt == nil {
		if err := a.Store.MarkWorkflowStarted(c, cand.ID, now); err != nil {
			a.Log.WarnContext(c, "mark workflow started", "family_id", cand.ID.String(), "error", err.Error())
		}
		cand.WorkflowStartedAt, cand.Version = &now, cand.Version+1
	}
	c.Header("Location", "/v1/candidate-families/"+cand.ID.String())
	httpapi.SetETag(c, cand.Version)
	c.JSON(http.StatusCreated, body(cand))
}

func (a *API) candidate(c *gin.Context) (*Candidate, bool) {
	return httpapi.ByID(c, a.Log, "Candidate family", a.Store.Get, ErrNotFound)
}

func (a *API) get(c *gin.Context) {
	cand, ok := a.candidate(c)
	if !ok {
		return
	}
	httpapi.SetETag(c, cand.Version)
	c.JSON(http.StatusOK, body(cand))
}

func (a *API) list(c *gin.Context) {
	page, ok := httpapi.ParsePage(c)
	if !ok {
		return
	}
	after, ok := httpapi.After[Position](c, page)
	if !ok {
		return
	}
	rows, err := a.Store.List(c, after, page.Limit)
	if err != nil {
		a.Log.ErrorContext(c, "list candidate families", "error", err.Error())
		httpapi.Internal(c)
		return
	}
	bodies := make([]CandidateBody, len(rows))
	for i := range rows {
		bodies[i] = body(&rows[i])
	}
	c.JSON(http.StatusOK, httpapi.NewPage(bodies, page.Limit, func(b CandidateBody) any {
		id, _ := uuid.Parse(b.ID)
		return Position{CreatedAt: b.CreatedAt, ID: id}
	}))
}

// LifecycleBody is the family workflow's state as the API shows it.
type LifecycleBody struct {
	FamilyID              string   `json:"family_id"`
	WorkflowID            string   `json:"workflow_id"`
	Phase                 string   `json:"phase"`
	PlanID                string   `json:"plan_id"`
	ProblemCodes          []string `json:"problem_codes"`
	WaitingFor            string   `json:"waiting_for"`
	EvidenceReceivedCount int32    `json:"evidence_received_count"`
}

func (a *API) lifecycle(c *gin.Context) {
	if !a.mayReadLifecycle(c) {
		return
	}
	cand, ok := a.candidate(c)
	if !ok {
		return
	}
	st, err := a.Lifecycles.State(c, cand.WorkflowID)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		httpapi.NotFound(c, "Family workflow")
		return
	}
	if err != nil {
		a.Log.ErrorContext(c, "query family workflow", "family_id", cand.ID.String(), "error", err.Error())
		httpapi.Unavailable(c, "The family's workflow did not answer; retry shortly.")
		return
	}
	codes := st.GetProblemCodes()
	if codes == nil {
		codes = []string{}
	}
	c.JSON(http.StatusOK, LifecycleBody{
		FamilyID: st.GetFamilyId(), WorkflowID: cand.WorkflowID, Phase: PhaseName(st.GetPhase().String()), PlanID: st.GetPlanId(),
		ProblemCodes: codes, WaitingFor: st.GetWaitingFor(), EvidenceReceivedCount: st.GetEvidenceReceivedCount(),
	})
}

// PhaseName turns FAMILY_PHASE_IDENTIFIED into IDENTIFIED, the API's enum style.
func PhaseName(enum string) string { return strings.TrimPrefix(enum, "FAMILY_PHASE_") }
