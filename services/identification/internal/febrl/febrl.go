// Package febrl converts the FEBRL linkage benchmarks (public synthetic person records with
// their truth; testdata/LICENSE) into the agency extract contract, so that identification's
// linkage is measured on data nobody here generated (docs/services/identification.md). The
// choices, since FEBRL records are Australian and carry no event:
//   - each record becomes a row of the housing feed (an event type and date the contract
//     needs, the same for every row: no feed identifier, so people are linked on their
//     person fields alone);
//   - given name and surname as forename and surname; street number and first address line as
//     address line 1, the second as line 2, the suburb as town;
//   - the date of birth YYYYMMDD as YYYY-MM-DD when it is a calendar date (the reader reports
//     others as unknown, as it does an agency's);
//   - sex unknown (FEBRL has none);
//   - the 4-digit postcode as a UK-shaped one, deterministically, so that the same postcode is
//     the same and a changed digit changes it: "2612" is "FB26 1AC" (district from the first
//     two digits, sector from the third, the unit from the fourth); postcodes that are not
//     four digits are left out;
//   - soc_sec_id left out (a fair test of probabilistic linkage), as is the state.
//
// Truth: rec-<n>-org and rec-<n>-dup-<k> are one person, <n>.
package febrl

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File is the extract file Convert writes.
const File = "housing.csv"

// Convert reads a FEBRL data set and writes it into dir as the housing feed's extract. It
// answers each written row's true person (by row number, from 1), in order.
func Convert(r io.Reader, dir string) ([]string, error) {
	in := csv.NewReader(r)
	in.TrimLeadingSpace = true
	header, err := in.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"rec_id", "given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "date_of_birth"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("not a FEBRL data set: no column %s", need)
		}
	}
	f, err := os.Create(filepath.Join(dir, File)) // #nosec G304 -- the caller's folder
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := csv.NewWriter(f)
	_ = out.Write(
		[]string{
			"event_type",
			"event_date",
			"forename",
			"surname",
			"dob",
			"sex",
			"address_line1",
			"address_line2",
			"town",
			"postcode",
		},
	)
	var truth []string
	for line := 2; ; line++ {
		rec, err := in.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		get := func(name string) string { return strings.TrimSpace(rec[col[name]]) }
		person, ok := personOf(get("rec_id"))
		if !ok {
			return nil, fmt.Errorf("line %d: rec_id %q is not rec-<n>-org or rec-<n>-dup-<k>", line, get("rec_id"))
		}
		truth = append(truth, person)
		line1 := strings.TrimSpace(get("street_number") + " " + get("address_1"))
		_ = out.Write(
			[]string{"RENT_ARREARS", "2016-06-01", get("given_name"), get("surname"), date(get("date_of_birth")), "",
				line1, get("address_2"), get("suburb"), Postcode(get("postcode"))},
		)
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return nil, err
	}
	return truth, f.Close()
}

// personOf is the true person of a FEBRL record id.
func personOf(id string) (string, bool) {
	rest, ok := strings.CutPrefix(id, "rec-")
	if !ok {
		return "", false
	}
	n, kind, _ := strings.Cut(rest, "-")
	return n, n != "" && (kind == "org" || strings.HasPrefix(kind, "dup"))
}

// date is YYYYMMDD as YYYY-MM-DD, or "" when it is not a calendar date.
func date(s string) string {
	t, err := time.Parse("20060102", s)
	if err != nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// Postcode maps a 4-digit Australian postcode to a UK-shaped one ("2612" is "FB26 1AC"), or
// "" for anything else.
func Postcode(p string) string {
	if len(p) != 4 || strings.Trim(p, "0123456789") != "" {
		return ""
	}
	return "FB" + p[:2] + " " + p[2:3] + "A" + string(rune('A'+(p[3]-'0')))
}
