// Package batch is `identification batch`: the whole identification pipeline over a folder
// of extract files, for analysts, without the stack (no database, no Temporal). It writes
// people, families and the review queue as CSV, and the rows the files could not give.
package batch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/services/identification/internal/ingest"
	"github.com/familypath/familypath/services/identification/internal/matching"
)

// File is one extract file of a batch.
type File struct {
	Path, Feed string
	Format     extracts.Format
	Counts     extracts.Counts
	Issues     []extracts.Issue
}

// Read reads every extract file in dir (named after its feed: school_census.csv,
// police-2016-09.jsonl), side by side, into one run's records. A file that cannot be read
// at all fails the batch, naming the file; rows a file rejects are in its Issues.
func Read(dir, asOf string) ([]matching.Record, []File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var files []File
	var unknown []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") { // folders and hidden files (.DS_Store) are not extracts
			continue
		}
		format := extracts.CSV
		switch strings.ToLower(filepath.Ext(name)) {
		case ".jsonl", ".ndjson":
			format = extracts.JSONLines
		case ".csv":
		default:
			unknown = append(unknown, name)
			continue
		}
		feed := ingest.FeedOfFile(name)
		if feed == "" {
			unknown = append(unknown, name)
			continue
		}
		files = append(files, File{Path: filepath.Join(dir, name), Feed: feed, Format: format})
	}
	if len(unknown) > 0 { // never skipped: a misnamed extract would be a feed silently missing
		return nil, nil, fmt.Errorf(
			"%s holds files that are not extracts (%s): an extract's name starts with its feed's name (%s) and ends in .csv or .jsonl, e.g. police-2016-09.csv",
			dir,
			strings.Join(unknown, ", "),
			strings.Join(feedNames(), ", "),
		)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf(
			"%s holds no extract files (names start with a feed's name and end in .csv or .jsonl)",
			dir,
		)
	}
	// One slice for every record, each file read into its own stretch of it (a file's rows
	// are at most its lines), then the stretches closed up: a county's records are gigabytes,
	// and growing or joining slices of them would copy them again and again.
	lines := make([]int, len(files))
	for i := range files {
		if lines[i], err = countLines(files[i].Path); err != nil {
			return nil, nil, err
		}
	}
	total := 0
	for _, n := range lines {
		total += n
	}
	records := make([]matching.Record, total)
	read := make([]int, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, start := 0, 0; i < len(files); start, i = start+lines[i], i+1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			read[i], errs[i] = readFile(
				&files[i],
				int32(i),
				asOf,
				records[start:start+lines[i]],
			) // #nosec G115 -- a folder holds few files
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	end := 0
	for i, start := 0, 0; i < len(files); start, i = start+lines[i], i+1 {
		end += copy(records[end:], records[start:start+read[i]])
	}
	clear(records[end:]) // the unused tail holds no strings on to the garbage collector
	return records[:end:end], files, nil
}

// countLines counts a file's line ends, and one more for a last line without one: a bound on
// its rows.
func countLines(path string) (int, error) {
	f, err := os.Open(path) // #nosec G304 -- the analyst names the folder
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	n := 1
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// feedNames are the extract contract's feeds' names.
func feedNames() []string {
	var out []string
	for _, f := range extracts.Feeds() {
		out = append(out, f.Name)
	}
	return out
}

// readFile reads a file's accepted rows into dst, which has room for one a line, and answers
// how many it read.
func readFile(f *File, source int32, asOf string, dst []matching.Record) (int, error) {
	in, err := os.Open(f.Path) // #nosec G304 -- the analyst names the folder
	if err != nil {
		return 0, err
	}
	defer in.Close()
	rd, err := extracts.NewReader(in, f.Feed, f.Format, extracts.Options{AsOf: asOf})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", filepath.Base(f.Path), err)
	}
	n := 0
	for ; ; n++ {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", filepath.Base(f.Path), err)
		}
		if n == len(dst) { // the file grew after it was counted
			return 0, fmt.Errorf("%s changed while it was read", filepath.Base(f.Path))
		}
		dst[n] = matching.Record{Feed: f.Feed, Source: source, Row: *row}
	}
	f.Counts, f.Issues = rd.Counts(), rd.Issues()
	return n, nil
}

// Output is a batch's result, with what it was made from.
type Output struct {
	Files   []File
	Records []matching.Record
	*matching.Result
	labels []string // each file's label in evidence row ids
	// Timings are how long each stage took, in order.
	Timings []Timing
}

// Timing is one stage's time.
type Timing struct {
	Stage    string
	Duration time.Duration
}

// timer records stages as they end, and says each on progress when it is set.
type timer struct {
	out      *[]Timing
	last     time.Time
	progress io.Writer
}

func (t *timer) stage(name string) {
	now := time.Now()
	*t.out = append(*t.out, Timing{name, now.Sub(t.last)})
	if t.progress != nil {
		fmt.Fprintf(t.progress, "%s: done in %s\n", name, now.Sub(t.last).Round(time.Millisecond))
	}
	t.last = now
}

// Run reads the folder and identifies its families under plan at the reference date, saying
// each stage as it ends on progress (when not nil): a county takes tens of seconds.
func Run(
	dir string,
	plan *outcomes.Plan,
	at outcomes.Moment,
	settings matching.Settings,
	progress io.Writer,
) (*Output, error) {
	var timings []Timing
	clock := &timer{out: &timings, last: time.Now(), progress: progress}
	records, files, err := Read(dir, at.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	clock.stage("read files")
	o := &Output{Files: files, Records: records, labels: labels(files)}
	sources := make([]matching.Source, len(files)) // a folder's extracts are taken as of the reference date
	for i, f := range files {
		sources[i] = matching.Source{Feed: f.Feed, AsOf: at}
	}
	o.Result = matching.Identify(records, matching.Options{Plan: plan, At: at, Settings: settings, Stage: clock.stage,
		Coverage:  matching.CoverageOf(sources, records),
		PersonIDs: func(p *matching.People) []string { return numbered("P", p.Count) },
		FamilyIDs: func(h []matching.Household, _ []string) []string { return numbered("F", len(h)) },
		FactID:    func(i int32, _ string) string { return o.rowRef(i) },
	})
	o.Timings = timings
	return o, nil
}

// labels name each file in row references: its feed, or feed.name when a feed has several
// files.
func labels(files []File) []string {
	perFeed := map[string]int{}
	for _, f := range files {
		perFeed[f.Feed]++
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Feed
		if perFeed[f.Feed] > 1 {
			out[i] = f.Feed + "." + strings.TrimSuffix(filepath.Base(f.Path), filepath.Ext(f.Path))
		}
	}
	return out
}

// rowRef is a record's place: feed:row (its file's label and its data row number).
func (o *Output) rowRef(i int32) string {
	return o.labels[o.Records[i].Source] + ":" + strconv.Itoa(o.Records[i].Row.Row)
}

// numbered names n things prefix000001 upwards.
func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%06d", prefix, i+1)
	}
	return out
}
