package judging

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/outcomes/forecast"
	"github.com/familypath/familypath/pkg/platform/db"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
)

// StatusStore keeps tracking's read model: each attached family's latest judgement.
type StatusStore struct{ DB *gorm.DB }

// problemRow is one problem in family_status.problems.
type problemRow struct {
	Code        string     `json:"code"`
	Status      string     `json:"status"`
	ClockStart  *time.Time `json:"clock_start,omitempty"`
	SustainedAt *time.Time `json:"sustained_at,omitempty"`
	Waiting     string     `json:"waiting,omitempty"`
	Awaiting    []string   `json:"awaiting,omitempty"`
	RecurredAt  *time.Time `json:"recurred_at,omitempty"`
	LatestFrom  *time.Time `json:"latest_from,omitempty"`
}

func timeOf(ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	t := ts.AsTime()
	return &t
}

// Save keeps the judgement unless a judgement of a later moment is already kept (activity
// retries and replays may arrive out of order).
func (s StatusStore) Save(
	ctx context.Context,
	r *familypathv1.JudgeFamilyRequest,
	j *familypathv1.FamilyJudgement,
	ceProjected *time.Time,
	coverage outcomes.Coverage,
) error {
	problems := make([]problemRow, 0, len(j.GetProblems()))
	outstanding := 0
	for _, p := range j.GetProblems() {
		if p.GetStatus() == familypathv1.ProblemStatus_PROBLEM_STATUS_OUTSTANDING {
			outstanding++
		}
		problems = append(problems, problemRow{Code: p.GetCode(), Status: p.GetStatus().String(),
			ClockStart: timeOf(
				p.GetClockStart(),
			), SustainedAt: timeOf(p.GetSustainedAt()), Waiting: p.GetWaiting(), Awaiting: p.GetAwaiting(),
			RecurredAt: timeOf(p.GetRecurredAt()), LatestFrom: timeOf(p.GetLatestFrom())})
	}
	pj, err := json.Marshal(problems)
	if err != nil {
		return err
	}
	cj, err := json.Marshal(coverage)
	if err != nil {
		return err
	}
	if coverage == nil {
		cj = []byte("{}")
	}
	var route *string
	switch j.GetResultRoute() {
	case familypathv1.ResultRoute_RESULT_ROUTE_SSP:
		v := "SSP"
		route = &v
	case familypathv1.ResultRoute_RESULT_ROUTE_CE:
		v := "CE"
		route = &v
	}
	var snapshot *string // a referred family's evidence is all in its case
	if id := r.GetEvidenceSnapshotId(); id != "" {
		snapshot = &id
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The history the forecast learns from: what changed since the judgement kept.
		var before []struct {
			Problems  string
			JudgedFor time.Time
		}
		if err := tx.Raw(`SELECT problems::text AS problems, judged_for FROM tracking.family_status WHERE family_id = ? FOR UPDATE`, r.GetFamilyId()).
			Scan(&before).Error; err != nil {
			return err
		}
		if len(before) == 1 && before[0].JudgedFor.After(r.GetAt().AsTime()) {
			return nil // a later judgement is kept
		}
		var prev []problemRow
		if len(before) == 1 {
			if err := json.Unmarshal([]byte(before[0].Problems), &prev); err != nil {
				return err
			}
		}
		for _, t := range forecast.Changes(states(prev, nil, time.Time{}), states(problems, nil, time.Time{}), r.GetAt().AsTime()) {
			if err := tx.Exec(`INSERT INTO tracking.problem_transitions (family_id, problem, to_status, at, judged_for, seen_late)
				VALUES (?, ?, ?, ?, ?, ?)`, r.GetFamilyId(), t.Problem, t.To, t.At, r.GetAt().AsTime(), t.Late).Error; err != nil {
				return err
			}
		}
		return tx.Exec(
			`
INSERT INTO tracking.family_status (family_id, plan_version, attached_at, baseline, evidence_snapshot_id, judged_for, judged_at,
    result_route, achieved_at, earliest_claim_at, review_at, outstanding, blocking, flags, problems, ce_projected_at, engine_version, coverage)
VALUES (?, ?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
ON CONFLICT (family_id) DO UPDATE SET plan_version = EXCLUDED.plan_version, attached_at = EXCLUDED.attached_at,
    baseline = EXCLUDED.baseline, evidence_snapshot_id = EXCLUDED.evidence_snapshot_id, judged_for = EXCLUDED.judged_for,
    judged_at = now(), result_route = EXCLUDED.result_route, achieved_at = EXCLUDED.achieved_at,
    earliest_claim_at = EXCLUDED.earliest_claim_at, review_at = EXCLUDED.review_at, outstanding = EXCLUDED.outstanding,
    blocking = EXCLUDED.blocking, flags = EXCLUDED.flags, problems = EXCLUDED.problems, ce_projected_at = EXCLUDED.ce_projected_at,
    engine_version = EXCLUDED.engine_version, coverage = EXCLUDED.coverage
WHERE tracking.family_status.judged_for <= EXCLUDED.judged_for`,
			r.GetFamilyId(),
			r.GetPlanVersion(),
			r.GetAttachedAt().AsTime(),
			db.TextArray(r.GetBaselineProblems()),
			snapshot,
			r.GetAt().AsTime(),
			route,
			timeOf(j.GetAchievedAt()),
			timeOf(j.GetEarliestClaimAt()),
			timeOf(
				j.GetReviewAt(),
			),
			outstanding,
			db.TextArray(nonNil(j.GetBlocking())),
			db.TextArray(nonNil(j.GetFlags())),
			string(pj),
			ceProjected,
			j.GetEngineVersion(),
			string(cj),
		).Error
	})
}

// States are a family's problems as the read model keeps them (family_status.problems, judged
// for judgedFor), as the forecast reads them: with how far the data shows each problem in
// progress has held, under plan (nil: not asked).
func States(problems string, plan *outcomes.Plan, judgedFor time.Time) ([]forecast.ProblemState, error) {
	var rows []problemRow
	if err := json.Unmarshal([]byte(problems), &rows); err != nil {
		return nil, err
	}
	return states(rows, plan, judgedFor), nil
}

func states(rows []problemRow, plan *outcomes.Plan, judgedFor time.Time) []forecast.ProblemState {
	out := make([]forecast.ProblemState, len(rows))
	for i, p := range rows {
		ps := forecast.ProblemState{Code: p.Code, Status: strings.TrimPrefix(p.Status, "PROBLEM_STATUS_")}
		ps.ClockStart, ps.SustainedAt = orZero(p.ClockStart), orZero(p.SustainedAt)
		ps.RecurredAt, ps.LatestFrom = orZero(p.RecurredAt), orZero(p.LatestFrom)
		if plan != nil && ps.Status == outcomes.SignificantProgress {
			var awaiting []outcomes.Awaiting
			for _, w := range p.Awaiting {
				if a, ok := outcomes.ParseAwaiting(w); ok {
					awaiting = append(awaiting, a)
				}
			}
			ps.EvidencedTo = plan.EvidencedTo(
				outcomes.Moment{Time: ps.ClockStart},
				outcomes.Moment{Time: judgedFor},
				awaiting,
			).Time
		}
		out[i] = ps
	}
	return out
}

func orZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
