package outcomes

import (
	"slices"
	"sort"
	"strconv"
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
	Eligible    bool              `json:"eligible"`
	Problems    []ProblemEvidence `json:"problems"`
	Dependants  bool              `json:"has_dependent_child_or_pregnancy"`
	Explanation []string          `json:"explanation"`
	MinProblems int               `json:"min_problems"`
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
	ClockStart  Moment   `json:"clock_start,omitzero"`
	SustainedAt Moment   `json:"sustained_at,omitzero"`
	Explanation string   `json:"explanation"`
	Facts       []string `json:"facts,omitempty"`
}

// Result is the family's result: achieved (route and moment), or the earliest moment a
// claim could be made if progress holds, and what blocks it.
type Result struct {
	Route           string   `json:"route,omitempty"`
	AchievedAt      Moment   `json:"achieved_at,omitzero"`
	EarliestClaimAt Moment   `json:"earliest_claim_at,omitzero"`
	Blocking        []string `json:"blocking,omitempty"`
	Explanation     []string `json:"explanation"`
}

// Judge judges a family at a moment under a plan. It is pure: the same inputs always give
// the same judgement.
func Judge(p *Plan, f *Family, at Moment) Judgement { return judge(p, f, at, true) }

// Evaluate is Judge without the explanations' words: the same statuses, dates, evidence
// ids and missing items, for batch work (projections over every family) that does not
// show them to a person.
func Evaluate(p *Plan, f *Family, at Moment) Judgement { return judge(p, f, at, false) }

func judge(p *Plan, f *Family, at Moment, words bool) Judgement {
	c := newCtx(p, f)
	c.words = words
	j := Judgement{Plan: p.Ref(), FamilyID: f.ID, At: at}
	j.Eligibility = c.eligibility(at)
	if a := f.Attachment; a != nil {
		j.Readiness = c.readiness(a)
		if !a.Date.After(at.Time) {
			j.Problems = c.problemStatuses(a, at)
		}
	}
	if p.ContinuousEmployment != nil {
		j.Employment = c.employment(at)
	}
	j.Result = c.result(j, at)
	return j
}

// ctx is one judgement's working set: the family's facts by feed and its members' ages,
// worked out once instead of for every indicator.
type ctx struct {
	p        *Plan
	f        *Family
	members  []memberAges
	indFacts [][]*Fact // by Indicator.index: the facts of its feed and event types
	words    bool      // write explanations
}

type memberAges struct {
	id        string
	birth     *Moment
	adultFrom Moment
	role      string
}

func newCtx(p *Plan, f *Family) *ctx {
	c := &ctx{p: p, f: f, members: make([]memberAges, len(f.Members)), indFacts: make([][]*Fact, p.indicators)}
	// Two passes: count, then fill one backing array, so that bucketing allocates once.
	counts := make([]int, p.indicators)
	total := 0
	for i := range f.Facts {
		for _, ind := range p.byFeed[f.Facts[i].Feed] {
			if slices.Contains(ind.EventTypes, f.Facts[i].Type) {
				counts[ind.index]++
				total++
			}
		}
	}
	backing := make([]*Fact, total)
	for i, n := range counts {
		c.indFacts[i], backing = backing[:0:n], backing[n:]
	}
	for i := range f.Facts {
		for _, ind := range p.byFeed[f.Facts[i].Feed] {
			if slices.Contains(ind.EventTypes, f.Facts[i].Type) {
				c.indFacts[ind.index] = append(c.indFacts[ind.index], &f.Facts[i])
			}
		}
	}
	for i, m := range f.Members {
		c.members[i] = memberAges{id: m.ID, birth: m.BirthDate, role: m.Role}
		if m.BirthDate != nil {
			c.members[i].adultFrom = Moment{m.BirthDate.In(London).AddDate(p.Eligibility.ChildMaxAge, 0, 0)}
		}
	}
	return c
}

// isChild says whether a person is a dependent child at a moment.
func (c *ctx) isChild(person string, when Moment) (child, known bool) {
	for _, m := range c.members {
		if m.id == person {
			if m.birth == nil {
				return m.role == "child", true
			}
			return when.Before(m.adultFrom.Time) && !when.Before(m.birth.Time), true
		}
	}
	return false, false
}

func (c *ctx) eligibility(at Moment) EligibilityResult {
	p := c.p
	r := EligibilityResult{MinProblems: p.Eligibility.MinProblems, Problems: c.evidenced(at)}
	for _, m := range c.f.Members {
		if child, _ := c.isChild(m.ID, at); child || (p.Eligibility.PregnancyCounts && m.Pregnant) {
			r.Dependants = true
		}
	}
	for _, pe := range r.Problems {
		if !c.words {
			break
		}
		var b strings.Builder
		b.WriteString(pe.Code + ": met by ")
		for i, h := range pe.Indicators {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(h.Code + " (evidence " + strings.Join(h.Facts, ", ") + ")")
		}
		r.Explanation = append(r.Explanation, b.String())
	}
	n := len(r.Problems)
	r.Eligible = n >= p.Eligibility.MinProblems && r.Dependants
	if !c.words {
		return r
	}
	switch {
	case n < p.Eligibility.MinProblems:
		r.Explanation = append(r.Explanation, "not eligible: "+strconv.Itoa(n)+" problems evidenced at "+at.String()+", the plan needs "+strconv.Itoa(p.Eligibility.MinProblems))
	case !r.Dependants:
		r.Explanation = append(r.Explanation, "not eligible: no dependent child"+map[bool]string{true: " or pregnancy", false: ""}[p.Eligibility.PregnancyCounts])
	default:
		r.Explanation = append(r.Explanation, "eligible: "+strconv.Itoa(n)+" problems evidenced (the plan needs "+strconv.Itoa(p.Eligibility.MinProblems)+"), with a dependent child or pregnancy")
	}
	return r
}

// evidenced returns the plan's problems that have at least one indicator met at the moment.
func (c *ctx) evidenced(at Moment) []ProblemEvidence {
	var out []ProblemEvidence
	for i := range c.p.Problems {
		pr := &c.p.Problems[i]
		var hits []IndicatorHit
		for j := range pr.Indicators {
			ind := &pr.Indicators[j]
			var facts []string
			if c.indicatorMet(ind, at, &facts) {
				hits = append(hits, IndicatorHit{Code: ind.Code, Facts: facts})
			}
		}
		if len(hits) > 0 {
			out = append(out, ProblemEvidence{Code: pr.Code, Indicators: hits})
		}
	}
	return out
}

// evidencedCount counts the problems evidenced at a moment.
func (c *ctx) evidencedCount(at Moment) int {
	n := 0
	for i := range c.p.Problems {
		for j := range c.p.Problems[i].Indicators {
			if c.indicatorMet(&c.p.Problems[i].Indicators[j], at, nil) {
				n++
				break
			}
		}
	}
	return n
}

// subjectMatches says whether a fact's person is the indicator's subject at the fact's time.
func (c *ctx) subjectMatches(ind *Indicator, fact *Fact, when Moment) bool {
	if ind.Subject == "any" {
		return true
	}
	child, known := c.isChild(fact.Person, when)
	return known && child == (ind.Subject == "child")
}

// facts returns the facts of the indicator's feed and event types (sorted out once per
// judgement: eligibility, readiness and progress all ask).
func (c *ctx) facts(ind *Indicator) []*Fact { return c.indFacts[ind.index] }

// indicatorMet says whether an indicator is met at a moment and, when ids is not nil,
// collects the ids of the facts that meet it.
func (c *ctx) indicatorMet(ind *Indicator, at Moment, ids *[]string) bool {
	if ind.Attendance != nil {
		return c.attendanceMet(ind, at, ids)
	}
	from := ind.Lookback.before(at, c.p.Terms)
	met := false
	for _, fact := range c.facts(ind) {
		var hit bool
		switch {
		case fact.Date != nil: // an event inside (from, at]
			hit = fact.Date.After(from.Time) && !fact.Date.After(at.Time) && c.subjectMatches(ind, fact, *fact.Date)
		case fact.Start != nil: // a spell overlapping (from, at]
			hit = !fact.Start.After(at.Time) && (fact.End == nil || fact.End.After(from.Time)) && c.subjectMatches(ind, fact, *fact.Start)
		}
		if hit {
			if ids == nil {
				return true
			}
			met = true
			*ids = append(*ids, fact.ID)
		}
	}
	return met
}

// attendanceFacts applies an attendance indicator per child over the look-back terms
// (those that started before the moment).
func (c *ctx) attendanceMet(ind *Indicator, at Moment, ids *[]string) bool {
	from := ind.Lookback.before(at, c.p.Terms)
	type totals struct {
		person                  string
		possible, missed, fixed int
		perm, alt               bool
		ids                     []string
	}
	children := make([]totals, 0, 4)
	for _, fact := range c.facts(ind) {
		t, ok := c.p.term(fact.Term)
		if !ok || t.Start.Before(from.Time) || !t.Start.Before(at.Time) || !c.subjectMatches(ind, fact, t.Start) {
			continue
		}
		i := slices.IndexFunc(children, func(t totals) bool { return t.person == fact.Person })
		if i < 0 {
			children = append(children, totals{person: fact.Person})
			i = len(children) - 1
		}
		tt := &children[i]
		tt.possible += fact.SessionsPossible
		tt.missed += fact.SessionsUnauthorised + fact.SessionsAuthorised
		tt.fixed += fact.FixedTermExclusions
		tt.perm = tt.perm || fact.PermanentExclusion
		tt.alt = tt.alt || fact.AlternativeProvision
		if ids != nil {
			tt.ids = append(tt.ids, fact.ID)
		}
	}
	met := false
	a := ind.Attendance
	for _, t := range children {
		absent := a.MaxAbsenceRate > 0 && t.possible > 0 && float64(t.missed) >= a.MaxAbsenceRate*float64(t.possible)
		excluded := a.MinFixedExclusions > 0 && t.fixed >= a.MinFixedExclusions
		if absent || excluded || (a.PermanentExclusion && t.perm) || (a.AlternativeProvided && t.alt) {
			met = true
			if ids == nil {
				return true
			}
			*ids = append(*ids, t.ids...)
		}
	}
	return met
}

func (c *ctx) readiness(a *Attachment) *Readiness {
	p := c.p
	r := &Readiness{}
	if n := c.evidencedCount(a.Date); n < p.Eligibility.MinProblems {
		r.Missing = append(r.Missing, "evidence against "+strconv.Itoa(p.Eligibility.MinProblems)+" or more problems ("+strconv.Itoa(n)+" evidenced at "+a.Date.String()+")")
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
func (c *ctx) problemStatuses(a *Attachment, at Moment) []ProblemStatus {
	var out []ProblemStatus
	for _, code := range a.Baseline {
		pr, ok := c.p.Problem(code)
		if !ok {
			out = append(out, ProblemStatus{Code: code, Status: Outstanding, Explanation: "the plan has no problem " + code})
			continue
		}
		out = append(out, c.problemStatus(pr, at))
	}
	return out
}

func (c *ctx) problemStatus(pr *Problem, at Moment) ProblemStatus {
	p, f := c.p, c.f
	st := ProblemStatus{Code: pr.Code}
	last, found, ongoing, facts := c.lastOccurrence(pr, at)
	st.Facts = facts
	switch {
	case ongoing:
		st.Status = Outstanding
		if c.words {
			st.Explanation = "still present at " + at.String() + " (evidence " + strings.Join(facts, ", ") + ")"
		}
		return st
	case !found:
		st.Status = Outstanding
		if c.words {
			st.Explanation = "no evidence of this problem is recorded, so progress cannot be shown"
		}
		return st
	}
	start := last
	if pr.Outcome.AfterClosure {
		if f.CaseClosed == nil || f.CaseClosed.After(at.Time) {
			st.Status, st.ClockStart = SignificantProgress, start
			if c.words {
				st.Explanation = "outcome met since " + start.String() + "; the " + pr.Outcome.Sustained.String() + " sustained period starts when the case closes"
			}
			return st
		}
		if f.CaseClosed.After(start.Time) {
			start = *f.CaseClosed
		}
	}
	st.ClockStart = start
	until, ok := pr.Outcome.Sustained.after(start, p.Terms)
	if !ok {
		st.Status = SignificantProgress
		if c.words {
			st.Explanation = "outcome met since " + start.String() + "; the plan's term dates do not reach the end of " + pr.Outcome.Sustained.String()
		}
		return st
	}
	st.SustainedAt = until
	if at.Before(until.Time) {
		st.Status = SignificantProgress
		if c.words {
			st.Explanation = "outcome met since " + start.String() + "; sustained on " + until.String() + " (" + pr.Outcome.Sustained.String() + ") if it holds"
		}
		return st
	}
	st.Status = Sustained
	if c.words {
		st.Explanation = "outcome met since " + start.String() + " and held for " + pr.Outcome.Sustained.String() + ": sustained on " + until.String()
	}
	return st
}

// lastOccurrence is when the problem was last present (an event's date, a spell's end, a
// bad term's end), whether it is present now, and the facts behind it.
func (c *ctx) lastOccurrence(pr *Problem, at Moment) (last Moment, found, ongoing bool, ids []string) {
	ids = make([]string, 0, 8)
	note := func(m Moment, id string) {
		if m.After(at.Time) {
			return
		}
		if !found || m.After(last.Time) {
			last, found = m, true
		}
		ids = append(ids, id)
	}
	for i := range pr.Indicators {
		ind := &pr.Indicators[i]
		for _, fact := range c.facts(ind) {
			switch {
			case ind.Attendance != nil:
				t, ok := c.p.term(fact.Term)
				if !ok || !t.Start.Before(at.Time) || !badTerm(ind.Attendance, fact) || !c.subjectMatches(ind, fact, t.Start) {
					continue
				}
				if t.End.After(at.Time) {
					ongoing = true
					ids = append(ids, fact.ID)
					continue
				}
				note(t.End, fact.ID)
			case fact.Date != nil:
				if c.subjectMatches(ind, fact, *fact.Date) {
					note(*fact.Date, fact.ID)
				}
			case fact.Start != nil:
				if fact.Start.After(at.Time) || !c.subjectMatches(ind, fact, *fact.Start) {
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
	return last, found, ongoing, slices.Compact(ids)
}

// badTerm says whether one census term shows the problem.
func badTerm(a *Attendance, fact *Fact) bool {
	missed := fact.SessionsUnauthorised + fact.SessionsAuthorised
	return (a.MaxAbsenceRate > 0 && fact.SessionsPossible > 0 && float64(missed) >= a.MaxAbsenceRate*float64(fact.SessionsPossible)) ||
		(a.MinFixedExclusions > 0 && fact.FixedTermExclusions > 0) ||
		(a.PermanentExclusion && fact.PermanentExclusion) || (a.AlternativeProvided && fact.AlternativeProvision)
}

func (c *ctx) result(j Judgement, at Moment) Result {
	p, f := c.p, c.f
	var r Result
	a := f.Attachment
	if a == nil || a.Date.After(at.Time) {
		if c.words {
			r.Explanation = append(r.Explanation, "not attached: no result can be claimed")
		}
		return r
	}
	var ssp, sspProjected Moment
	if len(a.Baseline) < p.Eligibility.MinProblems {
		if c.words {
			r.Explanation = append(r.Explanation, "no result by SSP: the baseline holds "+strconv.Itoa(len(a.Baseline))+" problems and the plan needs "+strconv.Itoa(p.Eligibility.MinProblems))
		}
	} else {
		allSustained, latest := true, a.Date
		for _, ps := range j.Problems {
			switch {
			case ps.SustainedAt.IsZero():
				allSustained = false
				r.Blocking = append(r.Blocking, ps.Code)
			default:
				if ps.Status != Sustained {
					allSustained = false
				}
				if ps.SustainedAt.After(latest.Time) {
					latest = ps.SustainedAt
				}
			}
		}
		if allSustained {
			ssp = latest
		} else if len(r.Blocking) == 0 {
			sspProjected = latest
		}
	}
	var ce, ceProjected Moment
	var ceWho string
	for _, e := range j.Employment {
		if !e.AchievedAt.IsZero() && (ce.IsZero() || e.AchievedAt.Before(ce.Time)) {
			ce, ceWho = maxMoment(e.AchievedAt, a.Date), e.Person
		}
		if !e.ProjectedAt.IsZero() && (ceProjected.IsZero() || e.ProjectedAt.Before(ceProjected.Time)) {
			ceProjected = maxMoment(e.ProjectedAt, a.Date)
		}
	}
	switch {
	case !ssp.IsZero() && (ce.IsZero() || !ce.Before(ssp.Time)):
		r.Route, r.AchievedAt, r.Blocking = RouteSSP, ssp, nil
		if c.words {
			r.Explanation = append(r.Explanation, "SSP achieved on "+ssp.String()+": every baseline problem sustained")
		}
	case !ce.IsZero():
		r.Route, r.AchievedAt, r.Blocking = RouteCE, ce, nil
		if c.words {
			r.Explanation = append(r.Explanation, "CE achieved on "+ce.String()+" by adult "+ceWho)
		}
	default:
		for _, m := range [2]Moment{sspProjected, ceProjected} {
			if !m.IsZero() && (r.EarliestClaimAt.IsZero() || m.Before(r.EarliestClaimAt.Time)) {
				r.EarliestClaimAt = m
			}
		}
		if !r.EarliestClaimAt.IsZero() {
			if c.words {
				r.Explanation = append(r.Explanation, "earliest claim on "+r.EarliestClaimAt.String()+" if progress holds")
			}
		}
		if len(r.Blocking) > 0 {
			if c.words {
				r.Explanation = append(r.Explanation, "blocked by outstanding problems: "+strings.Join(r.Blocking, ", "))
			}
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
