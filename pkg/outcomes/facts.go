package outcomes

import (
	"maps"
	"slices"
)

// Family is what the engine judges: members and evidence facts, and the case's attachment
// and closure when they exist. Codes, dates and ids only; the JSON form is documented in
// docs/outcomes.md and read by `outcomes explain`.
type Family struct {
	ID         string      `json:"family_id"`
	Members    []Member    `json:"members"`
	Facts      []Fact      `json:"facts"`
	Attachment *Attachment `json:"attachment,omitempty"`
	CaseClosed *Moment     `json:"case_closed,omitempty"`
	// Coverage says how far each feed's data reaches (docs/outcomes.md, evidence gaps): the
	// absence of an event counts only inside it, and a problem cannot be sustained past it.
	Coverage Coverage `json:"coverage,omitempty"`
}

// Coverage is, per feed, the as-of date of the latest accepted upload of the feed: an
// extract holds every event dated before its as-of date (the as-of day itself may still be
// incomplete). The key UCDataShare is the as-of date of the latest benefits upload that
// carried Universal Credit rows: the council's UC data share reaches that far. The
// caseworker feed's coverage is the day the case last recorded evidence.
type Coverage map[string]Moment

// UCDataShare is the Coverage key of the council's Universal Credit data share.
const UCDataShare = "dwp_benefits:UC"

// through is how far the feed's data reaches, and false when no data of the feed is held.
func (c Coverage) through(feed string) (Moment, bool) {
	m, ok := c[feed]
	return m, ok
}

// Member is a person in the family.
type Member struct {
	ID        string  `json:"id"`
	BirthDate *Moment `json:"birth_date,omitempty"`
	// Role, "adult" or "child", is used when the birth date is unknown.
	Role     string `json:"role,omitempty"`
	Pregnant bool   `json:"pregnant,omitempty"`
}

// RoleAt is the member's role at a moment under the plan, "child" or "adult", as the engine
// judges it: a dependent child from birth until the plan's child age; the member's own role
// when the birth date is unknown ("" when that is unknown too, or the member is not yet born).
func (m Member) RoleAt(p *Plan, when Moment) string {
	if m.BirthDate == nil {
		return m.Role
	}
	if when.Before(m.BirthDate.Time) {
		return ""
	}
	adultFrom := m.BirthDate.In(London).AddDate(p.Eligibility.ChildMaxAge, 0, 0)
	if when.Before(adultFrom) {
		return "child"
	}
	return "adult"
}

// WithoutBirthDate is the member as a reader without the right to birth dates sees them: the
// role at the moment under the plan instead of the date.
func (m Member) WithoutBirthDate(p *Plan, when Moment) Member {
	return Member{ID: m.ID, Role: m.RoleAt(p, when), Pregnant: m.Pregnant}
}

// Fact is one evidence row, by reference (ID) with the fields the rules read.
type Fact struct {
	ID     string  `json:"id"`
	Person string  `json:"person"`
	Feed   string  `json:"feed"`
	Type   string  `json:"type"`
	Date   *Moment `json:"date,omitempty"`  // an event
	Start  *Moment `json:"start,omitempty"` // a spell
	End    *Moment `json:"end,omitempty"`   // the spell's end; absent while it goes on

	// Role is a police event's person's part in it (SUBJECT, VICTIM, PERPETRATOR).
	Role string `json:"role,omitempty"`
	// UCRegime is a Universal Credit spell's conditionality regime (SEARCHING, PREPARING,
	// NO_REQUIREMENTS, WORKING): the working regime is evidence of work, the others are an
	// out-of-work benefit.
	UCRegime string `json:"uc_regime,omitempty"`

	// School census rows.
	Term                 string `json:"term,omitempty"`
	SessionsPossible     int    `json:"sessions_possible,omitempty"`
	SessionsUnauthorised int    `json:"sessions_unauthorised,omitempty"`
	SessionsAuthorised   int    `json:"sessions_authorised,omitempty"`
	FixedTermExclusions  int    `json:"fixed_term_exclusions,omitempty"`
	PermanentExclusion   bool   `json:"permanent_exclusion,omitempty"`
	AlternativeProvision bool   `json:"alternative_provision,omitempty"`
}

// Attachment is the case's attachment (or a request to attach, for readiness).
type Attachment struct {
	Date             Moment   `json:"date"`
	Baseline         []string `json:"baseline"` // problem codes frozen at attachment
	Assessment       bool     `json:"whole_family_assessment"`
	FamilyPlan       bool     `json:"family_plan"`
	LeadProfessional bool     `json:"lead_professional"`
}

// Merge is the family as its two owners hold it, together: identification's snapshot (the
// extracts' members, facts and coverage) and the case's record (its members identification
// does not have, caseworkers' evidence, closure and coverage). A referred family's is all
// the case's.
func Merge(identified, cased Family) Family {
	out := Family{
		ID:         identified.ID,
		Members:    slices.Clone(identified.Members),
		Facts:      append(slices.Clone(identified.Facts), cased.Facts...),
		CaseClosed: cased.CaseClosed,
		Coverage:   Coverage{},
	}
	if out.ID == "" {
		out.ID = cased.ID
	}
	for _, m := range cased.Members {
		if !slices.ContainsFunc(out.Members, func(o Member) bool { return o.ID == m.ID }) {
			out.Members = append(out.Members, m)
		}
	}
	maps.Copy(out.Coverage, identified.Coverage)
	maps.Copy(out.Coverage, cased.Coverage)
	return out
}

// Attached is the attachment of a family attached on a date with its baseline: it was judged
// ready then (the assessment, plan and lead professional only matter for readiness).
func Attached(on Moment, baseline []string) *Attachment {
	return &Attachment{Date: on, Baseline: baseline, Assessment: true, FamilyPlan: true, LeadProfessional: true}
}
