package matching

import (
	"cmp"
	"slices"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/outcomes"
)

// Family is a household judged at the run's reference date: its evidence as the Outcomes
// Plan engine read it, the engine's eligibility with the evidence rows behind each
// indicator, and whether any service works with it now.
type Family struct {
	Household   *Household
	Evidence    outcomes.Family
	Eligibility outcomes.EligibilityResult
	// OpenToService: a member has a social care or early help episode open at the reference
	// date. An eligible family open to no service cannot be attached yet (the seeds' 713).
	OpenToService bool
}

// Names give the run's people and evidence rows their ids: stable, pseudonymous ids in the
// service; file positions in the analysts' batch.
type Names struct {
	Person func(person int32) string
	Fact   func(record int32, person string) string
}

// Judge builds a household's evidence and judges it under plan at the reference date.
func Judge(
	plan *outcomes.Plan,
	at outcomes.Moment,
	records []Record,
	people *People,
	h *Household,
	names Names,
) Family {
	f := Family{Household: h}
	members := map[int32]*memberFacts{}
	for _, p := range h.Members {
		members[p] = &memberFacts{}
	}
	seenFact := map[string]bool{}
	for _, i := range h.Records {
		r := &records[i]
		p := people.Of[i]
		m := members[p]
		m.take(r)
		if r.Feed == extracts.SocialCare && r.StartDate != "" && r.StartDate <= at.Format("2006-01-02") &&
			(r.EndDate == "" || r.EndDate >= at.Format("2006-01-02")) {
			f.OpenToService = true
		}
		id := names.Person(p)
		if fact, ok := r.fact(names.Fact(i, id), id); ok && !seenFact[fact.ID] {
			seenFact[fact.ID] = true
			f.Evidence.Facts = append(f.Evidence.Facts, fact)
			if r.Feed == extracts.Health && r.EventType == "TEENAGE_PREGNANCY" &&
				(fact.End == nil || !fact.End.Before(at.Time)) {
				m.pregnant = true
			}
		}
	}
	for _, p := range h.Members {
		f.Evidence.Members = append(f.Evidence.Members, members[p].member(names.Person(p)))
	}
	slices.SortFunc(f.Evidence.Facts, func(a, b outcomes.Fact) int { return cmp.Compare(a.ID, b.ID) })
	f.Eligibility = outcomes.Evaluate(plan, &f.Evidence, at).Eligibility
	return f
}

// memberFacts gathers what a person's records say of their age.
type memberFacts struct {
	dobs     map[string]int
	first    string // a date of birth seen, to start from
	pupil    bool
	pregnant bool
}

func (m *memberFacts) take(r *Record) {
	if r.DOB != "" {
		if m.dobs == nil {
			m.dobs = map[string]int{}
			m.first = r.DOB
		}
		m.dobs[r.DOB]++
	}
	if r.Feed == extracts.SchoolCensus || r.Feed == extracts.NotOnRoll {
		m.pupil = true
	}
}

// member is the person as the engine reads them: the date of birth most of their records
// give (the earliest on a tie), or a role when none gives one.
func (m *memberFacts) member(id string) outcomes.Member {
	out := outcomes.Member{ID: id, Pregnant: m.pregnant}
	best, n := m.first, m.dobs[m.first]
	for dob, k := range m.dobs {
		if k > n || k == n && dob < best {
			best, n = dob, k
		}
	}
	if best != "" {
		out.BirthDate = moment(best)
	}
	if out.BirthDate == nil {
		out.Role = "adult"
		if m.pupil {
			out.Role = "child"
		}
	}
	return out
}
