// Package dashboard answers the programme dashboard's figures from claims' own records (the
// payments ledger, the claims and their submissions): per programme year, attachments against
// the agreed profile, results against the profile and the aspiration, cumulative results
// against the target, and income against the budget's assumption. Counts and pence only.
package dashboard

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/outcomes/forecast"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
)

// API serves the dashboard's figures.
type API struct {
	DB    *gorm.DB
	Plans *outcomes.Plans
	Packs *ledger.Freezer // opens paid claims' evidence packs to judge them again
	Guard *httpapi.Guard
	Log   *slog.Logger
}

// Routes adds the route.
func (a *API) Routes(r gin.IRouter) {
	r.GET("/v1/plans/:plan/dashboard", a.Guard.Require(policy.ReportRead), a.dashboard)
}

// Year is one programme year's figures.
type Year struct {
	Year                  string `json:"year"`
	Starts                string `json:"starts"`
	Ends                  string `json:"ends"`
	AttachmentsProfile    int    `json:"attachments_profile"`
	Attachments           int    `json:"attachments"`
	ResultsProfile        int    `json:"results_profile"`
	ResultsAspirational   int    `json:"results_aspirational"`
	Results               int    `json:"results"` // claims submitted in the year
	CumulativeTarget      int    `json:"cumulative_results_target"`
	CumulativeResults     int    `json:"cumulative_results"`
	IncomeFeesPence       int64  `json:"income_attachment_fees_pence"`
	IncomeResultsPence    int64  `json:"income_results_pence"` // results paid in the year
	BudgetAssumptionPence int64  `json:"budget_assumption_pence"`
}

// Dashboard is the plan's figures, year by year, with totals.
type Dashboard struct {
	PlanID               string  `json:"plan_id"`
	ConversionAssumption float64 `json:"conversion_assumption"`
	FamilyCap            int     `json:"family_cap"`
	FamiliesClaimed      int     `json:"families_claimed"`
	Years                []Year  `json:"years"`
	AsOf                 string  `json:"as_of"`
	// Claims at risk (docs/outcomes.md, ruling 5): held back before submission, and paid
	// claims that would no longer stand judged again now (possible repayments); the page
	// lists them, GET /v1/plans/{plan}/claims-at-risk has each in full.
	ClaimsHeld         int             `json:"claims_held"`
	PossibleRepayments int             `json:"possible_repayments"`
	AtRisk             []ledger.AtRisk `json:"-"`
	// Forecast is tracking's latest results forecast (docs/forecast.md), absent before the first.
	Forecast *forecast.Forecast `json:"forecast,omitempty"`
}

// BudgetAssumption is what the budget expects a year to earn: the fee for each attachment
// plus a result for the assumed share of them (the seeds' 70% conversion).
func BudgetAssumption(attachments int, m outcomes.Money) int64 {
	return int64(
		attachments,
	)*m.AttachmentFeePence + int64(
		math.Round(float64(attachments)*m.ConversionAssumption),
	)*m.ResultPence
}

func (a *API) dashboard(c *gin.Context) {
	p, ok := a.Plans.Latest(c.Param("plan"))
	if !ok {
		httpapi.NotFound(c, "Plan")
		return
	}
	store := Store{DB: a.DB}
	d, err := store.Figures(c, p)
	if err == nil {
		d.AtRisk, err = ledger.ClaimsAtRisk(c, a.DB, a.Plans, a.Packs, p.ID, a.Log)
	}
	if err == nil {
		d.Forecast, err = store.LatestForecast(c, p.ID)
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "dashboard", err)
		return
	}
	for _, r := range d.AtRisk {
		if r.Kind == ledger.RiskHeld {
			d.ClaimsHeld++
		} else {
			d.PossibleRepayments++
		}
	}
	// Managers read it as a page; the front end and analysts as JSON.
	if c.NegotiateFormat(gin.MIMEJSON, gin.MIMEHTML) == gin.MIMEHTML {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Header("Content-Security-Policy", ContentSecurityPolicy)
		c.Status(http.StatusOK)
		if err := NewPage(d, p).Render(c.Writer); err != nil {
			a.Log.ErrorContext(c, "dashboard page", "error", err.Error())
		}
		return
	}
	c.JSON(http.StatusOK, d)
}

// Figures computes the dashboard of plan p (every version of it) from claims' records.
func (s Store) Figures(ctx context.Context, p *outcomes.Plan) (*Dashboard, error) {
	d := &Dashboard{
		PlanID:               p.ID,
		ConversionAssumption: p.Money.ConversionAssumption,
		FamilyCap:            p.FamilyCap,
		AsOf:                 time.Now().UTC().Format(time.RFC3339),
	}
	var err error
	if d.FamiliesClaimed, err = s.FamiliesClaimed(ctx, p.ID); err != nil {
		return nil, fmt.Errorf("families claimed: %w", err)
	}
	// Results count in the year their claim window opens (the plan's national windows).
	perWindow, err := s.ResultsPerWindow(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("results per claim window: %w", err)
	}
	opens := map[string]time.Time{}
	for _, w := range p.ClaimWindows {
		opens[w.ID] = w.Opens.Time
	}
	cumTarget, cumResults := 0, 0
	for i, y := range p.Profiles {
		end := p.YearEnd(i).Time
		results := 0
		for _, w := range perWindow {
			if o, ok := opens[w.WindowID]; ok && !o.Before(y.Starts.Time) && o.Before(end) {
				results += w.Results
			}
		}
		f, err := s.Income(ctx, p.ID, y.Starts.Time, end)
		if err != nil {
			return nil, fmt.Errorf("income of programme year %s: %w", y.Year, err)
		}
		cumTarget += y.Results
		cumResults += results
		d.Years = append(d.Years, Year{
			Year:                  y.Year,
			Starts:                y.Starts.String(),
			Ends:                  outcomes.Moment{Time: end}.String(),
			AttachmentsProfile:    y.Attachments,
			Attachments:           f.Attachments,
			ResultsProfile:        y.Results,
			ResultsAspirational:   y.Aspirational,
			Results:               results,
			CumulativeTarget:      cumTarget,
			CumulativeResults:     cumResults,
			IncomeFeesPence:       f.Fees,
			IncomeResultsPence:    f.Paid,
			BudgetAssumptionPence: BudgetAssumption(f.Attachments, p.Money),
		})
	}
	return d, nil
}
