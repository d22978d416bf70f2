// Package logging sets up structured JSON logs (log/slog) for every binary.
//
// Personal data never goes into logs: handlers log ids, route templates, status codes and
// durations, never request bodies, query strings or free text from users. Attributes whose
// key names a personal field are redacted as a second line of defence.
package logging

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// New returns a JSON logger tagged with the service and mode (serve, worker, migrate).
func New(w io.Writer, level, service, mode string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv, ReplaceAttr: redact})
	return slog.New(contextHandler{h}).With("service", service, "mode", mode)
}

// Keys that must never carry a value into a log line.
var personalKeys = []string{
	"name",
	"forename",
	"surname",
	"dob",
	"birth",
	"address",
	"postcode",
	"uprn",
	"nino",
	"nhs",
	"upn",
	"pnc",
	"email",
	"phone",
	"note",
	"body",
}

func redact(_ []string, a slog.Attr) slog.Attr {
	k := strings.ToLower(a.Key)
	if k == "service" || k == "msg" || k == "level" || k == "time" || k == "route" {
		return a
	}
	for _, p := range personalKeys {
		if strings.Contains(k, p) {
			return slog.String(a.Key, "[redacted]")
		}
	}
	return a
}

type ctxKey struct{}

// RequestIDHeader carries a request id in and out of every API, and on to the services an
// API or an activity calls, so one id finds a request's log lines in every service.
const RequestIDHeader = "X-Request-Id"

// SetRequestID gives an outgoing request the request id of ctx, when it has one.
func SetRequestID(ctx context.Context, h http.Header) {
	if id := RequestID(ctx); id != "" {
		h.Set(RequestIDHeader, id)
	}
}

// WithRequestID stores the request id so every log line of the request carries it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request id stored by WithRequestID, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// contextHandler adds the request id and the trace id from the context to each record, so an
// operator goes from a log line to its trace and back.
type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
