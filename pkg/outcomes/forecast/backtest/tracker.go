package backtest

import (
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/outcomes/forecast"
)

// Tracker does what tracking does, month by month: on the first of each month it judges every
// attached family with the Outcomes Plan engine on the evidence the month's extracts hold, and
// keeps what tracking keeps (each problem's status, what changed, the result once achieved,
// CE's projected day). A family whose result is achieved goes to claims and is judged no more.
type Tracker struct {
	c       *County
	judged  time.Time // the last judgement day
	tracked []tracked
	facts   []outcomes.Fact // reused between judgements
	// Judgements counts the engine's judgements made.
	Judgements int
}

type tracked struct {
	known forecast.Family // as tracking holds it
	// knownAt is the judgement that first showed the result (zero: none yet).
	knownAt time.Time
}

// Track starts tracking the county's programme.
func (c *County) Track() *Tracker {
	t := &Tracker{c: c, tracked: make([]tracked, len(c.families))}
	for i, f := range c.families {
		t.tracked[i].known.AttachedAt = f.attached
	}
	return t
}

// Advance judges every month's first day after the last judgement up to and including to.
func (t *Tracker) Advance(to time.Time) {
	next := t.c.plan.Profiles[0].Starts.Time
	if !t.judged.IsZero() {
		next = t.judged.AddDate(0, 1, 0)
	}
	for ; !next.After(to); next = next.AddDate(0, 1, 0) {
		t.judge(next)
		t.judged = next
	}
}

// judge judges every attached family without a result on day.
func (t *Tracker) judge(day time.Time) {
	cov := coverage(day)
	at := outcomes.Moment{Time: day}
	for i := range t.c.families {
		f, tr := &t.c.families[i], &t.tracked[i]
		if !f.attached.Before(day) || !tr.knownAt.IsZero() {
			continue
		}
		t.facts = t.c.knownAt(f.facts, day, t.facts)
		fam := outcomes.Family{ID: "f", Members: members, Facts: t.facts, Coverage: cov,
			Attachment: outcomes.Attached(outcomes.Moment{Time: f.attached}, f.baseline)}
		j := outcomes.Evaluate(t.c.plan, &fam, at)
		t.Judgements++
		states := make([]forecast.ProblemState, len(j.Problems))
		for k, p := range j.Problems {
			states[k] = forecast.ProblemState{Code: p.Code, Status: p.Status, ClockStart: p.ClockStart.Time,
				SustainedAt: p.SustainedAt.Time, RecurredAt: p.RecurredAt.Time, LatestFrom: p.LatestFrom.Time}
			if p.Status == outcomes.SignificantProgress {
				states[k].EvidencedTo = t.c.plan.EvidencedTo(p.ClockStart, at, p.Awaiting).Time
			}
		}
		tr.known.History = append(tr.known.History, forecast.Changes(tr.known.Problems, states, day)...)
		tr.known.Problems = states
		tr.known.CEProjectedAt = outcomes.EarliestCE(j.Employment).Time
		if j.Result.Route != "" {
			tr.known.Route, tr.known.AchievedAt, tr.knownAt = j.Result.Route, j.Result.AchievedAt.Time, day
		}
	}
}

// Known is what tracking holds on the last judgement day: the families attached by then.
func (t *Tracker) Known() []forecast.Family {
	var out []forecast.Family
	for i, f := range t.c.families {
		if f.attached.Before(t.judged) {
			out = append(out, t.tracked[i].known)
		}
	}
	return out
}

// Actual is how many results each claim window took: a result is claimed in the first window
// that opens on or after the judgement that showed it, under the family cap.
func (t *Tracker) Actual() []int {
	windows := t.c.plan.ClaimWindows
	out := make([]int, len(windows))
	for _, tr := range t.tracked {
		if tr.knownAt.IsZero() {
			continue
		}
		for w, cw := range windows {
			if !cw.Opens.Time.Before(tr.knownAt) {
				out[w]++
				break
			}
		}
	}
	total := 0
	for w := range out {
		out[w] = min(out[w], t.c.plan.FamilyCap-total)
		total += out[w]
	}
	return out
}
