package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"

	"gorm.io/gorm"
)

// Migration is one versioned SQL file: NNNN_description.sql.
type Migration struct {
	Version  int64
	Name     string
	SQL      string
	Checksum string
}

var migrationFile = regexp.MustCompile(`^(\d{4,})_([a-z0-9_]+)\.sql$`)

// LoadMigrations reads every NNNN_name.sql file at the top of fsys, in version order.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	seen := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := migrationFile.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q: name must be NNNN_description.sql", e.Name())
		}
		v, _ := strconv.ParseInt(m[1], 10, 64)
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migration version %d appears twice: %s and %s", v, prev, e.Name())
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		ms = append(ms, Migration{Version: v, Name: m[2], SQL: string(b), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// Migrate applies the migrations not yet applied to schema, each in its own transaction,
// under an advisory lock so that concurrent `migrate` runs (two pods) apply each once.
// An applied migration whose file has changed is an error: published migrations are immutable.
// It returns the schema's version afterwards.
func Migrate(ctx context.Context, gdb *gorm.DB, schema string, ms []Migration) (int64, error) {
	return MigrateSet(ctx, gdb, schema, "schema", ms)
}

// MigrateSet is Migrate for a set of migrations kept apart from the service's own, such as
// the platform's audit trail in every schema: its versions are tracked in <set>_migrations.
// Each migration runs with the schema as search_path, so a set's SQL names no schema.
func MigrateSet(ctx context.Context, gdb *gorm.DB, schema, set string, ms []Migration) (int64, error) {
	var version int64
	err := gdb.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		lockKey := "familypath.migrate." + schema
		if err := conn.Exec("SELECT pg_advisory_lock(hashtext(?))", lockKey).Error; err != nil {
			return fmt.Errorf("take migration lock: %w", err)
		}
		defer conn.Exec("SELECT pg_advisory_unlock(hashtext(?))", lockKey)

		ident := quoteIdent(schema)
		tracking := ident + "." + quoteIdent(set+"_migrations")
		if err := conn.Exec("CREATE SCHEMA IF NOT EXISTS " + ident).Error; err != nil {
			return fmt.Errorf("create schema %s: %w", schema, err)
		}
		if err := conn.Exec(`CREATE TABLE IF NOT EXISTS ` + tracking + ` (
			version    bigint PRIMARY KEY,
			name       text NOT NULL,
			checksum   text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`).Error; err != nil {
			return fmt.Errorf("create %s.%s_migrations: %w", schema, set, err)
		}
		var applied []Migration
		if err := conn.Raw("SELECT version, name, checksum FROM " + tracking + " ORDER BY version").Scan(&applied).Error; err != nil {
			return err
		}
		done := map[int64]string{}
		for _, a := range applied {
			done[a.Version] = a.Checksum
			version = a.Version
		}
		for _, m := range ms {
			if sum, ok := done[m.Version]; ok {
				if sum != m.Checksum {
					return fmt.Errorf(
						"migration %04d_%s.sql changed after it was applied: add a new migration instead",
						m.Version,
						m.Name,
					)
				}
				continue
			}
			err := conn.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec("SET LOCAL search_path TO " + ident).Error; err != nil {
					return err
				}
				if err := tx.Exec(m.SQL).Error; err != nil {
					return fmt.Errorf("apply migration %04d_%s.sql: %w", m.Version, m.Name, err)
				}
				return tx.Exec("INSERT INTO "+tracking+" (version, name, checksum) VALUES (?, ?, ?)",
					m.Version, m.Name, m.Checksum).Error
			})
			if err != nil {
				return err
			}
			version = m.Version
		}
		return nil
	})
	return version, err
}

// SchemaVersion returns the highest applied migration of schema (0 when none).
func SchemaVersion(ctx context.Context, gdb *gorm.DB, schema string) (int64, error) {
	var v *int64
	err := gdb.WithContext(ctx).
		Raw("SELECT max(version) FROM " + quoteIdent(schema) + ".schema_migrations").
		Scan(&v).
		Error
	if err != nil || v == nil {
		return 0, err
	}
	return *v, nil
}

func quoteIdent(s string) string {
	return `"` + regexp.MustCompile(`"`).ReplaceAllString(s, `""`) + `"`
}
