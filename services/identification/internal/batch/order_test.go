package batch

import (
	"slices"
	"testing"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/synthetic/county"
	"github.com/familypath/familypath/services/identification/internal/matching"
)

// The same records link alike in any order of their extracts: a run lists its uploads by
// id, which is no order of the data, and an auditor linking the same extracts again must
// find the same people and the same review queue.
func TestTheSameRecordsLinkAlikeInAnyOrderOfTheirExtracts(t *testing.T) {
	dir := t.TempDir()
	if _, err := county.WriteFiles(dir, extracts.CSV, county.Config{Seed: 11, Households: 120}); err != nil {
		t.Fatal(err)
	}
	records, files, err := Read(dir, "2016-10-01")
	if err != nil {
		t.Fatal(err)
	}
	want := matching.LinkPeople(records, matching.Settings{})
	for shift := 1; shift < len(files); shift++ {
		// the files' records rotated by shift files: each record's place in the new order
		var order []int
		for f := range files {
			source := int32((f + shift) % len(files)) // #nosec G115 -- a few files
			for i := range records {
				if records[i].Source == source {
					order = append(order, i)
				}
			}
		}
		moved := make([]matching.Record, len(records))
		for j, i := range order {
			moved[j] = records[i]
		}
		got := matching.LinkPeople(moved, matching.Settings{})
		if got.Count != want.Count || len(got.Review) != len(want.Review) || len(got.Links) != len(want.Links) {
			t.Errorf("files rotated by %d: %d people, %d links, %d review pairs; in file order %d, %d, %d",
				shift, got.Count, len(got.Links), len(got.Review), want.Count, len(want.Links), len(want.Review))
			continue
		}
		// the same people: two records are one person in one order when they are in the other
		first := map[int32]int32{} // a person in file order -> the person its first record has in the new order
		for j, i := range order {
			p := want.Of[i]
			if q, ok := first[p]; !ok {
				first[p] = got.Of[j]
			} else if q != got.Of[j] {
				t.Fatalf("files rotated by %d: record %d of %s joins another person", shift, records[i].Row.Row, records[i].Feed)
			}
		}
		if g, w := len(matching.GroupHouseholds(moved, got)), len(matching.GroupHouseholds(records, want)); g != w {
			t.Errorf("files rotated by %d: %d households; in file order %d", shift, g, w)
		}
		weights := func(p *matching.People) []float64 {
			var w []float64
			for _, u := range p.Review {
				w = append(w, u.Weight)
			}
			slices.Sort(w)
			return w
		}
		if !slices.Equal(weights(got), weights(want)) {
			t.Errorf("files rotated by %d: the review pairs' weights differ", shift)
		}
	}
}
