// Package record holds the parts of a family's case record that attachment needs: the
// whole-family assessment and the family plan. Each is replaced whole by a caseworker who may
// write the family's record, versioned (ETag), and every version is kept in record_history.
package record

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"
)

func init() {
	httpapi.RegisterPattern("memberid", `^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$`, "must be a member's opaque id")
}

// Need is one member's need under one problem.
type Need struct {
	Member  string `json:"member"  validate:"required,memberid"`
	Problem string `json:"problem" validate:"required,code"`
	Level   string `json:"level"   validate:"required,oneof=LOW MEDIUM HIGH"`
	Summary string `json:"summary" validate:"max=2000"`
}

// Assessment is the whole-family assessment.
type Assessment struct {
	CompletedOn string `json:"completed_on" validate:"required,datetime=2006-01-02"`
	Needs       []Need `json:"needs"        validate:"required,min=1,max=200,dive"`
}

// Outcome is an outcome of the family plan, tied to a problem of the Outcomes Plan.
type Outcome struct {
	Problem     string `json:"problem"     validate:"required,code"`
	Description string `json:"description" validate:"required,max=2000"`
}

// Action is a step of the family plan, owned by an agency.
type Action struct {
	Description string `json:"description" validate:"required,max=2000"`
	Agency      string `json:"agency"      validate:"required,oneof=COUNCIL_FAMILY_SERVICE POLICE HEALTH DISTRICT_COUNCIL FIRE_AND_RESCUE SCHOOL DWP HOUSING VOLUNTARY_SECTOR"`
	Due         string `json:"due"         validate:"required,datetime=2006-01-02"`
	Status      string `json:"status"      validate:"required,oneof=OPEN DONE DROPPED"`
}

// Plan is the family plan.
type Plan struct {
	AgreedOn string    `json:"agreed_on" validate:"required,datetime=2006-01-02"`
	Outcomes []Outcome `json:"outcomes"  validate:"required,min=1,max=50,dive"`
	Actions  []Action  `json:"actions"   validate:"max=200,dive"`
}

// part is one replaceable part of the record: its table, its history kind, its columns.
type part struct {
	table, kind string
	columns     func(v any) map[string]any
}

var (
	assessmentPart = part{table: `"case".assessments`, kind: "ASSESSMENT", columns: func(v any) map[string]any {
		a := v.(*Assessment)
		return map[string]any{"completed_on": a.CompletedOn, "needs": jsonOf(a.Needs)}
	}}
	planPart = part{table: `"case".family_plans`, kind: "FAMILY_PLAN", columns: func(v any) map[string]any {
		p := v.(*Plan)
		return map[string]any{"agreed_on": p.AgreedOn, "outcomes": jsonOf(p.Outcomes), "actions": jsonOf(p.Actions)}
	}}
)

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// ErrNoCase: the family has no case yet (it is opened by its allocation).
var ErrNoCase = errors.New("the family has no case")

// API serves the record's parts.
type API struct {
	DB       *gorm.DB
	Keys     *keyring.Keyring // seals members' identities (FIELD_KEYS)
	Temporal client.Client    // tells the family's workflow of new evidence and status changes
	Plans    *outcomes.Plans  // judges a referral's eligibility
	Guard    *httpapi.Guard
	Log      *slog.Logger
}

// store is the package's SQL (store.go).
func (a *API) store() Store { return Store{DB: a.DB, Keys: a.Keys} }

// Routes adds the routes; referrals, notes and evidence need the idempotency middleware.
func (a *API) Routes(r gin.IRouter, idempotent gin.HandlerFunc) {
	r.POST("/v1/referrals", a.Guard.Require(policy.FamilyRefer), idempotent, a.refer)
	r.PUT("/v1/families/:id/assessment", func(c *gin.Context) { put(a, c, assessmentPart, &Assessment{}) })
	r.GET("/v1/families/:id/assessment", func(c *gin.Context) { get(a, c, assessmentPart, &Assessment{}) })
	r.PUT("/v1/families/:id/plan", func(c *gin.Context) { put(a, c, planPart, &Plan{}) })
	r.GET("/v1/families/:id/plan", func(c *gin.Context) { get(a, c, planPart, &Plan{}) })
	a.caseworkRoutes(r, idempotent)
	a.membersRoutes(r)
}

// put replaces the part whole (If-Match, when sent, must be the current version's ETag).
func put(a *API, c *gin.Context, p part, v any) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	if _, ok := a.Guard.Family(c, policy.FamilyWrite, id.String()); !ok {
		return
	}
	if !httpapi.BindJSON(c, v) || !a.checkProblems(c, id, v) {
		return
	}
	version, err := a.store().PutPart(c, id, p, p.columns(v), v, ifMatch(c), httpapi.Principal(c).Subject)
	switch {
	case errors.Is(err, ErrNoCase):
		httpapi.NotFound(c, "The family's case (allocate the family first)")
	case errors.Is(err, errPreconditionNeeded):
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypePreconditionNeeded,
				Status: http.StatusPreconditionRequired,
				Title:  "If-Match is required",
				Detail: "This record exists: send the ETag you read it with in If-Match, so that a change made since is not overwritten.",
			},
		)
	case errors.Is(err, errPrecondition):
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypePreconditionFailed,
				Status: http.StatusPreconditionFailed,
				Title:  "Changed since you read it",
				Detail: "The record changed since the version in If-Match; read it again and send your change on the new version.",
			},
		)
	case err != nil:
		httpapi.Fail(c, a.Log, "write case record", err)
	default:
		httpapi.SetETag(c, version)
		c.JSON(http.StatusOK, v)
	}
}

var (
	errPrecondition       = errors.New("precondition failed")
	errPreconditionNeeded = errors.New("precondition required")
)

// ifMatch checks a change against the request's If-Match: a change that would overwrite what
// is recorded needs it, and a sent one must name the version recorded.
func ifMatch(c *gin.Context) versionCheck {
	m := c.GetHeader("If-Match")
	return func(recorded bool, current *int64) error {
		switch {
		case m == "" && recorded:
			return errPreconditionNeeded
		case m != "" && (current == nil || m != httpapi.ETag(*current)):
			return errPrecondition
		}
		return nil
	}
}

// get reads the part (the read is audited by the guard).
func get(a *API, c *gin.Context, p part, v any) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	if _, ok := a.Guard.Family(c, policy.FamilyRead, id.String()); !ok {
		return
	}
	row, err := a.store().Part(c, id, p)
	if err != nil {
		httpapi.Fail(c, a.Log, "read case record", err)
		return
	}
	if row == nil {
		httpapi.NotFound(c, "This part of the family's record")
		return
	}
	delete(row, "family_id")
	for _, k := range []string{"needs", "outcomes", "actions"} {
		if s, ok := row[k].(string); ok {
			row[k] = json.RawMessage(s)
		}
	}
	for _, k := range []string{"completed_on", "agreed_on"} {
		if t, ok := row[k].(time.Time); ok {
			row[k] = t.Format(time.DateOnly)
		}
	}
	if ver, ok := row["version"].(int64); ok {
		httpapi.SetETag(c, ver)
	}
	c.JSON(http.StatusOK, row)
}
