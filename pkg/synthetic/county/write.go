package county

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/familypath/familypath/pkg/extracts"
)

// Summary counts what a county holds.
type Summary struct {
	Households, People, Eligible int
	Rows                         map[string]int // rows per feed
}

// TotalRows is the rows across every feed.
func (s Summary) TotalRows() int {
	n := 0
	for _, r := range s.Rows {
		n += r
	}
	return n
}

// WriteFiles writes the county into dir: one file per feed (<feed>.csv or <feed>.jsonl) and
// the ground truth under dir/truth: people.csv (each person's true details), rows.csv (the
// person each feed row really is) and households.csv (members, planted problems, and the
// problems and eligibility the engine finds at the reference date).
func WriteFiles(dir string, format extracts.Format, cfg Config) (Summary, error) {
	if err := os.MkdirAll(filepath.Join(dir, "truth"), 0o750); err != nil {
		return Summary{}, err
	}
	var files []*os.File
	open := func(name string) (*bufio.Writer, error) {
		f, err := os.Create(filepath.Join(dir, name)) // #nosec G304 -- the caller chose dir
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		return bufio.NewWriterSize(f, 256<<10), nil
	}
	var bufs []*bufio.Writer
	feeds := map[string]*feedWriter{}
	for _, f := range extracts.Feeds() {
		w, err := open(f.Name + "." + string(format))
		if err != nil {
			return Summary{}, closeAll(files, err)
		}
		bufs = append(bufs, w)
		feeds[f.Name] = newFeedWriter(w, f, format)
	}
	truth := map[string]*csv.Writer{}
	for name, header := range map[string][]string{
		"people":     {"person_id", "household_id", "role", "forename", "surname", "dob", "sex", "pregnant", "nino", "nhs_number", "upn", "lcs_id", "pnc_id"},
		"rows":       {"feed", "row", "person_id", "household_id"},
		"households": {"household_id", "members", "address_line1", "town", "postcode", "moved_on", "planted", "problems", "has_dependants", "eligible"},
	} {
		w, err := open(filepath.Join("truth", name+".csv"))
		if err != nil {
			return Summary{}, closeAll(files, err)
		}
		bufs = append(bufs, w)
		truth[name] = csv.NewWriter(w)
		_ = truth[name].Write(header)
	}
	s := Summary{Rows: map[string]int{}}
	err := Generate(cfg, func(h *Household, rows []Row) error {
		s.Households++
		s.People += len(h.Members)
		if h.Eligible {
			s.Eligible++
		}
		var ids []string
		for _, p := range h.Members {
			ids = append(ids, p.ID)
			role := "child"
			if p.Adult {
				role = "adult"
			}
			_ = truth["people"].Write(
				[]string{
					p.ID,
					h.ID,
					role,
					p.Forename,
					p.Surname,
					p.DOB,
					p.Sex,
					yn(p.Pregnant),
					p.NINO,
					p.NHS,
					p.UPN,
					p.LCS,
					p.PNC,
				},
			)
		}
		_ = truth["households"].Write(
			[]string{h.ID, strings.Join(ids, ";"), h.Address.Line1, h.Address.Town, h.Address.Postcode, h.MovedOn,
				strings.Join(h.Planted, ";"), strings.Join(h.Problems, ";"), yn(h.Dependants), yn(h.Eligible)},
		)
		for _, r := range rows {
			s.Rows[r.Feed]++
			if err := feeds[r.Feed].write(r.Values); err != nil {
				return err
			}
			_ = truth["rows"].Write([]string{r.Feed, strconv.Itoa(r.Number), r.Person.ID, h.ID})
		}
		return nil
	})
	for _, t := range truth {
		t.Flush()
		err = errors.Join(err, t.Error())
	}
	for _, f := range feeds {
		err = errors.Join(err, f.flush())
	}
	for _, b := range bufs {
		err = errors.Join(err, b.Flush())
	}
	return s, closeAll(files, err)
}

func closeAll(files []*os.File, err error) error {
	for _, f := range files {
		err = errors.Join(err, f.Close())
	}
	return err
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// feedWriter writes one feed's rows as CSV (with its header) or JSON Lines (empty values left out).
type feedWriter struct {
	csv    *csv.Writer
	json   *bufio.Writer
	header []string
}

func newFeedWriter(w *bufio.Writer, f extracts.Feed, format extracts.Format) *feedWriter {
	fw := &feedWriter{header: f.Header()}
	if format == extracts.CSV {
		fw.csv = csv.NewWriter(w)
		_ = fw.csv.Write(fw.header)
	} else {
		fw.json = w
	}
	return fw
}

func (f *feedWriter) write(values []string) error {
	if f.csv != nil {
		return f.csv.Write(values)
	}
	obj := make(map[string]string, len(values))
	for i, v := range values {
		if v != "" {
			obj[f.header[i]] = v
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("a row of the county: %w", err)
	}
	_, err = f.json.Write(append(b, '\n'))
	return err
}

func (f *feedWriter) flush() error {
	if f.csv != nil {
		f.csv.Flush()
		return f.csv.Error()
	}
	return nil
}
