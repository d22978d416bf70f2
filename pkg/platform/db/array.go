package db

import (
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"
)

// TextArray is a Postgres text[] (or uuid[]) value as []string: a statement's argument (for a
// "?::text[]" parameter: gorm would spread a plain []string into a list), a gorm model's field
// or a scan destination. Any string round-trips, quotes, backslashes, commas and braces
// included.
type TextArray []string

// arrays encodes and decodes arrays' text form (pgx's own types).
var arrays = pgtype.NewMap()

// Scan reads an array in Postgres's text form; NULL is nil.
func (a *TextArray) Scan(src any) error {
	var text []byte
	switch v := src.(type) {
	case nil:
		*a = nil
		return nil
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return fmt.Errorf("db.TextArray: cannot scan %T", src)
	}
	var out []string
	if err := arrays.Scan(pgtype.TextArrayOID, pgtype.TextFormatCode, text, &out); err != nil {
		return fmt.Errorf("db.TextArray: %w", err)
	}
	*a = out
	return nil
}

// Value writes the array in Postgres's text form; nil is the empty array, never NULL.
func (a TextArray) Value() (driver.Value, error) {
	if a == nil {
		return "{}", nil
	}
	b, err := arrays.Encode(pgtype.TextArrayOID, pgtype.TextFormatCode, []string(a), nil)
	if err != nil {
		return nil, fmt.Errorf("db.TextArray: %w", err)
	}
	return string(b), nil
}
