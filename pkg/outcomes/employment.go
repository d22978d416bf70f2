package outcomes

import (
	"fmt"
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
	Person        string   `json:"person"`
	FormerBenefit string   `json:"former_benefit,omitempty"`
	LeftBenefitOn Moment   `json:"left_benefit_on,omitzero"`
	Rule          string   `json:"rule,omitempty"`
	WeeksInWork   int      `json:"weeks_in_work"`
	AchievedAt    Moment   `json:"achieved_at,omitzero"`
	ProjectedAt   Moment   `json:"projected_at,omitzero"`
	Flags         []string `json:"flags,omitempty"`
	Explanation   string   `json:"explanation"`
	Facts         []string `json:"facts,omitempty"`
}

// The feeds continuous employment reads (../shared/data-contracts.md).
const (
	feedBenefits   = "dwp_benefits"
	feedEmployment = "employment"
)

// projectionWeeks caps how far ahead a projection looks.
const projectionWeeks = 104

func (c *ctx) employment(at Moment) []EmploymentStatus {
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
// never work.
func (c *ctx) adultEmployment(member int32, person string, at Moment) (EmploymentStatus, bool) {
	p := c.p
	st := EmploymentStatus{Person: person}
	var left *Fact
	var workBuf, ucBuf [8]*Fact
	work, uc := workBuf[:0], ucBuf[:0]
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
					c.t.s("still claiming ", fact.Type, " at ").m(at).end()
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
	for _, i := range c.work {
		if fact := &c.f.Facts[i]; c.facts[i].member == member && fact.Start != nil && !fact.Start.After(at.Time) {
			work = append(work, fact)
		}
	}
	rule := ruleFor(p, left.Type)
	st.FormerBenefit, st.LeftBenefitOn, st.Rule = left.Type, *left.End, rule.text
	start := len(c.ids)
	c.ids = append(c.ids, left.ID)
	movedToUC := false
	for _, u := range uc {
		if window, _ := p.ContinuousEmployment.UCMoveWindow.after(*left.End, p.Terms); !u.Start.Before(left.End.Time) && !u.Start.After(window.Time) {
			movedToUC = true
			c.ids = append(c.ids, u.ID)
		}
	}
	if movedToUC {
		st.Flags = []string{FlagMovedToUC}
	}
	leftDay := civilDay(*left.End)
	var spanBuf [8]span
	spans := workSpans(spanBuf[:0], work, leftDay)
	for _, w := range work {
		c.ids = append(c.ids, w.ID)
	}
	st.Facts = c.carve(start)
	if len(spans) == 0 {
		if !movedToUC {
			st.Flags = []string{FlagPossibleUCMove}
		}
		if c.words {
			c.t.s("left ", left.Type, " on ").m(*left.End).s(" with no evidence of work since: leaving a benefit is not work").end()
		}
		return st, true
	}
	achieved, weeks, projected := scanWeeks(rule, leftDay, spans, at)
	st.WeeksInWork, st.AchievedAt, st.ProjectedAt = weeks, achieved, projected
	if c.words {
		c.t.s("left ", left.Type, " on ").m(*left.End).s("; ")
		switch {
		case !achieved.IsZero():
			c.t.s(st.Rule, " met on ").m(achieved)
		case !projected.IsZero():
			c.t.n(weeks).s(" weeks counted so far; ", st.Rule, " met on ").m(projected).s(" if work continues")
		default:
			c.t.n(weeks).s(" weeks counted; ", st.Rule, " not met")
		}
		c.t.end()
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

// String says the rule in words.
func (r *EmploymentRule) String() string {
	if r.text != "" {
		return r.text
	}
	if r.ConsecutiveWeeks > 0 {
		return fmt.Sprintf("%d consecutive weeks in work", r.ConsecutiveWeeks)
	}
	return fmt.Sprintf("%d weeks in work within the last %d", r.WeeksInWork, r.WithinWeeks)
}

// span is a merged stretch of work over London calendar days [start, end); open while it goes on.
type span struct {
	start, end int
	open       bool
}

// civilDay numbers London calendar days, so that weeks are counted in whole days without
// calendar arithmetic per week.
func civilDay(m Moment) int {
	y, mo, d := m.londonWall().Date()
	return int(time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayMoment is midnight in London at the start of a civil day.
func dayMoment(day int) Moment {
	y, mo, d := time.Unix(int64(day)*86400, 0).UTC().Date()
	return Moment{time.Date(y, mo, d, 0, 0, 0, 0, London)}
}

// workSpans merges the employment spells that run after from (a civil day), into spans.
func workSpans(spans []span, work []*Fact, from int) []span {
	for _, w := range work {
		s := span{start: max(civilDay(*w.Start), from), open: w.End == nil}
		if w.End != nil {
			s.end = civilDay(*w.End)
			if s.end <= from {
				continue
			}
		}
		spans = append(spans, s)
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	merged := spans[:0]
	for _, s := range spans {
		if n := len(merged); n > 0 && (merged[n-1].open || s.start <= merged[n-1].end) {
			if !merged[n-1].open && (s.open || s.end > merged[n-1].end) {
				merged[n-1].end, merged[n-1].open = s.end, s.open
			}
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// covered says whether the days [from, to) lie inside one merged span.
func covered(spans []span, from, to int) bool {
	for _, s := range spans {
		if s.start <= from && (s.open || s.end >= to) {
			return true
		}
	}
	return false
}

// scanWeeks counts weeks from the benefit's end (week i is days [left+7i, left+7i+7)) and
// finds the first week end at which the rule is met. Weeks that end after the moment are
// counted only for the projection, and only while work is still going on.
func scanWeeks(r *EmploymentRule, left int, spans []span, at Moment) (achieved Moment, weeks int, projected Moment) {
	last := spans[len(spans)-1]
	atDay := civilDay(at)
	if !dayMoment(atDay).Equal(at.Time) {
		atDay++ // a moment inside a day: that day has not ended
	}
	ongoing := last.open || last.end > atDay
	need := r.ConsecutiveWeeks
	if need == 0 {
		need = r.WeeksInWork
	}
	var histBuf [128]bool
	hist := histBuf[:0]
	run, inWindow, firstFuture := 0, 0, -1
	for i := 0; ; i++ {
		start, end := left+7*i, left+7*(i+1)
		future := end > atDay
		if future && firstFuture < 0 {
			firstFuture = i
		}
		if future && (!ongoing || i-firstFuture > projectionWeeks) {
			return Moment{}, weeks, Moment{}
		}
		in := covered(spans, start, end) || (future && ongoing)
		hist = append(hist, in)
		if in {
			run++
			inWindow++
		} else {
			run = 0
		}
		if r.WithinWeeks > 0 && len(hist) > r.WithinWeeks && hist[len(hist)-1-r.WithinWeeks] {
			inWindow-- // the week that left the window
		}
		count := run
		if r.ConsecutiveWeeks == 0 {
			count = inWindow
		}
		if !future {
			weeks = count
		}
		if count >= need {
			if future {
				return Moment{}, weeks, dayMoment(end)
			}
			return dayMoment(end), count, Moment{}
		}
	}
}
