package register

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// ComplianceAPI serves attachment compliance checks: internal auditors draw a sample of a
// period's attachments and record, case by case, whether each requirement held.
type ComplianceAPI struct {
	Store Store
	Guard *httpapi.Guard
	Log   *slog.Logger
}

// Routes adds the routes.
func (a *ComplianceAPI) Routes(r gin.IRouter) {
	auditors := a.Guard.Require(policy.AuditRead)
	r.POST("/v1/compliance-checks", auditors, a.create)
	r.GET("/v1/compliance-checks/:check", auditors, a.get)
	r.PUT("/v1/compliance-checks/:check/cases/:family", auditors, a.review)
}

// CheckRequest draws a check's sample: a share of the period's attachments (at least one).
type CheckRequest struct {
	PlanID string  `json:"plan_id" validate:"required,planid"`
	From   string  `json:"from"    validate:"required,datetime=2006-01-02"`
	To     string  `json:"to"      validate:"required,datetime=2006-01-02"`
	Rate   float64 `json:"rate"    validate:"required,gt=0,lte=1"`
}

// CaseFinding is one sampled case and what its review found.
type CaseFinding struct {
	FamilyID         string     `json:"family_id"`
	ProblemEvidence  *bool      `json:"problem_evidence"`
	Assessment       *bool      `json:"whole_family_assessment"`
	FamilyPlan       *bool      `json:"family_plan"`
	LeadProfessional *bool      `json:"lead_professional"`
	FindingCode      *string    `json:"finding_code,omitempty"`
	ReviewedBy       *string    `json:"reviewed_by,omitempty"`
	ReviewedAt       *time.Time `json:"reviewed_at,omitempty"`
}

// CheckBody is a check with its cases and how far it has got.
type CheckBody struct {
	ID         string        `json:"id"`
	PlanID     string        `json:"plan_id"`
	From       string        `json:"from"`
	To         string        `json:"to"`
	Population int           `json:"population"`
	Seed       int64         `json:"seed"`
	Reviewed   int           `json:"reviewed"`
	Compliant  int           `json:"compliant"` // reviewed cases meeting all four requirements
	Cases      []CaseFinding `json:"cases"`
}

// Draw picks ceil(rate × n) of n items (at least one when n > 0), the same for the same seed.
func Draw(n int, rate float64, seed int64) []int {
	k := int(math.Ceil(rate * float64(n)))
	if k > n {
		k = n
	}
	r := mrand.New(
		mrand.NewPCG(uint64(seed), 0x5eed),
	) // #nosec G404 G115 -- a recorded, repeatable draw, not a secret; the seed is drawn non-negative
	return r.Perm(n)[:k]
}

func (a *ComplianceAPI) create(c *gin.Context) {
	var req CheckRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	if req.To <= req.From {
		httpapi.Invalid(c, httpapi.FieldError{Field: "to", Message: "must be after from"})
		return
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	seed := int64(binary.BigEndian.Uint64(b[:]) >> 1)
	id := uuid.New()
	err := a.Store.CreateCheck(
		c,
		NewCheck{ID: id, PlanID: req.PlanID, From: req.From, To: req.To, Rate: req.Rate, Seed: seed,
			CreatedBy: httpapi.Principal(c).Subject},
	)
	if errors.Is(err, errNoAttachments) {
		httpapi.Abort(
			c,
			httpapi.Problem{Type: httpapi.TypeConflict, Status: http.StatusConflict, Title: "Nothing to check",
				Detail: "No attachments under the plan in the period."},
		)
		return
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "create", err)
		return
	}
	c.Header("Location", "/v1/compliance-checks/"+id.String())
	a.answer(c, id, http.StatusCreated)
}

func (a *ComplianceAPI) get(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "check")
	if !ok {
		return
	}
	a.answer(c, id, http.StatusOK)
}

func (a *ComplianceAPI) answer(c *gin.Context, id uuid.UUID, status int) {
	out, err := a.Store.Check(c, id)
	if err != nil {
		httpapi.Fail(c, a.Log, "answer", err)
		return
	}
	if out == nil {
		httpapi.NotFound(c, "Compliance check")
		return
	}
	c.JSON(status, out)
}

// ReviewRequest is the reviewer's finding on one sampled case.
type ReviewRequest struct {
	ProblemEvidence  *bool  `json:"problem_evidence"        validate:"required"`
	Assessment       *bool  `json:"whole_family_assessment" validate:"required"`
	FamilyPlan       *bool  `json:"family_plan"             validate:"required"`
	LeadProfessional *bool  `json:"lead_professional"       validate:"required"`
	FindingCode      string `json:"finding_code"            validate:"omitempty,problemcode"`
}

func (a *ComplianceAPI) review(c *gin.Context) {
	check, ok := httpapi.PathUUID(c, "check")
	if !ok {
		return
	}
	family, ok := httpapi.PathUUID(c, "family")
	if !ok {
		return
	}
	var req ReviewRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	if !(*req.ProblemEvidence && *req.Assessment && *req.FamilyPlan && *req.LeadProfessional) && req.FindingCode == "" {
		httpapi.Invalid(
			c,
			httpapi.FieldError{Field: "finding_code", Message: "is required when a requirement was not met"},
		)
		return
	}
	found, err := a.Store.Review(c, check, family, req, httpapi.Principal(c).Subject)
	if err != nil {
		httpapi.Fail(c, a.Log, "review", err)
		return
	}
	if !found {
		httpapi.NotFound(c, "Sampled case")
		return
	}
	a.answer(c, check, http.StatusOK)
}
