package extracts

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Format is an extract file's format.
type Format string

// The formats the contract accepts.
const (
	CSV       Format = "csv"
	JSONLines Format = "jsonl"
)

// Options tune a reader.
type Options struct {
	// AsOf is the extract's date (YYYY-MM-DD): a date of birth after it is reported and
	// treated as unknown. Empty: not checked.
	AsOf string
	// Issues, when set, is given each issue as it is found, in order, and the reader keeps
	// none (Issues answers nil): a file of millions of rejected rows is reported in flat
	// memory (identification's ingest spools them to disk for its report).
	Issues func(Issue)
}

// Counts are a reader's tallies so far.
type Counts struct {
	Rows           int `json:"rows"`            // data rows read
	Accepted       int `json:"accepted"`        // rows returned by Next
	Rejected       int `json:"rejected"`        // rows reported and not returned
	UnknownValues  int `json:"unknown_values"`  // person fields reported and treated as unknown
	IgnoredColumns int `json:"ignored_columns"` // columns (or JSON fields) not in the contract
}

// HeaderError says why a file cannot be read at all: no header, a required column missing,
// a column named twice. Nothing of such a file is loaded.
type HeaderError struct{ Problems []Issue }

func (e *HeaderError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Field != "" {
			b.WriteString(p.Field + ": ")
		}
		b.WriteString(p.Reason)
	}
	return b.String()
}

// maxLine caps one line of a file (a JSON Lines record, a CSV line): a legitimate extract's
// lines are hundreds of bytes, and a reader must not hold a hostile gigabyte "line" whole.
const maxLine = 1 << 20

// lineLimit passes its input through, failing with errLineTooLong once a line (bytes between
// line ends) passes maxLine.
type lineLimit struct {
	in      io.Reader
	run     int  // bytes since the last line end
	line    int  // line ends seen
	tripped bool // a line passed the cap: every read fails from then on
}

var errLineTooLong = errors.New("line too long")

func (l *lineLimit) Read(p []byte) (int, error) {
	if l.tripped {
		return 0, errLineTooLong
	}
	n, err := l.in.Read(p)
	for rest := p[:n]; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			l.run += len(rest)
			break
		}
		l.run += i
		if l.run > maxLine {
			break
		}
		l.run, l.line, rest = 0, l.line+1, rest[i+1:]
	}
	if l.run > maxLine {
		l.tripped = true
		return n, errLineTooLong
	}
	return n, err
}

// Reader reads one extract file row by row. Rejected rows and unknown person fields become
// issues; Next returns only accepted rows.
type Reader struct {
	feed    Feed
	format  Format
	asOf    string
	fields  map[string]field
	counts  Counts
	issues  []Issue
	onIssue func(Issue) // Options.Issues
	pending []Issue     // the current row's issues
	row     Row
	seen    []bool // which of the current row's columns had a value, by position in cols

	// CSV
	csv   *csv.Reader
	limit *lineLimit
	cols  []*field // the field of each column, nil for an ignored one
	// JSON Lines
	lines   *bufio.Reader
	line    int
	ignored map[string]bool
}

// NewReader starts reading an extract of the named feed. For CSV it reads the header, and
// fails with a *HeaderError when the file cannot be read at all.
func NewReader(in io.Reader, feedName string, format Format, o Options) (*Reader, error) {
	feed, ok := FeedNamed(feedName)
	if !ok {
		return nil, &HeaderError{
			Problems: []Issue{{Kind: RejectedRow, Reason: "there is no feed of that name in the contract"}},
		}
	}
	r := &Reader{feed: feed, format: format, asOf: o.AsOf, onIssue: o.Issues, fields: fieldsOf(feed)}
	switch format {
	case CSV:
		r.limit = &lineLimit{in: in}
		r.csv = csv.NewReader(r.limit)
		r.csv.FieldsPerRecord = -1 // a short or long row is a rejected row, not the end of the file
		r.csv.ReuseRecord = true
		return r, r.readHeader()
	case JSONLines:
		r.lines = bufio.NewReaderSize(in, 64<<10)
		r.ignored = map[string]bool{}
		r.seen = make([]bool, 0, len(r.fields))
		return r, nil
	}
	return nil, &HeaderError{Problems: []Issue{{Kind: RejectedRow, Reason: "the format must be csv or jsonl"}}}
}

func (r *Reader) readHeader() error {
	header, err := r.csv.Read()
	if err == io.EOF {
		return &HeaderError{
			Problems: []Issue{{Line: 1, Kind: RejectedRow, Reason: "the file is empty: a header row is required"}},
		}
	}
	if r.limit.tripped || errors.Is(err, errLineTooLong) {
		return &HeaderError{
			Problems: []Issue{
				{
					Line:   1,
					Kind:   RejectedRow,
					Reason: "the header row is longer than " + strconv.Itoa(maxLine) + " bytes",
				},
			},
		}
	}
	if err != nil {
		return &HeaderError{Problems: []Issue{{Line: 1, Kind: RejectedRow, Reason: "the header row is not valid CSV"}}}
	}
	var problems []Issue
	r.cols = make([]*field, len(header))
	named := map[string]bool{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF") // a byte-order mark is tolerated
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if named[h] {
			problems = append(
				problems,
				Issue{Line: 1, Field: h, Kind: RejectedRow, Reason: "the column is named twice"},
			)
			continue
		}
		named[h] = true
		f, ok := r.fields[h]
		if !ok {
			r.counts.IgnoredColumns++
			r.report(
				Issue{
					Line:   1,
					Field:  column(h),
					Kind:   IgnoredColumn,
					Reason: "the contract has no such column for this feed; its values were ignored",
				},
			)
			continue
		}
		r.cols[i] = &f
	}
	for _, c := range r.feed.Columns {
		if c.Required && !named[c.Name] {
			problems = append(
				problems,
				Issue{Line: 1, Field: c.Name, Kind: RejectedRow, Reason: "a required column is missing"},
			)
		}
	}
	if len(problems) > 0 {
		return &HeaderError{Problems: problems}
	}
	r.seen = make([]bool, len(header))
	return nil
}

// column names an unknown column in a report, cut short: a header is not personal data, but
// a file with its first data row as header would otherwise put it in the report.
func column(h string) string {
	if len(h) > 40 || strings.ContainsAny(h, "0123456789@") {
		return "(an unnamed column)"
	}
	return h
}

// Next returns the next accepted row (valid until the next call), or io.EOF after the last.
func (r *Reader) Next() (*Row, error) {
	for {
		var accepted bool
		var err error
		if r.format == CSV {
			accepted, err = r.nextCSV()
		} else {
			accepted, err = r.nextJSON()
		}
		if err != nil {
			return nil, err
		}
		if accepted {
			return &r.row, nil
		}
	}
}

// Issues returns every issue so far, in file order.
func (r *Reader) Issues() []Issue { return r.issues }

// report records an issue: given to Options.Issues when set, else kept.
func (r *Reader) report(i Issue) {
	if r.onIssue != nil {
		r.onIssue(i)
		return
	}
	r.issues = append(r.issues, i)
}

// Counts returns the tallies so far.
func (r *Reader) Counts() Counts { return r.counts }

func (r *Reader) nextCSV() (bool, error) {
	rec, err := r.csv.Read()
	if err == io.EOF {
		return false, io.EOF
	}
	var pe *csv.ParseError
	if r.limit.tripped { // whatever the CSV reader made of the line's start
		err = errLineTooLong
	}
	if errors.Is(err, errLineTooLong) {
		return false, &HeaderError{Problems: []Issue{{Line: r.limit.line + 1, Kind: RejectedRow,
			Reason: "line " + strconv.Itoa(
				r.limit.line+1,
			) + " is longer than " + strconv.Itoa(
				maxLine,
			) + " bytes: not an extract this contract reads (nothing of the file was loaded)"}}}
	}
	if err != nil && !errors.As(err, &pe) {
		return false, err // the input failed: the caller loads nothing
	}
	r.counts.Rows++
	if pe != nil {
		r.begin(pe.StartLine)
		r.reject(
			"",
			"is not valid CSV (check quotes: a field with a comma, quote or line break must be quoted, quotes doubled)",
		)
		return r.end(), nil
	}
	line, _ := r.csv.FieldPos(0)
	r.begin(line)
	if len(rec) != len(r.cols) {
		r.reject("", "has "+strconv.Itoa(len(rec))+" fields; the header has "+strconv.Itoa(len(r.cols)))
		return r.end(), nil
	}
	clear(r.seen)
	for i, v := range rec {
		if f := r.cols[i]; f != nil {
			r.seen[i] = r.take(f, v)
		}
	}
	for i, f := range r.cols {
		if f != nil && f.required && !r.seen[i] {
			r.reject(f.name, "is required")
		}
	}
	r.check()
	return r.end(), nil
}

func (r *Reader) nextJSON() (bool, error) {
	var raw []byte
	for {
		b, err := r.lines.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			r.line++
			r.counts.Rows++
			r.begin(r.line)
			r.reject("", "is longer than "+strconv.Itoa(maxLine)+" bytes")
			if err := r.skipLine(); err != nil && err != io.EOF {
				return false, err
			}
			return r.end(), nil
		}
		if err != nil && err != io.EOF {
			return false, err
		}
		if len(b) == 0 && err == io.EOF {
			return false, io.EOF
		}
		r.line++
		if len(bytes.TrimSpace(b)) > 0 {
			raw = b
			break
		}
		if err == io.EOF {
			return false, io.EOF
		}
	}
	r.counts.Rows++
	r.begin(r.line)
	if r.line == 1 {
		raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
		r.reject("", "is not a JSON object on one line")
		return r.end(), nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys) // issues in a stable order
	got := map[string]bool{}
	for _, k := range keys {
		name := strings.ToLower(strings.TrimSpace(k))
		f, ok := r.fields[name]
		if !ok {
			if !r.ignored[name] {
				r.ignored[name] = true
				r.counts.IgnoredColumns++
				r.report(
					Issue{
						Line:   r.line,
						Row:    r.row.Row,
						Field:  column(name),
						Kind:   IgnoredColumn,
						Reason: "the contract has no such field for this feed; its values were ignored",
					},
				)
			}
			continue
		}
		v, plain := plainValue(obj[k])
		if !plain {
			got[name] = true
			r.reject(name, "is not a plain value (a string, number, true, false or null)")
			continue
		}
		got[name] = r.take(&f, v)
	}
	for _, c := range r.feed.Columns {
		if c.Required && !got[c.Name] {
			r.reject(c.Name, "is required")
		}
	}
	r.check()
	return r.end(), nil
}

func (r *Reader) skipLine() error {
	for {
		_, err := r.lines.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

func plainValue(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "Y", true
		}
		return "N", true
	}
	return "", false
}

// begin starts a row.
func (r *Reader) begin(line int) {
	r.row = Row{Row: r.counts.Rows, Line: line}
	r.pending = r.pending[:0]
}

// take reads one value; it says whether one was given (well formed or not), for the
// required-field check.
func (r *Reader) take(f *field, v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return false
	}
	reason := f.set(&r.row, v)
	switch {
	case reason == "":
	case f.person:
		r.pending = append(
			r.pending,
			Issue{
				Line:   r.row.Line,
				Row:    r.row.Row,
				Field:  f.name,
				Kind:   UnknownValue,
				Reason: reason + "; treated as unknown",
			},
		)
	default:
		r.reject(f.name, reason)
	}
	return true
}

func (r *Reader) reject(field, reason string) {
	r.pending = append(
		r.pending,
		Issue{Line: r.row.Line, Row: r.row.Row, Field: field, Kind: RejectedRow, Reason: reason},
	)
}

// check applies the rules that span fields.
func (r *Reader) check() {
	row := &r.row
	if row.StartDate != "" && row.EndDate != "" && row.EndDate < row.StartDate {
		r.reject(r.endColumn(), "is before "+r.startColumn())
	}
	if row.SessionsUnauthorised+row.SessionsAuthorised > row.SessionsPossible {
		r.reject("sessions_possible", "is less than the sessions missed (unauthorised plus authorised)")
	}
	if row.UCRegime != "" && row.EventType != "UC" {
		r.reject("uc_regime", "is given for a benefit other than UC")
	}
	if row.DOB != "" && r.asOf != "" && row.DOB > r.asOf {
		row.DOB = ""
		r.pending = append(
			r.pending,
			Issue{
				Line:   row.Line,
				Row:    row.Row,
				Field:  "dob",
				Kind:   UnknownValue,
				Reason: "is after the extract's date; treated as unknown",
			},
		)
	}
	if t, ok := fixedEventType[r.feed.Name]; ok {
		row.EventType = t
	}
}

// end closes a row: a rejected row keeps only its rejection reasons; an accepted one its
// unknown fields.
func (r *Reader) end() bool {
	rejected := slices.ContainsFunc(r.pending, func(i Issue) bool { return i.Kind == RejectedRow })
	for _, i := range r.pending {
		if (i.Kind == RejectedRow) == rejected {
			r.report(i)
			if !rejected {
				r.counts.UnknownValues++
			}
		}
	}
	if rejected {
		r.counts.Rejected++
		return false
	}
	r.counts.Accepted++
	return true
}

// startColumn and endColumn name the feed's spell columns (residents' are from_date and
// to_date), for the row's report.
func (r *Reader) startColumn() string {
	if r.feed.Name == Residents {
		return "from_date"
	}
	return "start_date"
}

func (r *Reader) endColumn() string {
	if r.feed.Name == Residents {
		return "to_date"
	}
	return "end_date"
}
