package ingest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// SubjectAccessRow is one extract row about the data subject, whole, for their copy.
type SubjectAccessRow struct {
	UploadID  string    `json:"upload_id"`
	Feed      string    `json:"feed"`
	FileName  string    `json:"file_name"`
	LoadedAt  time.Time `json:"loaded_at"`
	RowNumber int       `json:"row_number"`
	Identity
	Sex                  string `json:"sex,omitempty"`
	Town                 string `json:"town,omitempty"`
	EventType            string `json:"event_type,omitempty"`
	EventDate            string `json:"event_date,omitempty"`
	StartDate            string `json:"start_date,omitempty"`
	EndDate              string `json:"end_date,omitempty"`
	SchoolURN            string `json:"school_urn,omitempty"`
	Term                 string `json:"term,omitempty"`
	SessionsPossible     *int   `json:"sessions_possible,omitempty"`
	SessionsUnauthorised *int   `json:"sessions_unauthorised,omitempty"`
	Role                 string `json:"role,omitempty"`
	Team                 string `json:"team,omitempty"`
	UCRegime             string `json:"uc_regime,omitempty"`
	HoursPerWeek         string `json:"hours_per_week,omitempty"`
}

// SubjectQuery says whom a subject access request is about: a source identifier (UPN, NHS
// number, ...), or a surname with a date of birth.
type SubjectQuery struct {
	SourceID, Surname, DOB string
}

func (q SubjectQuery) matches(id Identity) bool {
	if q.SourceID != "" {
		return normaliseID(id.SourceID) == normaliseID(q.SourceID)
	}
	return strings.EqualFold(strings.TrimSpace(id.Surname), strings.TrimSpace(q.Surname)) && id.DOB == q.DOB
}

func normaliseID(s string) string { return strings.ToUpper(strings.ReplaceAll(s, " ", "")) }

// SubjectAccess finds every extract row about the data subject (runs.Subject adds what runs
// found them to be), opening each row's sealed
// identity (there is no index over sealed values: the whole table is read, about 2 seconds a
// million rows here).
func (s Store) SubjectAccess(ctx context.Context, q SubjectQuery) ([]SubjectAccessRow, error) {
	var found []SubjectAccessRow
	err := s.withConn(ctx, func(pc *pgx.Conn) error {
		rows, err := pc.Query(
			ctx,
			`SELECT r.upload_id::text, r.row_number, r.identity, u.feed, u.file_name, u.loaded_at,
			coalesce(r.sex, ''), coalesce(r.town, ''), coalesce(r.event_type, ''), coalesce(r.event_date::text, ''), coalesce(r.start_date::text, ''),
			coalesce(r.end_date::text, ''), coalesce(r.school_urn, ''), coalesce(r.term, ''), r.sessions_possible, r.sessions_unauthorised,
			coalesce(r.role, ''), coalesce(r.team, ''), coalesce(r.uc_regime, ''), coalesce(r.hours_per_week::text, '')
			FROM identification.extract_rows r JOIN identification.uploads u ON u.id = r.upload_id ORDER BY u.loaded_at, r.upload_id, r.row_number`,
		)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sealed []byte
			var r SubjectAccessRow
			if err := rows.Scan(&r.UploadID, &r.RowNumber, &sealed, &r.Feed, &r.FileName, &r.LoadedAt, &r.Sex, &r.Town, &r.EventType,
				&r.EventDate, &r.StartDate, &r.EndDate, &r.SchoolURN, &r.Term, &r.SessionsPossible, &r.SessionsUnauthorised,
				&r.Role, &r.Team, &r.UCRegime, &r.HoursPerWeek); err != nil {
				return err
			}
			id, err := OpenIdentity(s.Keys, r.UploadID, r.RowNumber, sealed)
			if err != nil {
				return fmt.Errorf("row %d of upload %s: %w", r.RowNumber, r.UploadID, err)
			}
			if q.matches(id) {
				r.Identity = id
				r.LoadedAt = r.LoadedAt.UTC()
				found = append(found, r)
			}
		}
		return rows.Err()
	})
	return found, err
}

// RetentionCommand is `identification retention`: removes every upload loaded longer ago
// than the retention period (RETENTION_EXTRACT_MONTHS, docs/data-protection.md), with its
// rows and report, in one transaction; --dry-run reports what would go. The removal is
// recorded in the audit trail.
func RetentionCommand(ctx context.Context, s Store, trail audit.Trail, months int, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("retention", flag.ContinueOnError)
	fs.SetOutput(out)
	dry := fs.Bool("dry-run", false, "report what would be removed, remove nothing")
	by := fs.String("run-by", "retention", "who runs it (recorded)")
	timeout := fs.Duration("timeout", time.Hour, "give up after this long, removing nothing (one transaction)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if months < 1 {
		return errors.New("the retention period must be at least 1 month")
	}
	cutoff := time.Now().UTC().AddDate(0, -months, 0)
	var uploads, rows int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT count(*) FROM identification.uploads WHERE loaded_at < ?`, cutoff).Scan(&uploads).Error; err != nil {
			return err
		}
		if err := tx.Raw(`SELECT count(*) FROM identification.extract_rows r JOIN identification.uploads u ON u.id = r.upload_id
			WHERE u.loaded_at < ?`, cutoff).Scan(&rows).Error; err != nil {
			return err
		}
		if *dry || uploads == 0 {
			return nil
		}
		for _, q := range []string{
			`DELETE FROM identification.extract_rows r USING identification.uploads u WHERE u.id = r.upload_id AND u.loaded_at < ?`,
			`DELETE FROM identification.upload_issues i USING identification.uploads u WHERE u.id = i.upload_id AND u.loaded_at < ?`,
			`DELETE FROM identification.uploads WHERE loaded_at < ?`,
		} {
			if err := tx.Exec(q, cutoff).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	verb := "removed"
	if *dry {
		verb = "would remove"
	} else if uploads > 0 {
		if _, err := trail.Append(ctx, audit.Event{Actor: *by, Action: "retention.delete", ResourceType: "uploads",
			ResourceID: "loaded-before:" + cutoff.Format(time.RFC3339), Outcome: audit.Allowed,
			Reason: fmt.Sprintf("%d uploads, %d extract rows past retention", uploads, rows)}); err != nil {
			return err
		}
	}
	fmt.Fprintf(
		out,
		"retention: %s %d uploads loaded before %s and their %d extract rows\n",
		verb,
		uploads,
		cutoff.Format(time.DateOnly),
		rows,
	)
	return nil
}
