// Package record holds the parts of a family's case record that attachment needs: the
// whole-family assessment and the family plan. Each is replaced whole by a caseworker who may
// write the family's record, versioned (ETag), and every version is kept in record_history.
package record

import (
	"context"
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
	"github.com/google/uuid"
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
	by := httpapi.Principal(c).Subject
	cols := p.columns(v)
	var version int64
	err := a.DB.WithContext(c).Transaction(func(tx *gorm.DB) error {
		var exists int64
		if err := tx.Raw(`SELECT count(*) FROM "case".families WHERE id = ?`, id).Scan(&exists).Error; err != nil {
			return err
		}
		if exists == 0 {
			return ErrNoCase
		}
		var current []int64
		if err := tx.Raw(`SELECT version FROM `+p.table+` WHERE family_id = ? FOR UPDATE`, id).Scan(&current).Error; err != nil {
			return err
		}
		// Changing an existing record needs the version it was read at (a concurrent change is
		// never lost); the first write of a part needs none.
		switch m := c.GetHeader("If-Match"); {
		case m == "" && len(current) > 0:
			return errPreconditionNeeded
		case m != "" && (len(current) == 0 || m != httpapi.ETag(current[0])):
			return errPrecondition
		}
		cols["updated_by"], cols["updated_at"] = by, time.Now().UTC()
		if len(current) == 0 {
			version = 1
			cols["family_id"], cols["version"] = id, version
			if err := tx.Table(p.table).Create(cols).Error; err != nil {
				return err
			}
		} else {
			version = current[0] + 1
			cols["version"] = version
			if err := tx.Table(p.table).Where("family_id = ?", id).Updates(cols).Error; err != nil {
				return err
			}
		}
		return tx.Exec(
			`INSERT INTO "case".record_history (family_id, kind, version, content, changed_by) VALUES (?, ?, ?, ?::jsonb, ?)`,
			id,
			p.kind,
			version,
			jsonOf(v),
			by,
		).Error
	})
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

// get reads the part (the read is audited by the guard).
func get(a *API, c *gin.Context, p part, v any) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	if _, ok := a.Guard.Family(c, policy.FamilyRead, id.String()); !ok {
		return
	}
	var rows []map[string]any
	if err := a.DB.WithContext(c).Table(p.table).Where("family_id = ?", id).Find(&rows).Error; err != nil {
		httpapi.Fail(c, a.Log, "read case record", err)
		return
	}
	if len(rows) == 0 {
		httpapi.NotFound(c, "This part of the family's record")
		return
	}
	row := rows[0]
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

// Has says whether the family has an assessment and a family plan with an outcome.
func Has(ctx context.Context, db *gorm.DB, id uuid.UUID) (assessment, plan bool, err error) {
	var r struct{ A, P bool }
	err = db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM "case".assessments WHERE family_id = ?) AS a,
		EXISTS (SELECT 1 FROM "case".family_plans WHERE family_id = ? AND jsonb_array_length(outcomes) > 0) AS p`, id, id).Scan(&r).Error
	return r.A, r.P, err
}
