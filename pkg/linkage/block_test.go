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
		people = append(
			people,
			Prepare(
				fmt.Sprintf("Other%c", 'A'+i),
				fmt.Sprintf("Person%c", 'A'+i),
				"1961-02-03",
				"F",
				fmt.Sprintf("LA%d 1AA", i),
			),
		)
	}
	for _, p := range CandidatePairs(people) {
		if p == [2]int32{0, 1} {
			t.Errorf("a date of birth shared by %d records still paired them", len(people))
		}
	}
}

// Records that share nothing but their address (names, date of birth and postcode all
// changed) meet by the first address line while few records share it; and by the postcode
// alone, while few share that. Households and common street names make big blocks, left to
// the finer keys.
func TestTheAddressAndPostcodePairAloneOnlyInSmallBlocks(t *testing.T) {
	a := Prepare("Agnieszka", "Nowak", "1961-02-03", "F", "PR1 1AA").WithAddress("14 Rene Street")
	b := Prepare("Jane", "Clarke", "1919-12-11", "F", "BB2 7ZZ").WithAddress("14 rene-street")
	c := Prepare("Amy", "Smith", "1990-01-01", "F", "LA1 1AA")
	d := Prepare("Beth", "Jones", "2001-07-09", "F", "LA1 1AA")
	if pairs := CandidatePairs([]Person{a, b, c, d}); !slices.Equal(pairs, [][2]int32{{0, 1}, {2, 3}}) {
		t.Errorf("a rare address line or postcode alone did not pair them: %v", pairs)
	}
	people := []Person{a, b}
	for i := range MaxCoarseBlock {
		people = append(
			people,
			Prepare(
				fmt.Sprintf("Other%c", 'A'+i),
				"Person",
				fmt.Sprintf("19%02d-01-01", 50+i),
				"F",
				fmt.Sprintf("LA%d 1AA", i),
			).WithAddress("14 Rene Street"),
		)
	}
	for _, p := range CandidatePairs(people) {
		if p == [2]int32{0, 1} {
			t.Errorf("an address line shared by %d records still paired them", len(people))
		}
	}
	if none := Prepare("A", "B", "", "", "").WithAddress(" - "); none.Address != 0 {
		t.Errorf("an address line of no letters or digits: %x, want 0", none.Address)
	}
}

func TestCandidatePairsAreSortedAndDistinct(t *testing.T) {
	people := []Person{
		Prepare("Ann", "Lee", "2001-01-01", "F", "PR1 1AA"),
		Prepare("Ann", "Lee", "2001-01-01", "F", "PR1 1AA"),
		Prepare("Anne", "Lee", "2001-01-01", "F", "PR1 1AB"),
		Prepare("Bob", "Stone", "1970-05-05", "M", "LA9 9ZZ"),
	}
	pairs := CandidatePairs(people)
	want := [][2]int32{{0, 1}, {0, 2}, {1, 2}}
	if !slices.Equal(pairs, want) {
		t.Errorf("pairs %v, want %v", pairs, want)
	}
}

// xorshiftKeys are n 64-bit keys from a fixed xorshift stream, spread like hashes.
func xorshiftKeys(n int) []uint64 {
	x := uint64(88172645463325252)
	s := make([]uint64, n)
	for i := range s {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		s[i] = x
	}
	return s
}

func TestSortHashedSortsOnEveryCore(t *testing.T) {
	s := xorshiftKeys(300000)
	want := slices.Clone(s)
	slices.Sort(want)
	for _, depth := range []int{0, 1, 2, 3} {
		got := slices.Clone(s)
		sortSplit(got, func(v uint64) uint64 { return v }, 63, depth)
		if !slices.Equal(got, want) {
			t.Errorf("split %d times: not sorted", depth)
		}
	}
}

func TestRadixSortSortsByTheWholeKey(t *testing.T) {
	s := xorshiftKeys(10000)
	s[5] = 0
	want := slices.Clone(s)
	slices.Sort(want)
	radixSort(s, func(v uint64) uint64 { return v })
	if !slices.Equal(s, want) {
		t.Error("radixSort disagrees with slices.Sort")
	}
}
