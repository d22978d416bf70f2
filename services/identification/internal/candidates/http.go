package candidates

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/identification/internal/evidence"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// API serves the candidate-family routes.
type API struct {
	Store      Store
	Evidence   evidence.Store
	Plans      *outcomes.Plans
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
	r.GET("/v1/candidate-families/:id/members", a.members)
	r.POST("/v1/candidate-families/:id/evidence", analysts, a.refresh)
}

// mayReadLifecycle lets data analysts, and those the policy lets read the family's record,
// read its lifecycle; either way the read is audited. The id is checked before the family
// is looked up, so a refusal does not tell whether the family exists.
func (a *API) mayReadLifecycle(c *gin.Context) bool {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return false
	}
	if d := policy.Decide(httpapi.Principal(c), policy.IdentifyRun, policy.None); d.Allowed {
		return a.Guard.Record(c, string(policy.FamilyRead), "family", id.String(), d.Reason)
	}
	_, ok = a.Guard.Family(c, policy.FamilyRead, id.String())
	return ok
}

// CreateRequest records a candidate family from its evidence (the members and evidence rows
// an analyst's matching found; identification runs will send the same): identification
// judges eligibility at the reference date with the plan's latest version.
type CreateRequest struct {
	PlanID string `json:"plan_id" validate:"required,min=3,max=64,planid"`
	EvidenceRequest
}

// EvidenceRequest is new evidence for a recorded family (a data refresh).
type EvidenceRequest struct {
	ReferenceDate string            `json:"reference_date" validate:"required,datetime=2006-01-02"`
	Members       []outcomes.Member `json:"members"        validate:"required"`
	Facts         []outcomes.Fact   `json:"facts"          validate:"required"`
	// Coverage is how far each feed's data reaches (per feed the as-of date of the extract
	// the facts came from; docs/outcomes.md): without it the absence of events shows nothing.
	Coverage outcomes.Coverage `json:"coverage"`
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

// bindEvidence reads a request carrying evidence and checks the evidence field by field.
func bindEvidence(c *gin.Context, req any, ev *EvidenceRequest) (*evidence.Content, bool) {
	if !httpapi.BindJSON(c, req) {
		return nil, false
	}
	content := &evidence.Content{Members: ev.Members, Facts: ev.Facts, Coverage: ev.Coverage}
	if errs := content.Check(time.Now()); len(errs) > 0 {
		httpapi.Invalid(c, errs...)
		return nil, false
	}
	return content, true
}

// snapshot keeps the content as the family's latest evidence snapshot, with the problems the
// plan finds in it at the reference date.
func (a *API) snapshot(
	c *gin.Context,
	family uuid.UUID,
	plan *outcomes.Plan,
	ref time.Time,
	elig outcomes.EligibilityResult,
	content *evidence.Content,
) (*evidence.Snapshot, error) {
	return a.Evidence.Record(
		c,
		&evidence.Snapshot{FamilyID: family, PlanID: plan.ID, PlanVersion: plan.Key(), ReferenceDate: ref,
			ProblemCodes: elig.Codes(), RecordedBy: httpapi.Principal(c).Subject},
		content,
	)
}

func (a *API) create(c *gin.Context) {
	var req CreateRequest
	content, ok := bindEvidence(c, &req, &req.EvidenceRequest)
	if !ok {
		return
	}
	plan, ok := a.Plans.Latest(req.PlanID)
	if !ok {
		httpapi.Invalid(c, httpapi.FieldError{Field: "plan_id", Message: "is not a published plan"})
		return
	}
	ref, _ := time.Parse(time.DateOnly, req.ReferenceDate)
	id := uuid.NewSHA1(idNamespace, []byte(c.GetHeader(httpapi.HeaderIdempotencyKey)))
	elig := evidence.Eligibility(plan, id.String(), content, ref)
	if !elig.Eligible {
		notEligible(c, plan, elig)
		return
	}
	wfID, err := contract.FamilyWorkflowID(id.String())
	if err != nil {
		httpapi.Fail(c, a.Log, "create", err)
		return
	}
	sum := sha256.Sum256([]byte(req.PlanID + "|" + req.ReferenceDate + "|" + content.Hash()))
	hash := hex.EncodeToString(sum[:])
	cand, err := a.Store.Get(c, id)
	switch {
	case err == nil && cand.RequestHash != hash:
		err = ErrRequestMismatch
	case errors.Is(err, ErrNotFound): // a new family: its first snapshot, then its row
		cand, err = a.record(c, id, wfID, plan, ref, elig, content, hash)
	}
	if errors.Is(err, ErrRequestMismatch) {
		httpapi.Abort(c, httpapi.Problem{Type: httpapi.TypeIdempotency, Status: http.StatusUnprocessableEntity,
			Title: "Idempotency-Key reused", Detail: "This key was used for a different request; use a new key for a new request."})
		return
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "record candidate family", err)
		return
	}
	if err := a.Lifecycles.Start(c, cand); err != nil {
		// The row stands; a retry with the same key starts the workflow (or finds it started).
		a.Log.ErrorContext(c, "start family workflow", "family_id", cand.ID.String(), "error", err.Error())
		httpapi.Unavailable(
			c,
			"The family was recorded but its workflow could not be started; retry with the same Idempotency-Key.",
		)
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

// record keeps a new family's first evidence snapshot and its row (a retry finds both).
func (a *API) record(
	c *gin.Context,
	id uuid.UUID,
	wfID string,
	plan *outcomes.Plan,
	ref time.Time,
	elig outcomes.EligibilityResult,
	content *evidence.Content,
	hash string,
) (*Candidate, error) {
	snap, err := a.snapshot(c, id, plan, ref, elig, content)
	if err != nil {
		return nil, err
	}
	return a.Store.Create(c, &Candidate{
		ID: id, PlanID: plan.ID, EvidenceSnapshotID: snap.ID, ProblemCodes: snap.ProblemCodes,
		ReferenceDate: ref, WorkflowID: wfID, RequestHash: hash, CreatedAt: time.Now().UTC(),
	})
}

// notEligible answers 422 with what the plan needs and what the evidence shows (counts and
// codes only).
func notEligible(c *gin.Context, plan *outcomes.Plan, e outcomes.EligibilityResult) {
	codes := e.Codes()
	detail := fmt.Sprintf(
		"Under %s the evidence shows %d of the %d problems needed (%s)",
		plan.Key(),
		len(codes),
		e.MinProblems,
		strings.Join(codes, ", "),
	)
	if !e.Dependants {
		detail += " and no dependent child or pregnancy"
	}
	httpapi.Abort(
		c,
		httpapi.Problem{
			Type:   httpapi.TypeNotEligible,
			Status: http.StatusUnprocessableEntity,
			Title:  "Not eligible",
			Detail: detail + ".",
		},
	)
}

// RefreshBody answers new evidence: the family's latest snapshot, whether it is new, and
// whether the family's workflow was told.
type RefreshBody struct {
	Snapshot evidence.Summary `json:"snapshot"`
	Changed  bool             `json:"changed"`
}

// refresh records new evidence for a family. Unchanged evidence changes nothing (200); new
// evidence becomes the family's latest snapshot and its workflow is signalled with the
// snapshot's id (201). The family's latest delivered snapshot is kept on its row, so a
// retry after a failed signal delivers it.
func (a *API) refresh(c *gin.Context) {
	cand, ok := a.candidate(c)
	if !ok {
		return
	}
	var req EvidenceRequest
	content, ok := bindEvidence(c, &req, &req)
	if !ok {
		return
	}
	plan, ok := a.Plans.Latest(cand.PlanID)
	if !ok {
		httpapi.Internal(c)
		return
	}
	ref, _ := time.Parse(time.DateOnly, req.ReferenceDate)
	elig := evidence.Eligibility(plan, cand.ID.String(), content, ref)
	snap, err := a.snapshot(c, cand.ID, plan, ref, elig, content)
	if err != nil {
		httpapi.Fail(c, a.Log, "record evidence snapshot", err)
		return
	}
	changed := snap.ID != cand.EvidenceSnapshotID
	if changed {
		if err := a.Lifecycles.SignalEvidence(c, cand.WorkflowID, snap.ID.String(), snap.CreatedAt); err != nil {
			a.Log.ErrorContext(c, "signal family workflow", "family_id", cand.ID.String(), "error", err.Error())
			httpapi.Unavailable(
				c,
				"The evidence was recorded but the family's workflow could not be told; send it again.",
			)
			return
		}
		if err := a.Store.MarkEvidenceDelivered(c, cand.ID, snap.ID); err != nil {
			a.Log.WarnContext(c, "mark evidence delivered", "family_id", cand.ID.String(), "error", err.Error())
		}
	}
	status := http.StatusOK
	if changed {
		status = http.StatusCreated
	}
	c.JSON(status, RefreshBody{Snapshot: evidence.SummaryOf(snap), Changed: changed})
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
		httpapi.Fail(c, a.Log, "list candidate families", err)
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
	// From attachment on: the pinned plan version, the frozen baseline and each problem as
	// tracking last judged it, the next deadline the workflow wakes at, the claim, the exit.
	PlanVersion      string            `json:"plan_version,omitempty"`
	AttachedAt       *time.Time        `json:"attached_at,omitempty"`
	BaselineProblems []string          `json:"baseline_problems"`
	Problems         []ProblemProgress `json:"problems"`
	NextActionAt     *time.Time        `json:"next_action_at,omitempty"`
	Claim            *ClaimProgress    `json:"claim,omitempty"`
	Exit             *ExitBody         `json:"exit,omitempty"`
	Restricted       bool              `json:"restricted"`
	Flags            []string          `json:"flags"`
}

// ProblemProgress is one baseline problem as tracking last judged it.
type ProblemProgress struct {
	Code        string     `json:"code"`
	Status      string     `json:"status"` // OUTSTANDING, SIGNIFICANT_PROGRESS, SUSTAINED
	ClockStart  *time.Time `json:"clock_start,omitempty"`
	SustainedAt *time.Time `json:"sustained_at,omitempty"`
	Waiting     string     `json:"waiting,omitempty"`
}

// ClaimProgress is the family's claim as its workflow holds it.
type ClaimProgress struct {
	ClaimID          string `json:"claim_id,omitempty"`
	Route            string `json:"route,omitempty"` // SSP or CE
	AuditStatus      string `json:"audit_status,omitempty"`
	Attempts         int32  `json:"attempts"`
	LastAuditFailure string `json:"last_audit_failure,omitempty"`
	LastHoldReason   string `json:"last_hold_reason,omitempty"`
}

// ExitBody is how and when the family left the programme.
type ExitBody struct {
	Reason string     `json:"reason"`
	At     *time.Time `json:"at,omitempty"`
}

// when is a timestamp as the API shows it (nil when unset).
func when(ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	t := ts.AsTime().UTC()
	return &t
}

// lifecycleBody is the family's programme as its workflow's state holds it.
func lifecycleBody(st *familypathv1.FamilyState, workflowID string) LifecycleBody {
	b := LifecycleBody{
		FamilyID:   st.GetFamilyId(),
		WorkflowID: workflowID,
		Phase:      PhaseName(st.GetPhase().String()),
		PlanID:     st.GetPlanId(),
		ProblemCodes: append(
			[]string{},
			st.GetProblemCodes()...),
		WaitingFor:            st.GetWaitingFor(),
		EvidenceReceivedCount: st.GetEvidenceReceivedCount(),
		PlanVersion:           st.GetPlanVersion(),
		AttachedAt:            when(st.GetAttachedAt()),
		BaselineProblems:      append([]string{}, st.GetBaselineProblems()...),
		Problems:              []ProblemProgress{},
		NextActionAt:          when(st.GetNextActionAt()),
		Restricted:            st.GetRestricted(),
		Flags:                 append([]string{}, st.GetFlags()...),
	}
	for _, p := range st.GetProblems() {
		b.Problems = append(
			b.Problems,
			ProblemProgress{Code: p.GetCode(), Status: strings.TrimPrefix(p.GetStatus().String(), "PROBLEM_STATUS_"),
				ClockStart: when(p.GetClockStart()), SustainedAt: when(p.GetSustainedAt()), Waiting: p.GetWaiting()},
		)
	}
	if st.GetClaimId() != "" || st.GetClaimAttempts() > 0 {
		route := strings.TrimPrefix(st.GetClaimRoute().String(), "RESULT_ROUTE_")
		if route == "UNSPECIFIED" {
			route = ""
		}
		b.Claim = &ClaimProgress{
			ClaimID:          st.GetClaimId(),
			Route:            route,
			AuditStatus:      st.GetAuditStatus(),
			Attempts:         st.GetClaimAttempts(),
			LastAuditFailure: st.GetLastAuditFailure(),
			LastHoldReason:   st.GetLastHoldReason(),
		}
	}
	if st.GetExitReason() != "" {
		b.Exit = &ExitBody{Reason: st.GetExitReason(), At: when(st.GetExitedAt())}
	}
	return b
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
	c.JSON(http.StatusOK, lifecycleBody(st, cand.WorkflowID))
}

// MemberRef is a family member as identification knows them: the opaque person id that the
// case's members, notes and evidence name, and whether an adult or a child at the evidence's
// reference date (no name or date).
type MemberRef struct {
	PersonID string `json:"person_id"`
	Role     string `json:"role"` // ADULT or CHILD
}

// members answers the person ids of the family's members (from its latest evidence snapshot)
// to those who may read the family, so that its lead professional can record the members in
// the case; the read is audited like the lifecycle's.
func (a *API) members(c *gin.Context) {
	if !a.mayReadLifecycle(c) {
		return
	}
	cand, ok := a.candidate(c)
	if !ok {
		return
	}
	snap, content, err := a.Evidence.Get(c, cand.EvidenceSnapshotID)
	if err != nil {
		httpapi.Fail(c, a.Log, "read the family's members", err)
		return
	}
	out := []MemberRef{}
	for _, m := range snap.WithoutBirthDates(a.Plans, content.Members) {
		role := "CHILD" // a member not yet born, or of no known age, counts as a child
		if m.Role == "adult" {
			role = "ADULT"
		}
		out = append(out, MemberRef{PersonID: m.ID, Role: role})
	}
	c.JSON(http.StatusOK, gin.H{"family_id": cand.ID.String(), "items": out})
}

// PhaseName turns FAMILY_PHASE_IDENTIFIED into IDENTIFIED, the API's enum style.
func PhaseName(enum string) string { return strings.TrimPrefix(enum, "FAMILY_PHASE_") }
