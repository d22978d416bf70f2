package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/platform/logging"
	"github.com/familypath/familypath/pkg/platform/tracing"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

const requestIDKey = "request_id"

// HeaderRequestID carries the request id in and out.
const HeaderRequestID = logging.RequestIDHeader

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID takes a well-formed incoming X-Request-Id or makes one, and puts it in the
// response header and the request's context for logs.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(HeaderRequestID)
		if !validRequestID.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(requestIDKey, id)
		c.Header(HeaderRequestID, id)
		tracing.NameByRoute(c.Request, routeOf(c), id)
		c.Request = c.Request.WithContext(logging.WithRequestID(c.Request.Context(), id))
		c.Next()
	}
}

// accessLog logs one line per request: the route template, never the raw path or query
// (they may hold identifiers of people).
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := routeOf(c)
		lvl := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			lvl = slog.LevelError
		}
		log.Log(c.Request.Context(), lvl, "http request", "method", c.Request.Method, "route", route,
			"status", c.Writer.Status(), "duration_ms", time.Since(start).Milliseconds())
	}
}

// routeOf is the request's route template, the only form of its path that logs and metrics
// carry (the raw path may hold ids of people).
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// recovery turns a panic into a generic 500 problem and logs the panic's type, not its value
// (which may hold request data).
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				log.ErrorContext(
					c.Request.Context(),
					"panic in handler",
					"route",
					c.FullPath(),
					"panic_type",
					typeName(r),
				)
				Internal(c)
			}
		}()
		c.Next()
	}
}

func typeName(v any) string {
	switch v.(type) {
	case error:
		return "error"
	case string:
		return "string"
	default:
		return "other"
	}
}

// bodyLimit caps request bodies, per route where a route has its own limit; larger bodies
// fail with 413 when read.
func bodyLimit(def int64, routes map[string]int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		max := def
		if l, ok := routes[c.Request.Method+" "+c.FullPath()]; ok {
			max = l
		}
		if c.Request.ContentLength > max {
			Abort(
				c,
				Problem{Type: TypeTooLarge, Status: http.StatusRequestEntityTooLarge, Title: "Request body too large",
					Detail: "The limit is " + strconv.FormatInt(max, 10) + " bytes."},
			)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}

// Metrics are the HTTP metrics every service exports.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "HTTP request latency by route template.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *Metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := routeOf(c)
		m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
		m.duration.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
	}
}

// securityHeaders: answers hold case records, so no cache keeps them, no browser sniffs
// or frames them, and no referrer carries their addresses elsewhere.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		c.Next()
	}
}

// requestTimeout gives each request's context a deadline, so no call it makes waits forever.
func requestTimeout(d time.Duration, streaming map[string]int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := streaming[c.Request.Method+" "+c.FullPath()]; ok {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}
