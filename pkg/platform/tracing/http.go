package tracing

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Handler traces an API: a server span per request, continuing the caller's trace when its
// traceparent header names one. The span is named by method and route once the router has
// matched it (NameByRoute); probes are not traced.
func Handler(h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, "api",
		otelhttp.WithPropagators(Propagator()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Method + " " + r.Pattern
			}
			return r.Method
		}),
		otelhttp.WithFilter(func(r *http.Request) bool {
			return r.URL.Path != "/healthz" && r.URL.Path != "/readyz"
		}),
	)
}

// NameByRoute gives the request's server span its route template (for example
// /v1/families/:id/evidence) as its name, route and path, in place of the path with its ids
// (which can name people, as the access log's rule says), and the request id that finds its log
// lines. The router calls it once it has matched the route.
func NameByRoute(r *http.Request, route, requestID string) {
	r.Pattern = route
	trace.SpanFromContext(r.Context()).SetAttributes(
		attribute.String("http.route", route),
		attribute.String("url.path", route),
		attribute.String("familypath.request_id", requestID),
	)
}

// Transport traces calls to other services and passes the trace on in their headers. A call's
// span names the service's address, not the path and query it read (they hold ids).
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return otelhttp.NewTransport(addressOnly{base},
		otelhttp.WithPropagators(Propagator()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
}

// addressOnly runs inside the client span: it replaces the span's full URL by the address.
type addressOnly struct{ next http.RoundTripper }

func (a addressOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("url.full", r.URL.Scheme+"://"+r.URL.Host))
	return a.next.RoundTrip(r)
}
