package db

import (
	"slices"
	"testing"
)

// Values with the characters the text form quotes (commas, quotes, braces, spaces, backslashes)
// and the empty string come back as they went; nil is written as the empty array.
func TestTextArrayRoundTrips(t *testing.T) {
	in := TextArray{"CRIME", "a,b", `say "hi"`, "{x}", " spaced ", `back\slash`, "", "NULL"}
	v, err := in.Value()
	if err != nil {
		t.Fatal(err)
	}
	var out TextArray
	if err := out.Scan(v); err != nil || !slices.Equal(in, out) {
		t.Fatalf("%q came back %q (%v) from %v", in, out, err, v)
	}
	if v, _ := TextArray(nil).Value(); v != "{}" {
		t.Errorf("nil is %v", v)
	}
	if err := out.Scan(nil); err != nil || out != nil {
		t.Errorf("NULL is %q %v", out, err)
	}
	if err := out.Scan(42); err == nil {
		t.Error("an integer scanned")
	}
}
