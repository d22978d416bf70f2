// Package audit keeps each service's audit trail: every read and change of a case record and
// every refused access, with who, when, what and why, never the data itself. The trail is
// append-only (triggers refuse UPDATE, DELETE and TRUNCATE) and tamper-evident: each event's
// hash covers the previous event's hash, so editing, removing or reordering any row breaks
// the chain from that row on, which Verify finds.
//
// Every service has its own trail in its own schema (table audit_events), created by the
// platform's migrations (Migrations) when the service migrates.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/db"
	"gorm.io/gorm"
)

// migrations create the audit trail in a schema; they name no schema (db.MigrateSet runs
// them with the schema as search_path).
//
//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or updates the audit trail in schema (a service's, or the codec server's),
// tracking its versions in <schema>.audit_migrations.
func Migrate(ctx context.Context, gdb *gorm.DB, schema string) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	ms, err := db.LoadMigrations(sub)
	if err != nil {
		return err
	}
	_, err = db.MigrateSet(ctx, gdb, schema, "audit", ms)
	return err
}

// Outcomes of an audited access.
const (
	Allowed = "allowed"
	Refused = "refused"
)

// Anonymous is the actor of a request whose token could not be verified.
const Anonymous = "anonymous"

// Event is one audited access. Resource ids are the opaque ids the platform issues (a
// family's uuid), never a name or reference number; Reason says why in words of the code
// (the relationship that allowed a read, the check that refused it), never request data.
type Event struct {
	Seq          int64     `json:"seq"`
	At           time.Time `json:"at"`
	Actor        string    `json:"actor"`
	Roles        []string  `json:"roles"`
	Action       string    `json:"action"`        // read, create, update, delete, export, decode, ...
	ResourceType string    `json:"resource_type"` // family, upload, audit-events, payloads, ...
	ResourceID   string    `json:"resource_id"`
	Outcome      string    `json:"outcome"` // allowed or refused
	Reason       string    `json:"reason"`
	RequestID    string    `json:"request_id"`
	PrevHash     string    `json:"prev_hash"` // hex
	Hash         string    `json:"hash"`      // hex
	// Keyed: the hash is HMAC-SHA-256 under the trail's key (Trail.Key), not plain SHA-256.
	Keyed bool `json:"keyed"`
}

// Trail appends to and reads one service's audit trail.
type Trail struct {
	DB     *gorm.DB
	Schema string // the service's schema
	// Key, when set (AUDIT_KEY), keys every new event's hash (HMAC-SHA-256), so that nobody
	// without it can rewrite the chain and make it verify. Verify needs it for keyed events.
	Key []byte
	// Anchor, when set, is told the chain's new head after every append (the service logs it
	// and exports it as a metric): a record outside the database, so a truncated or replaced
	// trail shows as a head that went back.
	Anchor func(seq int64, hash string)
	// Failed, when set, is told of every append that could not be recorded (the service counts
	// them as familypath_audit_write_failures_total, which an alert watches): the request it
	// records was refused, but a trail that cannot be written is an outage of its own.
	Failed func()
}

var (
	safeWord  = regexp.MustCompile(`^[A-Za-z0-9._@:/-]{0,128}$`)
	printable = regexp.MustCompile(`^[\x21-\x7e]{1,256}$`) // subjects and route templates
)

// Append records an event, setting its Seq, At and hashes. Concurrent appends are put in
// one order by a transaction-scoped advisory lock on the service's chain.
func (t Trail) Append(ctx context.Context, e Event) (Event, error) {
	if err := check(&e); err != nil {
		return e, err
	}
	events := []Event{e}
	if err := t.appendAll(ctx, events); err != nil {
		return e, err
	}
	return events[0], nil
}

// check refuses an event that is incomplete or holds anything but ids and codes.
func check(e *Event) error {
	if e.Actor == "" || e.Action == "" || e.ResourceType == "" || (e.Outcome != Allowed && e.Outcome != Refused) {
		return errors.New("audit event needs an actor, an action, a resource type and an outcome")
	}
	if !printable.MatchString(e.Actor) || (e.ResourceID != "" && !printable.MatchString(e.ResourceID)) {
		return errors.New("audit event actor or resource id is not printable ASCII of 1 to 256 characters")
	}
	for _, w := range append([]string{e.Action, e.ResourceType, e.RequestID}, e.Roles...) {
		if !safeWord.MatchString(w) {
			return errors.New("audit event field is not an id or a code") // never echo it
		}
	}
	if e.Roles == nil {
		e.Roles = []string{}
	}
	return nil
}

// appendAll chains the checked events, in order, after the trail's head in one transaction,
// setting each one's Seq, At and hashes: all are recorded or none.
func (t Trail) appendAll(ctx context.Context, events []Event) (err error) {
	if t.Failed != nil {
		defer func() {
			if err != nil {
				t.Failed()
			}
		}()
	}
	err = t.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "familypath.audit."+t.Schema).Error; err != nil {
			return err
		}
		var head struct {
			Seq  int64
			Hash []byte
		}
		if err := tx.Raw("SELECT seq, hash FROM " + t.table() + " ORDER BY seq DESC LIMIT 1").Scan(&head).Error; err != nil {
			return err
		}
		prevHash := hex.EncodeToString(head.Hash)
		if head.Hash == nil {
			prevHash = genesis
		}
		at := time.Now().UTC().Truncate(time.Microsecond) // what Postgres keeps
		values := make([]string, 0, len(events))
		args := make([]any, 0, 12*len(events))
		for i := range events {
			e := &events[i]
			e.Seq, e.PrevHash, e.At, e.Keyed = head.Seq+int64(i)+1, prevHash, at, len(t.Key) > 0
			e.Hash = hashOf(*e, t.Key)
			prevHash = e.Hash
			prev, _ := hex.DecodeString(e.PrevHash)
			sum, _ := hex.DecodeString(e.Hash)
			values = append(values, "(?, ?, ?, ?::text[], ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(
				args,
				e.Seq,
				e.At,
				e.Actor,
				db.TextArray(e.Roles),
				e.Action,
				e.ResourceType,
				e.ResourceID,
				e.Outcome,
				e.Reason,
				e.RequestID,
				prev,
				sum,
				e.Keyed,
			)
		}
		return tx.Exec(
			"INSERT INTO "+t.table()+` (seq, at, actor, roles, action, resource_type, resource_id, outcome, reason, request_id, prev_hash, hash, keyed)
			VALUES `+strings.Join(
				values,
				", ",
			),
			args...).Error
	})
	if err != nil {
		return fmt.Errorf("append to the audit trail: %w", err)
	}
	if last := events[len(events)-1]; t.Anchor != nil {
		t.Anchor(last.Seq, last.Hash)
	}
	return nil
}

func (t Trail) table() string { return `"` + t.Schema + `".audit_events` }

// genesis is the previous hash of the first event.
var genesis = hex.EncodeToString(make([]byte, sha256.Size))

// hashOf is SHA-256 over the event's canonical JSON (fixed field order, hashes of its own
// excluded) and the previous hash; for a keyed event, HMAC-SHA-256 under key.
func hashOf(e Event, key []byte) string {
	canonical, _ := json.Marshal(struct {
		Seq          int64    `json:"seq"`
		At           string   `json:"at"`
		Actor        string   `json:"actor"`
		Roles        []string `json:"roles"`
		Action       string   `json:"action"`
		ResourceType string   `json:"resource_type"`
		ResourceID   string   `json:"resource_id"`
		Outcome      string   `json:"outcome"`
		Reason       string   `json:"reason"`
		RequestID    string   `json:"request_id"`
		PrevHash     string   `json:"prev_hash"`
	}{e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Roles, e.Action, e.ResourceType, e.ResourceID, e.Outcome, e.Reason, e.RequestID, e.PrevHash})
	if e.Keyed {
		mac := hmac.New(sha256.New, key)
		mac.Write(canonical)
		return hex.EncodeToString(mac.Sum(nil))
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}
