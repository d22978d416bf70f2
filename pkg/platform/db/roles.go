package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// RoleOf is the database role a connection URL (or DSN) logs in as.
func RoleOf(url string) (string, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "", fmt.Errorf("read the database URL: %w", err)
	}
	return cfg.User, nil
}

// GrantApplication gives the application's role what it needs of a service's schema, which
// another role (the one that migrates it) owns: reading and changing the service's rows, and
// only appending to and reading its audit trail. A role that does not own a table cannot
// alter it, so it cannot disable the audit trail's append-only triggers, and UPDATE, DELETE
// and TRUNCATE of audit_events are refused to it before any trigger runs. The migration
// ledgers are read-only to it. Run after every migration: tables a migration added are
// granted too.
func GrantApplication(ctx context.Context, owner *gorm.DB, schema, role string) error {
	s, r := quoteIdent(schema), quoteIdent(role)
	return owner.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The append-only tables the schema has: a schema of the audit trail alone (the codec
		// server's) has no schema_migrations.
		var appendOnly []string
		if err := tx.Raw(`SELECT table_name FROM information_schema.tables WHERE table_schema = ?
			AND (table_name = 'audit_events' OR table_name LIKE '%\_migrations') ORDER BY 1`, schema).
			Scan(&appendOnly).Error; err != nil {
			return fmt.Errorf("list %s's tables: %w", schema, err)
		}
		stmts := []string{
			"GRANT USAGE ON SCHEMA " + s + " TO " + r,
			"REVOKE CREATE ON SCHEMA " + s + " FROM " + r,
			"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + s + " TO " + r,
			"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA " + s + " FROM " + r,
			"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + s + " TO " + r,
		}
		for _, t := range appendOnly {
			revoke := "UPDATE, DELETE" // the trail: appended to and read
			if t != "audit_events" {
				revoke = "INSERT, UPDATE, DELETE" // a migrations ledger: read only
			}
			stmts = append(stmts, "REVOKE "+revoke+" ON "+s+"."+quoteIdent(t)+" FROM "+r)
		}
		for _, stmt := range stmts {
			if err := tx.Exec(stmt).Error; err != nil {
				return fmt.Errorf("grant %s its rights on %s: %w", role, schema, err)
			}
		}
		return nil
	})
}
