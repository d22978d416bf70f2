// Command bench measures the workflow worker (`make bench-workflows`, scripts/workflow-bench.sh):
// it starts N workflows on a Temporal server, delivers one data-refresh signal to each, and
// reports throughput, signal latency percentiles (from the signal being sent to the workflow
// code receiving it, seen by a worker interceptor) and the process's memory. It runs the same
// count of empty workflows (which only wait for a signal) first, on the same server, as the
// server's own ceiling on this machine. Activities are synthetic; the worker is the product's
// (family.Register) with the pollers given.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/workflows/family"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int("n", 10000, "workflows")
	pollers := flag.Int("pollers", 2, "workflow task pollers (the SDK's default is 2)")
	kind := flag.String("kind", "family", "family or empty")
	clients := flag.Int("senders", 32, "concurrent starts and signals")
	flag.Parse()
	keys, err := keyring.Parse(os.Getenv("PAYLOAD_KEYS"))
	if err != nil {
		return err
	}
	ctx := context.Background()
	c, err := temporalx.Dial(
		ctx,
		temporalx.Config{Address: os.Getenv("TEMPORAL_ADDRESS"), Namespace: "default", PayloadKeys: keys},
		nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)),
		nil,
	)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := temporalx.RegisterSearchAttributes(ctx, c, "default"); err != nil {
		return err
	}
	run := fmt.Sprintf("%s-%d", *kind, time.Now().UnixNano())
	queue := "bench-" + run
	rec := &recorder{}
	w := worker.New(c, queue, worker.Options{MaxConcurrentWorkflowTaskPollers: *pollers,
		Interceptors: []interceptor.WorkerInterceptor{rec}})
	if *kind == "family" {
		family.Register(w)
	} else {
		w.RegisterWorkflowWithOptions(empty, workflow.RegisterOptions{Name: contract.WorkflowFamilyLifecycle})
	}
	// The family workflow calls identification on its own queue: a worker there too.
	ident := worker.New(c, contract.QueueIdentification, worker.Options{})
	ident.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.DescribeCandidateRequest) (*familypathv1.DescribeCandidateResponse, error) {
			return &familypathv1.DescribeCandidateResponse{
				FamilyId:     r.GetFamilyId(),
				ProblemCodes: []string{"CRIME", "EDUCATION"},
			}, nil
		},
		activity.RegisterOptions{Name: contract.ActivityIdentificationDescribeCandidate},
	)
	for _, wk := range []worker.Worker{w, ident} {
		if err := wk.Start(); err != nil {
			return err
		}
		defer wk.Stop()
	}
	ids := make([]string, *n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08x-0000-4000-8000-%012d", i, time.Now().UnixNano()%1e12)
	}
	started := time.Now()
	if err := fanOut(*clients, ids, func(id string) error {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "family/" + id, TaskQueue: queue}, contract.WorkflowFamilyLifecycle,
			&familypathv1.FamilyLifecycleInput{FamilyId: id, PlanId: "lancashire-phase2", EvidenceSnapshotId: "s-1", IdentifiedAt: timestamppb.Now()})
		return err
	}); err != nil {
		return err
	}
	startSecs := time.Since(started).Seconds()
	// Let every workflow run its first task before signalling.
	for rec.started.Load() < int64(*n) {
		time.Sleep(100 * time.Millisecond)
	}
	settled := time.Since(started).Seconds()
	sent := sync.Map{}
	first := time.Now()
	if err := fanOut(*clients, ids, func(id string) error {
		sent.Store("family/"+id, time.Now())
		return c.SignalWorkflow(ctx, "family/"+id, "", contract.SignalEvidenceReceived, &familypathv1.EvidenceReceived{EvidenceSnapshotId: "s-2", Source: "identification"})
	}); err != nil {
		return err
	}
	for rec.signalled.Load() < int64(*n) {
		time.Sleep(50 * time.Millisecond)
	}
	var lat []time.Duration
	var last time.Time
	rec.got.Range(func(k, v any) bool {
		s, ok := sent.Load(k)
		if ok {
			lat = append(lat, v.(time.Time).Sub(s.(time.Time)))
		}
		if v.(time.Time).After(last) {
			last = v.(time.Time)
		}
		return true
	})
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf(
		"%s pollers=%d n=%d: started %d in %.1fs (%.0f/s; all running after %.1fs); signals %.0f/s; latency p50 %s p99 %s max %s; heap %d MiB, RSS %s\n",
		*kind,
		*pollers,
		*n,
		*n,
		startSecs,
		float64(*n)/startSecs,
		settled,
		float64(len(lat))/last.Sub(first).Seconds(),
		pct(
			0.5,
		).Round(time.Millisecond),
		pct(0.99).Round(time.Millisecond),
		lat[len(lat)-1].Round(time.Millisecond),
		ms.HeapInuse>>20,
		rss(),
	)
	_ = fanOut(*clients, ids, func(id string) error { return c.TerminateWorkflow(ctx, "family/"+id, "", "bench over") })
	return nil
}

// empty is the ceiling's workflow: it waits for one signal, then for ever.
func empty(ctx workflow.Context, _ *familypathv1.FamilyLifecycleInput) error {
	ch := workflow.GetSignalChannel(ctx, contract.SignalEvidenceReceived)
	var sig familypathv1.EvidenceReceived
	ch.Receive(ctx, &sig)
	return workflow.Await(ctx, func() bool { return false })
}

func fanOut(n int, ids []string, fn func(string) error) error {
	next := make(chan string)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				if err := fn(id); err != nil {
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	return nil
}

func rss() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")) + " peak"
		}
	}
	return "?"
}

// recorder sees, in the worker, each workflow's first task and each signal reaching the
// workflow code (not on replay).
type recorder struct {
	interceptor.WorkerInterceptorBase
	started, signalled atomic.Int64
	got                sync.Map // workflow id -> when its signal reached it
}

func (r *recorder) InterceptWorkflow(
	_ workflow.Context,
	next interceptor.WorkflowInboundInterceptor,
) interceptor.WorkflowInboundInterceptor {
	return &inbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, r: r}
}

type inbound struct {
	interceptor.WorkflowInboundInterceptorBase
	r *recorder
}

func (i *inbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	if !workflow.IsReplaying(ctx) {
		i.r.started.Add(1)
	}
	return i.Next.ExecuteWorkflow(ctx, in)
}

func (i *inbound) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	if !workflow.IsReplaying(ctx) {
		if _, loaded := i.r.got.LoadOrStore(workflow.GetInfo(ctx).WorkflowExecution.ID, time.Now()); !loaded {
			i.r.signalled.Add(1)
		}
	}
	return i.Next.HandleSignal(ctx, in)
}
