package backtest

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
)

// A family's course is told to the engine as the agencies would tell it: facts in the feeds
// the plan's indicators read. Each problem's evidence takes the shape of one of its indicators:
//   - a spell (social care's plans, out-of-work benefits): open while the problem is present,
//     ended when progress starts, a new spell when it lapses;
//   - events (police, health, housing): recurring while the problem is present (every two
//     months on average), the last on the day progress starts, again from a lapse;
//   - school census terms: a term with 10% or more of sessions missed while the problem is
//     present, good terms while progress holds.
//
// Continuous employment is a spell of work from 26 weeks before the family's CE day, which
// also ends the adult's benefit spell then: work is progress on worklessness too.
type shape int

const (
	spellShape shape = iota
	eventShape
	termShape
)

// spellFeeds are the feeds whose rows are spells (docs/data-contracts.md).
var spellFeeds = map[string]bool{"social_care": true, "dwp_benefits": true}

// Members of every simulated family: an adult, and a child who stays a child to 2020.
var (
	adultBorn = outcomes.Moment{Time: time.Date(1985, 2, 1, 0, 0, 0, 0, outcomes.London)}
	childBorn = outcomes.Moment{Time: time.Date(2008, 6, 15, 0, 0, 0, 0, outcomes.London)}
	members   = []outcomes.Member{{ID: "adult", BirthDate: &adultBorn}, {ID: "child", BirthDate: &childBorn}}
)

// ceWork is how long work runs before it makes a CE result (the plan's JSA rule: 26 weeks).
const ceWork = 26 * 7 * 24 * time.Hour

// indicator is the one a problem's evidence meets, and its shape.
type indicator struct {
	feed, factType, person string
	shape                  shape
}

// indicatorFor picks a problem's indicator: school census terms first, then spells, then events;
// with allSpells, its first indicator that is not census terms, as a spell.
func indicatorFor(p *outcomes.Plan, code string, allSpells bool) (indicator, bool) {
	pr, ok := p.Problem(code)
	if !ok || len(pr.Indicators) == 0 {
		return indicator{}, false
	}
	best, rank := indicator{}, 3
	for _, ind := range pr.Indicators {
		if len(ind.EventTypes) == 0 {
			continue
		}
		person := "adult"
		if ind.Subject == "child" {
			person = "child"
		}
		in, r := indicator{feed: ind.Feed, factType: ind.EventTypes[0], person: person, shape: eventShape}, 2
		switch {
		case allSpells && ind.Attendance != nil:
			continue
		case allSpells:
			in.shape, r = spellShape, 0
		case ind.Attendance != nil && ind.Attendance.MaxAbsenceRate > 0:
			in.shape, in.person, r = termShape, "child", 0
		case ind.Attendance != nil:
			continue
		case spellFeeds[ind.Feed]:
			in.shape, r = spellShape, 1
		}
		if r < rank {
			best, rank = in, r
		}
	}
	return best, rank < 3
}

// interval is a time the problem is present: [from, to), to zero while it goes on.
type interval struct{ from, to time.Time }

// present is when a problem is present: from before attachment to its first progress, from
// each lapse to the next progress, and from the last lapse on when it never holds. A CE day
// ends worklessness at the work's start.
func (f *family) present(pr problem, workFrom time.Time) []interval {
	out := []interval{{from: f.attached.AddDate(0, -3, 0)}}
	for _, s := range pr.spells {
		out[len(out)-1].to = s.start
		if !s.sustained {
			out = append(out, interval{from: s.end})
		}
	}
	if pr.code != "WORKLESSNESS" || workFrom.IsZero() {
		return out
	}
	var cut []interval
	for _, iv := range out {
		if !iv.from.Before(workFrom) {
			break
		}
		if iv.to.IsZero() || iv.to.After(workFrom) {
			iv.to = workFrom
		}
		cut = append(cut, iv)
	}
	return cut
}

// evidence is all the family's facts to the end of the programme, each dated as it happened.
func (c *County) evidence(r *rand.Rand, f *family) []outcomes.Fact {
	var workFrom time.Time
	if !f.ce.IsZero() {
		workFrom = f.ce.Add(-ceWork)
	}
	var facts []outcomes.Fact
	add := func(fact outcomes.Fact) {
		fact.ID = fact.Feed + ":" + strconv.Itoa(len(facts))
		facts = append(facts, fact)
	}
	for _, pr := range f.problems {
		ind, ok := indicatorFor(c.plan, pr.code, c.allSpells)
		if !ok {
			continue
		}
		present := f.present(pr, workFrom)
		switch ind.shape {
		case spellShape:
			for _, iv := range present {
				fact := outcomes.Fact{Person: ind.person, Feed: ind.feed, Type: ind.factType, Start: moment(iv.from)}
				if !iv.to.IsZero() {
					fact.End = moment(iv.to)
				}
				add(fact)
			}
		case eventShape:
			for _, iv := range present {
				to := iv.to
				if to.IsZero() {
					to = c.end
				}
				for t := iv.from; t.Before(to); t = t.Add(time.Duration(r.ExpFloat64() * 2 * float64(month))) {
					add(outcomes.Fact{Person: ind.person, Feed: ind.feed, Type: ind.factType, Date: moment(t)})
				}
				if !iv.to.IsZero() {
					add(outcomes.Fact{Person: ind.person, Feed: ind.feed, Type: ind.factType, Date: moment(iv.to)})
				}
			}
		case termShape:
			c.census(f, present, add)
		}
		if ind.shape != termShape && hasCensus(c.plan, pr.code) {
			c.census(f, nil, add) // the census rows the outcome is shown by: every term good
		}
	}
	if !workFrom.IsZero() {
		add(outcomes.Fact{Person: "adult", Feed: "employment", Type: "EMPLOYMENT", Start: moment(workFrom)})
	}
	return facts
}

// census adds a child's census row for every term from a year before attachment: a term with
// 26 of 130 sessions missed (20%) while the problem is present, 3 otherwise.
func (c *County) census(f *family, present []interval, add func(outcomes.Fact)) {
	for _, t := range c.plan.Terms {
		if t.End.Before(f.attached.AddDate(-1, 0, 0)) || t.Start.After(c.end) {
			continue
		}
		missed := 3
		if slices.ContainsFunc(present, func(iv interval) bool {
			return iv.from.Before(t.End.Time) && (iv.to.IsZero() || iv.to.After(t.Start.Time))
		}) {
			missed = 26
		}
		add(outcomes.Fact{Person: "child", Feed: "school_census", Type: "ATTENDANCE", Term: t.Code,
			SessionsPossible: 130, SessionsUnauthorised: missed})
	}
}

// hasCensus says whether a problem is evidenced by census terms (its outcome needs their rows).
func hasCensus(p *outcomes.Plan, code string) bool {
	pr, ok := p.Problem(code)
	return ok && slices.ContainsFunc(pr.Indicators, func(ind outcomes.Indicator) bool { return ind.Attendance != nil })
}

func moment(t time.Time) *outcomes.Moment { return &outcomes.Moment{Time: t.In(outcomes.London)} }

// knownAt is the evidence as the extracts taken on asOf hold it: events and spells begun before
// it (a spell that ends on or after it still open), census rows of terms ended by it.
func (c *County) knownAt(all []outcomes.Fact, asOf time.Time, out []outcomes.Fact) []outcomes.Fact {
	out = out[:0]
	for _, f := range all {
		switch {
		case f.Term != "":
			t, ok := c.termEnds[f.Term]
			if !ok || t.After(asOf) {
				continue
			}
		case f.Date != nil:
			if !f.Date.Before(asOf) {
				continue
			}
		case f.Start != nil:
			if !f.Start.Before(asOf) {
				continue
			}
			if f.End != nil && !f.End.Before(asOf) {
				f.End = nil
			}
		}
		out = append(out, f)
	}
	return out
}

// coverage is every feed's data reaching asOf, and the council's UC data share with it.
func coverage(asOf time.Time) outcomes.Coverage {
	m := outcomes.Moment{Time: asOf}
	cov := outcomes.Coverage{outcomes.UCDataShare: m}
	for _, feed := range []string{"social_care", "dwp_benefits", "police", "health", "housing", "school_census",
		"not_on_roll", "employment"} {
		cov[feed] = m
	}
	return cov
}
