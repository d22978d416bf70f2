package outcomes

import "sort"

// Term is one school term: "2016-AUT" (autumn 2016), "2017-SPR", "2017-SUM".
type Term struct {
	Code  string `yaml:"code"  json:"code"`
	Start Moment `yaml:"start" json:"start"`
	// End is the first day after the term (so a term is [Start, End)).
	End Moment `yaml:"end"   json:"end"`
}

// Calendar is the plan's school terms in order.
type Calendar []Term

func (c Calendar) sorted() Calendar {
	out := append(Calendar(nil), c...)
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start.Time) })
	return out
}

// endOfNthTermAfter is the end of the n-th whole term starting at or after from: a clock
// that starts mid-term or in a holiday counts from the next term. False when the calendar
// does not reach that far.
func (c Calendar) endOfNthTermAfter(from Moment, n int) (Moment, bool) {
	seen := 0
	for _, t := range c {
		if t.Start.Before(from.Time) {
			continue
		}
		seen++
		if seen == n {
			return t.End, true
		}
	}
	return Moment{}, false
}

// startOfNthTermBefore is the start of the n-th latest term that started before to.
func (c Calendar) startOfNthTermBefore(to Moment, n int) Moment {
	last := -1 // the latest term that started before to
	for i, t := range c {
		if t.Start.Before(to.Time) {
			last = i
		}
	}
	if last < 0 {
		return to
	}
	return c[max(0, last-n+1)].Start
}

// term returns the term with the code.
func (c Calendar) term(code string) (Term, bool) {
	for _, t := range c {
		if t.Code == code {
			return t, true
		}
	}
	return Term{}, false
}
