package linkage

import (
	"fmt"
	"testing"
)

func TestScoreRanksTheSamePersonAboveOthers(t *testing.T) {
	m := NewModel(DefaultProbabilities())
	amy := Prepare("Amy", "Smith", "2008-06-15", "F", "PR1 2AB")
	for _, c := range []struct {
		name       string
		other      Person
		match      bool
		comparison Comparison
	}{
		{"same record", Prepare("AMY", "SMITH", "2008-06-15", "F", "pr12ab"), true, Comparison{Exact, Exact, Exact, Exact, Exact, Missing}},
		{"typo and move", Prepare("Amy", "Smyth", "2008-06-15", "F", "BB4 6QT"), true, Comparison{Exact, Partial, Exact, Differ, Exact, Missing}},
		{"impossible date: unknown", Prepare("Amy", "Smith", "2008-15-06", "F", "PR1 2AB"), true, Comparison{Exact, Exact, Missing, Exact, Exact, Missing}},
		{"transposed dob", Prepare("Amy", "Smith", "2008-06-06", "", "PR1 2AB"), true, Comparison{Exact, Exact, Partial, Exact, Missing, Missing}},
		{"names swapped", Prepare("Smith", "Amy", "2008-06-15", "F", "PR1 2AB"), true, Comparison{Close, Close, Exact, Exact, Exact, Missing}},
		{"names swapped, one mistyped", Prepare("Smithe", "Amy", "2008-06-15", "F", "PR1 2AB"), true, Comparison{Partial, Partial, Exact, Exact, Exact, Missing}},
		{"postcode's digits swapped", Prepare("Amy", "Smith", "2008-06-15", "F", "RP1 2AB"), true, Comparison{Exact, Exact, Exact, Partial, Exact, Missing}},
		{"sister", Prepare("Beth", "Smith", "2010-02-01", "F", "PR1 2AB"), false, Comparison{Differ, Exact, Differ, Exact, Exact, Missing}},
		{"stranger", Prepare("Tom", "Jones", "1979-01-01", "M", "LA1 1AA"), false, Comparison{Differ, Differ, Differ, Differ, Differ, Missing}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, cmp := m.Score(&amy, &c.other)
			if cmp != c.comparison {
				t.Errorf("%s: comparison %v, want %v", c.name, cmp, c.comparison)
			}
			if (w > 10) != c.match {
				t.Errorf("%s: weight %.1f", c.name, w)
			}
		})
	}
	ided := Prepare("Amy", "Smith", "2008-06-15", "F", "PR1 2AB").WithSource("health", "943 476 5919")
	if _, c := m.Score(&ided, &amy); c[FieldIdentifier] != Missing {
		t.Errorf("an identifier on one side only: %v", c)
	}
	same, other := Prepare(
		"A",
		"S",
		"",
		"",
		"",
	).WithSource("health", "9434765919"),
		Prepare(
			"Amy",
			"Smith",
			"",
			"",
			"",
		).WithSource("health", "1234567890")
	if _, c := m.Score(&ided, &same); c[FieldIdentifier] != Exact {
		t.Errorf("the same NHS number: %v", c)
	}
	if _, c := m.Score(&ided, &other); c[FieldIdentifier] != Differ {
		t.Errorf("another NHS number: %v", c)
	}
	school := Prepare("Amy", "Smith", "", "", "").WithSource("school_census", "9434765919")
	if _, c := m.Score(&ided, &school); c[FieldIdentifier] != Missing {
		t.Errorf("identifiers of two feeds: %v", c)
	}
	real := Prepare("Amy", "Smith", "2008-12-06", "F", "PR1 2AB")
	flipped := Prepare("Amy", "Smith", "2008-06-12", "F", "PR1 2AB")
	if _, c := m.Score(&real, &flipped); c[FieldDOB] != Close {
		t.Errorf("day and month transposed: %v", c)
	}
}

// The pair-scoring kernel: pairs a second on one core and allocations a pair
// (go test ./pkg/linkage -run XXX -bench Score -cpu 1).
func BenchmarkScore(b *testing.B) { benchmarkScore(b, false) }

// BenchmarkScoreWithFrequencies adds the term-frequency adjustment (two map look-ups on
// exact name agreement).
func BenchmarkScoreWithFrequencies(b *testing.B) { benchmarkScore(b, true) }

func benchmarkScore(b *testing.B, tf bool) {
	m := NewModel(DefaultProbabilities())
	var people []Person
	for i := 0; i < 1024; i++ {
		people = append(
			people,
			Prepare(
				fmt.Sprintf("Name%c%c", 'A'+i%26, 'A'+i/26%26),
				[]string{"Smith", "Smyth", "Jones", "Brown"}[i%4],
				fmt.Sprintf(
					"20%02d-%02d-%02d",
					i%18,
					1+i%12,
					1+i%28,
				),
				"MF"[i%2:i%2+1],
				fmt.Sprintf("PR%d %dAB", i%9, i%7),
			),
		)
	}
	if tf {
		m.Frequencies = CountFrequencies(people)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var sink float64
	for i := 0; i < b.N; i++ {
		w, _ := m.Score(&people[i&1023], &people[(i*7+3)&1023])
		sink += w
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
	_ = sink
}

func TestDateTyposCountsKeyingErrors(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		typos int
	}{
		{"1985-03-12", "1985-03-12", 0},
		{"1985-03-12", "1985-03-13", 1},
		{"1985-03-12", "1958-03-12", 1}, // neighbours swapped
		{"1985-03-12", "1985-12-03", 4},
		{"1970-04-04", "1998-09-09", 4},
	} {
		a, b := Prepare("A", "B", c.a, "", ""), Prepare("A", "B", c.b, "", "")
		if got := DateTypos(&a, &b); got != c.typos {
			t.Errorf("DateTypos(%s, %s) = %d, want %d", c.a, c.b, got, c.typos)
		}
	}
}

func TestPostcodesAgreeByPlaceOrByOneKeyingError(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		level uint8
	}{
		{"PR12AB", "PR12AB", Exact},
		{"PR12AB", "PR12XY", Close},     // one sector
		{"PR12AB", "PR19XY", Partial},   // one district
		{"PR12AB", "PR72AB", Partial},   // a digit mistyped
		{"FB203AG", "FB230AG", Partial}, // neighbours swapped across the space
		{"BB46QT", "BB64QT", Partial},   // neighbours swapped
		{"PR12AB", "LA11AA", Differ},
		{"PR12AB", "", Missing},
	} {
		if got := postcodeLevel(c.a, c.b); got != c.level {
			t.Errorf("postcodeLevel(%s, %s) = %d, want %d", c.a, c.b, got, c.level)
		}
	}
}
