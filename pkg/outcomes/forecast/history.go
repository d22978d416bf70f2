// Package forecast is the results forecast: from the programme's own history (how often and
// how soon each problem made significant progress, how often progress lapsed before it was
// sustained, how often continuous employment made the result), the chance that each attached
// family, and each family still to be attached, achieves a result by each claim window. A
// seeded Monte Carlo over families gives results and income per claim window and programme
// year at P10, P50 and P90, and the chance of reaching the budget's assumption and the
// profile. Pure: no I/O and no clock; tracking runs it over its read model
// (docs/forecast.md).
package forecast

import (
	"maps"
	"math"
	"slices"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
)

// ModelVersion names the model; every snapshot records it beside its inputs' versions.
// 2: progress the moment a problem becomes outstanding is counted apart from waits (Immediate),
// and a result by continuous employment comes the plan's work period after work starts.
// 3: lapses by the stage of the programme their progress began in (LapseStages).
// 4: progress counts as held only as far as its data reaches (ProblemState.EvidencedTo), past it
// as far as the problem's lapses are seen at once (Transition.Late), and a lapse seen late dates
// from the recurrence (ProblemState.RecurredAt).
const ModelVersion = "4"

const day = 24 * time.Hour

// lateDays: a lapse seen more than this long after it came (after both its evidence began and
// the progress did) was seen late, not by the next monthly extract.
const lateDays = 45

// ProblemState is one baseline problem of a family as tracking last judged it.
type ProblemState struct {
	Code        string
	Status      string    // outcomes.Outstanding, SignificantProgress or Sustained
	ClockStart  time.Time // when significant progress began (zero while outstanding)
	SustainedAt time.Time // when it is, or will be if progress holds, sustained (zero: unknown)
	// RecurredAt: when its latest recurrence after attachment began (the engine's): a lapse
	// seen after it happened dates from it.
	RecurredAt time.Time
	// LatestFrom: when the latest evidence of the problem began (the engine's; each term of a
	// run of bad terms counts): a lapse whose evidence began long before the judgement that saw
	// it was seen late.
	LatestFrom time.Time
	// EvidencedTo: in significant progress, how far the data shows it has held
	// (outcomes.Plan.EvidencedTo; zero: to the judgement). Past it the progress is not known
	// to hold: a school term's census rows arrive after the term.
	EvidencedTo time.Time
}

// Transition is a change of a problem's status, as tracking saw it between two judgements.
type Transition struct {
	Problem string
	To      string
	At      time.Time
	// Late: a lapse seen more than lateDays after it came (a bad school term, seen after the
	// term): how this problem's lapses hide in data still to come.
	Late bool
}

// Family is an attached family as tracking knows it: no names, no ids.
type Family struct {
	AttachedAt time.Time
	Problems   []ProblemState // its baseline problems, as last judged
	History    []Transition   // what changed, oldest first (may be empty: then Problems is all there is)
	Route      string         // "SSP" or "CE" once a result is achieved
	AchievedAt time.Time
	// CEProjectedAt: when an adult's work would make the result by continuous employment, if
	// the work holds.
	CEProjectedAt time.Time
}

// Changes is what moved between two judgements of a family's problems (before is empty for
// the first). Progress is dated from its clock start, a sustained outcome from its date, a
// lapse from the judgement that saw it (or, when progress lapsed and began again between two
// judgements, from the new clock start).
func Changes(before, after []ProblemState, judgedFor time.Time) []Transition {
	var out []Transition
	for _, a := range after {
		b := ProblemState{Code: a.Code, Status: outcomes.Outstanding}
		if i := slices.IndexFunc(before, func(s ProblemState) bool { return s.Code == a.Code }); i >= 0 {
			b = before[i]
		}
		progressAt := a.ClockStart
		if progressAt.IsZero() {
			progressAt = judgedFor
		}
		// A lapse dates from the recurrence that ended the progress, when the engine found one
		// since the progress began; it was seen late when it came long before the judgement.
		lapse := func(seen time.Time) Transition {
			at := seen
			if r := a.RecurredAt; r.After(b.ClockStart) && r.Before(seen) {
				at = r
			}
			// the lapse came after both its evidence began and the progress did
			from := a.LatestFrom
			if from.Before(b.ClockStart) {
				from = b.ClockStart
			}
			late := !a.LatestFrom.IsZero() && judgedFor.Sub(from) > lateDays*day
			return Transition{Problem: a.Code, To: outcomes.Outstanding, At: at, Late: late}
		}
		switch {
		case a.Status == b.Status && (a.Status != outcomes.SignificantProgress || !a.ClockStart.After(b.ClockStart)):
		case a.Status == outcomes.Outstanding:
			out = append(out, lapse(judgedFor))
		case a.Status == outcomes.SignificantProgress && b.Status == outcomes.SignificantProgress:
			out = append(
				out,
				lapse(progressAt),
				Transition{Problem: a.Code, To: outcomes.SignificantProgress, At: progressAt},
			)
		case a.Status == outcomes.SignificantProgress:
			out = append(out, Transition{Problem: a.Code, To: outcomes.SignificantProgress, At: progressAt})
		case a.Status == outcomes.Sustained:
			if b.Status != outcomes.SignificantProgress {
				out = append(out, Transition{Problem: a.Code, To: outcomes.SignificantProgress, At: progressAt})
			}
			at := a.SustainedAt
			if at.IsZero() {
				at = judgedFor
			}
			out = append(out, Transition{Problem: a.Code, To: outcomes.Sustained, At: at})
		}
	}
	return out
}

// Count is events over exposure: how often something happened in the time it could have.
// Both are weighted by recency (Prior.HalfLifeDays), so events need not be whole.
type Count struct {
	Events       float64 `json:"events"`
	ExposureDays float64 `json:"exposure_days"`
}

// Hazard is a rate split by how long the problem has been in its state (the bands' starts,
// in days): progress is likelier some months into the work than in its first weeks, and a
// lapse likelier early in progress than late. One Count a band.
type Hazard []Count

// Bands of days in a state: since attachment or the last lapse for progress, since progress
// began for a lapse.
var (
	ProgressBands = []float64{0, 91, 182, 365}
	LapseBands    = []float64{0, 61, 122, 244}
	// LapseStages split lapses by how long the family had been in the programme when progress
	// began (days): a problem that recurs early in the work is not one that recurs after a year
	// of it, when teams and families have had their effect. A lapse hazard is kept per stage and
	// band, stage-major.
	LapseStages = []float64{0, 91, 182, 365, 730}
)

// stageOf is the lapse stage of progress begun `days` after attachment.
func stageOf(days float64) int {
	g := 0
	for g+1 < len(LapseStages) && days >= LapseStages[g+1] {
		g++
	}
	return g
}

// lapseHazard is the part of a problem's lapse hazard (all stages) for progress begun `days`
// after attachment.
func lapseHazard(all []Count, days float64) Hazard {
	nb := len(LapseBands)
	g := stageOf(days)
	return Hazard(all[g*nb : (g+1)*nb])
}

// recency weighs what happened at t against what happened at asOf: teams change, and the
// forecast should follow the programme as it is now.
type recency struct {
	asOf     time.Time
	halfLife float64 // days; 0: every day alike
}

func (r recency) weight(t time.Time) float64 {
	if r.halfLife <= 0 {
		return 1
	}
	return math.Exp2(-max(0, r.asOf.Sub(t).Hours()/24) / r.halfLife)
}

// add counts the time from (in the state since it began) to to, and the event at to if one.
func (h Hazard) add(bands []float64, from, to time.Time, event bool, r recency) {
	length := to.Sub(from).Hours() / 24
	if length < 0 {
		return
	}
	for k, lo := range bands {
		hi := math.Inf(1)
		if k+1 < len(bands) {
			hi = bands[k+1]
		}
		if length > lo {
			end := min(length, hi)
			mid := from.Add(time.Duration((lo + end) / 2 * float64(day)))
			h[k].ExposureDays += (end - lo) * r.weight(mid)
		}
		if event && length >= lo && length < hi {
			h[k].Events += r.weight(to)
		}
	}
}

// hold counts the time from (in the state since it began) to to, w times, with no event.
func (h Hazard) hold(bands []float64, from, to time.Time, w float64, r recency) {
	if w <= 0 {
		return
	}
	var buf [8]Count // more than any bands' count
	part := Hazard(buf[:len(h)])
	part.add(bands, from, to, false, r)
	for k := range h {
		h[k].ExposureDays += w * part[k].ExposureDays
	}
}

func (h Hazard) plus(o Hazard) {
	for k := range h {
		h[k].Events += o[k].Events
		h[k].ExposureDays += o[k].ExposureDays
	}
}

// Total is the hazard's events and exposure over every band.
func (h Hazard) Total() Count {
	var c Count
	for _, b := range h {
		c.Events += b.Events
		c.ExposureDays += b.ExposureDays
	}
	return c
}

// Observed is the programme's history, per problem code: progress (from outstanding to
// significant progress), lapses (from significant progress back to outstanding), outcomes
// sustained, and results by continuous employment among families that could earn one.
type Observed struct {
	Progress  map[string]Hazard `json:"progress"`
	Lapse     map[string]Hazard `json:"lapse"` // per stage of LapseStages, then band
	Sustained map[string]int    `json:"sustained"`
	CE        Count             `json:"continuous_employment"`
	// Immediate: of the times a problem became outstanding (at attachment, or on a lapse), those
	// whose progress began that same moment. The engine judges a problem evidenced by events
	// (an offence, an incident, a bad school term) in progress from the day after its latest
	// event: at attachment, and again at once when it recurs, it is never outstanding for a
	// while. Such progress is not a wait, and counted as one it would say progress is instant.
	Immediate map[string]Share `json:"immediate_progress"`
	// LateLapses: of a problem's lapses, those seen late (Transition.Late).
	LateLapses map[string]Share `json:"lapses_seen_late"`

	// progress per family: len(plan problems) * len(ProgressBands) counts a family, in the
	// plan's order of problems, for the engagement model.
	families []Count
	cohort   []int // each family's cohort: the half-year it was attached in (-1: not observed)
}

// Share is how often something happened of the times it could have.
type Share struct {
	Hits   float64 `json:"hits"`
	Trials float64 `json:"trials"`
}

// Observe reads the history of the families up to asOf. A problem's time counts from the
// family's attachment until its result (nothing is judged after it).
func Observe(p *outcomes.Plan, families []Family, asOf time.Time, pr Prior) Observed {
	o := Observed{Progress: map[string]Hazard{}, Lapse: map[string]Hazard{}, Sustained: map[string]int{},
		Immediate: map[string]Share{}}
	index := map[string]int{}
	for i, prob := range p.Problems {
		o.Progress[prob.Code], o.Lapse[prob.Code] = make(
			Hazard,
			len(ProgressBands),
		), make(
			Hazard,
			len(LapseStages)*len(LapseBands),
		)
		index[prob.Code] = i
	}
	nb := len(ProgressBands)
	o.families = make([]Count, len(families)*len(p.Problems)*nb)
	o.cohort = make([]int, len(families))
	r := recency{asOf: asOf, halfLife: pr.HalfLifeDays}
	ceProblems, ceWork := employmentProblems(p), ceWorkDays(p)
	// How often each problem's lapses were seen late, before the walk that needs it.
	o.LateLapses = lateLapses(families, asOf, r)
	seenLate := map[string]float64{}
	for _, prob := range p.Problems {
		seenLate[prob.Code] = o.LateLapses[prob.Code].seenLate().mean()
	}
	for i := range families {
		f := &families[i]
		end, ok := observedUntil(f, asOf)
		o.cohort[i] = -1
		if !ok {
			continue
		}
		o.cohort[i] = f.AttachedAt.Year()*2 + (int(f.AttachedAt.Month())-1)/6
		for _, ps := range f.Problems {
			j, ok := index[ps.Code]
			if !ok {
				continue // a problem the plan no longer has
			}
			progress := Hazard(o.families[(i*len(p.Problems)+j)*nb:][:nb])
			lapse, immediate := o.Lapse[ps.Code], o.Immediate[ps.Code]
			if walkProblem(f, ps, end, progress, lapse, &immediate, seenLate[ps.Code], r) {
				o.Sustained[ps.Code]++
			}
			o.Immediate[ps.Code] = immediate
			o.Progress[ps.Code].plus(progress)
		}
		if p.ContinuousEmployment != nil &&
			slices.ContainsFunc(f.Problems, func(ps ProblemState) bool { return ceProblems[ps.Code] }) {
			// Work starts at the rate counted; its result comes ceWork days later at the soonest.
			exposed := max(0, end.Sub(f.AttachedAt).Hours()/24-ceWork)
			o.CE.ExposureDays += exposed * r.weight(f.AttachedAt.Add(end.Sub(f.AttachedAt)/2))
			if f.Route == outcomes.RouteCE {
				o.CE.Events += r.weight(end)
			}
		}
	}
	return o
}

// observedUntil is the end of what is known of a family: now, or its result (nothing is
// judged after it); false for a family attached after it.
func observedUntil(f *Family, asOf time.Time) (time.Time, bool) {
	end := asOf
	if !f.AchievedAt.IsZero() && f.AchievedAt.Before(end) {
		end = f.AchievedAt
	}
	return end, f.AttachedAt.Before(end)
}

// walkProblem counts one problem's time and events, from the family's attachment through its
// transitions, then whatever the last judgement says that the history does not; true when
// the problem's outcome was sustained. Progress the moment a problem became outstanding is
// counted in immediate, not as a wait; progress past its data counts as held by the share of
// the problem's lapses seen at once (1 - seenLate).
func walkProblem(
	f *Family,
	ps ProblemState,
	end time.Time,
	progress, lapse Hazard,
	immediate *Share,
	seenLate float64,
	r recency,
) (sustained bool) {
	state, since := ProblemState{Code: ps.Code, Status: outcomes.Outstanding}, f.AttachedAt
	step := func(t Transition) {
		at := t.At
		if at.Before(since) {
			at = since
		}
		if at.After(end) {
			at = end
		}
		switch {
		case state.Status == outcomes.Outstanding && t.To != outcomes.Outstanding:
			w := r.weight(at)
			immediate.Trials += w
			if at.Equal(since) {
				immediate.Hits += w
			} else {
				progress.add(ProgressBands, since, at, true, r)
			}
		case state.Status == outcomes.Outstanding:
			progress.add(ProgressBands, since, at, false, r)
		case state.Status == outcomes.SignificantProgress:
			lapseHazard(lapse, since.Sub(f.AttachedAt).Hours()/24).
				add(LapseBands, since, at, t.To == outcomes.Outstanding, r)
		}
		sustained = sustained || t.To == outcomes.Sustained && state.Status != outcomes.Sustained
		state.Status, since = t.To, at
		if t.To == outcomes.SignificantProgress {
			state.ClockStart = t.At
		}
	}
	for _, t := range f.History {
		if t.Problem == ps.Code && !t.At.After(end) {
			step(t)
		}
	}
	for _, t := range Changes([]ProblemState{state}, []ProblemState{ps}, end) {
		step(t)
	}
	switch state.Status {
	case outcomes.Outstanding:
		if end.After(since) { // outstanding for a while: not at once
			immediate.Trials += r.weight(end)
		}
		progress.add(ProgressBands, since, end, false, r)
	case outcomes.SignificantProgress:
		// Held as far as the data shows; past it, only as far as this problem's lapses are seen
		// at once: one seen late (a bad term, after the term) would not be seen yet, and that
		// time counted in full would say progress holds better than it does.
		known := end
		if ps.EvidencedTo.After(since) && ps.EvidencedTo.Before(end) {
			known = ps.EvidencedTo
		}
		h := lapseHazard(lapse, since.Sub(f.AttachedAt).Hours()/24)
		h.hold(LapseBands, since, end, 1-seenLate, r)
		h.hold(LapseBands, since, known, seenLate, r)
	}
	return sustained
}

// lateLapses counts, per problem, the lapses seen late of all those seen, up to each family's
// end.
func lateLapses(families []Family, asOf time.Time, r recency) map[string]Share {
	out := map[string]Share{}
	for i := range families {
		f := &families[i]
		end, ok := observedUntil(f, asOf)
		if !ok {
			continue
		}
		for _, t := range f.History {
			if t.To != outcomes.Outstanding || t.At.After(end) {
				continue // only a lapse makes a problem outstanding again
			}
			sh, w := out[t.Problem], r.weight(t.At)
			sh.Trials += w
			if t.Late {
				sh.Hits += w
			}
			out[t.Problem] = sh
		}
	}
	return out
}

// seenLate is the share of a problem's lapses seen late: the prior, as likely as not, worth
// two lapses, and what was seen.
func (s Share) seenLate() Beta { return Beta{A: 1 + s.Hits, B: 1 + s.Trials - s.Hits} }

// ceWorkDays is the shortest work the plan's continuous employment rules take, in days: no
// result by continuous employment comes sooner after work starts (0 without rules).
func ceWorkDays(p *outcomes.Plan) float64 {
	if p.ContinuousEmployment == nil {
		return 0
	}
	shortest := 0
	for _, r := range p.ContinuousEmployment.Rules {
		weeks := r.WeeksInWork
		if r.ConsecutiveWeeks > 0 {
			weeks = r.ConsecutiveWeeks
		}
		if shortest == 0 || (weeks > 0 && weeks < shortest) {
			shortest = weeks
		}
	}
	return float64(shortest * 7)
}

// employmentProblems are the plan's problems evidenced by out-of-work benefits: a family with
// one can earn its result by continuous employment.
func employmentProblems(p *outcomes.Plan) map[string]bool {
	out := map[string]bool{}
	for _, pr := range p.Problems {
		for _, ind := range pr.Indicators {
			if ind.Feed == "dwp_benefits" {
				out[pr.Code] = true
			}
		}
	}
	return out
}

// Prior is what the model assumes before the programme has history: each rate is a Gamma
// distribution worth WeightDays of observation, so the programme's own history outweighs it
// within months. The defaults are documented in docs/forecast.md.
type Prior struct {
	ProgressMedianDays float64 // half of outstanding problems make progress within this
	HoldChance         float64 // progress holds this long ...
	HoldDays           float64 // ... with this chance
	CEMonthly          float64 // chance a month that continuous employment makes an eligible family's result
	WeightDays         float64
	// HalfLifeDays: history this old counts half as much as today's (0: all alike).
	HalfLifeDays float64
}

// DefaultPrior: half of problems show progress within 90 days of attachment, progress holds
// six months nine times in ten, and continuous employment makes 1% of eligible families'
// results a month; each worth a year of one problem's (or family's) observation. All history
// counts alike (weighting recent history, measured on the backtest, did worse: the cohorts'
// paces follow a programme that changes).
var DefaultPrior = Prior{
	ProgressMedianDays: 90,
	HoldChance:         0.9,
	HoldDays:           182,
	CEMonthly:          0.01,
	WeightDays:         365,
	HalfLifeDays:       0,
}

// Gamma is a rate's distribution (per day): shape and rate.
type Gamma struct {
	Shape float64 `json:"shape"`
	Rate  float64 `json:"rate"`
}

// Mean is the distribution's mean.
func (g Gamma) Mean() float64 { return g.Shape / g.Rate }

// Beta is a chance's distribution.
type Beta struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

func (b Beta) mean() float64 { return b.A / (b.A + b.B) }

func posterior(perDay, weight float64, c Count) Gamma {
	return Gamma{Shape: perDay*weight + c.Events, Rate: weight + c.ExposureDays}
}

// Rates are the model's rates per day, per problem, with their uncertainty.
type Rates struct {
	Progress map[string][]Gamma `json:"progress"` // per band of ProgressBands, for a family of average engagement
	Lapse    map[string][]Gamma `json:"lapse"`    // per stage of LapseStages and band of LapseBands
	CE       Gamma              `json:"continuous_employment"`
	// Immediate: per problem, the chance that progress begins the moment the problem becomes
	// outstanding (Observed.Immediate), with its uncertainty.
	Immediate map[string]Beta `json:"immediate_progress"`
	// LateLapses: per problem, the chance that a lapse is seen late (Observed.LateLapses), with
	// its uncertainty: how likely progress past its data has lapsed unseen.
	LateLapses map[string]Beta `json:"lapses_seen_late"`
	// Engagement is the variance of families' shared multiplier of progress (0: none).
	Engagement float64 `json:"engagement_variance"`
	// Drift is the spread (standard deviation, log scale) of the programme's pace from one
	// cohort of families to the next, beyond chance: how far the coming months' pace may
	// move from the history's. Each draw moves every family's progress by one multiplier.
	Drift float64 `json:"pace_drift"`

	// Newcomers is the pace (against the programme's) of the latest cohort of families with
	// enough history to say, which families still to attach are expected to keep (1 without).
	Newcomers float64 `json:"newcomers_engagement"`

	// families: each attached family's own engagement, given what it has done: a Gamma.
	families []Gamma
}

// Estimate combines the prior with what was observed.
//
// Engagement: families differ, and a family that makes progress on one problem tends to on
// the others (and into work), so a result, which needs every problem sustained, is likelier
// than independent problems would make it. Each family has a multiplier of its progress
// (mean 1, Gamma distributed with the variance estimated here), shared by its problems and
// its chance of continuous employment. The rates and the variance are fitted together by
// expectation-maximisation: the rates given each family's multiplier, then the variance that
// makes the families' progress events (O) likeliest against those expected of them (H), then
// each family's multiplier given its O and H, until they settle.
func Estimate(p *outcomes.Plan, o Observed, pr Prior) Rates {
	r := Rates{Progress: map[string][]Gamma{}, Lapse: map[string][]Gamma{}}
	progress := math.Ln2 / pr.ProgressMedianDays
	lapse := -math.Log(pr.HoldChance) / pr.HoldDays
	np, nb := len(p.Problems), len(ProgressBands)
	// The prior's weight is shared among the bands, so that it weighs as much in all.
	weight := pr.WeightDays / float64(nb)
	for _, prob := range p.Problems {
		// A later stage is shrunk towards the stage before it, not towards the prior: until
		// families reach it, it behaves as the stage they are in.
		nl := len(LapseBands)
		for i, c := range o.Lapse[prob.Code] {
			mean := lapse
			if i >= nl {
				mean = r.Lapse[prob.Code][i-nl].Mean()
			}
			r.Lapse[prob.Code] = append(r.Lapse[prob.Code], posterior(mean, pr.WeightDays/float64(nl), c))
		}
	}
	r.CE = posterior(-math.Log(1-pr.CEMonthly)/30.4375, 2*pr.WeightDays, o.CE)
	r.Immediate, r.LateLapses = map[string]Beta{}, map[string]Beta{}
	for _, prob := range p.Problems {
		// The prior: rarely at once, worth two observations.
		seen := o.Immediate[prob.Code]
		r.Immediate[prob.Code] = Beta{A: 0.1 + seen.Hits, B: 1.9 + seen.Trials - seen.Hits}
		r.LateLapses[prob.Code] = o.LateLapses[prob.Code].seenLate()
	}

	families := len(o.families) / max(1, np*nb)
	z := make([]float64, families)
	for i := range z {
		z[i] = 1
	}
	rate := make([]Gamma, np*nb)
	cohorts := map[int]float64{}
	observedEvents := make([]float64, families)
	expected := make([]float64, families)
	for range 15 {
		// The rates, given each family's multiplier.
		for j := range np {
			for k := range nb {
				var c Count
				for i := range families {
					x := o.families[(i*np+j)*nb+k]
					c.Events += x.Events
					c.ExposureDays += x.ExposureDays * z[i]
				}
				rate[j*nb+k] = posterior(progress, weight, c)
			}
		}
		// What each family did against what was expected of it, then the variance that makes
		// that likeliest, then each family's multiplier given it.
		for i := range families {
			observedEvents[i], expected[i] = 0, 0
			for jk := range np * nb {
				x := o.families[i*np*nb+jk]
				observedEvents[i] += x.Events
				expected[i] += x.ExposureDays * rate[jk].Mean()
			}
		}
		// Each cohort's pace against the programme's (teams learn, referral routes change),
		// then the variance about it, then each family's multiplier.
		cohorts = cohortPace(o.cohort, observedEvents, expected)
		scaled := make([]float64, families)
		for i := range families {
			scaled[i] = expected[i] * cohorts[o.cohort[i]]
		}
		r.Engagement = likeliestVariance(observedEvents, scaled)
		for i := range z {
			z[i] = own(r.Engagement, cohorts[o.cohort[i]], observedEvents[i], expected[i]).Mean()
		}
	}
	for j, prob := range p.Problems {
		r.Progress[prob.Code] = rate[j*nb : (j+1)*nb]
	}
	// Families still to attach are expected to keep the pace of the latest cohort with
	// enough history to say (at least 20 progress events expected of it).
	r.Newcomers = 1
	latest := math.MinInt
	for c, pace := range cohorts {
		if c > latest && cohortExpected(o.cohort, expected, c) >= 20 {
			latest, r.Newcomers = c, pace
		}
	}
	r.Drift = paceDrift(o.cohort, observedEvents, expected, cohorts)
	r.families = make([]Gamma, families)
	for i := range families {
		r.families[i] = own(r.Engagement, cohorts[o.cohort[i]], observedEvents[i], expected[i])
	}
	return r
}

// own is a family's multiplier given what it did (o events where e were expected at the
// programme's pace): Gamma with its cohort's mean and the engagement's variance a priori,
// updated by its events. Without variance, its cohort's pace.
func own(variance, cohort, o, e float64) Gamma {
	if variance <= 0 {
		return Gamma{Shape: 1e6, Rate: 1e6 / cohort}
	}
	return Gamma{Shape: 1/variance + o, Rate: 1/(variance*cohort) + e}
}

// cohortPace is each cohort's events over those expected of it at the programme's pace,
// shrunk towards 1 by five events' worth, so that a young cohort does not swing it; scaled so
// that, weighted by what is expected of them, the cohorts' paces average 1.
func cohortPace(cohort []int, observed, expected []float64) map[int]float64 {
	o, e := map[int]float64{}, map[int]float64{}
	for i, c := range cohort {
		o[c] += observed[i]
		e[c] += expected[i]
	}
	out := make(map[int]float64, len(o))
	sum, scaled := 0.0, 0.0
	for _, c := range slices.Sorted(maps.Keys(o)) { // in order: the same sums every time
		out[c] = (o[c] + 5) / (e[c] + 5)
		sum += e[c]
		scaled += e[c] * out[c]
	}
	// Paces are relative to the programme's: on average, 1 (the rates carry the level).
	for c := range out {
		if scaled > 0 {
			out[c] *= sum / scaled
		}
	}
	return out
}

// paceDrift is the spread of the cohorts' paces (log scale, weighted by the events expected
// of each) less what chance alone gives (about 1/events for each cohort), at most 0.5.
func paceDrift(cohort []int, observed, expected []float64, pace map[int]float64) float64 {
	o, e := map[int]float64{}, map[int]float64{}
	for i, c := range cohort {
		if c >= 0 {
			o[c] += observed[i]
			e[c] += expected[i]
		}
	}
	sum, mean, noise := 0.0, 0.0, 0.0
	keys := slices.Sorted(maps.Keys(e)) // in order: the same sums every time
	for _, c := range keys {
		ec := e[c]
		sum += ec
		mean += ec * math.Log(pace[c])
	}
	if sum == 0 || len(e) < 2 {
		return 0
	}
	mean /= sum
	variance := 0.0
	for _, c := range keys {
		ec := e[c]
		d := math.Log(pace[c]) - mean
		variance += ec * d * d
		noise += ec / (o[c] + 5)
	}
	return min(0.5, math.Sqrt(max(0, (variance-noise)/sum)))
}

func cohortExpected(cohort []int, expected []float64, c int) float64 {
	sum := 0.0
	for i, ci := range cohort {
		if ci == c {
			sum += expected[i]
		}
	}
	return sum
}

// likeliestVariance is the variance of a Gamma-distributed multiplier (mean 1) that makes
// the families' events likeliest, given the events expected of each without it: the marginal
// likelihood of a shared Gamma frailty, sum over families of
// lgamma(1/v+O) - lgamma(1/v) + O log v - (1/v+O) log(1+v H), searched on a log scale
// between 0.001 and 4; 0 when no variance is likelier than almost none.
func likeliestVariance(observed, expected []float64) float64 {
	ll := func(v float64) float64 {
		sum := 0.0
		for i, o := range observed {
			h := expected[i]
			if h == 0 && o == 0 {
				continue
			}
			a, _ := math.Lgamma(1/v + o)
			b, _ := math.Lgamma(1 / v)
			sum += a - b + o*math.Log(v) - (1/v+o)*math.Log1p(v*h)
		}
		return sum
	}
	lo, hi := math.Log(0.001), math.Log(4.0)
	golden := (math.Sqrt(5) - 1) / 2
	x1, x2 := hi-golden*(hi-lo), lo+golden*(hi-lo)
	f1, f2 := ll(math.Exp(x1)), ll(math.Exp(x2))
	for range 40 {
		if f1 < f2 {
			lo, x1, f1 = x1, x2, f2
			x2 = lo + golden*(hi-lo)
			f2 = ll(math.Exp(x2))
		} else {
			hi, x2, f2 = x2, x1, f1
			x1 = hi - golden*(hi-lo)
			f1 = ll(math.Exp(x1))
		}
	}
	v := math.Exp((lo + hi) / 2)
	if v < 0.002 || ll(v) <= ll(0.001) {
		return 0
	}
	return v
}
