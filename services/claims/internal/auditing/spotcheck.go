package auditing

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
)

// TrailEntry is one step of a claim's decision trail.
type TrailEntry struct {
	At     time.Time `json:"at"`
	Step   string    `json:"step"` // CLAIMED, SAMPLED, REMINDED, ESCALATED, DECIDED, SUBMITTED, PAID
	Detail string    `json:"detail"`
	By     string    `json:"by,omitempty"`
}

// SpotCheck is a claim's spot-check export: its evidence pack, opened, and its decision trail.
type SpotCheck struct {
	ClaimID string       `json:"claim_id"`
	Status  string       `json:"status"`
	Pack    *ledger.Pack `json:"evidence_pack"`
	Trail   []TrailEntry `json:"decision_trail"`
}

// spotCheck exports any claim's evidence pack and decision trail to internal auditors; the
// read is in the audit trail before the pack is opened.
func (a *API) spotCheck(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	cl, err := a.store().Claim(c, id)
	if err != nil {
		httpapi.Fail(c, a.Log, "spotCheck", err)
		return
	}
	rel := policy.None
	if cl != nil && cl.Sampled {
		rel = policy.AuditAssigned
	}
	if !a.Guard.Decide(c, policy.ClaimRead, "claim", id.String(), rel) {
		return
	}
	sp, err := a.store().Pack(c, id)
	if err != nil {
		httpapi.Fail(c, a.Log, "spotCheck", err)
		return
	}
	if sp == nil {
		httpapi.NotFound(c, "Claim")
		return
	}
	pack, err := a.Packs.Open(id, sp.Sealed)
	if err == nil {
		pack.Problems, err = exportProblems(pack.Problems)
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "open evidence pack", err)
		return
	}
	trail, err := a.trail(c, id, sp.CreatedAt)
	if err != nil {
		httpapi.Fail(c, a.Log, "spotCheck", err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="claim-`+id.String()+`-spot-check.json"`)
	c.JSON(http.StatusOK, SpotCheck{ClaimID: id.String(), Status: sp.Status, Pack: pack, Trail: trail})
}

// ProblemExport is a frozen problem judgement as the spot-check export shows it, in the API's
// style: snake_case fields, a status without its PROBLEM_STATUS_ prefix, dates and times as
// RFC 3339.
type ProblemExport struct {
	Code        string     `json:"code"`
	Status      string     `json:"status"` // OUTSTANDING, SIGNIFICANT_PROGRESS, SUSTAINED
	ClockStart  *time.Time `json:"clock_start,omitempty"`
	SustainedAt *time.Time `json:"sustained_at,omitempty"`
	Waiting     string     `json:"waiting,omitempty"`
	Awaiting    []string   `json:"awaiting,omitempty"`
}

// exportProblems reads a pack's problem judgements as they were frozen (the protobuf's JSON:
// camelCase, PROBLEM_STATUS_ names) and writes them as ProblemExport. The sealed pack is
// never changed: only what the auditor is shown.
func exportProblems(frozen json.RawMessage) (json.RawMessage, error) {
	var each []json.RawMessage
	if err := json.Unmarshal(frozen, &each); err != nil {
		return nil, err
	}
	out := make([]ProblemExport, 0, len(each))
	for _, b := range each {
		var pj familypathv1.ProblemJudgement
		if err := protojson.Unmarshal(b, &pj); err != nil {
			return nil, err
		}
		e := ProblemExport{Code: pj.GetCode(), Status: strings.TrimPrefix(pj.GetStatus().String(), "PROBLEM_STATUS_"),
			Waiting: pj.GetWaiting(), Awaiting: pj.GetAwaiting()}
		if t := pj.GetClockStart(); t != nil {
			v := t.AsTime().UTC()
			e.ClockStart = &v
		}
		if t := pj.GetSustainedAt(); t != nil {
			v := t.AsTime().UTC()
			e.SustainedAt = &v
		}
		out = append(out, e)
	}
	return json.Marshal(out)
}

// trail is the claim's steps in time order, from claims' own tables.
func (a *API) trail(c *gin.Context, id uuid.UUID, created time.Time) ([]TrailEntry, error) {
	out := []TrailEntry{{At: created.UTC(), Step: "CLAIMED"}}
	steps, err := a.store().Steps(c, id)
	if err != nil {
		return nil, err
	}
	for i := range steps {
		steps[i].At = steps[i].At.UTC()
	}
	return append(out, steps...), nil
}
