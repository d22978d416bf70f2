package matching

import (
	"testing"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/linkage"
)

func knownRec(fore, sur, dob string) Record {
	return Record{Feed: extracts.SchoolCensus, Row: extracts.Row{Forename: fore, Surname: sur, DOB: dob}}
}

// A household is a known family only on positive evidence: two of its people on date of birth
// and both names (a nickname or accent does not stop it); one person, or one name, is only a
// suspicion; the same names born on another day are nobody.
func TestAHouseholdIsRecognisedOnlyOnItsPeoplesBirthsAndNames(t *testing.T) {
	records := []Record{
		knownRec(
			"Zoë",
			"Łukasiewicz",
			"2010-03-04",
		), knownRec("Robert", "Hale", "1982-11-30"), // household 0: both, one by nickname below
		knownRec(
			"Amy",
			"Stone",
			"2012-01-01",
		), // household 1: one person of a two-member family
		knownRec(
			"Kai",
			"Brook",
			"2011-07-07",
		), knownRec("Leah", "Brook", "1990-02-02"), // household 2: born on other days
		knownRec(
			"Sam",
			"Ward",
			"2013-05-05",
		), knownRec("Eve", "Marsh", "1988-08-08"), // household 3: one name each (surname changed, forename differs)
		knownRec(
			"Ruby",
			"Cole",
			"2014-09-09",
		), knownRec("Rosa", "Cole", "2014-09-09"), // household 4: twins, each their own
	}
	households := []Household{
		{Records: []int32{0, 1}},
		{Records: []int32{2}},
		{Records: []int32{3, 4}},
		{Records: []int32{5, 6}},
		{Records: []int32{7, 8}},
	}
	known := []Known{
		{
			FamilyID: "f-hale",
			Members: []linkage.Person{
				linkage.Prepare("Zoe", "Lukasiewicz", "2010-03-04", "", ""),
				linkage.Prepare("Bob", "Hale", "1982-11-30", "", ""),
			},
		},
		{
			FamilyID: "f-stone",
			Members: []linkage.Person{
				linkage.Prepare("Amy", "Stone", "2012-01-01", "", ""),
				linkage.Prepare("Tom", "Stone", "1980-01-01", "", ""),
			},
		},
		{
			FamilyID: "f-brook",
			Members: []linkage.Person{
				linkage.Prepare("Kai", "Brook", "2011-07-08", "", ""),
				linkage.Prepare("Leah", "Brook", "1990-02-03", "", ""),
			},
		},
		{
			FamilyID: "f-ward",
			Members: []linkage.Person{
				linkage.Prepare("Sam", "Ward-Jones", "2013-05-05", "", ""),
				linkage.Prepare("Evelyn", "Marsh", "1988-08-08", "", ""),
			},
		},
		{
			FamilyID: "f-cole",
			Members: []linkage.Person{
				linkage.Prepare("Rosa", "Cole", "2014-09-09", "", ""),
				linkage.Prepare("Ruby", "Cole", "2014-09-09", "", ""),
			},
		},
	}
	got := Recognise(records, households, known)
	want := map[int]Recognition{
		0: {Household: 0, FamilyID: "f-hale", Matched: 2, Certain: true},
		1: {Household: 1, FamilyID: "f-stone", Matched: 1},
		3: {Household: 3, FamilyID: "f-ward", Partial: 2},
		4: {Household: 4, FamilyID: "f-cole", Matched: 2, Certain: true},
	}
	if len(got) != len(want) {
		t.Fatalf("recognised %+v", got)
	}
	for _, r := range got {
		if r != want[r.Household] {
			t.Errorf("household %d: %+v, want %+v", r.Household, r, want[r.Household])
		}
	}
}
