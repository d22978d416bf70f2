package ingest

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// keyIDSQL is the id of the key that sealed an identity (keyring's format: a version byte,
// the id's length, the id).
const keyIDSQL = "convert_from(substring(identity from 3 for get_byte(identity, 1)), 'UTF8')"

// Reseal seals again, under the ring's active key, every row identity sealed with another
// key, batch by batch (each batch in its own transaction), so that an old key can then be
// dropped from FIELD_KEYS. It is safe to stop and run again. It reports how many rows it
// resealed, and how many remain under each other key (none, when it has finished).
func (s Store) Reseal(ctx context.Context, batch int, out io.Writer) (int, error) {
	active := s.Keys.ActiveID()
	sqlDB, err := s.DB.DB()
	if err != nil {
		return 0, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	done := 0
	for {
		var n int
		err := conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			var err error
			n, err = s.resealBatch(ctx, pc, active, batch)
			return err
		})
		if err != nil {
			return done, err
		}
		done += n
		if n < batch {
			break
		}
		fmt.Fprintf(out, "resealed %d rows\n", done)
	}
	var left []struct {
		KeyID string
		Rows  int64
	}
	if err := s.DB.WithContext(ctx).Raw("SELECT " + keyIDSQL + " AS key_id, count(*) AS rows FROM identification.extract_rows GROUP BY 1 ORDER BY 1").Scan(&left).Error; err != nil {
		return done, err
	}
	fmt.Fprintf(out, "resealed %d rows under key %s; rows by key now:", done, active)
	for _, l := range left {
		fmt.Fprintf(out, " %s=%d", l.KeyID, l.Rows)
	}
	fmt.Fprintln(out)
	return done, nil
}

func (s Store) resealBatch(ctx context.Context, pc *pgx.Conn, active string, batch int) (int, error) {
	tx, err := pc.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	rows, err := tx.Query(ctx, "SELECT upload_id::text, row_number, identity FROM identification.extract_rows WHERE "+keyIDSQL+" <> $1 LIMIT $2 FOR UPDATE",
		active, batch)
	if err != nil {
		return 0, err
	}
	var fresh [][]any
	for rows.Next() {
		var upload string
		var row int
		var sealed []byte
		if err := rows.Scan(&upload, &row, &sealed); err != nil {
			return 0, err
		}
		id, err := OpenIdentity(s.Keys, upload, row, sealed)
		if err != nil {
			return 0, fmt.Errorf("row %d of upload %s: %w", row, upload, err)
		}
		fresh = append(fresh, []any{upload, row, SealIdentity(s.Keys, upload, row, id)})
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(fresh) == 0 {
		return 0, tx.Commit(ctx)
	}
	if _, err := tx.Exec(ctx, "CREATE TEMP TABLE resealed (upload_id uuid, row_number int, identity bytea) ON COMMIT DROP"); err != nil {
		return 0, err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"resealed"}, []string{"upload_id", "row_number", "identity"}, pgx.CopyFromRows(fresh)); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE identification.extract_rows r SET identity = n.identity FROM resealed n
		WHERE r.upload_id = n.upload_id AND r.row_number = n.row_number`); err != nil {
		return 0, err
	}
	return len(fresh), tx.Commit(ctx)
}
