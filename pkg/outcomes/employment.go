package outcomes

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Flags on an adult's employment judgement.
const (
	FlagPossibleUCMove = "POSSIBLE_MOVE_TO_UC_EVIDENCE_OF_WORK_NEEDED"
	FlagMovedToUC      = "MOVED_TO_UC_NOT_WORK"
)

// EmploymentStatus is one adult's continuous employment judgement.
type EmploymentStatus struct {
	Person        string `json:"person"`
	FormerBenefit string `json:"former_benefit,omitempty"`
	LeftBenefitOn Moment `json:"left_benefit_on,omitzero"`
	Rule          string `json:"rule,omitempty"`
	// DaysInWork counts the days of work that count at the moment judged (within the window,
	// or the current run of consecutive days); WeeksInWork is the same in whole weeks.
	DaysInWork  int      `json:"days_in_work"`
	WeeksInWork int      `json:"weeks_in_work"`
	AchievedAt  Moment   `json:"achieved_at,omitzero"`
	ProjectedAt Moment   `json:"projected_at,omitzero"`
	Flags       []string `json:"flags,omitempty"`
	Explanation string   `json:"explanation"`
	Facts       []string `json:"facts,omitempty"`
}

// EarliestCE is the earliest moment an adult's work made or would make the family's result by
// continuous employment (achieved or projected), or zero: what tracking keeps as the family's
// CE day.
func EarliestCE(es []EmploymentStatus) Moment {
	var first Moment
	for _, e := range es {
		for _, m := range []Moment{e.AchievedAt, e.ProjectedAt} {
			if !m.IsZero() && (first.IsZero() || m.Before(first.Time)) {
				first = m
			}
		}
	}
	return first
}

// The feeds continuous employment reads (docs/data-contracts.md).
const (
	feedBenefits   = "dwp_benefits"
	feedEmployment = "employment"
)

// projectionDays caps how far ahead a projection looks (104 weeks).
const projectionDays = 728

func (c *evaluation) employment(at Moment) []EmploymentStatus {
	var buf [4]EmploymentStatus // gathered on the stack, returned at its exact size
	out := buf[:0]
	for i, m := range c.f.Members {
		if child, _ := c.childAt(int32(i), at); child {
			continue
		}
		if st, ok := c.adultEmployment(int32(i), m.ID, at); ok {
			out = append(out, st)
		}
	}
	if len(out) == 0 {
		return nil
	}
	kept := slices.Clone(out) // a variable of its own, so that buf stays on the stack
	if c.words {
		c.t.flush(func(i int, s string) { kept[i].Explanation = s })
	}
	return kept
}

// adultEmployment judges one adult: only adults who have left a legacy out-of-work benefit
// can qualify, and only positive evidence of work counts. Leaving for Universal Credit is
// never work; UC in the working regime is. Days of work count from the later of the
// benefit's end and attachment, and an open spell of work counts only as far as its feed's
// data reaches (ruling 1): it is projected beyond.
func (c *evaluation) adultEmployment(member int32, person string, at Moment) (EmploymentStatus, bool) {
	p := c.p
	st := EmploymentStatus{Person: person}
	var left *Fact
	var ucBuf [8]*Fact
	uc := ucBuf[:0]
	for _, i := range c.benefits {
		fact := &c.f.Facts[i]
		if c.facts[i].member != member || fact.Start == nil || fact.Start.After(at.Time) {
			continue
		}
		switch {
		case fact.Type == "UC":
			uc = append(uc, fact)
		case ruleFor(p, fact.Type) != nil:
			if fact.End == nil || fact.End.After(at.Time) {
				if c.words {
					c.t.s("still claiming ", fact.Type, " at ").m(at).s(" (evidence ", fact.ID, ")").end()
				}
				start := len(c.ids)
				c.ids = append(c.ids, fact.ID)
				st.FormerBenefit, st.Facts = fact.Type, c.carve(start)
				return st, true
			}
			if left == nil || fact.End.After(left.End.Time) {
				left = fact
			}
		}
	}
	if left == nil {
		return st, false // never on a legacy benefit: the CE route does not apply
	}
	rule := ruleFor(p, left.Type)
	st.FormerBenefit, st.LeftBenefitOn, st.Rule = left.Type, *left.End, rule.text
	start := len(c.ids)
	c.ids = append(c.ids, left.ID)
	movedToUC := false
	for _, u := range uc {
		if window, _ := p.ContinuousEmployment.UCMoveWindow.after(*left.End, p.Terms); !u.Start.Before(left.End.Time) &&
			!u.Start.After(window.Time) {
			movedToUC = true
			c.ids = append(c.ids, u.ID)
		}
	}
	if movedToUC {
		st.Flags = []string{FlagMovedToUC}
	}
	from := civilDay(*left.End)
	if a := c.f.Attachment; a != nil {
		from = max(from, civilDay(a.Date)) // work before attachment was not the programme's doing
	}
	var spanBuf [8]span
	spans := spanBuf[:0]
	for _, i := range c.work {
		fact := &c.f.Facts[i]
		if c.facts[i].member != member || fact.Start == nil || fact.Start.After(at.Time) {
			continue
		}
		if s, ok := c.workSpan(fact, from); ok {
			spans = append(spans, s)
			c.ids = append(c.ids, fact.ID)
		}
	}
	spans = mergeSpans(spans)
	st.Facts = c.carve(start)
	if len(spans) == 0 {
		if !movedToUC {
			st.Flags = []string{FlagPossibleUCMove}
		}
		if c.words {
			c.t.s("left ", left.Type, " on ").
				m(*left.End).
				s(" with no evidence of work since: leaving a benefit is not work (evidence ").
				list(st.Facts).
				s(")").
				end()
		}
		return st, true
	}
	achieved, days, projected := countDays(rule, from, spans, civilDay(at))
	st.DaysInWork, st.WeeksInWork, st.AchievedAt, st.ProjectedAt = days, days/7, achieved, projected
	if c.words {
		c.t.s("left ", left.Type, " on ").m(*left.End).s("; ")
		switch {
		case !achieved.IsZero():
			c.t.s(st.Rule, " met on ").m(achieved)
		case !projected.IsZero() && !projected.After(at.Time):
			c.t.count(days, "day").s(" of work counted; ", st.Rule, " would have been met on ").m(projected).
				s(" if work went on, but the data of work stops before it")
		case !projected.IsZero():
			c.t.count(days, "day").
				s(" of work counted so far; ", st.Rule, " met on ").
				m(projected).
				s(" if work continues")
		default:
			c.t.count(days, "day").s(" of work counted; ", st.Rule, " not met")
		}
		c.t.s(" (evidence ").list(st.Facts).s(")").end()
	}
	return st, true
}

func ruleFor(p *Plan, benefit string) *EmploymentRule {
	for i, r := range p.ContinuousEmployment.Rules {
		if slices.Contains(r.Benefits, benefit) {
			return &p.ContinuousEmployment.Rules[i]
		}
	}
	return nil
}

// String says the rule in words, in the days it is counted in (ruling 3).
func (r *EmploymentRule) String() string {
	if r.text != "" {
		return r.text
	}
	if r.ConsecutiveWeeks > 0 {
		return fmt.Sprintf(
			"%d consecutive weeks in work (%d consecutive days)",
			r.ConsecutiveWeeks,
			7*r.ConsecutiveWeeks,
		)
	}
	return fmt.Sprintf(
		"%d weeks in work within the last %d (%d days of the last %d)",
		r.WeeksInWork,
		r.WithinWeeks,
		7*r.WeeksInWork,
		7*r.WithinWeeks,
	)
}

// span is a merged stretch of work over London calendar days [start, end): for a spell still
// open, end is where its evidence stops (its feed's coverage), and a projection carries it on.
type span struct {
	start, end int
	open       bool
}

// civilDay numbers London calendar days, so that days are counted without calendar
// arithmetic per day.
func civilDay(m Moment) int {
	y, mo, d := m.londonWall().Date()
	return int(time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayMoment is midnight in London at the start of a civil day.
func dayMoment(day int) Moment {
	y, mo, d := time.Unix(int64(day)*86400, 0).UTC().Date()
	return Moment{time.Date(y, mo, d, 0, 0, 0, 0, London)}
}

// workSpan is a spell of work from the civil day `from` on: an ended spell to its end, an
// open one as far as its feed's data reaches (nothing when none is held).
func (c *evaluation) workSpan(w *Fact, from int) (span, bool) {
	s := span{start: max(civilDay(*w.Start), from)}
	switch {
	case w.End != nil:
		s.end = civilDay(*w.End)
	default:
		s.open = true
		s.end = s.start
		if cov, ok := c.f.Coverage.through(w.Feed); ok {
			s.end = max(s.start, civilDay(cov))
		}
	}
	return s, s.end > s.start || s.open
}

// mergeSpans sorts spans and merges those that touch or overlap; a merged span is open when
// the span that reaches furthest is.
func mergeSpans(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	merged := spans[:0]
	for _, s := range spans {
		if n := len(merged); n > 0 && s.start <= merged[n-1].end {
			last := &merged[n-1]
			if s.end > last.end || (s.end == last.end && s.open) {
				last.end, last.open = s.end, s.open
			}
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// countDays applies a rule in days (ruling 3): "n weeks in work within the last m" is 7n days
// of work within the 7m days ending on the day judged; "n consecutive weeks" is 7n days in a
// row. Days are [from, ...); a window "ending on day E" is the days before E. It answers the
// first day the rule was met by the day judged (today: days before it), the days counted
// today, and, when not met and work goes on, the day it would be met if it continues.
func countDays(r *EmploymentRule, from int, spans []span, today int) (achieved Moment, days int, projected Moment) {
	need, window := 7*r.WeeksInWork, 7*r.WithinWeeks
	if r.ConsecutiveWeeks > 0 {
		need, window = 7*r.ConsecutiveWeeks, 0
	}
	if e, ok := firstMet(spans, need, window, from, today); ok {
		return dayMoment(e), daysAt(spans, window, today), Moment{}
	}
	days = daysAt(spans, window, today)
	last := spans[len(spans)-1]
	if !last.open && last.end <= today {
		return Moment{}, days, Moment{}
	}
	// Projected: the work going on continues.
	var buf [8]span
	ahead := append(buf[:0], spans...)
	if last.open {
		ahead[len(ahead)-1].end = math.MaxInt32
	}
	// From the start, not from today: when the work's data stops before today, the projected
	// day may be past, and only the next extract can show it (no timer can).
	if e, ok := firstMet(ahead, need, window, from, today+projectionDays); ok {
		return Moment{}, days, dayMoment(e)
	}
	return Moment{}, days, Moment{}
}

// daysAt is the days counted for a window ending on day e: work days among the window's days,
// or (window 0) the run of consecutive work days ending the day before e.
func daysAt(spans []span, window, e int) int {
	if window == 0 {
		for _, s := range spans {
			if s.start < e && s.end >= e {
				return e - s.start
			}
		}
		return 0
	}
	return workIn(spans, e-window, e)
}

// workIn counts the work days in [a, b).
func workIn(spans []span, a, b int) int {
	n := 0
	for _, s := range spans {
		if lo, hi := max(s.start, a), min(s.end, b); hi > lo {
			n += hi - lo
		}
	}
	return n
}

// firstMet is the first day e in [lo, hi] at which the days counted reach need. The count
// changes by at most one a day and its slope changes only at a span's ends (and, for a
// window, those ends shifted by the window), so it is checked at those points and solved
// between them.
func firstMet(spans []span, need, window, lo, hi int) (int, bool) {
	if window == 0 {
		for _, s := range spans {
			if e := max(s.start+need, lo); e <= min(s.end, hi) {
				return e, true
			}
		}
		return 0, false
	}
	var buf [36]int
	points := append(buf[:0], lo, hi)
	for _, s := range spans {
		for _, p := range [4]int{s.start, s.end, s.start + window, s.end + window} {
			if p > lo && p < hi {
				points = append(points, p)
			}
		}
	}
	slices.Sort(points)
	for k := 0; k+1 < len(points); k++ {
		a, b := points[k], points[k+1]
		if a == b {
			continue
		}
		fa := workIn(spans, a-window, a)
		if fa >= need {
			return a, true
		}
		slope := workIn(spans, a+1-window, a+1) - fa
		if slope > 0 && fa+slope*(b-a) >= need {
			return a + (need-fa+slope-1)/slope, true
		}
	}
	if workIn(spans, hi-window, hi) >= need {
		return hi, true
	}
	return 0, false
}
