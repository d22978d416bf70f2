package evidence

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
)

// Limits of one family's evidence: a household, not a county.
const (
	MaxMembers = 30
	MaxFacts   = 5000
)

// idPattern is what member and fact ids may be: identification's own opaque references
// ("p-12", "police:7"), never a name or an agency's reference number.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$`)

// Check reports every problem with the content, by field ("facts[3].person"); now is when
// it is received (no extract is dated after it).
func (c *Content) Check(now time.Time) []httpapi.FieldError {
	var errs []httpapi.FieldError
	fail := func(field, msg string) { errs = append(errs, httpapi.FieldError{Field: field, Message: msg}) }
	switch {
	case len(c.Members) == 0:
		fail("members", "must list the family's members")
	case len(c.Members) > MaxMembers:
		fail("members", "must list at most "+strconv.Itoa(MaxMembers)+" members")
	}
	if len(c.Facts) > MaxFacts {
		fail("facts", "must hold at most "+strconv.Itoa(MaxFacts)+" evidence rows")
	}
	members := map[string]bool{}
	for i, m := range c.Members {
		at := fmt.Sprintf("members[%d]", i)
		switch {
		case !idPattern.MatchString(m.ID):
			fail(at+".id", "must be an opaque id: 1 to 64 letters, digits, ':', '.', '_' or '-'")
		case members[m.ID]:
			fail(at+".id", "is listed twice")
		}
		members[m.ID] = true
		if m.BirthDate == nil && m.Role != "adult" && m.Role != "child" {
			fail(at, "needs a birth_date, or a role of adult or child")
		}
	}
	facts := map[string]bool{}
	for i, f := range c.Facts {
		at := fmt.Sprintf("facts[%d]", i)
		switch {
		case !idPattern.MatchString(f.ID):
			fail(at+".id", "must be an opaque id: 1 to 64 letters, digits, ':', '.', '_' or '-'")
		case facts[f.ID]:
			fail(at+".id", "is listed twice")
		}
		facts[f.ID] = true
		if !members[f.Person] {
			fail(at+".person", "must be one of the members' ids")
		}
		if !outcomes.KnownEvent(f.Feed, f.Type) {
			fail(at+".type", "must be an event type of the feed (see data-contracts.md)")
		}
		if f.Role != "" && (f.Feed != "police" || !slices.Contains(outcomes.PoliceRoles, f.Role)) {
			fail(at+".role", "is a police event's role: "+strings.Join(outcomes.PoliceRoles, ", "))
		}
		if f.UCRegime != "" && (f.Type != "UC" || !slices.Contains(outcomes.UCRegimes, f.UCRegime)) {
			fail(at+".uc_regime", "is a Universal Credit spell's regime: "+strings.Join(outcomes.UCRegimes, ", "))
		}
		switch {
		case f.Date == nil && f.Start == nil && f.Term == "":
			fail(at, "needs a date (an event), a start (a spell) or a term (a school census row)")
		case f.Start != nil && f.End != nil && f.End.Before(f.Start.Time):
			fail(at+".end", "must not be before start")
		}
	}
	for _, feed := range slices.Sorted(maps.Keys(c.Coverage)) {
		switch m := c.Coverage[feed]; {
		case feed != outcomes.UCDataShare && !outcomes.ExtractFeed(feed):
			fail("coverage."+feed, "must name an extract feed (see data-contracts.md) or "+outcomes.UCDataShare)
		case m.After(now):
			fail("coverage."+feed, "must not be after the time received: an extract holds no later events")
		}
	}
	return errs
}

// Eligibility judges the content at the reference date (midnight in London) under p.
func Eligibility(p *outcomes.Plan, familyID string, c *Content, ref time.Time) outcomes.EligibilityResult {
	at := outcomes.Date(ref.Year(), ref.Month(), ref.Day())
	f := &outcomes.Family{ID: familyID, Members: c.Members, Facts: c.Facts}
	return outcomes.Evaluate(p, f, at).Eligibility
}
