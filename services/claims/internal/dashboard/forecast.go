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
	err := Store(f).KeepForecast(ctx, s.GetPlanId(), s.GetId(), s.GetAsOf().AsTime(), s.GetForecastJson())
	return &familypathv1.RecordForecastResponse{}, err
}
