// Package reports answers tracking's reports from its read model (family_status): as JSON,
// or as CSV when the client accepts text/csv. Ids, codes, counts and dates only; managers
// and analysts read them (report.read).
package reports

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
)

// API serves the reports.
type API struct {
	DB    *gorm.DB
	Plans *outcomes.Plans // the published plans: ?plan= must name one
	// CaseURL is the case service's API: the management pack shows its data-quality checks,
	// read with the caller's own token.
	CaseURL string
	Guard   *httpapi.Guard
	Log     *slog.Logger
}

// Routes adds the routes.
func (a *API) Routes(r gin.IRouter) {
	g := r.Group("/v1/reports", a.Guard.Require(policy.ReportRead), a.knownPlan)
	g.GET("/claim-projection", a.projection)
	g.GET("/outstanding-problems", a.outstanding)
	g.GET("/blocked-by-one-problem", a.blockedByOne)
	g.GET("/continuous-employment", a.employment)
	g.GET("/management-pack", a.pack)
	g.GET("/forecast", a.forecastReport)
	g.GET("/forecast-history", a.forecastHistory)
	g.GET("/stale-evidence", a.freshness)
}

// table is a report: a header and rows of text, answered as CSV or as JSON objects.
type table struct {
	name   string
	header []string
	rows   [][]string
	whole  bool // a document read whole (the management pack), never paged
}

// answer sends the report: CSV whole (a download), or JSON a page at a time (?limit=, at
// most 200, default 50; next_cursor names the next page while there is one), but for a
// document read whole.
func (a *API) answer(c *gin.Context, t table) {
	if t.whole || c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		a.answerWhole(c, t)
		return
	}
	pr, ok := httpapi.ParsePage(c)
	if !ok {
		return
	}
	after, ok := httpapi.After[int](c, pr) // the row the page starts at
	if !ok {
		return
	}
	start := 0
	if after != nil {
		start = *after
	}
	if start < 0 || start > len(t.rows) {
		httpapi.Invalid(c, httpapi.FieldError{Field: "cursor", Message: "is not a cursor this API issued"})
		return
	}
	end := min(start+pr.Limit, len(t.rows))
	body := gin.H{"report": t.name, "items": t.items(t.rows[start:end])}
	if end < len(t.rows) {
		body["next_cursor"] = httpapi.EncodeCursor(end)
	}
	c.JSON(http.StatusOK, body)
}

// answerWhole sends every row: as CSV when asked for it, else as JSON.
func (a *API) answerWhole(c *gin.Context, t table) {
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") != "text/csv" {
		c.JSON(http.StatusOK, gin.H{"report": t.name, "items": t.items(t.rows)})
		return
	}
	w := httpapi.CSVAttachment(c, t.name+"-"+time.Now().UTC().Format(time.DateOnly))
	_ = w.Write(t.header)
	_ = w.WriteAll(t.rows) // flushes; a client gone mid-answer has nothing to be told
}

// items are rows as JSON objects, their cells typed.
func (t table) items(rows [][]string) []map[string]any {
	items := make([]map[string]any, 0, len(rows))
	for _, row := range rows {
		item := make(map[string]any, len(t.header))
		for j, h := range t.header {
			item[h] = typed(h, row[j])
		}
		items = append(items, item)
	}
	return items
}

// typed is a report cell as JSON shows it: counts as numbers, flags as booleans, the rest as
// text (CSV shows every cell as text).
func typed(column, v string) any {
	switch column {
	case "families", "outstanding_problems", "value", "achieved", "profile", "budget_results", "profile_results",
		"results_p10", "results_p50", "results_p90", "results_income_p10_pence", "results_income_p50_pence", "results_income_p90_pence":
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	case "chance_of_profile", "chance_of_budget":
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	case "possible_uc_move", "past":
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return v
}

func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// knownPlan answers 404 for a ?plan= that names no published plan, rather than an empty
// report that would read as "no families".
func (a *API) knownPlan(c *gin.Context) {
	if p := c.Query("plan"); p != "" {
		if _, ok := a.Plans.Latest(p); !ok {
			httpapi.NotFound(c, "Plan")
			return
		}
	}
	c.Next()
}

// store is the reports' statements over the API's database.
func (a *API) store() Store { return Store{DB: a.DB} }

func (a *API) fail(c *gin.Context, err error) {
	httpapi.Fail(c, a.Log, "report", err)
}

// projection is the tracking report: each attached family with its outstanding problems and
// its result, or the earliest date it could be claimed if progress holds; counted by those,
// without family ids, for a caller not entitled to per-family rows.
func (a *API) projection(c *gin.Context) {
	perFamily, ok := a.Guard.FamilyRows(c, "claim-projection")
	if !ok {
		return
	}
	if !perFamily {
		a.counted(
			c,
			"claim-projection",
			[]string{"plan_version", "outstanding_problems", "result_route", "earliest_claim_month", "families"},
			`plan_version, outstanding::text, coalesce(result_route, ''), coalesce(to_char(coalesce(achieved_at, earliest_claim_at), 'YYYY-MM'), '')`,
			"",
		)
		return
	}
	rows, err := a.store().Projection(c, c.Query("plan"))
	if err != nil {
		a.fail(c, err)
		return
	}
	t := table{
		name: "claim-projection",
		header: []string{
			"family_id",
			"plan_version",
			"attached_at",
			"outstanding_problems",
			"result_route",
			"achieved_at",
			"earliest_claim_at",
			"blocking",
		},
	}
	for _, r := range rows {
		route := ""
		if r.ResultRoute != nil {
			route = *r.ResultRoute
		}
		t.rows = append(
			t.rows,
			[]string{
				r.FamilyID,
				r.PlanVersion,
				day(&r.AttachedAt),
				strconv.Itoa(r.Outstanding),
				route,
				day(r.AchievedAt),
				day(r.EarliestClaimAt),
				strings.Join(r.Blocking, " "),
			},
		)
	}
	a.answer(c, t)
}

// outstanding counts attached families without a result by their number of outstanding problems.
func (a *API) outstanding(c *gin.Context) {
	rows, err := a.store().Outstanding(c, c.Query("plan"))
	if err != nil {
		a.fail(c, err)
		return
	}
	t := table{name: "outstanding-problems", header: []string{"outstanding_problems", "families"}}
	for _, r := range rows {
		t.rows = append(t.rows, []string{strconv.Itoa(r.Outstanding), strconv.Itoa(r.Families)})
	}
	a.answer(c, t)
}

// blockedByOne is the seeds' table: families without a result that exactly one problem blocks,
// counted by that problem.
func (a *API) blockedByOne(c *gin.Context) {
	rows, err := a.store().BlockedByOne(c, c.Query("plan"))
	if err != nil {
		a.fail(c, err)
		return
	}
	t := table{name: "blocked-by-one-problem", header: []string{"problem", "families"}}
	for _, r := range rows {
		t.rows = append(t.rows, []string{r.Problem, strconv.Itoa(r.Families)})
	}
	a.answer(c, t)
}

// flagPossibleUCMove is the engine's flag on an adult who left a legacy benefit when Universal
// Credit may have replaced it: not claimable until work is evidenced.
const flagPossibleUCMove = "POSSIBLE_MOVE_TO_UC_EVIDENCE_OF_WORK_NEEDED"

// employment lists continuous-employment candidates: families whose adult's work made or would
// make a CE result, and those flagged as a possible move to UC, which are kept out (not
// claimable) until work is evidenced.
func (a *API) employment(c *gin.Context) {
	perFamily, ok := a.Guard.FamilyRows(c, "continuous-employment")
	if !ok {
		return
	}
	if !perFamily {
		a.counted(
			c,
			"continuous-employment",
			[]string{"plan_version", "status", "families"},
			`plan_version, CASE WHEN '`+flagPossibleUCMove+`' = ANY(flags) THEN 'KEPT_OUT_UNTIL_WORK_EVIDENCED' WHEN result_route IS NOT NULL THEN 'ACHIEVED' ELSE 'CANDIDATE' END`,
			`ce_projected_at IS NOT NULL OR '`+flagPossibleUCMove+`' = ANY(flags)`,
		)
		return
	}
	rows, err := a.store().Employment(c, c.Query("plan"))
	if err != nil {
		a.fail(c, err)
		return
	}
	t := table{
		name:   "continuous-employment",
		header: []string{"family_id", "plan_version", "ce_date", "claimed_by", "possible_uc_move", "status"},
	}
	for _, r := range rows {
		route, status := "", "CANDIDATE"
		if r.ResultRoute != nil {
			route, status = *r.ResultRoute, "ACHIEVED"
		}
		if r.Flagged {
			status = "KEPT_OUT_UNTIL_WORK_EVIDENCED"
		}
		t.rows = append(
			t.rows,
			[]string{r.FamilyID, r.PlanVersion, day(r.CEProjectedAt), route, strconv.FormatBool(r.Flagged), status},
		)
	}
	a.answer(c, t)
}

// counted answers a report as counts of families by the groups (SQL expressions giving text,
// in header order), for a caller not entitled to its per-family rows: where is an optional
// condition of the report's families.
func (a *API) counted(c *gin.Context, name string, header []string, groups, where string) {
	out, err := a.store().Counts(c, c.Query("plan"), groups, where, len(header)-1)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.answer(c, table{name: name + "-counts", header: header, rows: out})
}
