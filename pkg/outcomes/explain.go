package outcomes

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// text builds a batch of explanations in a judgement's reused buffer: dates, periods and
// numbers are appended in place, each explanation is closed with end, and flush turns the
// whole batch into strings that share one allocation.
type text struct {
	b    []byte
	ends []int // where each explanation of the batch ends in b
}

func (t *text) s(parts ...string) *text {
	for _, p := range parts {
		t.b = append(t.b, p...)
	}
	return t
}
func (t *text) m(m Moment) *text { t.b = m.appendTo(t.b); return t }
func (t *text) p(p Period) *text { t.b = p.appendTo(t.b); return t }
func (t *text) n(n int) *text    { t.b = strconv.AppendInt(t.b, int64(n), 10); return t }

// count writes a number of things: "1 problem", "3 problems".
func (t *text) count(n int, noun string) *text {
	t.n(n).s(" ", noun)
	if n != 1 {
		t.s("s")
	}
	return t
}
func (t *text) list(ids []string) *text {
	for i, id := range ids {
		if i > 0 {
			t.b = append(t.b, ", "...)
		}
		t.b = append(t.b, id...)
	}
	return t
}

// end closes one explanation of the batch.
func (t *text) end() { t.ends = append(t.ends, len(t.b)) }

// flush hands each explanation of the batch to put, in the order they were closed, and
// empties the buffer for the next batch.
func (t *text) flush(put func(i int, s string)) {
	all, start := string(t.b), 0
	for i, e := range t.ends {
		put(i, all[start:e])
		start = e
	}
	t.b, t.ends = t.b[:0], t.ends[:0]
}

// lines flushes the batch as a list.
func (t *text) lines() []string {
	if len(t.ends) == 0 {
		return nil
	}
	out := make([]string, len(t.ends))
	t.flush(func(i int, s string) { out[i] = s })
	return out
}

// WriteText writes a judgement as text an analyst can read.
func (j Judgement) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(
		&b,
		"Family %s at %s, under plan %s version %d (sha256 %s), engine %s\n",
		j.FamilyID,
		j.At,
		j.Plan.ID,
		j.Plan.Version,
		j.Plan.Hash[:min(12, len(j.Plan.Hash))],
		j.Engine,
	)
	b.WriteString("\nEligibility\n")
	for _, e := range j.Eligibility.Explanation {
		b.WriteString("  " + e + "\n")
	}
	if r := j.Readiness; r != nil {
		b.WriteString("\nAttachment readiness\n")
		if r.Ready {
			fmt.Fprintf(
				&b,
				"  ready: %d or more problems evidenced, assessment, family plan and lead professional in place\n",
				j.Eligibility.MinProblems,
			)
		}
		for _, m := range r.Missing {
			b.WriteString("  missing: " + m + "\n")
		}
	}
	if len(j.Problems) > 0 {
		b.WriteString("\nBaseline problems\n")
		for _, p := range j.Problems {
			fmt.Fprintf(&b, "  %-20s %-20s %s\n", p.Code, p.Status, p.Explanation)
		}
	}
	if len(j.Employment) > 0 {
		b.WriteString("\nContinuous employment\n")
		for _, e := range j.Employment {
			flags := ""
			if len(e.Flags) > 0 {
				flags = " [" + strings.Join(e.Flags, ", ") + "]"
			}
			fmt.Fprintf(&b, "  adult %s: %s%s\n", e.Person, e.Explanation, flags)
		}
	}
	b.WriteString("\nResult\n")
	for _, e := range j.Result.Explanation {
		b.WriteString("  " + e + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
