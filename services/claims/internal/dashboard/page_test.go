package dashboard

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/outcomes/forecast"
	"github.com/familypath/familypath/services/claims/internal/ledger"
)

// The page shows the seeds' table (a row a programme year, a total), money against the
// budget, and charts whose text alternatives say what they show.
func TestThePageShowsTheSeedsTableAndChartsWithTheirText(t *testing.T) {
	d := &Dashboard{
		PlanID:               "lancashire-phase2",
		ConversionAssumption: 0.7,
		FamilyCap:            8620,
		FamiliesClaimed:      2097,
		AsOf:                 "2018-03-31T00:00:00Z",
		Years: []Year{
			{Year: "2015/16", Starts: "2015-04-01", AttachmentsProfile: 1470, Attachments: 1470},
			{
				Year:                  "2016/17",
				Starts:                "2016-04-01",
				AttachmentsProfile:    2833,
				Attachments:           4747,
				ResultsProfile:        338,
				Results:               338,
				ResultsAspirational:   338,
				IncomeFeesPence:       474_700_000,
				IncomeResultsPence:    27_040_000,
				BudgetAssumptionPence: 740_532_000,
			},
			{
				Year:                "2017/18",
				Starts:              "2017-04-01",
				AttachmentsProfile:  2190,
				Attachments:         4435,
				ResultsProfile:      1500,
				Results:             1759,
				ResultsAspirational: 2250,
			},
			{
				Year:                "2018/19",
				Starts:              "2018-04-01",
				AttachmentsProfile:  1696,
				ResultsProfile:      2600,
				ResultsAspirational: 2600,
			},
			{
				Year:                "2019/20",
				Starts:              "2019-04-01",
				AttachmentsProfile:  431,
				ResultsProfile:      2512,
				ResultsAspirational: 3432,
			},
		},
	}
	achieved := time.Date(2017, 10, 14, 23, 0, 0, 0, time.UTC)
	d.ClaimsHeld, d.AtRisk = 1, []ledger.AtRisk{{Kind: ledger.RiskHeld, ClaimID: "c-1", WindowID: "2017-10",
		Claimed:     ledger.Judged{Route: "SSP", AchievedAt: &achieved, EngineVersion: "1"},
		JudgedAgain: ledger.Judged{EngineVersion: "2"}, Reason: "awaiting data from police after 2017-06-01"}}
	var b bytes.Buffer
	if err := NewPage(d, &outcomes.Plan{Title: "Lancashire Phase 2"}).Render(&b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		`<html lang="en-GB">`, "<title>Programme dashboard: Lancashire Phase 2</title>",
		`<th scope="row">Year 2 (2016/17)</th><td>2,833</td><td>4,747</td>`,                      // the seeds' second row
		`<th scope="row">Total</th><td>8,620</td>`,                                               // the profile's total
		"2,097</strong> results claimed to date, against an aspirational profile of 2,588 (81%)", // the seeds' figures
		"£4,747,000", "70% of attachments converting",
		`role="img" aria-labelledby="attachments-chart-title attachments-chart-desc"`,
		"2016/17: profile 2,833, actual 4,747",
		"by the end of 2017/18: 2,097 claimed, profile 1,838, aspiration 2,588",
		"1 claim was held back before submission, and 0 paid claims would no longer stand",
		`<th scope="row"><code>c-1</code></th><td>Held back</td><td>2017-10</td>`,
		"SSP on 2017-10-15 (engine 1)", "no result (engine 2)", "awaiting data from police after 2017-06-01",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// The page's Content-Security-Policy allows its inline style sheet by its hash, and nothing else.
func TestThePolicyAllowsExactlyThePagesStyle(t *testing.T) {
	var b bytes.Buffer
	if err := NewPage(&Dashboard{AsOf: "2018-03-31T00:00:00Z"}, &outcomes.Plan{}).Render(&b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	css := html[strings.Index(html, "<style>")+len("<style>") : strings.Index(html, "</style>")]
	sum := sha256.Sum256([]byte(css))
	if !strings.Contains(ContentSecurityPolicy, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") ||
		!strings.HasPrefix(ContentSecurityPolicy, "default-src 'none'") || strings.Contains(html, "<script") {
		t.Errorf("policy %q does not match the page's style", ContentSecurityPolicy)
	}
}

// The forecast section says the forecast in words, draws it with its text alternative (the
// P50 path, the band, the profile and the budget) and tables it per year and per window.
func TestThePageShowsTheForecastWithItsBandAndText(t *testing.T) {
	band := func(p10, p50, p90 int) forecast.Band { return forecast.Band{P10: p10, P50: p50, P90: p90} }
	d := &Dashboard{PlanID: "lancashire-phase2", AsOf: "2017-06-30T00:00:00Z", Years: []Year{
		{Year: "2016/17", Starts: "2016-04-01", ResultsProfile: 338, Results: 300, CumulativeResults: 300},
		{Year: "2017/18", Starts: "2017-04-01", ResultsProfile: 1500, Results: 100, CumulativeResults: 400},
		{Year: "2018/19", Starts: "2018-04-01", ResultsProfile: 2600}}}
	d.Forecast = &forecast.Forecast{AsOf: time.Date(2017, 6, 15, 0, 0, 0, 0, time.UTC), Draws: 10000, ModelVersion: "1",
		Summary: "By the last claim window: 3100 results at P50. Most of the spread comes from worklessness and financial exclusion outcomes for 412 families.",
		Years: []forecast.Year{
			{
				Year:              "2016/17",
				Achieved:          300,
				Results:           band(300, 300, 300),
				CumulativeResults: band(300, 300, 300),
				ResultsProfile:    338,
			},
			{
				Year:              "2017/18",
				Achieved:          100,
				Results:           band(900, 1000, 1100),
				CumulativeResults: band(1200, 1300, 1400),
				ResultsProfile:    1500,
				ChanceOfProfile:   0.02,
			},
			{
				Year:              "2018/19",
				Results:           band(1500, 1800, 2100),
				Income:            forecast.Pence{P50: 144_000_000},
				CumulativeResults: band(2700, 3100, 3500),
				ResultsProfile:    2600,
				ChanceOfProfile:   0.15,
			},
		},
		Windows: []forecast.Window{
			{
				ID:      "2017-07",
				Opens:   "2017-07-01",
				Year:    "2017/18",
				Results: band(200, 250, 300),
				Income:  forecast.Pence{P50: 20_000_000},
			},
		},
		Total: forecast.Total{
			Results:         band(2700, 3100, 3500),
			BudgetResults:   3000,
			ProfileResults:  4438,
			ChanceOfBudget:  0.6,
			ChanceOfProfile: 0.01,
		}}
	var b bytes.Buffer
	if err := NewPage(d, &outcomes.Plan{Title: "Lancashire Phase 2"}).Render(&b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		"outcomes for 412 families", "Made on 2017-06-15", `aria-labelledby="forecast-chart-title forecast-chart-desc"`,
		"by the end of 2018/19: forecast 3,100 (P10 2,700, P90 3,500), profile 4,438",
		"by the end of 2017/18: forecast 1,300 (P10 1,200, P90 1,400), profile 1,838, claimed so far 400",
		"The budget&#39;s assumption is 3,000 results.", `<polygon class="area band"`,
		`<th scope="row">2018/19</th><td>0</td><td>1,500</td><td>1,800</td><td>2,100</td><td>£1,440,000</td>`,
		`<th scope="row">2017-07</th><td>2017-07-01</td><td>2017/18</td><td>200</td><td>250</td><td>300</td><td>£200,000</td>`,
		"<td>15%</td>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Before the first forecast, the page says so.
	b.Reset()
	d.Forecast = nil
	if err := NewPage(d, &outcomes.Plan{}).Render(&b); err != nil || !strings.Contains(b.String(), "No forecast yet") {
		t.Errorf("without a forecast: %v", err)
	}
}
