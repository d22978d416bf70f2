package outcomes

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// realisticFamilies makes n families of a handful of members and a few dozen facts each:
// census terms for each child, police, social care, health and benefit spells, work.
func realisticFamilies(n int) []*Family {
	rng := rand.New(rand.NewPCG(2016, 10))
	day := func(from string, spread int) *Moment {
		m := d(from)
		m = Moment{m.In(London).AddDate(0, 0, rng.IntN(spread))}
		return &m
	}
	terms := []string{"2014-AUT", "2015-SPR", "2015-SUM", "2015-AUT", "2016-SPR", "2016-SUM"}
	fams := make([]*Family, n)
	for i := range fams {
		f := &Family{ID: fmt.Sprintf("f%05d", i), Coverage: received("2016-09-01")}
		f.Members = []Member{
			{ID: "a1", BirthDate: day("1975-01-01", 5000)},
			{ID: "a2", BirthDate: day("1975-01-01", 5000)},
		}
		for c := 0; c < 1+rng.IntN(3); c++ {
			f.Members = append(f.Members, Member{ID: fmt.Sprintf("c%d", c), BirthDate: day("2002-01-01", 4000)})
		}
		k := 0
		add := func(fact Fact) { k++; fact.ID = fmt.Sprintf("r%d", k); f.Facts = append(f.Facts, fact) }
		for _, m := range f.Members[2:] {
			for _, t := range terms {
				add(Fact{Person: m.ID, Feed: "school_census", Type: "ATTENDANCE", Term: t, SessionsPossible: 150,
					SessionsUnauthorised: rng.IntN(30), FixedTermExclusions: rng.IntN(2)})
			}
		}
		add(Fact{Person: "c0", Feed: "police", Type: "PROVEN_OFFENCE", Date: day("2015-01-01", 500)})
		add(Fact{Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Date: day("2015-01-01", 500)})
		add(Fact{Person: "a2", Feed: "police", Type: "ASB_INTERVENTION", Date: day("2015-01-01", 500)})
		add(
			Fact{
				Person: "c0",
				Feed:   "social_care",
				Type:   "CP_PLAN",
				Start:  day("2014-06-01", 200),
				End:    day("2015-09-01", 400),
			},
		)
		add(
			Fact{
				Person: "c0",
				Feed:   "social_care",
				Type:   "EH_ASSESSMENT",
				Start:  day("2015-01-01", 300),
				End:    day("2016-01-01", 300),
			},
		)
		add(
			Fact{
				Person: "a1",
				Feed:   "health",
				Type:   "ADULT_MENTAL_HEALTH",
				Start:  day("2014-06-01", 300),
				End:    day("2016-01-01", 300),
			},
		)
		add(
			Fact{
				Person: "a1",
				Feed:   "dwp_benefits",
				Type:   "JSA",
				Start:  day("2013-01-01", 300),
				End:    day("2015-10-01", 200),
			},
		)
		add(
			Fact{
				Person: "a2",
				Feed:   "dwp_benefits",
				Type:   "ESA",
				Start:  day("2013-01-01", 300),
				End:    day("2015-10-01", 200),
			},
		)
		add(
			Fact{
				Person: "a1",
				Feed:   "employment",
				Type:   "EMPLOYMENT",
				Start:  day("2016-01-01", 60),
				End:    day("2016-09-01", 120),
			},
		)
		add(Fact{Person: "a1", Feed: "housing", Type: "RENT_ARREARS", Date: day("2015-06-01", 300)})
		f.Attachment = &Attachment{
			Date:             d("2016-01-10"),
			Baseline:         []string{"CRIME", "EDUCATION", "CHILDREN_NEED_HELP", "WORKLESSNESS"},
			Assessment:       true,
			FamilyPlan:       true,
			LeadProfessional: true,
		}
		fams[i] = f
	}
	return fams
}

// BenchmarkJudge10000Families judges 10,000 realistic families once per iteration, on one
// core (run with -cpu 1), with explanations (Judge) and without their words (Evaluate).
// The figures are recorded in docs/outcomes.md.
func BenchmarkJudge10000Families(b *testing.B) {
	b.Run("Evaluate", func(b *testing.B) { benchJudge(b, Evaluate) })
	b.Run("Judge", func(b *testing.B) { benchJudge(b, Judge) })
}

func benchJudge(b *testing.B, judge func(*Plan, *Family, Moment) Judgement) {
	p := plan(b, "lancashire-phase2")
	fams := realisticFamilies(10000)
	at := d("2016-10-01")
	facts := 0
	for _, f := range fams {
		facts += len(f.Facts)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		for _, f := range fams {
			_ = judge(p, f, at)
		}
	}
	b.ReportMetric(float64(facts)/float64(len(fams)), "facts/family")
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/10k-families")
}
