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
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}()

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"n": thousands, "money": pounds, "pct": percent, "inc": func(i int) int { return i + 1 },
	"add": func(a, b int64) int64 { return a + b }, "add32": func(a, b int) int { return a + b }, "sub": func(a, b int) int { return a - b },
	"int": func(f float64) int { return int(f) },
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
	Style             template.CSS
}

// Chart is an SVG chart's geometry, worked out here so the template only draws it.
type Chart struct {
	ID, Title, Description string
	Width, Height          int
	Axis                   []Tick
	Groups                 []Group  // bars, one group a year
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
	pg := &Page{Dashboard: d, Title: p.Title, ConversionPercent: d.ConversionAssumption*100 + 0.5, Style: template.CSS(style)} // #nosec G203 -- our own embedded style sheet
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
	c := Chart{ID: "attachments-chart", Title: "Attachments by programme year: profile and actual", Width: chartW, Height: chartH,
		Baseline: marginTop + plotH, Left: marginLeft,
		Legend: []Legend{{"profile", "Profile of attachments"}, {"actual", "Attachments in the year"}}}
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
			g.Bars = append(g.Bars, Bar{X: x + step/8 + j*(step*3/8), Y: top, W: step * 3 / 8, H: c.Baseline - top, Class: v.class, Value: thousands(v.value)})
		}
		c.Groups = append(c.Groups, g)
		desc = append(desc, fmt.Sprintf("%s: profile %s, actual %s", y.Year, thousands(y.AttachmentsProfile), thousands(y.Attachments)))
	}
	c.Description = strings.Join(desc, "; ") + "."
	return c
}

func cumulativeChart(years []Year) Chart {
	c := Chart{ID: "results-chart", Title: "Cumulative results (payment by results) against the profile and the aspiration", Width: chartW, Height: chartH,
		Baseline: marginTop + plotH, Left: marginLeft,
		Legend: []Legend{{"actual", "Results claimed (cumulative)"}, {"profile", "Profile (cumulative target)"}, {"aspiration", "Aspirational (cumulative)"}}}
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
		desc = append(desc, fmt.Sprintf("by the end of %s: %s claimed, profile %s, aspiration %s", y.Year, thousands(actual[i]), thousands(target[i]), thousands(aspiration[i])))
	}
	c.Description = strings.Join(desc, "; ") + "."
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
