package batch

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/familypath/familypath/pkg/linkage"
	"github.com/familypath/familypath/pkg/platform/csvout"
	"github.com/familypath/familypath/services/identification/internal/matching"
)

// The files a batch writes (columns in docs/services/identification.md).
const (
	PeopleFile   = "people.csv"
	LinksFile    = "links.csv"
	FamiliesFile = "families.csv"
	ReviewFile   = "review.csv"
	RejectedFile = "rejected.csv"
)

// Write writes the batch's CSV files into dir.
func (o *Output) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	// The files are written side by side: each only reads the output.
	files := []struct {
		name string
		rows func(func([]string) error) error
	}{{PeopleFile, o.people}, {LinksFile, o.links}, {FamiliesFile, o.families}, {ReviewFile, o.review}, {RejectedFile, o.rejected}}
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = writeCSV(filepath.Join(dir, f.name), f.rows)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func writeCSV(path string, rows func(func([]string) error) error) (err error) {
	f, err := os.Create(path) // #nosec G304 -- the analyst names the folder
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	w := csvout.NewWriter(f)
	if err := rows(w.Write); err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

// people: one row per record: feed, row, person_id, linked_by, link_score.
func (o *Output) people(write func([]string) error) error {
	if err := write([]string{"feed", "row", "person_id", "link_score"}); err != nil {
		return err
	}
	for i := range o.Records {
		r := &o.Records[i]
		if err := write([]string{o.labels[r.Source], strconv.Itoa(r.Row.Row), o.PersonIDs[o.People.Of[i]], score(o.People.Best[i])}); err != nil {
			return err
		}
	}
	return nil
}

// links: one row per link made, with the score and the comparisons that made it.
func (o *Output) links(write func([]string) error) error {
	if err := write([]string{"row_a", "row_b", "person_id", "linked_by", "weight",
		"forename_level", "surname_level", "dob_level", "postcode_level", "sex_level", "identifier_level"}); err != nil {
		return err
	}
	for _, l := range o.People.Links {
		row := []string{o.rowRef(l.A), o.rowRef(l.B), o.PersonIDs[o.People.Of[l.A]], l.By, score(l.Weight)}
		for f := range linkage.NumFields {
			row = append(row, levelNames[l.Comparison[f]])
		}
		if err := write(row); err != nil {
			return err
		}
	}
	return nil
}

// score is a link weight as written: empty for a record linked to no other, "decision"
// where a reviewer decided.
func score(w float64) string {
	switch {
	case math.IsNaN(w):
		return ""
	case math.IsInf(w, 1):
		return "decision"
	}
	return strconv.FormatFloat(w, 'f', 2, 64)
}

// families: one row per family: id, members, eligibility, open to a service, problems with
// their evidence (PROBLEM=INDICATOR:feed:row+feed:row|...), and what joined its people
// (ADDRESS_SPELLS, ACCOUNT, HOUSEHOLD_LINK, separated by spaces).
func (o *Output) families(write func([]string) error) error {
	if err := write([]string{"family_id", "members", "eligible", "problem_count", "open_to_service", "problems", "joined_by"}); err != nil {
		return err
	}
	for _, f := range o.Families {
		members := make([]string, len(f.Evidence.Members))
		for i, m := range f.Evidence.Members {
			members[i] = m.ID
		}
		var problems []string
		for _, p := range f.Eligibility.Problems {
			var hits []string
			for _, h := range p.Indicators {
				hits = append(hits, h.Code+":"+strings.Join(h.Facts, "+"))
			}
			problems = append(problems, p.Code+"="+strings.Join(hits, ","))
		}
		if err := write([]string{f.Evidence.ID, strings.Join(members, " "), yes(f.Eligibility.Eligible),
			strconv.Itoa(len(f.Eligibility.Problems)), yes(f.OpenToService), strings.Join(problems, "|"), strings.Join(f.Household.JoinedBy, " ")}); err != nil {
			return err
		}
	}
	return nil
}

// review: the review queue, most valuable first, with the pair's key for a decision.
func (o *Output) review(write func([]string) error) error {
	if err := write([]string{"rank", "value", "probability", "weight", "row_a", "person_a", "family_a", "row_b", "person_b", "family_b",
		"forename_level", "surname_level", "dob_level", "postcode_level", "sex_level", "identifier_level", "pair_key", "decision"}); err != nil {
		return err
	}
	for i, it := range o.Review {
		row := []string{strconv.Itoa(i + 1), strconv.Itoa(it.Value), strconv.FormatFloat(it.Probability, 'f', 3, 64),
			strconv.FormatFloat(it.Weight, 'f', 2, 64), o.rowRef(it.A), o.PersonIDs[o.People.Of[it.A]], it.FamilyA,
			o.rowRef(it.B), o.PersonIDs[o.People.Of[it.B]], it.FamilyB}
		for f := range linkage.NumFields {
			row = append(row, levelNames[it.Comparison[f]])
		}
		row = append(row, pairKey(matching.PairOf(o.People.Keys[it.A], o.People.Keys[it.B])), "")
		if err := write(row); err != nil {
			return err
		}
	}
	return nil
}

// levelNames name the comparison levels in the review file.
var levelNames = [linkage.NumLevels]string{"exact", "close", "partial", "differ", "missing"}

// rejected: every issue each file's reader reported (never a value).
func (o *Output) rejected(write func([]string) error) error {
	if err := write([]string{"file", "line", "row", "field", "kind", "reason"}); err != nil {
		return err
	}
	for _, f := range o.Files {
		for _, is := range f.Issues {
			if err := write([]string{filepath.Base(f.Path), strconv.Itoa(is.Line), strconv.Itoa(is.Row), is.Field, is.Kind, is.Reason}); err != nil {
				return err
			}
		}
	}
	return nil
}

func yes(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}
