package db

import (
	"slices"
	"testing"
)

// Any strings, quotes, backslashes, commas and braces included, round-trip through Postgres,
// as an argument and as a column scanned whole.
func TestTextArrayRoundTripsThroughPostgres(t *testing.T) {
	gdb := openTestDB(t)
	for _, in := range [][]string{{}, {"CRIME", "EDUCATION"}, {`a"b`, `c\d`, "e,f", "{g}", "", "NULL", "h i"}} {
		var out []string
		if err := gdb.Raw("SELECT unnest(?::text[])", TextArray(in)).Scan(&out).Error; err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out, in) && !(len(in) == 0 && len(out) == 0) {
			t.Errorf("%q came back as %q", in, out)
		}
		var whole struct{ A TextArray }
		if err := gdb.Raw("SELECT ?::text[] AS a", TextArray(in)).Scan(&whole).Error; err != nil ||
			!slices.Equal(whole.A, in) && len(in) > 0 {
			t.Errorf("%q scanned whole as %q (%v)", in, whole.A, err)
		}
	}
}
