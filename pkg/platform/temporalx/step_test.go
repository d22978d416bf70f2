package temporalx

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"
)

// A wrapped ApplicationError loses its retry policy in the SDK's failure converter, which is
// why Step leaves it alone; any other error gains the step's name and stays itself.
func TestStepNamesTheStepAndKeepsTemporalsErrors(t *testing.T) {
	convert := temporal.GetDefaultFailureConverter().ErrorToFailure
	final := temporal.NewNonRetryableApplicationError("no such plan", "InvalidArgument", nil)
	if f := convert(errors.Join(final)); f.GetApplicationFailureInfo().GetNonRetryable() {
		t.Fatal("the SDK now reads a wrapped ApplicationError: Step may wrap it too")
	}
	for _, c := range []struct {
		name    string
		err     error
		message string
		final   bool
	}{
		{"an ApplicationError as it is", final, final.Error(), true},
		{"any other error named", context.DeadlineExceeded, "read the run: context deadline exceeded", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Step("read the run", c.err)
			if !errors.Is(got, c.err) || got.Error() != c.message {
				t.Errorf("Step = %v, want %q wrapping %v", got, c.message, c.err)
			}
			if f := convert(got); f.GetApplicationFailureInfo().GetNonRetryable() != c.final {
				t.Errorf("non-retryable = %v, want %v", !c.final, c.final)
			}
		})
	}
	if Step("read the run", nil) != nil {
		t.Error("no error became one")
	}
}
