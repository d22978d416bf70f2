package dashboard

import (
	"context"
	"encoding/json"
	"time"

	"github.com/familypath/familypath/pkg/outcomes/forecast"
	"gorm.io/gorm"
)

// Store holds the dashboard package's SQL: the handler, the forecast activity and the claims
// collector ask it, never the database (docs/architecture.md, "One shape per package").
// A plan's claims and ledger entries are every version's ("<plan>@<n>").
type Store struct{ DB *gorm.DB }

// FamiliesClaimed counts the families with a submitted or paid claim under the plan.
func (s Store) FamiliesClaimed(ctx context.Context, plan string) (int, error) {
	var n int
	err := s.DB.WithContext(ctx).Raw(`SELECT count(DISTINCT family_id) FROM claims.claims
		WHERE split_part(plan_version, '@', 1) = ? AND status IN ('SUBMITTED', 'PAID')`, plan).Scan(&n).Error
	return n, err
}

// windowResults is the number of submitted or paid claims in one claim window.
type windowResults struct {
	WindowID string
	Results  int
}

// ResultsPerWindow counts the plan's submitted or paid claims by claim window.
func (s Store) ResultsPerWindow(ctx context.Context, plan string) ([]windowResults, error) {
	var rows []windowResults
	err := s.DB.WithContext(ctx).Raw(`SELECT window_id, count(*) AS results FROM claims.claims
		WHERE split_part(plan_version, '@', 1) = ? AND status IN ('SUBMITTED', 'PAID')
		GROUP BY window_id`, plan).Scan(&rows).Error
	return rows, err
}

// income is what the ledger holds for a stretch of time: attachments and their fees, and
// results paid.
type income struct {
	Attachments int
	Fees        int64
	Paid        int64
}

// Income reads the plan's ledger from from (inclusive) to to (exclusive).
func (s Store) Income(ctx context.Context, plan string, from, to time.Time) (income, error) {
	var f income
	err := s.DB.WithContext(ctx).Raw(`SELECT
		count(*) FILTER (WHERE kind = 'ATTACHMENT_FEE') AS attachments,
		coalesce(sum(amount_pence) FILTER (WHERE kind = 'ATTACHMENT_FEE'), 0) AS fees,
		coalesce(sum(amount_pence) FILTER (WHERE kind = 'RESULT'), 0) AS paid
		FROM claims.ledger
		WHERE split_part(plan_version, '@', 1) = ? AND occurred_at >= ? AND occurred_at < ?`,
		plan, from, to).Scan(&f).Error
	return f, err
}

// KeepForecast keeps a plan's forecast unless one made for a later moment is kept already.
func (s Store) KeepForecast(ctx context.Context, plan, snapshotID string, asOf time.Time, body []byte) error {
	return s.DB.WithContext(ctx).Exec(`INSERT INTO claims.forecasts (plan_id, snapshot_id, as_of, forecast)
		VALUES (?, ?, ?, ?::jsonb)
		ON CONFLICT (plan_id) DO UPDATE SET snapshot_id = EXCLUDED.snapshot_id, as_of = EXCLUDED.as_of,
			forecast = EXCLUDED.forecast, received_at = now()
		WHERE claims.forecasts.as_of <= EXCLUDED.as_of`, plan, snapshotID, asOf, string(body)).Error
}

// LatestForecast is the plan's kept forecast, nil before the first.
func (s Store) LatestForecast(ctx context.Context, plan string) (*forecast.Forecast, error) {
	var body []string
	err := s.DB.WithContext(ctx).Raw(`SELECT forecast::text FROM claims.forecasts WHERE plan_id = ?`, plan).
		Scan(&body).Error
	if err != nil || len(body) == 0 {
		return nil, err
	}
	out := &forecast.Forecast{}
	return out, json.Unmarshal([]byte(body[0]), out)
}

// claimCount is the number of claims of a plan in a status.
type claimCount struct {
	Plan, Status string
	N            int64
}

// ClaimsByStatus counts every plan's claims by status.
func (s Store) ClaimsByStatus(ctx context.Context) ([]claimCount, error) {
	var rows []claimCount
	err := s.DB.WithContext(ctx).Raw(`SELECT split_part(plan_version, '@', 1) AS plan, status, count(*) AS n
		FROM claims.claims GROUP BY 1, 2 ORDER BY 1, 2`).Scan(&rows).Error
	return rows, err
}
