// Package auditing is the claims API's part of a claim window: auditors' decisions on the
// window's sampled claims, and the record of the window's payment. Each is kept in claims'
// own tables first, then sent to the window's ClaimWindow workflow as a signal; a retry after
// a failed signal sends it again (the workflow takes the first decision on a claim and the
// first payment, and ignores repeats).
package auditing

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
)

// API serves the routes.
type API struct {
	DB       *gorm.DB
	Packs    *ledger.Freezer // opens claims' evidence packs for spot checks
	Plans    *outcomes.Plans
	Temporal client.Client
	Guard    *httpapi.Guard
	Log      *slog.Logger
}

// Routes adds the routes.
func (a *API) Routes(r gin.IRouter) {
	r.GET("/v1/audit-queue", a.Guard.Require(policy.AuditRead), a.queue)
	r.POST("/v1/claims/:id/audit-decision", a.decide)
	r.GET("/v1/claims/:id/spot-check", a.spotCheck)
	r.POST("/v1/plans/:plan/claim-windows/:window/payment", a.Guard.Require(policy.ClaimPay), a.pay)
	r.GET("/v1/plans/:plan/claim-windows/:window/submission", a.Guard.Require(policy.ReportRead), a.submission)
	r.GET("/v1/plans/:plan/claims-at-risk", a.Guard.Require(policy.ReportRead), a.atRisk)
}

// DecisionRequest is an auditor's decision on a sampled claim.
type DecisionRequest struct {
	Passed bool `json:"passed"`
	// ReasonCode says why a claim failed (EVIDENCE_INCOMPLETE, say); required when it failed.
	ReasonCode string `json:"reason_code" validate:"required_if=Passed false,omitempty,code"`
}

// DecisionBody is the decision as recorded.
type DecisionBody struct {
	ClaimID    string    `json:"claim_id"`
	WindowID   string    `json:"window_id"`
	Passed     bool      `json:"passed"`
	ReasonCode string    `json:"reason_code,omitempty"`
	DecidedBy  string    `json:"decided_by"`
	DecidedAt  time.Time `json:"decided_at"`
}

// decide records an auditor's decision. A claim in a window's audit sample is assigned to
// the council's internal auditors (policy's audit_assigned); any other claim is not theirs
// to decide. The first decision stands: the same again answers 200, a different one 409.
func (a *API) decide(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	cl, err := a.store().Claim(c, id)
	if err != nil {
		httpapi.Fail(c, a.Log, "read claim", err)
		return
	}
	rel := policy.None
	if cl != nil && cl.Sampled {
		rel = policy.AuditAssigned
	}
	// Decided before the claim's existence is told, so a refusal says nothing about it.
	if !a.Guard.Decide(c, policy.ClaimDecide, "claim", id.String(), rel) {
		return
	}
	var req DecisionRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	planID, _, _ := strings.Cut(cl.PlanVersion, "@")
	d := DecisionBody{ClaimID: id.String(), WindowID: cl.WindowID, Passed: req.Passed, ReasonCode: req.ReasonCode,
		DecidedBy: httpapi.Principal(c).Subject, DecidedAt: time.Now().UTC()}
	var reason *string
	if !req.Passed {
		reason = &req.ReasonCode
	}
	k, err := a.store().RecordDecision(c, id, d, reason)
	if err != nil {
		httpapi.Fail(c, a.Log, "record audit decision", err)
		return
	}
	if k.Passed != req.Passed || (k.ReasonCode != nil && *k.ReasonCode != req.ReasonCode) {
		httpapi.Abort(
			c,
			httpapi.Problem{Type: httpapi.TypeConflict, Status: http.StatusConflict, Title: "Already decided",
				Detail: "This claim was decided differently before; the first decision stands."},
		)
		return
	}
	d.DecidedBy, d.DecidedAt = k.DecidedBy, k.DecidedAt.UTC()
	err = a.Temporal.SignalWorkflow(
		c,
		a.windowWorkflow(c, planID, cl.WindowID),
		"",
		contract.SignalAuditDecision,
		&familypathv1.AuditDecision{
			ClaimId:    id.String(),
			Passed:     req.Passed,
			ReasonCode: req.ReasonCode,
			DecidedAt:  timestamppb.New(d.DecidedAt),
		},
	)
	if err != nil {
		a.Log.ErrorContext(c, "signal claim window", "claim_id", id.String(), "error", err.Error())
		httpapi.Unavailable(c, "The decision was recorded but the claim window could not be told; send it again.")
		return
	}
	c.JSON(http.StatusOK, d)
}

// PaymentRequest records that a window's submitted results were paid.
type PaymentRequest struct {
	PaidAt time.Time `json:"paid_at" validate:"required"`
}

// PaymentBody is the payment as recorded: the results it paid and their amount.
type PaymentBody struct {
	PlanID      string    `json:"plan_id"`
	WindowID    string    `json:"window_id"`
	PaidAt      time.Time `json:"paid_at"`
	ClaimsPaid  int       `json:"claims_paid"`
	AmountPence int64     `json:"amount_pence"`
}

// ErrNothingSubmitted is a payment of a window with no submitted claims.
var ErrNothingSubmitted = errors.New("nothing submitted")

// pay records the window's payment once: its submitted claims become PAID, each with a
// result entry in the ledger at its plan version's rate, in one transaction; then the
// window's workflow is told, which tells each family.
func (a *API) pay(c *gin.Context) {
	planID, ok := a.planParam(c)
	if !ok {
		return
	}
	windowID := c.Param("window")
	var req PaymentRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	// Every payment is in the audit trail, recorded before it is made (as every allowed action).
	if !a.Guard.Record(
		c,
		string(policy.ClaimPay),
		"claim_window",
		planID+"/"+windowID,
		"paid on "+req.PaidAt.UTC().Format(time.DateOnly),
	) {
		return
	}
	body, err := a.store().RecordPayment(c, a.Plans, planID, windowID, req.PaidAt, httpapi.Principal(c).Subject)
	if errors.Is(err, ErrNothingSubmitted) {
		httpapi.Abort(
			c,
			httpapi.Problem{Type: httpapi.TypeConflict, Status: http.StatusConflict, Title: "Nothing to pay",
				Detail: "The window has no submitted claims: it has not been submitted yet, or does not exist."},
		)
		return
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "record window payment", err)
		return
	}
	err = a.tellPaid(c, planID, windowID, body.PaidAt)
	if err != nil {
		a.Log.ErrorContext(c, "signal claim window", "window_id", windowID, "error", err.Error())
		httpapi.Unavailable(c, "The payment was recorded but the claim window could not be told; send it again.")
		return
	}
	c.JSON(http.StatusOK, body)
}

// tellPaid tells the window's workflow it was paid (it tells the families of the claims it
// took), and the families of claims imported into the window, which no window workflow took,
// each itself. A window whose claims were all imported has no workflow to tell.
func (a *API) tellPaid(ctx context.Context, planID, windowID string, paidAt time.Time) error {
	claims, err := a.store().PaidClaims(ctx, planID, windowID)
	if err != nil {
		return err
	}
	own := false
	for _, cl := range claims {
		if !cl.Imported {
			own = true
			continue
		}
		wf, err := contract.FamilyWorkflowID(cl.FamilyID)
		if err != nil {
			return err
		}
		err = a.Temporal.SignalWorkflow(
			ctx,
			wf,
			"",
			contract.SignalClaimOutcome,
			&familypathv1.ClaimOutcome{ClaimId: cl.ID,
				Kind: familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_PAID, At: timestamppb.New(paidAt)},
		)
		var gone *serviceerror.NotFound
		if err != nil && !errors.As(err, &gone) { // gone: its workflow has ended (told before)
			return err
		}
	}
	if !own {
		return nil
	}
	return a.Temporal.SignalWorkflow(ctx, a.windowWorkflow(ctx, planID, windowID), "", contract.SignalWindowPaid,
		&familypathv1.WindowPaid{PaidAt: timestamppb.New(paidAt)})
}

// windowWorkflow is the id of the workflow running the window: the one that recorded its audit
// sample (a Schedule's run has its time appended to the id), or the plain id for a window
// started by hand.
func (a *API) windowWorkflow(ctx context.Context, planID, windowID string) string {
	// Unreadable, it is the plain id: signalling a workflow that does not exist fails, and the
	// caller is told to send it again.
	if ids, err := a.store().SampleWorkflowIDs(ctx, planID, windowID); err == nil && len(ids) == 1 {
		return ids[0]
	}
	return contract.ClaimWindowWorkflowID(planID, windowID)
}

// store is the package's SQL over the API's database.
func (a *API) store() Store { return Store{DB: a.DB} }

// planParam is the route's plan id when it names a plan published here; otherwise it answers
// 404. Queries match a plan's versions by its id as a prefix, so only a known id may reach
// them (an id such as "%" would match every plan).
func (a *API) planParam(c *gin.Context) (string, bool) {
	id := c.Param("plan")
	if _, ok := a.Plans.Latest(id); !ok {
		httpapi.NotFound(c, "Plan")
		return "", false
	}
	return id, true
}
