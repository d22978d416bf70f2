package backtest

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/outcomes/forecast"
)

// Point is one forecast's band for one programme year (or the whole programme), beside what
// then happened.
type Point struct {
	AsOf          time.Time
	Year          string // "total" for the programme to its last window
	MonthsAhead   int    // from the forecast to the year's last window
	P10, P50, P90 int
	Actual        int
}

// Inside says whether what happened fell inside the P10–P90 band.
func (p Point) Inside() bool { return p.Actual >= p.P10 && p.Actual <= p.P90 }

// Report is a backtest's points and their scores.
type Report struct {
	Points []Point
	// Coverage: the share of points whose actual fell inside the band (about 0.8 when calibrated).
	Coverage, TotalCoverage float64
	// MeanAbsError: the P50's mean absolute error as a share of the actual, per year and over all.
	MeanAbsError map[string]float64
	Forecasts    int
	Judgements   int // the engine's monthly judgements of families
}

// Run steps tracking through the programme month by month (Tracker: the engine judging the
// evidence each month's extracts hold), forecasts every `every` months from first to the last
// window's opening with what tracking held then, and scores each year whose windows were still
// to open against the results the engine then gave.
func Run(p *outcomes.Plan, c *County, first time.Time, every int, draws int, seed uint64) (Report, error) {
	rep := Report{MeanAbsError: map[string]float64{}}
	tr := c.Track()
	yearLast := map[string]time.Time{}
	for _, cw := range p.ClaimWindows {
		if y, ok := yearOf(p, cw.Opens.Time); ok {
			yearLast[y] = cw.Opens.Time
		}
	}
	for asOf := first; asOf.Before(c.end); asOf = asOf.AddDate(0, every, 0) {
		tr.Advance(asOf)
		f, err := forecast.Run(p, tr.Known(), forecast.Options{AsOf: asOf, Draws: draws, Seed: seed})
		if err != nil {
			return rep, err
		}
		rep.Forecasts++
		for _, y := range f.Years {
			if last, ok := yearLast[y.Year]; ok && last.After(asOf) { // else nothing left to forecast in the year
				rep.Points = append(rep.Points, Point{AsOf: asOf, Year: y.Year, MonthsAhead: months(asOf, last),
					P10: y.Results.P10, P50: y.Results.P50, P90: y.Results.P90})
			}
		}
		rep.Points = append(rep.Points, Point{AsOf: asOf, Year: "total", MonthsAhead: months(asOf, c.end),
			P10: f.Total.Results.P10, P50: f.Total.Results.P50, P90: f.Total.Results.P90})
	}
	tr.Advance(c.end)
	rep.Judgements = tr.Judgements
	actual := map[string]int{}
	for w, n := range tr.Actual() {
		if y, ok := yearOf(p, p.ClaimWindows[w].Opens.Time); ok {
			actual[y] += n
		}
		actual["total"] += n
	}
	errs, counts := map[string]float64{}, map[string]int{}
	for i := range rep.Points {
		rep.Points[i].Actual = actual[rep.Points[i].Year]
		rep.score(rep.Points[i], errs, counts)
	}
	inside, n, tin, tn := 0, 0, 0, 0
	for _, pt := range rep.Points {
		if pt.Year == "total" {
			tn++
			if pt.Inside() {
				tin++
			}
			continue
		}
		n++
		if pt.Inside() {
			inside++
		}
	}
	rep.Coverage = ratio(inside, n)
	rep.TotalCoverage = ratio(tin, tn)
	for y, e := range errs {
		rep.MeanAbsError[y] = math.Round(e/float64(counts[y])*1000) / 1000
	}
	return rep, nil
}

// yearOf is the programme year a day falls in.
func yearOf(p *outcomes.Plan, t time.Time) (string, bool) {
	for i, y := range p.Profiles {
		if !t.Before(y.Starts.Time) && t.Before(p.YearEnd(i).Time) {
			return y.Year, true
		}
	}
	return "", false
}

func (r *Report) score(pt Point, errs map[string]float64, counts map[string]int) {
	if pt.Actual > 0 {
		e := math.Abs(float64(pt.P50-pt.Actual)) / float64(pt.Actual)
		errs[pt.Year] += e
		counts[pt.Year]++
		if pt.Year != "total" {
			errs["all years"] += e
			counts["all years"]++
		}
	}
}

func months(a, b time.Time) int { return int(math.Round(b.Sub(a).Hours() / 24 / 30.4375)) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(float64(a)/float64(b)*1000) / 1000
}

// Write prints the report as a table, then its scores.
func (r Report) Write(w io.Writer) {
	fmt.Fprintf(
		w,
		"%-10s %-8s %6s %7s %7s %7s %7s %s\n",
		"as of",
		"year",
		"ahead",
		"p10",
		"p50",
		"p90",
		"actual",
		"inside",
	)
	for _, p := range r.Points {
		fmt.Fprintf(
			w,
			"%-10s %-8s %6d %7d %7d %7d %7d %v\n",
			p.AsOf.Format(time.DateOnly),
			p.Year,
			p.MonthsAhead,
			p.P10,
			p.P50,
			p.P90,
			p.Actual,
			p.Inside(),
		)
	}
	fmt.Fprintf(
		w,
		"\nforecasts %d (over %d judgements by the engine); P10–P90 coverage by year %.3f, of the total %.3f\n",
		r.Forecasts,
		r.Judgements,
		r.Coverage,
		r.TotalCoverage,
	)
	for _, y := range []string{"2015/16", "2016/17", "2017/18", "2018/19", "2019/20", "all years", "total"} {
		if e, ok := r.MeanAbsError[y]; ok {
			fmt.Fprintf(w, "P50 mean absolute error %-9s %.1f%%\n", y, e*100)
		}
	}
}
