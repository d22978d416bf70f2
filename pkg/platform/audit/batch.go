package audit

import (
	"context"
	"sync"
	"time"
)

// Batcher appends events for many concurrent requests together (group commit): while one
// transaction extends the chain, the events that arrive wait and go into the next, so an API
// whose every read is audited is not held to one transaction a read. Each Append returns when
// its event is recorded (or with the error that stopped its batch), as Trail.Append does.
type Batcher struct {
	Trail Trail
	// MaxBatch caps the events in one transaction (default 256).
	MaxBatch int

	mu      sync.Mutex
	running bool
	queue   chan pending
}

type pending struct {
	e    Event
	done chan result
}

type result struct {
	e   Event
	err error
}

// batchIdle is how long the writer waits for an event before it stops (it starts again with
// the next one), so an idle service holds no goroutine.
const batchIdle = time.Second

// Append records an event; see Trail.Append.
func (b *Batcher) Append(ctx context.Context, e Event) (Event, error) {
	if err := check(&e); err != nil {
		return e, err
	}
	p := pending{e: e, done: make(chan result, 1)}
	b.mu.Lock()
	if b.queue == nil {
		b.queue = make(chan pending, 4096)
	}
	if !b.running {
		b.running = true
		go b.write() // #nosec G118 -- the writer serves many requests: no one request's context may end it
	}
	select { // under the lock, so the writer cannot stop between its start and this event
	case b.queue <- p:
	case <-ctx.Done():
		b.mu.Unlock()
		return e, ctx.Err()
	}
	b.mu.Unlock()
	select {
	case r := <-p.done:
		return r.e, r.err
	case <-ctx.Done(): // the event may still be recorded: more audit, never less
		return e, ctx.Err()
	}
}

// write takes what is queued, up to MaxBatch, and records it in one transaction, until idle.
func (b *Batcher) write() {
	limit := b.MaxBatch
	if limit <= 0 {
		limit = 256
	}
	idle := time.NewTimer(batchIdle)
	defer idle.Stop()
	for {
		var first pending
		select {
		case first = <-b.queue:
		case <-idle.C:
			b.mu.Lock()
			if len(b.queue) > 0 {
				b.mu.Unlock()
				idle.Reset(batchIdle)
				continue
			}
			b.running = false
			b.mu.Unlock()
			return
		}
		batch := []pending{first}
	fill:
		for len(batch) < limit {
			select {
			case p := <-b.queue:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		events := make([]Event, len(batch))
		for i, p := range batch {
			events[i] = p.e
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := b.Trail.appendAll(ctx, events)
		cancel()
		for i, p := range batch {
			p.done <- result{e: events[i], err: err}
		}
		idle.Reset(batchIdle)
	}
}
