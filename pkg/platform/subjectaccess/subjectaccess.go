// Package subjectaccess builds a service's part of a subject access request (UK GDPR Art. 15):
// every row the service holds about a person's families and the person, sealed values opened,
// with the service's audit events about them, as one JSON document for the data protection
// officer (docs/data-protection.md, "Subject access").
//
// A service declares where its data about a family or a person is (Sources); a service that
// holds identities (identification, case) also finds the person by them (Find), which gives
// the programme's ids that every other service's export starts from.
package subjectaccess

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"
)

// Subject is whom a request is about and who asked.
type Subject struct {
	Reference   string // the request's reference, e.g. SAR-2026-0042 (recorded)
	RequestedBy string // who runs the export (recorded)
	// How a service that holds identities finds the person: an agency's identifier, or a
	// surname with a date of birth.
	SourceID, Surname, DOB string
	// The programme's opaque ids for the person and their families: given (from
	// identification's export) or found by the service.
	PersonIDs, FamilyIDs []string
}

var reference = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)

// Check refuses a request that names nobody or is not recorded properly, and ids that are not
// ids (a family's is a uuid).
func (s *Subject) Check() error {
	if s.RequestedBy == "" || !reference.MatchString(s.Reference) {
		return errors.New("give --requested-by and a --reference (letters, digits, . _ / -)")
	}
	if s.SourceID == "" && (s.Surname == "") != (s.DOB == "") {
		return errors.New("give --surname with --dob")
	}
	if s.DOB != "" {
		if _, err := time.Parse(time.DateOnly, s.DOB); err != nil {
			return errors.New("--dob must be a date, YYYY-MM-DD")
		}
	}
	if s.SourceID == "" && s.Surname == "" && len(s.PersonIDs) == 0 && len(s.FamilyIDs) == 0 {
		return errors.New(
			"give whom the request is about: --source-id, --surname with --dob, --person-id or --family-id",
		)
	}
	for _, id := range s.FamilyIDs {
		if _, err := uuid.Parse(id); err != nil {
			return fmt.Errorf("%q is not a family id (a uuid)", id)
		}
	}
	for _, id := range s.PersonIDs {
		if !personID.MatchString(id) {
			return fmt.Errorf("%q is not a person id (letters, digits, - and _)", id)
		}
	}
	return nil
}

// personID is a person's opaque id: identification's uuids, or a case member's id.
var personID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ByIdentity says whether the request names the person by who they are (not only by ids).
func (s *Subject) ByIdentity() bool { return s.SourceID != "" || s.Surname != "" }

// MatchesName says whether a surname and date of birth are the subject's (case and spacing
// of the surname ignored).
func (s *Subject) MatchesName(surname, dob string) bool {
	return s.Surname != "" && dob == s.DOB &&
		strings.EqualFold(strings.TrimSpace(surname), strings.TrimSpace(s.Surname))
}

// Add records ids found, once each, in order.
func (s *Subject) Add(persons, families []string) {
	for _, p := range persons {
		if !slices.Contains(s.PersonIDs, p) {
			s.PersonIDs = append(s.PersonIDs, p)
		}
	}
	for _, f := range families {
		if !slices.Contains(s.FamilyIDs, f) {
			s.FamilyIDs = append(s.FamilyIDs, f)
		}
	}
}

// Rows are a section's rows, each column by name.
type Rows = []map[string]any

// Source is one of a service's tables (or joins) about a person's families or the person.
type Source struct {
	Section string // its name in the export
	// Query selects the rows: @families are the family ids (uuids) and @people the person ids,
	// as text (cast them as the column needs: @families::uuid[]; person ids are compared as
	// text, a case member's id not being a uuid).
	Query string
	// Sealed, when set, is the sealed column the query selects under its own name: opened
	// with FIELD_KEYS and shown decoded (JSON), never as ciphertext.
	Sealed *sealed.Column
}

// Export is one service's part of a subject access request.
type Export struct {
	Reference   string    `json:"reference"`
	Service     string    `json:"service"`
	GeneratedAt time.Time `json:"generated_at"`
	Subject     struct {
		PersonIDs []string `json:"person_ids"`
		FamilyIDs []string `json:"family_ids"`
	} `json:"subject"`
	// Sections hold the rows by table; a section about a family holds its other members'
	// data too, which the data protection officer weighs before disclosing (third parties).
	Sections map[string]Rows `json:"sections"`
}

// Rows counts every section's rows, for the record of the export.
func (e *Export) Rows() int {
	n := 0
	for _, r := range e.Sections {
		n += len(r)
	}
	return n
}

// Collect runs every source for the subject's ids, in one read-only transaction, and adds the
// service's audit events about those families and people (who read or changed what, when).
func Collect(
	ctx context.Context,
	gdb *gorm.DB,
	keys *keyring.Keyring,
	auditSchema string,
	sources []Source,
	s *Subject,
	e *Export,
) error {
	if e.Sections == nil {
		e.Sections = map[string]Rows{}
	}
	ids := pgx.NamedArgs{"families": OrEmpty(s.FamilyIDs), "people": OrEmpty(s.PersonIDs)}
	return db.WithPgx(ctx, gdb, func(conn *pgx.Conn) error {
		return pgx.BeginTxFunc(
			ctx,
			conn,
			pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead},
			func(tx pgx.Tx) error {
				for _, src := range sources {
					rows, err := query(ctx, tx, keys, src, ids)
					if err != nil {
						return fmt.Errorf("%s: %w", src.Section, err)
					}
					e.Sections[src.Section] = append(OrEmpty(e.Sections[src.Section]), rows...)
				}
				events, err := query(
					ctx,
					tx,
					keys,
					Source{
						Section: "audit_events",
						Query: fmt.Sprintf( // #nosec G201 -- the schema is the service's name
							`SELECT seq, at, actor, roles, action, resource_type, resource_id, outcome, reason, request_id
				FROM %q.audit_events WHERE resource_id = ANY(@families::text[]) OR resource_id = ANY(@people::text[]) ORDER BY seq`,
							auditSchema,
						),
					},
					ids,
				)
				if err != nil {
					return fmt.Errorf("audit events: %w", err)
				}
				e.Sections["audit_events"] = events
				return nil
			},
		)
	})
}

// OrEmpty is s, or an empty slice: never null in JSON, never NULL as an SQL array.
func OrEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func query(ctx context.Context, tx pgx.Tx, keys *keyring.Keyring, src Source, ids pgx.NamedArgs) (Rows, error) {
	rows, err := tx.Query(ctx, src.Query, ids)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToMap)
	if err != nil {
		return nil, err
	}
	for _, row := range out {
		if src.Sealed != nil {
			if err := open(keys, src.Sealed, row); err != nil {
				return nil, err
			}
		}
		for k, v := range row {
			row[k] = plain(v)
		}
	}
	return OrEmpty(out), nil
}

// open replaces a row's sealed value with what it holds.
func open(keys *keyring.Keyring, c *sealed.Column, row map[string]any) error {
	b, ok := row[c.Column].([]byte)
	if !ok {
		return nil // NULL: nothing sealed
	}
	key := make([]any, len(c.Key))
	for i, k := range c.Key {
		key[i] = row[k]
	}
	opened, err := keys.Open(b, c.AAD(key))
	if err != nil {
		return fmt.Errorf("a value of %s does not open: %w", c, err)
	}
	var v any
	if err := json.Unmarshal(opened, &v); err != nil {
		return fmt.Errorf("a value of %s is not JSON: %w", c, err)
	}
	row[c.Column] = v
	return nil
}

// plain is a column's value as JSON shows it: uuids as text, numbers as numbers.
func plain(v any) any {
	switch x := v.(type) {
	case [16]byte:
		return uuid.UUID(x).String()
	case []any:
		for i := range x {
			x[i] = plain(x[i])
		}
		return x
	case pgtype.Numeric:
		f, err := x.Float64Value()
		if err != nil || !f.Valid {
			return nil
		}
		return f.Float64
	case time.Time:
		return x.UTC()
	}
	return v
}

// RowsOf is a slice of structs as a section's rows, each field by its JSON name.
func RowsOf(v any) (Rows, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := Rows{}
	if string(b) == "null" {
		return out, nil
	}
	return out, json.Unmarshal(b, &out)
}
