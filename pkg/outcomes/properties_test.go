package outcomes

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Invariants of the evidence-gap rulings, checked over many random families of both shipped
// plans (not the county generator's: facts of every feed, at random dates, with random data
// coverage), beyond the examples in rulings_test.go.

// randomFamily makes a family of one or two adults and one to three children, attached on
// attached, with random facts of every feed a plan reads around it and data received to a
// random day after it. Days of the month stay at or below 20 where calendar months are
// added, so that a shift of up to 6 days never crosses a month's end.
func randomFamily(rng *rand.Rand, p *Plan, id int, attached Moment, terms bool) *Family {
	day := func(from Moment, lo, hi int) *Moment {
		m := shift(from, lo+rng.IntN(hi-lo))
		if y, mo, dd := m.In(London).Date(); dd > 20 {
			m = Date(y, mo, 20-rng.IntN(5))
		}
		return &m
	}
	f := &Family{ID: fmt.Sprintf("r%04d", id), Coverage: Coverage{}}
	f.Members = append(f.Members, Member{ID: "a1", BirthDate: day(attached, -40*365, -20*365)})
	if rng.IntN(2) == 0 {
		f.Members = append(f.Members, Member{ID: "a2", BirthDate: day(attached, -40*365, -20*365)})
	}
	for c := range 1 + rng.IntN(3) {
		f.Members = append(f.Members, Member{ID: fmt.Sprintf("c%d", c), BirthDate: day(attached, -15*365, -2*365)})
	}
	person := func(adult bool) string {
		if adult {
			return f.Members[rng.IntN(len(f.Members)-1)].ID // a1, a2 or a child, mostly adults
		}
		return f.Members[len(f.Members)-1].ID
	}
	k := 0
	add := func(fact Fact) { k++; fact.ID = fmt.Sprintf("x%d", k); f.Facts = append(f.Facts, fact) }
	event := func(feed, typ string, adult bool) {
		add(Fact{Person: person(adult), Feed: feed, Type: typ, Date: day(attached, -300, 500)})
	}
	spell := func(feed, typ string, adult bool) {
		fact := Fact{Person: person(adult), Feed: feed, Type: typ, Start: day(attached, -600, 200)}
		if rng.IntN(4) > 0 {
			fact.End = day(*fact.Start, 20, 500)
		}
		add(fact)
	}
	for range 1 + rng.IntN(3) {
		event(
			"police",
			[]string{"ASB_INTERVENTION", "DVA_INCIDENT", "PROVEN_OFFENCE", "MARAC"}[rng.IntN(4)],
			rng.IntN(2) == 0,
		)
	}
	for range rng.IntN(3) {
		spell("social_care", []string{"CP_PLAN", "CIN", "EH_ASSESSMENT"}[rng.IntN(3)], false)
	}
	for range rng.IntN(2) {
		spell("health", "ADULT_MENTAL_HEALTH", true)
	}
	for range rng.IntN(2) {
		event("housing", []string{"RENT_ARREARS", "HOMELESS", "EVICTION_RISK"}[rng.IntN(3)], true)
	}
	if rng.IntN(3) > 0 {
		spell("dwp_benefits", []string{"JSA", "ESA", "IS"}[rng.IntN(3)], true)
		f.Facts[len(f.Facts)-1].Person = "a1"
	}
	if rng.IntN(3) == 0 {
		add(
			Fact{
				Person:   "a1",
				Feed:     "dwp_benefits",
				Type:     "UC",
				UCRegime: UCRegimes[rng.IntN(4)],
				Start:    day(attached, -100, 300),
			},
		)
	}
	for range rng.IntN(3) {
		spell("employment", "EMPLOYMENT", true)
		f.Facts[len(f.Facts)-1].Person = "a1"
	}
	if rng.IntN(4) == 0 {
		add(Fact{Person: "a1", Feed: "caseworker", Type: progressToWork[rng.IntN(3)], Date: day(attached, -50, 300)})
	}
	if terms {
		for ti, t := range p.Terms {
			if t.Start.After(shift(attached, 700).Time) || t.End.Before(shift(attached, -400).Time) {
				continue
			}
			if rng.IntN(6) > 0 {
				add(
					Fact{
						Person:               f.Members[len(f.Members)-1].ID,
						Feed:                 "school_census",
						Type:                 "ATTENDANCE",
						Term:                 p.Terms[ti].Code,
						SessionsPossible:     130,
						SessionsUnauthorised: rng.IntN(25),
					},
				)
			}
		}
	}
	for _, feed := range []string{"police", "social_care", "health", "housing", "dwp_benefits", "employment", "caseworker", UCDataShare} {
		if rng.IntN(8) > 0 {
			f.Coverage[feed] = *day(attached, -30, 900)
		}
	}
	var base []string
	for _, pr := range p.Problems {
		if (terms || pr.Outcome.Sustained.Terms == 0) && rng.IntN(2) == 0 {
			base = append(base, pr.Code)
		}
	}
	f.Attachment = &Attachment{
		Date:             attached,
		Baseline:         base,
		Assessment:       true,
		FamilyPlan:       true,
		LeadProfessional: true,
	}
	if rng.IntN(2) == 0 {
		f.CaseClosed = day(attached, 30, 500)
	}
	return f
}

// moments are the moments a family is judged at: from attachment to three years after.
func moments(attached Moment) []Moment {
	var out []Moment
	for m := 0; m <= 36; m += 2 {
		out = append(out, Moment{attached.In(London).AddDate(0, m, 3)})
	}
	return out
}

// (a) With every fact dated after attachment deleted (and data held only to attachment),
// no family ever has a result, under either plan, at any moment.
func TestNothingAfterAttachmentMeansNoResult(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 1))
	for _, id := range []string{"lancashire-phase2", "supporting-families-2022"} {
		p := plan(t, id)
		for i := range 400 {
			attached := shift(p.EffectiveFrom, 200+rng.IntN(900))
			f := knownAt(randomFamily(rng, p, i, attached, true), attached, p)
			for _, at := range moments(attached) {
				if j := Evaluate(p, f, at); j.Result.Route != "" {
					t.Fatalf(
						"%s family %s, nothing known after attachment %s, has %s on %s:\n%+v\n%+v",
						id,
						f.ID,
						attached,
						j.Result.Route,
						j.Result.AchievedAt,
						f,
						j,
					)
				}
			}
		}
	}
}

// knownAt is the family as known on the day of attachment: facts dated after it deleted,
// spells still open then reopened, census terms not over by then deleted, data held only to
// then, the case not yet closed.
func knownAt(f *Family, attached Moment, p *Plan) *Family {
	g := *f
	g.Facts = nil
	for _, fact := range f.Facts {
		switch {
		case fact.Date != nil && fact.Date.After(attached.Time), fact.Start != nil && fact.Start.After(attached.Time):
			continue
		case fact.Term != "":
			if t, ok := p.Terms.term(fact.Term); !ok || t.End.After(attached.Time) {
				continue
			}
		case fact.End != nil && fact.End.After(attached.Time):
			fact.End = nil
		}
		g.Facts = append(g.Facts, fact)
	}
	g.Coverage = Coverage{}
	for feed, m := range f.Coverage {
		if m.After(attached.Time) {
			m = attached
		}
		g.Coverage[feed] = m
	}
	if g.CaseClosed != nil && g.CaseClosed.After(attached.Time) {
		g.CaseClosed = nil
	}
	return &g
}

// (b) For families without term-based evidence, shifting every date (facts, birth dates,
// attachment, closure, data coverage and the moment judged) by 1 to 6 days shifts every
// sustained date and every continuous employment date by exactly that.
func checkShifts(t *testing.T, families int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	var results, sustained, employment int // what the check saw, so that it cannot pass on nothing
	defer func() {
		if families >= 100 && (results == 0 || sustained == 0 || employment == 0) {
			t.Errorf(
				"the shifted families showed %d results, %d sustained problems, %d continuous employment dates",
				results,
				sustained,
				employment,
			)
		}
	}()
	for _, id := range []string{"lancashire-phase2", "supporting-families-2022"} {
		p := plan(t, id)
		for i := range families {
			attached := Date(2016+rng.IntN(3), time.Month(1+rng.IntN(12)), 1+rng.IntN(20))
			if id == "supporting-families-2022" {
				attached = Date(2022+rng.IntN(2), time.Month(1+rng.IntN(12)), 1+rng.IntN(20))
			}
			f := randomFamily(rng, p, i, attached, false)
			n := 1 + rng.IntN(6)
			g := shifted(f, n)
			for _, at := range moments(attached) {
				a, b := Evaluate(p, f, at), Evaluate(p, g, shift(at, n))
				if a.Result.Route != "" {
					results++
				}
				for _, ps := range a.Problems {
					if ps.Status == Sustained {
						sustained++
					}
				}
				for _, e := range a.Employment {
					if !e.AchievedAt.IsZero() || !e.ProjectedAt.IsZero() {
						employment++
					}
				}
				if err := sameShifted(a, b, n); err != "" {
					t.Fatalf(
						"%s family %s shifted %d days, judged at %s: %s\nfamily %+v\n%+v\n%+v",
						id,
						f.ID,
						n,
						at,
						err,
						f,
						a,
						b,
					)
				}
			}
		}
	}
}

func shifted(f *Family, n int) *Family {
	g := *f
	g.Members = slices.Clone(f.Members)
	for i := range g.Members {
		g.Members[i].BirthDate = shiftp(g.Members[i].BirthDate, n)
	}
	g.Facts = slices.Clone(f.Facts)
	for i := range g.Facts {
		x := &g.Facts[i]
		x.Date, x.Start, x.End = shiftp(x.Date, n), shiftp(x.Start, n), shiftp(x.End, n)
	}
	a := *f.Attachment
	a.Date = shift(a.Date, n)
	g.Attachment, g.CaseClosed = &a, shiftp(f.CaseClosed, n)
	g.Coverage = Coverage{}
	for feed, m := range f.Coverage {
		g.Coverage[feed] = shift(m, n)
	}
	return &g
}

// sameShifted says how b, the judgement of the shifted family, differs from a shifted by n
// days: "" when it does not.
func sameShifted(a, b Judgement, n int) string {
	same := func(x, y Moment) bool { return x.IsZero() && y.IsZero() || !x.IsZero() && shift(x, n).Equal(y.Time) }
	if a.Result.Route != b.Result.Route || !same(a.Result.AchievedAt, b.Result.AchievedAt) ||
		!same(a.Result.EarliestClaimAt, b.Result.EarliestClaimAt) {
		return fmt.Sprintf("result %+v, shifted %+v", a.Result, b.Result)
	}
	if len(a.Problems) != len(b.Problems) || len(a.Employment) != len(b.Employment) {
		return "different problems or adults"
	}
	for i := range a.Problems {
		x, y := a.Problems[i], b.Problems[i]
		if x.Status != y.Status || !same(x.SustainedAt, y.SustainedAt) || !same(x.ClockStart, y.ClockStart) {
			return fmt.Sprintf("problem %+v, shifted %+v", x, y)
		}
	}
	for i := range a.Employment {
		x, y := a.Employment[i], b.Employment[i]
		if x.DaysInWork != y.DaysInWork || !same(x.AchievedAt, y.AchievedAt) || !same(x.ProjectedAt, y.ProjectedAt) {
			return fmt.Sprintf("employment %+v, shifted %+v", x, y)
		}
	}
	return ""
}

// (c) Data coverage ending earlier never brings a result forward, nor makes one.
func TestLessCoverageNeverBringsAResultForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 3))
	results := 0
	defer func() {
		if results == 0 {
			t.Error("no family had a result with full coverage: the check saw nothing")
		}
	}()
	for _, id := range []string{"lancashire-phase2", "supporting-families-2022"} {
		p := plan(t, id)
		for i := range 400 {
			attached := shift(p.EffectiveFrom, 200+rng.IntN(900))
			f := randomFamily(rng, p, i, attached, true)
			g := *f
			g.Coverage = Coverage{}
			for feed, m := range f.Coverage {
				if rng.IntN(2) == 0 {
					m = shift(m, -1-rng.IntN(200))
				}
				if rng.IntN(10) > 0 {
					g.Coverage[feed] = m
				}
			}
			for _, at := range moments(attached) {
				full, less := Evaluate(p, f, at), Evaluate(p, &g, at)
				if full.Result.Route != "" {
					results++
				}
				if less.Result.Route != "" &&
					(full.Result.Route == "" || less.Result.AchievedAt.Before(full.Result.AchievedAt.Time)) {
					t.Fatalf(
						"%s family %s at %s: with less data %s on %s, with more %q on %s",
						id,
						f.ID,
						at,
						less.Result.Route,
						less.Result.AchievedAt,
						full.Result.Route,
						full.Result.AchievedAt,
					)
				}
			}
		}
	}
}

// FuzzShiftingDates is (b) driven by the fuzzer's seeds.
func FuzzShiftingDates(f *testing.F) {
	f.Add(uint64(1))
	f.Add(uint64(2016))
	f.Fuzz(func(t *testing.T, seed uint64) { checkShifts(t, 5, seed) })
}
