// Package backtest takes a simulated county through a plan's programme years, judged month by
// month by the Outcomes Plan engine as tracking judges, and scores the forecast made each month,
// from what tracking held that month, against the results the engine then gave.
//
// The county's behaviour is deliberately unlike the forecast's model: families differ in
// engagement, time to progress is not memoryless, a lapse is likelier early in progress than
// late, attachments run ahead of and behind the profile month by month, and teams get faster
// as the programme matures. Its course reaches the engine as evidence in the shapes the plan's
// indicators read (evidence.go), so the forecast meets problems as the engine judges them. A
// forecast that is calibrated here is calibrated for its method, not because the data was
// drawn from its own assumptions.
package backtest

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/outcomes/forecast"
)

// Behaviour is how the simulated county's families fare, per problem code (a problem it does
// not name: present in 40% of families, progress in 9 months, holding for 30).
type Behaviour struct {
	Prevalence    map[string]float64 // chance a family attached has the problem (families have at least two)
	ProgressScale map[string]float64 // months: a typical family's time to progress (Weibull scale)
	LapseScale    map[string]float64 // months: time progress holds (Weibull scale, shape below 1)
	ProgressShape float64
	LapseShape    float64
	Engagement    float64 // Gamma shape of families' engagement (mean 1): lower is more varied
	Learning      float64 // teams' speed-up per programme year
	CEMonthly     float64 // continuous employment's monthly chance for a family with worklessness
	PaceNoise     float64 // month-by-month spread of attachments around the profile (log scale)
	// AllSpells tells every problem to the engine as spells, outstanding until progress (the
	// forecast model's own picture), instead of in the shape of its plan's indicators.
	AllSpells bool
}

// of is a problem's value in m, or def for a problem the behaviour does not name.
func of(m map[string]float64, code string, def float64) float64 {
	if v, ok := m[code]; ok {
		return v
	}
	return def
}

// Lancashire is a behaviour shaped like the seed reports' county: worklessness and health
// common and slow, crime rarer and quicker.
var Lancashire = Behaviour{
	Prevalence: map[string]float64{
		"WORKLESSNESS":       0.7,
		"HEALTH":             0.6,
		"CHILDREN_NEED_HELP": 0.5,
		"EDUCATION":          0.45,
		"CRIME":              0.3,
		"DOMESTIC_ABUSE":     0.3,
	},
	ProgressScale: map[string]float64{
		"WORKLESSNESS":       14,
		"HEALTH":             8,
		"CHILDREN_NEED_HELP": 10,
		"EDUCATION":          9,
		"CRIME":              5,
		"DOMESTIC_ABUSE":     6,
	},
	LapseScale: map[string]float64{
		"WORKLESSNESS":       24,
		"HEALTH":             40,
		"CHILDREN_NEED_HELP": 36,
		"EDUCATION":          30,
		"CRIME":              40,
		"DOMESTIC_ABUSE":     30,
	},
	ProgressShape: 1.4, LapseShape: 0.7, Engagement: 1.5, Learning: 0.1, CEMonthly: 0.006, PaceNoise: 0.25,
}

const month = 2629800 * time.Second // 30.4375 days

// spell is a problem's progress: from start, lapsing at lapse or sustained at sustained.
type spell struct {
	start, end time.Time
	sustained  bool
}

type problem struct {
	code   string
	spells []spell
}

type family struct {
	attached time.Time
	problems []problem
	baseline []string        // the problems' codes, frozen at attachment
	ce       time.Time       // continuous employment would make the result (zero: never)
	facts    []outcomes.Fact // the family's evidence to the programme's end (evidence.go)
}

// County is a simulated county's whole programme.
type County struct {
	plan      *outcomes.Plan
	allSpells bool
	families  []family
	end       time.Time            // the last claim window's opening: nothing is claimed after it
	termEnds  map[string]time.Time // each census term's end, by code: when its rows arrive
}

// Simulate attaches families to p at its profile's pace (with noise) and lives out each one.
func Simulate(p *outcomes.Plan, b Behaviour, seed uint64) *County {
	r := rand.New(rand.NewPCG(seed, 0x5eed)) // #nosec G404 -- a seeded simulation, reproducible by design
	c := &County{plan: p, end: p.ClaimWindows[len(p.ClaimWindows)-1].Opens.Time, allSpells: b.AllSpells,
		termEnds: map[string]time.Time{}}
	for _, t := range p.Terms {
		c.termEnds[t.Code] = t.End.Time
	}
	attached := 0
	for i, y := range p.Profiles {
		start, end := y.Starts.Time, p.YearEnd(i).Time
		months := max(1, int(math.Round(end.Sub(start).Hours()/24/30.4375)))
		for m := range months {
			from := start.AddDate(0, m, 0)
			n := int(
				math.Round(
					float64(
						y.Attachments,
					) / float64(
						months,
					) * math.Exp(
						b.PaceNoise*r.NormFloat64()-b.PaceNoise*b.PaceNoise/2,
					),
				),
			)
			n = min(n, p.FamilyCap-attached)
			for range n {
				f := c.live(r, b, from.Add(time.Duration(r.Float64()*float64(month))))
				f.facts = c.evidence(r, &f)
				c.families = append(c.families, f)
			}
			attached += n
		}
	}
	return c
}

// weibull draws a wait in months (at most a century: an idle family's waits overflow otherwise).
func weibull(r *rand.Rand, scaleMonths, shape, speed float64) time.Duration {
	return time.Duration(min(1200, scaleMonths*math.Pow(r.ExpFloat64(), 1/shape)/speed) * float64(month))
}

// live is one family's whole course from its attachment.
func (c *County) live(r *rand.Rand, b Behaviour, attached time.Time) family {
	f := family{attached: attached}
	for len(f.problems) < 2 {
		f.problems = f.problems[:0]
		for _, pr := range c.plan.Problems {
			if r.Float64() < of(b.Prevalence, pr.Code, 0.4) {
				f.problems = append(f.problems, problem{code: pr.Code})
			}
		}
	}
	engagement := forecast.DrawGamma(r, b.Engagement) / b.Engagement
	years := attached.Sub(c.plan.Profiles[0].Starts.Time).Hours() / 24 / 365.25
	speed := engagement * (1 + b.Learning*years)
	for i := range f.problems {
		pr := &f.problems[i]
		f.baseline = append(f.baseline, pr.code)
		t := attached
		for t.Before(c.end) {
			t = t.Add(weibull(r, of(b.ProgressScale, pr.code, 9), b.ProgressShape, speed))
			deadline, ok := c.plan.SustainedEnd(pr.code, outcomes.Moment{Time: t})
			if !ok {
				deadline.Time = c.end.AddDate(10, 0, 0)
			}
			lapse := t.Add(weibull(r, of(b.LapseScale, pr.code, 30), b.LapseShape, 1))
			if !lapse.Before(deadline.Time) {
				pr.spells = append(pr.spells, spell{start: t, end: deadline.Time, sustained: true})
				break
			}
			pr.spells = append(pr.spells, spell{start: t, end: lapse})
			t = lapse
		}
		if pr.code == "WORKLESSNESS" && c.plan.ContinuousEmployment != nil {
			f.ce = attached.Add(time.Duration(min(1200, r.ExpFloat64()/(b.CEMonthly*engagement)) * float64(month)))
		}
	}
	return f
}
