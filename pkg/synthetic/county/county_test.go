package county

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
)

func TestTheSameSeedMakesTheSameCountyAndHouseholdsDoNotDependOnSize(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if _, err := WriteFiles(a, extracts.CSV, Config{Seed: 7, Households: 200}); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFiles(b, extracts.CSV, Config{Seed: 7, Households: 200}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"police.csv", "school_census.csv", "truth/households.csv", "truth/rows.csv"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with one seed", f)
		}
	}
	var small, large []*Household
	_ = Generate(
		Config{Seed: 7, Households: 20},
		func(h *Household, _ []Row) error { small = append(small, h); return nil },
	)
	_ = Generate(
		Config{Seed: 7, Households: 40},
		func(h *Household, _ []Row) error { large = append(large, h); return nil },
	)
	for i := range small {
		if !reflect.DeepEqual(small[i], large[i]) {
			t.Fatalf("household %d differs between a county of 20 and one of 40", i)
		}
	}
}

// Every file the county writes must pass the contract's reader: errors are in person fields
// (reported, loaded as unknown), never rows the contract rejects.
func TestEveryFeedFileKeepsTheContract(t *testing.T) {
	for _, format := range []extracts.Format{extracts.CSV, extracts.JSONLines} {
		dir := t.TempDir()
		s, err := WriteFiles(dir, format, Config{Seed: 3, Households: 1500})
		if err != nil {
			t.Fatal(err)
		}
		unknown := 0
		for _, f := range extracts.Feeds() {
			file, err := os.Open(filepath.Join(dir, f.Name+"."+string(format)))
			if err != nil {
				t.Fatal(err)
			}
			r, err := extracts.NewReader(file, f.Name, format, extracts.Options{AsOf: "2016-10-01"})
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			for {
				if _, err := r.Next(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
			}
			file.Close()
			n := r.Counts()
			if n.Rejected != 0 || n.Rows != s.Rows[f.Name] {
				t.Errorf("%s %s: %+v, issues %v", format, f.Name, n, r.Issues()[:min(3, len(r.Issues()))])
			}
			unknown += n.UnknownValues
		}
		if unknown == 0 {
			t.Errorf("%s: no agency errors reached a person field", format)
		}
		if s.TotalRows() < 4*s.Households || s.Eligible == 0 || s.Rows[extracts.NotOnRoll] == 0 {
			t.Errorf("%s: summary %+v", format, s)
		}
	}
}

// The truth is judged by the engine on the true facts: a planted problem is found, nothing
// is found that was not planted, and eligibility follows (2+ problems and a dependant).
func TestTheTruthMatchesWhatWasPlanted(t *testing.T) {
	households, eligible, problems := 0, 0, 0
	err := Generate(Config{Seed: 11, Households: 3000, Clean: true}, func(h *Household, _ []Row) error {
		households++
		if !slices.Equal(sortedCopy(h.Problems), h.Planted) {
			t.Errorf("%s: planted %v, the engine finds %v", h.ID, h.Planted, h.Problems)
		}
		if h.Eligible != (len(h.Problems) >= 2 && h.Dependants) {
			t.Errorf("%s: eligible %v with %v", h.ID, h.Eligible, h.Problems)
		}
		if h.Eligible {
			eligible++
		}
		problems += len(h.Problems)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if share := float64(eligible) / float64(households); share < 0.05 || share > 0.15 {
		t.Errorf("%d of %d households eligible: want about a tenth", eligible, households)
	}
}

func sortedCopy(s []string) []string { c := slices.Clone(s); slices.Sort(c); return c }

// The county's people carry names in their own letters (Wiśniewski, Łukasz, Siobhán), which
// some agencies write plain (Wisniewski) and some in another spelling (Muhammad as Mohammed,
// O'Brien as OBrien), always as valid text.
func TestNamesComeInTheirOwnLettersAndAsAgenciesWriteThem(t *testing.T) {
	headers := map[string][]string{}
	for _, f := range extracts.Feeds() {
		headers[f.Name] = f.Header()
	}
	seen := map[string]bool{}
	err := Generate(Config{Seed: 7, Households: 3000}, func(_ *Household, rows []Row) error {
		for _, r := range rows {
			for i, col := range headers[r.Feed] {
				if col != "forename" && col != "surname" {
					continue
				}
				v := r.Values[i]
				if !utf8.ValidString(v) {
					t.Fatalf("%s %s is not valid text: %q", r.Feed, col, v)
				}
				for _, ch := range v {
					if ch > unicode.MaxASCII {
						seen["beyond ASCII"] = true
					}
				}
				for _, name := range []string{"Wisniewski", "Wiśniewski", "OBrien", "O Brien"} {
					if v == name {
						seen[name] = true
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"beyond ASCII", "Wisniewski", "Wiśniewski", "OBrien"} {
		if !seen[want] {
			t.Errorf("no row with %s", want)
		}
	}
}

// A county can be judged under another plan at another date (the demo plan today), its
// census counting that plan's terms; the same seed then plants the same problems.
func TestACountyIsJudgedUnderThePlanAsked(t *testing.T) {
	ps, err := outcomes.LoadWithFolder(plans.FS, filepath.Join("..", "..", "..", "plans", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	demo, ok := ps.Latest("familypath-demo")
	if !ok {
		t.Fatal("no demo plan")
	}
	census, _ := extracts.FeedNamed(extracts.SchoolCensus)
	termColumn := slices.Index(census.Header(), "term")
	count := func(cfg Config) (eligible int, terms map[string]bool) {
		terms = map[string]bool{}
		err := Generate(cfg, func(h *Household, rows []Row) error {
			if h.Eligible {
				eligible++
			}
			for _, r := range rows {
				if r.Feed == extracts.SchoolCensus {
					terms[r.Values[termColumn]] = true
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return eligible, terms
	}
	then, thenTerms := count(Config{Seed: 7, Households: 200})
	now, nowTerms := count(Config{Seed: 7, Households: 200, Reference: "2026-10-01", Plan: demo})
	if now == 0 || now != then {
		t.Errorf("eligible households: %d under the demo plan in 2026, %d under Lancashire's in 2016", now, then)
	}
	if !nowTerms["2026-SUM"] || nowTerms["2016-SUM"] || !thenTerms["2016-SUM"] {
		t.Errorf("census terms %v (2026) and %v (2016)", nowTerms, thenTerms)
	}
	if _, err := newGenerator(Config{Reference: "2025-10-01", Plan: demo}); err == nil {
		t.Error("a date before three of the plan's terms had begun was accepted")
	}
}
