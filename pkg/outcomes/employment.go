package outcomes

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
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
	LeftBenefitOn *Moment  `json:"left_benefit_on,omitempty"`
	Rule          string   `json:"rule,omitempty"`
	WeeksInWork   int      `json:"weeks_in_work"`
	AchievedAt    *Moment  `json:"achieved_at,omitempty"`
	ProjectedAt   *Moment  `json:"projected_at,omitempty"`
	Flags         []string `json:"flags,omitempty"`
	Explanation   string   `json:"explanation"`
	Facts         []string `json:"facts,omitempty"`
}

// projectionWeeks caps how far ahead a projection looks.
const projectionWeeks = 104

func (c *ctx) employment(at Moment) []EmploymentStatus {
	var out []EmploymentStatus
	for _, m := range c.f.Members {
		if child, _ := c.isChild(m.ID, at); child {
			continue
		}
		if st, ok := c.adultEmployment(m.ID, at); ok {
			out = append(out, st)
		}
	}
	return out
}

// adultEmployment judges one adult: only adults who have left a legacy out-of-work benefit
// can qualify, and only positive evidence of work counts. Leaving for Universal Credit is
// never work.
func (c *ctx) adultEmployment(person string, at Moment) (EmploymentStatus, bool) {
	p := c.p
	st := EmploymentStatus{Person: person}
	var left *Fact
	var work, uc []*Fact
	for i := range c.f.Facts {
		fact := &c.f.Facts[i]
		if fact.Feed != "dwp_benefits" || fact.Person != person || fact.Start == nil || fact.Start.After(at.Time) {
			continue
		}
		switch {
		case fact.Type == "UC":
			uc = append(uc, fact)
		case ruleFor(p, fact.Type) != nil:
			if fact.End == nil || fact.End.After(at.Time) {
				st.Explanation = "still claiming " + fact.Type + " at " + at.String()
				st.FormerBenefit, st.Facts = fact.Type, []string{fact.ID}
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
	for i := range c.f.Facts {
		if fact := &c.f.Facts[i]; fact.Feed == "employment" && fact.Person == person && fact.Start != nil && !fact.Start.After(at.Time) {
			work = append(work, fact)
		}
	}
	rule := ruleFor(p, left.Type)
	st.FormerBenefit, st.LeftBenefitOn, st.Rule = left.Type, left.End, rule.String()
	st.Facts = append(st.Facts, left.ID)
	for _, u := range uc {
		if window, _ := p.ContinuousEmployment.UCMoveWindow.after(*left.End, p.Terms); !u.Start.Before(left.End.Time) && !u.Start.After(window.Time) {
			st.Flags = append(st.Flags, FlagMovedToUC)
			st.Facts = append(st.Facts, u.ID)
		}
	}
	spans := workSpans(work, *left.End)
	for _, w := range work {
		st.Facts = append(st.Facts, w.ID)
	}
	if len(spans) == 0 {
		if !slices.Contains(st.Flags, FlagMovedToUC) {
			st.Flags = append(st.Flags, FlagPossibleUCMove)
		}
		st.Explanation = "left " + left.Type + " on " + left.End.String() + " with no evidence of work since: leaving a benefit is not work"
		return st, true
	}
	achieved, weeks, projected := scanWeeks(rule, *left.End, spans, at)
	st.WeeksInWork, st.AchievedAt, st.ProjectedAt = weeks, achieved, projected
	since := "left " + left.Type + " on " + left.End.String() + "; "
	switch {
	case achieved != nil:
		st.Explanation = since + st.Rule + " met on " + achieved.String()
	case projected != nil:
		st.Explanation = since + strconv.Itoa(weeks) + " weeks counted so far; " + st.Rule + " met on " + projected.String() + " if work continues"
	default:
		st.Explanation = since + strconv.Itoa(weeks) + " weeks counted; " + st.Rule + " not met"
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
	if r.ConsecutiveWeeks > 0 {
		return fmt.Sprintf("%d consecutive weeks in work", r.ConsecutiveWeeks)
	}
	return fmt.Sprintf("%d weeks in work within the last %d", r.WeeksInWork, r.WithinWeeks)
}

// span is a merged stretch of work [start, end); end is nil while it goes on.
type span struct{ start, end *Moment }

// workSpans merges the employment spells that run after from.
func workSpans(work []*Fact, from Moment) []span {
	var spans []span
	for _, w := range work {
		if w.End != nil && !w.End.After(from.Time) {
			continue
		}
		s := w.Start
		if s.Before(from.Time) {
			s = &from
		}
		spans = append(spans, span{start: s, end: w.End})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start.Time) })
	var merged []span
	for _, s := range spans {
		if n := len(merged); n > 0 && (merged[n-1].end == nil || !s.start.After(merged[n-1].end.Time)) {
			if merged[n-1].end != nil && (s.end == nil || s.end.After(merged[n-1].end.Time)) {
				merged[n-1].end = s.end
			}
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// covered says whether [from, to) lies inside one merged span.
func covered(spans []span, from, to Moment) bool {
	for _, s := range spans {
		if !s.start.After(from.Time) && (s.end == nil || !s.end.Before(to.Time)) {
			return true
		}
	}
	return false
}

// scanWeeks counts weeks from the benefit's end (week i is [left+7i days, left+7(i+1) days))
// and finds the first week end at which the rule is met. Weeks that end after the moment are
// counted only for the projection, and only while work is still going on.
func scanWeeks(r *EmploymentRule, left Moment, spans []span, at Moment) (achieved *Moment, weeks int, projected *Moment) {
	ongoing := spans[len(spans)-1].end == nil || spans[len(spans)-1].end.After(at.Time)
	var hist []bool
	run, inWindow, firstFuture := 0, 0, -1
	l := left.In(London)
	end := left
	for i := 0; ; i++ {
		start := end
		end = Moment{time.Date(l.Year(), l.Month(), l.Day()+7*(i+1), 0, 0, 0, 0, London)}
		future := end.After(at.Time)
		if future && firstFuture < 0 {
			firstFuture = i
		}
		if future && (!ongoing || i-firstFuture > projectionWeeks) {
			return nil, weeks, nil
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
		need := r.ConsecutiveWeeks
		if need == 0 {
			need = r.WeeksInWork
		}
		if count >= need {
			if future {
				return nil, weeks, &end
			}
			return &end, count, nil
		}
	}
}
