package ingest

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// rowColumns are extract_rows' columns in the order rowText writes them.
const rowColumns = `upload_id, row_number, line, feed, sex, town, event_type, event_date, start_date, end_date,
	school_urn, term, sessions_possible, sessions_unauthorised, sessions_authorised, fixed_term_exclusions,
	permanent_exclusion, alternative_provision, role, team, uc_regime, hours_per_week, identity`

// copyRows streams the reader's accepted rows into extract_rows with COPY (text format):
// rows are written as the file is read, so memory stays flat whatever the file's size.
// Each row's identity is sealed on the way (identity.go).
func copyRows(
	ctx context.Context,
	conn *pgx.Conn,
	keys *keyring.Keyring,
	upload uuid.UUID,
	feed string,
	rd *extracts.Reader,
) error {
	src := &rowText{rd: rd, keys: keys, upload: upload.String(), feed: feed, census: feed == extracts.SchoolCensus}
	_, err := conn.PgConn().CopyFrom(ctx, src, "COPY identification.extract_rows ("+rowColumns+") FROM STDIN")
	if src.err != nil {
		return &InputError{Err: src.err}
	}
	return err
}

// InputError is a file that could not be read to its end (a client that went away, a body
// over the limit): nothing of it was loaded.
type InputError struct{ Err error }

func (e *InputError) Error() string { return "reading the file: " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// issueSpool holds an upload's report on disk while its rows are copied (a connection runs one
// COPY at a time), then copies it into upload_issues: a file of millions of rejected rows is
// reported in flat memory.
type issueSpool struct {
	f    *os.File
	w    *bufio.Writer
	id   string
	seq  int64
	line []byte
	err  error
}

func newIssueSpool(upload uuid.UUID) (*issueSpool, error) {
	f, err := os.CreateTemp("", "upload-issues-*")
	if err != nil {
		return nil, fmt.Errorf("the upload's report needs a temporary file: %w", err)
	}
	return &issueSpool{f: f, w: bufio.NewWriterSize(f, 64<<10), id: upload.String()}, nil
}

// add writes an issue as a COPY text-format line (extracts.Options.Issues).
func (s *issueSpool) add(is extracts.Issue) {
	if s.err != nil {
		return
	}
	s.seq++
	b := append(s.line[:0], s.id...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, s.seq, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(is.Line), 10)
	b = append(b, '\t')
	if is.Row > 0 {
		b = strconv.AppendInt(b, int64(is.Row), 10)
	} else {
		b = append(b, `\N`...)
	}
	b = append(b, '\t')
	b = appendText(b, is.Field, false)
	b = append(b, '\t')
	b = appendText(b, is.Kind, false)
	b = append(b, '\t')
	b = appendText(b, is.Reason, false)
	b = append(b, '\n')
	s.line = b
	_, s.err = s.w.Write(b)
}

// copy writes the spooled report into upload_issues.
func (s *issueSpool) copy(ctx context.Context, conn *pgx.Conn) error {
	if s.err != nil {
		return fmt.Errorf("spooling the upload's report: %w", s.err)
	}
	if s.seq == 0 {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spooling the upload's report: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := conn.PgConn().CopyFrom(ctx, bufio.NewReaderSize(s.f, 64<<10),
		"COPY identification.upload_issues (upload_id, seq, line, row_number, field, kind, reason) FROM STDIN")
	return err
}

// close removes the spool's file.
func (s *issueSpool) close() {
	_ = s.f.Close()
	_ = os.Remove(s.f.Name())
}

// rowText is an io.Reader of COPY text-format lines, one per accepted row.
type rowText struct {
	rd     *extracts.Reader
	keys   *keyring.Keyring
	plain  []byte // the identity being sealed, reused
	upload string
	feed   string
	census bool
	buf    []byte
	off    int
	done   bool
	err    error
}

func (t *rowText) Read(p []byte) (int, error) {
	for t.off >= len(t.buf) {
		if t.done {
			return 0, io.EOF
		}
		t.buf, t.off = t.buf[:0], 0
		for len(t.buf) < 64<<10 {
			row, err := t.rd.Next()
			if err == io.EOF {
				t.done = true
				break
			}
			if err != nil {
				t.err = err
				return 0, err
			}
			t.buf = t.appendRow(t.buf, row)
		}
	}
	n := copy(p, t.buf[t.off:])
	t.off += n
	return n, nil
}

func (t *rowText) appendRow(b []byte, r *extracts.Row) []byte {
	b = append(b, t.upload...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(r.Row), 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(r.Line), 10)
	b = append(b, '\t')
	b = append(b, t.feed...)
	for _, s := range [...]string{r.Sex, r.Town, r.EventType, r.EventDate, r.StartDate, r.EndDate, r.SchoolURN, r.Term} {
		b = append(b, '\t')
		b = appendText(b, s, true)
	}
	if t.census {
		for _, n := range [...]int32{r.SessionsPossible, r.SessionsUnauthorised, r.SessionsAuthorised, r.FixedTermExclusions} {
			b = append(b, '\t')
			b = strconv.AppendInt(b, int64(n), 10)
		}
		b = append(b, '\t', boolText(r.PermanentExclusion), '\t', boolText(r.AlternativeProvision))
	} else {
		b = append(b, "\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N"...)
	}
	for _, s := range [...]string{r.Role, r.Team, r.UCRegime, r.HoursPerWeek} {
		b = append(b, '\t')
		b = appendText(b, s, true)
	}
	t.plain = identityOf(r).appendEncoded(t.plain[:0])
	sealed := t.keys.Seal(t.plain, identityAAD(t.upload, r.Row))
	b = append(b, "\t\\\\x"...) // bytea in hex; COPY's text format doubles the backslash
	b = hex.AppendEncode(b, sealed)
	return append(b, '\n')
}

func boolText(v bool) byte {
	if v {
		return 't'
	}
	return 'f'
}

// appendText writes a value in COPY's text format: backslash, tab and line breaks escaped;
// an empty value is NULL when nullEmpty is set.
func appendText(b []byte, s string, nullEmpty bool) []byte {
	if s == "" && nullEmpty {
		return append(b, `\N`...)
	}
	if !strings.ContainsAny(s, "\\\t\n\r") {
		return append(b, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		default:
			b = append(b, c)
		}
	}
	return b
}
