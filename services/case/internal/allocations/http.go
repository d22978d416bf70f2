package allocations

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/platform/access"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func init() {
	httpapi.RegisterPattern(
		"subject",
		`^[A-Za-z0-9][A-Za-z0-9._@:|-]{0,127}$`,
		"must be a user's subject: letters, digits and . _ @ : | -",
	)
	httpapi.RegisterPattern(
		"team",
		`^[a-z0-9][a-z0-9-]{0,63}$`,
		"must be a team code: lower-case letters, digits and dashes",
	)
}

// Agencies a lead professional may come from (docs/programme.md, "Who uses it").
var Agencies = []string{"COUNCIL_FAMILY_SERVICE", "POLICE", "HEALTH", "DISTRICT_COUNCIL", "FIRE_AND_RESCUE"}

// API serves allocations and the relationship check.
type API struct {
	Store Store
	Guard *httpapi.Guard
	Log   *slog.Logger
	// Temporal tells the family's workflow when its processing is restricted or lifted.
	Temporal client.Client
}

// Routes adds the routes.
func (a *API) Routes(r gin.IRouter) {
	r.GET(access.RelationshipPath, a.relationship)
	r.GET("/v1/families/:id/allocation", a.get)
	r.PUT("/v1/families/:id/allocation", a.put)
	r.PUT("/v1/families/:id/restriction", a.restrict)
	r.GET("/v1/caseload", a.caseload)
	r.GET("/v1/families", a.search)
	r.POST("/v1/caseloads/:subject/reassignment", a.reassign)
}

// Grounds for restricting processing (UK GDPR Article 18(1)).
var Grounds = []string{"ACCURACY_CONTESTED", "UNLAWFUL_PROCESSING", "NEEDED_FOR_LEGAL_CLAIMS", "OBJECTION_PENDING"}

// RestrictionRequest restricts processing (restricted with a ground) or lifts it.
type RestrictionRequest struct {
	Restricted bool   `json:"restricted"`
	Ground     string `json:"ground"     validate:"required_if=Restricted true,excluded_if=Restricted false,omitempty,oneof=ACCURACY_CONTESTED UNLAWFUL_PROCESSING NEEDED_FOR_LEGAL_CLAIMS OBJECTION_PENDING"`
}

// restrict sets or lifts the restriction of processing of a family's data (administrators,
// for the data protection officer). Audited like every change of a case record.
func (a *API) restrict(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	var req RestrictionRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	if _, ok := a.Guard.Family(c, policy.FamilyRestrict, id.String()); !ok {
		return
	}
	ground := req.Ground
	if !req.Restricted {
		ground = ""
	}
	f, err := a.Store.Restrict(c, id, ground)
	if errors.Is(err, ErrNotFound) {
		httpapi.NotFound(c, "Family")
		return
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "restrict processing", err)
		return
	}
	// The family's workflow pauses judging, claiming and evidence freezing while restricted.
	// A family with no workflow (a case opened by hand) has nothing to pause.
	err = a.Temporal.SignalWorkflow(c, familyWorkflow(id), "", contract.SignalRestrictionChanged,
		&familypathv1.RestrictionChanged{Restricted: req.Restricted, At: timestamppb.Now()})
	var notFound *serviceerror.NotFound
	if err != nil && !errors.As(err, &notFound) {
		a.Log.ErrorContext(c, "signal the restriction", "error", err.Error())
		httpapi.Unavailable(
			c,
			"The restriction was recorded but the family's workflow could not be told; send the same request again.",
		)
		return
	}
	httpapi.SetETag(c, f.Version)
	c.JSON(http.StatusOK, body(f))
}

// familyWorkflow is the id of a family's workflow (the family id is a uuid: always valid).
func familyWorkflow(id uuid.UUID) string {
	wf, _ := contract.FamilyWorkflowID(id.String())
	return wf
}

// LeadProfessional names the family's lead professional and their agency.
type LeadProfessional struct {
	Subject string `json:"subject" validate:"required,subject"`
	Agency  string `json:"agency"  validate:"required,oneof=COUNCIL_FAMILY_SERVICE POLICE HEALTH DISTRICT_COUNCIL FIRE_AND_RESCUE"`
}

// AllocationRequest sets who works with a family, whole.
type AllocationRequest struct {
	Team             string            `json:"team"              validate:"required,team"`
	LeadProfessional *LeadProfessional `json:"lead_professional"`
	Caseworkers      []string          `json:"caseworkers"       validate:"max=50,unique,dive,subject"`
}

// AllocationBody is a family's allocation as the API shows it.
type AllocationBody struct {
	FamilyID         string            `json:"family_id"`
	Team             string            `json:"team"`
	LeadProfessional *LeadProfessional `json:"lead_professional,omitempty"`
	Caseworkers      []string          `json:"caseworkers"`
	// Restriction is present while processing of the family's data is restricted.
	Restriction *Restriction `json:"restriction,omitempty"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// Restriction says since when and on what ground processing is restricted.
type Restriction struct {
	Since  time.Time `json:"since"`
	Ground string    `json:"ground"`
}

func body(f *Family) AllocationBody {
	b := AllocationBody{FamilyID: f.ID.String(), Team: f.Team, Caseworkers: f.Caseworkers, UpdatedAt: f.UpdatedAt.UTC()}
	if f.LeadProfessional != nil {
		b.LeadProfessional = &LeadProfessional{Subject: *f.LeadProfessional, Agency: *f.LeadProfessionalAgency}
	}
	if b.Caseworkers == nil {
		b.Caseworkers = []string{}
	}
	if f.RestrictedAt != nil {
		b.Restriction = &Restriction{Since: f.RestrictedAt.UTC(), Ground: *f.RestrictionGround}
	}
	return b
}

// relationship answers the caller's own relationship to the family (other services pass
// their caller's token on). It tells nothing about the family but that.
func (a *API) relationship(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	acc, err := a.Store.Access(c, httpapi.Principal(c), id)
	if err != nil {
		a.Log.ErrorContext(c, "read relationship", "error", err.Error())
		httpapi.Unavailable(c, "The relationship cannot be read now; retry shortly.")
		return
	}
	c.JSON(
		http.StatusOK,
		access.RelationshipBody{
			FamilyID:     id.String(),
			Relationship: acc.Relationship.String(),
			Restricted:   acc.Restricted,
		},
	)
}

func (a *API) get(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	if _, ok := a.Guard.Family(c, policy.FamilyRead, id.String()); !ok {
		return
	}
	f, err := a.Store.Get(c, id)
	if errors.Is(err, ErrNotFound) {
		httpapi.NotFound(c, "Family")
		return
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "read allocation", err)
		return
	}
	httpapi.SetETag(c, f.Version)
	c.JSON(http.StatusOK, body(f))
}

// put creates a family's allocation (administrators), or replaces it (its team's manager,
// administrators) with If-Match.
func (a *API) put(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	var req AllocationRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	if _, ok := a.Guard.Family(c, policy.FamilyAllocate, id.String()); !ok {
		return
	}
	current, err := a.Store.Get(c, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		httpapi.Fail(c, a.Log, "read allocation", err)
		return
	}
	var read int64
	if current != nil {
		if !httpapi.RequireIfMatch(c, current.Version) {
			return
		}
		read = current.Version
	} else if !a.known(c, id) {
		return
	}
	f := Family{ID: id, Team: req.Team, Caseworkers: req.Caseworkers}
	if lp := req.LeadProfessional; lp != nil {
		f.LeadProfessional, f.LeadProfessionalAgency = &lp.Subject, &lp.Agency
	}
	saved, err := a.Store.Put(c, f, read, httpapi.Principal(c).Subject)
	if errors.Is(err, ErrStale) {
		httpapi.Abort(c, httpapi.Problem{Type: httpapi.TypePreconditionFailed, Status: http.StatusPreconditionFailed,
			Title: "The allocation has changed", Detail: "Read it again, then retry your change with its new ETag."})
		return
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "write allocation", err)
		return
	}
	status := http.StatusOK
	if current == nil {
		status = http.StatusCreated
		c.Header("Location", "/v1/families/"+id.String()+"/allocation")
	}
	httpapi.SetETag(c, saved.Version)
	c.JSON(status, body(saved))
}

// TypeUnknownFamily is the problem type of an allocation for a family the programme does
// not know.
const TypeUnknownFamily = "https://familypath.dev/problems/unknown-family"

// known says whether the programme knows the family (its workflow exists: identification, a
// referral or an import started it), answering 422 when not: an allocation for a made-up id
// would show as a phantom case in caseloads.
func (a *API) known(c *gin.Context, id uuid.UUID) bool {
	wf, _ := contract.FamilyWorkflowID(id.String())
	_, err := a.Temporal.DescribeWorkflowExecution(c, wf, "")
	var missing *serviceerror.NotFound
	switch {
	case errors.As(err, &missing):
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   TypeUnknownFamily,
				Status: http.StatusUnprocessableEntity,
				Title:  "The family is not known to the programme",
				Detail: "Only a family that identification, a referral or an import has brought into the programme can be allocated.",
			},
		)
		return false
	case err != nil:
		httpapi.Fail(c, a.Log, "check the family is known", err)
		return false
	}
	return true
}

// Local answers relationships from the case service's own allocations.
type Local struct{ Store Store }

// Family implements httpapi.Relationships.
func (l Local) Family(ctx context.Context, p auth.Principal, _ string, familyID string) (policy.Access, error) {
	id, err := uuid.Parse(familyID)
	if err != nil {
		return policy.Access{}, nil
	}
	return l.Store.Access(ctx, p, id)
}
