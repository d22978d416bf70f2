package imports

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/services/case/internal/record"
)

var (
	refPattern = regexp.MustCompile(`^[A-Za-z0-9/-]{1,64}$`)
	familyCols = func() []string {
		var out []string
		for _, c := range Columns {
			if c.Level == FamilyLevel {
				out = append(out, c.Name)
			}
		}
		return out
	}()
)

// takeRow reads one row: the family's columns the first time its reference is seen (the same
// values on its later rows), and the member's.
func takeRow(
	byRef map[string]*Family,
	families *[]*Family,
	line int,
	value func(string) string,
	plans *outcomes.Plans,
) []Issue {
	var issues []Issue
	bad := func(field, reason string) { issues = append(issues, Issue{Line: line, Field: field, Reason: reason}) }
	if v := value("contract_version"); v != ContractVersion {
		bad("contract_version", "must be "+ContractVersion+" (the contract this build reads)")
	}
	ref := value("council_family_ref")
	if !refPattern.MatchString(ref) {
		bad("council_family_ref", "required: letters, digits, - and /, up to 64")
		return issues
	}
	fam, seen := byRef[ref]
	if !seen {
		fam = &Family{Ref: ref, firstLine: line, family: map[string]string{}, Progress: map[string]time.Time{}}
		for _, c := range familyCols {
			fam.family[c] = value(c)
		}
		issues = append(issues, fam.takeFamily(line, value)...)
		byRef[ref] = fam
		*families = append(*families, fam)
	} else {
		for _, c := range familyCols {
			if value(c) != fam.family[c] {
				bad(c, fmt.Sprintf("differs from line %d of the same family: a family's columns are the same on each of its rows", fam.firstLine))
			}
		}
	}
	m := Member{Line: line, PersonRef: value("person_ref"), Role: value("role"), Relationship: value("relationship"),
		GivenName: value(
			"given_name",
		), FamilyName: value("family_name"), BirthDate: value("birth_date"), Postcode: value("postcode")}
	switch {
	case !refPattern.MatchString(m.PersonRef):
		bad("person_ref", "required: letters, digits, - and /, up to 64")
	case slices.ContainsFunc(fam.Members, func(o Member) bool { return o.PersonRef == m.PersonRef }):
		bad("person_ref", "a second row of the same member in the family")
	}
	if m.Role != "ADULT" && m.Role != "CHILD" {
		bad("role", "must be ADULT or CHILD")
	}
	switch {
	case !slices.Contains([]string{"PARENT_CARER", "CHILD", "OTHER_ADULT", "OTHER_CHILD"}, m.Relationship):
		bad("relationship", "must be PARENT_CARER, CHILD, OTHER_ADULT or OTHER_CHILD")
	case (m.Role == "ADULT" || m.Role == "CHILD") && !record.RelationshipFits(m.Role, m.Relationship):
		bad("relationship", record.RelationshipMismatch)
	}
	if m.BirthDate != "" {
		if d, err := time.Parse(time.DateOnly, m.BirthDate); err != nil || d.After(time.Now()) {
			bad("birth_date", "must be a date, YYYY-MM-DD, not in the future")
		}
	}
	for field, v := range map[string]string{"given_name": m.GivenName, "family_name": m.FamilyName, "postcode": m.Postcode} {
		if len(v) > 200 {
			bad(field, "longer than 200 characters")
		}
	}
	fam.Members = append(fam.Members, m)
	slices.SortStableFunc(issues, func(a, b Issue) int { return strings.Compare(a.Field, b.Field) })
	return issues
}

// takeFamily reads the family's columns from its first row.
func (f *Family) takeFamily(line int, value func(string) string) []Issue {
	var issues []Issue
	bad := func(field, reason string) { issues = append(issues, Issue{Line: line, Field: field, Reason: reason}) }
	date := func(field string, required bool) *time.Time {
		v := value(field)
		if v == "" {
			if required {
				bad(field, "required: a date, YYYY-MM-DD")
			}
			return nil
		}
		d, err := time.ParseInLocation(time.DateOnly, v, outcomes.London)
		if err != nil {
			bad(field, "must be a date, YYYY-MM-DD")
			return nil
		}
		return &d
	}
	f.PlanID, f.Team = value("plan_id"), value("team")
	if f.PlanID == "" {
		bad("plan_id", "required")
	}
	if v, err := strconv.Atoi(value("plan_version")); err != nil || v < 1 {
		bad("plan_version", "must be a whole number from 1")
	} else {
		f.PlanVersion = v
	}
	if f.Team == "" || len(f.Team) > 64 {
		bad("team", "required, up to 64 characters")
	}
	f.Lead, f.LeadAgency = value("lead_professional"), value("lead_professional_agency")
	if (f.Lead == "") != (f.LeadAgency == "") {
		bad("lead_professional", "a lead professional needs an agency, and an agency a lead professional")
	}
	if d := date("attached_on", true); d != nil {
		f.AttachedOn = *d
	}
	switch value("attachment_fee_received") {
	case "Y":
		f.FeeReceived = true
	case "N":
	default:
		bad("attachment_fee_received", "must be Y (received: none is booked) or N (the import books it)")
	}
	for _, p := range strings.Split(value("baseline_problems"), ";") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(f.Baseline, p) {
			f.Baseline = append(f.Baseline, p)
		}
	}
	if len(f.Baseline) == 0 {
		bad("baseline_problems", "required: the plan's problem codes, separated by ;")
	}
	f.AssessmentOn, f.PlanAgreedOn = date("assessment_on", false), date("plan_agreed_on", false)
	for _, item := range strings.Split(value("progress"), ";") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		code, day, ok := strings.Cut(item, ":")
		d, err := time.ParseInLocation(time.DateOnly, day, outcomes.London)
		if !ok || err != nil {
			bad("progress", "each item must be PROBLEM:YYYY-MM-DD")
			continue
		}
		f.Progress[code] = d
	}
	f.ClaimWindow, f.ClaimRoute, f.ClaimStatus = value("claim_window"), value("claim_route"), value("claim_status")
	return issues
}

// checkFamily checks a family against its plan and itself.
func checkFamily(f *Family, plans *outcomes.Plans) []Issue {
	var issues []Issue
	bad := func(field, reason string) {
		issues = append(issues, Issue{Line: f.firstLine, Field: field, Reason: reason})
	}
	if len(f.Members) > 30 {
		bad("person_ref", "more than 30 members in the family")
	}
	if f.PlanID == "" || f.PlanVersion == 0 {
		return issues
	}
	p, ok := plans.Get(f.PlanID, f.PlanVersion)
	if !ok {
		bad("plan_version", "no published plan "+f.PlanID+" version "+strconv.Itoa(f.PlanVersion))
		return issues
	}
	if !f.AttachedOn.IsZero() &&
		(f.AttachedOn.Before(p.EffectiveFrom.Time) || !f.AttachedOn.Before(p.EffectiveTo.Time)) {
		bad(
			"attached_on",
			"outside the programme: the plan runs from "+p.EffectiveFrom.String()[:10]+" to "+p.EffectiveTo.String()[:10],
		)
	}
	for _, code := range f.Baseline {
		if _, ok := p.Problem(code); !ok {
			bad("baseline_problems", "a baseline problem the plan lacks: "+code)
		}
	}
	if n := len(f.Baseline); n > 0 && n < p.Eligibility.MinProblems {
		bad("baseline_problems", fmt.Sprintf("%d baseline problems; the plan needs %d", n, p.Eligibility.MinProblems))
	}
	for _, code := range slices.Sorted(maps.Keys(f.Progress)) {
		switch d := f.Progress[code]; {
		case !slices.Contains(f.Baseline, code):
			bad("progress", "progress on a problem that is not in the baseline: "+code)
		case !f.AttachedOn.IsZero() && d.Before(f.AttachedOn):
			bad("progress", "progress on "+code+" dated before the attachment")
		case d.After(time.Now()):
			bad("progress", "progress on "+code+" dated in the future")
		}
	}
	if !slices.ContainsFunc(f.Members, func(m Member) bool { return m.Role == "CHILD" }) &&
		!p.Eligibility.PregnancyCounts {
		bad("role", "no CHILD member: the plan's families have dependent children")
	}
	checkClaim(f, p, bad)
	return issues
}

func checkClaim(f *Family, p *outcomes.Plan, bad func(field, reason string)) {
	if f.ClaimWindow == "" {
		if f.ClaimRoute != "" || f.ClaimStatus != "" {
			bad("claim_window", "a claim route or status without a claim window")
		}
		return
	}
	i := slices.IndexFunc(p.ClaimWindows, func(w outcomes.ClaimWindow) bool { return w.ID == f.ClaimWindow })
	if i < 0 {
		bad("claim_window", "not a claim window of the plan")
	} else if !f.AttachedOn.IsZero() && !p.ClaimWindows[i].Opens.After(f.AttachedOn) {
		bad("claim_window", "the window opened before the family was attached")
	}
	if f.ClaimRoute != "SSP" && f.ClaimRoute != "CE" {
		bad("claim_route", "a claim without a route: SSP or CE")
	} else if f.ClaimRoute == "CE" && p.ContinuousEmployment == nil {
		bad("claim_route", "continuous employment is not a route under the plan")
	}
	if f.ClaimStatus != "SUBMITTED" && f.ClaimStatus != "PAID" {
		bad("claim_status", "with a claim: SUBMITTED or PAID")
	}
}
