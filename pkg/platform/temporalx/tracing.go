package temporalx

import (
	"github.com/familypath/familypath/pkg/platform/tracing"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// spanKey is where the tracing interceptor keeps the current span on a workflow's context.
type spanKey struct{}

// tracingInterceptors carry W3C trace context through Temporal (in the headers of starts,
// signals, updates and activities) and make spans of them: a client's call, the workflow's
// run, its signal and update handlers, each activity it schedules and runs. Set on the
// client, they also apply to every worker built on it. The span of a signal is kept for
// FollowSignal. Queries are not traced: operators' reads in the Temporal UI are not requests.
func tracingInterceptors() ([]interceptor.ClientInterceptor, error) {
	ti, err := opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{
		Tracer:              tracing.Tracer(),
		TextMapPropagator:   tracing.Propagator(),
		SpanContextKey:      spanKey{},
		DisableBaggage:      true,
		DisableQueryTracing: true,
	})
	if err != nil {
		return nil, err
	}
	return []interceptor.ClientInterceptor{ti, &signalSpans{}}, nil
}

// signalSpans keeps, per workflow run, the span of the latest signal of each name (inside the
// tracing interceptor, so the signal's span is on the handler's context).
type signalSpans struct{ interceptor.InterceptorBase }

type latestSignalsKey struct{}

type signalSpansInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	latest map[string]any // signal name -> its span; read and cleared by FollowSignal
}

func (*signalSpans) InterceptWorkflow(
	_ workflow.Context,
	next interceptor.WorkflowInboundInterceptor,
) interceptor.WorkflowInboundInterceptor {
	i := &signalSpansInbound{latest: map[string]any{}}
	i.Next = next
	return i
}

func (i *signalSpansInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	return i.Next.ExecuteWorkflow(workflow.WithValue(ctx, latestSignalsKey{}, i), in)
}

func (i *signalSpansInbound) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	// A replayed signal has no span: it was traced when it first arrived.
	if span := ctx.Value(spanKey{}); span != nil && !workflow.IsReplaying(ctx) {
		i.latest[in.SignalName] = span
	}
	return i.Next.HandleSignal(ctx, in)
}

// FollowSignal returns a context whose steps (activities, child workflows) join the trace of
// the latest signal called name that no step has followed yet, or ctx when there is none.
// A workflow whose signal handler only wakes its main loop calls it where the loop acts on
// the signal, so the trace of a caseworker's request that sent the signal goes on to the
// activities it caused.
//
// It changes no command the workflow issues (only which trace its spans join), so it needs
// no GetVersion: histories replay alike with or without it.
func FollowSignal(ctx workflow.Context, name string) workflow.Context {
	i, ok := ctx.Value(latestSignalsKey{}).(*signalSpansInbound)
	if !ok {
		return ctx
	}
	span, ok := i.latest[name]
	if !ok {
		return ctx
	}
	delete(i.latest, name)
	return workflow.WithValue(ctx, spanKey{}, span)
}
