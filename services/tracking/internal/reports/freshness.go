package reports

import (
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/gin-gonic/gin"
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
			httpapi.Invalid(
				c,
				httpapi.FieldError{Field: "days", Message: "must be a whole number of days from 1 to 365"},
			)
			return
		}
		days = n
	}
	perFamily, ok := a.Guard.FamilyRows(c, "stale-evidence")
	if !ok {
		return
	}
	rows, err := a.store().Stale(c, c.Query("plan"), days)
	if err != nil {
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
	t := table{
		name: "stale-evidence",
		header: []string{
			"check",
			"family_id",
			"plan_version",
			"judged_for",
			"extracts_through",
			"newest_extracts_through",
		},
	}
	for _, r := range rows {
		t.rows = append(
			t.rows,
			[]string{r.CheckName, r.FamilyID, r.PlanVersion, day(&r.JudgedFor), day(r.Latest), day(r.Newest)},
		)
	}
	a.answer(c, t)
}
