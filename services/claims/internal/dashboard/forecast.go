package dashboard

import (
	"context"
	"encoding/json"

	"github.com/familypath/familypath/pkg/outcomes/forecast"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
)

// Forecasts keeps the dashboard's copy of tracking's latest forecast of each plan.
type Forecasts struct{ DB *gorm.DB }

// RecordForecast is the activity the ProgrammeForecast workflow calls with each new snapshot:
// kept unless a forecast made for a later moment is already kept (a retry changes nothing).
func (f Forecasts) RecordForecast(
	ctx context.Context,
	s *familypathv1.ForecastSnapshot,
) (*familypathv1.RecordForecastResponse, error) {
	var check forecast.Forecast
	if s.GetPlanId() == "" || s.GetId() == "" || json.Unmarshal(s.GetForecastJson(), &check) != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			"a snapshot needs a plan, an id and a forecast",
			"InvalidArgument",
			nil,
		)
	}
	return &familypathv1.RecordForecastResponse{}, f.DB.WithContext(ctx).
		Exec(`INSERT INTO claims.forecasts (plan_id, snapshot_id, as_of, forecast)
		VALUES (?, ?, ?, ?::jsonb)
		ON CONFLICT (plan_id) DO UPDATE SET snapshot_id = EXCLUDED.snapshot_id, as_of = EXCLUDED.as_of, forecast = EXCLUDED.forecast, received_at = now()
		WHERE claims.forecasts.as_of <= EXCLUDED.as_of`, s.GetPlanId(), s.GetId(), s.GetAsOf().AsTime(), string(s.GetForecastJson())).
		Error
}

// Latest is the plan's latest forecast, nil before the first.
func (f Forecasts) Latest(ctx context.Context, planID string) (*forecast.Forecast, error) {
	var body []string
	if err := f.DB.WithContext(ctx).Raw(`SELECT forecast::text FROM claims.forecasts WHERE plan_id = ?`, planID).Scan(&body).Error; err != nil ||
		len(body) == 0 {
		return nil, err
	}
	out := &forecast.Forecast{}
	return out, json.Unmarshal([]byte(body[0]), out)
}
