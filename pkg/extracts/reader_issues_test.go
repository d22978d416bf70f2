package extracts

import (
	"strings"
	"testing"
)

// With Options.Issues each issue goes to the caller as it is found, in order, and the reader
// keeps none: a file of millions of rejected rows is reported in flat memory.
func TestIssuesGoToTheCallerAndAreNotKept(t *testing.T) {
	var b strings.Builder
	b.WriteString(
		"forename,surname,dob,sex,address_line1,address_line2,town,postcode,uprn,lcs_id,episode_type,start_date,end_date,unknown_column\n",
	)
	for i := 0; i < 1000; i++ {
		b.WriteString("Amy,Smith,2008-06-15,F,1 Road,,Preston,PR1 1AA,,LCS-1,NOT_A_CODE,2016-01-01,,x\n")
	}
	var got []Issue
	rd, err := NewReader(
		strings.NewReader(b.String()),
		SocialCare,
		CSV,
		Options{Issues: func(i Issue) { got = append(got, i) }},
	)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := rd.Next(); err != nil {
			break
		}
	}
	if rd.Issues() != nil {
		t.Errorf("the reader kept %d issues", len(rd.Issues()))
	}
	rejected := 0
	for i, is := range got {
		if is.Kind == RejectedRow {
			rejected++
		}
		if i > 0 && is.Line < got[i-1].Line {
			t.Fatalf("issue %d (line %d) after line %d", i, is.Line, got[i-1].Line)
		}
	}
	if got[0].Kind != IgnoredColumn || rejected != 1000 || rd.Counts().Rejected != 1000 {
		t.Errorf("first %+v, %d rejected rows reported, %d counted", got[0], rejected, rd.Counts().Rejected)
	}
}
