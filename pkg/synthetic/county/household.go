package county

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/outcomes"
)

// event is one true thing an agency records about a person.
type event struct {
	feed                    string
	p                       *Person
	typ                     string
	date, start, end        string // YYYY-MM-DD; end "" while it goes on
	term                    string
	possible, unauth, fixed int
	role, team, regime      string
	employer, evidence      string
	hours, incident, school string
	refA, refB              string // household links
	account                 string // residents: the council tax or housing benefit account
}

// fact is the event as the Outcomes Plan engine reads it (false for rows that are not
// evidence: household links, residences).
func (e event) fact(id string) (outcomes.Fact, bool) {
	if e.feed == extracts.HouseholdLinks || e.feed == extracts.Residents {
		return outcomes.Fact{}, false
	}
	f := outcomes.Fact{ID: id, Person: e.p.ID, Feed: e.feed, Type: e.typ, Term: e.term,
		SessionsPossible: e.possible, SessionsUnauthorised: e.unauth, FixedTermExclusions: e.fixed}
	moment := func(s string) *outcomes.Moment {
		if s == "" {
			return nil
		}
		m, _ := outcomes.ParseMoment(s)
		return &m
	}
	f.Date, f.Start, f.End = moment(e.date), moment(e.start), moment(e.end)
	return f, true
}

// problems the generator can plant, in the plan's codes.
var problemCodes = []string{"CRIME", "EDUCATION", "CHILDREN_NEED_HELP", "WORKLESSNESS", "DOMESTIC_ABUSE", "HEALTH"}

// household makes household i: the same i always makes the same household.
func (g *generator) household(i int) (*Household, []event) {
	rng := rand.New(
		rand.NewPCG(g.cfg.Seed, uint64(i)),
	) // #nosec G404 G115 -- synthetic data, seeded to be reproducible; i >= 0
	h := &Household{ID: fmt.Sprintf("H%07d", i+1)}
	h.Address = g.address(rng)
	if rng.Float64() < 0.15 { // moved within the last two years
		h.Previous, h.MovedOn = h.Address, day(g.ref.AddDate(0, -1-rng.IntN(24), 0))
		h.Address = g.address(rng)
	}
	surname := g.l.surnames.pick(rng)
	mother := g.person(rng, h, i, 0, true, "F", surname, 19+rng.IntN(30))
	adults := []*Person{mother}
	if rng.Float64() < 0.65 {
		partnerSurname := surname
		if rng.Float64() < 0.25 {
			partnerSurname = g.l.surnames.pick(rng)
		}
		adults = append(adults, g.person(rng, h, i, 1, true, "M", partnerSurname, max(19, g.age(mother)+rng.IntN(9)-3)))
	}
	h.Members = append(h.Members, adults...)
	var children []*Person
	for c, n := 0, childCount(rng); c < n; c++ {
		oldest := min(17, g.age(mother)-16)
		if oldest < 0 {
			break
		}
		children = append(
			children,
			g.person(rng, h, i, 2+c, false, []string{"F", "M"}[rng.IntN(2)], surname, rng.IntN(oldest+1)),
		)
	}
	h.Members = append(h.Members, children...)
	if g.age(mother) < 44 && rng.Float64() < 0.05 {
		mother.Pregnant = true
	}

	// Problems: a few families have several at once. Chosen first, so that a child who is
	// persistently absent has those census rows instead of good ones.
	n := 0
	switch {
	case rng.Float64() < g.cfg.MultiProblemShare:
		n = 2 + rng.IntN(3)
	case rng.Float64() < 0.2:
		n = 1
	}
	var problems []string
	for _, k := range rng.Perm(len(problemCodes))[:n] {
		problems = append(problems, problemCodes[k])
	}
	var absent *Person
	if slices.Contains(problems, "EDUCATION") {
		absent = g.pick(rng, children, 5, 16)
	}

	offRoll := absent != nil && rng.Float64() < 0.15 // missing education, not persistently absent

	var events []event
	// Background: what agencies hold about most families, none of it a problem now.
	for _, c := range children {
		if a := g.age(c); a >= 5 && a <= 16 {
			c.UPN = upn(rng)
			if c == absent && offRoll {
				events = append(
					events,
					event{feed: extracts.NotOnRoll, p: c, typ: "NOT_ON_ROLL", date: day(g.within(rng, 300))},
				)
				continue
			}
			events = append(events, g.census(rng, c, c == absent)...)
		}
	}
	if absent != nil {
		h.Planted = append(h.Planted, "EDUCATION")
	}
	for _, a := range adults {
		a.NINO, a.NHS = nino(rng), nhs(rng)
		// An old benefit spell (begun as an adult), and work after it for most.
		end := g.ref.AddDate(0, -3-rng.IntN(30), -rng.IntN(28))
		start := end.AddDate(-1-rng.IntN(3), 0, 0)
		if adult := a.birth.AddDate(18, 0, 0); start.Before(adult) {
			start = adult
		}
		if rng.Float64() < 0.25 && start.Before(end) {
			events = append(
				events,
				event{feed: extracts.DWPBenefits, p: a, typ: []string{"JSA", "ESA", "IS"}[rng.IntN(3)],
					start: day(start), end: day(end)},
			)
			if rng.Float64() < 0.6 {
				events = append(events, g.work(rng, a, end.AddDate(0, 0, 7+rng.IntN(60))))
			}
		}
	}
	for _, c := range children {
		c.NHS = nhs(rng)
		if rng.Float64() < 0.04 { // social care closed long ago
			c.LCS = lcs(rng)
			end := g.ref.AddDate(-1, -6-rng.IntN(24), 0)
			events = append(
				events,
				event{
					feed:  extracts.SocialCare,
					p:     c,
					typ:   "EH_ASSESSMENT",
					start: day(end.AddDate(0, -6, 0)),
					end:   day(end),
					team:  team(rng),
				},
			)
		}
	}
	for _, problem := range problems {
		if evs := g.plant(rng, problem, adults, children); len(evs) > 0 {
			h.Planted = append(h.Planted, problem)
			events = append(events, evs...)
		}
	}
	slices.Sort(h.Planted)
	events = append(events, g.links(rng, adults, children, events)...)
	events = append(
		events,
		g.residents(rng, h, i, adults, children)...) // last: the other feeds' draws stay as they were
	return h, events
}

// Residents' rates (docs/synthetic-county.md): most households hold a council tax account
// (adults named on it), some a housing benefit claim (every member named, a few children
// left off), and most people are registered with a GP at home; a moved household's rows date
// from the move.
const (
	councilTaxShare     = 0.85
	housingBenefitShare = 0.30
	childOffClaim       = 0.10
	gpRegistered        = 0.90
)

// residents makes the household's residents rows: who the council and the GP record as
// living at its address.
func (g *generator) residents(rng *rand.Rand, h *Household, i int, adults, children []*Person) []event {
	from := func(p *Person) string {
		start := g.ref.AddDate(-2-rng.IntN(6), -rng.IntN(12), 0)
		if h.MovedOn != "" {
			start, _ = time.Parse(time.DateOnly, h.MovedOn)
		}
		if start.Before(p.birth) {
			start = p.birth.AddDate(0, 0, 14+rng.IntN(60))
		}
		return day(start)
	}
	var out []event
	if rng.Float64() < councilTaxShare {
		ref := fmt.Sprintf("CT%07d", i+1)
		for _, a := range adults {
			out = append(out, event{feed: extracts.Residents, p: a, typ: "COUNCIL_TAX", account: ref, start: from(a)})
		}
	}
	if rng.Float64() < housingBenefitShare {
		ref := fmt.Sprintf("HB%07d", i+1)
		for _, m := range h.Members {
			if slices.Contains(children, m) && rng.Float64() < childOffClaim {
				continue
			}
			out = append(
				out,
				event{feed: extracts.Residents, p: m, typ: "HOUSING_BENEFIT", account: ref, start: from(m)},
			)
		}
	}
	for _, m := range h.Members {
		if rng.Float64() < gpRegistered {
			out = append(out, event{feed: extracts.Residents, p: m, typ: "GP_REGISTRATION", start: from(m)})
		}
	}
	return out
}

// pick returns one of the children aged from minAge to maxAge, or nil.
func (g *generator) pick(rng *rand.Rand, children []*Person, minAge, maxAge int) *Person {
	var fit []*Person
	for _, c := range children {
		if a := g.age(c); a >= minAge && a <= maxAge {
			fit = append(fit, c)
		}
	}
	if len(fit) == 0 {
		return nil
	}
	return fit[rng.IntN(len(fit))]
}

func childCount(rng *rand.Rand) int {
	x := rng.Float64()
	for n, cum := range []float64{0.12, 0.42, 0.72, 0.90, 0.97} {
		if x < cum {
			return n
		}
	}
	return 5
}

// age is a person's age in whole years at the reference date.
func (g *generator) age(p *Person) int {
	y := g.ref.Year() - p.birth.Year()
	if g.ref.Month() < p.birth.Month() || g.ref.Month() == p.birth.Month() && g.ref.Day() < p.birth.Day() {
		y--
	}
	return y
}

// person makes a member aged years at the reference date.
func (g *generator) person(rng *rand.Rand, h *Household, i, k int, adult bool, sex, surname string, years int) *Person {
	p := &Person{ID: fmt.Sprintf("P%07d%d", i+1, k), Household: h.ID, Adult: adult, Sex: sex, Surname: surname}
	if sex == "F" {
		p.Forename = g.l.female.pick(rng)
	} else {
		p.Forename = g.l.male.pick(rng)
	}
	p.birth = g.ref.AddDate(-years, 0, -1-rng.IntN(364))
	p.DOB = day(p.birth)
	return p
}

func (g *generator) address(rng *rand.Rand) Address {
	t := g.l.towns[rng.IntN(len(g.l.towns))]
	const inward = "ABDEFGHJLNPQRSTUWXYZ"
	pc := t.outwards[rng.IntN(len(t.outwards))] + " " + strconv.Itoa(
		rng.IntN(10),
	) + string(
		inward[rng.IntN(len(inward))],
	) + string(
		inward[rng.IntN(len(inward))],
	)
	return Address{Line1: strconv.Itoa(1+rng.IntN(180)) + " " + g.l.streets[rng.IntN(len(g.l.streets))], Town: t.name,
		Postcode: pc, UPRN: strconv.FormatInt(100000000000+rng.Int64N(9000000000), 10)}
}

// census makes a child's rows for the three terms before the reference date: attendance that
// is fine, or (bad) persistent absence or repeated exclusions.
func (g *generator) census(rng *rand.Rand, c *Person, bad bool) []event {
	school := strconv.Itoa(119000 + rng.IntN(700))
	excluded := bad && rng.Float64() < 0.3
	var out []event
	for _, t := range g.terms {
		e := event{
			feed:     extracts.SchoolCensus,
			p:        c,
			typ:      "ATTENDANCE",
			term:     t.Code,
			school:   school,
			possible: 110 + rng.IntN(50),
		}
		switch {
		case excluded:
			e.fixed, e.unauth = 2, rng.IntN(e.possible/25+1)
		case bad:
			e.unauth = e.possible * (12 + rng.IntN(18)) / 100
		default:
			e.unauth = rng.IntN(e.possible/25 + 1)
		}
		out = append(out, e)
	}
	return out
}

func (g *generator) work(rng *rand.Rand, a *Person, start time.Time) event {
	e := event{
		feed:     extracts.Employment,
		p:        a,
		typ:      "EMPLOYMENT",
		start:    day(start),
		employer: []string{"Care Home", "Warehouse", "Retail", "Council", "Factory", "Cafe"}[rng.IntN(6)],
		evidence: []string{"PAYSLIP", "EMPLOYER_LETTER", "ADVISER_CONFIRMED", "HMRC"}[rng.IntN(4)],
		hours:    strconv.Itoa(16 + rng.IntN(22)),
	}
	if rng.Float64() < 0.3 {
		if end := start.AddDate(0, 2+rng.IntN(10), 0); end.Before(g.ref) {
			e.end = day(end)
		}
	}
	return e
}

// within returns a date in the n days before the reference date.
func (g *generator) within(rng *rand.Rand, n int) time.Time {
	return g.ref.AddDate(0, 0, -1-rng.IntN(n))
}

// plant makes the evidence of one problem present at the reference date (none when the
// household has nobody it could be about).
func (g *generator) plant(rng *rand.Rand, problem string, adults, children []*Person) []event {
	pickChild := func(minAge, maxAge int) *Person { return g.pick(rng, children, minAge, maxAge) }
	adult := adults[rng.IntN(len(adults))]
	switch problem {
	case "CRIME":
		if c := pickChild(10, 17); c != nil {
			c.PNC = pnc(rng, c)
			return []event{
				{
					feed:     extracts.Police,
					p:        c,
					typ:      "PROVEN_OFFENCE",
					role:     "SUBJECT",
					date:     day(g.within(rng, 330)),
					incident: incident(rng),
				},
			}
		}
		adult.PNC = pnc(rng, adult)
		return []event{
			{
				feed:     extracts.Police,
				p:        adult,
				typ:      "ASB_INTERVENTION",
				role:     "SUBJECT",
				date:     day(g.within(rng, 330)),
				incident: incident(rng),
			},
		}
	// EDUCATION is planted in the census rows of the household's background.
	case "CHILDREN_NEED_HELP":
		if c := pickChild(0, 17); c != nil {
			c.LCS = lcs(rng)
			// Open now, or closed within the last year; never before the child was born.
			start := g.within(rng, 700)
			if born := c.birth.AddDate(0, 0, 7); start.Before(born) {
				start = born
			}
			e := event{
				feed:  extracts.SocialCare,
				p:     c,
				typ:   []string{"CIN", "CP_PLAN", "EH_ASSESSMENT", "S47"}[rng.IntN(4)],
				start: day(start),
				team:  team(rng),
			}
			if end := start.AddDate(0, 3+rng.IntN(9), 0); rng.Float64() < 0.4 && end.Before(g.ref) &&
				end.After(g.ref.AddDate(-1, 0, 1)) {
				e.end = day(end)
			}
			return []event{e}
		}
	case "WORKLESSNESS":
		if rng.Float64() < 0.75 {
			b := []string{"JSA", "ESA", "IS", "UC"}[rng.IntN(4)]
			// Claiming since they were adults (the youngest parents are 19).
			e := event{feed: extracts.DWPBenefits, p: adult, typ: b, start: day(g.ref.AddDate(0, -2-rng.IntN(10), 0))}
			if b == "UC" {
				e.regime = "SEARCHING"
			}
			return []event{e}
		}
		return []event{
			{
				feed: extracts.Housing,
				p:    adult,
				typ:  []string{"RENT_ARREARS", "EVICTION_RISK", "PROBLEM_DEBT"}[rng.IntN(3)],
				date: day(g.within(rng, 330)),
			},
		}
	case "DOMESTIC_ABUSE":
		adult.PNC = pnc(rng, adult)
		return []event{
			{
				feed:     extracts.Police,
				p:        adult,
				typ:      "DVA_INCIDENT",
				role:     "VICTIM",
				date:     day(g.within(rng, 330)),
				incident: incident(rng),
			},
		}
	case "HEALTH":
		p, need := adult, []string{"ADULT_MENTAL_HEALTH", "SUBSTANCE_MISUSE"}[rng.IntN(2)]
		if c := pickChild(0, 4); c != nil && rng.Float64() < 0.4 {
			p, need = c, "UNDER5_DEVELOPMENT"
		} else if c := pickChild(11, 17); c != nil && rng.Float64() < 0.3 {
			p, need = c, "CHILD_MENTAL_HEALTH"
		}
		return []event{{feed: extracts.Health, p: p, typ: need, start: day(g.ref.AddDate(0, -1-rng.IntN(20), 0))}}
	}
	return nil
}

// links are the household links social care or council tax hold, for some families:
// parent to child, by identifiers the agencies have.
func (g *generator) links(rng *rand.Rand, adults, children []*Person, events []event) []event {
	if len(children) == 0 || rng.Float64() > 0.4 {
		return nil
	}
	var out []event
	for _, a := range adults {
		for _, c := range children {
			ref := ""
			switch {
			case c.UPN != "":
				ref = extracts.SchoolCensus + ":" + c.UPN
			case c.LCS != "":
				ref = extracts.SocialCare + ":" + c.LCS
			}
			if ref != "" && a.NINO != "" {
				out = append(
					out,
					event{
						feed: extracts.HouseholdLinks,
						p:    a,
						typ:  "PARENT_OF",
						refA: extracts.DWPBenefits + ":" + a.NINO,
						refB: ref,
					},
				)
			}
		}
	}
	return out
}

func team(rng *rand.Rand) string {
	return []string{"Preston Central", "Chorley and South Ribble", "Blackburn with Darwen", "Burnley and Pendle", "Lancaster North", "Fylde Coast"}[rng.IntN(6)]
}

func incident(rng *rand.Rand) string { return "INC-" + strconv.Itoa(100000+rng.IntN(900000)) }

// Identifiers of the shapes the agencies use; made up, so they name nobody.
func nino(rng *rand.Rand) string {
	const first, second = "ABCEGHJKLMNPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
	for {
		p := string(first[rng.IntN(len(first))]) + string(second[rng.IntN(len(second))])
		switch p {
		case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
			continue
		}
		return p + fmt.Sprintf("%06d", rng.IntN(1000000)) + string("ABCD"[rng.IntN(4)])
	}
}

func nhs(rng *rand.Rand) string {
	for {
		d := fmt.Sprintf("%09d", 400000000+rng.IntN(600000000))
		sum := 0
		for i := 0; i < 9; i++ {
			sum += int(d[i]-'0') * (10 - i)
		}
		if check := (11 - sum%11) % 11; check != 10 {
			return d + strconv.Itoa(check)
		}
	}
}

func upn(rng *rand.Rand) string {
	return string(
		rune('A'+rng.IntN(26)),
	) + fmt.Sprintf(
		"%03d%04d%02d%03d",
		888,
		rng.IntN(10000),
		rng.IntN(100),
		rng.IntN(1000),
	) // #nosec G115 -- a letter
}

func lcs(rng *rand.Rand) string { return "LCS" + strconv.Itoa(1000000+rng.IntN(9000000)) }

func pnc(rng *rand.Rand, p *Person) string {
	if p.PNC != "" {
		return p.PNC
	}
	return strconv.Itoa(
		1995+rng.IntN(22),
	) + "/" + fmt.Sprintf(
		"%07d",
		rng.IntN(10000000),
	) + string(
		rune('A'+rng.IntN(26)),
	) // #nosec G115 -- a letter
}
