package outcomes

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

type validator struct {
	file string
	root *yaml.Node
	errs Errors
}

// fail records a problem at a field path such as problems[2].outcome.sustained.
func (v *validator) fail(path []any, format string, args ...any) {
	v.errs = append(
		v.errs,
		Error{File: v.file, Line: lineOf(v.root, path), Field: fieldName(path), Msg: fmt.Sprintf(format, args...)},
	)
}

func fieldName(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch x := p.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(x) + "]")
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(x)
		}
	}
	return b.String()
}

// walk follows path from the document's root. It returns the line of the deepest node
// found on the way, and whether the whole path exists.
func walk(root *yaml.Node, path []any) (line int, found bool) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line = max(n.Line, 1)
	for _, p := range path {
		var next *yaml.Node
		switch x := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == x {
						line, next = n.Content[i].Line, n.Content[i+1]
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && x >= 0 && x < len(n.Content) {
				next = n.Content[x]
				line = next.Line
			}
		}
		if next == nil {
			return line, false
		}
		n = next
	}
	return line, true
}

func lineOf(root *yaml.Node, path []any) int { l, _ := walk(root, path); return l }

func at(path []any, more ...any) []any { return append(slices.Clone(path), more...) }

func (v *validator) plan(p *Plan) {
	if !planIDPattern.MatchString(p.ID) {
		v.fail([]any{"id"}, "must be 3 to 64 lower-case letters, digits and dashes")
	}
	if p.Version < 1 {
		v.fail([]any{"version"}, "must be a whole number from 1")
	}
	if p.Title == "" {
		v.fail([]any{"title"}, "is required")
	}
	if p.EffectiveFrom.IsZero() {
		v.fail([]any{"effective_from"}, "is required")
	}
	if !p.EffectiveTo.IsZero() && !p.EffectiveTo.After(p.EffectiveFrom.Time) {
		v.fail([]any{"effective_to"}, "must be after effective_from")
	}
	if p.Eligibility.MinProblems < 1 {
		v.fail([]any{"eligibility", "min_problems"}, "must be at least 1")
	}
	if p.Eligibility.ChildMaxAge < 1 {
		v.fail([]any{"eligibility", "child_max_age"}, "must be at least 1")
	}
	if len(p.Problems) < p.Eligibility.MinProblems {
		v.fail([]any{"problems"}, "has %d problems, fewer than eligibility.min_problems", len(p.Problems))
	}
	codes := map[string]bool{}
	indicators := map[string]bool{}
	usesTerms := false
	for i, pr := range p.Problems {
		path := []any{"problems", i}
		if !codePattern.MatchString(pr.Code) {
			v.fail(at(path, "code"), "must be an upper-case code such as EDUCATION")
		} else if codes[pr.Code] {
			v.fail(at(path, "code"), "%s appears twice", pr.Code)
		}
		codes[pr.Code] = true
		if len(pr.Indicators) == 0 {
			v.fail(at(path, "indicators"), "needs at least one indicator")
		}
		for j, ind := range pr.Indicators {
			ip := at(path, "indicators", j)
			if !codePattern.MatchString(ind.Code) {
				v.fail(at(ip, "code"), "must be an upper-case code such as EDU-1")
			} else if indicators[ind.Code] {
				v.fail(at(ip, "code"), "%s appears twice", ind.Code)
			}
			indicators[ind.Code] = true
			types, known := feedEventTypes[ind.Feed]
			if !known {
				v.fail(at(ip, "feed"), "unknown feed %q", ind.Feed)
			}
			if len(ind.EventTypes) == 0 {
				v.fail(at(ip, "event_types"), "needs at least one event type")
			}
			for k, et := range ind.EventTypes {
				if known && !slices.Contains(types, et) {
					v.fail(
						at(ip, "event_types", k),
						"%s is not an event type of feed %s (%s)",
						et,
						ind.Feed,
						strings.Join(types, ", "),
					)
				}
			}
			if ind.Subject != "child" && ind.Subject != "adult" && ind.Subject != "any" {
				v.fail(at(ip, "subject"), "must be child, adult or any")
			}
			for k, r := range ind.Roles {
				if ind.Feed != "police" || !slices.Contains(PoliceRoles, r) {
					v.fail(at(ip, "roles", k), "roles apply to feed police and are %s", strings.Join(PoliceRoles, ", "))
				}
			}
			v.period(at(ip, "lookback"), ind.Lookback, p.TestPlan, true)
			usesTerms = usesTerms || ind.Lookback.Terms != 0
			if ind.Attendance != nil {
				if ind.Feed != "school_census" {
					v.fail(at(ip, "attendance"), "applies to feed school_census only")
				}
				if ind.Attendance.MaxAbsenceRate < 0 || ind.Attendance.MaxAbsenceRate >= 1 {
					v.fail(at(ip, "attendance", "max_absence_rate"), "must be a fraction from 0 to below 1, e.g. 0.10")
				}
				if ind.Lookback.Terms == 0 {
					v.fail(at(ip, "lookback"), "an attendance indicator looks back in terms")
				}
			} else if ind.Feed == "school_census" {
				v.fail(at(ip, "attendance"), "is required for feed school_census")
			}
		}
		v.period(at(path, "outcome", "sustained"), pr.Outcome.Sustained, p.TestPlan, true)
		usesTerms = usesTerms || pr.Outcome.Sustained.Terms != 0
	}
	if ce := p.ContinuousEmployment; ce != nil {
		for i, r := range ce.Rules {
			rp := []any{"continuous_employment", "rules", i}
			if len(r.Benefits) == 0 {
				v.fail(at(rp, "benefits"), "needs at least one former benefit")
			}
			for k, b := range r.Benefits {
				if b == "UC" || !slices.Contains(feedEventTypes["dwp_benefits"], b) {
					v.fail(
						at(rp, "benefits", k),
						"must be a legacy benefit (JSA, ESA, IS, IB): leaving for Universal Credit is never work",
					)
				}
			}
			byWindow := r.WeeksInWork > 0 && r.WithinWeeks >= r.WeeksInWork
			byRun := r.ConsecutiveWeeks > 0
			if byWindow == byRun {
				v.fail(rp, "give either weeks_in_work with within_weeks (>= weeks_in_work), or consecutive_weeks")
			}
		}
		v.period([]any{"continuous_employment", "uc_move_window"}, ce.UCMoveWindow, p.TestPlan, true)
	}
	if p.Money.AttachmentFeePence < 0 || p.Money.ResultPence <= 0 {
		v.fail([]any{"money"}, "result_pence must be positive and attachment_fee_pence not negative")
	}
	if p.Money.ConversionAssumption < 0 || p.Money.ConversionAssumption > 1 {
		v.fail([]any{"money", "conversion_assumption"}, "must be a fraction from 0 to 1")
	}
	if p.FamilyCap < 1 {
		v.fail([]any{"family_cap"}, "must be at least 1")
	}
	if p.AuditSampleRate <= 0 || p.AuditSampleRate > 1 {
		v.fail([]any{"audit_sample_rate"}, "must be a fraction above 0 and at most 1")
	}
	for i, y := range p.Profiles {
		if !yearPattern.MatchString(y.Year) {
			v.fail([]any{"profiles", i, "year"}, "must look like 2015/16")
		}
		if y.Starts.IsZero() {
			v.fail([]any{"profiles", i, "starts"}, "is required")
		}
	}
	for i, w := range p.ClaimWindows {
		if w.ID == "" || !w.Closes.After(w.Opens.Time) {
			v.fail([]any{"claim_windows", i}, "needs an id, and closes after it opens")
		}
	}
	for i, t := range p.Terms {
		if !termPattern.MatchString(t.Code) {
			v.fail([]any{"terms", i, "code"}, "must look like 2016-AUT, 2017-SPR or 2017-SUM")
		}
		if !t.End.After(t.Start.Time) {
			v.fail([]any{"terms", i, "end"}, "must be after start")
		}
		if i > 0 && t.Start.Before(p.Terms[i-1].End.Time) {
			v.fail([]any{"terms", i, "start"}, "overlaps the term before it")
		}
	}
	if usesTerms && len(p.Terms) == 0 {
		v.fail([]any{"terms"}, "the plan counts periods in terms, so it needs the school term dates")
	}
	for i, d := range p.Defaults {
		if _, ok := walk(v.root, splitPath(d)); !ok || d == "" {
			v.fail([]any{"defaults", i}, "%q names no value in this file", d)
		}
	}
}

func (v *validator) period(path []any, p Period, testPlan, required bool) {
	_, set := p.units()
	switch {
	case set == 0 && required:
		v.fail(path, "give exactly one of terms, months, weeks, days")
	case set > 1:
		v.fail(path, "give exactly one unit, not %d", set)
	case (p.Minutes != 0 || p.Seconds != 0) && !testPlan:
		v.fail(path, "minutes and seconds are for test plans only (test_plan: true)")
	}
	for _, n := range []int{p.Terms, p.Months, p.Weeks, p.Days, p.Minutes, p.Seconds} {
		if n < 0 {
			v.fail(path, "must not be negative")
		}
	}
}

// splitPath reads "problems[2].outcome.sustained" into {"problems", 2, "outcome", "sustained"}.
func splitPath(s string) []any {
	var out []any
	for _, part := range strings.Split(s, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			out = append(out, name)
		}
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			n, _ := strconv.Atoi(idx)
			out = append(out, n)
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return out
}
