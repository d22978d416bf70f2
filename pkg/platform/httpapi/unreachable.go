package httpapi

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"net"
	"syscall"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/api/serviceerror"
)

// RetryAfterSeconds is what a 503 asks a client to wait before retrying.
const RetryAfterSeconds = "5"

// Fail answers a request that failed with err, logged as what (never the request's data):
// 503 with Retry-After when a dependency could not be reached (Postgres, Redis or Temporal
// down, restarting or too slow), so that clients retry and alerts can tell an outage from a
// bug; 500 otherwise.
func Fail(c *gin.Context, log *slog.Logger, what string, err error) {
	if Unreachable(err) {
		log.WarnContext(c.Request.Context(), what+": a dependency is unreachable", "error", err.Error())
		Unavailable(
			c,
			"A dependency (the database, the cache or the workflow service) did not answer; nothing was changed by this request. Retry shortly.",
		)
		return
	}
	log.ErrorContext(c.Request.Context(), what, "error", err.Error())
	Internal(c)
}

// Unreachable says whether err means a dependency could not be reached or answered in time,
// rather than that it refused the request: a connection refused, reset or closed, a timeout,
// Postgres starting up, shutting down or out of connections, Temporal unavailable.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	var pgErr *pgconn.PgError
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, sql.ErrConnDone):
		return true
	case errors.As(err, &connectErr), errors.As(err, &netErr), errors.As(err, &unavailable), errors.As(err, &deadline):
		return true
	case errors.As(err, &pgErr):
		// Class 08: connection exceptions; 57P01-57P03: shut down, crashed, starting up;
		// 53300: too many connections.
		return pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" ||
			pgErr.Code == "53300"
	}
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}
