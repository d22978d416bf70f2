package county

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/familypath/familypath/pkg/extracts"
)

// AgencyErrors are the rates at which one agency's rows get a person wrong. The defaults
// (Errors) are documented in docs/synthetic-county.md; they follow what the seeds and
// councils report: police and housing key names by hand and often from what a person says,
// DWP addresses go stale, school and health records are the cleanest.
type AgencyErrors struct {
	MissingID       float64 // the feed's own identifier left out
	BadID           float64 // the identifier mistyped (one character)
	Typo            float64 // a typo in the forename or surname
	Nickname        float64 // a familiar form instead of the registered forename
	Swapped         float64 // forename and surname the wrong way round
	UpperCase       float64 // names in capitals
	MissingDOB      float64
	DayMonthSwapped float64 // 2008-06-05 keyed as 2008-05-06 (where the day is 12 or less)
	MissingSex      float64
	StaleAddress    float64 // the address before the household's last move
	PostcodeVariant float64 // no space, lower case
	BadPostcode     float64 // a postcode of the wrong shape
	UPRN            float64 // the property reference present (council systems hold it)
	Spelling        float64 // another spelling of a transliterated name (Muhammad as Mohammed, O'Neill as ONeill)
	Folded          float64 // letters beyond ASCII written plain (Wiśniewski as Wisniewski, Łukasz as Lukasz)
}

// Every feed writes other spellings of a name at these rates, and letters beyond ASCII plain
// at its own (older systems hold only ASCII).
const spellingRate = 0.08

var foldedRates = map[string]float64{
	extracts.Police: 0.6, extracts.DWPBenefits: 0.5, extracts.Employment: 0.5, extracts.Housing: 0.3,
	extracts.SchoolCensus: 0.1, extracts.NotOnRoll: 0.2, extracts.SocialCare: 0.2, extracts.Health: 0.1,
	extracts.Residents: 0.2, extracts.HouseholdLinks: 0.3,
}

func init() {
	for feed, rates := range Errors {
		rates.Spelling, rates.Folded = spellingRate, foldedRates[feed]
		Errors[feed] = rates
	}
}

// Errors are each feed's default rates.
var Errors = map[string]AgencyErrors{
	extracts.SchoolCensus: {
		MissingID:       0.02,
		BadID:           0.002,
		Typo:            0.01,
		Nickname:        0.01,
		Swapped:         0.003,
		MissingDOB:      0.002,
		DayMonthSwapped: 0.005,
		MissingSex:      0.005,
		StaleAddress:    0.05,
		PostcodeVariant: 0.05,
		BadPostcode:     0.002,
		UPRN:            0.05,
	},
	extracts.NotOnRoll: {
		MissingID:       0.2,
		BadID:           0.01,
		Typo:            0.03,
		Nickname:        0.05,
		Swapped:         0.01,
		MissingDOB:      0.02,
		DayMonthSwapped: 0.02,
		MissingSex:      0.05,
		StaleAddress:    0.2,
		PostcodeVariant: 0.1,
		BadPostcode:     0.01,
	},
	extracts.SocialCare: {
		MissingID:       0.05,
		BadID:           0.005,
		Typo:            0.03,
		Nickname:        0.04,
		Swapped:         0.01,
		MissingDOB:      0.03,
		DayMonthSwapped: 0.02,
		MissingSex:      0.01,
		StaleAddress:    0.1,
		PostcodeVariant: 0.1,
		BadPostcode:     0.01,
		UPRN:            0.7,
	},
	extracts.Police: {
		MissingID:       0.4,
		BadID:           0.01,
		Typo:            0.05,
		Nickname:        0.1,
		Swapped:         0.02,
		UpperCase:       0.5,
		MissingDOB:      0.05,
		DayMonthSwapped: 0.03,
		MissingSex:      0.02,
		StaleAddress:    0.15,
		PostcodeVariant: 0.15,
		BadPostcode:     0.02,
	},
	extracts.DWPBenefits: {
		MissingID:       0.03,
		BadID:           0.005,
		Typo:            0.02,
		Nickname:        0.02,
		Swapped:         0.01,
		UpperCase:       0.3,
		MissingDOB:      0.01,
		DayMonthSwapped: 0.01,
		MissingSex:      0.01,
		StaleAddress:    0.3,
		PostcodeVariant: 0.05,
		BadPostcode:     0.005,
	},
	extracts.Employment: {
		MissingID:       0.3,
		BadID:           0.01,
		Typo:            0.03,
		Nickname:        0.08,
		Swapped:         0.01,
		MissingDOB:      0.2,
		DayMonthSwapped: 0.02,
		MissingSex:      0.1,
		StaleAddress:    0.2,
		PostcodeVariant: 0.1,
		BadPostcode:     0.01,
	},
	extracts.Health: {
		MissingID:       0.1,
		BadID:           0.005,
		Typo:            0.02,
		Nickname:        0.03,
		Swapped:         0.01,
		MissingDOB:      0.01,
		DayMonthSwapped: 0.01,
		MissingSex:      0.01,
		StaleAddress:    0.1,
		PostcodeVariant: 0.05,
		BadPostcode:     0.005,
	},
	extracts.Housing: {
		Typo:            0.03,
		Nickname:        0.05,
		Swapped:         0.01,
		MissingDOB:      0.3,
		DayMonthSwapped: 0.02,
		MissingSex:      0.2,
		StaleAddress:    0.05,
		PostcodeVariant: 0.1,
		BadPostcode:     0.01,
		UPRN:            0.9,
	},
	extracts.Residents: {
		Typo:            0.02,
		Nickname:        0.03,
		Swapped:         0.005,
		MissingDOB:      0.2,
		DayMonthSwapped: 0.01,
		MissingSex:      0.3,
		StaleAddress:    0.1,
		PostcodeVariant: 0.05,
		BadPostcode:     0.005,
		UPRN:            0.8,
	},
	extracts.HouseholdLinks: {
		Typo:            0.02,
		Nickname:        0.02,
		Swapped:         0.01,
		MissingDOB:      0.05,
		DayMonthSwapped: 0.01,
		MissingSex:      0.05,
		StaleAddress:    0.1,
		PostcodeVariant: 0.05,
		BadPostcode:     0.005,
		UPRN:            0.5,
	},
}

// project writes an event as its feed's row: the person as that agency holds them.
func (g *generator) project(rng *rand.Rand, h *Household, e event) []string {
	feed, _ := extracts.FeedNamed(e.feed)
	rates := Errors[e.feed]
	if g.cfg.Clean {
		rates = AgencyErrors{UPRN: rates.UPRN}
	}
	hit := func(rate float64) bool { return rate > 0 && rng.Float64() < rate }
	p := e.p
	fore, sur, dob, sex := p.Forename, p.Surname, p.DOB, p.Sex
	if nicks := g.l.nicknames[fore]; len(nicks) > 0 && hit(rates.Nickname) {
		fore = nicks[rng.IntN(len(nicks))]
	}
	if others := g.l.spellings[fore]; len(others) > 0 && hit(rates.Spelling) {
		fore = others[rng.IntN(len(others))]
	}
	if others := g.l.spellings[sur]; len(others) > 0 && hit(rates.Spelling) {
		sur = others[rng.IntN(len(others))]
	}
	if hit(rates.Folded) {
		fore, sur = fold(fore), fold(sur)
	}
	if hit(rates.Typo) {
		if rng.IntN(2) == 0 {
			fore = typo(rng, fore)
		} else {
			sur = typo(rng, sur)
		}
	}
	if hit(rates.Swapped) {
		fore, sur = sur, fore
	}
	if hit(rates.UpperCase) {
		fore, sur = strings.ToUpper(fore), strings.ToUpper(sur)
	}
	if hit(rates.DayMonthSwapped) && dob[8:] <= "12" && dob[8:] != dob[5:7] {
		dob = dob[:5] + dob[8:] + "-" + dob[5:7]
	}
	if hit(rates.MissingDOB) {
		dob = ""
	}
	if hit(rates.MissingSex) {
		sex = []string{"", "U"}[rng.IntN(2)]
	}
	addr := h.Address
	if h.MovedOn != "" && (e.when() < h.MovedOn || hit(rates.StaleAddress)) {
		addr = h.Previous
	}
	postcode := addr.Postcode
	switch {
	case hit(rates.BadPostcode):
		postcode = postcode[:len(postcode)-1]
	case hit(rates.PostcodeVariant):
		postcode = strings.ToLower(strings.ReplaceAll(postcode, " ", ""))
	}
	uprn := ""
	if hit(rates.UPRN) {
		uprn = addr.UPRN
	}
	id := ""
	if col := feed.IDColumn; col != "" && !hit(rates.MissingID) {
		id = map[string]string{"upn": p.UPN, "lcs_id": p.LCS, "pnc_id": p.PNC, "nino": p.NINO, "nhs_number": p.NHS}[col]
		if id != "" && hit(rates.BadID) {
			id = typo(rng, id)
		}
	}
	header := feed.Header()
	out := make([]string, len(header))
	for i, col := range header {
		out[i] = e.value(col, fore, sur, dob, sex, addr, postcode, uprn, id)
	}
	return out
}

// when is the event's date, for which address an agency had at the time.
func (e event) when() string {
	switch {
	case e.date != "":
		return e.date
	case e.start != "":
		return e.start
	}
	return "9999" // census and links: as of now
}

func (e event) value(col, fore, sur, dob, sex string, addr Address, postcode, uprn, id string) string {
	switch col {
	case "forename":
		return fore
	case "surname":
		return sur
	case "dob":
		return dob
	case "sex":
		return sex
	case "address_line1":
		return addr.Line1
	case "address_line2":
		return ""
	case "town":
		return addr.Town
	case "postcode":
		return postcode
	case "uprn":
		return uprn
	case "upn", "lcs_id", "pnc_id", "nino", "nhs_number":
		return id
	case "school_urn":
		return e.school
	case "term":
		return e.term
	case "sessions_possible":
		return itoa(e.possible)
	case "sessions_unauthorised":
		return itoa(e.unauth)
	case "sessions_authorised":
		return "0"
	case "fixed_term_exclusions":
		return itoa(e.fixed)
	case "permanent_exclusion", "alternative_provision":
		return "N"
	case "reported_on", "event_date":
		return e.date
	case "start_date", "from_date":
		return e.start
	case "end_date", "to_date":
		return e.end
	case "account_ref":
		return e.account
	case "episode_type", "event_type", "benefit", "need", "relationship", "source":
		return e.typ
	case "role":
		return e.role
	case "incident_ref":
		return e.incident
	case "team":
		return e.team
	case "uc_regime":
		return e.regime
	case "employer":
		return e.employer
	case "evidence":
		return e.evidence
	case "hours_per_week":
		return e.hours
	case "person_ref_a":
		return e.refA
	case "person_ref_b":
		return e.refB
	}
	panic("county: no value for column " + col) // a contract column the generator does not fill
}

// typo makes one keying mistake: a letter dropped, doubled, swapped with the next, or replaced
// (by letter, not byte: Wiśniewski stays valid text).
func typo(rng *rand.Rand, name string) string {
	s := []rune(name)
	if len(s) < 3 {
		return name
	}
	i := 1 + rng.IntN(len(s)-2)
	switch rng.IntN(4) {
	case 0:
		return string(slices.Delete(s, i, i+1))
	case 1:
		return string(slices.Insert(s, i, s[i]))
	case 2:
		s[i], s[i+1] = s[i+1], s[i]
		return string(s)
	}
	c := s[i]
	switch {
	case c >= 'a' && c <= 'z':
		c = 'a' + (c-'a'+1+rune(rng.IntN(24)))%26 // #nosec G115 -- below 24
	case c >= 'A' && c <= 'Z':
		c = 'A' + (c-'A'+1+rune(rng.IntN(24)))%26 // #nosec G115 -- below 24
	case c >= '0' && c <= '9':
		c = '0' + (c-'0'+1+rune(rng.IntN(8)))%10 // #nosec G115 -- below 8
	}
	s[i] = c
	return string(s)
}

func itoa(n int) string { return strconv.Itoa(n) }
