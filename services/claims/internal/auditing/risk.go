package auditing

import (
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"github.com/gin-gonic/gin"
)

// RiskColumns are the claims-at-risk CSV's columns, in order (docs/services/claims.md).
var RiskColumns = []string{
	"kind",
	"claim_id",
	"family_id",
	"window_id",
	"plan_version",
	"claimed_route",
	"claimed_achieved_at",
	"claimed_engine",
	"claimed_problems",
	"judged_again_at",
	"judged_again_engine",
	"judged_again_route",
	"judged_again_achieved_at",
	"judged_again_problems",
	"reason",
}

// atRisk answers a plan's claims at risk for programme managers (ledger.ClaimsAtRisk): JSON,
// or CSV when the client accepts text/csv.
func (a *API) atRisk(c *gin.Context) {
	planID, ok := a.planParam(c)
	if !ok {
		return
	}
	perFamily, ok := a.Guard.FamilyRows(c, "claims-at-risk/"+planID)
	if !ok {
		return
	}
	out, err := ledger.ClaimsAtRisk(c, a.DB, a.Plans, a.Packs, planID, a.Log)
	if err != nil {
		httpapi.Fail(c, a.Log, "claims at risk", err)
		return
	}
	if !perFamily { // counted by kind, with no claim or family ids
		counts := map[string]int{}
		for _, it := range out {
			counts[it.Kind]++
		}
		c.JSON(http.StatusOK, gin.H{"plan_id": planID, "engine_version": outcomes.EngineVersion, "counts": counts})
		return
	}
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		writeRisk(c, planID, out)
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan_id": planID, "engine_version": outcomes.EngineVersion, "items": out})
}

func writeRisk(c *gin.Context, planID string, items []ledger.AtRisk) {
	w := httpapi.CSVAttachment(c, "claims-at-risk-"+planID+"-"+time.Now().UTC().Format(time.DateOnly))
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
		_ = w.Write(
			[]string{
				it.Kind,
				it.ClaimID,
				it.FamilyID,
				it.WindowID,
				it.PlanVersion,
				it.Claimed.Route,
				date(it.Claimed.AchievedAt),
				it.Claimed.EngineVersion,
				it.Claimed.Problems,
				stamp(it.JudgedAgain.JudgedAt),
				it.JudgedAgain.EngineVersion,
				it.JudgedAgain.Route,
				date(it.JudgedAgain.AchievedAt),
				it.JudgedAgain.Problems,
				it.Reason,
			},
		)
	}
	w.Flush()
}
