package forecast

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
)

func lancashire(t testing.TB) *outcomes.Plan {
	t.Helper()
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := ps.Latest("lancashire-phase2")
	if !ok {
		t.Fatal("no lancashire-phase2 plan")
	}
	return p
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestChangesDateProgressFromItsClockAndSplitJumps(t *testing.T) {
	judged := date(2017, 3, 1)
	before := []ProblemState{
		{Code: "CRIME", Status: outcomes.Outstanding},
		{Code: "HEALTH", Status: outcomes.SignificantProgress, ClockStart: date(2016, 10, 1)},
		{Code: "EDUCATION", Status: outcomes.SignificantProgress, ClockStart: date(2016, 9, 1)},
	}
	after := []ProblemState{
		{
			Code:        "CRIME",
			Status:      outcomes.Sustained,
			ClockStart:  date(2016, 8, 1),
			SustainedAt: date(2017, 2, 1),
		}, // two steps at once
		{
			Code:   "HEALTH",
			Status: outcomes.Outstanding,
		}, // a lapse
		{
			Code:       "EDUCATION",
			Status:     outcomes.SignificantProgress,
			ClockStart: date(2017, 1, 10),
		}, // lapsed and began again
		{
			Code:   "WORKLESSNESS",
			Status: outcomes.Outstanding,
		}, // unchanged (absent before: outstanding)
	}
	want := []Transition{
		{
			Problem: "CRIME",
			To:      outcomes.SignificantProgress,
			At:      date(2016, 8, 1),
		}, {Problem: "CRIME", To: outcomes.Sustained, At: date(2017, 2, 1)},
		{Problem: "HEALTH", To: outcomes.Outstanding, At: judged},
		{
			Problem: "EDUCATION",
			To:      outcomes.Outstanding,
			At:      date(2017, 1, 10),
		}, {Problem: "EDUCATION", To: outcomes.SignificantProgress, At: date(2017, 1, 10)},
	}
	if got := Changes(before, after, judged); !reflect.DeepEqual(got, want) {
		t.Fatalf("changes:\n got %v\nwant %v", got, want)
	}
}

func TestObserveCountsEventsOverTheTimeTheyCouldHappen(t *testing.T) {
	p := lancashire(t)
	f := Family{AttachedAt: date(2016, 1, 1),
		Problems: []ProblemState{
			{Code: "CRIME", Status: outcomes.Sustained, ClockStart: date(2016, 7, 1), SustainedAt: date(2017, 1, 1)},
			{Code: "HEALTH", Status: outcomes.Outstanding},
		},
		History: []Transition{
			{Problem: "CRIME", To: outcomes.SignificantProgress, At: date(2016, 2, 1)},
			{Problem: "CRIME", To: outcomes.Outstanding, At: date(2016, 3, 1)},
			{Problem: "CRIME", To: outcomes.SignificantProgress, At: date(2016, 7, 1)},
			{Problem: "CRIME", To: outcomes.Sustained, At: date(2017, 1, 1)},
		}}
	o := Observe(p, []Family{f}, date(2017, 1, 1), Prior{})
	days := func(a, b time.Time) float64 { return b.Sub(a).Hours() / 24 }
	if c := o.Progress["CRIME"].Total(); c.Events != 2 ||
		c.ExposureDays != days(date(2016, 1, 1), date(2016, 2, 1))+days(date(2016, 3, 1), date(2016, 7, 1)) {
		t.Errorf("crime progress %+v", c)
	}
	if c := o.Lapse["CRIME"].Total(); c.Events != 1 ||
		c.ExposureDays != days(date(2016, 2, 1), date(2016, 3, 1))+days(date(2016, 7, 1), date(2017, 1, 1)) {
		t.Errorf("crime lapses %+v", c)
	}
	if c := o.Progress["HEALTH"].Total(); c.Events != 0 || c.ExposureDays != days(date(2016, 1, 1), date(2017, 1, 1)) {
		t.Errorf("health progress %+v", c)
	}
	if o.Sustained["CRIME"] != 1 {
		t.Errorf("sustained %v", o.Sustained)
	}
	// Without history, the last judgement alone gives the same progress and one sustained outcome.
	f.History = nil
	o = Observe(p, []Family{f}, date(2017, 1, 1), Prior{})
	if c := o.Progress["CRIME"].Total(); c.Events != 1 || c.ExposureDays != days(date(2016, 1, 1), date(2016, 7, 1)) {
		t.Errorf("crime progress without history %+v", c)
	}
}

// A problem evidenced by events is judged in progress from attachment and again the moment it
// recurs (forecast.Changes gives a lapse and new progress on the same day): that progress is
// counted apart, as progress at once, never as a wait of no time. A problem outstanding for a
// while before progress is a wait, and a trial that was not at once.
func TestProgressAtOnceIsCountedApartFromWaits(t *testing.T) {
	p := lancashire(t)
	f := Family{AttachedAt: date(2016, 1, 1),
		Problems: []ProblemState{
			{Code: "CRIME", Status: outcomes.SignificantProgress, ClockStart: date(2016, 5, 1)},
			{Code: "WORKLESSNESS", Status: outcomes.SignificantProgress, ClockStart: date(2016, 4, 1)},
		},
		History: []Transition{
			{Problem: "CRIME", To: outcomes.SignificantProgress, At: date(2016, 1, 1)}, // at attachment
			{Problem: "CRIME", To: outcomes.Outstanding, At: date(2016, 3, 1)},         // recurred ...
			{
				Problem: "CRIME",
				To:      outcomes.SignificantProgress,
				At:      date(2016, 3, 1),
			}, // ... and in progress again at once
			{Problem: "CRIME", To: outcomes.Outstanding, At: date(2016, 5, 1)},
			{Problem: "CRIME", To: outcomes.SignificantProgress, At: date(2016, 5, 1)},
			{Problem: "WORKLESSNESS", To: outcomes.SignificantProgress, At: date(2016, 4, 1)}, // a benefit spell ended
		}}
	o := Observe(p, []Family{f}, date(2016, 7, 1), Prior{})
	if c := o.Progress["CRIME"].Total(); c.Events != 0 || c.ExposureDays != 0 {
		t.Errorf("crime's progress at once counted as waits: %+v", c)
	}
	if got := o.Immediate["CRIME"]; got.Hits != 3 || got.Trials != 3 {
		t.Errorf("crime at once %+v, want 3 of 3", got)
	}
	if got, c := o.Immediate["WORKLESSNESS"], o.Progress["WORKLESSNESS"].Total(); got.Hits != 0 || got.Trials != 1 ||
		c.Events != 1 || c.ExposureDays != 91 {
		t.Errorf("worklessness: at once %+v, progress %+v", got, c)
	}
	r := Estimate(p, o, DefaultPrior)
	if crime, work := r.Immediate["CRIME"], r.Immediate["WORKLESSNESS"]; crime.A/(crime.A+crime.B) < 0.6 ||
		work.A/(work.A+work.B) > 0.1 {
		t.Errorf("chances of progress at once: crime %+v, worklessness %+v", crime, work)
	}
}

// county makes n attached families at asOf with problems in every state, from a seeded source.
func county(n int, asOf time.Time, seed uint64) []Family {
	r := rand.New(rand.NewPCG(seed, 1))
	codes := []string{"CRIME", "EDUCATION", "CHILDREN_NEED_HELP", "WORKLESSNESS", "DOMESTIC_ABUSE", "HEALTH"}
	out := make([]Family, n)
	for i := range out {
		attached := asOf.AddDate(0, -1-r.IntN(30), 0)
		f := Family{AttachedAt: attached}
		for _, j := range r.Perm(len(codes))[:2+r.IntN(3)] {
			ps := ProblemState{Code: codes[j], Status: outcomes.Outstanding}
			switch r.IntN(4) {
			case 1:
				ps.Status, ps.ClockStart = outcomes.SignificantProgress, asOf.AddDate(0, -r.IntN(5), 0)
				ps.SustainedAt = ps.ClockStart.AddDate(0, 6, 0)
			case 2:
				ps.Status, ps.ClockStart = outcomes.Sustained, attached.AddDate(0, 1, 0)
				ps.SustainedAt = ps.ClockStart.AddDate(0, 6, 0)
				if ps.SustainedAt.After(asOf) {
					ps.Status = outcomes.SignificantProgress
				}
			}
			f.Problems = append(f.Problems, ps)
		}
		if r.IntN(10) == 0 {
			f.Route, f.AchievedAt = outcomes.RouteSSP, asOf.AddDate(0, 0, -r.IntN(300))
		}
		out[i] = f
	}
	return out
}

func TestRunIsReproducibleWhateverTheCores(t *testing.T) {
	p := lancashire(t)
	asOf := date(2017, 6, 15)
	fams := county(500, asOf, 7)
	a, err := Run(p, fams, Options{AsOf: asOf, Draws: 300, Seed: 42, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(p, fams, Options{AsOf: asOf, Draws: 300, Seed: 42, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed and inputs gave different forecasts on 1 and 4 cores")
	}
	c, _ := Run(p, fams, Options{AsOf: asOf, Draws: 300, Seed: 43})
	if reflect.DeepEqual(a.Total, c.Total) && reflect.DeepEqual(a.Windows, c.Windows) {
		t.Fatal("another seed gave the very same forecast")
	}
	// Bands are ordered, past windows are certain, and the years add up to the total.
	sum := 0.0
	for _, w := range a.Windows {
		if w.Results.P10 > w.Results.P50 || w.Results.P50 > w.Results.P90 {
			t.Errorf("window %s band out of order: %+v", w.ID, w.Results)
		}
		if w.Past && (w.Results.P10 != w.Results.P90) {
			t.Errorf("past window %s is uncertain: %+v", w.ID, w.Results)
		}
		sum += w.Results.Mean
	}
	if diff := sum - a.Total.Results.Mean; diff > 1 || diff < -1 {
		t.Errorf("windows' means add to %v, total's is %v", sum, a.Total.Results.Mean)
	}
	if a.Summary == "" || len(a.Drivers) != len(p.Problems) {
		t.Errorf("summary %q, %d drivers", a.Summary, len(a.Drivers))
	}
}

func TestTheFamilyCapHoldsInEveryDraw(t *testing.T) {
	p := *lancashire(t)
	p.FamilyCap = 120
	asOf := date(2016, 6, 1)
	fams := county(400, asOf, 3)
	f, err := Run(&p, fams, Options{AsOf: asOf, Draws: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if f.Total.Results.P90 > 120 {
		t.Fatalf("a draw claimed more than the cap: %+v", f.Total.Results)
	}
	if f.Total.Results.P10 != 120 {
		t.Fatalf("400 families with a cap of 120 should reach it nearly always: %+v", f.Total.Results)
	}
	if f.Inputs.ToAttach != 0 {
		t.Fatalf("families to attach past the cap: %v", f.Inputs.ToAttach)
	}
}

func TestResultsAlreadyAchievedAreCertainAndNothingIsAssumedAfterTheLastWindow(t *testing.T) {
	p := lancashire(t)
	asOf := date(2020, 2, 1) // after the last window opened
	fams := []Family{
		{
			AttachedAt: date(2016, 1, 1),
			Route:      outcomes.RouteSSP,
			AchievedAt: date(2016, 9, 1),
			Problems:   []ProblemState{{Code: "CRIME", Status: outcomes.Sustained}},
		},
		{AttachedAt: date(2016, 1, 1), Problems: []ProblemState{{Code: "CRIME"}, {Code: "HEALTH"}}},
	}
	f, err := Run(p, fams, Options{AsOf: asOf, Draws: 50, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if f.Total.Results != (Band{P10: 1, P50: 1, P90: 1, Mean: 1}) {
		t.Fatalf("total %+v, want exactly the one result achieved", f.Total.Results)
	}
	if w := f.Windows[3]; w.ID != "2016-10" || w.Results.P50 != 1 || !w.Past {
		t.Fatalf("the result achieved on 2016-09-01 belongs to window 2016-10: %+v", w)
	}
}

func TestMoreObservedProgressForecastsMoreResults(t *testing.T) {
	p := lancashire(t)
	asOf := date(2017, 4, 1)
	slow := county(300, asOf, 11)
	fast := county(300, asOf, 11)
	for i := range fast {
		fast[i].History = nil
		for j := range fast[i].Problems {
			ps := &fast[i].Problems[j]
			if ps.Status == outcomes.Outstanding { // the same families, with every problem progressing soon after attachment
				ps.Status, ps.ClockStart = outcomes.SignificantProgress, fast[i].AttachedAt.AddDate(0, 0, 10)
				ps.SustainedAt, _ = endOf(p, ps.Code, ps.ClockStart)
			}
		}
	}
	a, _ := Run(p, slow, Options{AsOf: asOf, Draws: 200, Seed: 5})
	b, _ := Run(p, fast, Options{AsOf: asOf, Draws: 200, Seed: 5})
	if b.Total.Results.P50 <= a.Total.Results.P50 {
		t.Fatalf("faster progress forecast %d results, slower %d", b.Total.Results.P50, a.Total.Results.P50)
	}
	if b.Inputs.Rates.Progress["CRIME"][0].Mean() <= a.Inputs.Rates.Progress["CRIME"][0].Mean() {
		t.Fatal("observed progress did not raise the progress rate")
	}
}

func endOf(p *outcomes.Plan, code string, from time.Time) (time.Time, bool) {
	m, ok := p.SustainedEnd(code, outcomes.Moment{Time: from})
	return m.Time, ok
}

func TestBeforeAnyFamilyTheProfileAndThePriorSayEverything(t *testing.T) {
	p := lancashire(t)
	f, err := Run(p, nil, Options{AsOf: date(2015, 4, 1), Draws: 200, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if f.Inputs.ToAttach != float64(p.FamilyCap) {
		t.Fatalf("to attach %v, want the whole profile %d", f.Inputs.ToAttach, p.FamilyCap)
	}
	if f.Total.Results.P50 == 0 || f.Total.Results.P90 > p.FamilyCap {
		t.Fatalf("total %+v", f.Total.Results)
	}
	if f.Total.BudgetResults != 6034 { // 70% of 8,620
		t.Fatalf("budget results %d", f.Total.BudgetResults)
	}
}

// BenchmarkForecast10k is the figure: 10,000 attached families, 10,000 draws
// (docs/forecast.md records it).
func BenchmarkForecast10k(b *testing.B) {
	p := lancashire(b)
	asOf := date(2017, 6, 15)
	fams := county(10000, asOf, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Run(p, fams, Options{AsOf: asOf, Draws: 10000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// A result by continuous employment needs the plan's work period first (13 weeks at the
// shortest under Lancashire's rules): however likely work is, no family not in work today earns
// one in the window that opens within it.
func TestNoResultByWorkSoonerThanItsWorkPeriod(t *testing.T) {
	p := lancashire(t)
	asOf := date(2016, 12, 1) // the 2017-01 window opens in a month
	var fams []Family
	for range 200 {
		fams = append(fams, Family{AttachedAt: date(2016, 6, 1), Problems: []ProblemState{
			{Code: "WORKLESSNESS", Status: outcomes.Outstanding}, {Code: "HEALTH", Status: outcomes.Outstanding}}})
	}
	prior := DefaultPrior
	prior.CEMonthly = 0.9 // work all but certain, month by month
	f, err := Run(p, fams, Options{AsOf: asOf, Draws: 200, Seed: 1, Prior: &prior})
	if err != nil {
		t.Fatal(err)
	}
	if w := f.Windows[4]; w.ID != "2017-01" || w.Results.P90 != 0 {
		t.Errorf("window %s: %+v results, within a month of the forecast", w.ID, w.Results)
	}
	if w := f.Windows[5]; w.ID != "2017-04" || w.Results.P50 == 0 {
		t.Errorf("window %s (four months on): %+v results", w.ID, w.Results)
	}
}

// A lapse is counted in the stage of the programme its progress began in (days since
// attachment), and a stage no family has reached yet behaves as the stage before it.
func TestLapsesAreCountedByTheStageTheirProgressBeganIn(t *testing.T) {
	p := lancashire(t)
	f := Family{AttachedAt: date(2016, 1, 1),
		Problems: []ProblemState{{Code: "CRIME", Status: outcomes.SignificantProgress, ClockStart: date(2016, 10, 1)}},
		History: []Transition{
			{Problem: "CRIME", To: outcomes.SignificantProgress, At: date(2016, 2, 1)}, // 31 days in: the first stage
			{Problem: "CRIME", To: outcomes.Outstanding, At: date(2016, 3, 1)},
			{Problem: "CRIME", To: outcomes.SignificantProgress, At: date(2016, 10, 1)}, // 274 days in: 182 to 365
		}}
	o := Observe(p, []Family{f}, date(2017, 1, 1), Prior{})
	nb := len(LapseBands)
	stage := func(g int) Count { return Hazard(o.Lapse["CRIME"][g*nb : (g+1)*nb]).Total() }
	if c := stage(0); c.Events != 1 || c.ExposureDays != 29 {
		t.Errorf("first stage: %+v", c)
	}
	if c := stage(2); c.Events != 0 || c.ExposureDays != 92 {
		t.Errorf("182-365 days: %+v", c)
	}
	if c := stage(1); c.ExposureDays != 0 {
		t.Errorf("91-182 days: %+v", c)
	}
	r := Estimate(p, o, DefaultPrior)
	last := len(LapseStages) - 1
	for k := range nb {
		if got, before := r.Lapse["CRIME"][last*nb+k].Mean(), r.Lapse["CRIME"][(last-1)*nb+k].Mean(); got != before {
			t.Errorf("band %d: the stage no family reached has rate %v, the stage before %v", k, got, before)
		}
	}
}

// Evidence that comes late (a school term's census rows arrive after the term) must not be
// read as progress holding: a lapse dates from the recurrence the engine found, not from the
// judgement that saw it, and is marked seen late when its evidence began long before that
// judgement; progress counts as held only as far as its data reaches.
func TestProgressHoldsOnlyAsFarAsItsData(t *testing.T) {
	judged := date(2017, 5, 1)
	before := []ProblemState{
		{Code: "EDUCATION", Status: outcomes.SignificantProgress, ClockStart: date(2016, 7, 20)},
		{Code: "HEALTH", Status: outcomes.SignificantProgress, ClockStart: date(2016, 12, 20)},
		{Code: "WORKLESSNESS", Status: outcomes.SignificantProgress, ClockStart: date(2016, 6, 1)},
	}
	after := []ProblemState{
		// bad spring terms, seen in May: a recurrence from January, in progress from April
		{Code: "EDUCATION", Status: outcomes.SignificantProgress, ClockStart: date(2017, 4, 1),
			RecurredAt: date(2017, 1, 5), LatestFrom: date(2017, 1, 5)},
		// a bad spring term straight after a bad autumn one: one occurrence, no recurrence
		{Code: "HEALTH", Status: outcomes.SignificantProgress, ClockStart: date(2017, 4, 1),
			RecurredAt: date(2016, 3, 1), LatestFrom: date(2017, 1, 5)},
		// a new benefit spell since April, seen in May
		{
			Code:       "WORKLESSNESS",
			Status:     outcomes.Outstanding,
			RecurredAt: date(2017, 4, 10),
			LatestFrom: date(2017, 4, 10),
		},
	}
	want := []Transition{
		{Problem: "EDUCATION", To: outcomes.Outstanding, At: date(2017, 1, 5), Late: true},
		{Problem: "EDUCATION", To: outcomes.SignificantProgress, At: date(2017, 4, 1)},
		{Problem: "HEALTH", To: outcomes.Outstanding, At: date(2017, 4, 1), Late: true},
		{Problem: "HEALTH", To: outcomes.SignificantProgress, At: date(2017, 4, 1)},
		{Problem: "WORKLESSNESS", To: outcomes.Outstanding, At: date(2017, 4, 10)},
	}
	if got := Changes(before, after, judged); !reflect.DeepEqual(got, want) {
		t.Fatalf("changes:\n got %v\nwant %v", got, want)
	}
	// A recurrence from before the progress began is not this lapse: it dates from the
	// judgement; and evidence from before the progress, seen only now, was seen late.
	old := []ProblemState{
		{
			Code:       "WORKLESSNESS",
			Status:     outcomes.Outstanding,
			RecurredAt: date(2016, 3, 1),
			LatestFrom: date(2016, 3, 1),
		},
	}
	if got := Changes(before[2:], old, judged); !reflect.DeepEqual(
		got,
		[]Transition{{Problem: "WORKLESSNESS", To: outcomes.Outstanding, At: judged, Late: true}},
	) {
		t.Fatalf("an earlier recurrence: %v", got)
	}

	// In progress since July, its data reaching only September: held July to September, and
	// past it only as far as its lapses are seen at once. Its one earlier lapse was seen late:
	// 2 in 3 with the prior.
	p := lancashire(t)
	f := Family{AttachedAt: date(2016, 1, 1), Problems: []ProblemState{{Code: "EDUCATION",
		Status: outcomes.SignificantProgress, ClockStart: date(2016, 7, 20), EvidencedTo: date(2016, 9, 5)}},
		History: []Transition{
			{Problem: "EDUCATION", To: outcomes.SignificantProgress, At: date(2016, 1, 1)},
			{Problem: "EDUCATION", To: outcomes.Outstanding, At: date(2016, 1, 10), Late: true},
			{Problem: "EDUCATION", To: outcomes.SignificantProgress, At: date(2016, 7, 20)},
		}}
	asOf := date(2016, 12, 1)
	days := func(a, b time.Time) float64 { return b.Sub(a).Hours() / 24 }
	o := Observe(p, []Family{f}, asOf, Prior{})
	held := days(date(2016, 1, 1), date(2016, 1, 10)) + days(date(2016, 7, 20), date(2016, 9, 5)) +
		days(date(2016, 9, 5), asOf)/3
	if c := o.Lapse["EDUCATION"].Total(); c.Events != 1 || math.Abs(c.ExposureDays-held) > 1e-9 {
		t.Errorf("held to the data: %+v, want %.2f days", c, held)
	}
	if l := o.LateLapses["EDUCATION"]; l.Hits != 1 || l.Trials != 1 {
		t.Errorf("lapses seen late: %+v", l)
	}
	// and forecast so: sustained less often than if the data reached today
	s := newSim(p, []Family{f}, Estimate(p, Observe(p, []Family{f}, asOf, Prior{}), DefaultPrior), asOf)
	sc := newScratch(len(p.Problems))
	for i := range sc.lapse {
		sc.lapse[i] = s.rates[1][i].Mean()
	}
	for i := range sc.late {
		sc.late[i] = 1 // every lapse seen late
	}
	pr := s.problems[0]
	if pr.known != -87 { // 2016-09-05 to 2016-12-01
		t.Fatalf("known to day %d", pr.known)
	}
	sustained := func(pr simProblem) int {
		r, n := rand.New(rand.NewPCG(1, 2)), 0
		for range 20000 {
			if s.problem(r, sc, pr, 0, float64(s.families[0].attached), 1) == pr.deadline {
				n++
			}
		}
		return n
	}
	today := pr
	today.known = 0
	if gap, full := sustained(pr), sustained(today); gap >= full {
		t.Fatalf("held to September: sustained %d times in 20,000; held to today %d", gap, full)
	}
	// A problem whose lapses are all seen at once (a benefit spell): nothing can hide in the gap.
	for i := range sc.late {
		sc.late[i] = 0
	}
	if gap, full := sustained(pr), sustained(today); gap != full {
		t.Fatalf("lapses never seen late: held to September sustained %d times, held to today %d", gap, full)
	}
}
