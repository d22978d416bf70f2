// Package matching is identification's pipeline, pure (no I/O, no clock): it links agency
// extract rows that are the same person, groups people into families, and judges each
// family under an Outcomes Plan with the evidence rows behind every indicator. The
// identification run (the service) and the analysts' batch command both run it, the first
// over rows loaded into Postgres, the second over a folder of files.
package matching

import (
	"strings"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/linkage"
	"github.com/familypath/familypath/pkg/outcomes"
)

// Record is one accepted extract row of a run: who it is about and what it records. Row.Row
// is its data row number in its file, from 1 after the header.
type Record struct {
	Feed   string
	Source int32 // which file (batch) or upload (run) it came from: an index the caller keeps
	extracts.Row
}

// feedIDs are the feeds whose rows carry the feed's own person identifier.
var feedIDs = map[string]bool{extracts.SchoolCensus: true, extracts.NotOnRoll: true, extracts.SocialCare: true,
	extracts.Police: true, extracts.DWPBenefits: true, extracts.Health: true, extracts.Employment: true}

// identifierFeed is the feed whose identifier a feed's rows carry: not-on-roll rows carry
// the school census's UPN, employment rows DWP's NINO, so they are compared as one.
func identifierFeed(feed string) string {
	switch feed {
	case extracts.NotOnRoll:
		return extracts.SchoolCensus
	case extracts.Employment:
		return extracts.DWPBenefits
	}
	return feed
}

// person prepares the record for comparison. A household link's person fields are its
// first person's, and its first reference is that person's identifier in another feed.
func (r *Record) person() linkage.Person {
	p := linkage.Prepare(r.Forename, r.Surname, r.DOB, r.Sex, r.Postcode).WithAddress(r.AddressLine1)
	switch {
	case r.Feed == extracts.HouseholdLinks:
		if feed, id, ok := strings.Cut(r.PersonRefA, ":"); ok {
			p = p.WithSource(identifierFeed(feed), id)
		}
	case feedIDs[r.Feed]:
		p = p.WithSource(identifierFeed(r.Feed), r.SourceID)
	}
	return p
}

// identifierKey is the record's own identifier as "feed:ID" (normalised), or "".
func identifierKey(feed, id string) string {
	id = strings.ToUpper(strings.ReplaceAll(id, " ", ""))
	if id == "" {
		return ""
	}
	return identifierFeed(feed) + ":" + id
}

// fingerprint is the content that says who a record (prepared as p) is about, normalised:
// rows with the same fingerprint (a pupil's three census terms, next month's copy of a
// benefit spell) are the same person's. Settings.Hash turns it into a Key (keyed, in the
// service), so that a reviewer's decision about two records holds for every later row like them.
func (r *Record) fingerprint(p *linkage.Person) []byte {
	return joined(p.Source, p.Forename, p.Surname, r.DOB, r.Sex, p.Postcode)
}

// place is where a record's profile (prepared as p) is numbered among a run's profiles: the
// fingerprint's fields, postcode and surname first, so that the same records are numbered alike
// in any order, and neighbours, whom blocking pairs, are numbered near each other (compared
// from nearby memory: faster than in the fingerprint's own order, docs/services/identification.md).
func (r *Record) place(p *linkage.Person) []byte {
	return joined(p.Postcode, p.Surname, p.Forename, r.DOB, r.Sex, p.Source)
}

// joined is fields each ended by a zero byte (which no field holds).
func joined(fields ...string) []byte {
	b := make([]byte, 0, 96)
	for _, s := range fields {
		b = append(b, s...)
		b = append(b, 0)
	}
	return b
}

// fact is the record as the Outcomes Plan engine reads it, or false for a row that is not
// evidence (a household link, a residence).
func (r *Record) fact(id, person string) (outcomes.Fact, bool) {
	if r.Feed == extracts.HouseholdLinks || r.Feed == extracts.Residents || r.EventType == "" {
		return outcomes.Fact{}, false // who lives with whom, not evidence of a problem
	}
	f := outcomes.Fact{ID: id, Person: person, Feed: r.Feed, Type: r.EventType, Term: r.Term,
		SessionsPossible: int(r.SessionsPossible), SessionsUnauthorised: int(r.SessionsUnauthorised),
		SessionsAuthorised: int(r.SessionsAuthorised), FixedTermExclusions: int(r.FixedTermExclusions),
		PermanentExclusion: r.PermanentExclusion, AlternativeProvision: r.AlternativeProvision, Role: r.Role, UCRegime: r.UCRegime}
	f.Date, f.Start, f.End = moment(r.EventDate), moment(r.StartDate), moment(r.EndDate)
	return f, true
}

func moment(s string) *outcomes.Moment {
	if s == "" {
		return nil
	}
	m, err := outcomes.ParseMoment(s)
	if err != nil {
		return nil // the extract reader has checked every date
	}
	return &m
}

// open sorts after every date: a spell still open goes on now.
const open = "9999-12-31"

// seen is when the record saw its person where it says they live: an event's day, a
// spell's start to its end (open: now), a census term's; "" when undated.
func (r *Record) seen() (from, to string) {
	switch {
	case r.EventDate != "":
		return r.EventDate, r.EventDate
	case r.StartDate != "" && r.EndDate == "":
		return r.StartDate, open
	case r.StartDate != "":
		return r.StartDate, r.EndDate
	case r.Term != "":
		d := termDate(r.Term)
		return d, d
	}
	return "", ""
}

// termDate places a census term (2016-AUT) at a date inside it, so that it sorts with dates.
func termDate(term string) string {
	year, season, _ := strings.Cut(term, "-")
	switch season {
	case "AUT":
		return year + "-10-01"
	case "SPR":
		return year + "-02-01"
	case "SUM":
		return year + "-06-01"
	}
	return ""
}

// Source is what some of a run's records came from (a file, an upload): its feed and its
// as-of date, the day the agency took the extract. Record.Source indexes a run's sources.
type Source struct {
	Feed string
	AsOf outcomes.Moment
}

// CoverageOf is how far each feed's data reaches in a run: per feed, the latest as-of date
// of its sources; and the Universal Credit data share's, the latest as-of date of a benefits
// source that carried UC rows (data-contracts.md: UC rows exist only where the council has
// a share).
func CoverageOf(sources []Source, records []Record) outcomes.Coverage {
	c := outcomes.Coverage{}
	later := func(key string, m outcomes.Moment) {
		if old, ok := c[key]; !ok || m.After(old.Time) {
			c[key] = m
		}
	}
	for _, s := range sources {
		if s.Feed != extracts.HouseholdLinks {
			later(s.Feed, s.AsOf)
		}
	}
	uc := make([]bool, len(sources))
	for i := range records {
		if r := &records[i]; r.Feed == extracts.DWPBenefits && r.EventType == "UC" && int(r.Source) < len(uc) {
			uc[r.Source] = true
		}
	}
	for i, s := range sources {
		if uc[i] {
			later(outcomes.UCDataShare, s.AsOf)
		}
	}
	return c
}

// Fingerprint is what a record's key is made of (the person's prepared fields): keyed with
// FIELD_KEYS it is the pseudonym a run keeps the record's person under.
func Fingerprint(r *Record) []byte {
	p := r.person()
	return r.fingerprint(&p)
}
