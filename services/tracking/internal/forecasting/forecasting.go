// Package forecasting makes the results forecast (pkg/outcomes/forecast) from tracking's read
// model and keeps every forecast as a dated snapshot with its inputs' versions. Counts,
// codes, dates and pence only: no family id leaves the read model.
package forecasting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/outcomes/forecast"
	"github.com/familypath/familypath/pkg/platform/db"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/tracking/internal/judging"
	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
)

// DefaultDraws is how many Monte Carlo draws a forecast makes unless asked otherwise.
const DefaultDraws = 10000

var snapshotNamespace = uuid.MustParse("4f0c3c2e-8a51-4d2b-9b7e-2d6f1e9a7c35")

// Store reads the read model into the forecast's families and keeps the snapshots.
type Store struct{ DB *gorm.DB }

// Families are plan's attached families as tracking last judged them, with what changed,
// and the plan versions they are pinned to.
func (s Store) Families(ctx context.Context, plan *outcomes.Plan) ([]forecast.Family, []string, error) {
	planID := plan.ID
	var rows []struct {
		FamilyID      string
		PlanVersion   string
		AttachedAt    time.Time
		JudgedFor     time.Time
		Baseline      db.TextArray `gorm:"type:text[]"`
		Problems      string
		ResultRoute   *string
		AchievedAt    *time.Time
		CeProjectedAt *time.Time
	}
	db := s.DB.WithContext(ctx)
	if err := db.Raw(`SELECT family_id::text AS family_id, plan_version, attached_at, judged_for, baseline, problems::text AS problems, result_route, achieved_at, ce_projected_at
		FROM tracking.family_status WHERE split_part(plan_version, '@', 1) = ? ORDER BY family_id`, planID).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	var moves []struct {
		FamilyID, Problem, ToStatus string
		At                          time.Time
		SeenLate                    bool
	}
	if err := db.Raw(`SELECT t.family_id::text AS family_id, t.problem, t.to_status, t.at, t.seen_late FROM tracking.problem_transitions t
		JOIN tracking.family_status s USING (family_id) WHERE split_part(s.plan_version, '@', 1) = ? ORDER BY t.family_id, t.seq`, planID).
		Scan(&moves).Error; err != nil {
		return nil, nil, err
	}
	history := map[string][]forecast.Transition{}
	for _, m := range moves {
		history[m.FamilyID] = append(
			history[m.FamilyID],
			forecast.Transition{Problem: m.Problem, To: m.ToStatus, At: m.At, Late: m.SeenLate},
		)
	}
	families := make([]forecast.Family, 0, len(rows))
	versions := map[string]bool{}
	for _, r := range rows {
		problems, err := judging.States(r.Problems, plan, r.JudgedFor)
		if err != nil {
			return nil, nil, err
		}
		f := forecast.Family{AttachedAt: r.AttachedAt, History: history[r.FamilyID], Problems: problems}
		if r.ResultRoute != nil && r.AchievedAt != nil {
			f.Route, f.AchievedAt = *r.ResultRoute, *r.AchievedAt
		}
		if r.CeProjectedAt != nil {
			f.CEProjectedAt = *r.CeProjectedAt
		}
		families = append(families, f)
		versions[r.PlanVersion] = true
	}
	out := make([]string, 0, len(versions))
	for v := range versions {
		out = append(out, v)
	}
	return families, out, nil
}

// Snapshot is a kept forecast.
type Snapshot struct {
	ID            string             `json:"id"`
	PlanID        string             `json:"plan_id"`
	AsOf          time.Time          `json:"as_of"`
	MadeAt        time.Time          `json:"made_at"`
	ModelVersion  string             `json:"model_version"`
	EngineVersion string             `json:"engine_version"`
	PlanVersions  db.TextArray       `json:"plan_versions"  gorm:"type:text[]"`
	Families      int                `json:"families"`
	Draws         int                `json:"draws"`
	Seed          int64              `json:"seed"`
	RequestedBy   string             `json:"requested_by"`
	Forecast      *forecast.Forecast `json:"forecast"       gorm:"-"`
	Body          string             `json:"-"              gorm:"column:forecast"`
}

const snapshotColumns = `id::text AS id, plan_id, as_of, made_at, model_version, engine_version, plan_versions, families, draws, seed, requested_by, forecast::text AS forecast`

// Latest is the plan's latest snapshot (id empty), or the one with the id; nil when none.
func (s Store) Latest(ctx context.Context, planID, id string) (*Snapshot, error) {
	q := s.DB.WithContext(ctx).Table("tracking.forecasts").Select(snapshotColumns).Where("plan_id = ?", planID)
	if id != "" {
		if _, err := uuid.Parse(id); err != nil {
			return nil, nil
		}
		q = q.Where("id = ?", id)
	}
	return first(q)
}

// first is the newest snapshot q finds, nil when none.
func first(q *gorm.DB) (*Snapshot, error) {
	var out []Snapshot
	if err := q.Order("as_of DESC, made_at DESC").Limit(1).Scan(&out).Error; err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], out[0].decode()
}

// decode reads the snapshot's kept forecast.
func (s *Snapshot) decode() error {
	s.Forecast = &forecast.Forecast{}
	return json.Unmarshal([]byte(s.Body), s.Forecast)
}

// Before is the plan's latest snapshot made for a moment before t; nil when none.
func (s Store) Before(ctx context.Context, planID string, t time.Time) (*Snapshot, error) {
	return first(
		s.DB.WithContext(ctx).
			Table("tracking.forecasts").
			Select(snapshotColumns).
			Where("plan_id = ? AND as_of < ?", planID, t),
	)
}

// History is the plan's snapshots, newest first, each with its forecast.
func (s Store) History(ctx context.Context, planID string, limit int) ([]Snapshot, error) {
	var out []Snapshot
	if err := s.DB.WithContext(ctx).Table("tracking.forecasts").Select(snapshotColumns).Where("plan_id = ?", planID).
		Order("as_of DESC, made_at DESC").Limit(limit).Scan(&out).Error; err != nil {
		return nil, err
	}
	for i := range out {
		if err := out[i].decode(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Maker makes forecasts.
type Maker struct {
	Store Store
	Plans *outcomes.Plans
}

// Seed is a forecast's seed: the plan and the day it is made for, so that a forecast made
// again for the same day from the same read model is the same.
func Seed(planID string, asOf time.Time) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(planID + "/" + asOf.UTC().Format(time.DateOnly)))
	return h.Sum64() >> 1 // kept in a signed column
}

// Make forecasts plan planID at asOf and keeps the snapshot under an id derived from
// requestedBy, so that a retry keeps one snapshot, not two.
func (m Maker) Make(
	ctx context.Context,
	planID string,
	draws int,
	requestedBy string,
	asOf time.Time,
) (*Snapshot, error) {
	p, ok := m.Plans.Latest(planID)
	if !ok {
		return nil, ErrUnknownPlan
	}
	if draws <= 0 {
		draws = DefaultDraws
	}
	id := uuid.NewSHA1(snapshotNamespace, []byte(planID+"\x00"+requestedBy)).String()
	if kept, err := m.Store.Latest(ctx, planID, id); err != nil || kept != nil {
		return kept, err
	}
	families, versions, err := m.Store.Families(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("read the plan's families: %w", err)
	}
	for i, v := range versions {
		if pv, ok := m.Plans.ByKey(v); ok {
			versions[i] = v + "#" + pv.Hash
		}
	}
	seed := Seed(planID, asOf)
	f, err := forecast.Run(p, families, forecast.Options{AsOf: asOf, Draws: draws, Seed: seed})
	if err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	body, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	signed := int64(seed) // #nosec G115 -- Seed keeps 63 bits
	if err := m.Store.DB.WithContext(ctx).Exec(`INSERT INTO tracking.forecasts (id, plan_id, as_of, model_version, engine_version, plan_versions, families, draws, seed, requested_by, forecast)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) ON CONFLICT (id) DO NOTHING`,
		id, planID, asOf, forecast.ModelVersion, outcomes.EngineVersion, db.TextArray(versions), len(families), draws, signed, requestedBy, string(body)).Error; err != nil {
		return nil, err
	}
	return m.Store.Latest(ctx, planID, id)
}

// ErrUnknownPlan: no published plan has the id.
var ErrUnknownPlan = errors.New("no published plan has the id")

// MakeForecast is the activity: forecast the plan now, keep the snapshot, answer it. The
// snapshot's id derives from the workflow run, so a retried activity keeps one.
func (m Maker) MakeForecast(
	ctx context.Context,
	r *familypathv1.MakeForecastRequest,
) (*familypathv1.ForecastSnapshot, error) {
	by := r.GetRequestedBy()
	if activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		by = info.WorkflowExecution.ID + "/" + info.WorkflowExecution.RunID
	}
	if r.GetPlanId() == "" || by == "" {
		return nil, temporal.NewNonRetryableApplicationError("a plan id is needed", "InvalidArgument", nil)
	}
	s, err := m.Make(ctx, r.GetPlanId(), int(r.GetDraws()), by, time.Now().UTC())
	if errors.Is(err, ErrUnknownPlan) {
		return nil, temporal.NewNonRetryableApplicationError("no published plan "+r.GetPlanId(), "NotFound", nil)
	}
	if err != nil {
		return nil, err
	}
	return &familypathv1.ForecastSnapshot{
		Id:           s.ID,
		PlanId:       s.PlanID,
		AsOf:         timestamppb.New(s.AsOf),
		ForecastJson: []byte(s.Body),
	}, nil
}
