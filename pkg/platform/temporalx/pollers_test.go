package temporalx

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/testenv"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
)

// A worker is ready while Temporal sees it polling its queue; one whose pollers stopped (here
// the worker stopped, its process alive) is not, once its last poll is older than a live
// long poll can be. Another process's poller never stands in for this one.
func TestAWorkerIsReadyOnlyWhileTemporalSeesItPolling(t *testing.T) {
	ctx := context.Background()
	addr, ns := testenv.TemporalAddress(t)
	c, err := Dial(ctx, Config{Address: addr, Namespace: ns}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	queue := "pollers-test-" + testenv.Unique()
	check := PollerCheck{
		Client:    c,
		TaskQueue: queue,
		Type:      enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		Identity:  WorkerIdentity(queue),
	}
	if err := check.Ping(ctx); err == nil || !strings.Contains(err.Error(), "not among its pollers") {
		t.Fatalf("ready before the worker started: %v", err)
	}
	w := worker.New(c, queue, worker.Options{Identity: check.Identity})
	w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "noop"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); check.Ping(ctx) != nil; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never ready while polling: %v", check.Ping(ctx))
		}
	}
	other := check
	other.Identity = "1@elsewhere@" + queue
	if err := other.Ping(ctx); err == nil {
		t.Error("another process's poller made this one ready")
	}
	w.Stop()
	// The queue still lists the stopped worker (Temporal keeps a poller for minutes); its last
	// poll ages past what a live long poll reaches.
	later := check
	later.Now = func() time.Time { return time.Now().Add(PollerAge + time.Minute) }
	if err := later.Ping(ctx); err == nil || !strings.Contains(err.Error(), "last polled") {
		t.Errorf("a worker that stopped polling is ready: %v", err)
	}
}
