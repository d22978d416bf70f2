package linkage

import (
	"fmt"
	"slices"
	"testing"
)

// Two records whose names and postcode all changed meet by their date of birth while few
// records share it, and not once it is common (the finer keys pair those).
func TestACoarseKeyPairsOnlyInSmallBlocks(t *testing.T) {
	a := Prepare("Agnieszka", "Nowak", "1961-02-03", "F", "PR1 1AA")
	b := Prepare("Jane", "Clarke", "1961-02-03", "F", "BB2 7ZZ")
	if pairs := CandidatePairs([]Person{a, b}); !slices.Equal(pairs, [][2]int32{{0, 1}}) {
		t.Errorf("a rare date of birth alone did not pair them: %v", pairs)
	}
	people := []Person{a, b}
	for i := range MaxCoarseBlock {
		people = append(people, Prepare(fmt.Sprintf("Other%c", 'A'+i), fmt.Sprintf("Person%c", 'A'+i), "1961-02-03", "F", fmt.Sprintf("LA%d 1AA", i)))
	}
	for _, p := range CandidatePairs(people) {
		if p == [2]int32{0, 1} {
			t.Errorf("a date of birth shared by %d records still paired them", len(people))
		}
	}
}

func TestCandidatePairsAreSortedAndDistinct(t *testing.T) {
	people := []Person{
		Prepare("Ann", "Lee", "2001-01-01", "F", "PR1 1AA"),
		Prepare("Ann", "Lee", "2001-01-01", "F", "PR1 1AA"),
		Prepare("Anne", "Lee", "2001-01-01", "F", "PR1 1AB"),
		Prepare("Bob", "Stone", "1970-05-05", "M", "PR1 1AA"),
	}
	pairs := CandidatePairs(people)
	want := [][2]int32{{0, 1}, {0, 2}, {1, 2}}
	if !slices.Equal(pairs, want) {
		t.Errorf("pairs %v, want %v", pairs, want)
	}
}

func TestRadixSortSortsByTheWholeKey(t *testing.T) {
	x := uint64(88172645463325252)
	s := make([]uint64, 10000)
	for i := range s {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		s[i] = x
	}
	s[5] = 0
	want := slices.Clone(s)
	slices.Sort(want)
	radixSort(s, func(v uint64) uint64 { return v })
	if !slices.Equal(s, want) {
		t.Error("radixSort disagrees with slices.Sort")
	}
}
