package reports

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/services/tracking/internal/forecasting"
	"github.com/gin-gonic/gin"
)

// pack is the monthly management pack (docs/programme.md, "What managers watch"): for a month
// (?month=YYYY-MM, default the current one), attachments, progress to claims, potential
// claims in the months ahead, attached families by number of outstanding problems, and the
// seeds' table of families blocked by one problem. Dates come from the read model (when a
// family was attached, achieved its result, could first be claimed); counts of outstanding
// problems are as tracking judges them now. One row a measure: section, measure, value.
func (a *API) pack(c *gin.Context) {
	month := time.Now().UTC().Format("2006-01")
	if m := c.Query("month"); m != "" {
		month = m
	}
	start, err := time.ParseInLocation("2006-01", month, time.UTC)
	if err != nil {
		httpapi.Invalid(c, httpapi.FieldError{Field: "month", Message: "must be a month, YYYY-MM"})
		return
	}
	end := start.AddDate(0, 1, 0)
	s, plan := a.store(), c.Query("plan")
	f, err := s.Month(c, plan, start, end)
	if err != nil {
		a.fail(c, err)
		return
	}
	outstanding, err := s.Outstanding(c, plan)
	if err != nil {
		a.fail(c, err)
		return
	}
	blocked, err := s.BlockedByOne(c, plan)
	if err != nil {
		a.fail(c, err)
		return
	}
	t := table{name: "management-pack-" + month, header: []string{"section", "measure", "value"}}
	add := func(section, measure string, v int) {
		t.rows = append(t.rows, []string{section, measure, strconv.Itoa(v)})
	}
	add("attachments", "attached in the month", f.AttachedInMonth)
	add("attachments", "attached by the month's end", f.AttachedByEnd)
	add("progress to claims", "results achieved in the month", f.AchievedInMonth)
	add("progress to claims", "results achieved in the month: significant and sustained progress", f.AchievedSSPInMonth)
	add("progress to claims", "results achieved in the month: continuous employment", f.AchievedCEInMonth)
	add("progress to claims", "results achieved by the month's end", f.AchievedByEnd)
	add("progress to claims", "every baseline problem met, sustaining (no result yet)", f.Sustaining)
	add("potential claims", "claimable within 1 month of the month's end, if progress holds", f.Next1)
	add("potential claims", "claimable within 3 months", f.Next3)
	add("potential claims", "claimable within 6 months", f.Next6)
	for _, o := range outstanding {
		add("attached families by outstanding problems", strconv.Itoa(o.Outstanding)+" outstanding", o.Families)
	}
	for _, b := range blocked {
		add("blocked by one problem", b.Problem, b.Families)
	}
	stale, err := s.Stale(c, plan, DefaultStaleDays)
	if err != nil {
		a.fail(c, err)
		return
	}
	notRefreshed := 0
	for _, r := range stale {
		if r.CheckName == EvidenceNotRefreshed {
			notRefreshed++
		}
	}
	add(
		"data quality",
		"attached families whose evidence no extract has refreshed for "+strconv.Itoa(DefaultStaleDays)+" days (now)",
		notRefreshed,
	)
	add("data quality", "attached families no extract covers (now)", len(stale)-notRefreshed)
	// The case records' checks, as the reader may see them. A pack is still answered when the
	// case service does not answer or does not show the reader its records, and says so.
	weeks, counts, err := caseQuality(c, a.CaseURL, c.GetHeader("Authorization"))
	switch {
	case a.CaseURL == "":
	case errors.Is(err, errCaseRefused):
		add("data quality", "case records' checks: not shown to your role", 0)
	case err != nil:
		a.Log.ErrorContext(c, "management pack: case data-quality report", "error", err.Error())
		add(
			"data quality",
			"case records' checks: not available (the case service did not answer; ask for the pack again)",
			0,
		)
	default:
		for _, k := range caseChecks {
			words := k.words
			if strings.Contains(words, "%d") {
				words = fmt.Sprintf(words, weeks)
			}
			add("data quality", words, counts[k.code])
		}
	}
	if plan := c.Query("plan"); plan != "" {
		s, err := forecasting.Store{DB: a.DB}.Before(c, plan, end)
		if err != nil {
			a.fail(c, err)
			return
		}
		if s != nil { // the latest forecast made by the month's end (docs/forecast.md)
			f, section := s.Forecast, "results forecast as of "+s.AsOf.UTC().Format(time.DateOnly)
			add(section, "results by the last claim window: P10", f.Total.Results.P10)
			add(section, "results by the last claim window: P50", f.Total.Results.P50)
			add(section, "results by the last claim window: P90", f.Total.Results.P90)
			add(section, "the budget's assumption (results)", f.Total.BudgetResults)
			add(section, "chance of reaching the budget's assumption (%)", int(f.Total.ChanceOfBudget*100+0.5))
			add(section, "chance of reaching the profile (%)", int(f.Total.ChanceOfProfile*100+0.5))
			for _, y := range f.Years {
				add(section, y.Year+" results: P50 (profile "+strconv.Itoa(y.ResultsProfile)+")", y.Results.P50)
			}
		}
	}
	t.whole = true
	a.answer(c, t)
}
