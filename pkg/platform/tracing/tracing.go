// Package tracing is the product's OpenTelemetry tracing: one trace follows a request from a
// service's API through the family's workflow to the activities it runs and the other
// services they read from, carried between processes as W3C trace context (HTTP headers,
// Temporal headers).
//
// It is off unless configured, by the standard OpenTelemetry environment variables
// (docs/observability.md#tracing): spans are exported over OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, or
// OTEL_TRACES_EXPORTER=otlp; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off.
// Off, incoming trace context is still passed on, so a caller's trace is not broken by a
// service that does not export.
//
// Spans carry no personal data: routes and ids, never bodies, query strings, SQL text or
// arguments.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Name is the instrumentation scope of the product's own spans.
const Name = "github.com/familypath/familypath"

// Env reads one environment variable (config.FromOS().Get in the binaries, a map in tests).
type Env func(string) string

// Enabled says whether the environment asks for spans to be exported.
func Enabled(env Env) bool {
	if strings.EqualFold(env("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	switch strings.ToLower(env("OTEL_TRACES_EXPORTER")) {
	case "none":
		return false
	case "otlp":
		return true
	}
	return env("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Start installs the W3C trace context propagator and, when the environment enables tracing,
// a tracer provider exporting over OTLP/HTTP (endpoint, headers, TLS, timeout and sampler from
// the standard variables; service.name from OTEL_SERVICE_NAME, else service). The returned
// function flushes and stops the exporter; call it before the process exits.
func Start(ctx context.Context, env Env, service, version string) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(Propagator())
	if !Enabled(env) {
		return func(context.Context) error { return nil }, nil
	}
	if p := env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"); p != "" && p != "http/protobuf" {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=%q: only http/protobuf is supported", p)
	}
	if p := env("OTEL_EXPORTER_OTLP_PROTOCOL"); p != "" && p != "http/protobuf" {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: only http/protobuf is supported", p)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing exporter: %w", err)
	}
	// Later detectors win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over the defaults.
	res, err := resource.New(ctx,
		resource.WithAttributes(
			attribute.String("service.name", service),
			attribute.String("service.version", version),
			attribute.String("service.namespace", "familypath"),
		),
		resource.WithFromEnv(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("tracing resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	Install(tp)
	return tp.Shutdown, nil
}

// Install makes tp the provider of every span the product starts (Start does; a test installs
// one with an in-memory exporter).
func Install(tp trace.TracerProvider) {
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(Propagator())
}

// Propagator is W3C trace context alone: baggage from outside is not carried along, since
// nothing here reads it and a caller could put anything in it.
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// Tracer starts the product's own spans.
func Tracer() trace.Tracer { return otel.Tracer(Name) }
