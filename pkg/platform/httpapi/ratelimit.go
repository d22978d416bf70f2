package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// TypeRateLimited is the problem type of a request over its caller's rate limit.
const TypeRateLimited = "https://familypath.dev/problems/rate-limited"

// RateLimiter counts each caller's requests per minute in Redis (a fixed window shared by
// every replica of the API). When Redis cannot answer the request goes through: the limit
// protects the service from floods; it is not an access control, and Redis holds only what
// may be lost.
type RateLimiter struct {
	Redis     *redis.Client
	Service   string
	PerMinute int // 0: no limit
	Log       *slog.Logger
	Now       func() time.Time // default time.Now (tests fix the window)
}

// Allow counts one request for the caller named by key; when over the limit it answers 429
// with Retry-After and returns false.
func (l *RateLimiter) Allow(c *gin.Context, key string) bool {
	if l == nil || l.PerMinute <= 0 || l.Redis == nil {
		return true
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	window := now.Unix() / 60
	sum := sha256.Sum256([]byte(key)) // no user ids in Redis keys
	k := "familypath:ratelimit:" + l.Service + ":" + hex.EncodeToString(sum[:12]) + ":" + strconv.FormatInt(window, 10)
	ctx, cancel := context.WithTimeout(c.Request.Context(), 300*time.Millisecond)
	defer cancel()
	pipe := l.Redis.TxPipeline()
	n := pipe.Incr(ctx, k)
	pipe.Expire(ctx, k, 2*time.Minute)
	if _, err := pipe.Exec(ctx); err != nil {
		l.Log.WarnContext(c.Request.Context(), "rate limit not counted: redis unavailable", "error", err.Error())
		return true
	}
	if n.Val() <= int64(l.PerMinute) {
		return true
	}
	c.Header("Retry-After", strconv.FormatInt(60-now.Unix()%60, 10))
	Abort(c, Problem{Type: TypeRateLimited, Status: http.StatusTooManyRequests, Title: "Too many requests",
		Detail: "Your requests are over this service's limit per minute; retry after the time in Retry-After."})
	return false
}
