package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/api/serviceerror"
)

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// A dependency that cannot be reached is told from a bug: 503 with Retry-After for a database
// that refuses connections, Temporal unavailable or a deadline passed; 500 for the rest.
func TestFailAnswers503ForAnUnreachableDependency(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, dbDown := pgx.Connect(ctx, "postgres://x@"+closedPort(t)+"/x?sslmode=disable&connect_timeout=2")
	if dbDown == nil {
		t.Fatal("connected to a closed port")
	}
	for _, c := range []struct {
		name   string
		err    error
		status int
	}{
		{"Postgres refusing connections", fmt.Errorf("read members: %w", dbDown), http.StatusServiceUnavailable},
		{"Postgres shutting down", &pgconn.PgError{Code: "57P01"}, http.StatusServiceUnavailable},
		{"Temporal unavailable", serviceerror.NewUnavailable("frontend down"), http.StatusServiceUnavailable},
		{"a deadline passed", context.DeadlineExceeded, http.StatusServiceUnavailable},
		{"a unique violation", &pgconn.PgError{Code: "23505"}, http.StatusInternalServerError},
		{"a bug", errors.New("nil map"), http.StatusInternalServerError},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := engine()
			r.GET("/x", func(g *gin.Context) { Fail(g, quiet, "read", c.err) })
			w := do(t, r, "GET", "/x", "")
			if w.Code != c.status || (c.status == 503) != (w.Header().Get("Retry-After") != "") {
				t.Errorf("%s: %d, Retry-After %q", c.name, w.Code, w.Header().Get("Retry-After"))
			}
		})
	}
}
