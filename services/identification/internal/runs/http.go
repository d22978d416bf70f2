package runs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/identification/internal/ingest"
	"github.com/familypath/familypath/services/identification/internal/review"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// API serves identification runs and their review queues to data analysts.
type API struct {
	Store    Store
	Review   review.Store
	Extracts ingest.Store
	Plans    *outcomes.Plans
	Temporal client.Client
	Guard    *httpapi.Guard
	Log      *slog.Logger
}

// Routes adds the routes; creating a run needs the idempotency middleware.
func (a *API) Routes(r gin.IRouter, idempotent gin.HandlerFunc) {
	analysts, reviewers := a.Guard.Require(policy.IdentifyRun), a.Guard.Require(policy.ReviewDecide)
	r.POST("/v1/identification-runs", analysts, idempotent, a.create)
	r.GET("/v1/identification-runs", analysts, a.list)
	r.GET("/v1/identification-runs/:id", analysts, a.get)
	r.GET("/v1/identification-runs/:id/families", analysts, a.families)
	r.GET("/v1/identification-runs/:id/family-changes", analysts, a.changes)
	r.GET("/v1/identification-runs/:id/recognitions", analysts, a.recognitions)
	r.GET("/v1/identification-runs/:id/review-queue", reviewers, a.queue)
	r.GET("/v1/identification-runs/:id/review-queue/:rank", reviewers, a.pair)
	r.POST("/v1/identification-runs/:id/review-queue/:rank/decision", reviewers, a.decide)
}

// CreateRequest asks for a run: a plan, a reference date and (optionally) the uploads to
// run over; by default each feed's newest upload as of the reference date.
type CreateRequest struct {
	PlanID        string   `json:"plan_id"        validate:"required,min=3,max=64,planid"`
	ReferenceDate string   `json:"reference_date" validate:"required,datetime=2006-01-02"`
	UploadIDs     []string `json:"upload_ids"     validate:"omitempty,max=100,dive,uuid"`
}

// RunBody is a run as the API shows it.
type RunBody struct {
	ID            string                  `json:"id"`
	PlanVersion   string                  `json:"plan_version"`
	ReferenceDate string                  `json:"reference_date"`
	UploadIDs     []string                `json:"upload_ids"`
	Status        string                  `json:"status"`
	WorkflowID    string                  `json:"workflow_id"`
	RequestedBy   string                  `json:"requested_by"`
	Counts        *familypathv1.RunCounts `json:"counts,omitempty"`
	Fanout        FanoutBody              `json:"fanout"`
	Progress      string                  `json:"progress,omitempty"`
	CreatedAt     time.Time               `json:"created_at"`
	LinkedAt      *time.Time              `json:"linked_at,omitempty"`
	FinishedAt    *time.Time              `json:"finished_at,omitempty"`
}

// FanoutBody is what telling the run's eligible families did.
type FanoutBody struct {
	Started   int64 `json:"started"`
	Signalled int64 `json:"signalled"`
	Unchanged int64 `json:"unchanged"`
	Closed    int64 `json:"closed"`
}

func body(r *Run) RunBody {
	b := RunBody{ID: r.ID.String(), PlanVersion: r.PlanVersion, ReferenceDate: r.ReferenceDate.Format(time.DateOnly),
		UploadIDs: r.UploadIDs, Status: r.Status, WorkflowID: r.WorkflowID, RequestedBy: r.RequestedBy,
		Fanout: FanoutBody{
			r.Started,
			r.Signalled,
			r.Unchanged,
			r.Closed,
		}, CreatedAt: r.CreatedAt.UTC(), LinkedAt: r.LinkedAt, FinishedAt: r.FinishedAt}
	if r.Status != StatusRunning {
		b.Counts = CountsOf(r)
	}
	return b
}

var idNamespace = uuid.MustParse("9d2c4a61-0f3b-4b8e-a7d5-3c6e1f2a8b90")

func (a *API) create(c *gin.Context) {
	var req CreateRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	plan, ok := a.Plans.Latest(req.PlanID)
	if !ok {
		httpapi.Invalid(c, httpapi.FieldError{Field: "plan_id", Message: "is not a published plan"})
		return
	}
	ref, _ := time.Parse(time.DateOnly, req.ReferenceDate)
	uploads, ok := a.uploads(c, req.UploadIDs, ref)
	if !ok {
		return
	}
	id := uuid.NewSHA1(idNamespace, []byte(c.GetHeader(httpapi.HeaderIdempotencyKey)))
	sum := sha256.Sum256([]byte(plan.Key() + "|" + req.ReferenceDate + "|" + strings.Join(uploads, ",")))
	run, err := a.Store.Create(
		c,
		&Run{ID: id, PlanID: plan.ID, PlanVersion: plan.Key(), ReferenceDate: ref, UploadIDs: uploads,
			Status: StatusRunning, WorkflowID: contract.IdentificationRunWorkflowID(id.String()), RequestHash: hex.EncodeToString(sum[:]),
			RequestedBy: httpapi.Principal(c).Subject, CreatedAt: time.Now().UTC()},
	)
	if errors.Is(err, ErrRequestMismatch) {
		httpapi.Abort(c, httpapi.Problem{Type: httpapi.TypeIdempotency, Status: http.StatusUnprocessableEntity,
			Title: "Idempotency-Key reused", Detail: "This key was used for a different request; use a new key for a new request."})
		return
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "record identification run", err)
		return
	}
	_, err = a.Temporal.ExecuteWorkflow(
		c,
		client.StartWorkflowOptions{ID: run.WorkflowID, TaskQueue: contract.QueueFamilyLifecycle,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			StaticSummary: fmt.Sprintf(
				"Identification run under %s at %s over %d uploads",
				run.PlanVersion,
				req.ReferenceDate,
				len(uploads),
			)},
		contract.WorkflowIdentification,
		&familypathv1.IdentificationRunInput{RunId: run.ID.String()},
	)
	var done *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &done) {
		err = nil // a retry after the run's workflow finished: it ran once
	}
	if err != nil {
		a.Log.ErrorContext(c, "start identification run", "run_id", run.ID.String(), "error", err.Error())
		httpapi.Unavailable(
			c,
			"The run was recorded but its workflow could not be started; retry with the same Idempotency-Key.",
		)
		return
	}
	c.Header("Location", "/v1/identification-runs/"+run.ID.String())
	c.JSON(http.StatusAccepted, body(run))
}

// uploads checks the uploads a run names, or finds each feed's newest as of the date.
func (a *API) uploads(c *gin.Context, named []string, ref time.Time) ([]string, bool) {
	if len(named) == 0 {
		latest, err := a.Extracts.Latest(c, ref)
		if err != nil {
			httpapi.Fail(c, a.Log, "find uploads", err)
			return nil, false
		}
		for _, u := range latest {
			named = append(named, u.ID.String())
		}
		if len(named) == 0 {
			httpapi.Invalid(
				c,
				httpapi.FieldError{
					Field:   "upload_ids",
					Message: "no upload is dated on or before the reference date: load extracts first",
				},
			)
			return nil, false
		}
		slices.Sort(named)
		return named, true
	}
	var errs []httpapi.FieldError
	for i, s := range named {
		if _, err := a.Extracts.Get(c, uuid.MustParse(s)); err != nil {
			errs = append(
				errs,
				httpapi.FieldError{Field: fmt.Sprintf("upload_ids[%d]", i), Message: "is not an upload"},
			)
		}
	}
	if len(errs) > 0 {
		httpapi.Invalid(c, errs...)
		return nil, false
	}
	named = slices.Clone(named)
	slices.Sort(named)
	return slices.Compact(named), true
}

func (a *API) run(c *gin.Context) (*Run, bool) {
	return httpapi.ByID(c, a.Log, "Identification run", a.Store.Get, ErrNotFound)
}

// runPage is the run in the path and the page asked for of one of its lists paged by offset:
// the limit and the offset the cursor carries (0 on the first page).
func (a *API) runPage(c *gin.Context) (run *Run, page httpapi.PageRequest, offset int, ok bool) {
	if run, ok = a.run(c); !ok {
		return
	}
	if page, ok = httpapi.ParsePage(c); !ok {
		return
	}
	after, ok := httpapi.After[int](c, page)
	if ok && after != nil {
		offset = *after
	}
	return run, page, offset, ok
}

// get answers a run; while it runs, with its workflow's progress.
func (a *API) get(c *gin.Context) {
	run, ok := a.run(c)
	if !ok {
		return
	}
	b := body(run)
	if run.Status != StatusCompleted {
		if v, err := a.Temporal.QueryWorkflow(c, run.WorkflowID, "", contract.QueryIdentificationRunState); err == nil {
			var st familypathv1.IdentificationRunState
			if v.Get(&st) == nil {
				b.Progress = st.GetWaitingFor()
				b.Fanout = FanoutBody{st.GetStarted(), st.GetSignalled(), st.GetUnchanged(), st.GetClosed()}
			}
		}
	}
	c.JSON(http.StatusOK, b)
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
		httpapi.Fail(c, a.Log, "list identification runs", err)
		return
	}
	bodies := make([]RunBody, len(rows))
	for i := range rows {
		bodies[i] = body(&rows[i])
	}
	c.JSON(http.StatusOK, httpapi.NewPage(bodies, page.Limit, func(b RunBody) any {
		return Position{CreatedAt: b.CreatedAt, ID: uuid.MustParse(b.ID)}
	}))
}

// FamilyBody is a run's family: ids, codes and flags.
type FamilyBody struct {
	FamilyID           string   `json:"family_id"`
	Members            int      `json:"members"`
	Eligible           bool     `json:"eligible"`
	OpenToService      bool     `json:"open_to_service"`
	ProblemCodes       []string `json:"problem_codes"`
	EvidenceSnapshotID string   `json:"evidence_snapshot_id,omitempty"`
	Changed            bool     `json:"evidence_changed"`
	Fanout             string   `json:"fanout"`
	// JoinedBy says what put its people together: ADDRESS_SPELLS, ACCOUNT, HOUSEHOLD_LINK.
	JoinedBy []string `json:"joined_by"`
}

// families lists a run's families: ?eligible=true&open_to_service=false lists the eligible
// families no service works with (which cannot be attached yet).
func (a *API) families(c *gin.Context) {
	run, ok := a.run(c)
	if !ok {
		return
	}
	page, ok := httpapi.ParsePage(c)
	if !ok {
		return
	}
	var f FamilyFilter
	var errs []httpapi.FieldError
	for name, dst := range map[string]**bool{"eligible": &f.Eligible, "open_to_service": &f.OpenToService} {
		switch c.Query(name) {
		case "":
		case "true":
			v := true
			*dst = &v
		case "false":
			v := false
			*dst = &v
		default:
			errs = append(errs, httpapi.FieldError{Field: name, Message: "must be true or false"})
		}
	}
	if len(errs) > 0 {
		httpapi.Invalid(c, errs...)
		return
	}
	after, ok := httpapi.After[uuid.UUID](c, page)
	if !ok {
		return
	}
	rows, err := a.Store.Families(c, run.ID, f, after, page.Limit)
	if err != nil {
		httpapi.Fail(c, a.Log, "list run families", err)
		return
	}
	bodies := make([]FamilyBody, len(rows))
	for i, r := range rows {
		bodies[i] = FamilyBody{
			FamilyID:      r.FamilyID.String(),
			Members:       r.Members,
			Eligible:      r.Eligible,
			OpenToService: r.OpenToService,
			ProblemCodes:  r.ProblemCodes,
			Changed:       r.Changed,
			Fanout:        r.Fanout,
			JoinedBy:      append([]string{}, r.JoinedBy...),
		}
		if r.EvidenceSnapshotID != nil {
			bodies[i].EvidenceSnapshotID = r.EvidenceSnapshotID.String()
		}
	}
	c.JSON(
		http.StatusOK,
		httpapi.NewPage(bodies, page.Limit, func(b FamilyBody) any { return uuid.MustParse(b.FamilyID) }),
	)
}
