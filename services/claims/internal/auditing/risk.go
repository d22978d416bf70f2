package auditing

import (
	"encoding/csv"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// Kinds of claim at risk.
const (
	RiskHeld              = "HELD"               // judged again before submission, it no longer stood: never submitted
	RiskPossibleRepayment = "POSSIBLE_REPAYMENT" // paid, and judged again now it would no longer stand
)

// Judged is one side of a claim at risk: the judgement it was made on, or the one again.
type Judged struct {
	Route         string     `json:"route,omitempty"`
	AchievedAt    *time.Time `json:"achieved_at,omitempty"`
	EngineVersion string     `json:"engine_version"`
	Problems      string     `json:"problems"` // each baseline problem's status: "CODE:STATUS ..."
	JudgedAt      *time.Time `json:"judged_at,omitempty"`
}

// AtRisk is a claim held back or paid that would no longer stand, with both judgements side
// by side and the reason. Ids, codes and dates only.
type AtRisk struct {
	Kind        string `json:"kind"`
	ClaimID     string `json:"claim_id"`
	FamilyID    string `json:"family_id"`
	WindowID    string `json:"window_id"`
	PlanVersion string `json:"plan_version"`
	Claimed     Judged `json:"claimed"`
	JudgedAgain Judged `json:"judged_again"`
	Reason      string `json:"reason"`
}

// RiskColumns are the CSV's columns, in order (docs/services/claims.md).
var RiskColumns = []string{"kind", "claim_id", "family_id", "window_id", "plan_version", "claimed_route", "claimed_achieved_at",
	"claimed_engine", "claimed_problems", "judged_again_at", "judged_again_engine", "judged_again_route", "judged_again_achieved_at",
	"judged_again_problems", "reason"}

// claimRow is a claim as the report reads it.
type claimRow struct {
	ID, FamilyID, WindowID, Status, Route, PlanVersion, Problems, PackEngine string
	AchievedAt                                                               time.Time
	Sealed                                                                   []byte
	// The judgement again before submission, for held claims.
	AgainRoute, AgainProblems, AgainEngine, AgainReason string
	AgainAchievedAt, AgainAt                            *time.Time
}

// atRisk answers a plan's claims at risk for programme managers (docs/outcomes.md, ruling 5):
// those held back before submission, with their judgement again, and the paid claims that,
// judged again now under their pinned plan with this engine, would no longer stand: possible
// repayments. JSON, or CSV when the client accepts text/csv.
func (a *API) atRisk(c *gin.Context) {
	planID := c.Param("plan")
	if _, ok := a.Plans.Latest(planID); !ok {
		httpapi.NotFound(c, "Plan "+planID)
		return
	}
	var rows []claimRow
	err := a.DB.WithContext(c).Raw(`SELECT c.id::text AS id, c.family_id::text AS family_id, coalesce(c.window_id, '') AS window_id, c.status, c.route,
		c.plan_version, c.problems::text AS problems, c.achieved_at, coalesce(p.engine_version, '1') AS pack_engine, p.sealed,
		coalesce(r.route, '') AS again_route, coalesce(r.problems, '') AS again_problems,
		coalesce(r.engine_version, '') AS again_engine, coalesce(r.reason, '') AS again_reason, r.achieved_at AS again_achieved_at, r.judged_at AS again_at
		FROM claims.claims c LEFT JOIN claims.evidence_packs p ON p.claim_id = c.id
		LEFT JOIN claims.rejudgements r ON r.claim_id = c.id AND r.occasion = c.window_id
		WHERE c.plan_version LIKE ? AND c.status IN ('HELD', 'PAID') ORDER BY c.status, c.id`, planID+"@%").Scan(&rows).Error
	if err != nil {
		a.Log.ErrorContext(c, "claims at risk", "error", err.Error())
		httpapi.Internal(c)
		return
	}
	out := []AtRisk{}
	now := time.Now().UTC()
	for i := range rows {
		r := &rows[i]
		item := AtRisk{ClaimID: r.ID, FamilyID: r.FamilyID, WindowID: r.WindowID, PlanVersion: r.PlanVersion,
			Claimed: Judged{Route: r.Route, AchievedAt: &r.AchievedAt, EngineVersion: r.PackEngine, Problems: problemList(r.Problems)}}
		if r.Status == "HELD" { // its judgement before submission
			item.Kind, item.Reason = RiskHeld, r.AgainReason
			item.JudgedAgain = Judged{Route: r.AgainRoute, AchievedAt: r.AgainAchievedAt, EngineVersion: r.AgainEngine, Problems: r.AgainProblems, JudgedAt: r.AgainAt}
			out = append(out, item)
			continue
		}
		again := a.judgeAgain(c, r)
		if again.Stands {
			continue
		}
		item.Kind, item.Reason = RiskPossibleRepayment, again.Reason
		item.JudgedAgain = Judged{Route: again.Route, AchievedAt: again.AchievedAt, EngineVersion: again.EngineVersion, Problems: again.Problems, JudgedAt: &now}
		out = append(out, item)
	}
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		writeRisk(c, planID, out)
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan_id": planID, "engine_version": outcomes.EngineVersion, "items": out})
}

// judgeAgain judges a paid claim's pack again now. A pack that cannot be opened (its key gone)
// cannot show the claim stands.
func (a *API) judgeAgain(c *gin.Context, r *claimRow) ledger.Rejudgement {
	if r.Sealed == nil {
		return ledger.Rejudgement{ClaimID: r.ID, EngineVersion: outcomes.EngineVersion, Reason: "it has no evidence pack, so it cannot be judged again"}
	}
	pack, err := a.Packs.Open(uuid.MustParse(r.ID), r.Sealed)
	if err != nil {
		a.Log.ErrorContext(c, "open evidence pack", "claim_id", r.ID, "error", err.Error())
		return ledger.Rejudgement{ClaimID: r.ID, EngineVersion: outcomes.EngineVersion, Reason: "its evidence pack cannot be opened with the keys held"}
	}
	return ledger.Rejudge(a.Plans, r.ID, pack)
}

func writeRisk(c *gin.Context, planID string, items []AtRisk) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="claims-at-risk-`+planID+`-`+time.Now().UTC().Format(time.DateOnly)+`.csv"`)
	w := csv.NewWriter(c.Writer)
	_ = w.Write(RiskColumns)
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.DateOnly)
	}
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, it := range items {
		_ = w.Write([]string{it.Kind, it.ClaimID, it.FamilyID, it.WindowID, it.PlanVersion, it.Claimed.Route, date(it.Claimed.AchievedAt),
			it.Claimed.EngineVersion, it.Claimed.Problems, stamp(it.JudgedAgain.JudgedAt), it.JudgedAgain.EngineVersion, it.JudgedAgain.Route,
			date(it.JudgedAgain.AchievedAt), it.JudgedAgain.Problems, it.Reason})
	}
	w.Flush()
}
