package reports

import (
	"context"
	"time"

	"github.com/familypath/familypath/pkg/platform/db"
	"gorm.io/gorm"
)

// Store holds every statement of the reports (docs/architecture.md, one shape per package):
// each reads tracking's read model, narrowed to one plan when plan is not empty.
type Store struct{ DB *gorm.DB }

// statuses is the read model, of one plan (?plan=lancashire-phase2) when asked.
func (s Store) statuses(ctx context.Context, plan string) *gorm.DB {
	q := s.DB.WithContext(ctx).Table("tracking.family_status")
	if plan != "" {
		q = q.Where("split_part(plan_version, '@', 1) = ?", plan)
	}
	return q
}

// ProjectionRow is one attached family in the claim projection.
type ProjectionRow struct {
	FamilyID, PlanVersion string
	AttachedAt            time.Time
	Outstanding           int
	ResultRoute           *string
	AchievedAt            *time.Time
	EarliestClaimAt       *time.Time
	Blocking              db.TextArray `gorm:"type:text[]"`
}

// Projection is every attached family, soonest result first.
func (s Store) Projection(ctx context.Context, plan string) ([]ProjectionRow, error) {
	var rows []ProjectionRow
	err := s.statuses(ctx, plan).
		Select("family_id::text AS family_id, plan_version, attached_at, outstanding, result_route, achieved_at, earliest_claim_at, blocking").
		Order("coalesce(achieved_at, earliest_claim_at) NULLS LAST, family_id").Scan(&rows).Error
	return rows, err
}

// OutstandingRow counts families without a result by their outstanding problems.
type OutstandingRow struct{ Outstanding, Families int }

// Outstanding counts attached families without a result by their number of outstanding problems.
func (s Store) Outstanding(ctx context.Context, plan string) ([]OutstandingRow, error) {
	var rows []OutstandingRow
	err := s.statuses(ctx, plan).Where("result_route IS NULL").
		Select("outstanding, count(*) AS families").Group("outstanding").Order("outstanding").Scan(&rows).Error
	return rows, err
}

// BlockedRow counts the families one problem alone keeps from a result.
type BlockedRow struct {
	Problem  string
	Families int
}

// BlockedByOne counts families without a result that exactly one problem blocks, by that problem.
func (s Store) BlockedByOne(ctx context.Context, plan string) ([]BlockedRow, error) {
	var rows []BlockedRow
	err := s.statuses(ctx, plan).Where("result_route IS NULL AND cardinality(blocking) = 1").
		Select("blocking[1] AS problem, count(*) AS families").
		Group("blocking[1]").Order("families DESC, problem").Scan(&rows).Error
	return rows, err
}

// EmploymentRow is a continuous-employment candidate.
type EmploymentRow struct {
	FamilyID, PlanVersion string
	CEProjectedAt         *time.Time
	ResultRoute           *string
	Flagged               bool
}

// Employment lists families whose adult's work made or would make a CE result, and those
// flagged as a possible move to UC.
func (s Store) Employment(ctx context.Context, plan string) ([]EmploymentRow, error) {
	var rows []EmploymentRow
	err := s.statuses(ctx, plan).
		Where("ce_projected_at IS NOT NULL OR ? = ANY(flags)", flagPossibleUCMove).
		Select("family_id::text AS family_id, plan_version, ce_projected_at, result_route, ? = ANY(flags) AS flagged", flagPossibleUCMove).
		Order("flagged, ce_projected_at NULLS LAST, family_id").Scan(&rows).Error
	return rows, err
}

// Counts counts the families by the groups (SQL expressions giving text, in order; columns of
// them) where the optional condition holds: each row the groups' values, then the count.
func (s Store) Counts(ctx context.Context, plan, groups, where string, columns int) ([][]string, error) {
	q := s.statuses(ctx, plan)
	if where != "" {
		q = q.Where(where)
	}
	rows, err := q.Select(groups + ", count(*)::text").Group(groups).Order(groups).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := make([]string, columns+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// MonthFigures are the management pack's counts for a month.
type MonthFigures struct {
	AttachedInMonth, AttachedByEnd                         int
	AchievedInMonth, AchievedSSPInMonth, AchievedCEInMonth int
	AchievedByEnd, Sustaining                              int
	Next1, Next3, Next6                                    int
}

// Month counts a month's attachments and results, the families sustaining, and those claimable
// within 1, 3 and 6 months of its end.
func (s Store) Month(ctx context.Context, plan string, start, end time.Time) (MonthFigures, error) {
	var f MonthFigures
	err := s.statuses(ctx, plan).Select(`
		count(*) FILTER (WHERE attached_at >= @start AND attached_at < @end) AS attached_in_month,
		count(*) FILTER (WHERE attached_at < @end) AS attached_by_end,
		count(*) FILTER (WHERE achieved_at >= @start AND achieved_at < @end) AS achieved_in_month,
		count(*) FILTER (WHERE achieved_at >= @start AND achieved_at < @end AND result_route = 'SSP') AS achieved_ssp_in_month,
		count(*) FILTER (WHERE achieved_at >= @start AND achieved_at < @end AND result_route = 'CE') AS achieved_ce_in_month,
		count(*) FILTER (WHERE achieved_at < @end) AS achieved_by_end,
		count(*) FILTER (WHERE result_route IS NULL AND outstanding = 0) AS sustaining,
		count(*) FILTER (WHERE result_route IS NULL AND earliest_claim_at >= @end AND earliest_claim_at < @in1) AS next1,
		count(*) FILTER (WHERE result_route IS NULL AND earliest_claim_at >= @end AND earliest_claim_at < @in3) AS next3,
		count(*) FILTER (WHERE result_route IS NULL AND earliest_claim_at >= @end AND earliest_claim_at < @in6) AS next6`,
		map[string]any{
			"start": start,
			"end":   end,
			"in1":   end.AddDate(0, 1, 0),
			"in3":   end.AddDate(0, 3, 0),
			"in6":   end.AddDate(0, 6, 0),
		}).
		Scan(&f).Error
	return f, err
}

// Stale lists attached families without a result whose newest extract coverage lags the newest
// of any family by more than days, or that no extract covers.
func (s Store) Stale(ctx context.Context, plan string, days int) ([]staleRow, error) {
	var rows []staleRow
	err := s.DB.WithContext(ctx).Raw(`WITH f AS (
		SELECT family_id, plan_version, judged_for,
			(SELECT max(v::timestamptz) FROM jsonb_each_text(coverage) AS cov(k, v) WHERE k <> 'caseworker') AS latest
		FROM tracking.family_status WHERE result_route IS NULL AND (? = '' OR split_part(plan_version, '@', 1) = ?)),
		g AS (SELECT max(latest) AS newest FROM f)
		SELECT family_id::text AS family_id, plan_version, judged_for, latest, newest,
			CASE WHEN latest IS NULL THEN ? ELSE ? END AS check_name
		FROM f, g WHERE latest IS NULL OR latest < newest - make_interval(days => ?)
		ORDER BY latest NULLS FIRST, family_id`, plan, plan, NoExtractCoverage, EvidenceNotRefreshed, days).Scan(&rows).Error
	return rows, err
}
