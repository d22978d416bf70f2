package reports

import (
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
)

// DefaultStaleDays is how far a family's newest extract data may lag the newest any family
// was judged with before the family is reported (?days= changes it): a month's extract, and
// half a month's grace.
const DefaultStaleDays = 45

// Freshness checks.
const (
	EvidenceNotRefreshed = "EVIDENCE_NOT_REFRESHED" // newer extracts were judged for others, not for it
	NoExtractCoverage    = "NO_EXTRACT_COVERAGE"    // no extract has covered it (a referred family, say)
)

// staleFamilies is the query of attached families without a result whose newest extract
// coverage lags the newest of any family by more than days, or that no extract covers.
func staleFamilies(c *gin.Context, db *gorm.DB, days int) *gorm.DB {
	return db.WithContext(c).Raw(`WITH f AS (
		SELECT family_id, plan_version, judged_for,
			(SELECT max(v::timestamptz) FROM jsonb_each_text(coverage) AS cov(k, v) WHERE k <> 'caseworker') AS latest
		FROM tracking.family_status WHERE result_route IS NULL AND (? = '' OR split_part(plan_version, '@', 1) = ?)),
		g AS (SELECT max(latest) AS newest FROM f)
		SELECT family_id::text AS family_id, plan_version, judged_for, latest, newest,
			CASE WHEN latest IS NULL THEN ? ELSE ? END AS check_name
		FROM f, g WHERE latest IS NULL OR latest < newest - make_interval(days => ?)
		ORDER BY latest NULLS FIRST, family_id`, c.Query("plan"), c.Query("plan"), NoExtractCoverage, EvidenceNotRefreshed, days)
}

type staleRow struct {
	FamilyID, PlanVersion, CheckName string
	JudgedFor                        time.Time
	Latest, Newest                   *time.Time
}

// freshness lists attached families whose evidence no extract has refreshed: per family for
// the data team and the programme manager (each read audited), counts by check for others.
func (a *API) freshness(c *gin.Context) {
	days := DefaultStaleDays
	if d := c.Query("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 365 {
			httpapi.Invalid(c, httpapi.FieldError{Field: "days", Message: "must be a whole number of days from 1 to 365"})
			return
		}
		days = n
	}
	perFamily, ok := a.Guard.FamilyRows(c, "stale-evidence")
	if !ok {
		return
	}
	var rows []staleRow
	if err := staleFamilies(c, a.DB, days).Scan(&rows).Error; err != nil {
		a.fail(c, err)
		return
	}
	if !perFamily {
		counts := map[string]int{}
		for _, r := range rows {
			counts[r.CheckName]++
		}
		t := table{name: "stale-evidence-counts", header: []string{"check", "families"}}
		for _, k := range []string{EvidenceNotRefreshed, NoExtractCoverage} {
			t.rows = append(t.rows, []string{k, strconv.Itoa(counts[k])})
		}
		a.answer(c, t)
		return
	}
	t := table{name: "stale-evidence", header: []string{"check", "family_id", "plan_version", "judged_for", "extracts_through", "newest_extracts_through"}}
	for _, r := range rows {
		t.rows = append(t.rows, []string{r.CheckName, r.FamilyID, r.PlanVersion, day(&r.JudgedFor), day(r.Latest), day(r.Newest)})
	}
	a.answer(c, t)
}
