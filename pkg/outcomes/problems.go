package outcomes

import (
	"slices"
	"strings"
	"time"
)

// Why a problem in significant progress is not yet sustained (Result.Pending).
const (
	WaitingSustaining  = "SUSTAINING"    // its sustained period is still running
	WaitingData        = "AWAITING_DATA" // the period has passed; the data that shows it held has not arrived
	WaitingCaseClosure = "CASE_CLOSURE"  // its period starts when the case closes
	WaitingTermDates   = "TERM_DATES"    // the plan's term dates do not reach the end of its period
)

// caseworkerFeed is the feed of needs and progress recorded by caseworkers in the case.
const caseworkerFeed = "caseworker"

// Awaiting is data a problem needs before it can be sustained: a feed's extracts after a date
// (After zero when no extract of the feed is held at all), or a school census term's rows.
type Awaiting struct {
	Feed  string `json:"feed"`
	After Moment `json:"after,omitzero"`
	Term  string `json:"term,omitempty"`
}

// String says the data in a phrase of codes and dates: "police after 2017-03-31",
// "school_census 2016-AUT", "health (none held)".
func (w Awaiting) String() string {
	switch {
	case w.Term != "":
		return w.Feed + " " + w.Term
	case w.After.IsZero():
		return w.Feed + " (none held)"
	}
	return w.Feed + " after " + w.After.String()
}

// ParseAwaiting reads an Awaiting back from its String, as a read model keeps it.
func ParseAwaiting(s string) (Awaiting, bool) {
	feed, rest, ok := strings.Cut(s, " ")
	switch {
	case !ok || feed == "":
		return Awaiting{}, false
	case rest == "(none held)":
		return Awaiting{Feed: feed}, true
	case strings.HasPrefix(rest, "after "):
		m, err := ParseMoment(strings.TrimPrefix(rest, "after "))
		return Awaiting{Feed: feed, After: m}, err == nil
	}
	return Awaiting{Feed: feed, Term: rest}, true
}

// EvidencedTo is how far the data shows that progress begun at start has held, judged at at
// with awaiting missing: to the end of the shortest feed's data, and to the start of the first
// school term begun by at whose census rows are missing; nothing past at. Between it and at
// the progress is not known to have held: a term's rows arrive after the term, and an extract
// after its as-of date.
func (p *Plan) EvidencedTo(start, at Moment, awaiting []Awaiting) Moment {
	to := at
	for _, w := range awaiting {
		reach := w.After // a feed not held at all reaches nowhere: the zero moment
		if w.Term != "" {
			i := p.termAt(w.Term)
			if i < 0 || !p.Terms[i].Start.Before(at.Time) {
				continue // a term still to begin is no gap yet
			}
			reach = p.Terms[i].Start
		}
		if reach.Before(to.Time) {
			to = reach
		}
	}
	return maxMoment(to, start)
}

// occurrence is one time a problem was present: an event (start = end = its date), a spell
// that ended, or a bad school census term. Instants as Unix nanoseconds: no pointers, so the
// scratch list costs the collector nothing.
type occurrence struct {
	start, end int64
	term       int32 // the census term's position in the plan's calendar; -1 for other facts
	member     int32
	fact       int32
}

// history is what a problem's evidence says up to a moment: when it was last present,
// whether it still is, the facts behind it and the latest recurrence after attachment.
type history struct {
	last           Moment
	found, ongoing bool
	ids            []string
	recurred       Moment // an occurrence after attachment that began after an earlier one had ended
	recurredBy     string
	latest         Moment // when the latest occurrence began (a term of a run of bad terms, too)
}

// problemStatuses judges each baseline problem: its clock starts at its last occurrence in
// any member (so a recurrence restarts it), never before attachment, and runs for the
// outcome's sustained period; it is sustained only on positive evidence for all of it.
func (c *evaluation) problemStatuses(a *Attachment, at Moment) []ProblemStatus {
	out := make([]ProblemStatus, 0, len(a.Baseline))
	for _, code := range a.Baseline {
		pr, ok := c.p.Problem(code)
		if !ok {
			st := ProblemStatus{Code: code, Status: Outstanding, Explanation: "the plan has no problem " + code}
			if c.words {
				c.t.s(st.Explanation).end()
			}
			out = append(out, st)
			continue
		}
		out = append(out, c.problemStatus(pr, a, at))
	}
	if c.words {
		c.t.flush(func(i int, s string) { out[i].Explanation = s })
	}
	return out
}

func (c *evaluation) problemStatus(pr *Problem, a *Attachment, at Moment) ProblemStatus {
	st := ProblemStatus{Code: pr.Code}
	h := c.history(pr, a.Date, at)
	st.Facts = h.ids
	switch {
	case h.ongoing:
		st.Status = Outstanding
		if c.words {
			c.t.s("still present at ").m(at).s(" (evidence ").list(h.ids).s(")").end()
		}
		return st
	case !h.found:
		st.Status = Outstanding
		if c.words {
			c.t.s("no evidence of this problem is recorded, so progress cannot be shown").end()
		}
		return st
	}
	st.RecurredAt, st.LatestFrom = h.recurred, h.latest
	if c.words && !h.recurred.IsZero() {
		c.t.s("recurred on ").m(h.recurred).s(" (evidence ", h.recurredBy, "), which restarted the clock; ")
	}
	// Progress counts from attachment: what held before it was not the programme's doing.
	start := maxMoment(h.last, a.Date)
	// A benefit spell that simply ended, with no UC data and no evidence of work, keeps the
	// problem outstanding, flagged (ruling 2).
	from, ok := c.progressToWork(pr, a, at)
	if !ok {
		st.Status, st.Flags = Outstanding, []string{FlagPossibleUCMove}
		if c.words {
			c.t.s("a benefit spell ended with no Universal Credit data and no evidence of work, training, volunteering or job search: " +
				"possible move to UC, evidence of work needed").
				end()
		}
		return st
	}
	start = maxMoment(start, from)
	if pr.Outcome.AfterClosure {
		closed := c.f.CaseClosed
		if closed == nil || closed.After(at.Time) {
			st.Status, st.Waiting, st.ClockStart = SignificantProgress, WaitingCaseClosure, start
			if c.words {
				c.t.s("outcome met since ").
					m(start).
					s("; the ").
					p(pr.Outcome.Sustained).
					s(" sustained period starts when the case closes").
					end()
			}
			return st
		}
		start = maxMoment(start, *closed)
	}
	st.ClockStart = start
	until, ok := pr.Outcome.Sustained.after(start, c.p.Terms)
	if !ok {
		st.Status, st.Waiting = SignificantProgress, WaitingTermDates
		if c.words {
			c.t.s("outcome met since ").
				m(start).
				s("; the plan's term dates do not reach the end of ").
				p(pr.Outcome.Sustained).
				end()
		}
		return st
	}
	st.SustainedAt = until
	st.Awaiting = c.gaps(pr, a, start, until)
	switch {
	case at.Before(until.Time):
		st.Status, st.Waiting = SignificantProgress, WaitingSustaining
		if c.words {
			c.t.s("outcome met since ").
				m(start).
				s("; sustained on ").
				m(until).
				s(" (").
				p(pr.Outcome.Sustained).
				s(") if it holds")
			c.awaitingText(st.Awaiting)
			c.t.end()
		}
	case len(st.Awaiting) > 0:
		st.Status, st.Waiting = SignificantProgress, WaitingData
		if c.words {
			c.t.s("outcome met since ").
				m(start).
				s("; ").
				p(pr.Outcome.Sustained).
				s(" would have passed on ").
				m(until).
				s(", but it cannot be shown to have held")
			c.awaitingText(st.Awaiting)
			c.t.end()
		}
	default:
		st.Status = Sustained
		if c.words {
			c.t.s("outcome met since ").
				m(start).
				s(" and held for ").
				p(pr.Outcome.Sustained).
				s(": sustained on ").
				m(until).
				end()
		}
	}
	return st
}

// awaitingText says what data a problem waits for, in words.
func (c *evaluation) awaitingText(aw []Awaiting) {
	for _, w := range aw {
		switch {
		case w.Term != "":
			c.t.s("; awaiting school census rows for ", w.Term)
		case w.After.IsZero():
			c.t.s("; awaiting data from ", w.Feed, " (none is held)")
		case w.Feed == UCDataShare:
			c.t.s("; awaiting Universal Credit data after ").m(w.After)
		default:
			c.t.s("; awaiting data from ", w.Feed, " after ").m(w.After)
		}
	}
}

// history reads a problem's occurrences up to at: when it was last present (an event's date,
// a spell's end, a bad term's end), whether it still is, the facts behind it, and the latest
// recurrence after attachment.
func (c *evaluation) history(pr *Problem, attached, at Moment) history {
	var h history
	afterAttachment := false // whether any occurrence began after attachment: only those can be recurrences
	attachedAt, recurred := attached.UnixNano(), int64(0)
	start := len(c.ids)
	occs := c.occs[:0]
	for j := range pr.Indicators {
		ind := &pr.Indicators[j]
		for _, i := range c.indFacts[ind.index] {
			fact := &c.f.Facts[i]
			o := occurrence{term: -1, member: c.facts[i].member, fact: i}
			var ended Moment
			switch {
			case ind.Attendance != nil:
				ti := c.facts[i].term
				if ti < 0 {
					continue
				}
				t := &c.p.Terms[ti]
				if !t.Start.Before(at.Time) || !badTerm(ind.Attendance, fact) || !c.subjectMatches(ind, i, t.Start) {
					continue
				}
				h.latest = maxMoment(h.latest, t.Start)
				if t.End.After(at.Time) {
					h.ongoing = true
					c.ids = append(c.ids, fact.ID)
					continue
				}
				o.start, ended, o.term = t.Start.UnixNano(), t.End, ti
			case fact.Date != nil:
				if fact.Date.After(at.Time) || !c.subjectMatches(ind, i, *fact.Date) {
					continue
				}
				o.start, ended = fact.Date.UnixNano(), *fact.Date
				h.latest = maxMoment(h.latest, *fact.Date)
			case fact.Start != nil:
				if fact.Start.After(at.Time) || !c.subjectMatches(ind, i, *fact.Start) {
					continue
				}
				h.latest = maxMoment(h.latest, *fact.Start)
				if fact.End == nil || fact.End.After(at.Time) {
					h.ongoing = true
					c.ids = append(c.ids, fact.ID)
					continue
				}
				o.start, ended = fact.Start.UnixNano(), *fact.End
			default:
				continue
			}
			o.end = ended.UnixNano()
			if !h.found || ended.After(h.last.Time) {
				h.last, h.found = ended, true
			}
			afterAttachment = afterAttachment || o.start > attachedAt
			c.ids = append(c.ids, fact.ID)
			occs = append(occs, o)
		}
	}
	c.occs = occs
	for _, o := range occs {
		if !afterAttachment {
			break
		}
		if o.start <= attachedAt || o.start <= recurred {
			continue
		}
		if slices.ContainsFunc(occs, func(q occurrence) bool { return q.fact != o.fact && endedBefore(q, o) }) {
			recurred, h.recurredBy = o.start, c.f.Facts[o.fact].ID
		}
	}
	if recurred != 0 {
		h.recurred = Moment{time.Unix(0, recurred).In(London)}
	}
	mine := c.ids[start:]
	slices.Sort(mine)
	c.ids = c.ids[:start+len(slices.Compact(mine))]
	h.ids = c.carve(start)
	return h
}

// endedBefore says whether q had ended before o began, so that o is a recurrence: a bad term
// straight after another bad term of the same child continues it.
func endedBefore(q, o occurrence) bool {
	if o.term >= 0 && q.term == o.term-1 && q.member == o.member {
		return false
	}
	return q.end < o.start || (q.end == o.start && q.start < o.start)
}

// badTerm says whether one census term shows the problem.
func badTerm(a *Attendance, fact *Fact) bool {
	missed := fact.SessionsUnauthorised + fact.SessionsAuthorised
	return (a.MaxAbsenceRate > 0 && fact.SessionsPossible > 0 && float64(missed) >= a.MaxAbsenceRate*float64(fact.SessionsPossible)) ||
		(a.MinFixedExclusions > 0 && fact.FixedTermExclusions > 0) ||
		(a.PermanentExclusion && fact.PermanentExclusion) ||
		(a.AlternativeProvided && fact.AlternativeProvision)
}

// gaps lists the data missing for the period [start, until) to be shown to have held: every
// feed the problem reads (one the council receives, or one its evidence came from) must reach
// until, and a school problem needs census rows for every term counted (ruling 1).
func (c *evaluation) gaps(pr *Problem, a *Attachment, start, until Moment) []Awaiting {
	var buf [4]Awaiting
	out := buf[:0]
	var feeds [8]string
	seen := feeds[:0]
	for j := range pr.Indicators {
		ind := &pr.Indicators[j]
		if ind.Attendance != nil || slices.Contains(seen, ind.Feed) {
			continue
		}
		seen = append(seen, ind.Feed)
		cov, held := c.f.Coverage.through(ind.Feed)
		if !held && !c.evidencedBy(pr, ind.Feed) {
			continue // a feed the council does not receive, and none of this family's evidence
		}
		if !held {
			out = append(out, Awaiting{Feed: ind.Feed})
		} else if cov.Before(until.Time) {
			out = append(out, Awaiting{Feed: ind.Feed, After: cov})
		}
	}
	if c.usesUCShare(pr, a, start) {
		if cov, _ := c.f.Coverage.through(UCDataShare); cov.Before(until.Time) {
			out = append(out, Awaiting{Feed: UCDataShare, After: cov})
		}
	}
	out = c.censusGaps(pr, start, until, out)
	if len(out) == 0 {
		return nil
	}
	// Carved from one array per judgement, as evidence ids are from c.ids.
	if cap(c.awaits)-len(c.awaits) < len(out) {
		c.awaits = make([]Awaiting, 0, max(len(c.f.Attachment.Baseline), len(out)))
	}
	first := len(c.awaits)
	c.awaits = append(c.awaits, out...)
	return c.awaits[first:len(c.awaits):len(c.awaits)]
}

// evidencedBy says whether any of the family's facts read by the problem come from the feed.
func (c *evaluation) evidencedBy(pr *Problem, feed string) bool {
	for j := range pr.Indicators {
		if ind := &pr.Indicators[j]; ind.Feed == feed && len(c.indFacts[ind.index]) > 0 {
			return true
		}
	}
	return false
}

// censusGaps adds, for a problem read from school census rows, each term counted in
// [start, until) that lacks a row with sessions for a child whose schooling was the problem.
func (c *evaluation) censusGaps(pr *Problem, start, until Moment, out []Awaiting) []Awaiting {
	var census *Indicator
	for j := range pr.Indicators {
		if pr.Indicators[j].Attendance != nil {
			census = &pr.Indicators[j]
			break
		}
	}
	if census == nil {
		return out
	}
	var buf [6]int32
	children := buf[:0]
	for _, o := range c.occs { // the occurrences history just read
		if o.member >= 0 && !slices.Contains(children, o.member) {
			children = append(children, o.member)
		}
	}
	for ti := range c.p.Terms { // in order of their starts
		t := &c.p.Terms[ti]
		if !t.Start.Before(until.Time) {
			break
		}
		if t.Start.Before(start.Time) {
			continue
		}
		for _, m := range children {
			if child, _ := c.childAt(m, t.Start); child && !c.hasCensusRow(census, m, int32(ti)) {
				out = append(out, Awaiting{Feed: "school_census", Term: t.Code})
				break
			}
		}
	}
	return out
}

// hasCensusRow says whether a child has a census row with sessions for a term.
func (c *evaluation) hasCensusRow(census *Indicator, member, term int32) bool {
	for _, i := range c.indFacts[census.index] {
		if c.facts[i].member == member && c.facts[i].term == term && c.f.Facts[i].SessionsPossible > 0 {
			return true
		}
	}
	return false
}

// benefitIndicator is the problem's indicator on out-of-work benefits, or nil.
func benefitIndicator(pr *Problem) *Indicator {
	for j := range pr.Indicators {
		if pr.Indicators[j].Feed == feedBenefits {
			return &pr.Indicators[j]
		}
	}
	return nil
}

// endedSpells calls fn for each benefit spell of the problem that ended by at and evidenced
// it at attachment or since (its end is inside the indicator's look-back from attachment).
func (c *evaluation) endedSpells(ind *Indicator, a Moment, at Moment, fn func(fact *Fact, member int32) bool) bool {
	from := c.lookbackStart(ind.Lookback, a)
	for _, i := range c.indFacts[ind.index] {
		fact := &c.f.Facts[i]
		if fact.Start == nil || fact.End == nil || fact.End.After(at.Time) || !fact.End.After(from.Time) {
			continue
		}
		if !fn(fact, c.facts[i].member) {
			return false
		}
	}
	return true
}

// usesUCShare says whether the problem's progress rests on the Universal Credit data share:
// a benefit spell that ended by the clock's start, with the share holding data after its end.
func (c *evaluation) usesUCShare(pr *Problem, a *Attachment, start Moment) bool {
	ind := benefitIndicator(pr)
	if ind == nil {
		return false
	}
	share, held := c.f.Coverage.through(UCDataShare)
	uses := false
	c.endedSpells(ind, a.Date, start, func(fact *Fact, _ int32) bool {
		uses = uses || (held && share.After(fact.End.Time))
		return true
	})
	return uses
}

// progressToWork applies ruling 2 to a problem read from benefit spells: each spell that
// ended needs positive evidence that its claimant did not simply move to Universal Credit,
// either the UC data share holding data after the end (a UC spell would then be on record) or
// evidence of work, training, volunteering or job search for the claimant. It answers from
// when that evidence holds, and false when some spell has none.
func (c *evaluation) progressToWork(pr *Problem, a *Attachment, at Moment) (Moment, bool) {
	ind := benefitIndicator(pr)
	if ind == nil {
		return Moment{}, true
	}
	share, held := c.f.Coverage.through(UCDataShare)
	var from Moment
	ok := c.endedSpells(ind, a.Date, at, func(fact *Fact, member int32) bool {
		if held && share.After(fact.End.Time) {
			from = maxMoment(from, *fact.End)
			return true
		}
		since, found := c.workEvidenceSince(member, *fact.End, at)
		from = maxMoment(from, since)
		return found
	})
	return from, ok
}

// workEvidenceSince is the earliest moment from `after` on at which a member's evidence of
// work (a spell of work, UC in the working regime) or of training, volunteering or job search
// (caseworkers' evidence) holds, up to at.
func (c *evaluation) workEvidenceSince(member int32, after, at Moment) (Moment, bool) {
	var best Moment
	found := false
	consider := func(fact *Fact) {
		from := fact.Date
		if from == nil {
			from = fact.Start
		}
		if from == nil || from.After(at.Time) || (fact.End != nil && !fact.End.After(after.Time)) ||
			(fact.Date != nil && fact.Date.Before(after.Time)) {
			return
		}
		m := maxMoment(*from, after)
		if !found || m.Before(best.Time) {
			best, found = m, true
		}
	}
	for _, list := range [2][]int32{c.work, c.progress} {
		for _, i := range list {
			if c.facts[i].member == member {
				consider(&c.f.Facts[i])
			}
		}
	}
	return best, found
}
