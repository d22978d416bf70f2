package temporalx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// PollerAge is how old this process's last poll may be, as Temporal saw it, before its worker
// is not ready: an idle long poll is answered empty after about a minute and the next starts
// at once, so a live poller is never much older than that.
const PollerAge = 2 * time.Minute

// WorkerIdentity names this process's worker of a task queue, as the queue's pollers list
// (the Temporal UI's Workers tab) and PollerCheck show it.
func WorkerIdentity(taskQueue string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%d@%s@%s", os.Getpid(), host, taskQueue)
}

// PollerCheck asks Temporal whether this process is polling its task queue (for a worker's
// /readyz). A worker whose pollers have stopped (a poll error the SDK gave up on, a
// connection it did not get back) still answers /healthz and may still reach the frontend,
// but no task reaches it: the queue's pollers list then shows its identity ever older, and a
// task queue with no live poller leaves activities scheduled and never started.
type PollerCheck struct {
	Client    client.Client
	TaskQueue string
	Type      enumspb.TaskQueueType // activity or workflow tasks
	Identity  string                // the worker's (WorkerIdentity)
	MaxAge    time.Duration         // PollerAge when zero
	Now       func() time.Time      // time.Now when nil
}

// Ping fails unless the queue's pollers include the identity, polled within MaxAge.
func (p PollerCheck) Ping(ctx context.Context) error {
	resp, err := p.Client.DescribeTaskQueue(ctx, p.TaskQueue, p.Type)
	if err != nil {
		return err
	}
	now, maxAge := time.Now, p.MaxAge
	if p.Now != nil {
		now = p.Now
	}
	if maxAge == 0 {
		maxAge = PollerAge
	}
	for _, poller := range resp.GetPollers() {
		if poller.GetIdentity() != p.Identity {
			continue
		}
		if age := now().Sub(poller.GetLastAccessTime().AsTime()); age > maxAge {
			return fmt.Errorf("task queue %s: this worker last polled %s ago", p.TaskQueue, age.Round(time.Second))
		}
		return nil
	}
	return errors.New("task queue " + p.TaskQueue + ": this worker is not among its pollers")
}
