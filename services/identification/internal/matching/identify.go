package matching

import (
	"cmp"
	"math"
	"slices"

	"github.com/familypath/familypath/pkg/outcomes"
)

// Options are a run's plan, reference date and linkage settings, and how it names people,
// families and evidence rows.
type Options struct {
	Plan     *outcomes.Plan
	At       outcomes.Moment
	Settings Settings
	// PersonIDs names each person (by index); FamilyIDs each household, given the people's
	// names. FactID names an evidence row of a person.
	PersonIDs func(*People) []string
	FamilyIDs func(households []Household, personIDs []string) []string
	FactID    func(record int32, person string) string
	// Coverage is how far each feed's data reaches (CoverageOf): every family's evidence
	// carries it, so that its judgements count the absence of events only inside it.
	Coverage outcomes.Coverage
	// Stage, when set, is told as each stage ends (link, group, judge, review), so that a
	// caller can time them; this package reads no clock.
	Stage func(name string)
	// People, when set, are the records' people linked already (LinkPeople; a run resuming
	// from its checkpoint): they are not linked again.
	People *People
}

func (o *Options) stage(name string) {
	if o.Stage != nil {
		o.Stage(name)
	}
}

// Result is a run: people, households, the families judged, and the review queue.
type Result struct {
	People     *People
	PersonIDs  []string
	Households []Household
	FamilyIDs  []string
	// Families are the households with a dependent child or a pregnancy, judged; the others
	// are households, not families, and are not listed.
	Families []Family
	// Review is the review queue, most valuable to the programme first.
	Review []ReviewItem
}

// ReviewItem is an uncertain pair with its value to the programme: a pair whose decision
// could make a family eligible comes first, then pairs touching families with more
// problems, then the closest calls.
type ReviewItem struct {
	Uncertain
	Value int
	// Families are the ids of the families of the two records' people ("" for a household
	// that is not a family).
	FamilyA, FamilyB string
}

// Identify links, groups and judges a run's records.
func Identify(records []Record, o Options) *Result {
	res := &Result{People: o.People}
	if res.People == nil {
		res.People = LinkPeople(records, o.Settings)
		o.stage("link people")
	}
	res.PersonIDs = o.PersonIDs(res.People)
	res.Households = GroupHouseholds(records, res.People)
	res.FamilyIDs = o.FamilyIDs(res.Households, res.PersonIDs)
	o.stage("group households")
	names := Names{Person: func(p int32) string { return res.PersonIDs[p] }, Fact: o.FactID}
	householdOf := make([]int32, res.People.Count)
	judged := make([]outcomes.EligibilityResult, len(res.Households))
	for h := range res.Households {
		for _, p := range res.Households[h].Members {
			householdOf[p] = int32(h) // #nosec G115 -- a run holds well under 2^31 households
		}
		f := Judge(o.Plan, o.At, records, res.People, &res.Households[h], names)
		f.Evidence.Coverage = o.Coverage
		f.Evidence.ID = res.FamilyIDs[h]
		judged[h] = f.Eligibility
		if f.Eligibility.Dependants {
			res.Families = append(res.Families, f)
		}
	}
	o.stage("judge families")
	res.Review = review(o.Plan, res, householdOf, judged)
	o.stage("value the review queue")
	return res
}

// review values each uncertain pair: what deciding it could change for the families of its
// two people.
func review(plan *outcomes.Plan, res *Result, householdOf []int32, judged []outcomes.EligibilityResult) []ReviewItem {
	items := make([]ReviewItem, 0, len(res.People.Review))
	for _, u := range res.People.Review {
		ha, hb := householdOf[res.People.Of[u.A]], householdOf[res.People.Of[u.B]]
		ea, eb := judged[ha], judged[hb]
		item := ReviewItem{Uncertain: u, Value: len(union(ea.Codes(), eb.Codes()))}
		if ea.Dependants {
			item.FamilyA = res.FamilyIDs[ha]
		}
		if eb.Dependants {
			item.FamilyB = res.FamilyIDs[hb]
		}
		if ha != hb && !ea.Eligible && !eb.Eligible && (ea.Dependants || eb.Dependants) &&
			len(union(ea.Codes(), eb.Codes())) >= plan.Eligibility.MinProblems {
			item.Value += 10 // one family if they are one person: it would be eligible
		}
		items = append(items, item)
	}
	slices.SortStableFunc(items, func(x, y ReviewItem) int {
		return cmp.Or(
			cmp.Compare(y.Value, x.Value),
			cmp.Compare(math.Abs(x.Probability-0.5), math.Abs(y.Probability-0.5)),
		)
	})
	return items
}

func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
