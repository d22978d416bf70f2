package matching

import (
	"fmt"
	"slices"
	"testing"
)

func counter(prefix string) func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("%s%d", prefix, n) }
}

func TestPeopleKeepTheirIDs(t *testing.T) {
	k := func(b byte) Key { return Key{b} }
	p := &People{Count: 3, Of: []int32{0, 0, 1, 2, 2}, Keys: []Key{k(1), k(2), k(3), k(4), k(5)}}
	// Person 0's records were person A; person 2 holds one of A's and one of B's; person 1 is new.
	known := map[Key]string{k(1): "A", k(2): "A", k(4): "A", k(5): "B"}
	ids := StablePeople(p, known, counter("new-"))
	if !slices.Equal(ids, []string{"A", "new-1", "B"}) {
		t.Errorf("ids %v", ids)
	}
}

func TestFamiliesKeepTheirIDsAndEachChangeIsExplained(t *testing.T) {
	people := []string{"p1", "p2", "p3", "p4", "p5", "p6"}
	previous := map[string]string{"p1": "F1", "p2": "F1", "p3": "F1", "p4": "F2", "p5": "F3"}
	before := map[string]int{"F1": 3, "F2": 1, "F3": 2}
	households := []Household{
		{Members: []int32{0, 1, 5}}, // F1 less p3, with a new person p6
		{Members: []int32{2}},       // p3 split from F1
		{Members: []int32{3, 4}},    // F2 and F3 merged (tie: F2 sorts first)
	}
	ids, changes := StableFamilies(households, people, previous, before, counter("new-"))
	if !slices.Equal(ids, []string{"F1", "new-1", "F2"}) {
		t.Fatalf("ids %v", ids)
	}
	kinds := map[string][]string{}
	for _, c := range changes {
		kinds[c.Family] = append(kinds[c.Family], c.Kind)
		if c.Explanation == "" {
			t.Errorf("unexplained %+v", c)
		}
	}
	want := map[string][]string{
		"F1":    {ChangeMembersLeft, ChangeMembersJoined},
		"new-1": {ChangeSplit},
		"F2":    {ChangeMerged},
	}
	for f, w := range want {
		if !slices.Equal(kinds[f], w) {
			t.Errorf("%s: %v, want %v", f, kinds[f], w)
		}
	}
	ids, changes = StableFamilies([]Household{{Members: []int32{0}}}, []string{"x"}, nil, nil, counter("n"))
	if ids[0] != "n1" || changes[0].Kind != ChangeNew {
		t.Errorf("%v %+v", ids, changes)
	}
}
