package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// HeaderIdempotencyKey is required on creating requests: a retry with the same key and body
// gets the first answer again instead of creating twice.
const HeaderIdempotencyKey = "Idempotency-Key"

var validIdempotencyKey = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// Idempotency keeps the answers to creating requests in Redis for a day, per caller, and
// replays them only to the caller that made them. It runs after the route's authorisation
// (Guard.Require, Guard.RequireFamily), so a replay is answered only to a caller allowed now. Redis may lose
// them (it holds nothing that is the only copy): handlers must also be idempotent by their
// own keys, so a lost record costs a repeated lookup, not a duplicate.
type Idempotency struct {
	Redis   *redis.Client
	Service string
	TTL     time.Duration // how long answers are replayed; default 24h
	Log     *slog.Logger
}

type storedAnswer struct {
	State       string `json:"state"` // "pending" or "done"
	Fingerprint string `json:"fingerprint"`
	Status      int    `json:"status,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Location    string `json:"location,omitempty"`
	Body        []byte `json:"body,omitempty"`
}

// Require is middleware for a creating route.
func (i *Idempotency) Require() gin.HandlerFunc {
	ttl := i.TTL
	if ttl == 0 {
		ttl = 24 * time.Hour
	}
	return func(c *gin.Context) {
		key := c.GetHeader(HeaderIdempotencyKey)
		if !validIdempotencyKey.MatchString(key) {
			Invalid(
				c,
				FieldError{
					Field:   "header " + HeaderIdempotencyKey,
					Message: "is required on this request: 8 to 128 letters, digits or ._:- (a UUID is ideal)",
				},
			)
			return
		}
		body, ok := readBody(c)
		if !ok {
			return
		}
		sum := sha256.Sum256(append([]byte(c.Request.Method+" "+c.Request.URL.Path+"\n"), body...))
		fp := hex.EncodeToString(sum[:])
		// Scoped to the caller: one caller's key never answers another with the first's answer.
		caller := sha256.Sum256([]byte(Principal(c).Subject))
		rkey := "idem:" + i.Service + ":" + c.FullPath() + ":" + hex.EncodeToString(caller[:8]) + ":" + key
		ctx := c.Request.Context()

		pending, _ := json.Marshal(storedAnswer{State: "pending", Fingerprint: fp})
		ok, err := i.Redis.SetNX(ctx, rkey, pending, time.Minute).Result()
		if err != nil {
			i.Log.ErrorContext(ctx, "idempotency store unavailable", "error", err.Error())
			Unavailable(c, "Retry shortly with the same Idempotency-Key.")
			return
		}
		if !ok {
			i.replay(c, rkey, fp)
			return
		}

		rec := &recorder{ResponseWriter: c.Writer}
		c.Writer = rec
		c.Next()

		status := rec.Status()
		if !replayable(status) {
			// Nothing definite happened, or the answer may change (access granted, a restriction
			// lifted, the family found): let a retry run the request again.
			_ = i.Redis.Del(context.WithoutCancel(ctx), rkey).Err()
			return
		}
		done, _ := json.Marshal(storedAnswer{State: "done", Fingerprint: fp, Status: status,
			ContentType: rec.Header().
				Get("Content-Type"),
			Location: rec.Header().Get("Location"), Body: rec.body.Bytes()})
		if err := i.Redis.Set(context.WithoutCancel(ctx), rkey, done, ttl).Err(); err != nil {
			i.Log.WarnContext(ctx, "could not store idempotent answer", "error", err.Error())
		}
	}
}

// replayable says whether an answer is kept for retries: not a failure (5xx), and not a
// refusal or absence that a later retry may find otherwise (401, 403, 404, 423 restricted, 429).
func replayable(status int) bool {
	switch status {
	case http.StatusAccepted,
		http.StatusUnauthorized,
		http.StatusForbidden,
		http.StatusNotFound,
		http.StatusLocked,
		http.StatusTooManyRequests:
		return false
	}
	return status < 500
}

func (i *Idempotency) replay(c *gin.Context, rkey, fp string) {
	raw, err := i.Redis.Get(c.Request.Context(), rkey).Bytes()
	if err != nil {
		Unavailable(c, "Retry shortly with the same Idempotency-Key.")
		return
	}
	var a storedAnswer
	if json.Unmarshal(raw, &a) != nil {
		Unavailable(c, "Retry shortly with the same Idempotency-Key.")
		return
	}
	switch {
	case a.Fingerprint != fp:
		Abort(c, Problem{Type: TypeIdempotency, Status: http.StatusUnprocessableEntity, Title: "Idempotency-Key reused",
			Detail: "This key was used for a different request; use a new key for a new request."})
	case a.State != "done":
		Abort(c, Problem{Type: TypeIdempotency, Status: http.StatusConflict, Title: "Request in progress",
			Detail: "A request with this Idempotency-Key is still being processed; retry shortly."})
	default:
		if a.Location != "" {
			c.Header("Location", a.Location)
		}
		c.Header("Idempotent-Replayed", "true")
		c.Data(a.Status, a.ContentType, a.Body)
		c.Abort()
	}
}

// recorder keeps a copy of the response body for replay.
type recorder struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.body.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}
