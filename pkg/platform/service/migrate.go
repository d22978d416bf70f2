package service

import (
	"cmp"
	"context"
	"log/slog"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/db"
	"gorm.io/gorm"
)

// MigrateAsOwner applies a schema's migrations as the role that owns the schema, then grants
// the application's role its rights (db.GrantApplication: rows to read and change, the audit
// trail only to append to and read). The owner logs in with migrationURL
// (MIGRATION_DATABASE_URL), the application with databaseURL (DATABASE_URL). When the two
// are one role (development, or migrationURL unset) the application owns its tables, could
// disable the audit trail's append-only triggers, and a warning says so.
func MigrateAsOwner(
	ctx context.Context,
	log *slog.Logger,
	databaseURL, migrationURL, schema string,
	apply func(owner *gorm.DB) error,
) error {
	app, err := db.RoleOf(databaseURL)
	if err != nil {
		return err
	}
	ownerURL := cmp.Or(migrationURL, databaseURL)
	ownerRole, err := db.RoleOf(ownerURL)
	if err != nil {
		return err
	}
	owner, err := db.Open(ctx, ownerURL, db.Options{Log: log, MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer func() {
		if sqlDB, e := owner.DB(); e == nil {
			_ = sqlDB.Close()
		}
	}()
	if err := apply(owner); err != nil {
		return err
	}
	if ownerRole == app {
		log.Warn("the application's database role owns its schema, so it could disable the audit trail's "+
			"append-only triggers: set MIGRATION_DATABASE_URL to the role that owns the schema (docs/deployment.md)",
			"schema", schema)
		return nil
	}
	return db.GrantApplication(ctx, owner, schema, app)
}

func migrate(ctx context.Context, def Definition, d *Deps) error {
	ms, err := db.LoadMigrations(def.Migrations)
	if err != nil {
		return err
	}
	var v int64
	err = MigrateAsOwner(ctx, d.Log, d.Settings.DatabaseURL, d.Settings.MigrationDatabaseURL, def.Name,
		func(owner *gorm.DB) error {
			if v, err = db.Migrate(ctx, owner, def.Name, ms); err != nil {
				return err
			}
			return audit.Migrate(ctx, owner, def.Name)
		})
	if err != nil {
		return err
	}
	d.Log.Info("schema migrated", "schema", def.Name, "version", v)
	return nil
}
