// Package db opens Postgres through gorm and applies a service's versioned SQL migrations.
// Each service owns one Postgres schema named after it; its migrations create and change
// only that schema.
package db

import (
	"context"
	"fmt"
	"log/slog"
	neturl "net/url"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/platform/tracing"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Options tune the connection pool and the statement timeout.
type Options struct {
	MaxOpenConns     int
	StatementTimeout time.Duration // server-side cap on every statement
	Log              *slog.Logger
}

// Open connects to url and checks the connection. Statements are capped by the server's
// statement_timeout, so no call to Postgres hangs forever.
func Open(ctx context.Context, url string, o Options) (*gorm.DB, error) {
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = 20
	}
	if o.StatementTimeout == 0 {
		o.StatementTimeout = 30 * time.Second
	}
	dsn, err := withRuntimeParam(url, "statement_timeout", strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10))
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	cfg.Tracer = tracing.Postgres{} // statements in a traced request or activity
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: stdlib.OpenDB(*cfg)}), &gorm.Config{
		Logger:                 logger.Discard, // SQL text can hold personal data: never logged
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
	})
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(o.MaxOpenConns)
	sqlDB.SetMaxIdleConns(o.MaxOpenConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return gdb, nil
}

// withRuntimeParam adds a server run-time parameter to a postgres:// URL (pgx sends unknown
// query parameters to the server), so it holds on every pooled connection. A value the
// URL already sets wins.
func withRuntimeParam(raw, key, value string) (string, error) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL is not a URL")
	}
	q := u.Query()
	if q.Get(key) == "" {
		q.Set(key, value)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Ping checks that Postgres answers.
func Ping(ctx context.Context, gdb *gorm.DB) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// WithPgx runs f on one pgx connection of gdb's pool: COPY, and reading many rows fast,
// need pgx itself, not database/sql.
func WithPgx(ctx context.Context, gdb *gorm.DB, f func(*pgx.Conn) error) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the database driver is %T, not pgx", dc)
		}
		return f(c.Conn())
	})
}
