package audit

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Filter narrows a query of the trail; zero fields match everything.
type Filter struct {
	Actor        string
	ResourceType string
	ResourceID   string
	Outcome      string
	From, To     time.Time // at >= From, at < To
	AfterSeq     int64     // for paging: events after this one
	Limit        int       // default 100, at most 1000
}

type row struct {
	Seq          int64
	At           time.Time
	Actor        string
	Roles        string // JSON array
	Action       string
	ResourceType string
	ResourceID   string
	Outcome      string
	Reason       string
	RequestID    string
	PrevHash     []byte
	Hash         []byte
	Keyed        bool
}

const columns = "seq, at, actor, array_to_json(roles)::text AS roles, action, resource_type, resource_id, outcome, reason, request_id, prev_hash, hash, keyed"

func (r row) event() Event {
	e := Event{
		Seq:          r.Seq,
		At:           r.At.UTC(),
		Actor:        r.Actor,
		Action:       r.Action,
		ResourceType: r.ResourceType,
		ResourceID:   r.ResourceID,
		Outcome:      r.Outcome,
		Reason:       r.Reason,
		RequestID:    r.RequestID,
		PrevHash:     hex.EncodeToString(r.PrevHash),
		Hash:         hex.EncodeToString(r.Hash),
		Keyed:        r.Keyed,
	}
	_ = json.Unmarshal([]byte(r.Roles), &e.Roles)
	if e.Roles == nil {
		e.Roles = []string{}
	}
	return e
}

// Query returns the events matching f, oldest first.
func (t Trail) Query(ctx context.Context, f Filter) ([]Event, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q := t.DB.WithContext(ctx).Table(t.table()).Select(columns).Where("seq > ?", f.AfterSeq)
	for col, v := range map[string]string{"actor": f.Actor, "resource_type": f.ResourceType, "resource_id": f.ResourceID, "outcome": f.Outcome} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To)
	}
	var rows []row
	if err := q.Order("seq").Limit(f.Limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read the audit trail: %w", err)
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}

// Report is what Verify found.
type Report struct {
	Events   int64  `json:"events"`
	HeadSeq  int64  `json:"head_seq"`
	HeadHash string `json:"head_hash"` // record it elsewhere (an anchor) to detect a rewrite of the whole chain
	// BrokenAt is the first event whose hash, link or sequence number is wrong (0: none).
	BrokenAt int64  `json:"broken_at,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// OK says whether the chain is whole.
func (r Report) OK() bool { return r.BrokenAt == 0 }

// Verify walks the whole trail in order, recomputing every hash and link, and reports the
// first break: an edited row (its hash), a removed or reordered row (a link or a gap in
// the sequence).
func (t Trail) Verify(ctx context.Context) (Report, error) {
	return t.verifyFrom(ctx, 0, genesis)
}

// VerifyTail checks the newest n events' hashes and links (what a service does as it starts:
// the whole trail is Verify's, in audit-verify).
func (t Trail) VerifyTail(ctx context.Context, n int64) (Report, error) {
	var head []int64
	if err := t.DB.WithContext(ctx).Raw("SELECT coalesce(max(seq), 0) FROM " + t.table()).Scan(&head).Error; err != nil {
		return Report{}, fmt.Errorf("read the audit trail: %w", err)
	}
	from := max(0, head[0]-n)
	if from == 0 {
		return t.Verify(ctx)
	}
	var prev struct{ Hash []byte }
	if err := t.DB.WithContext(ctx).Raw("SELECT hash FROM "+t.table()+" WHERE seq = ?", from).Scan(&prev).Error; err != nil {
		return Report{}, fmt.Errorf("read the audit trail: %w", err)
	}
	return t.verifyFrom(ctx, from, hex.EncodeToString(prev.Hash))
}

// verifyFrom checks the events after seq from, the event at from having hash prev.
func (t Trail) verifyFrom(ctx context.Context, from int64, prev string) (Report, error) {
	rep := Report{HeadSeq: from}
	keyedSeen := false
	const batch = 5000
	for {
		var rows []row
		err := t.DB.WithContext(ctx).
			Table(t.table()).
			Select(columns).
			Where("seq > ?", rep.HeadSeq).
			Order("seq").
			Limit(batch).
			Scan(&rows).
			Error
		if err != nil {
			return rep, fmt.Errorf("read the audit trail: %w", err)
		}
		for _, r := range rows {
			e := r.event()
			switch {
			case e.Seq != rep.HeadSeq+1:
				rep.BrokenAt, rep.Problem = e.Seq, fmt.Sprintf(
					"sequence jumps from %d to %d (events removed)",
					rep.HeadSeq,
					e.Seq,
				)
			case e.PrevHash != prev:
				rep.BrokenAt, rep.Problem = e.Seq, "its previous hash is not the hash of the event before it"
			case e.Keyed && len(t.Key) == 0:
				rep.BrokenAt, rep.Problem = e.Seq, "its hash is keyed and no AUDIT_KEY was given to verify it"
			case !e.Keyed && keyedSeen:
				rep.BrokenAt, rep.Problem = e.Seq, "an unkeyed event after keyed ones (a rewrite without the key)"
			case !hmac.Equal([]byte(hashOf(e, t.Key)), []byte(e.Hash)):
				rep.BrokenAt, rep.Problem = e.Seq, "its content does not match its hash (edited)"
			}
			if rep.BrokenAt != 0 {
				return rep, nil
			}
			rep.Events++
			rep.HeadSeq, rep.HeadHash, prev = e.Seq, e.Hash, e.Hash
			keyedSeen = keyedSeen || e.Keyed
		}
		if len(rows) < batch {
			return rep, nil
		}
	}
}
