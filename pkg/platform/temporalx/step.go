package temporalx

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
)

// Step names the step of an activity that failed ("read the run: connection refused"), for
// the operator who reads the failure in the Temporal UI. An ApplicationError is returned as it
// is: the SDK reads its type and whether it may be retried only from the error an activity
// returns, not from one it wraps, so wrapping a non-retryable error would have it retried.
func Step(step string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*temporal.ApplicationError); ok {
		return err
	}
	return fmt.Errorf("%s: %w", step, err)
}
