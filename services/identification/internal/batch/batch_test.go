package batch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/synthetic/county"
	"github.com/familypath/familypath/services/identification/internal/matching"
)

func smallCounty(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := county.WriteFiles(dir, extracts.CSV, county.Config{Seed: 3, Households: 400}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The command writes a row per record, a row per family and the review queue, with no
// name, date of birth or address in any of them.
func TestBatchWritesPeopleFamiliesAndTheReviewQueue(t *testing.T) {
	in, out := smallCounty(t), t.TempDir()
	var log bytes.Buffer
	if err := Command(context.Background(), []string{"--in", in, "--out", out, "--date", "2016-10-01"}, &log); err != nil {
		t.Fatal(err, log.String())
	}
	for _, stage := range []string{"read files: done in", "link people: done in", "judge families: done in"} { // progress as each stage ends
		if !strings.Contains(log.String(), stage) {
			t.Errorf("the batch did not say %q:\n%s", stage, log.String())
		}
	}
	people := readAll(t, filepath.Join(out, PeopleFile))
	records, _, err := Read(in, "2016-10-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != len(records) {
		t.Errorf("people.csv has %d rows for %d records", len(people), len(records))
	}
	families := readAll(t, filepath.Join(out, FamiliesFile))
	eligible := 0
	for _, f := range families {
		if f[2] == "Y" {
			eligible++
			if !strings.Contains(f[5], "=") || !strings.Contains(f[5], ":") {
				t.Errorf("an eligible family without its evidence: %v", f)
			}
		}
	}
	if eligible == 0 || !strings.Contains(log.String(), "eligible under lancashire-phase2") {
		t.Errorf("%d eligible; %s", eligible, log.String())
	}
	truth := readAll(t, filepath.Join(in, "truth", "people.csv"))
	if links := readAll(t, filepath.Join(out, LinksFile)); len(links) == 0 || links[0][3] == "" {
		t.Errorf("links.csv: %d links", len(links))
	}
	for _, name := range []string{PeopleFile, LinksFile, FamiliesFile, ReviewFile, RejectedFile} {
		b, err := os.ReadFile(filepath.Join(out, name)) // #nosec G304 -- the test's folder
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range truth[:50] {
			for _, v := range []string{p[4], p[5]} { // surname, date of birth
				if bytes.Contains(b, []byte(","+v+",")) {
					t.Errorf("%s holds personal data", name)
				}
			}
		}
	}
	if err := Command(context.Background(), []string{"--in", in, "--out", out}, &log); err == nil {
		t.Error("no date: accepted")
	}
}

// A reviewer's decision wins over any score, in every later run: records kept apart stay
// apart, records said to be one person are one.
func TestReviewersDecisionsWin(t *testing.T) {
	in := smallCounty(t)
	plan := lancashire(t)
	at := outcomes.Date(2016, 10, 1)
	first, err := Run(in, plan, at, matching.Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var linked matching.Link
	for _, l := range first.People.Links {
		if l.By == matching.ByScore {
			linked = l
			break
		}
	}
	if len(first.Review) == 0 || linked.By == "" {
		t.Fatalf("%d to review, no scored link", len(first.Review))
	}
	uncertain := first.Review[0]
	keys := first.People.Keys
	decisions := map[matching.Pair]bool{
		matching.PairOf(keys[linked.A], keys[linked.B]):       false,
		matching.PairOf(keys[uncertain.A], keys[uncertain.B]): true,
	}
	// Written and read back as an analyst would.
	file := filepath.Join(t.TempDir(), "decided.csv")
	if err := writeCSV(file, func(w func([]string) error) error {
		_ = w([]string{"rank", "pair_key", "decision"})
		for p, same := range decisions {
			_ = w([]string{"1", pairKey(p), map[bool]string{true: "same", false: "different"}[same]})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	read, err := ReadDecisions(file)
	if err != nil || len(read) != 2 {
		t.Fatal(read, err)
	}
	second, err := Run(in, plan, at, matching.Settings{Decisions: read}, nil)
	if err != nil {
		t.Fatal(err)
	}
	of := second.People.Of
	if of[linked.A] == of[linked.B] {
		t.Error("a pair decided different is still one person")
	}
	if of[uncertain.A] != of[uncertain.B] {
		t.Error("a pair decided the same is still two people")
	}
	if slices.ContainsFunc(
		second.Review,
		func(it matching.ReviewItem) bool { return it.A == uncertain.A && it.B == uncertain.B },
	) {
		t.Error("a decided pair is still in the review queue")
	}
}

func TestBadDecisionsAreRefusedWithTheirLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "d.csv")
	if err := os.WriteFile(file, []byte("pair_key,decision\nzz-00,same\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDecisions(file); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("%v", err)
	}
}

// A file in the folder that names no feed is never skipped: the batch fails, naming it and
// the feeds it knows; folders and hidden files are not extracts and are passed over.
func TestAFileThatNamesNoFeedFailsTheBatch(t *testing.T) {
	in := t.TempDir()
	police := "pnc_id,event_type,event_date,forename,surname,dob,sex,postcode\n,ASB_INTERVENTION,2016-07-01,Ann,Lee,1980-01-02,F,PR1 2AB\n"
	for name, text := range map[string]string{"police-2016-09.csv": police, ".DS_Store": "x", "polise.csv": police, "notes.txt": "read me"} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(in, name), []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
		})
	}
	if err := os.Mkdir(filepath.Join(in, "old"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, _, err := Read(in, "2016-10-01")
	if err == nil || !strings.Contains(err.Error(), "notes.txt, polise.csv") ||
		!strings.Contains(err.Error(), "school_census") ||
		strings.Contains(err.Error(), "DS_Store") {
		t.Fatalf("a misnamed file: %v", err)
	}
	for _, name := range []string{"polise.csv", "notes.txt"} {
		if err := os.Remove(filepath.Join(in, name)); err != nil {
			t.Fatal(err)
		}
	}
	if records, files, err := Read(in, "2016-10-01"); err != nil || len(files) != 1 || len(records) != 1 {
		t.Errorf("the folder with its extract alone: %d files, %d records, %v", len(files), len(records), err)
	}
}

// Every file's accepted rows are read, in the folder's order and each file's, whatever each
// rejects: the rows of several files, some rejected and some blank lines, close up without a
// gap or a row of another file.
func TestReadKeepsEveryAcceptedRowInOrder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("housing.csv", "event_type,event_date,forename,surname,dob,postcode\n"+
		"RENT_ARREARS,2016-06-01,Ann,Lee,2001-01-01,PR1 1AA\n"+
		"RENT_ARREARS,not a date,Bad,Row,2001-01-01,PR1 1AA\n"+
		"\n"+
		"RENT_ARREARS,2016-06-02,Bea,Moss,2002-02-02,PR1 1AB\n")
	write("police.csv", "pnc_id,forename,surname,dob,event_type,event_date,role\n"+
		"12/345678A,Cal,Nunn,1990-03-03,PROVEN_OFFENCE,2016-05-05,SUBJECT\n")
	records, files, err := Read(dir, "2016-10-01")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range records {
		got = append(got, r.Feed+":"+r.Forename)
	}
	if want := []string{"housing:Ann", "housing:Bea", "police:Cal"}; !slices.Equal(got, want) {
		t.Errorf("read %v, want %v", got, want)
	}
	if files[0].Counts.Rejected != 1 {
		t.Errorf("housing counts %+v", files[0].Counts)
	}
	if cap(records) != len(records) {
		t.Errorf("the records slice has room past its rows (%d of %d)", len(records), cap(records))
	}
}
