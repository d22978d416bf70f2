package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/familypath/familypath/pkg/platform/upstream"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/encoding/protojson"
)

// Freezer makes a claim's evidence pack: it reads the family's evidence from its owners
// (identification's snapshot, the case's evidence) with claims' service token.
type Freezer struct {
	Identification, Case *upstream.Service
	Keys                 *keyring.Keyring
}

// Pack is a claim's evidence pack as frozen (and as the spot-check export shows it).
type Pack struct {
	FamilyID    string `json:"family_id"`
	Route       string `json:"route"`
	PlanVersion string `json:"plan_version"`
	PlanHash    string `json:"plan_hash"` // the plan file's content hash: the exact rules
	// EngineVersion is the engine's (outcomes.EngineVersion) that judged the claim.
	EngineVersion string    `json:"engine_version"`
	AchievedAt    time.Time `json:"achieved_at"`
	// The attachment the claim rests on (absent from packs frozen before engine 2).
	AttachedAt *time.Time      `json:"attached_at,omitempty"`
	Baseline   []string        `json:"baseline_problems,omitempty"`
	Problems   json.RawMessage `json:"problems"` // the judgement of each baseline problem
	// The evidence as its owners served it, as the engine reads it: identification's snapshot
	// (absent for a referred family) and the case's evidence with its closure date.
	SnapshotID string           `json:"evidence_snapshot_id,omitempty"`
	Snapshot   *outcomes.Family `json:"evidence_snapshot,omitempty"`
	Case       outcomes.Family  `json:"case_evidence"`
	FrozenAt   time.Time        `json:"frozen_at"`
}

// Freeze reads and assembles the pack for the claim request under plan p.
func (f *Freezer) Freeze(
	ctx context.Context,
	r *familypathv1.CreateClaimRequest,
	route string,
	p *outcomes.Plan,
) (*Pack, error) {
	problems := make([]json.RawMessage, 0, len(r.GetProblems()))
	for _, pr := range r.GetProblems() {
		b, _ := protojson.Marshal(pr)
		problems = append(problems, b)
	}
	pb, _ := json.Marshal(problems)
	pack := &Pack{
		FamilyID:      r.GetFamilyId(),
		Route:         route,
		PlanVersion:   p.Key(),
		PlanHash:      p.Hash,
		EngineVersion: outcomes.EngineVersion,
		AchievedAt: r.GetAchievedAt().
			AsTime().
			UTC(),
		Problems: pb,
		Baseline: r.GetBaselineProblems(),
		FrozenAt: time.Now().UTC(),
	}
	if at := r.GetAttachedAt(); at != nil {
		t := at.AsTime().UTC()
		pack.AttachedAt = &t
	}
	if id := r.GetEvidenceSnapshotId(); id != "" {
		pack.SnapshotID, pack.Snapshot = id, &outcomes.Family{}
		err := f.Identification.GetJSON(ctx, "/v1/evidence-snapshots/"+id, pack.Snapshot)
		if errors.Is(err, upstream.ErrNotFound) {
			return nil, temporal.NewNonRetryableApplicationError(
				"evidence snapshot "+id+" not found",
				"EvidenceNotFound",
				nil,
			)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := f.Case.GetJSON(ctx, "/v1/families/"+r.GetFamilyId()+"/evidence", &pack.Case); err != nil &&
		!errors.Is(err, upstream.ErrNotFound) {
		return nil, err
	}
	return pack, nil
}

// SealedPacks is the evidence packs' sealed column, for reseal and keys-status.
var SealedPacks = sealed.Column{Table: "claims.evidence_packs", Key: []string{"claim_id"}, Column: "sealed",
	AAD: func(key []any) []byte { id := sealed.UUID(key[0]); return id[:] }}

// Seal seals the pack, bound to the claim's id.
func (f *Freezer) Seal(claimID [16]byte, p *Pack) ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return f.Keys.Seal(b, claimID[:]), nil
}

// Open opens a sealed pack.
func (f *Freezer) Open(claimID [16]byte, sealed []byte) (*Pack, error) {
	b, err := f.Keys.Open(sealed, claimID[:])
	if err != nil {
		return nil, err
	}
	var p Pack
	return &p, json.Unmarshal(b, &p)
}
