package ledger

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
)

// Rejudgement is a claim judged again (docs/outcomes.md, ruling 5): under its pinned plan
// version, with the engine this service runs, on the evidence in its pack, at the moment its
// result was claimed for. It stands when the engine finds a result by then.
type Rejudgement struct {
	ClaimID       string
	Stands        bool
	Route         string     // the result found again, when it stands
	AchievedAt    *time.Time // when that result was achieved
	Problems      string     // each baseline problem's status as judged again: "CODE:STATUS ..."
	Reason        string     // why it no longer stands, in words of codes and dates
	EngineVersion string
	PlanVersion   string
}

// Rejudge judges a claim's pack again under its pinned plan version.
func Rejudge(ps *outcomes.Plans, claimID string, pack *Pack) Rejudgement {
	r := Rejudgement{ClaimID: claimID, EngineVersion: outcomes.EngineVersion, PlanVersion: pack.PlanVersion}
	p, ok := ps.ByKey(pack.PlanVersion)
	switch {
	case !ok:
		r.Reason = "its plan version " + pack.PlanVersion + " is not published here, so it cannot be judged again"
		return r
	case pack.AttachedAt == nil || len(pack.Baseline) == 0:
		r.Reason = "its evidence pack (engine " + versionOr(pack.EngineVersion) + ") records no attachment date and baseline, so it cannot be judged again"
		return r
	}
	var snapshot outcomes.Family
	if pack.Snapshot != nil {
		snapshot = *pack.Snapshot
	}
	f := outcomes.Merge(snapshot, pack.Case)
	f.ID, f.Attachment = pack.FamilyID, outcomes.Attached(outcomes.Moment{Time: *pack.AttachedAt}, pack.Baseline)
	at := outcomes.Moment{Time: pack.AchievedAt}
	j := outcomes.Judge(p, &f, at)
	statuses := make([]string, len(j.Problems))
	for i, ps := range j.Problems {
		statuses[i] = ps.Code + ":" + ps.Status
	}
	r.Problems = strings.Join(statuses, " ")
	if j.Result.Route != "" {
		t := j.Result.AchievedAt.Time
		r.Stands, r.Route, r.AchievedAt = true, j.Result.Route, &t
		return r
	}
	r.Reason = fmt.Sprintf("judged again under %s with engine %s, the family has no result on %s: %s", pack.PlanVersion, outcomes.EngineVersion,
		at, strings.Join(j.Result.Explanation, "; "))
	return r
}

// versionOr names an engine version, "1" for packs frozen before versions were recorded.
func versionOr(v string) string {
	if v == "" {
		return "1"
	}
	return v
}

// RejudgeClaims judges a window's claims again before it submits them: each is kept with its
// judgement, and the first judgement of a claim for a window stands, so a retry answers the
// same. A claim with no evidence pack cannot be judged again and does not stand.
func (a Activities) RejudgeClaims(ctx context.Context, r *familypathv1.RejudgeClaimsRequest) (*familypathv1.RejudgeClaimsResponse, error) {
	if r.GetWindowId() == "" {
		return nil, invalid("a window id is needed")
	}
	out := &familypathv1.RejudgeClaimsResponse{}
	for _, id := range r.GetClaimIds() {
		claim, err := uuid.Parse(id)
		if err != nil {
			return nil, invalid("claim ids are UUIDs")
		}
		rj, err := a.rejudgeOnce(ctx, claim, r.GetWindowId())
		if err != nil {
			return nil, fmt.Errorf("judging claim %s again: %w", id, err)
		}
		out.Claims = append(out.Claims, &familypathv1.ClaimRejudgement{ClaimId: id, Stands: rj.Stands, Reason: rj.Reason, EngineVersion: rj.EngineVersion})
	}
	return out, nil
}

// rejudgeOnce answers the claim's judgement for the occasion, judging and keeping it the first time.
func (a Activities) rejudgeOnce(ctx context.Context, claim uuid.UUID, occasion string) (*Rejudgement, error) {
	var kept []Rejudgement
	if err := a.DB.WithContext(ctx).Raw(`SELECT claim_id::text AS claim_id, stands, coalesce(route, '') AS route, achieved_at, problems, reason, engine_version, plan_version
		FROM claims.rejudgements WHERE claim_id = ? AND occasion = ?`, claim, occasion).Scan(&kept).Error; err != nil {
		return nil, err
	}
	if len(kept) > 0 {
		return &kept[0], nil
	}
	rj, err := a.rejudge(ctx, claim)
	if err != nil {
		return nil, err
	}
	var route *string
	if rj.Route != "" {
		route = &rj.Route
	}
	err = a.DB.WithContext(ctx).Exec(`INSERT INTO claims.rejudgements (claim_id, occasion, engine_version, plan_version, stands, route, achieved_at, problems, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (claim_id, occasion) DO NOTHING`,
		claim, occasion, rj.EngineVersion, rj.PlanVersion, rj.Stands, route, rj.AchievedAt, rj.Problems, rj.Reason).Error
	return rj, err
}

// rejudge opens the claim's pack and judges it again.
func (a Activities) rejudge(ctx context.Context, claim uuid.UUID) (*Rejudgement, error) {
	var rows []struct {
		PlanVersion string
		Sealed      []byte
	}
	if err := a.DB.WithContext(ctx).Raw(`SELECT c.plan_version, p.sealed FROM claims.claims c LEFT JOIN claims.evidence_packs p ON p.claim_id = c.id
		WHERE c.id = ?`, claim).Scan(&rows).Error; err != nil {
		return nil, err
	}
	switch {
	case len(rows) == 0:
		return nil, invalid("no claim " + claim.String())
	case rows[0].Sealed == nil:
		return &Rejudgement{ClaimID: claim.String(), EngineVersion: outcomes.EngineVersion, PlanVersion: rows[0].PlanVersion,
			Reason: "it has no evidence pack, so it cannot be judged again"}, nil
	}
	pack, err := a.Packs.Open(claim, rows[0].Sealed)
	if err != nil {
		return nil, err
	}
	rj := Rejudge(a.Plans, claim.String(), pack)
	return &rj, nil
}
