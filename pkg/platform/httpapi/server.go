package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/platform/metrics"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configures a service's API engine.
type Options struct {
	Log          *slog.Logger
	Registerer   prometheus.Registerer
	Checks       []metrics.Check
	OpenAPI      []byte // the service's OpenAPI document, served at /openapi.yaml
	MaxBodyBytes int64  // default 1 MiB
	// RouteBodyLimits raises the limit of named routes ("POST /v1/uploads") that stream files.
	RouteBodyLimits map[string]int64
	// RequestTimeout bounds every request's work (its calls to Postgres, Redis, Temporal and
	// other services end with it); routes with their own body limit stream files and are
	// bounded by the server's read timeout instead. Default 30 s.
	RequestTimeout time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For names the client (for rate limits
	// and logs); none by default: the client is the connection's address.
	TrustedProxies []string
}

// NewEngine returns a gin engine with the platform's middleware and infrastructure routes:
// GET /healthz (process alive), GET /readyz (dependencies reachable), GET /openapi.yaml.
func NewEngine(o Options) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 1 << 20
	}
	r := gin.New()
	if err := r.SetTrustedProxies(o.TrustedProxies); err != nil {
		panic(err) // the settings checked every entry
	}
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(requestID(), securityHeaders(), accessLog(o.Log), recovery(o.Log))
	if o.Registerer != nil {
		r.Use(NewMetrics(o.Registerer).middleware())
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 30 * time.Second
	}
	r.Use(bodyLimit(o.MaxBodyBytes, o.RouteBodyLimits), requestTimeout(o.RequestTimeout, o.RouteBodyLimits))
	r.NoRoute(func(c *gin.Context) { NotFound(c, "Resource") })
	r.NoMethod(func(c *gin.Context) {
		Abort(c, Problem{Type: TypeNotFound, Status: http.StatusMethodNotAllowed, Title: "Method not allowed"})
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", func(c *gin.Context) { c.JSON(metrics.Ready(c.Request.Context(), o.Log, o.Checks)) })
	if o.OpenAPI != nil {
		r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", o.OpenAPI) })
	}
	return r
}

// Serve runs h on addr until ctx ends, then shuts down gracefully within grace.
func Serve(ctx context.Context, log *slog.Logger, name, addr string, h http.Handler, grace time.Duration) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return ServeListener(ctx, log, name, lis, h, grace)
}

// ServeListener is Serve on an open listener (tests pass port 0 listeners).
func ServeListener(
	ctx context.Context,
	log *slog.Logger,
	name string,
	lis net.Listener,
	h http.Handler,
	grace time.Duration,
) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads of large extracts stream for a while
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	log.Info("listening", "server", name, "addr", lis.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "server", name)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
