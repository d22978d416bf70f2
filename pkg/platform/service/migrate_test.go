package service

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"gorm.io/gorm"
)

// With a role that owns the schema (MIGRATION_DATABASE_URL) and another the application logs in
// as (DATABASE_URL), the application reads and changes its rows and appends to its audit
// trail, but cannot change or remove an audit event, empty the trail, disable its triggers, or
// change the schema.
func TestTheApplicationRoleOnlyAppendsToTheAuditTrail(t *testing.T) {
	ownerURL := testenv.Database(t)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	owner, err := db.Open(ctx, ownerURL, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	role := "app_" + testenv.Unique()
	if err := owner.Exec(`CREATE ROLE ` + role + ` LOGIN`).Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = owner.Exec(`DROP OWNED BY ` + role).Error
		_ = owner.Exec(`DROP ROLE ` + role).Error
	})
	u, _ := url.Parse(ownerURL)
	u.User = url.User(role)
	appURL := u.String()

	ms, err := db.LoadMigrations(fstest.MapFS{"0001_things.sql": {Data: []byte(
		`CREATE TABLE things (id bigserial PRIMARY KEY, name text NOT NULL);`)}})
	if err != nil {
		t.Fatal(err)
	}
	migrateAll := func() error {
		return MigrateAsOwner(ctx, log, appURL, ownerURL, "svc", func(o *gorm.DB) error {
			if _, err := db.Migrate(ctx, o, "svc", ms); err != nil {
				return err
			}
			return audit.Migrate(ctx, o, "svc")
		})
	}
	if err := migrateAll(); err != nil {
		t.Fatal(err)
	}
	if err := migrateAll(); err != nil { // every deploy migrates again
		t.Fatalf("second migrate: %v", err)
	}
	app, err := db.Open(ctx, appURL, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := app.DB(); err == nil {
			_ = s.Close()
		}
	})
	trail := audit.Trail{DB: app, Schema: "svc"}
	if _, err := trail.Append(ctx, audit.Event{Actor: "cw", Action: "read", ResourceType: "family",
		ResourceID: "f-1", Outcome: audit.Allowed}); err != nil {
		t.Fatalf("the application could not append: %v", err)
	}
	for _, c := range []struct{ name, sql string }{
		{"write its rows", `INSERT INTO svc.things (name) VALUES ('a')`},
		{"change its rows", `UPDATE svc.things SET name = 'b'`},
		{"read its trail", `SELECT count(*) FROM svc.audit_events`},
		{"remove its rows", `DELETE FROM svc.things`},
	} {
		t.Run("may "+c.name, func(t *testing.T) {
			if err := app.Exec(c.sql).Error; err != nil {
				t.Errorf("%s: %v", c.sql, err)
			}
		})
	}
	for _, c := range []struct{ name, sql string }{
		{"change an event", `UPDATE svc.audit_events SET reason = 'x'`},
		{"remove an event", `DELETE FROM svc.audit_events`},
		{"empty the trail", `TRUNCATE svc.audit_events`},
		{"disable the triggers", `ALTER TABLE svc.audit_events DISABLE TRIGGER ALL`},
		{"drop a trigger", `DROP TRIGGER audit_events_no_change ON svc.audit_events`},
		{"rewrite the migrations ledger", `DELETE FROM svc.schema_migrations`},
		{"change the schema", `CREATE TABLE svc.other (id int)`},
	} {
		t.Run("may not "+c.name, func(t *testing.T) {
			err := app.Exec(c.sql).Error
			if err == nil ||
				!strings.Contains(err.Error(), "permission denied") && !strings.Contains(err.Error(), "must be owner") {
				t.Errorf("%s: %v", c.sql, err)
			}
		})
	}
	if rep, err := (audit.Trail{DB: owner, Schema: "svc"}).Verify(ctx); err != nil || rep.Events != 1 {
		t.Errorf("trail after the attempts: %+v %v", rep, err)
	}

	// A schema of the audit trail alone (the codec server's) is granted the same way.
	if err := MigrateAsOwner(ctx, log, appURL, ownerURL, "trail_only", func(o *gorm.DB) error {
		return audit.Migrate(ctx, o, "trail_only")
	}); err != nil {
		t.Fatalf("a trail alone: %v", err)
	}
	if _, err := (audit.Trail{DB: app, Schema: "trail_only"}).Append(ctx, audit.Event{Actor: "admin", Action: "decode",
		ResourceType: "payload", Outcome: audit.Allowed}); err != nil {
		t.Errorf("append to a trail alone: %v", err)
	}
	if err := app.Exec(`DELETE FROM trail_only.audit_events`).Error; err == nil ||
		!strings.Contains(err.Error(), "permission denied") {
		t.Errorf("removed from a trail alone: %v", err)
	}
}
