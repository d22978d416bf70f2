// Package ingest loads agency extracts: each file is read by the contract's reader
// (pkg/extracts), its accepted rows go to Postgres by COPY, and the rows, the report of what
// was not taken and the upload's record commit together in one transaction. The same file
// loaded again (same feed, same SHA-256) is a no-op that returns the first load.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Upload is one loaded extract file: what it was, who loaded it, and its counts.
type Upload struct {
	ID              uuid.UUID `gorm:"type:uuid;primaryKey"`
	Feed            string
	Format          string
	ContractVersion int
	ContentSHA256   string `gorm:"column:content_sha256"`
	FileName        string
	Bytes           int64
	AsOf            *time.Time `gorm:"type:date"`
	RowsRead        int
	RowsAccepted    int
	RowsRejected    int
	UnknownValues   int
	IgnoredColumns  int
	LoadedBy        string
	LoadedAt        time.Time
}

// TableName puts the table in the service's own schema.
func (Upload) TableName() string { return "identification.uploads" }

// IssueRow is one line of an upload's report.
type IssueRow struct {
	UploadID  uuid.UUID `gorm:"type:uuid;primaryKey"`
	Seq       int       `gorm:"primaryKey"`
	Line      int
	RowNumber *int
	Field     string
	Kind      string
	Reason    string
}

// TableName puts the table in the service's own schema.
func (IssueRow) TableName() string { return "identification.upload_issues" }

// Meta says what a file is and who loads it.
type Meta struct {
	Feed     string
	Format   extracts.Format
	FileName string
	AsOf     string // YYYY-MM-DD, optional: the extract's date
	LoadedBy string
}

// ErrNotFound is returned when no upload has the id.
var ErrNotFound = errors.New("upload not found")

// Store loads extracts and reads uploads.
type Store struct {
	DB   *gorm.DB
	Keys *keyring.Keyring // FIELD_KEYS: seals each row's identity (Load); report-only commands leave it nil
}

// Load reads one extract from src and loads it whole or not at all. It returns the upload
// and whether it was already loaded (the same feed and content), in which case nothing was
// written. A file that cannot be read at all is a *extracts.HeaderError.
func (s Store) Load(ctx context.Context, src io.Reader, m Meta) (*Upload, bool, error) {
	if s.Keys == nil {
		return nil, false, errors.New("ingest: no field keys to seal rows with")
	}
	h := sha256.New()
	counted := &countingReader{r: src}
	id := uuid.New()
	issues, err := newIssueSpool(id)
	if err != nil {
		return nil, false, err
	}
	defer issues.close()
	rd, err := extracts.NewReader(
		io.TeeReader(counted, h),
		m.Feed,
		m.Format,
		extracts.Options{AsOf: m.AsOf, Issues: issues.add},
	)
	if err != nil {
		return nil, false, err
	}
	up := &Upload{ID: id, Feed: m.Feed, Format: string(m.Format), ContractVersion: extracts.ContractVersion,
		FileName: m.FileName, LoadedBy: m.LoadedBy, LoadedAt: time.Now().UTC()}
	if m.AsOf != "" {
		t, err := time.Parse(time.DateOnly, m.AsOf)
		if err != nil {
			return nil, false, fmt.Errorf("as-of date: %w", err)
		}
		up.AsOf = &t
	}
	dup := false
	err = s.withConn(ctx, func(conn *pgx.Conn) error {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
		if err := copyRows(ctx, conn, s.Keys, up.ID, m.Feed, rd); err != nil {
			return err
		}
		if err := issues.copy(ctx, conn); err != nil {
			return err
		}
		finish(up, rd.Counts(), counted.n, h)
		var id uuid.UUID
		err = tx.QueryRow(ctx, `INSERT INTO identification.uploads (id, feed, format, contract_version, content_sha256, file_name, bytes,
			as_of, rows_read, rows_accepted, rows_rejected, unknown_values, ignored_columns, loaded_by, loaded_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
			ON CONFLICT (feed, content_sha256) DO NOTHING RETURNING id`,
			up.ID, up.Feed, up.Format, up.ContractVersion, up.ContentSHA256, up.FileName, up.Bytes, up.AsOf,
			up.RowsRead, up.RowsAccepted, up.RowsRejected, up.UnknownValues, up.IgnoredColumns, up.LoadedBy, up.LoadedAt).
			Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			dup = true // loaded before (perhaps at this moment by another request): keep that one
			return nil
		}
		if err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, false, err
	}
	if dup {
		first, err := s.ByContent(ctx, m.Feed, up.ContentSHA256)
		return first, true, err
	}
	return up, false, nil
}

func finish(up *Upload, n extracts.Counts, bytes int64, h hash.Hash) {
	up.ContentSHA256, up.Bytes = hex.EncodeToString(h.Sum(nil)), bytes
	up.RowsRead, up.RowsAccepted, up.RowsRejected = n.Rows, n.Accepted, n.Rejected
	up.UnknownValues, up.IgnoredColumns = n.UnknownValues, n.IgnoredColumns
}

// withConn runs f on one pgx connection of the pool (COPY needs pgx itself).
func (s Store) withConn(ctx context.Context, f func(*pgx.Conn) error) error {
	return db.WithPgx(ctx, s.DB, f)
}

// Digest returns the SHA-256 of what is read, in the form uploads record.
func Digest(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ByContent returns the upload of a feed with the content hash.
func (s Store) ByContent(ctx context.Context, feed, sha string) (*Upload, error) {
	return s.first(ctx, "feed = ? AND content_sha256 = ?", feed, sha)
}

// Get returns one upload.
func (s Store) Get(ctx context.Context, id uuid.UUID) (*Upload, error) {
	return s.first(ctx, "id = ?", id)
}

func (s Store) first(ctx context.Context, where string, args ...any) (*Upload, error) {
	var u Upload
	err := s.DB.WithContext(ctx).Where(where, args...).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &u, err
}

// Position is where a page of uploads ends (newest first).
type Position struct {
	LoadedAt time.Time `json:"t"`
	ID       uuid.UUID `json:"id"`
}

// List returns up to limit+1 uploads after pos, newest first, of one feed when feed is set.
func (s Store) List(ctx context.Context, feed string, after *Position, limit int) ([]Upload, error) {
	q := s.DB.WithContext(ctx).Order("loaded_at DESC, id DESC").Limit(limit + 1)
	if feed != "" {
		q = q.Where("feed = ?", feed)
	}
	if after != nil {
		q = q.Where("(loaded_at, id) < (?, ?)", after.LoadedAt, after.ID)
	}
	var out []Upload
	return out, q.Find(&out).Error
}

// Issues returns up to limit+1 lines of an upload's report after seq, of one kind when kind is set.
func (s Store) Issues(ctx context.Context, id uuid.UUID, kind string, afterSeq, limit int) ([]IssueRow, error) {
	q := s.DB.WithContext(ctx).Where("upload_id = ? AND seq > ?", id, afterSeq).Order("seq").Limit(limit + 1)
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	var out []IssueRow
	return out, q.Find(&out).Error
}

// EachIssue calls f for every line of an upload's report, in order, reading in batches.
func (s Store) EachIssue(ctx context.Context, id uuid.UUID, f func(IssueRow) error) error {
	after := 0
	for {
		batch, err := s.Issues(ctx, id, "", after, 5000)
		if err != nil {
			return err
		}
		for i, row := range batch {
			if i == 5000 {
				break
			}
			if err := f(row); err != nil {
				return err
			}
			after = row.Seq
		}
		if len(batch) <= 5000 {
			return nil
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
