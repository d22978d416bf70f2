package temporalx

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// ScheduleReport says what making a plan's schedules did, by schedule id: created now, kept
// as they were (a deploy makes them every time), or not made (their time has passed).
type ScheduleReport struct {
	Created, Existing, Closed []string
}

// Ensure creates the schedule unless one with its id exists, which is kept as it is.
func (rep *ScheduleReport) Ensure(ctx context.Context, c client.Client, opts client.ScheduleOptions) error {
	_, err := c.ScheduleClient().Create(ctx, opts)
	var exists *serviceerror.AlreadyExists
	switch {
	case err == nil:
		rep.Created = append(rep.Created, opts.ID)
	case errors.As(err, &exists) || errors.Is(err, temporal.ErrScheduleAlreadyRunning):
		rep.Existing = append(rep.Existing, opts.ID)
	default:
		return err
	}
	return nil
}
