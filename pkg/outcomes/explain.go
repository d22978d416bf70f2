package outcomes

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes a judgement as text an analyst can read.
func (j Judgement) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Family %s at %s, under plan %s version %d (sha256 %s)\n", j.FamilyID, j.At, j.Plan.ID, j.Plan.Version, j.Plan.Hash[:12])
	b.WriteString("\nEligibility\n")
	for _, e := range j.Eligibility.Explanation {
		b.WriteString("  " + e + "\n")
	}
	if r := j.Readiness; r != nil {
		b.WriteString("\nAttachment readiness\n")
		if r.Ready {
			b.WriteString("  ready: 2+ problems evidenced, assessment, family plan and lead professional in place\n")
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
