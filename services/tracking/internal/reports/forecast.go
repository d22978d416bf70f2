package reports

import (
	"net/http"
	"strconv"

	"github.com/familypath/familypath/pkg/outcomes/forecast"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/services/tracking/internal/forecasting"
	"github.com/gin-gonic/gin"
)

// forecastReport is the plan's latest forecast (or ?snapshot=id): JSON, the whole forecast;
// CSV, one row a claim window and a programme year, then the total.
func (a *API) forecastReport(c *gin.Context) {
	plan, ok := a.onePlan(c)
	if !ok {
		return
	}
	s, err := forecasting.Store{DB: a.DB}.Latest(c, plan, c.Query("snapshot"))
	if err != nil {
		a.fail(c, err)
		return
	}
	if s == nil {
		httpapi.NotFound(c, "Forecast")
		return
	}
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") != "text/csv" {
		c.JSON(http.StatusOK, s)
		return
	}
	f := s.Forecast
	t := table{name: "forecast-" + plan, header: []string{"as_of", "kind", "id", "year", "past", "achieved",
		"results_p10", "results_p50", "results_p90", "results_income_p10_pence", "results_income_p50_pence", "results_income_p90_pence", "profile", "chance_of_profile"}}
	asOf := f.AsOf.UTC().Format("2006-01-02")
	row := func(kind, id, year, past, achieved string, b forecast.Band, m forecast.Pence, profile, chance string) {
		t.rows = append(
			t.rows,
			[]string{
				asOf,
				kind,
				id,
				year,
				past,
				achieved,
				strconv.Itoa(b.P10),
				strconv.Itoa(b.P50),
				strconv.Itoa(b.P90),
				strconv.FormatInt(
					m.P10,
					10,
				),
				strconv.FormatInt(m.P50, 10),
				strconv.FormatInt(m.P90, 10),
				profile,
				chance,
			},
		)
	}
	for _, w := range f.Windows {
		row("window", w.ID, w.Year, strconv.FormatBool(w.Past), "", w.Results, w.Income, "", "")
	}
	for _, y := range f.Years {
		row(
			"year",
			y.Year,
			y.Year,
			"",
			strconv.Itoa(y.Achieved),
			y.Results,
			y.Income,
			strconv.Itoa(y.ResultsProfile),
			strconv.FormatFloat(y.ChanceOfProfile, 'f', 3, 64),
		)
	}
	row(
		"total",
		"",
		"",
		"",
		"",
		f.Total.Results,
		f.Total.Income,
		strconv.Itoa(f.Total.ProfileResults),
		strconv.FormatFloat(f.Total.ChanceOfProfile, 'f', 3, 64),
	)
	a.answer(c, t)
}

// forecastHistory is how the forecast moved: each snapshot, newest first, with its total.
func (a *API) forecastHistory(c *gin.Context) {
	plan, ok := a.onePlan(c)
	if !ok {
		return
	}
	snaps, err := forecasting.Store{DB: a.DB}.History(c, plan, 120)
	if err != nil {
		a.fail(c, err)
		return
	}
	t := table{name: "forecast-history-" + plan, header: []string{"snapshot", "as_of", "model_version", "families",
		"results_p10", "results_p50", "results_p90", "budget_results", "chance_of_budget", "profile_results", "chance_of_profile"}}
	for _, s := range snaps {
		tot := s.Forecast.Total
		t.rows = append(
			t.rows,
			[]string{s.ID, s.AsOf.UTC().Format("2006-01-02"), s.ModelVersion, strconv.Itoa(s.Families),
				strconv.Itoa(
					tot.Results.P10,
				), strconv.Itoa(tot.Results.P50), strconv.Itoa(tot.Results.P90), strconv.Itoa(tot.BudgetResults),
				strconv.FormatFloat(
					tot.ChanceOfBudget,
					'f',
					3,
					64,
				), strconv.Itoa(tot.ProfileResults), strconv.FormatFloat(tot.ChanceOfProfile, 'f', 3, 64)},
		)
	}
	a.answer(c, t)
}

// onePlan: a forecast is of one plan, named by ?plan=.
func (a *API) onePlan(c *gin.Context) (string, bool) {
	plan := c.Query("plan")
	if plan == "" {
		httpapi.Invalid(c, httpapi.FieldError{Field: "plan", Message: "is required: a forecast is of one plan"})
		return "", false
	}
	return plan, true
}
