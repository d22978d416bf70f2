package extracts

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzReader feeds every feed's reader arbitrary bytes, as CSV and as JSON Lines: it must
// never panic, must account for every row, and must only return rows that keep the contract.
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"forename,surname,dob,sex,postcode,upn,term,sessions_possible\nAmy,Smith,2008-06-15,F,PR1 2AB,A12345678901B,2016-AUT,150\n",
		"\uFEFFterm,sessions_possible\n\"2016-AUT\",\"1\"\n\"unterminated\n",
		"{\"term\":\"2016-AUT\",\"sessions_possible\":3}\n{\"dob\":\"2016-02-30\"}\n[]\n",
		"start_date,end_date,benefit,nino\n2016-01-01,2015-01-01,JSA,AB123456C\n",
		"person_ref_a,person_ref_b,relationship\nschool_census:A12345678901B,health:9434765919,PARENT_OF\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, feed := range feeds {
			for _, format := range []Format{CSV, JSONLines} {
				checkReader(t, feed.Name, format, data)
			}
		}
	})
}

func checkReader(t *testing.T, feed string, format Format, data []byte) {
	r, err := NewReader(strings.NewReader(string(data)), feed, format, Options{AsOf: "2016-10-01"})
	var he *HeaderError
	if errors.As(err, &he) {
		return
	}
	if err != nil {
		t.Fatalf("%s %s: %v", feed, format, err)
	}
	last := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s %s: %v", feed, format, err)
		}
		if row.Row <= last || row.Line < 1 {
			t.Fatalf("%s %s: row %d line %d after row %d", feed, format, row.Row, row.Line, last)
		}
		last = row.Row
		for _, d := range []string{row.DOB, row.EventDate, row.StartDate, row.EndDate} {
			if d != "" && !isDate(d) {
				t.Fatalf("%s %s: accepted a row with date %q", feed, format, d)
			}
		}
		if row.EndDate != "" && row.EndDate < row.StartDate || row.DOB > "2016-10-01" {
			t.Fatalf("%s %s: accepted a row breaking a rule: %+v", feed, format, row)
		}
		if row.EventType == "" && feed != Housing && feed != HouseholdLinks {
			t.Fatalf("%s %s: accepted a row with no event type", feed, format)
		}
	}
	n := r.Counts()
	if n.Rows != n.Accepted+n.Rejected {
		t.Fatalf("%s %s: counts do not add up: %+v", feed, format, n)
	}
	for _, i := range r.Issues() {
		if i.Line < 1 || i.Reason == "" {
			t.Fatalf("%s %s: issue without a line or reason: %+v", feed, format, i)
		}
	}
}
