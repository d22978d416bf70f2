package dashboard

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
)

//go:embed page.html page.css
var pageFS embed.FS

// style is the page's style sheet, inline; the page's Content-Security-Policy allows exactly
// it, by its hash (the API's own policy allows nothing to load at all).
var style = func() string {
	b, err := pageFS.ReadFile("page.css")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// ContentSecurityPolicy is the page's: nothing loads but its own inline style sheet.
var ContentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(style))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(
		sum[:],
	) + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}()

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"n": thousands, "money": pounds, "pct": percent, "inc": func(i int) int { return i + 1 },
	"add": func(a, b int64) int64 { return a + b }, "add32": func(a, b int) int { return a + b }, "sub": func(a, b int) int { return a - b },
	"int":    func(f float64) int { return int(f) },
	"chance": func(f float64) string { return strconv.Itoa(int(f*100+0.5)) + "%" },
	"day": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return outcomes.Moment{Time: *t}.String()
	},
}).ParseFS(pageFS, "page.html"))

// Page is the dashboard as managers read it: the seeds' table, money against the budget,
// and the same figures as charts over the programme years.
type Page struct {
	*Dashboard
	Title                                string
	Totals                               Year
	Attachments, CumulativeResults       Chart
	ResultsToDate, AspirationToDate      int
	TargetToDate                         int
	IncomeToDatePence, BudgetToDatePence int64
	// ConversionPercent is the budget's assumed conversion as a percentage.
	ConversionPercent float64
	// ForecastChart: actual results so far, the forecast's P50 path and P10–P90 band, the
	// profile and the budget's assumption (nil before the first forecast).
	ForecastChart *Chart
	Style         template.CSS
}

// Chart is an SVG chart's geometry, worked out here so the template only draws it.
type Chart struct {
	ID, Title, Description string
	Width, Height          int
	Axis                   []Tick
	Groups                 []Group  // bars, one group a year
	Areas                  []Area   // shaded bands, under the lines
	Lines                  []Line   // lines through the years
	Legend                 []Legend // what each colour and pattern means
	Baseline, Left         int
}

// Tick is a labelled value on the vertical axis.
type Tick struct {
	Y     int
	Label string
}

// Group is one year's bars.
type Group struct {
	Label string
	X     int
	Bars  []Bar
}

// Bar is one bar of a group.
type Bar struct {
	X, Y, W, H int
	Class      string
	Value      string
}

// Line is one series drawn as a line with markers.
type Line struct {
	Class, Name string
	Points      string
	Marks       []Mark
}

// Area is a shaded band between two lines.
type Area struct{ Class, Points string }

// Mark is a point of a line.
type Mark struct {
	X, Y  int
	Value string
}

// Legend names a series.
type Legend struct{ Class, Name string }

// chart geometry: a 640 x 320 viewBox, axis labels on the left, years along the bottom.
const (
	chartW, chartH        = 640, 320
	marginLeft, marginTop = 64, 16
	plotH                 = 250
)

// NewPage lays the dashboard out for plan p.
func NewPage(d *Dashboard, p *outcomes.Plan) *Page {
	pg := &Page{
		Dashboard:         d,
		Title:             p.Title,
		ConversionPercent: d.ConversionAssumption*100 + 0.5,
		Style:             template.CSS(style),
	} // #nosec G203 -- our own embedded style sheet
	pg.Totals.Year = "Total"
	for _, y := range d.Years {
		pg.Totals.AttachmentsProfile += y.AttachmentsProfile
		pg.Totals.Attachments += y.Attachments
		pg.Totals.ResultsProfile += y.ResultsProfile
		pg.Totals.ResultsAspirational += y.ResultsAspirational
		pg.Totals.Results += y.Results
		pg.Totals.IncomeFeesPence += y.IncomeFeesPence
		pg.Totals.IncomeResultsPence += y.IncomeResultsPence
		pg.Totals.BudgetAssumptionPence += y.BudgetAssumptionPence
	}
	// "To date": the years begun by the dashboard's date.
	for _, y := range d.Years {
		if y.Starts > d.AsOf[:10] {
			break
		}
		pg.ResultsToDate += y.Results
		pg.AspirationToDate += y.ResultsAspirational
		pg.TargetToDate += y.ResultsProfile
		pg.IncomeToDatePence += y.IncomeFeesPence + y.IncomeResultsPence
		pg.BudgetToDatePence += y.BudgetAssumptionPence
	}
	pg.Attachments = attachmentsChart(d.Years)
	pg.CumulativeResults = cumulativeChart(d.Years)
	if d.Forecast != nil {
		c := forecastChart(d)
		pg.ForecastChart = &c
	}
	return pg
}

// Render writes the page.
func (pg *Page) Render(w io.Writer) error { return page.Execute(w, pg) }

// scale maps 0..max onto the plot's height, with a round top and five ticks.
func scale(max int) (top int, ticks []Tick, y func(int) int) {
	top = 10
	for top < max {
		switch {
		case top*2 >= max:
			top *= 2
		case top*5 >= max:
			top *= 5
		default:
			top *= 10
		}
	}
	y = func(v int) int { return marginTop + plotH - v*plotH/top }
	for i := 0; i <= 5; i++ {
		v := top * i / 5
		ticks = append(ticks, Tick{Y: y(v), Label: thousands(v)})
	}
	return top, ticks, y
}

func attachmentsChart(years []Year) Chart {
	c := Chart{
		ID:       "attachments-chart",
		Title:    "Attachments by programme year: profile and actual",
		Width:    chartW,
		Height:   chartH,
		Baseline: marginTop + plotH,
		Left:     marginLeft,
		Legend:   []Legend{{"profile", "Profile of attachments"}, {"actual", "Attachments in the year"}},
	}
	max := 0
	for _, y := range years {
		max = maxInt(max, y.AttachmentsProfile, y.Attachments)
	}
	_, axis, yOf := scale(max)
	c.Axis = axis
	step := (chartW - marginLeft - 16) / maxInt(1, len(years))
	var desc []string
	for i, y := range years {
		x := marginLeft + i*step
		g := Group{Label: y.Year, X: x + step/2}
		for j, v := range []struct {
			class string
			value int
		}{{"profile", y.AttachmentsProfile}, {"actual", y.Attachments}} {
			top := yOf(v.value)
			g.Bars = append(
				g.Bars,
				Bar{
					X:     x + step/8 + j*(step*3/8),
					Y:     top,
					W:     step * 3 / 8,
					H:     c.Baseline - top,
					Class: v.class,
					Value: thousands(v.value),
				},
			)
		}
		c.Groups = append(c.Groups, g)
		desc = append(
			desc,
			fmt.Sprintf("%s: profile %s, actual %s", y.Year, thousands(y.AttachmentsProfile), thousands(y.Attachments)),
		)
	}
	c.Description = strings.Join(desc, "; ") + "."
	return c
}

func cumulativeChart(years []Year) Chart {
	c := Chart{
		ID:       "results-chart",
		Title:    "Cumulative results (payment by results) against the profile and the aspiration",
		Width:    chartW,
		Height:   chartH,
		Baseline: marginTop + plotH,
		Left:     marginLeft,
		Legend: []Legend{
			{"actual", "Results claimed (cumulative)"},
			{"profile", "Profile (cumulative target)"},
			{"aspiration", "Aspirational (cumulative)"},
		},
	}
	var actual, target, aspiration []int
	a, t, s := 0, 0, 0
	for _, y := range years {
		a, t, s = a+y.Results, t+y.ResultsProfile, s+y.ResultsAspirational
		actual, target, aspiration = append(actual, a), append(target, t), append(aspiration, s)
	}
	_, axis, yOf := scale(maxInt(a, t, s))
	c.Axis = axis
	step := (chartW - marginLeft - 16) / maxInt(1, len(years))
	for i, y := range years {
		c.Groups = append(c.Groups, Group{Label: y.Year, X: marginLeft + i*step + step/2})
	}
	for _, series := range []struct {
		class, name string
		values      []int
	}{{"profile", "Profile", target}, {"aspiration", "Aspirational", aspiration}, {"actual", "Results claimed", actual}} {
		l := Line{Class: series.class, Name: series.name}
		var pts []string
		for i, v := range series.values {
			m := Mark{X: marginLeft + i*step + step/2, Y: yOf(v), Value: thousands(v)}
			l.Marks = append(l.Marks, m)
			pts = append(pts, strconv.Itoa(m.X)+","+strconv.Itoa(m.Y))
		}
		l.Points = strings.Join(pts, " ")
		c.Lines = append(c.Lines, l)
	}
	var desc []string
	for i, y := range years {
		desc = append(
			desc,
			fmt.Sprintf(
				"by the end of %s: %s claimed, profile %s, aspiration %s",
				y.Year,
				thousands(actual[i]),
				thousands(target[i]),
				thousands(aspiration[i]),
			),
		)
	}
	c.Description = strings.Join(desc, "; ") + "."
	return c
}

// forecastChart draws the cumulative results by the end of each programme year: claimed so
// far (the years begun), the forecast's P50 and its P10–P90 band, the profile, and the
// budget's assumption as a level line.
func forecastChart(d *Dashboard) Chart {
	f := d.Forecast
	c := Chart{
		ID:       "forecast-chart",
		Title:    "Results forecast: cumulative results by programme year, claimed so far, forecast (P50, with the P10 to P90 band), profile and budget",
		Width:    chartW,
		Height:   chartH,
		Baseline: marginTop + plotH,
		Left:     marginLeft,
		Legend: []Legend{
			{"actual", "Results claimed (cumulative)"},
			{"forecast", "Forecast, P50 (cumulative)"},
			{"band", "Forecast, P10 to P90"},
			{
				"profile",
				"Profile (cumulative target)",
			},
			{"budget", "Budget's assumption (" + thousands(f.Total.BudgetResults) + " results)"},
		},
	}
	byYear := map[string]int{}
	for i, y := range f.Years {
		byYear[y.Year] = i
	}
	top := f.Total.BudgetResults
	cumProfile := 0
	for _, y := range d.Years {
		cumProfile += y.ResultsProfile
		top = max(top, cumProfile, y.CumulativeResults)
		if i, ok := byYear[y.Year]; ok {
			top = max(top, f.Years[i].CumulativeResults.P90)
		}
	}
	_, axis, yOf := scale(top)
	c.Axis = axis
	step := (chartW - marginLeft - 16) / maxInt(1, len(d.Years))
	x := func(i int) int { return marginLeft + i*step + step/2 }
	pt := func(i, v int) string { return strconv.Itoa(x(i)) + "," + strconv.Itoa(yOf(v)) }
	line := func(class, name string, values []int, from int) Line {
		l := Line{Class: class, Name: name}
		var pts []string
		for i, v := range values {
			if i < from || v < 0 {
				continue
			}
			l.Marks = append(l.Marks, Mark{X: x(i), Y: yOf(v), Value: thousands(v)})
			pts = append(pts, pt(i, v))
		}
		l.Points = strings.Join(pts, " ")
		return l
	}
	var actual, p10, p50, p90, profile, budget []int
	var upper, lower []string
	cumProfile = 0
	var desc []string
	for i, y := range d.Years {
		c.Groups = append(c.Groups, Group{Label: y.Year, X: x(i)})
		cumProfile += y.ResultsProfile
		profile, budget = append(profile, cumProfile), append(budget, f.Total.BudgetResults)
		claimed := -1
		if y.Starts <= d.AsOf[:10] {
			claimed = y.CumulativeResults
			actual = append(actual, claimed)
		} else {
			actual = append(actual, -1)
		}
		fy, ok := byYear[y.Year]
		if !ok {
			p10, p50, p90 = append(p10, -1), append(p50, -1), append(p90, -1)
			continue
		}
		b := f.Years[fy].CumulativeResults
		p10, p50, p90 = append(p10, b.P10), append(p50, b.P50), append(p90, b.P90)
		upper, lower = append(upper, pt(i, b.P90)), append([]string{pt(i, b.P10)}, lower...)
		text := fmt.Sprintf(
			"by the end of %s: forecast %s (P10 %s, P90 %s), profile %s",
			y.Year,
			thousands(b.P50),
			thousands(b.P10),
			thousands(b.P90),
			thousands(cumProfile),
		)
		if claimed >= 0 {
			text += ", claimed so far " + thousands(claimed)
		}
		desc = append(desc, text)
	}
	c.Areas = []Area{{Class: "band", Points: strings.Join(append(upper, lower...), " ")}}
	budgetLine := line("budget", "Budget's assumption", budget, 0)
	budgetLine.Marks = nil
	c.Lines = []Line{
		line("bound", "P10", p10, 0),
		line("bound", "P90", p90, 0),
		line("profile", "Profile", profile, 0),
		budgetLine,
		line("forecast", "Forecast P50", p50, 0),
		line("actual", "Results claimed", actual, 0),
	}
	c.Description = fmt.Sprintf("Forecast as of %s. ", f.AsOf.Format(time.DateOnly)) + strings.Join(desc, "; ") +
		fmt.Sprintf(". The budget's assumption is %s results.", thousands(f.Total.BudgetResults))
	return c
}

func maxInt(vs ...int) int {
	m := 0
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

// thousands writes 8620 as 8,620.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// pounds writes pence as whole pounds: £1,234,000.
func pounds(pence int64) string { return "£" + thousands(int(pence/100)) }

// percent is a of b in whole percent ("—" when b is 0).
func percent(a, b int) string {
	if b == 0 {
		return "—"
	}
	return strconv.Itoa(a*100/b) + "%"
}
