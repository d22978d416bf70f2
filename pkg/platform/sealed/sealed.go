// Package sealed knows every column a service seals under FIELD_KEYS, so that after a key
// rotation one command (`<service> reseal`) seals all of them again under the ring's first key,
// and another (`<service> keys-status`) counts the rows under each key, refusing to call a
// key droppable while any row still needs it (docs/deployment.md, "Rotate field keys").
package sealed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Column is one sealed column of a service's table.
type Column struct {
	Table  string   // schema-qualified and quoted as SQL needs it: `"case".members`
	Key    []string // the columns that name a row (its primary key)
	Column string   // the sealed bytea column
	// AAD is the associated data the column was sealed with, from the row's key values as
	// Postgres gives them (a uuid as [16]byte, an integer as int32 or int64, text as string).
	AAD func(key []any) []byte
}

func (c Column) String() string { return c.Table + "." + c.Column }

// keyID is the SQL for the id of the key that sealed a value (the keyring's format: a version
// byte, the id's length, the id).
func (c Column) keyID() string {
	return fmt.Sprintf("convert_from(substring(%[1]s from 3 for get_byte(%[1]s, 1)), 'UTF8')", c.Column)
}

// Count is how many rows of a column are sealed under a key.
type Count struct {
	Column string
	KeyID  string
	Rows   int64
}

// Status counts the rows of every column under each key.
func Status(ctx context.Context, gdb *gorm.DB, columns []Column) ([]Count, error) {
	var out []Count
	for _, c := range columns {
		var rows []struct {
			KeyID string
			Rows  int64
		}
		q := fmt.Sprintf(
			"SELECT %s AS key_id, count(*) AS rows FROM %s WHERE %s IS NOT NULL GROUP BY 1 ORDER BY 1",
			c.keyID(),
			c.Table,
			c.Column,
		) // #nosec G201 -- names from the service's code, not input
		if err := gdb.WithContext(ctx).Raw(q).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		for _, r := range rows {
			out = append(out, Count{Column: c.String(), KeyID: r.KeyID, Rows: r.Rows})
		}
	}
	return out, nil
}

// ErrKeyInUse refuses to call a key droppable while rows are sealed under it.
var ErrKeyInUse = errors.New("the key still seals rows: run reseal until none remain, then drop it")

// PrintStatus writes the counts, and when dropping names a key, fails with ErrKeyInUse while
// any row is sealed under it (or the key is the ring's first, which seals new rows).
func PrintStatus(
	ctx context.Context,
	gdb *gorm.DB,
	keys *keyring.Keyring,
	columns []Column,
	dropping string,
	out io.Writer,
) error {
	counts, err := Status(ctx, gdb, columns)
	if err != nil {
		return err
	}
	byKey := map[string]int64{}
	for _, c := range counts {
		fmt.Fprintf(out, "%s\t%s\t%d\n", c.Column, c.KeyID, c.Rows)
		byKey[c.KeyID] += c.Rows
	}
	ids := make([]string, 0, len(byKey))
	for id := range byKey {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fmt.Fprintf(out, "active key %s; rows by key:", keys.ActiveID())
	for _, id := range ids {
		fmt.Fprintf(out, " %s=%d", id, byKey[id])
	}
	fmt.Fprintln(out)
	switch {
	case dropping == "":
		return nil
	case dropping == keys.ActiveID():
		return fmt.Errorf("%s is the ring's first key, which seals every new row: %w", dropping, ErrKeyInUse)
	case byKey[dropping] > 0:
		return fmt.Errorf("%d rows are sealed under %s: %w", byKey[dropping], dropping, ErrKeyInUse)
	}
	fmt.Fprintf(out, "no row is sealed under %s: it can be dropped from FIELD_KEYS\n", dropping)
	return nil
}

// Reseal seals again, under the ring's first key, every value of every column sealed under
// another key, batch by batch, each batch in its own transaction: safe to stop and run again.
// It answers how many values it resealed.
func Reseal(
	ctx context.Context,
	gdb *gorm.DB,
	keys *keyring.Keyring,
	columns []Column,
	batch int,
	out io.Writer,
) (int, error) {
	total := 0
	err := db.WithPgx(ctx, gdb, func(pc *pgx.Conn) error {
		for _, c := range columns {
			done := 0
			for {
				n, err := resealBatch(ctx, pc, keys, c, batch)
				if err != nil {
					return fmt.Errorf("%s: %w", c, err)
				}
				done += n
				if n < batch {
					break
				}
			}
			fmt.Fprintf(out, "%s: resealed %d under key %s\n", c, done, keys.ActiveID())
			total += done
		}
		return nil
	})
	return total, err
}

func resealBatch(ctx context.Context, pc *pgx.Conn, keys *keyring.Keyring, c Column, batch int) (int, error) {
	tx, err := pc.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	keyCols := strings.Join(c.Key, ", ")
	// #nosec G201 -- table and column names come from the service's code, never from input
	rows, err := tx.Query(
		ctx,
		fmt.Sprintf(
			"SELECT %s, %s FROM %s WHERE %s IS NOT NULL AND %s <> $1 LIMIT $2 FOR UPDATE",
			keyCols,
			c.Column,
			c.Table,
			c.Column,
			c.keyID(),
		),
		keys.ActiveID(),
		batch,
	)
	if err != nil {
		return 0, err
	}
	var fresh [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return 0, err
		}
		key, sealedValue := vals[:len(c.Key)], vals[len(c.Key)].([]byte)
		plain, err := keys.Open(sealedValue, c.AAD(key))
		if err != nil {
			return 0, fmt.Errorf("a value does not open (%w): nothing of this batch was changed", err)
		}
		fresh = append(fresh, append(append([]any{}, key...), keys.Seal(plain, c.AAD(key))))
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(fresh) == 0 {
		return 0, tx.Commit(ctx)
	}
	// A temporary table of the same types, filled by COPY, then one UPDATE joined on the key.
	if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE resealed ON COMMIT DROP AS SELECT %s, %s FROM %s WITH NO DATA", keyCols, c.Column, c.Table)); err != nil { // #nosec G201 -- as above
		return 0, err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"resealed"}, append(append([]string{}, c.Key...), c.Column), pgx.CopyFromRows(fresh)); err != nil {
		return 0, err
	}
	var match []string
	for _, k := range c.Key {
		match = append(match, fmt.Sprintf("t.%[1]s = n.%[1]s", k))
	}
	// #nosec G201 -- as above
	if _, err := tx.Exec(ctx, fmt.Sprintf("UPDATE %s t SET %s = n.%s FROM resealed n WHERE %s", c.Table, c.Column, c.Column, strings.Join(match, " AND "))); err != nil {
		return 0, err
	}
	return len(fresh), tx.Commit(ctx)
}

// UUID is a uuid key value as Postgres gives it.
func UUID(v any) [16]byte {
	switch u := v.(type) {
	case [16]byte:
		return u
	case interface{ Bytes() [16]byte }:
		return u.Bytes()
	}
	return [16]byte{}
}

// Verify opens every sealed value of every column with keys and answers how many it opened,
// failing on the first that does not open: proof, before an old key is dropped, that the ring
// left reads everything.
func Verify(ctx context.Context, gdb *gorm.DB, keys *keyring.Keyring, columns []Column) (int, error) {
	opened := 0
	err := db.WithPgx(ctx, gdb, func(pc *pgx.Conn) error {
		for _, c := range columns {
			// #nosec G201 -- table and column names come from the service's code, never from input
			rows, err := pc.Query(
				ctx,
				fmt.Sprintf(
					"SELECT %s, %s FROM %s WHERE %s IS NOT NULL",
					strings.Join(c.Key, ", "),
					c.Column,
					c.Table,
					c.Column,
				),
			)
			if err != nil {
				return fmt.Errorf("%s: %w", c, err)
			}
			for rows.Next() {
				vals, err := rows.Values()
				if err != nil {
					rows.Close()
					return err
				}
				if _, err := keys.Open(vals[len(c.Key)].([]byte), c.AAD(vals[:len(c.Key)])); err != nil {
					rows.Close()
					return fmt.Errorf("%s: a value does not open: %w", c, err)
				}
				opened++
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return opened, err
}
