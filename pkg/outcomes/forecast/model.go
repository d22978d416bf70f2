package forecast

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
)

// Options say what to forecast.
type Options struct {
	AsOf    time.Time // what is known: the moment the forecast is made at
	Draws   int       // Monte Carlo draws (10,000 gives P10 and P90 to within a few results)
	Seed    uint64    // the same seed and inputs give the same forecast
	Workers int       // draws run on this many cores (0: all)
	Prior   *Prior    // nil: DefaultPrior
}

// Band is a count's distribution over the draws.
type Band struct {
	P10  int     `json:"p10"`
	P50  int     `json:"p50"`
	P90  int     `json:"p90"`
	Mean float64 `json:"mean"`
}

// Pence is a band of money, in pence.
type Pence struct {
	P10 int64 `json:"p10"`
	P50 int64 `json:"p50"`
	P90 int64 `json:"p90"`
}

func (b Band) pence(each int64) Pence {
	return Pence{P10: int64(b.P10) * each, P50: int64(b.P50) * each, P90: int64(b.P90) * each}
}

// Window is one claim window's forecast. Results count in the window that first opens after
// the result is achieved; a window already open is past, and its count is what was achieved.
type Window struct {
	ID      string `json:"id"`
	Opens   string `json:"opens"`
	Year    string `json:"year"`
	Past    bool   `json:"past"`
	Results Band   `json:"results"`
	Income  Pence  `json:"results_income_pence"`
}

// Year is one programme year's forecast: results in the windows opening in it.
type Year struct {
	Year              string  `json:"year"`
	Starts            string  `json:"starts"`
	Ends              string  `json:"ends"`
	Achieved          int     `json:"achieved"` // results in the year's windows already open
	Results           Band    `json:"results"`
	Income            Pence   `json:"results_income_pence"`
	CumulativeResults Band    `json:"cumulative_results"`
	ResultsProfile    int     `json:"results_profile"`
	CumulativeProfile int     `json:"cumulative_profile"`
	ChanceOfProfile   float64 `json:"chance_of_profile"` // of the year's results reaching its profile
}

// Total is the programme's forecast to its last claim window.
type Total struct {
	Results         Band    `json:"results"`
	Income          Pence   `json:"results_income_pence"`
	BudgetResults   int     `json:"budget_results"` // the budget's assumption: its conversion of the families attached and to attach
	ProfileResults  int     `json:"profile_results"`
	ChanceOfBudget  float64 `json:"chance_of_budget"`
	ChanceOfProfile float64 `json:"chance_of_profile"`
	FamilyCap       int     `json:"family_cap"`
}

// Driver is a problem whose outcomes drive the spread: families still without a result that
// have it outstanding or in progress, and its share of the variance of the families left
// without a result at the programme's end.
type Driver struct {
	Problem  string  `json:"problem"`
	Name     string  `json:"name"`
	Families int     `json:"families"`
	Share    float64 `json:"share"`
	Progress Count   `json:"progress_observed"`
	Lapse    Count   `json:"lapse_observed"`
}

// Inputs say what the forecast was made from.
type Inputs struct {
	Families int      `json:"families_attached"`
	Results  int      `json:"results_achieved"`
	ToAttach float64  `json:"families_to_attach"`
	Observed Observed `json:"observed"`
	Rates    Rates    `json:"rates"`
}

// Forecast is the model's answer.
type Forecast struct {
	PlanID       string    `json:"plan_id"`
	PlanVersion  int       `json:"plan_version"`
	ModelVersion string    `json:"model_version"`
	AsOf         time.Time `json:"as_of"`
	Draws        int       `json:"draws"`
	Seed         uint64    `json:"seed"`
	Windows      []Window  `json:"windows"`
	Years        []Year    `json:"years"`
	Total        Total     `json:"total"`
	Drivers      []Driver  `json:"drivers"`
	Summary      string    `json:"summary"`
	Inputs       Inputs    `json:"inputs"`
}

const never = math.MaxInt32

// simProblem is a problem as the simulation starts it.
type simProblem struct {
	p        uint8 // index into the plan's problems
	status   uint8
	stage    uint8 // progressing: the lapse stage its progress began in
	deadline int32 // progressing: the day it is sustained if progress holds; sustained: the day it was
	age      int32 // days it has been outstanding (since attachment or its last lapse) or progressing
	known    int32 // progressing: the day (0 or before) to which the data shows it held
}

const (
	stOutstanding uint8 = iota
	stProgressing
	stSustained
)

// simFamily is an attached family as the simulation starts it (days count from AsOf).
type simFamily struct {
	first, n int32 // its problems in sim.problems
	from     int32 // when its outstanding problems can begin to progress
	attached int32 // its attachment (days from the forecast, negative when past)
	ssp      bool  // its baseline can earn a result by SSP
	ce       int16 // index of its first employment problem, -1 without one
	ceAt     int32 // projected continuous employment, or never
	// its engagement's Gamma distribution, drawn by the Wilson-Hilferty approximation (its
	// shapes are 1 or more): scale * (a + b Z)^3
	a, b, scale float64
}

// cohort is families still to attach in a programme year, spread evenly over [from, to).
type cohort struct {
	from, to int32
	mean     float64
}

type sim struct {
	plan       *outcomes.Plan
	horizon    int32     // the day the last window opens: a result after it is never claimed
	opens      []int32   // each window's opening day
	dayWindow  []int16   // for days 0..horizon, the first window opening on or after it
	deadline   [][]int32 // per problem, per day 0..horizon: when progress begun that day is sustained
	families   []simFamily
	problems   []simProblem
	fixed      []int32 // results already achieved, per window
	cohorts    []cohort
	mix        [][]uint8 // baselines new families are drawn from
	ceProblem  []bool
	ceWork     float64    // days of work before continuous employment can make a result
	rates      [3][]Gamma // progress and lapse, per problem and band (problem-major); CE at [2][0]
	immediate  []Beta     // per problem: progress the moment it becomes outstanding
	late       []Beta     // per problem: a lapse seen late
	engagement float64    // the variance of families' engagement
	newcomers  float64    // and the mean of families still to attach
	drift      float64    // the spread of the programme's pace
}

// Run forecasts plan p's results from its attached families.
func Run(p *outcomes.Plan, families []Family, o Options) (*Forecast, error) {
	if o.Draws < 1 {
		return nil, errors.New("forecast: at least one draw is needed")
	}
	if len(p.ClaimWindows) == 0 || len(p.Problems) > 64 {
		return nil, fmt.Errorf("forecast: plan %s has no claim windows or more than 64 problems", p.Key())
	}
	prior := DefaultPrior
	if o.Prior != nil {
		prior = *o.Prior
	}
	observed := Observe(p, families, o.AsOf, prior)
	rates := Estimate(p, observed, prior)
	s := newSim(p, families, rates, o.AsOf)
	nw, np := len(s.opens), len(p.Problems)
	results := make([]int32, o.Draws*nw)
	blocked := make([]int32, o.Draws*np)
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			sc := newScratch(np)
			for {
				d := int(next.Add(1) - 1)
				if d >= o.Draws {
					return
				}
				// #nosec G404 G115 -- a seeded simulation, reproducible by design (nothing secret); d >= 0
				r := rand.New(rand.NewPCG(o.Seed, uint64(d)))
				s.draw(r, sc, results[d*nw:(d+1)*nw], blocked[d*np:(d+1)*np])
			}
		})
	}
	wg.Wait()
	f := s.summarise(results, blocked, o, observed, rates, families)
	return f, nil
}

func dayOf(asOf, t time.Time) int32 {
	d := math.Floor(t.Sub(asOf).Hours() / 24)
	return int32(max(-1e9, min(d, 1e9)))
}

func newSim(p *outcomes.Plan, families []Family, rates Rates, asOf time.Time) *sim {
	s := &sim{plan: p, ceProblem: make([]bool, len(p.Problems)), ceWork: ceWorkDays(p)}
	index := map[string]uint8{}
	ce := employmentProblems(p)
	for i, pr := range p.Problems {
		index[pr.Code] = uint8(i)
		s.ceProblem[i] = ce[pr.Code] && p.ContinuousEmployment != nil
		s.rates[0] = append(s.rates[0], rates.Progress[pr.Code]...)
		s.rates[1] = append(s.rates[1], rates.Lapse[pr.Code]...)
		s.immediate = append(s.immediate, rates.Immediate[pr.Code])
		s.late = append(s.late, rates.LateLapses[pr.Code])
	}
	s.rates[2] = []Gamma{rates.CE}
	for _, w := range p.ClaimWindows {
		s.opens = append(s.opens, dayOf(asOf, w.Opens.Time))
	}
	s.horizon = s.opens[len(s.opens)-1] // before today when the last window has opened
	s.dayWindow = make([]int16, max(0, s.horizon+1))
	for d, w := int32(0), 0; d <= s.horizon; d++ {
		for s.opens[w] < d {
			w++
		}
		s.dayWindow[d] = int16(w)
	}
	s.deadline = make([][]int32, len(p.Problems))
	for i, pr := range p.Problems {
		s.deadline[i] = make([]int32, max(1, s.horizon+1))
		for d := range s.deadline[i] {
			end, ok := p.SustainedEnd(pr.Code, outcomes.Moment{Time: asOf.Add(time.Duration(d) * day)})
			s.deadline[i][d] = never
			if ok {
				s.deadline[i][d] = max(int32(d), dayOf(asOf, end.Time))
			}
		}
	}
	s.fixed = make([]int32, len(s.opens))
	s.engagement, s.newcomers, s.drift = rates.Engagement, rates.Newcomers, rates.Drift
	for i := range families {
		s.addFamily(&families[i], rates.families[i], index, asOf)
	}
	s.addCohorts(families, asOf)
	return s
}

// windowOf is the window that claims a result achieved on day d, or -1 after the last.
func (s *sim) windowOf(d int32) int {
	if d > s.horizon {
		return -1
	}
	if d >= 0 {
		return int(s.dayWindow[d])
	}
	return sort.Search(len(s.opens), func(i int) bool { return s.opens[i] >= d })
}

func (s *sim) addFamily(f *Family, engaged Gamma, index map[string]uint8, asOf time.Time) {
	if !f.AchievedAt.IsZero() {
		if w := s.windowOf(dayOf(asOf, f.AchievedAt)); w >= 0 {
			s.fixed[w]++
		}
		return
	}
	first := int32(len(s.problems)) // #nosec G115 -- a few problems a family, far below 2^31 in all
	sf := simFamily{first: first, from: max(0, dayOf(asOf, f.AttachedAt)), attached: dayOf(asOf, f.AttachedAt),
		ce: -1, ceAt: never,
		ssp: len(f.Problems) >= s.plan.Eligibility.MinProblems}
	var baseline []uint8
	for _, ps := range f.Problems {
		i, ok := index[ps.Code]
		if !ok {
			sf.ssp = false // a problem the plan no longer has can never be judged sustained
			continue
		}
		baseline = append(baseline, i)
		sp := simProblem{p: i, age: max(0, dayOf(outstandingSince(f, ps.Code), asOf))}
		switch ps.Status {
		case outcomes.Sustained:
			sp.status, sp.deadline = stSustained, dayOf(asOf, ps.SustainedAt)
		case outcomes.SignificantProgress:
			// Without a date (the period runs from an event still to come), as if progress began today;
			// a date already past is waiting for the data that shows it: the next monthly extract.
			sp.status, sp.deadline, sp.age = stProgressing, s.deadline[i][0], max(0, dayOf(ps.ClockStart, asOf))
			sp.stage = uint8(stageOf(ps.ClockStart.Sub(f.AttachedAt).Hours() / 24)) // #nosec G115 -- a few stages
			if !ps.EvidencedTo.IsZero() {
				sp.known = min(0, max(-sp.age, dayOf(asOf, ps.EvidencedTo)))
			}
			if !ps.SustainedAt.IsZero() {
				if sp.deadline = dayOf(asOf, ps.SustainedAt); sp.deadline <= 0 {
					sp.deadline = 31
				}
			}
		}
		if s.ceProblem[i] && sf.ce < 0 {
			sf.ce = int16(i)
		}
		s.problems = append(s.problems, sp)
	}
	if sf.ce >= 0 && !f.CEProjectedAt.IsZero() {
		sf.ceAt = max(0, dayOf(asOf, f.CEProjectedAt))
	}
	sf.n = int32(len(s.problems)) - sf.first // #nosec G115 -- as above
	// its multiplier, given what it has done so far
	sf.a, sf.b, sf.scale = 1-1/(9*engaged.Shape), 1/(3*math.Sqrt(engaged.Shape)), engaged.Shape/engaged.Rate
	s.families = append(s.families, sf)
	s.mix = append(s.mix, baseline)
}

// addCohorts: families still to attach join at the attachment profile's rate, in each
// programme year's remaining days, up to the family cap; their problems are drawn from the
// attached families' baselines (or, before any, every choice of one more than the minimum).
func (s *sim) addCohorts(families []Family, asOf time.Time) {
	p := s.plan
	total := 0.0
	for i, y := range p.Profiles {
		start, end := y.Starts.Time, p.YearEnd(i).Time
		if !end.After(asOf) {
			continue
		}
		want := float64(y.Attachments)
		if start.Before(asOf) {
			for j := range families {
				if a := families[j].AttachedAt; !a.Before(start) && a.Before(end) {
					want--
				}
			}
		}
		if want > 0 {
			s.cohorts = append(s.cohorts, cohort{from: max(0, dayOf(asOf, start)), to: dayOf(asOf, end), mean: want})
			total += want
		}
	}
	if room := float64(p.FamilyCap - len(families)); p.FamilyCap > 0 && total > room {
		for i := range s.cohorts {
			s.cohorts[i].mean *= max(0, room) / total
		}
	}
	if len(s.mix) == 0 {
		size := min(len(p.Problems), max(1, p.Eligibility.MinProblems+1))
		s.mix = choices(len(p.Problems), size)
	}
}

// choices lists every set of k of n problems.
func choices(n, k int) [][]uint8 {
	var out [][]uint8
	var walk func(from int, set []uint8)
	walk = func(from int, set []uint8) {
		if len(set) == k {
			out = append(out, slices.Clone(set))
			return
		}
		for i := from; i < n; i++ {
			walk(i+1, append(set, uint8(i))) // #nosec G115 -- a plan has at most 64 problems (Run checks)
		}
	}
	walk(0, nil)
	return out
}

// scratch is one worker's draw of the rates, per problem and band.
type scratch struct{ progress, lapse, immediate, late []float64 }

func newScratch(np int) *scratch {
	return &scratch{
		progress:  make([]float64, np*len(ProgressBands)),
		lapse:     make([]float64, np*len(LapseStages)*len(LapseBands)),
		immediate: make([]float64, np),
		late:      make([]float64, np),
	}
}

// lapses are a problem's lapse rates for progress begun `days` after the family's attachment.
func (sc *scratch) lapses(p int16, days float64) []float64 {
	return sc.stageLapses(int(p), stageOf(days))
}

// stageLapses are a problem's lapse rates in one stage.
func (sc *scratch) stageLapses(p, stage int) []float64 {
	nb := len(LapseBands)
	return sc.lapse[(p*len(LapseStages)+stage)*nb:][:nb]
}

// draw is one possible future: rates drawn from their distributions, then every family's.
func (s *sim) draw(r *rand.Rand, sc *scratch, results, blocked []int32) {
	for i := range sc.progress {
		sc.progress[i] = s.rates[0][i].draw(r)
	}
	for i := range sc.lapse {
		sc.lapse[i] = s.rates[1][i].draw(r)
	}
	for i := range sc.immediate {
		sc.immediate[i], sc.late[i] = s.immediate[i].draw(r), s.late[i].draw(r)
	}
	ce := s.rates[2][0].draw(r)
	// The programme's pace in this future: every family's progress (and work) moves with it.
	pace := 1.0
	if s.drift > 0 {
		pace = math.Exp(s.drift*r.NormFloat64() - s.drift*s.drift/2)
	}
	copy(results, s.fixed)
	count := func(d int32, failed uint64) {
		if w := s.windowOf(d); d != never && w >= 0 {
			results[w]++
			return
		}
		for failed != 0 {
			blocked[bits.TrailingZeros64(failed)]++
			failed &= failed - 1
		}
	}
	for i := range s.families {
		f := &s.families[i]
		count(s.family(r, sc, f, s.problems[f.first:f.first+f.n], ce, pace))
	}
	for _, c := range s.cohorts {
		n := drawPoisson(r, c.mean)
		for range n {
			baseline := s.mix[r.IntN(len(s.mix))]
			day := c.from + int32(r.IntN(int(max(1, c.to-c.from)))) // #nosec G115 -- below c.to - c.from, an int32
			count(s.newcomer(r, sc, day, baseline, ce, pace))
		}
	}
	// The family cap: no more results than families the programme pays for.
	if cap := int32(min(s.plan.FamilyCap, math.MaxInt32)); cap > 0 { // #nosec G115 -- bounded just here
		sum := int32(0)
		for w := range results {
			results[w] = min(results[w], cap-sum)
			sum += results[w]
		}
	}
}

// family is the day an attached family's result is achieved in this draw (never if not), and
// the problems that were never sustained.
func (s *sim) family(r *rand.Rand, sc *scratch, f *simFamily, problems []simProblem, ce, pace float64) (int32, uint64) {
	v := max(0.01, f.a+f.b*r.NormFloat64())
	ssp, failed, z := int32(0), uint64(0), pace*f.scale*v*v*v
	for _, pr := range problems {
		d := s.problem(r, sc, pr, float64(f.from), float64(f.attached), z)
		if d > s.horizon {
			failed |= 1 << pr.p
		}
		ssp = max(ssp, d)
	}
	if !f.ssp || failed != 0 {
		ssp = never
	}
	if f.ce >= 0 {
		ssp = min(ssp, int32(min(float64(f.from)+s.ceWork+r.ExpFloat64()/(ce*z), never)))
		// Work that would make the result holds as progress on the problem holds.
		if f.ceAt != never && wait(r, sc.lapses(f.ce, -float64(f.attached)), LapseBands, 0, 1) >= float64(f.ceAt) {
			ssp = min(ssp, f.ceAt)
		}
	}
	return ssp, failed
}

// newcomer is the day a family attached on day from achieves its result, and what failed.
func (s *sim) newcomer(r *rand.Rand, sc *scratch, from int32, baseline []uint8, ce, pace float64) (int32, uint64) {
	ssp, failed, employment, z := int32(0), uint64(0), false, s.newcomers*pace
	if s.engagement > 0 {
		z *= DrawGamma(r, 1/s.engagement) * s.engagement
	}
	for _, p := range baseline {
		d := s.outstanding(r, sc, p, float64(from), 0, float64(from), z)
		if d > s.horizon {
			failed |= 1 << p
		}
		ssp = max(ssp, d)
		employment = employment || s.ceProblem[p]
	}
	if len(baseline) < s.plan.Eligibility.MinProblems || failed != 0 {
		ssp = never
	}
	if employment {
		ssp = min(ssp, int32(min(float64(from)+s.ceWork+r.ExpFloat64()/(ce*z), never)))
	}
	return ssp, failed
}

// problem is the day a problem is sustained in this draw (past the horizon: never in time).
func (s *sim) problem(r *rand.Rand, sc *scratch, pr simProblem, from, attached, z float64) int32 {
	switch pr.status {
	case stSustained:
		return pr.deadline
	case stProgressing:
		rates := sc.stageLapses(int(pr.p), int(pr.stage))
		if pr.known < 0 {
			// Progress is known to have held only as far as its data: it may have lapsed since,
			// unseen as yet, as this problem's lapses are seen late (a bad term, after the term).
			q := 1 - math.Exp(-hazardBetween(rates, LapseBands, float64(pr.age+pr.known), float64(pr.age)))
			// (no draw when none can be: such a problem's future is drawn as before)
			if unseen := sc.late[pr.p] * q / (1 - (1-sc.late[pr.p])*q); unseen > 0 && r.Float64() < unseen {
				return s.outstanding(r, sc, pr.p, from, 0, attached, z)
			}
		}
		// Progress has held until now; whether it holds on depends on how long it has held.
		lapse := wait(r, rates, LapseBands, float64(pr.age), 1)
		if lapse >= float64(pr.deadline) {
			return pr.deadline
		}
		return s.outstanding(r, sc, pr.p, max(from, lapse), 0, attached, z)
	}
	return s.outstanding(r, sc, pr.p, from, float64(pr.age), attached, z)
}

// outstanding is when a problem outstanding from day t (for age days already) is first
// sustained: progress after a wait (none, by the problem's chance of progress at once, when it
// has just become outstanding), then held for the outcome's period unless it lapses first,
// then again.
func (s *sim) outstanding(r *rand.Rand, sc *scratch, p uint8, t, age, attached, z float64) int32 {
	progress, deadline := sc.progress[int(p)*len(ProgressBands):], s.deadline[p]
	h := float64(s.horizon)
	for {
		// Becoming outstanding (age 0), a problem may be in progress again at once (Immediate).
		if age > 0 || r.Float64() >= sc.immediate[p] {
			t += wait(r, progress, ProgressBands, age, z)
		}
		if t >= h {
			return never
		}
		d := deadline[int(t)]
		if d > s.horizon {
			return never
		}
		hold := wait(r, sc.lapses(int16(p), t-attached), LapseBands, 0, 1)
		if t+hold >= float64(d) {
			return d
		}
		t, age = t+hold, 0
	}
}

// wait is how long, from age days in a state, until its event, under a hazard constant within
// each band (rates[k] from bands[k], times z): one exponential draw of cumulative hazard,
// spent band by band.
func wait(r *rand.Rand, rates, bands []float64, age, z float64) float64 {
	k := 0
	for k+1 < len(bands) && age >= bands[k+1] {
		k++
	}
	hazard, start := r.ExpFloat64(), age
	for ; k+1 < len(bands); k++ {
		rate := rates[k] * z
		left := (bands[k+1] - age) * rate
		if hazard < left {
			return age + hazard/rate - start
		}
		hazard, age = hazard-left, bands[k+1]
	}
	return age + hazard/(rates[k]*z) - start
}

// hazardBetween is the cumulative hazard from age a to age b (days in the state) under rates
// constant within each band.
func hazardBetween(rates, bands []float64, a, b float64) float64 {
	h := 0.0
	for k := range bands {
		lo, hi := bands[k], math.Inf(1)
		if k+1 < len(bands) {
			hi = bands[k+1]
		}
		if overlap := min(b, hi) - max(a, lo); overlap > 0 {
			h += overlap * rates[k]
		}
	}
	return h
}

func band(v []int32) Band {
	slices.Sort(v)
	sum := 0.0
	for _, x := range v {
		sum += float64(x)
	}
	at := func(q float64) int { return int(v[int(math.Round(q*float64(len(v)-1)))]) }
	return Band{P10: at(0.1), P50: at(0.5), P90: at(0.9), Mean: math.Round(sum/float64(len(v))*10) / 10}
}

func chance(v []int32, atLeast int) float64 {
	n := 0
	for _, x := range v {
		if int(x) >= atLeast {
			n++
		}
	}
	return math.Round(float64(n)/float64(len(v))*1000) / 1000
}

func (s *sim) summarise(
	results, blocked []int32,
	o Options,
	observed Observed,
	rates Rates,
	families []Family,
) *Forecast {
	p := s.plan
	nw, draws := len(s.opens), o.Draws
	f := &Forecast{
		PlanID:       p.ID,
		PlanVersion:  p.Version,
		ModelVersion: ModelVersion,
		AsOf:         o.AsOf,
		Draws:        draws,
		Seed:         o.Seed,
		Inputs:       Inputs{Families: len(families), Observed: observed, Rates: rates},
	}
	for _, c := range s.cohorts {
		f.Inputs.ToAttach += c.mean
	}
	f.Inputs.ToAttach = math.Round(f.Inputs.ToAttach)
	for _, fam := range families {
		if !fam.AchievedAt.IsZero() {
			f.Inputs.Results++
		}
	}
	column := make([]int32, draws)
	yearOf := make([]int, nw)
	for w, cw := range p.ClaimWindows {
		yearOf[w] = -1
		for i, y := range p.Profiles {
			if !cw.Opens.Before(y.Starts.Time) && cw.Opens.Before(p.YearEnd(i).Time) {
				yearOf[w] = i
			}
		}
		for d := range draws {
			column[d] = results[d*nw+w]
		}
		b := band(column)
		win := Window{
			ID:      cw.ID,
			Opens:   cw.Opens.String()[:10],
			Past:    s.opens[w] < 0,
			Results: b,
			Income:  b.pence(p.Money.ResultPence),
		}
		if yearOf[w] >= 0 {
			win.Year = p.Profiles[yearOf[w]].Year
		}
		f.Windows = append(f.Windows, win)
	}
	cumulative := make([]int32, draws)
	cumProfile := 0
	for i, y := range p.Profiles {
		yr := Year{
			Year:           y.Year,
			Starts:         y.Starts.String()[:10],
			Ends:           p.YearEnd(i).String()[:10],
			ResultsProfile: y.Results,
		}
		for d := range draws {
			column[d] = 0
			for w := range nw {
				if yearOf[w] == i {
					column[d] += results[d*nw+w]
				}
			}
			cumulative[d] += column[d]
		}
		for w := range nw {
			if yearOf[w] == i && s.opens[w] < 0 {
				yr.Achieved += int(results[w]) // the same in every draw
			}
		}
		yr.ChanceOfProfile = chance(column, y.Results)
		yr.Results = band(column)
		yr.Income = yr.Results.pence(p.Money.ResultPence)
		cumProfile += y.Results
		yr.CumulativeProfile = cumProfile
		yr.CumulativeResults = band(slices.Clone(cumulative))
		f.Years = append(f.Years, yr)
	}
	for d := range draws {
		column[d] = 0
		for w := range nw {
			column[d] += results[d*nw+w]
		}
	}
	families64 := float64(len(families)) + f.Inputs.ToAttach
	f.Total = Total{
		BudgetResults:  int(math.Round(families64 * p.Money.ConversionAssumption)),
		ProfileResults: cumProfile,
		FamilyCap:      p.FamilyCap,
	}
	f.Total.ChanceOfBudget = chance(column, f.Total.BudgetResults)
	f.Total.ChanceOfProfile = chance(column, cumProfile)
	f.Total.Results = band(column)
	f.Total.Income = f.Total.Results.pence(p.Money.ResultPence)
	f.Drivers = s.drivers(blocked, draws, observed, families)
	f.Summary = summary(f)
	return f
}

// drivers ranks problems by their share of the variance, over the draws, of the families
// they leave without a result.
func (s *sim) drivers(blocked []int32, draws int, observed Observed, families []Family) []Driver {
	p := s.plan
	np := len(p.Problems)
	var out []Driver
	total := 0.0
	for i, pr := range p.Problems {
		mean, sq := 0.0, 0.0
		for d := range draws {
			v := float64(blocked[d*np+i])
			mean += v
			sq += v * v
		}
		mean /= float64(draws)
		variance := max(0, sq/float64(draws)-mean*mean)
		total += variance
		open := 0
		for _, f := range families {
			if f.AchievedAt.IsZero() &&
				slices.ContainsFunc(
					f.Problems,
					func(ps ProblemState) bool { return ps.Code == pr.Code && ps.Status != outcomes.Sustained },
				) {
				open++
			}
		}
		out = append(out, Driver{Problem: pr.Code, Name: pr.Name, Families: open, Share: variance,
			Progress: observed.Progress[pr.Code].Total(), Lapse: observed.Lapse[pr.Code].Total()})
	}
	for i := range out {
		if total > 0 {
			out[i].Share = math.Round(out[i].Share/total*1000) / 1000
		}
		out[i].Progress.ExposureDays = math.Round(out[i].Progress.ExposureDays)
		out[i].Lapse.ExposureDays = math.Round(out[i].Lapse.ExposureDays)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Share > out[j].Share })
	return out
}

func percent(x float64) string { return fmt.Sprintf("%.0f%%", x*100) }

// summary says the forecast in words, for the finance officer.
func summary(f *Forecast) string {
	var b strings.Builder
	t := f.Total
	fmt.Fprintf(
		&b,
		"By the last claim window: %d results at P50 (P10 %d, P90 %d), against the budget's assumption of %d (a %s chance of reaching it) and the profile's %d (a %s chance).",
		t.Results.P50,
		t.Results.P10,
		t.Results.P90,
		t.BudgetResults,
		percent(t.ChanceOfBudget),
		t.ProfileResults,
		percent(t.ChanceOfProfile),
	)
	var parts []string
	for _, d := range f.Drivers {
		if d.Share < 0.15 || len(parts) == 2 {
			break
		}
		parts = append(
			parts,
			fmt.Sprintf("%s outcomes for %d families (%s of it; %.0f progress and %.0f lapses seen so far)",
				strings.ToLower(d.Name), d.Families, percent(d.Share), d.Progress.Events, d.Lapse.Events),
		)
	}
	if len(parts) > 0 {
		b.WriteString(" Most of the spread comes from " + strings.Join(parts, ", then ") + ".")
	}
	if f.Inputs.ToAttach > 0 {
		fmt.Fprintf(&b, " It assumes %.0f more families attach at the profile's rate.", f.Inputs.ToAttach)
	}
	return b.String()
}

// outstandingSince is when the family's problem last became outstanding: its last lapse, or
// the family's attachment.
func outstandingSince(f *Family, code string) time.Time {
	since := f.AttachedAt
	for _, t := range f.History {
		if t.Problem == code && t.To == outcomes.Outstanding && t.At.After(since) {
			since = t.At
		}
	}
	return since
}
