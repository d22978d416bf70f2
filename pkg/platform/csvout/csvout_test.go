package csvout

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// Cells a spreadsheet would run are quoted; numbers, dates and plain text are not.
func TestFormulaCellsAreQuoted(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")", "+SUM(A1)": "'+SUM(A1)", "-2+3": "'-2+3", "@cmd": "'@cmd",
		"\tx": "'\tx", "\rx": "'\rx", "-5": "-5", "-0.75": "-0.75", "+3": "+3", "2016-10-01": "2016-10-01", "CRIME:SUSTAINED": "CRIME:SUSTAINED",
		"": "", "a=b": "a=b",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
	var b bytes.Buffer
	w := NewWriter(&b)
	if err := w.WriteAll([][]string{{"kind", "reason"}, {"HELD", "=1+1"}}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][1] != "'=1+1" || rows[0][0] != "kind" {
		t.Errorf("written %v %v", rows, err)
	}
}
