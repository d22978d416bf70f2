package audit

import (
	"context"
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
}

const columns = "seq, at, actor, array_to_json(roles)::text AS roles, action, resource_type, resource_id, outcome, reason, request_id, prev_hash, hash"

func (r row) event() Event {
	e := Event{Seq: r.Seq, At: r.At.UTC(), Actor: r.Actor, Action: r.Action, ResourceType: r.ResourceType, ResourceID: r.ResourceID,
		Outcome: r.Outcome, Reason: r.Reason, RequestID: r.RequestID, PrevHash: hex.EncodeToString(r.PrevHash), Hash: hex.EncodeToString(r.Hash)}
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
	var rep Report
	prev := genesis
	const batch = 5000
	for {
		var rows []row
		err := t.DB.WithContext(ctx).Table(t.table()).Select(columns).Where("seq > ?", rep.HeadSeq).Order("seq").Limit(batch).Scan(&rows).Error
		if err != nil {
			return rep, fmt.Errorf("read the audit trail: %w", err)
		}
		for _, r := range rows {
			e := r.event()
			switch {
			case e.Seq != rep.HeadSeq+1:
				rep.BrokenAt, rep.Problem = e.Seq, fmt.Sprintf("sequence jumps from %d to %d (events removed)", rep.HeadSeq, e.Seq)
			case e.PrevHash != prev:
				rep.BrokenAt, rep.Problem = e.Seq, "its previous hash is not the hash of the event before it"
			case hashOf(e) != e.Hash:
				rep.BrokenAt, rep.Problem = e.Seq, "its content does not match its hash (edited)"
			}
			if rep.BrokenAt != 0 {
				return rep, nil
			}
			rep.Events++
			rep.HeadSeq, rep.HeadHash, prev = e.Seq, e.Hash, e.Hash
		}
		if len(rows) < batch {
			return rep, nil
		}
	}
}
