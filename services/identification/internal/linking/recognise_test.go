package linking

import (
	"testing"

	"github.com/familypath/familypath/pkg/linkage"
	"github.com/familypath/familypath/services/identification/internal/matching"
)

// A run gives a merged family's people the family it was merged into (through a merge of a
// merge), and a household recognised for certain its known family, unless an earlier run
// placed its people; a suspicion moves nobody.
func TestAMergedOrRecognisedFamilyKeepsTheSurvivingID(t *testing.T) {
	prior := &earlier{
		families: map[string]string{"p1": "b", "p2": "b", "p3": "x"},
		sizes:    map[string]int{"b": 2, "x": 1},
	}
	held := &Held{
		Known: []matching.Known{
			{FamilyID: "k", Members: []linkage.Person{{}, {}, {}}},
			{FamilyID: "s", Members: []linkage.Person{{}}},
		},
		Merged: map[string]string{"b": "c", "c": "a"},
	}
	households := []matching.Household{{Members: []int32{0, 1}}, {Members: []int32{2, 3, 4}}, {Members: []int32{5}}}
	people := []string{"p1", "p2", "p3", "p4", "p5", "p6"}
	rec := []matching.Recognition{
		{Household: 1, FamilyID: "k", Matched: 2, Certain: true},
		{Household: 2, FamilyID: "s", Partial: 1},
	}
	got, sizes := held.previous(prior, households, people, rec)
	want := map[string]string{"p1": "a", "p2": "a", "p3": "x", "p4": "k", "p5": "k"}
	if len(got) != len(want) {
		t.Fatalf("previous %v, want %v", got, want)
	}
	for p, f := range want {
		if got[p] != f {
			t.Errorf("%s in %q, want %q", p, got[p], f)
		}
	}
	if sizes["a"] != 2 || sizes["b"] != 0 || sizes["k"] != 3 || sizes["x"] != 1 {
		t.Errorf("sizes %v", sizes)
	}
	if prior.families["p1"] != "b" {
		t.Error("the earlier run's record was changed in place")
	}
}
