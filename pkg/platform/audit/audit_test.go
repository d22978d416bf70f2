package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func trail(t *testing.T) audit.Trail {
	t.Helper()
	ctx := context.Background()
	gdb, err := db.Open(ctx, testenv.Database(t), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, gdb, "svc", nil); err != nil {
		t.Fatal(err)
	}
	if err := audit.Migrate(ctx, gdb, "svc"); err != nil {
		t.Fatal(err)
	}
	return audit.Trail{DB: gdb, Schema: "svc"}
}

func fill(t *testing.T, tr audit.Trail, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := tr.Append(
				context.Background(),
				audit.Event{Actor: fmt.Sprintf("user.%d", i%3), Roles: []string{"caseworker"},
					Action: "family.read", ResourceType: "family", ResourceID: fmt.Sprintf("f-%d", i), Outcome: audit.Allowed, Reason: "role caseworker as allocated"},
			)
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestConcurrentAppendsMakeOneUnbrokenChain(t *testing.T) {
	tr := trail(t)
	fill(t, tr, 40)
	rep, err := tr.Verify(context.Background())
	if err != nil || !rep.OK() || rep.Events != 40 || rep.HeadSeq != 40 || len(rep.HeadHash) != 64 {
		t.Fatalf("%+v %v", rep, err)
	}
	got, _ := tr.Query(context.Background(), audit.Filter{Actor: "user.1", Limit: 1000})
	if len(got) != 13 || got[0].Roles[0] != "caseworker" {
		t.Errorf("query by actor: %d events", len(got))
	}
}

func TestTheTrailIsAppendOnly(t *testing.T) {
	tr := trail(t)
	fill(t, tr, 3)
	for _, sql := range []string{`UPDATE svc.audit_events SET actor = 'x'`, `DELETE FROM svc.audit_events`, `TRUNCATE svc.audit_events`} {
		if err := tr.DB.Exec(sql).Error; err == nil {
			t.Errorf("%s: allowed", sql)
		}
	}
}

// Whoever gets past the triggers (a superuser disabling them) leaves a broken chain. (Cutting
// off the newest events leaves a whole, shorter chain: the head hash recorded elsewhere finds
// that, docs/data-protection.md.)
func TestVerifyFindsEditsRemovalsAndReorders(t *testing.T) {
	for name, tamper := range map[string]string{
		"edited reason":  `UPDATE svc.audit_events SET reason = 'nothing to see' WHERE seq = 5`,
		"edited outcome": `UPDATE svc.audit_events SET outcome = 'allowed', actor = 'user.9' WHERE seq = 7`,
		"removed event":  `DELETE FROM svc.audit_events WHERE seq = 4`,
		"removed two":    `DELETE FROM svc.audit_events WHERE seq IN (8, 9)`,
		"swapped events": `UPDATE svc.audit_events SET seq = 1000 WHERE seq = 2; UPDATE svc.audit_events SET seq = 2 WHERE seq = 3; UPDATE svc.audit_events SET seq = 3 WHERE seq = 1000`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Run(name, func(t *testing.T) {
				tr := trail(t)
				fill(t, tr, 10)
				for _, sql := range []string{`ALTER TABLE svc.audit_events DISABLE TRIGGER USER`, tamper, `ALTER TABLE svc.audit_events ENABLE TRIGGER USER`} {
					if err := tr.DB.Exec(sql).Error; err != nil {
						t.Fatal(err)
					}
				}
				rep, err := tr.Verify(context.Background())
				if err != nil || rep.OK() || rep.BrokenAt == 0 || rep.Problem == "" {
					t.Fatalf("tampering not found: %+v %v", rep, err)
				}
			})
		})
	}
}

func TestEventsHoldIdsAndCodesOnly(t *testing.T) {
	tr := trail(t)
	for _, e := range []audit.Event{
		{Actor: "a", Action: "family read", ResourceType: "family", Outcome: audit.Allowed},
		{Actor: "a b", Action: "read", ResourceType: "family", Outcome: audit.Allowed},
		{Actor: "a", Action: "read", ResourceType: "family", Outcome: "maybe"},
		{Actor: "a", Action: "read", ResourceType: "family", ResourceID: "Jane Smith", Outcome: audit.Allowed},
	} {
		if _, err := tr.Append(context.Background(), e); err == nil {
			t.Errorf("accepted %+v", e)
		}
	}
}

// Many appends at once through a Batcher share transactions and still make one unbroken
// chain, each caller getting its own event back with its place in it.
func TestBatcherKeepsOneChainUnderConcurrentAppends(t *testing.T) {
	tr := trail(t)
	b := &audit.Batcher{Trail: tr, MaxBatch: 16}
	const n = 200
	var wg sync.WaitGroup
	seqs := make(chan int64, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := b.Append(
				context.Background(),
				audit.Event{
					Actor:        fmt.Sprintf("user-%d", i),
					Action:       "family.read",
					ResourceType: "family",
					Outcome:      audit.Allowed,
				},
			)
			if err != nil {
				t.Error(err)
				return
			}
			seqs <- e.Seq
		}()
	}
	wg.Wait()
	close(seqs)
	seen := map[int64]bool{}
	for s := range seqs {
		if seen[s] {
			t.Errorf("seq %d given twice", s)
		}
		seen[s] = true
	}
	rep, err := tr.Verify(context.Background())
	if err != nil || rep.BrokenAt != 0 || rep.Events != n || len(seen) != n {
		t.Errorf("verify %+v %v, %d distinct seqs", rep, err, len(seen))
	}
	if _, err := b.Append(context.Background(), audit.Event{Actor: "x"}); err == nil {
		t.Error("an incomplete event was accepted")
	}
}

// A keyed chain (AUDIT_KEY) verifies with its key only: a rewrite by someone without the key,
// recomputing every hash in plain SHA-256 or under another key, is found; events chained
// before the key was set still verify; the anchor is told every new head.
func TestAKeyedChainNeedsItsKey(t *testing.T) {
	ctx := context.Background()
	gdb, err := db.Open(ctx, testenv.Database(t), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Migrate(ctx, gdb, "keyed"); err != nil {
		t.Fatal(err)
	}
	plain := audit.Trail{DB: gdb, Schema: "keyed"}
	if _, err := plain.Append(ctx, audit.Event{Actor: "a", Action: "read", ResourceType: "family", ResourceID: "f-1", Outcome: audit.Allowed}); err != nil {
		t.Fatal(err)
	}
	var heads []int64
	key := []byte("0123456789abcdef0123456789abcdef-key")
	keyed := audit.Trail{
		DB:     gdb,
		Schema: "keyed",
		Key:    key,
		Anchor: func(seq int64, _ string) { heads = append(heads, seq) },
	}
	for i := range 3 {
		if _, err := keyed.Append(ctx, audit.Event{Actor: "a", Action: "read", ResourceType: "family", ResourceID: fmt.Sprintf("f-%d", i+2), Outcome: audit.Allowed}); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := keyed.Verify(ctx); err != nil || !rep.OK() || rep.Events != 4 {
		t.Errorf("with its key: %+v %v", rep, err)
	}
	if rep, err := keyed.VerifyTail(ctx, 2); err != nil || !rep.OK() || rep.Events != 2 || rep.HeadSeq != 4 {
		t.Errorf("the tail: %+v %v", rep, err)
	}
	if rep, _ := plain.Verify(ctx); rep.OK() || rep.BrokenAt != 2 {
		t.Errorf("without the key: %+v", rep)
	}
	if rep, _ := (audit.Trail{DB: gdb, Schema: "keyed", Key: []byte("another-key-of-thirty-two-bytes-!!")}).Verify(ctx); rep.OK() ||
		rep.BrokenAt != 2 {
		t.Errorf("under another key: %+v", rep)
	}
	if fmt.Sprint(heads) != "[2 3 4]" {
		t.Errorf("anchored heads %v", heads)
	}
}

// An append that cannot be recorded (here the trail's table is gone from under it) is told to
// Failed, which the service counts for its alert; one that is recorded is not.
func TestAnAppendThatCannotBeRecordedIsCounted(t *testing.T) {
	tr := trail(t)
	failed := 0
	tr.Failed = func() { failed++ }
	fill(t, tr, 1)
	if failed != 0 {
		t.Fatalf("a recorded append counted as failed")
	}
	tr.Schema = "no_such_schema"
	if _, err := tr.Append(context.Background(), audit.Event{Actor: "user.1", Action: "family.read", ResourceType: "family", Outcome: audit.Allowed}); err == nil ||
		failed != 1 {
		t.Errorf("an append to no trail: %v, counted %d", err, failed)
	}
}
