package db

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/familypath/familypath/pkg/platform/testenv"
	"gorm.io/gorm"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func files(m map[string]string) fstest.MapFS {
	fs := fstest.MapFS{}
	for k, v := range m {
		fs[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fs
}

func openTestDB(t *testing.T) *gorm.DB {
	t.Helper()
	gdb, err := Open(context.Background(), testenv.Database(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return gdb
}

func TestMigrateAppliesOnceInOrderAndRefusesEditedMigrations(t *testing.T) {
	ctx, gdb := context.Background(), openTestDB(t)
	ms, err := LoadMigrations(files(map[string]string{
		"0002_more.sql":   "ALTER TABLE svc.things ADD COLUMN label text;",
		"0001_things.sql": "CREATE TABLE svc.things (id int PRIMARY KEY);",
	}))
	if err != nil {
		t.Fatal(err)
	}

	// Two migrators at once (two pods) apply each migration exactly once.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = Migrate(ctx, gdb, "svc", ms) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
	if v, err := SchemaVersion(ctx, gdb, "svc"); err != nil || v != 2 {
		t.Fatalf("version = %d, %v; want 2", v, err)
	}
	if err := gdb.Exec("INSERT INTO svc.things (id, label) VALUES (1, 'x')").Error; err != nil {
		t.Fatalf("migrations not applied: %v", err)
	}

	ms[0].Checksum = "edited"
	if _, err := Migrate(ctx, gdb, "svc", ms); err == nil ||
		!strings.Contains(err.Error(), "changed after it was applied") {
		t.Fatalf("edited migration accepted: %v", err)
	}
}

func TestMigrateRollsBackAFailingMigration(t *testing.T) {
	ctx, gdb := context.Background(), openTestDB(t)
	ms, _ := LoadMigrations(files(map[string]string{
		"0001_ok.sql":     "CREATE TABLE svc.a (id int);",
		"0002_broken.sql": "CREATE TABLE svc.b (id int); SELECT no_such_function();",
	}))
	v, err := Migrate(ctx, gdb, "svc", ms)
	if err == nil || !strings.Contains(err.Error(), "0002_broken.sql") {
		t.Fatalf("want an error naming the broken migration, got %v", err)
	}
	if v != 1 {
		t.Errorf("version = %d, want 1", v)
	}
	var n int
	gdb.Raw("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'svc' AND table_name = 'b'").Scan(&n)
	if n != 0 {
		t.Error("half-applied migration left table svc.b behind")
	}
}

func TestLoadMigrationsRejectsBadNamesAndDuplicates(t *testing.T) {
	if _, err := LoadMigrations(files(map[string]string{"add_things.sql": ""})); err == nil {
		t.Error("accepted a file without a version")
	}
	if _, err := LoadMigrations(files(map[string]string{"0001_a.sql": "", "0001_b.sql": ""})); err == nil {
		t.Error("accepted two migrations with one version")
	}
}
