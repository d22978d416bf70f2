package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"gorm.io/gorm"
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
		r.Reason = "its evidence pack (engine " + versionOr(
			pack.EngineVersion,
		) + ") records no attachment date and baseline, so it cannot be judged again"
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
	r.Reason = fmt.Sprintf(
		"judged again under %s with engine %s, the family has no result on %s: %s",
		pack.PlanVersion,
		outcomes.EngineVersion,
		at,
		strings.Join(j.Result.Explanation, "; "),
	)
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
func (a Activities) RejudgeClaims(
	ctx context.Context,
	r *familypathv1.RejudgeClaimsRequest,
) (*familypathv1.RejudgeClaimsResponse, error) {
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
		out.Claims = append(
			out.Claims,
			&familypathv1.ClaimRejudgement{
				ClaimId:       id,
				Stands:        rj.Stands,
				Reason:        rj.Reason,
				EngineVersion: rj.EngineVersion,
			},
		)
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
	err = a.DB.WithContext(ctx).
		Exec(`INSERT INTO claims.rejudgements (claim_id, occasion, engine_version, plan_version, stands, route, achieved_at, problems, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (claim_id, occasion) DO NOTHING`,
			claim, occasion, rj.EngineVersion, rj.PlanVersion, rj.Stands, route, rj.AchievedAt, rj.Problems, rj.Reason).
		Error
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
		return &Rejudgement{
			ClaimID:       claim.String(),
			EngineVersion: outcomes.EngineVersion,
			PlanVersion:   rows[0].PlanVersion,
			Reason:        "it has no evidence pack, so it cannot be judged again",
		}, nil
	}
	pack, err := a.Packs.Open(claim, rows[0].Sealed)
	if err != nil {
		return nil, err
	}
	rj := Rejudge(a.Plans, claim.String(), pack)
	return &rj, nil
}

// Kinds of claim at risk.
const (
	RiskHeld              = "HELD"               // judged again before submission, it no longer stood: never submitted
	RiskPossibleRepayment = "POSSIBLE_REPAYMENT" // paid, and judged again now it would no longer stand
)

// Judged is one side of a claim at risk: the judgement it was made on, or the one again.
type Judged struct {
	Route         string     `json:"route,omitempty"`
	AchievedAt    *time.Time `json:"achieved_at,omitempty"`
	EngineVersion string     `json:"engine_version"`
	Problems      string     `json:"problems"` // each baseline problem's status: "CODE:STATUS ..."
	JudgedAt      *time.Time `json:"judged_at,omitempty"`
}

// AtRisk is a claim held back or paid that would no longer stand, with both judgements side
// by side and the reason. Ids, codes and dates only.
type AtRisk struct {
	Kind        string `json:"kind"`
	ClaimID     string `json:"claim_id"`
	FamilyID    string `json:"family_id"`
	WindowID    string `json:"window_id"`
	PlanVersion string `json:"plan_version"`
	Claimed     Judged `json:"claimed"`
	JudgedAgain Judged `json:"judged_again"`
	Reason      string `json:"reason"`
}

// claimRow is a claim as the report reads it.
type claimRow struct {
	ID, FamilyID, WindowID, Status, Route, PlanVersion, Problems, PackEngine string
	AchievedAt                                                               time.Time
	Sealed                                                                   []byte
	// The judgement again before submission, for held claims.
	AgainStands                                         bool
	AgainRoute, AgainProblems, AgainEngine, AgainReason string
	AgainAchievedAt, AgainAt                            *time.Time
}

// ClaimsAtRisk lists a plan's claims at risk (docs/outcomes.md, ruling 5): those held back
// before submission, with their judgement again, and the paid claims that, judged again now
// under their pinned plan with this engine, would no longer stand: possible repayments. Only
// paid claims not already judged again by this engine are opened, so the dashboard reads
// packs only after the engine changes.
func ClaimsAtRisk(
	ctx context.Context,
	db *gorm.DB,
	ps *outcomes.Plans,
	packs *Freezer,
	planID string,
	log *slog.Logger,
) ([]AtRisk, error) {
	var rows []claimRow
	err := db.WithContext(ctx).
		Raw(`SELECT c.id::text AS id, c.family_id::text AS family_id, coalesce(c.window_id, '') AS window_id, c.status, c.route,
		c.plan_version, c.problems::text AS problems, c.achieved_at, coalesce(p.engine_version, '1') AS pack_engine, p.sealed,
		coalesce(r.route, '') AS again_route, coalesce(r.problems, '') AS again_problems,
		coalesce(r.stands, false) AS again_stands, coalesce(r.engine_version, '') AS again_engine, coalesce(r.reason, '') AS again_reason, r.achieved_at AS again_achieved_at, r.judged_at AS again_at
		FROM claims.claims c LEFT JOIN claims.evidence_packs p ON p.claim_id = c.id
		LEFT JOIN claims.rejudgements r ON r.claim_id = c.id AND r.occasion = c.window_id
		WHERE split_part(c.plan_version, '@', 1) = ? AND c.status IN ('HELD', 'PAID') ORDER BY c.status, c.id`, planID).
		Scan(&rows).
		Error
	if err != nil {
		return nil, err
	}
	out := []AtRisk{}
	now := time.Now().UTC()
	for i := range rows {
		r := &rows[i]
		item := AtRisk{ClaimID: r.ID, FamilyID: r.FamilyID, WindowID: r.WindowID, PlanVersion: r.PlanVersion,
			Claimed: Judged{
				Route:         r.Route,
				AchievedAt:    &r.AchievedAt,
				EngineVersion: r.PackEngine,
				Problems:      ProblemList(r.Problems),
			}}
		if r.Status == "HELD" { // its judgement before submission
			item.Kind, item.Reason = RiskHeld, r.AgainReason
			item.JudgedAgain = Judged{
				Route:         r.AgainRoute,
				AchievedAt:    r.AgainAchievedAt,
				EngineVersion: r.AgainEngine,
				Problems:      r.AgainProblems,
				JudgedAt:      r.AgainAt,
			}
			out = append(out, item)
			continue
		}
		if r.AgainStands && r.AgainEngine == outcomes.EngineVersion {
			continue // judged again by this engine at its window and stood: the same pack, plan and engine cannot answer otherwise
		}
		again := judgeAgain(ctx, ps, packs, r, log)
		if again.Stands {
			continue
		}
		item.Kind, item.Reason = RiskPossibleRepayment, again.Reason
		item.JudgedAgain = Judged{
			Route:         again.Route,
			AchievedAt:    again.AchievedAt,
			EngineVersion: again.EngineVersion,
			Problems:      again.Problems,
			JudgedAt:      &now,
		}
		out = append(out, item)
	}
	return out, nil
}

// judgeAgain judges a paid claim's pack again now. A pack that cannot be opened (its key gone)
// cannot show the claim stands.
func judgeAgain(ctx context.Context, ps *outcomes.Plans, packs *Freezer, r *claimRow, log *slog.Logger) Rejudgement {
	if r.Sealed == nil {
		return Rejudgement{
			ClaimID:       r.ID,
			EngineVersion: outcomes.EngineVersion,
			Reason:        "it has no evidence pack, so it cannot be judged again",
		}
	}
	pack, err := packs.Open(uuid.MustParse(r.ID), r.Sealed)
	if err != nil {
		log.ErrorContext(ctx, "open evidence pack", "claim_id", r.ID, "error", err.Error())
		return Rejudgement{
			ClaimID:       r.ID,
			EngineVersion: outcomes.EngineVersion,
			Reason:        "its evidence pack cannot be opened with the keys held",
		}
	}
	return Rejudge(ps, r.ID, pack)
}

// ProblemList writes a claim's frozen judgements as "CODE:STATUS" separated by spaces.
func ProblemList(frozen string) string {
	var ps []struct {
		Code   string `json:"code"`
		Status string `json:"status"`
	}
	_ = json.Unmarshal([]byte(frozen), &ps) // written by CreateClaim: well formed
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Code + ":" + strings.TrimPrefix(p.Status, "PROBLEM_STATUS_")
	}
	return strings.Join(out, " ")
}
