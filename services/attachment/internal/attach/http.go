// Package attach serves the caseworker's attach request: it goes to the family's workflow as
// the attach update, which gathers the case, judges readiness and records the attachment,
// and answers attached or exactly what is missing (architecture.md, "Paths that span services").
package attach

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TypeNotReady is the problem type of an attach request the family is not ready for.
const TypeNotReady = "https://familypath.dev/problems/attachment-not-ready"

// Why each requirement is missing, for the caseworker's screen.
var missingWords = map[string]string{
	"PROBLEM_EVIDENCE":        "evidence against 2 or more problems is needed",
	"WHOLE_FAMILY_ASSESSMENT": "a whole-family assessment is needed",
	"FAMILY_PLAN":             "a family plan linked to the Outcomes Plan is needed",
	"LEAD_PROFESSIONAL":       "a lead professional is needed",
	"PROGRAMME_ENDED":         "the family's programme has ended (its plan's last claim window has closed): no family can be attached under it",
}

// API serves attach requests.
type API struct {
	Temporal client.Client
	Guard    *httpapi.Guard
	Log      *slog.Logger
}

// Routes adds the route; it needs the idempotency middleware (the key is the request's id,
// so a retried request attaches once).
func (a *API) Routes(r gin.IRouter, idempotent gin.HandlerFunc) {
	write := a.Guard.RequireFamily(policy.FamilyWrite, "id") // before the replay of an answer
	r.POST("/v1/families/:id/attachment", write, idempotent, a.attach)
	r.POST("/v1/families/:id/attachment/corrections", write, idempotent, a.correct)
}

// errStillRunning: the family's workflow had not answered the update (taken, or on its way) when the
// request's own deadline came.
var errStillRunning = errors.New("the update is still running")

// answerMargin is kept of the request's deadline to answer in.
const answerMargin = 2 * time.Second

// update sends an update to the family's workflow and waits for its answer in out, within the
// request's deadline (REQUEST_TIMEOUT) less a moment to answer. The update's id is the
// request's Idempotency-Key, so a retry waits on the same update instead of sending another.
func (a *API) update(c *gin.Context, family uuid.UUID, name string, arg, out any) error {
	wf, _ := contract.FamilyWorkflowID(family.String())
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Minute) // the update's activities give up within 2
	defer cancel()
	if deadline, ok := c.Request.Context().Deadline(); ok {
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-answerMargin))
		defer cancel()
	}
	h, err := a.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wf, UpdateName: name,
		UpdateID: c.GetHeader(
			httpapi.HeaderIdempotencyKey,
		), WaitForStage: client.WorkflowUpdateStageAccepted, Args: []any{arg}})
	if err == nil {
		err = h.Get(ctx, out)
	}
	// Our wait ran out (the server's timer may fire a moment before ctx's: its error type says
	// so) while the request itself still has time to answer.
	var waitedOut *client.WorkflowUpdateServiceTimeoutOrCanceledError
	if err != nil && (ctx.Err() != nil || errors.As(err, &waitedOut)) && c.Request.Context().Err() == nil {
		return errStillRunning
	}
	return err
}

// stillRunning answers 202: the workflow has the request and is carrying it out; the same
// request again (same Idempotency-Key) answers its outcome. Never kept as the key's answer.
func stillRunning(c *gin.Context, what string) {
	c.Header("Retry-After", "5")
	c.JSON(http.StatusAccepted, gin.H{"status": "IN_PROGRESS",
		"detail": "The family's workflow is carrying out the " + what + "; send the same request again (same Idempotency-Key) for its outcome."})
}

// CorrectionRequest corrects what was recorded at attachment, before any claim.
type CorrectionRequest struct {
	BaselineProblems []string `json:"baseline_problems" validate:"omitempty,min=2,max=20,unique,dive,problemcode"`
	AttachedOn       string   `json:"attached_on"       validate:"omitempty,datetime=2006-01-02"`
	ReasonCode       string   `json:"reason_code"       validate:"required,problemcode"`
}

// CorrectionBody answers a correction: the attachment as it now stands.
type CorrectionBody struct {
	FamilyID         string    `json:"family_id"`
	AttachedAt       time.Time `json:"attached_at"`
	BaselineProblems []string  `json:"baseline_problems"`
}

// correct sends the correct update to the family's workflow, which corrects the register and
// judges the family again; the validator's refusals come back as 409 (the family's state does
// not allow it) or 422 (the correction itself is wrong).
func (a *API) correct(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	var req CorrectionRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	if len(req.BaselineProblems) == 0 && req.AttachedOn == "" {
		httpapi.Invalid(
			c,
			httpapi.FieldError{
				Field:   "baseline_problems",
				Message: "or attached_on is needed: there is nothing to correct",
			},
		)
		return
	}
	upd := &familypathv1.CorrectRequest{
		RequestId:        c.GetHeader(httpapi.HeaderIdempotencyKey),
		BaselineProblems: req.BaselineProblems,
		ReasonCode:       req.ReasonCode,
	}
	if req.AttachedOn != "" {
		day, _ := outcomes.ParseMoment(req.AttachedOn) // midnight in London, the programme's calendar
		upd.AttachedAt = timestamppb.New(day.Time)
	}
	var res familypathv1.CorrectResult
	err := a.update(c, id, contract.UpdateCorrect, upd, &res)
	var nf *serviceerror.NotFound
	var appErr *temporal.ApplicationError
	switch {
	case errors.Is(err, errStillRunning):
		stillRunning(c, "correction")
	case errors.As(err, &nf):
		httpapi.NotFound(c, "Family")
	case errors.As(err, &appErr) && appErr.Type() == "InvalidArgument":
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypeValidation,
				Status: http.StatusUnprocessableEntity,
				Title:  "The correction cannot be made",
				Detail: appErr.Message(),
			},
		)
	case errors.As(err, &appErr) && (appErr.Type() == "NotAttached" || appErr.Type() == "ClaimInProgress" || appErr.Type() == "FamilyEnded"):
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypeConflict,
				Status: http.StatusConflict,
				Title:  "The family's attachment cannot be corrected now",
				Detail: appErr.Message(),
			},
		)
	case err != nil:
		a.Log.ErrorContext(c, "correct update", "error", err.Error())
		httpapi.Unavailable(
			c,
			"The family's workflow or the attachment register did not answer; nothing was corrected. Retry shortly.",
		)
	default:
		c.JSON(
			http.StatusOK,
			CorrectionBody{
				FamilyID:         id.String(),
				AttachedAt:       res.GetAttachedAt().AsTime().UTC(),
				BaselineProblems: res.GetBaselineProblems(),
			},
		)
	}
}

// AttachmentBody answers an attach request that attached (or had attached) the family.
type AttachmentBody struct {
	FamilyID         string    `json:"family_id"`
	AttachedAt       time.Time `json:"attached_at"`
	BaselineProblems []string  `json:"baseline_problems"`
	PlanVersion      string    `json:"plan_version"`
	AlreadyAttached  bool      `json:"already_attached"`
}

func (a *API) attach(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	var res familypathv1.AttachResult
	err := a.update(
		c,
		id,
		contract.UpdateAttach,
		&familypathv1.AttachRequest{
			RequestId:   c.GetHeader(httpapi.HeaderIdempotencyKey),
			RequestedAt: timestamppb.Now(),
		},
		&res,
	)
	var nf *serviceerror.NotFound
	var appErr *temporal.ApplicationError
	switch {
	case errors.Is(err, errStillRunning):
		stillRunning(c, "attachment")
	case errors.As(err, &nf):
		httpapi.NotFound(c, "Family")
	case errors.As(err, &appErr) && appErr.Type() == "FamilyEnded":
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypeConflict,
				Status: http.StatusConflict,
				Title:  "The family has left the programme",
			},
		)
	case err != nil:
		a.Log.ErrorContext(c, "attach update", "error", err.Error())
		httpapi.Unavailable(
			c,
			"The family's workflow or a service it asks did not answer; nothing was attached. Retry shortly.",
		)
	case !res.GetAttached():
		var errs []httpapi.FieldError
		for _, m := range res.GetMissing() {
			errs = append(errs, httpapi.FieldError{Field: m, Message: missingWords[m]})
		}
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   TypeNotReady,
				Status: http.StatusUnprocessableEntity,
				Title:  "The family cannot be attached yet",
				Detail: "See errors for each requirement that is missing.",
				Errors: errs,
			},
		)
	default:
		status := http.StatusCreated
		if res.GetAlreadyAttached() {
			status = http.StatusOK
		}
		c.JSON(status, AttachmentBody{FamilyID: id.String(), AttachedAt: res.GetAttachedAt().AsTime().UTC(),
			BaselineProblems: res.GetBaselineProblems(), PlanVersion: res.GetPlanVersion(), AlreadyAttached: res.GetAlreadyAttached()})
	}
}
