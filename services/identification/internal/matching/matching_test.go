package matching

import (
	"fmt"
	"slices"
	"testing"

	"github.com/familypath/familypath/pkg/extracts"
)

// background is n other people, each in two feeds, so that the run has a population to
// estimate its model from (names' frequencies, random pairs).
func background(n int) []Record {
	fore := []string{"Amy", "Ben", "Cara", "Dan", "Eve", "Finn", "Gail", "Hugh", "Ivy", "Jack", "Kim", "Leo"}
	sur := []string{
		"Ashworth",
		"Booth",
		"Clegg",
		"Dewhurst",
		"Entwistle",
		"Fletcher",
		"Greenwood",
		"Howarth",
		"Ingham",
		"Jolly",
	}
	var out []Record
	for i := 0; i < n; i++ {
		f, s := fore[i%len(fore)], sur[(i/len(fore))%len(sur)]
		dob := fmt.Sprintf("19%02d-%02d-%02d", 50+i%50, 1+i%12, 1+i%28)
		pc := fmt.Sprintf("BB%d %dQT", 1+i%9, i%10)
		out = append(out, rec(extracts.Health, "", f, s, dob, pc, fmt.Sprint(i%150+1, " Long Row"), "2015-01-01"),
			rec(extracts.Housing, "", f, s, dob, pc, fmt.Sprint(i%150+1, " Long Row"), "2015-02-01"))
	}
	return out
}

func rec(feed, id, fore, sur, dob, postcode, line1, start string) Record {
	return Record{Feed: feed, Row: extracts.Row{SourceID: id, Forename: fore, Surname: sur, DOB: dob, Sex: "M",
		Postcode: postcode, AddressLine1: line1, StartDate: start, EventType: "JSA"}}
}

// Two different identifiers of one agency are never one person, however alike the rest:
// a record like both joins one of them only.
func TestDifferentIdentifiersOfOneAgencyStayApart(t *testing.T) {
	records := []Record{
		rec(extracts.Police, "2001/0000001A", "John", "Grimshaw", "1980-01-02", "PR1 2AB", "1 Mill Lane", "2016-01-01"),
		rec(extracts.Police, "", "John", "Grimshaw", "1980-01-02", "PR1 2AB", "1 Mill Lane", "2016-02-01"),
		rec(extracts.Police, "2001/0000002B", "John", "Grimshaw", "1980-01-02", "PR1 2AB", "1 Mill Lane", "2016-03-01"),
	}
	records = append(records, background(400)...)
	p := LinkPeople(records, Settings{})
	if p.Of[0] == p.Of[2] {
		t.Fatalf("two PNC ids in one person: %v", p.Of)
	}
	if p.Of[1] != p.Of[0] && p.Of[1] != p.Of[2] {
		t.Errorf("the record without an id joined neither: %v", p.Of)
	}
}

// A family that moved: the adults' records are all from the old address, the child's census
// rows from the new one, and one old record of the child's puts it at the old address while
// the adults lived there; they are one household. A stranger later at the old address is not.
func TestHouseholdsFollowOverlappingSpellsAtAnAddress(t *testing.T) {
	records := []Record{
		rec(
			extracts.DWPBenefits,
			"AB123456C",
			"Tyler",
			"Turner",
			"1980-05-01",
			"PR6 7LT",
			"180 Station Road",
			"2015-06-20",
		),
		{
			Feed: extracts.SocialCare,
			Row: extracts.Row{SourceID: "LCS1", Forename: "Lisa", Surname: "Turner", DOB: "2008-03-03",
				Postcode: "PR6 7LT", AddressLine1: "180 Station Road", StartDate: "2014-01-01", EndDate: "2015-09-01", EventType: "CIN"},
		},
		{
			Feed: extracts.SchoolCensus,
			Row: extracts.Row{SourceID: "A123", Forename: "Lisa", Surname: "Turner", DOB: "2008-03-03",
				Postcode: "LA3 8XE", AddressLine1: "19 Station Road", Term: "2016-AUT", EventType: "ATTENDANCE"},
		},
	}
	others := background(400)
	records = append(records, others...)
	households := func(hs []Household, upTo int32) int { // households among the first records
		n := 0
		for _, h := range hs {
			if h.Records[0] < upTo {
				n++
			}
		}
		return n
	}
	p := LinkPeople(records, Settings{})
	if hs := GroupHouseholds(records, p); households(hs, 3) != 1 {
		t.Fatalf("%d households", households(hs, 3))
	}
	stranger := rec(
		extracts.Health,
		"9434765919",
		"Omar",
		"Iqbal",
		"1970-01-01",
		"PR6 7LT",
		"180 Station Road",
		"2010-01-01",
	)
	stranger.EndDate = "2011-01-01"
	records = append(
		records[:3:3],
		stranger,
		rec(extracts.Health, "9434765919", "Omar", "Iqbal", "1970-01-01", "BB1 1AA", "2 Other Street", "2012-01-01"),
	)
	records = append(records, others...)
	p = LinkPeople(records, Settings{})
	if hs := GroupHouseholds(records, p); households(hs, 5) != 2 {
		t.Errorf("someone who left the address before the family came joined it: %d households", households(hs, 5))
	}
}

// The residents feed (contract version 2): an under-five seen nowhere but a GP registration at
// the family's address joins it, by address spells; a parent whose benefit records carry an
// older address joins the child by their one council tax account; each household says what
// joined it, and a residence is not evidence of a problem.
func TestResidentsJoinChildrenAndStaleAddresses(t *testing.T) {
	resident := func(fore, dob, postcode, line1, source, account, from string) Record {
		return Record{
			Feed: extracts.Residents,
			Row: extracts.Row{Forename: fore, Surname: "Nowak", DOB: dob, Postcode: postcode, AddressLine1: line1,
				EventType: source, AccountRef: account, StartDate: from},
		}
	}
	records := []Record{
		// Mother: benefits at an older address only.
		rec(extracts.DWPBenefits, "AB123456C", "Zofia", "Nowak", "1988-02-01", "BB1 1AA", "2 Old Street", "2015-01-01"),
		// Her council tax account, which the council still has her on at the old address,
		// with her son of 7 at the new one, and her daughter of 2.
		resident("Zofia", "1988-02-01", "BB1 1AA", "2 Old Street", "COUNCIL_TAX", "CT 0042", "2016-01-01"),
		resident("Jan", "2009-05-05", "PR1 2AB", "9 New Road", "COUNCIL_TAX", "ct0042", "2016-01-01"),
		{
			Feed: extracts.SchoolCensus,
			Row: extracts.Row{SourceID: "A999", Forename: "Jan", Surname: "Nowak", DOB: "2009-05-05",
				Postcode: "PR1 2AB", AddressLine1: "9 New Road", Term: "2016-AUT", EventType: "ATTENDANCE"},
		},
		// The daughter: a GP registration alone.
		resident("Ola", "2014-03-03", "PR1 2AB", "9 New Road", "GP_REGISTRATION", "", "2016-02-01"),
	}
	records = append(records, background(400)...)
	p := LinkPeople(records, Settings{})
	hs := GroupHouseholds(records, p)
	var home *Household
	for i := range hs {
		if slices.Contains(hs[i].Records, 0) {
			home = &hs[i]
		}
	}
	if home == nil || len(home.Members) != 3 || !slices.Contains(home.Records, 4) {
		t.Fatalf("the family: %+v (people %v)", home, p.Of[:5])
	}
	if !slices.Equal(home.JoinedBy, []string{JoinedByAddress, JoinedByAccount}) {
		t.Errorf("joined by %v", home.JoinedBy)
	}
	if _, ok := records[1].fact("r1", "p1"); ok {
		t.Error("a residence became evidence")
	}
}

// A household says every reason that joins its people, whichever joined them first: two
// people at one address over the same months, on one council tax account too, were joined
// by both (before, by whichever of the address and the account a map's order visited first).
func TestAHouseholdSaysEveryReasonItsPeopleAreJoinedBy(t *testing.T) {
	resident := func(fore, dob string) Record {
		return Record{
			Feed: extracts.Residents,
			Row: extracts.Row{Forename: fore, Surname: "Kowalski", DOB: dob, Postcode: "PR3 3MM",
				AddressLine1: "3 Mill Lane", EventType: "COUNCIL_TAX", AccountRef: "CT 0077", StartDate: "2016-01-01"},
		}
	}
	records := append([]Record{resident("Adam", "1980-01-01"), resident("Beth", "1982-02-02")}, background(400)...)
	for range 5 {
		hs := GroupHouseholds(records, LinkPeople(records, Settings{}))
		if !slices.Equal(hs[0].JoinedBy, []string{JoinedByAddress, JoinedByAccount}) {
			t.Fatalf("joined by %v, want both the address and the account", hs[0].JoinedBy)
		}
	}
}

// A record with no date of birth links on its score only when it can be one person: beside a
// father and son of one name at one address it waits for a reviewer; with one of them gone
// from the run it is him.
func TestAnUndatedRecordLinksOnlyWhenItCanBeOnePerson(t *testing.T) {
	father := rec(
		extracts.DWPBenefits,
		"AB123456C",
		"Kevin",
		"Ashcroft",
		"1970-04-04",
		"PR2 9ZZ",
		"7 Hill Street",
		"2015-01-01",
	)
	son := rec(
		extracts.DWPBenefits,
		"CD654321A",
		"Kevin",
		"Ashcroft",
		"1998-09-09",
		"PR2 9ZZ",
		"7 Hill Street",
		"2016-01-01",
	)
	undated := rec(extracts.Housing, "", "Kevin", "Ashcroft", "", "PR2 9ZZ", "7 Hill Street", "2016-05-01")
	run := func(records ...Record) *People {
		return LinkPeople(append(records, background(400)...), Settings{})
	}
	p := run(father, son, undated)
	if p.Of[2] == p.Of[0] || p.Of[2] == p.Of[1] {
		t.Errorf("a record that could be the father or the son was linked to one of them: %v", p.Of[:3])
	}
	if p = run(father, undated); p.Of[1] != p.Of[0] {
		t.Errorf("a record that can only be the father stayed apart: %v", p.Of[:2])
	}
	// Two undated records: one person when neither could be anyone else.
	again := rec(extracts.Police, "", "Kevin", "Ashcroft", "", "PR2 9ZZ", "7 Hill Street", "2016-07-01")
	if p = run(undated, again); p.Of[1] != p.Of[0] {
		t.Errorf("two undated records of one name, and nobody else of it, stayed apart: %v", p.Of[:2])
	}
	if p = run(father, son, undated, again); p.Of[2] == p.Of[0] || p.Of[2] == p.Of[1] || p.Of[3] == p.Of[0] ||
		p.Of[3] == p.Of[1] {
		t.Errorf("undated records that could be the father or the son were linked to one of them: %v", p.Of[:4])
	}
}

// A wrong date of birth links on the score when it cannot be a parent's or a child's: a few
// years out, or a keying error (two digits of the year swapped); one a generation out, with
// every other field the same, is a father and son, kept apart.
func TestAWrongDateOfBirthLinksOnlyWhenItCannotBeAGeneration(t *testing.T) {
	for _, c := range []struct {
		name, a, b string
		same       bool
	}{
		{"a few years out", "1985-03-12", "1988-11-02", true},
		{"two digits of the year swapped", "1985-03-12", "1958-03-12", true},
		{"a generation out", "1970-04-04", "1998-09-09", false},
		{"more than any parent and child", "1930-07-23", "1997-11-08", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Run(c.name, func(t *testing.T) {
				one := rec(extracts.Housing, "", "Kevin", "Ashcroft", c.a, "PR2 9ZZ", "7 Hill Street", "2015-01-01")
				two := rec(extracts.Housing, "", "Kevin", "Ashcroft", c.b, "PR2 9ZZ", "7 Hill Street", "2016-01-01")
				p := LinkPeople(append([]Record{one, two}, background(400)...), Settings{})
				if got := p.Of[0] == p.Of[1]; got != c.same {
					t.Errorf("%s and %s linked: %v, want %v", c.a, c.b, got, c.same)
				}
			})
		})
	}
}

// Dates of birth a generation apart, with every other field the same, are a parent and child
// where the data shows such people (a pair whose two dates are each given by another record
// of its person), and a mistyped date where pair after pair shows nothing of the kind.
func TestGenerationApartDatesFollowWhatTheDataShows(t *testing.T) {
	fore := []string{"Adam", "Brian", "Colin", "Derek", "Edwin", "Frank"}
	sur := []string{"Ashcroft", "Bramley", "Catterall", "Dunderdale", "Eccleston", "Fairclough"}
	var lone []Record
	for i, f := range fore {
		lone = append(
			lone,
			rec(
				extracts.Housing,
				"",
				f,
				sur[i],
				fmt.Sprintf("1970-04-%02d", i+1),
				fmt.Sprintf("PR%d 9ZZ", i+1),
				fmt.Sprint(i+1, " Hill Street"),
				"2015-01-01",
			),
			rec(
				extracts.Housing,
				"",
				f,
				sur[i],
				fmt.Sprintf("1998-09-%02d", i+10),
				fmt.Sprintf("PR%d 9ZZ", i+1),
				fmt.Sprint(i+1, " Hill Street"),
				"2016-01-01",
			),
		)
	}
	p := LinkPeople(append(slices.Clone(lone), background(400)...), Settings{})
	for i := range fore {
		if p.Of[2*i] != p.Of[2*i+1] {
			t.Errorf(
				"%s: lone dates a generation apart, in data with no parent and child of one name, stayed apart",
				fore[i],
			)
		}
	}
	if p.Stats.GenerationPairs != len(fore) || p.Stats.GenerationsCorroborated != 0 {
		t.Errorf(
			"generation pairs %d, corroborated %d; want %d, 0",
			p.Stats.GenerationPairs,
			p.Stats.GenerationsCorroborated,
			len(fore),
		)
	}
	// A father and son of one name, each with two records of his date: the data has such
	// people, and every pair a generation apart waits for a reviewer.
	family := []Record{
		rec(extracts.DWPBenefits, "", "Kevin", "Ashcroft", "1970-04-04", "PR9 9ZZ", "7 Hill Street", "2015-01-01"),
		rec(extracts.Housing, "", "Kevin", "Ashcroft", "1970-04-04", "PR9 9ZZ", "7 Hill Street", "2015-02-01"),
		rec(extracts.SchoolCensus, "", "Kevin", "Ashcroft", "1998-09-09", "PR9 9ZZ", "7 Hill Street", "2015-01-01"),
		rec(extracts.Health, "", "Kevin", "Ashcroft", "1998-09-09", "PR9 9ZZ", "7 Hill Street", "2015-03-01"),
	}
	p = LinkPeople(append(append(slices.Clone(lone), family...), background(400)...), Settings{})
	for i := range fore {
		if p.Of[2*i] == p.Of[2*i+1] {
			t.Errorf("%s: linked across a generation in data holding a father and son of one name", fore[i])
		}
	}
	n := 2 * len(fore)
	if p.Of[n] != p.Of[n+1] || p.Of[n+2] != p.Of[n+3] || p.Of[n] == p.Of[n+2] {
		t.Errorf("father and son: %v, want two people of two records each", p.Of[n:n+4])
	}
}
