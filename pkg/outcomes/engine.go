package outcomes

import (
	"slices"
	"strconv"
	"sync"
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

// EngineVersion names the rules as this engine applies them. It changes with every change
// to how a family is judged, and every judgement records it beside the plan's version and
// hash, so that a claim can be judged again years later and a change of rules found.
//   - 1: the rules until 2026-12 (no engine version was recorded).
//   - 2: the evidence-gap rulings (docs/outcomes.md): coverage, census rows for every term
//     counted, worklessness in the UC gap, continuous employment in days, progress counted
//     from attachment, blocking lists outstanding problems only.
const EngineVersion = "2"

// Judge judges a family at a moment under a plan. It is pure: the same inputs always give
// the same judgement.
func Judge(p *Plan, f *Family, at Moment) Judgement { return judge(p, f, at, true) }

// Evaluate is Judge without the explanations' words: the same statuses, dates, evidence
// ids and missing items, for batch work (projections over every family) that does not
// show them to a person.
func Evaluate(p *Plan, f *Family, at Moment) Judgement { return judge(p, f, at, false) }

func judge(p *Plan, f *Family, at Moment, words bool) Judgement {
	c := newEvaluation(p, f)
	defer c.release()
	c.words = words
	j := Judgement{Plan: p.Ref(), Engine: EngineVersion, FamilyID: f.ID, At: at}
	a := f.Attachment
	attached := a != nil && !a.Date.After(at.Time)
	if attached {
		j.Eligibility = c.eligibility(a.Date, true)
	} else {
		j.Eligibility = c.eligibility(at, false)
	}
	if a != nil {
		j.Readiness = c.readiness(a)
		if attached {
			j.Problems = c.problemStatuses(a, at)
		}
	}
	if p.ContinuousEmployment != nil {
		j.Employment = c.employment(at)
	}
	j.Result = c.result(j, at)
	return j
}

// evaluation is one judgement's working set: the family's facts sorted out by indicator, each
// fact's member and term, and members' ages, worked out once instead of for every rule.
type evaluation struct {
	p        *Plan
	f        *Family
	members  []memberAges
	facts    []factInfo // by position in f.Facts
	indFacts [][]int32  // by Indicator.index: positions of the facts of its feed and event types
	// ids backs every list of evidence ids in the judgement: each list is carved from it with
	// a full slice expression, so that a judgement allocates a few arrays instead of one a list.
	ids   []string
	words bool // write explanations
	t     text // builds them

	counts, backing []int32   // newEvaluation's scratch, kept for the next judgement
	factInds        [][]int32 // newEvaluation's scratch: each fact's indicators
	benefits, work  []int32   // positions of benefit spells and work spells, for continuous employment
	progress        []int32   // positions of caseworkers' evidence of training, volunteering or job search
	lookbacks       []lookback
	occs            []occurrence // history's scratch: the problem's occurrences
	// awaits backs every Awaiting list of the judgement, as ids backs the evidence ids.
	awaits []Awaiting
}

// lookback remembers where a look-back window starts for a moment under a plan's calendar:
// judgements ask the same few (period, moment) pairs for every indicator and, in a batch, for
// every family; each answer is calendar arithmetic. Kept in the pooled evaluation, up to maxLookbacks.
type lookback struct {
	plan     *Plan
	period   Period
	at, from Moment
}

const maxLookbacks = 32

// evaluations keeps working sets between judgements: what a judgement returns never points into
// them (evidence ids have their own array), so only scratch is reused.
var evaluations = sync.Pool{New: func() any { return new(evaluation) }}

// release returns the working set to the pool, dropping its references to the family.
func (c *evaluation) release() {
	clear(c.members)
	c.p, c.f, c.ids, c.awaits = nil, nil, nil, nil
	evaluations.Put(c)
}

// resize returns s with length n, reusing its array when it is big enough.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// lookbackStart is where the period looking back from at starts.
func (c *evaluation) lookbackStart(p Period, at Moment) Moment {
	for i := range c.lookbacks {
		if l := &c.lookbacks[i]; l.plan == c.p && l.period == p && l.at.Equal(at.Time) {
			return l.from
		}
	}
	from := p.before(at, c.p.Terms)
	if len(c.lookbacks) == maxLookbacks {
		c.lookbacks = c.lookbacks[:0]
	}
	c.lookbacks = append(c.lookbacks, lookback{plan: c.p, period: p, at: at, from: from})
	return from
}

type memberAges struct {
	id        string
	birth     *Moment
	adultFrom Moment
	role      string
}

// factInfo is what a judgement needs to know of a fact beyond its fields.
type factInfo struct {
	member int32 // position in the family's members; -1 when the person is not a member
	term   int32 // position in the plan's terms; -1 when the fact names none the plan knows
}

func newEvaluation(p *Plan, f *Family) *evaluation {
	c := evaluations.Get().(*evaluation)
	c.p, c.f = p, f
	c.ids = make(
		[]string,
		0,
		2*len(f.Facts)+8,
	) // about what a judgement cites (eligibility and progress); more grows it
	c.members, c.facts = resize(c.members, len(f.Members)), resize(c.facts, len(f.Facts))
	c.indFacts, c.counts = resize(c.indFacts, p.indicators), resize(c.counts, p.indicators)
	c.factInds = resize(c.factInds, len(f.Facts))
	c.benefits, c.work, c.progress = c.benefits[:0], c.work[:0], c.progress[:0]
	for i, m := range f.Members {
		c.members[i] = memberAges{id: m.ID, birth: m.BirthDate, role: m.Role}
		if m.BirthDate != nil {
			c.members[i].adultFrom = Moment{m.BirthDate.In(London).AddDate(p.Eligibility.ChildMaxAge, 0, 0)}
		}
	}
	// One lookup a fact; then count and fill one backing array, so that bucketing allocates once.
	counts := c.counts
	total := int32(0)
	for i := range f.Facts {
		fact := &f.Facts[i]
		c.facts[i] = factInfo{member: c.memberIndex(fact.Person), term: -1}
		if fact.Term != "" {
			c.facts[i].term = p.termAt(fact.Term)
		}
		working := fact.Feed == feedBenefits && fact.Type == "UC" && fact.UCRegime == "WORKING"
		switch {
		case working: // UC in the working regime is evidence of work, not an out-of-work benefit
			c.work = append(c.work, int32(i))
		case fact.Feed == feedBenefits:
			c.benefits = append(c.benefits, int32(i))
		case fact.Feed == feedEmployment:
			c.work = append(c.work, int32(i))
		case fact.Feed == caseworkerFeed && slices.Contains(progressToWork, fact.Type):
			c.progress = append(c.progress, int32(i))
		}
		prev := &f.Facts[max(i-1, 0)]
		switch {
		case working:
			c.factInds[i] = nil
		case i > 0 && fact.Feed == prev.Feed && fact.Type == prev.Type && fact.UCRegime == prev.UCRegime:
			c.factInds[i] = c.factInds[i-1] // extracts come in runs of one feed and type
		default:
			c.factInds[i] = p.byFact[feedType{fact.Feed, fact.Type}]
		}
		for _, ind := range c.factInds[i] {
			counts[ind]++
			total++
		}
	}
	c.backing = resize(c.backing, int(total))
	backing := c.backing
	for i, n := range counts {
		c.indFacts[i], backing = backing[:0:n], backing[n:]
	}
	for i, inds := range c.factInds {
		for _, ind := range inds {
			c.indFacts[ind] = append(c.indFacts[ind], int32(i))
		}
	}
	return c
}

func (c *evaluation) memberIndex(person string) int32 {
	for i := range c.members {
		if c.members[i].id == person {
			return int32(i)
		}
	}
	return -1
}

// childAt says whether a member (by position) is a dependent child at a moment.
func (c *evaluation) childAt(member int32, when Moment) (child, known bool) {
	if member < 0 {
		return false, false
	}
	m := &c.members[member]
	if m.birth == nil {
		return m.role == "child", true
	}
	return when.Before(m.adultFrom.Time) && !when.Before(m.birth.Time), true
}

// carve returns the evidence ids appended to c.ids since start, as a list of their own.
func (c *evaluation) carve(start int) []string {
	end := len(c.ids)
	if end == start {
		return nil
	}
	return c.ids[start:end:end]
}

// eligibility judges eligibility at a moment: the attachment date for an attached family.
func (c *evaluation) eligibility(at Moment, atAttachment bool) EligibilityResult {
	p := c.p
	r := EligibilityResult{At: at, MinProblems: p.Eligibility.MinProblems, Problems: c.evidenced(at)}
	for i, m := range c.f.Members {
		if child, _ := c.childAt(int32(i), at); child || (p.Eligibility.PregnancyCounts && m.Pregnant) {
			r.Dependants = true
		}
	}
	n := len(r.Problems)
	r.Eligible = n >= p.Eligibility.MinProblems && r.Dependants
	if !c.words {
		return r
	}
	for _, pe := range r.Problems {
		c.t.s(pe.Code, ": met by ")
		for i, h := range pe.Indicators {
			if i > 0 {
				c.t.s("; ")
			}
			c.t.s(h.Code, " (evidence ").list(h.Facts).s(")")
		}
		c.t.end()
	}
	if atAttachment {
		c.t.s("at attachment on ").m(at).s(", ")
	}
	switch {
	case n < p.Eligibility.MinProblems:
		c.t.s("not eligible: ").
			count(n, "problem").
			s(" evidenced at ").
			m(at).
			s(", the plan needs ").
			n(p.Eligibility.MinProblems)
	case !r.Dependants:
		c.t.s("not eligible: no dependent child")
		if p.Eligibility.PregnancyCounts {
			c.t.s(" or pregnancy")
		}
	default:
		c.t.s("eligible: ").
			count(n, "problem").
			s(" evidenced (the plan needs ").
			n(p.Eligibility.MinProblems).
			s("), with a dependent child")
		if p.Eligibility.PregnancyCounts {
			c.t.s(" or pregnancy")
		}
	}
	c.t.end()
	r.Explanation = c.t.lines()
	return r
}

// evidenced returns the plan's problems that have at least one indicator met at the moment.
// Hits gather on the stack first, so that the answer takes two exact-size arrays.
func (c *evaluation) evidenced(at Moment) []ProblemEvidence {
	var hitBuf [24]IndicatorHit
	var lastBuf [12]int // per problem, where its hits end; -1 when it has none
	hits, last := hitBuf[:0], lastBuf[:0]
	for i := range c.p.Problems {
		pr := &c.p.Problems[i]
		first := len(hits)
		for j := range pr.Indicators {
			ind := &pr.Indicators[j]
			start := len(c.ids)
			if c.indicatorMet(ind, at, true) {
				hits = append(hits, IndicatorHit{Code: ind.Code, Facts: c.carve(start)})
			}
		}
		last = append(last, -1)
		if len(hits) > first {
			last[i] = len(hits)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	kept := slices.Clone(hits) // a variable of its own, so that hitBuf stays on the stack
	var out []ProblemEvidence
	first := 0
	for i, end := range last {
		if end < 0 {
			continue
		}
		if out == nil {
			out = make([]ProblemEvidence, 0, len(last)-i)
		}
		out = append(out, ProblemEvidence{Code: c.p.Problems[i].Code, Indicators: kept[first:end:end]})
		first = end
	}
	return out
}

// evidencedCount counts the problems evidenced at a moment.
func (c *evaluation) evidencedCount(at Moment) int {
	n := 0
	for i := range c.p.Problems {
		for j := range c.p.Problems[i].Indicators {
			if c.indicatorMet(&c.p.Problems[i].Indicators[j], at, false) {
				n++
				break
			}
		}
	}
	return n
}

// subjectMatches says whether a fact's person (by the fact's position) is the indicator's
// subject at the fact's time.
func (c *evaluation) subjectMatches(ind *Indicator, fact int32, when Moment) bool {
	if role := c.f.Facts[fact].Role; len(ind.Roles) > 0 && role != "" && !slices.Contains(ind.Roles, role) {
		return false
	}
	if ind.Subject == "any" {
		return true
	}
	child, known := c.childAt(c.facts[fact].member, when)
	return known && child == (ind.Subject == "child")
}

// indicatorMet says whether an indicator is met at a moment and, when collect is set,
// appends the ids of the facts that meet it to c.ids.
func (c *evaluation) indicatorMet(ind *Indicator, at Moment, collect bool) bool {
	if ind.Attendance != nil {
		return c.attendanceMet(ind, at, collect)
	}
	from := c.lookbackStart(ind.Lookback, at)
	met := false
	for _, i := range c.indFacts[ind.index] {
		fact := &c.f.Facts[i]
		var hit bool
		switch {
		case fact.Date != nil: // an event inside (from, at]
			hit = fact.Date.After(from.Time) && !fact.Date.After(at.Time) && c.subjectMatches(ind, i, *fact.Date)
		case fact.Start != nil: // a spell overlapping (from, at]
			hit = !fact.Start.After(at.Time) && (fact.End == nil || fact.End.After(from.Time)) &&
				c.subjectMatches(ind, i, *fact.Start)
		}
		if hit {
			if !collect {
				return true
			}
			met = true
			c.ids = append(c.ids, fact.ID)
		}
	}
	return met
}

// attendanceMet applies an attendance indicator per child over the look-back terms (those
// that started before the moment): totals per child first, then the ids of the children
// that meet it.
func (c *evaluation) attendanceMet(ind *Indicator, at Moment, collect bool) bool {
	from := c.lookbackStart(ind.Lookback, at)
	type totals struct {
		member                  int32
		possible, missed, fixed int
		perm, alt, met          bool
	}
	var buf [8]totals
	children := buf[:0]
	inWindow := func(i int32) bool {
		ti := c.facts[i].term
		if ti < 0 {
			return false
		}
		t := &c.p.Terms[ti]
		return !t.Start.Before(from.Time) && t.Start.Before(at.Time) && c.subjectMatches(ind, i, t.Start)
	}
	for _, i := range c.indFacts[ind.index] {
		if !inWindow(i) {
			continue
		}
		fact, member := &c.f.Facts[i], c.facts[i].member
		k := slices.IndexFunc(children, func(t totals) bool { return t.member == member })
		if k < 0 {
			children = append(children, totals{member: member})
			k = len(children) - 1
		}
		tt := &children[k]
		tt.possible += fact.SessionsPossible
		tt.missed += fact.SessionsUnauthorised + fact.SessionsAuthorised
		tt.fixed += fact.FixedTermExclusions
		tt.perm = tt.perm || fact.PermanentExclusion
		tt.alt = tt.alt || fact.AlternativeProvision
	}
	met := false
	a := ind.Attendance
	for k := range children {
		t := &children[k]
		absent := a.MaxAbsenceRate > 0 && t.possible > 0 && float64(t.missed) >= a.MaxAbsenceRate*float64(t.possible)
		excluded := a.MinFixedExclusions > 0 && t.fixed >= a.MinFixedExclusions
		if absent || excluded || (a.PermanentExclusion && t.perm) || (a.AlternativeProvided && t.alt) {
			if !collect {
				return true
			}
			met, t.met = true, true
		}
	}
	if !met {
		return false
	}
	for k := range children { // ids child by child, in the order the children first appear
		for _, i := range c.indFacts[ind.index] {
			if children[k].met && c.facts[i].member == children[k].member && inWindow(i) {
				c.ids = append(c.ids, c.f.Facts[i].ID)
			}
		}
	}
	return true
}

func (c *evaluation) readiness(a *Attachment) *Readiness {
	p := c.p
	r := &Readiness{}
	if n := c.evidencedCount(a.Date); n < p.Eligibility.MinProblems {
		r.Missing = append(
			r.Missing,
			"evidence against "+strconv.Itoa(
				p.Eligibility.MinProblems,
			)+" or more problems ("+strconv.Itoa(
				n,
			)+" evidenced at "+a.Date.String()+")",
		)
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

func (c *evaluation) result(j Judgement, at Moment) Result {
	p, f := c.p, c.f
	var r Result
	a := f.Attachment
	if a == nil || a.Date.After(at.Time) {
		if c.words {
			r.Explanation = append(r.Explanation, "not attached: no result can be claimed")
		}
		return r
	}
	ssp, sspProjected := c.sspDates(&r, j.Problems, a)
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
		r.Route, r.AchievedAt, r.Blocking, r.Pending = RouteSSP, ssp, nil, nil
		if c.words {
			c.t.s("SSP achieved on ").m(ssp).s(": every baseline problem sustained").end()
		}
	case !ce.IsZero():
		r.Route, r.AchievedAt, r.Blocking, r.Pending = RouteCE, ce, nil, nil
		if c.words {
			c.t.s("CE achieved on ").m(ce).s(" by adult ", ceWho).end()
		}
	default:
		for _, m := range [2]Moment{sspProjected, ceProjected} {
			if !m.IsZero() && (r.EarliestClaimAt.IsZero() || m.Before(r.EarliestClaimAt.Time)) {
				r.EarliestClaimAt = m
			}
		}
		if c.words {
			c.unresolvedText(&r, j.Problems)
		}
	}
	if c.words {
		if p.ContinuousEmployment == nil {
			c.t.s("continuous employment is not a route under plan ", p.Key()).end()
		}
		r.Explanation = c.t.lines()
	}
	return r
}

// sspDates is when SSP was achieved (every baseline problem sustained), or when it would be
// if progress holds (every problem in significant progress with a known date); it fills
// Blocking with the outstanding problems and Pending with those in significant progress.
func (c *evaluation) sspDates(r *Result, problems []ProblemStatus, a *Attachment) (achieved, projected Moment) {
	minimum := c.p.Eligibility.MinProblems
	if len(a.Baseline) < minimum {
		if c.words {
			c.t.s("no result by SSP: the baseline holds ").
				count(len(a.Baseline), "problem").
				s(" and the plan needs ").
				n(minimum).
				end()
		}
		return Moment{}, Moment{}
	}
	outstanding, progressing := 0, 0
	for _, ps := range problems {
		switch ps.Status {
		case Outstanding:
			outstanding++
		case SignificantProgress:
			progressing++
		}
	}
	if outstanding > 0 { // each list at its size: one allocation each
		r.Blocking = make([]string, 0, outstanding)
	}
	if progressing > 0 {
		r.Pending = make([]Pending, 0, progressing)
	}
	allSustained, dated, latest := true, true, a.Date
	for _, ps := range problems {
		if ps.Status != Sustained {
			allSustained = false
		}
		switch {
		case ps.Status == Outstanding:
			r.Blocking = append(r.Blocking, ps.Code)
			continue
		case ps.Status == SignificantProgress:
			r.Pending = append(r.Pending, Pending{Code: ps.Code, SustainedAt: ps.SustainedAt, Waiting: ps.Waiting})
		}
		if ps.SustainedAt.IsZero() {
			dated = false
		} else if ps.SustainedAt.After(latest.Time) {
			latest = ps.SustainedAt
		}
	}
	switch {
	case allSustained:
		return latest, Moment{}
	case len(r.Blocking) == 0 && dated:
		return Moment{}, latest
	}
	return Moment{}, Moment{}
}

// unresolvedText says why a family has no result yet: the earliest claim, the outstanding
// problems that block it, and each problem in significant progress with its date or wait.
func (c *evaluation) unresolvedText(r *Result, problems []ProblemStatus) {
	if !r.EarliestClaimAt.IsZero() {
		c.t.s("earliest claim on ").m(r.EarliestClaimAt).s(" if progress holds")
		if slices.ContainsFunc(r.Pending, func(p Pending) bool { return p.Waiting == WaitingData }) {
			c.t.s(" and the data awaited arrives")
		}
		c.t.end()
	}
	if len(r.Blocking) > 0 {
		c.t.s("blocked by outstanding problems: ").list(r.Blocking).end()
	}
	for _, pe := range r.Pending {
		c.t.s(pe.Code, ": ")
		switch pe.Waiting {
		case WaitingSustaining:
			c.t.s("in significant progress, sustained on ").m(pe.SustainedAt).s(" if it holds")
		case WaitingData:
			c.t.s("its sustained period passed on ").m(pe.SustainedAt).s("; waiting for the data that shows it held")
			for _, ps := range problems {
				if ps.Code == pe.Code {
					c.awaitingText(ps.Awaiting)
				}
			}
		case WaitingCaseClosure:
			c.t.s("in significant progress, waiting for the case to close (its sustained period starts then)")
		default:
			c.t.s("in significant progress; the plan's term dates do not reach its sustained date")
		}
		c.t.end()
	}
}

func maxMoment(a, b Moment) Moment {
	if a.After(b.Time) {
		return a
	}
	return b
}
