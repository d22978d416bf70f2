package outcomes

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Status of a baseline problem.
const (
	Outstanding         = "OUTSTANDING"
	SignificantProgress = "SIGNIFICANT_PROGRESS" // outcome met, sustaining until SustainedAt
	Sustained           = "SUSTAINED"
)

// Result routes.
const (
	RouteSSP = "SSP" // significant and sustained progress
	RouteCE  = "CE"  // continuous employment
)

// Judgement is the engine's answer for one family at one moment, with its reasons.
type Judgement struct {
	Plan        Ref                `json:"plan"`
	FamilyID    string             `json:"family_id"`
	At          Moment             `json:"at"`
	Eligibility EligibilityResult  `json:"eligibility"`
	Readiness   *Readiness         `json:"attachment_readiness,omitempty"`
	Problems    []ProblemStatus    `json:"problems,omitempty"`
	Employment  []EmploymentStatus `json:"employment,omitempty"`
	Result      Result             `json:"result"`
}

// EligibilityResult says whether the family is eligible at the moment, and on what evidence.
type EligibilityResult struct {
	Eligible     bool              `json:"eligible"`
	Problems     []ProblemEvidence `json:"problems"`
	Dependants   bool              `json:"has_dependent_child_or_pregnancy"`
	Explanation  []string          `json:"explanation"`
	MinProblems  int               `json:"min_problems"`
}

// ProblemEvidence is a problem evidenced at the moment, with the indicators that met it.
type ProblemEvidence struct {
	Code       string         `json:"code"`
	Indicators []IndicatorHit `json:"indicators"`
}

// IndicatorHit is an indicator met, with the evidence rows behind it.
type IndicatorHit struct {
	Code  string   `json:"code"`
	Facts []string `json:"facts"`
}

// Readiness answers whether the family can be attached, and what is missing.
type Readiness struct {
	Ready   bool     `json:"ready"`
	Missing []string `json:"missing"`
}

// ProblemStatus is one baseline problem's progress.
type ProblemStatus struct {
	Code        string   `json:"code"`
	Status      string   `json:"status"`
	ClockStart  *Moment  `json:"clock_start,omitempty"`
	SustainedAt *Moment  `json:"sustained_at,omitempty"`
	Explanation string   `json:"explanation"`
	Facts       []string `json:"facts,omitempty"`
}

// Result is the family's result: achieved (route and moment), or the earliest moment a
// claim could be made if progress holds, and what blocks it.
type Result struct {
	Route           string   `json:"route,omitempty"`
	AchievedAt      *Moment  `json:"achieved_at,omitempty"`
	EarliestClaimAt *Moment  `json:"earliest_claim_at,omitempty"`
	Blocking        []string `json:"blocking,omitempty"`
	Explanation     []string `json:"explanation"`
}

// Judge judges a family at a moment under a plan. It is pure: the same inputs always give
// the same judgement.
func Judge(p *Plan, f *Family, at Moment) Judgement {
	j := Judgement{Plan: p.Ref(), FamilyID: f.ID, At: at}
	j.Eligibility = eligibility(p, f, at)
	if a := f.Attachment; a != nil {
		j.Readiness = readiness(p, f, a)
		if !a.Date.After(at.Time) {
			j.Problems = problemStatuses(p, f, a, at)
		}
	}
	if p.ContinuousEmployment != nil {
		j.Employment = employment(p, f, at)
	}
	j.Result = result(p, f, j, at)
	return j
}

func eligibility(p *Plan, f *Family, at Moment) EligibilityResult {
	r := EligibilityResult{MinProblems: p.Eligibility.MinProblems, Problems: evidenced(p, f, at)}
	for _, m := range f.Members {
		if m.isChild(at, p.Eligibility.ChildMaxAge) || (p.Eligibility.PregnancyCounts && m.Pregnant) {
			r.Dependants = true
		}
	}
	for _, pe := range r.Problems {
		var inds []string
		for _, h := range pe.Indicators {
			inds = append(inds, fmt.Sprintf("%s (evidence %s)", h.Code, strings.Join(h.Facts, ", ")))
		}
		r.Explanation = append(r.Explanation, fmt.Sprintf("%s: met by %s", pe.Code, strings.Join(inds, "; ")))
	}
	n := len(r.Problems)
	switch {
	case n < p.Eligibility.MinProblems:
		r.Explanation = append(r.Explanation, fmt.Sprintf("not eligible: %d problems evidenced at %s, the plan needs %d", n, at, p.Eligibility.MinProblems))
	case !r.Dependants:
		r.Explanation = append(r.Explanation, "not eligible: no dependent child"+map[bool]string{true: " or pregnancy", false: ""}[p.Eligibility.PregnancyCounts])
	default:
		r.Eligible = true
		r.Explanation = append(r.Explanation, fmt.Sprintf("eligible: %d problems evidenced (the plan needs %d), with a dependent child or pregnancy", n, p.Eligibility.MinProblems))
	}
	return r
}

// evidenced returns the plan's problems that have at least one indicator met at the moment.
func evidenced(p *Plan, f *Family, at Moment) []ProblemEvidence {
	var out []ProblemEvidence
	for _, pr := range p.Problems {
		var hits []IndicatorHit
		for _, ind := range pr.Indicators {
			if facts := indicatorFacts(p, f, ind, at); len(facts) > 0 {
				hits = append(hits, IndicatorHit{Code: ind.Code, Facts: facts})
			}
		}
		if len(hits) > 0 {
			out = append(out, ProblemEvidence{Code: pr.Code, Indicators: hits})
		}
	}
	return out
}

// subjectMatches says whether a fact's person is the indicator's subject at the fact's time.
func subjectMatches(p *Plan, f *Family, ind Indicator, fact Fact, when Moment) bool {
	if ind.Subject == "any" {
		return true
	}
	for _, m := range f.Members {
		if m.ID == fact.Person {
			return m.isChild(when, p.Eligibility.ChildMaxAge) == (ind.Subject == "child")
		}
	}
	return false
}

func factMatches(ind Indicator, fact Fact) bool {
	return fact.Feed == ind.Feed && slices.Contains(ind.EventTypes, fact.Type)
}

// indicatorFacts returns the ids of the facts that meet an indicator at a moment.
func indicatorFacts(p *Plan, f *Family, ind Indicator, at Moment) []string {
	if ind.Attendance != nil {
		return attendanceFacts(p, f, ind, at)
	}
	from := ind.Lookback.before(at, p.Terms)
	var ids []string
	for _, fact := range f.Facts {
		if !factMatches(ind, fact) {
			continue
		}
		switch {
		case fact.Date != nil: // an event inside (from, at]
			if fact.Date.After(from.Time) && !fact.Date.After(at.Time) && subjectMatches(p, f, ind, fact, *fact.Date) {
				ids = append(ids, fact.ID)
			}
		case fact.Start != nil: // a spell overlapping (from, at]
			if !fact.Start.After(at.Time) && (fact.End == nil || fact.End.After(from.Time)) && subjectMatches(p, f, ind, fact, *fact.Start) {
				ids = append(ids, fact.ID)
			}
		}
	}
	return ids
}

// attendanceFacts applies an attendance indicator per child over the look-back terms
// (those that started before the moment).
func attendanceFacts(p *Plan, f *Family, ind Indicator, at Moment) []string {
	from := ind.Lookback.before(at, p.Terms)
	type totals struct {
		possible, missed, fixed int
		perm, alt               bool
		ids                     []string
	}
	byChild := map[string]*totals{}
	var order []string
	for _, fact := range f.Facts {
		if !factMatches(ind, fact) {
			continue
		}
		t, ok := p.Terms.term(fact.Term)
		if !ok || t.Start.Before(from.Time) || !t.Start.Before(at.Time) || !subjectMatches(p, f, ind, fact, t.Start) {
			continue
		}
		tt := byChild[fact.Person]
		if tt == nil {
			tt = &totals{}
			byChild[fact.Person] = tt
			order = append(order, fact.Person)
		}
		tt.possible += fact.SessionsPossible
		tt.missed += fact.SessionsUnauthorised + fact.SessionsAuthorised
		tt.fixed += fact.FixedTermExclusions
		tt.perm = tt.perm || fact.PermanentExclusion
		tt.alt = tt.alt || fact.AlternativeProvision
		tt.ids = append(tt.ids, fact.ID)
	}
	var ids []string
	a := ind.Attendance
	for _, c := range order {
		t := byChild[c]
		absent := a.MaxAbsenceRate > 0 && t.possible > 0 && float64(t.missed) >= a.MaxAbsenceRate*float64(t.possible)
		excluded := a.MinFixedExclusions > 0 && t.fixed >= a.MinFixedExclusions
		if absent || excluded || (a.PermanentExclusion && t.perm) || (a.AlternativeProvided && t.alt) {
			ids = append(ids, t.ids...)
		}
	}
	return ids
}

func readiness(p *Plan, f *Family, a *Attachment) *Readiness {
	r := &Readiness{}
	ev := evidenced(p, f, a.Date)
	if len(ev) < p.Eligibility.MinProblems {
		r.Missing = append(r.Missing, fmt.Sprintf("evidence against %d or more problems (%d evidenced at %s)", p.Eligibility.MinProblems, len(ev), a.Date))
	}
	if !a.Assessment {
		r.Missing = append(r.Missing, "a whole-family assessment")
	}
	if !a.FamilyPlan {
		r.Missing = append(r.Missing, "a family plan linked to the Outcomes Plan")
	}
	if !a.LeadProfessional {
		r.Missing = append(r.Missing, "a lead professional")
	}
	r.Ready = len(r.Missing) == 0
	return r
}

// problemStatuses judges each baseline problem: its clock starts at its last occurrence in
// any member (so a recurrence restarts it) and runs for the outcome's sustained period.
func problemStatuses(p *Plan, f *Family, a *Attachment, at Moment) []ProblemStatus {
	var out []ProblemStatus
	for _, code := range a.Baseline {
		pr, ok := p.Problem(code)
		if !ok {
			out = append(out, ProblemStatus{Code: code, Status: Outstanding, Explanation: "the plan has no problem " + code})
			continue
		}
		out = append(out, problemStatus(p, f, pr, at))
	}
	return out
}

func problemStatus(p *Plan, f *Family, pr *Problem, at Moment) ProblemStatus {
	st := ProblemStatus{Code: pr.Code}
	last, ongoing, facts := lastOccurrence(p, f, pr, at)
	st.Facts = facts
	switch {
	case ongoing:
		st.Status, st.Explanation = Outstanding, "still present at "+at.String()+" (evidence "+strings.Join(facts, ", ")+")"
		return st
	case last == nil:
		st.Status, st.Explanation = Outstanding, "no evidence of this problem is recorded, so progress cannot be shown"
		return st
	}
	start := *last
	if pr.Outcome.AfterClosure {
		if f.CaseClosed == nil || f.CaseClosed.After(at.Time) {
			st.Status, st.ClockStart = SignificantProgress, &start
			st.Explanation = "outcome met since " + start.String() + "; the " + pr.Outcome.Sustained.String() + " sustained period starts when the case closes"
			return st
		}
		if f.CaseClosed.After(start.Time) {
			start = *f.CaseClosed
		}
	}
	st.ClockStart = &start
	until, ok := pr.Outcome.Sustained.after(start, p.Terms)
	if !ok {
		st.Status = SignificantProgress
		st.Explanation = "outcome met since " + start.String() + "; the plan's term dates do not reach the end of " + pr.Outcome.Sustained.String()
		return st
	}
	st.SustainedAt = &until
	if at.Before(until.Time) {
		st.Status = SignificantProgress
		st.Explanation = fmt.Sprintf("outcome met since %s; sustained on %s (%s) if it holds", start, until, pr.Outcome.Sustained)
		return st
	}
	st.Status = Sustained
	st.Explanation = fmt.Sprintf("outcome met since %s and held for %s: sustained on %s", start, pr.Outcome.Sustained, until)
	return st
}

// lastOccurrence is when the problem was last present (an event's date, a spell's end, a
// bad term's end), whether it is present now, and the facts behind it.
func lastOccurrence(p *Plan, f *Family, pr *Problem, at Moment) (*Moment, bool, []string) {
	var last *Moment
	var ids []string
	ongoing := false
	note := func(m Moment, id string) {
		if m.After(at.Time) {
			return
		}
		if last == nil || m.After(last.Time) {
			mm := m
			last = &mm
		}
		ids = append(ids, id)
	}
	for _, ind := range pr.Indicators {
		for _, fact := range f.Facts {
			if !factMatches(ind, fact) {
				continue
			}
			switch {
			case ind.Attendance != nil:
				t, ok := p.Terms.term(fact.Term)
				if !ok || !t.Start.Before(at.Time) || !badTerm(ind.Attendance, fact) || !subjectMatches(p, f, ind, fact, t.Start) {
					continue
				}
				if t.End.After(at.Time) {
					ongoing = true
					ids = append(ids, fact.ID)
					continue
				}
				note(t.End, fact.ID)
			case fact.Date != nil:
				if subjectMatches(p, f, ind, fact, *fact.Date) {
					note(*fact.Date, fact.ID)
				}
			case fact.Start != nil:
				if fact.Start.After(at.Time) || !subjectMatches(p, f, ind, fact, *fact.Start) {
					continue
				}
				if fact.End == nil || fact.End.After(at.Time) {
					ongoing = true
					ids = append(ids, fact.ID)
					continue
				}
				note(*fact.End, fact.ID)
			}
		}
	}
	sort.Strings(ids)
	return last, ongoing, slices.Compact(ids)
}

// badTerm says whether one census term shows the problem.
func badTerm(a *Attendance, fact Fact) bool {
	missed := fact.SessionsUnauthorised + fact.SessionsAuthorised
	return (a.MaxAbsenceRate > 0 && fact.SessionsPossible > 0 && float64(missed) >= a.MaxAbsenceRate*float64(fact.SessionsPossible)) ||
		(a.MinFixedExclusions > 0 && fact.FixedTermExclusions > 0) ||
		(a.PermanentExclusion && fact.PermanentExclusion) || (a.AlternativeProvided && fact.AlternativeProvision)
}

func result(p *Plan, f *Family, j Judgement, at Moment) Result {
	var r Result
	a := f.Attachment
	if a == nil || a.Date.After(at.Time) {
		r.Explanation = []string{"not attached: no result can be claimed"}
		return r
	}
	var ssp, sspProjected *Moment
	if len(a.Baseline) < p.Eligibility.MinProblems {
		r.Explanation = append(r.Explanation, fmt.Sprintf("no result by SSP: the baseline holds %d problems and the plan needs %d", len(a.Baseline), p.Eligibility.MinProblems))
	} else {
		allSustained, latest := true, a.Date
		for _, ps := range j.Problems {
			switch {
			case ps.SustainedAt == nil:
				allSustained = false
				r.Blocking = append(r.Blocking, ps.Code)
			default:
				if ps.Status != Sustained {
					allSustained = false
				}
				if ps.SustainedAt.After(latest.Time) {
					latest = *ps.SustainedAt
				}
			}
		}
		if allSustained {
			ssp = &latest
		} else if len(r.Blocking) == 0 {
			sspProjected = &latest
		}
	}
	var ce, ceProjected *Moment
	var ceWho string
	for _, e := range j.Employment {
		if e.AchievedAt != nil && (ce == nil || e.AchievedAt.Before(ce.Time)) {
			m := maxMoment(*e.AchievedAt, a.Date)
			ce, ceWho = &m, e.Person
		}
		if e.ProjectedAt != nil && (ceProjected == nil || e.ProjectedAt.Before(ceProjected.Time)) {
			m := maxMoment(*e.ProjectedAt, a.Date)
			ceProjected = &m
		}
	}
	switch {
	case ssp != nil && (ce == nil || !ce.Before(ssp.Time)):
		r.Route, r.AchievedAt, r.Blocking = RouteSSP, ssp, nil
		r.Explanation = append(r.Explanation, "SSP achieved on "+ssp.String()+": every baseline problem sustained")
	case ce != nil:
		r.Route, r.AchievedAt, r.Blocking = RouteCE, ce, nil
		r.Explanation = append(r.Explanation, "CE achieved on "+ce.String()+" by adult "+ceWho)
	default:
		for _, m := range []*Moment{sspProjected, ceProjected} {
			if m != nil && (r.EarliestClaimAt == nil || m.Before(r.EarliestClaimAt.Time)) {
				r.EarliestClaimAt = m
			}
		}
		if r.EarliestClaimAt != nil {
			r.Explanation = append(r.Explanation, "earliest claim on "+r.EarliestClaimAt.String()+" if progress holds")
		}
		if len(r.Blocking) > 0 {
			r.Explanation = append(r.Explanation, "blocked by outstanding problems: "+strings.Join(r.Blocking, ", "))
		}
	}
	return r
}

func maxMoment(a, b Moment) Moment {
	if a.After(b.Time) {
		return a
	}
	return b
}
