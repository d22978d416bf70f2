package matching

import (
	"slices"

	"github.com/familypath/familypath/pkg/linkage"
)

// Known is a family the programme already holds without identification having found it (a
// council imported it mid-programme), with what identifies its members.
type Known struct {
	FamilyID string
	Members  []linkage.Person
}

// Recognition is a household of the run that holds people of a known family.
type Recognition struct {
	Household int
	FamilyID  string
	// Matched: the household's people matched to the known family's members on date of birth,
	// surname and forename (a nickname or a known other spelling counts); Partial: on date of
	// birth and one name only (a surname changed, a forename recorded differently).
	Matched, Partial int
	// Certain: Matched is at least two, or the known family's only member: the household is
	// that family. Otherwise it is only suspected, for people to decide.
	Certain bool
}

// Recognise finds the households holding people of known families. A person matches a member
// only on an exact date of birth: a family's ids move only on positive evidence.
func Recognise(records []Record, households []Household, known []Known) []Recognition {
	type member struct{ family, index int }
	byBirth := map[[3]int][]member{}
	for f, k := range known {
		for i, m := range k.Members {
			if m.Year > 0 {
				d := [3]int{m.Year, m.Month, m.Day}
				byBirth[d] = append(byBirth[d], member{f, i})
			}
		}
	}
	var out []Recognition
	for h, hh := range households {
		best := map[int]*Recognition{} // by known family
		seen := map[member]bool{}      // a member counts once however many records match it
		full := map[int32]bool{}       // records that matched a member on both names
		// Both names first, so that twins (one birthday, one surname) each find their own.
		for _, pass := range []bool{true, false} {
			for _, r := range hh.Records {
				if !pass && full[r] {
					continue
				}
				p := records[r].person()
				if p.Year == 0 {
					continue
				}
				for _, m := range byBirth[[3]int{p.Year, p.Month, p.Day}] {
					k := known[m.family].Members[m.index]
					sur, fore := sameName(p.Surname, k.Surname), sameForename(p.Forename, k.Forename)
					if seen[m] || pass != (sur && fore) || !sur && !fore {
						continue
					}
					seen[m] = true
					rec := best[m.family]
					if rec == nil {
						rec = &Recognition{Household: h, FamilyID: known[m.family].FamilyID}
						best[m.family] = rec
					}
					if pass {
						rec.Matched++
						full[r] = true
					} else {
						rec.Partial++
					}
					break
				}
			}
		}
		if rec := strongest(best); rec != nil {
			rec.Certain = rec.Matched >= 2 || rec.Matched == 1 && len(known[indexOf(known, rec.FamilyID)].Members) == 1
			out = append(out, *rec)
		}
	}
	return out
}

// strongest is the known family most of a household's people matched (fully, then partly;
// ties to the lower family id, so the answer does not depend on map order).
func strongest(best map[int]*Recognition) *Recognition {
	var top *Recognition
	for _, r := range best {
		if top == nil || r.Matched > top.Matched || r.Matched == top.Matched && (r.Partial > top.Partial ||
			r.Partial == top.Partial && r.FamilyID < top.FamilyID) {
			top = r
		}
	}
	return top
}

func indexOf(known []Known, id string) int {
	return slices.IndexFunc(known, func(k Known) bool { return k.FamilyID == id })
}

func sameName(a, b string) bool { return a != "" && (a == b || linkage.Spelling(a, b)) }

func sameForename(a, b string) bool {
	return a != "" && b != "" &&
		(a == b || linkage.Familiar(a, b) || linkage.Spelling(a, b) || linkage.JaroWinkler(a, b) >= 0.94)
}
