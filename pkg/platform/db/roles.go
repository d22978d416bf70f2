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
		for _, stmt := range []string{
			"GRANT USAGE ON SCHEMA " + s + " TO " + r,
			"REVOKE CREATE ON SCHEMA " + s + " FROM " + r,
			"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + s + " TO " + r,
			"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA " + s + " FROM " + r,
			"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + s + " TO " + r,
			"REVOKE UPDATE, DELETE ON " + s + ".audit_events FROM " + r,
			"REVOKE INSERT, UPDATE, DELETE ON " + s + ".schema_migrations, " + s + ".audit_migrations FROM " + r,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return fmt.Errorf("grant %s its rights on %s: %w", role, schema, err)
			}
		}
		return nil
	})
}
