package tracing

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Postgres traces a connection's statements (pgx's QueryTracer and CopyFromTracer): a client
// span per statement, inside a traced request or activity only (a statement outside one, a
// migration or a pool's ping, would be a trace of its own and noise). A span holds the
// statement's operation and table rows, never its text or arguments: SQL can carry personal
// data in literals, and arguments do.
type Postgres struct{}

type pgSpan struct{}

func (Postgres) start(ctx context.Context, name string, attrs ...attribute.KeyValue) context.Context {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	attrs = append(attrs, attribute.String("db.system.name", "postgresql"))
	ctx, span := Tracer().Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return context.WithValue(ctx, pgSpan{}, span)
}

func end(ctx context.Context, rows int64, err error) {
	span, ok := ctx.Value(pgSpan{}).(trace.Span)
	if !ok {
		return
	}
	span.SetAttributes(attribute.Int64("db.response.returned_rows", rows))
	if err != nil {
		// The error's class only: a constraint's message can quote the offending value.
		span.SetStatus(codes.Error, "statement failed")
	}
	span.End()
}

// TraceQueryStart starts a statement's span, named by its operation (SELECT, INSERT, ...).
func (p Postgres) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	op := Operation(d.SQL)
	return p.start(ctx, op, attribute.String("db.operation.name", op))
}

// TraceQueryEnd ends it with the rows affected.
func (Postgres) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	end(ctx, d.CommandTag.RowsAffected(), d.Err)
}

// TraceCopyFromStart starts a bulk copy's span, naming its table.
func (p Postgres) TraceCopyFromStart(
	ctx context.Context,
	_ *pgx.Conn,
	d pgx.TraceCopyFromStartData,
) context.Context {
	table := d.TableName.Sanitize()
	return p.start(ctx, "COPY "+table,
		attribute.String("db.operation.name", "COPY"), attribute.String("db.collection.name", table))
}

// TraceCopyFromEnd ends it with the rows copied.
func (Postgres) TraceCopyFromEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceCopyFromEndData) {
	end(ctx, d.CommandTag.RowsAffected(), d.Err)
}

// Operation is a statement's first keyword, upper-cased ("SELECT", "WITH", ...), or "SQL" when
// it does not start with one (a leading comment: nothing past it is guessed at).
func Operation(sql string) string {
	fields := strings.Fields(sql)
	if len(fields) == 0 {
		return "SQL"
	}
	op := strings.ToUpper(strings.TrimLeft(fields[0], "("))
	if op == "" || strings.IndexFunc(op, func(c rune) bool { return c < 'A' || c > 'Z' }) >= 0 {
		return "SQL"
	}
	return op
}
