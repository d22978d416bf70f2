package ingest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Rows reads uploads' accepted rows back as the reader gave them, identities opened, upload
// by upload in row order, handing each to f with its upload's position in ids. The row f is
// given is reused: f copies what it keeps.
func (s Store) Rows(
	ctx context.Context,
	ids []uuid.UUID,
	f func(source int32, feed string, r *extracts.Row) error,
) error {
	return s.withConn(ctx, func(conn *pgx.Conn) error {
		for i, id := range ids {
			if err := s.uploadRows(ctx, conn, int32(i), id, 0, f); err != nil { // #nosec G115 -- a run names few uploads
				return err
			}
		}
		return nil
	})
}

// Row reads one accepted row back, its identity opened, with its feed.
func (s Store) Row(ctx context.Context, upload uuid.UUID, number int) (*extracts.Row, string, error) {
	var out *extracts.Row
	var feed string
	err := s.withConn(ctx, func(conn *pgx.Conn) error {
		return s.uploadRows(ctx, conn, 0, upload, number, func(_ int32, f string, r *extracts.Row) error {
			row := *r
			out, feed = &row, f
			return nil
		})
	})
	if err == nil && out == nil {
		err = ErrNotFound
	}
	return out, feed, err
}

// uploadRows reads an upload's rows, or only row number when it is not 0.
func (s Store) uploadRows(
	ctx context.Context,
	conn *pgx.Conn,
	source int32,
	id uuid.UUID,
	number int,
	f func(int32, string, *extracts.Row) error,
) error {
	rows, err := conn.Query(
		ctx,
		`SELECT row_number, line, feed, coalesce(sex, ''), coalesce(town, ''), coalesce(event_type, ''),
		coalesce(event_date, '0001-01-01'), coalesce(start_date, '0001-01-01'), coalesce(end_date, '0001-01-01'),
		coalesce(school_urn, ''), coalesce(term, ''), coalesce(sessions_possible, 0), coalesce(sessions_unauthorised, 0),
		coalesce(sessions_authorised, 0), coalesce(fixed_term_exclusions, 0), coalesce(permanent_exclusion, false),
		coalesce(alternative_provision, false), coalesce(role, ''), coalesce(team, ''), coalesce(uc_regime, ''),
		coalesce(hours_per_week::text, ''), identity
		FROM identification.extract_rows WHERE upload_id = $1 AND ($2 = 0 OR row_number = $2) ORDER BY row_number`,
		id,
		number,
	)
	if err != nil {
		return err
	}
	defer rows.Close()
	upload := id.String()
	var r extracts.Row
	var feed string
	var event, start, end time.Time
	var sealed []byte
	for rows.Next() {
		if err := rows.Scan(&r.Row, &r.Line, &feed, &r.Sex, &r.Town, &r.EventType, &event, &start, &end, &r.SchoolURN, &r.Term,
			&r.SessionsPossible, &r.SessionsUnauthorised, &r.SessionsAuthorised, &r.FixedTermExclusions, &r.PermanentExclusion,
			&r.AlternativeProvision, &r.Role, &r.Team, &r.UCRegime, &r.HoursPerWeek, &sealed); err != nil {
			return err
		}
		r.EventDate, r.StartDate, r.EndDate = day(event), day(start), day(end)
		who, err := OpenIdentity(s.Keys, upload, r.Row, sealed)
		if err != nil {
			return fmt.Errorf("row %d of upload %s: %w", r.Row, upload, err)
		}
		r.SourceID, r.Forename, r.Surname, r.DOB = who.SourceID, who.Forename, who.Surname, who.DOB
		r.AddressLine1, r.AddressLine2, r.Postcode, r.UPRN = who.AddressLine1, who.AddressLine2, who.Postcode, who.UPRN
		r.IncidentRef, r.Employer, r.Evidence = who.IncidentRef, who.Employer, who.Evidence
		r.PersonRefA, r.PersonRefB, r.AccountRef = who.PersonRefA, who.PersonRefB, who.AccountRef
		if err := f(source, feed, &r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// day is a date column as the reader gives it: YYYY-MM-DD, "" for none (read as year 1).
func day(t time.Time) string {
	if t.Year() == 1 {
		return ""
	}
	return t.Format(time.DateOnly)
}

// Latest lists, for each feed, its newest upload (by as-of date, then by when it was loaded)
// as of a date: an upload dated after it, or loaded after it when undated, is not yet known.
func (s Store) Latest(ctx context.Context, asOf time.Time) ([]Upload, error) {
	var out []Upload
	err := s.DB.WithContext(ctx).Raw(`SELECT DISTINCT ON (feed) * FROM identification.uploads
		WHERE coalesce(as_of, loaded_at::date) <= ? AND rows_accepted > 0
		ORDER BY feed, coalesce(as_of, loaded_at::date) DESC, loaded_at DESC`, asOf).Scan(&out).Error
	return out, err
}

// ExtractDate is the day an upload's extract was taken: its as-of date, or the day it was
// loaded when the agency gave none (the extract cannot hold events after that).
func (u *Upload) ExtractDate() time.Time {
	if u.AsOf != nil {
		return *u.AsOf
	}
	return u.LoadedAt
}

// Uploads returns the uploads with the ids, in the ids' order.
func (s Store) Uploads(ctx context.Context, ids []uuid.UUID) ([]Upload, error) {
	var found []Upload
	if err := s.DB.WithContext(ctx).Where("id IN ?", ids).Find(&found).Error; err != nil {
		return nil, err
	}
	out := make([]Upload, len(ids))
	for i, id := range ids {
		k := slices.IndexFunc(found, func(u Upload) bool { return u.ID == id })
		if k < 0 {
			return nil, fmt.Errorf("upload %s: %w", id, ErrNotFound)
		}
		out[i] = found[k]
	}
	return out, nil
}
