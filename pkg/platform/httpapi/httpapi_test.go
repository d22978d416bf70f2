package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/metrics"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func do(t *testing.T, h http.Handler, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func problemOf(t *testing.T, w *httptest.ResponseRecorder) Problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, ProblemContentType) {
		t.Fatalf("content type %q, want problem+json; body %s", ct, w.Body)
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

type thing struct {
	Name  string   `json:"name"  validate:"required,max=5"`
	Codes []string `json:"codes" validate:"required,min=2,dive,oneof=A B C"`
	Count int      `json:"count" validate:"min=0,max=10"`
}

func engine(checks ...metrics.Check) *gin.Engine {
	r := NewEngine(
		Options{
			Log:             quiet,
			Registerer:      prometheus.NewRegistry(),
			Checks:          checks,
			OpenAPI:         []byte("openapi: 3.0.3"),
			MaxBodyBytes:    256,
			RouteBodyLimits: map[string]int64{"POST /uploads/:kind": 1024},
		},
	)
	r.POST("/uploads/:kind", func(c *gin.Context) {
		n, err := io.Copy(io.Discard, c.Request.Body)
		if err != nil {
			Abort(c, Problem{Type: TypeTooLarge, Status: http.StatusRequestEntityTooLarge})
			return
		}
		c.JSON(http.StatusCreated, gin.H{"bytes": n})
	})
	r.POST("/things", func(c *gin.Context) {
		var v thing
		if BindJSON(c, &v) {
			c.JSON(http.StatusCreated, v)
		}
	})
	r.GET("/panic", func(*gin.Context) { panic("secret detail") })
	r.PUT("/things/:id", func(c *gin.Context) {
		if RequireIfMatch(c, 3) {
			SetETag(c, 4)
			c.Status(http.StatusNoContent)
		}
	})
	return r
}

func TestValidationAnswersFieldLevelProblems(t *testing.T) {
	w := do(t, engine(), "POST", "/things", `{"name":"toolong","codes":["A","Z"],"count":11}`)
	if w.Code != 400 {
		t.Fatalf("status %d", w.Code)
	}
	p := problemOf(t, w)
	got := map[string]string{}
	for _, e := range p.Errors {
		got[e.Field] = e.Message
	}
	for _, f := range []string{"name", "codes[1]", "count"} {
		if got[f] == "" {
			t.Errorf("no error for field %s: %v", f, p.Errors)
		}
	}
	if p.RequestID == "" || w.Header().Get(HeaderRequestID) != p.RequestID {
		t.Errorf("request id missing or different: %q vs %q", p.RequestID, w.Header().Get(HeaderRequestID))
	}

	for body, field := range map[string]string{`{"name":"a","codes":["A","B"],"extra":1}`: "extra", `{"name":5}`: "name", `{`: "body", ``: "body"} {
		p := problemOf(t, do(t, engine(), "POST", "/things", body))
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("body %q: errors %v, want one for %s", body, p.Errors, field)
		}
	}
	if w := do(t, engine(), "POST", "/things", `{"name":"a","codes":["A","B"]}`); w.Code != 201 {
		t.Errorf("valid request: %d %s", w.Code, w.Body)
	}
}

func TestBodyLimitPanicAndUnknownRoutesGiveGenericProblems(t *testing.T) {
	if w := do(t, engine(), "POST", "/things", `{"name":"`+strings.Repeat("x", 300)+`"}`); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", w.Code)
	}
	if w := do(t, engine(), "POST", "/uploads/a", strings.Repeat("x", 1000)); w.Code != http.StatusCreated {
		t.Errorf("a route with its own limit refused a body under it: %d", w.Code)
	}
	if w := do(t, engine(), "POST", "/uploads/a", strings.Repeat("x", 1025)); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a route with its own limit took a body over it: %d", w.Code)
	}
	w := do(t, engine(), "GET", "/panic", "")
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret") {
		t.Errorf("panic answered %d %s", w.Code, w.Body)
	}
	problemOf(t, w)
	if w := do(t, engine(), "GET", "/nowhere", ""); w.Code != 404 {
		t.Errorf("unknown route: %d", w.Code)
	}
	if w := do(t, engine(), "DELETE", "/things", ""); w.Code != 405 {
		t.Errorf("wrong method: %d", w.Code)
	}
}

func TestIfMatch(t *testing.T) {
	if w := do(t, engine(), "PUT", "/things/1", "{}"); w.Code != http.StatusPreconditionRequired {
		t.Errorf("missing If-Match: %d", w.Code)
	}
	w := do(t, engine(), "PUT", "/things/1", "{}", "If-Match", `"v2"`)
	if w.Code != http.StatusPreconditionFailed || w.Header().Get("ETag") != `"v3"` {
		t.Errorf("stale If-Match: %d etag %q", w.Code, w.Header().Get("ETag"))
	}
	if w := do(t, engine(), "PUT", "/things/1", "{}", "If-Match", `W/"v3"`); w.Code != 204 ||
		w.Header().Get("ETag") != `"v4"` {
		t.Errorf("current If-Match: %d", w.Code)
	}
}

func TestReadyzReportsEachDependency(t *testing.T) {
	ok := metrics.Check{Name: "postgres", Ping: func(context.Context) error { return nil }}
	down := metrics.Check{Name: "redis", Ping: func(context.Context) error { return errors.New("dial tcp: refused") }}
	if w := do(t, engine(ok), "GET", "/readyz", ""); w.Code != 200 {
		t.Errorf("ready: %d", w.Code)
	}
	w := do(t, engine(ok, down), "GET", "/readyz", "")
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"redis":"unreachable"`) ||
		strings.Contains(w.Body.String(), "refused") {
		t.Errorf("not ready: %d %s", w.Code, w.Body)
	}
	if w := do(t, engine(down), "GET", "/healthz", ""); w.Code != 200 {
		t.Errorf("liveness must not depend on dependencies: %d", w.Code)
	}
}

func TestCursorPagination(t *testing.T) {
	type row struct{ ID int }
	rows := []row{{1}, {2}, {3}}
	p := NewPage(rows, 2, func(r row) any { return map[string]int{"after": r.ID} })
	if len(p.Items) != 2 || p.NextCursor == "" {
		t.Fatalf("page %+v", p)
	}
	r := gin.New()
	r.GET("/l", func(c *gin.Context) {
		pr, ok := ParsePage(c)
		if !ok {
			return
		}
		var pos map[string]int
		has, err := pr.DecodeCursor(&pos)
		c.JSON(200, gin.H{"limit": pr.Limit, "has": has, "after": pos["after"], "err": err != nil})
	})
	w := do(t, r, "GET", "/l?limit=2&cursor="+p.NextCursor, "")
	if !strings.Contains(w.Body.String(), `"after":2`) || !strings.Contains(w.Body.String(), `"limit":2`) {
		t.Errorf("cursor round trip: %s", w.Body)
	}
	if w := do(t, r, "GET", "/l?limit=0&cursor=not-a-cursor", ""); w.Code != 400 || len(problemOf(t, w).Errors) != 2 {
		t.Errorf("bad page params: %d %s", w.Code, w.Body)
	}
	if last := NewPage(rows, 5, func(r row) any { return r.ID }); last.NextCursor != "" || len(last.Items) != 3 {
		t.Errorf("last page %+v", last)
	}
}

func TestIdempotencyReplaysTheFirstAnswer(t *testing.T) {
	opts, _ := redis.ParseURL(testenv.RedisURL(t))
	rc := redis.NewClient(opts)
	defer rc.Close()
	idem := &Idempotency{Redis: rc, Service: "test-" + testenv.Unique(), Log: quiet}
	calls, fail := 0, false
	r := engine()
	r.POST("/orders", idem.Require(), func(c *gin.Context) {
		calls++
		if fail {
			c.Status(http.StatusServiceUnavailable)
			return
		}
		c.Header("Location", "/orders/1")
		c.JSON(http.StatusCreated, gin.H{"n": calls})
	})

	if w := do(t, r, "POST", "/orders", `{}`); w.Code != 400 {
		t.Errorf("missing key: %d", w.Code)
	}
	first := do(t, r, "POST", "/orders", `{"a":1}`, HeaderIdempotencyKey, "key-00000001")
	again := do(t, r, "POST", "/orders", `{"a":1}`, HeaderIdempotencyKey, "key-00000001")
	if first.Code != 201 || again.Code != 201 || again.Body.String() != first.Body.String() || calls != 1 {
		t.Fatalf("replay: %d %s / %d %s, calls %d", first.Code, first.Body, again.Code, again.Body, calls)
	}
	if again.Header().Get("Location") != "/orders/1" || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed headers: %v", again.Header())
	}
	if w := do(t, r, "POST", "/orders", `{"a":2}`, HeaderIdempotencyKey, "key-00000001"); w.Code != 422 {
		t.Errorf("same key, other body: %d", w.Code)
	}

	fail = true
	if w := do(t, r, "POST", "/orders", `{}`, HeaderIdempotencyKey, "key-00000002"); w.Code != 503 {
		t.Fatalf("failing handler: %d", w.Code)
	}
	fail = false
	if w := do(t, r, "POST", "/orders", `{}`, HeaderIdempotencyKey, "key-00000002"); w.Code != 201 || calls != 3 {
		t.Errorf("a failed request must run again on retry: %d, calls %d", w.Code, calls)
	}
}

func TestRouteDiff(t *testing.T) {
	r := gin.New()
	r.GET("/v1/things/:id", func(*gin.Context) {})
	r.POST("/v1/things", func(*gin.Context) {})
	// Every /v1 operation documents 401, 429 and 503 (any route can give them).
	spec := []byte(`openapi: 3.0.3
paths:
  /v1/things/{id}:
    get: { responses: { "200": {}, "401": {}, "429": {}, "503": {} } }
    parameters: []
  /v1/others:
    get: { responses: { "200": {}, "401": {} } }
`)
	diff, err := RouteDiff(r, spec)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /v1/others: documents no 429 answer", "GET /v1/others: documents no 503 answer",
		"documented but not served: GET /v1/others", "served but not documented: POST /v1/things"}
	if strings.Join(diff, "|") != strings.Join(want, "|") {
		t.Errorf("diff = %v", diff)
	}
	if _, err := RouteDiff(r, []byte("swagger: '2.0'")); err == nil {
		t.Error("accepted a non-OpenAPI-3 document")
	}
}

func TestEveryAnswerCarriesTheSecurityHeaders(t *testing.T) {
	h := engine()
	for _, path := range []string{"/healthz", "/no-such-route"} {
		w := do(t, h, "GET", path, "")
		for k, v := range map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
	}
}

func TestRateLimitCountsEachCallerAcrossReplicas(t *testing.T) {
	opts, _ := redis.ParseURL(testenv.RedisURL(t))
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	service := "ratelimit-" + testenv.Unique()
	replica := func() *gin.Engine {
		r := engine()
		at := time.Date(2026, 11, 24, 9, 30, 15, 0, time.UTC) // one window for the whole test
		lim := &RateLimiter{Redis: rdb, Service: service, PerMinute: 3, Log: quiet, Now: func() time.Time { return at }}
		r.GET("/limited/:who", func(c *gin.Context) {
			if lim.Allow(c, c.Param("who")) {
				c.Status(http.StatusNoContent)
			}
		})
		return r
	}
	a, b := replica(), replica()
	codes := []int{}
	for i := 0; i < 4; i++ {
		h := a
		if i%2 == 1 {
			h = b
		}
		codes = append(codes, do(t, h, "GET", "/limited/alice", "").Code)
	}
	if codes[0] != 204 || codes[2] != 204 || codes[3] != 429 {
		t.Errorf("alice: %v", codes)
	}
	w := do(t, a, "GET", "/limited/alice", "")
	if w.Header().Get("Retry-After") == "" || problemOf(t, w).Type != TypeRateLimited {
		t.Errorf("over the limit: %d %v", w.Code, w.Header())
	}
	if w := do(t, a, "GET", "/limited/bob", ""); w.Code != 204 {
		t.Errorf("bob is limited by alice's requests: %d", w.Code)
	}
	// Redis down: requests go through (limits protect; they do not decide access).
	down := &RateLimiter{
		Redis:     redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond}),
		Service:   service,
		PerMinute: 1,
		Log:       quiet,
	}
	r := engine()
	r.GET("/x", func(c *gin.Context) {
		first := down.Allow(c, "carol") // over the limit of 1 on the second, were Redis counting
		if first && down.Allow(c, "carol") {
			c.Status(http.StatusNoContent)
		}
	})
	if w := do(t, r, "GET", "/x", ""); w.Code != 204 {
		t.Errorf("redis down: %d", w.Code)
	}
}

func TestRequestsHaveADeadline(t *testing.T) {
	r := NewEngine(
		Options{
			Log:             quiet,
			RequestTimeout:  50 * time.Millisecond,
			RouteBodyLimits: map[string]int64{"POST /stream": 1 << 20},
		},
	)
	deadline := func(c *gin.Context) {
		_, ok := c.Request.Context().Deadline()
		c.String(http.StatusOK, "%v", ok)
	}
	r.GET("/work", deadline)
	r.POST("/stream", deadline)
	if w := do(t, r, "GET", "/work", ""); w.Body.String() != "true" {
		t.Error("an ordinary request has no deadline")
	}
	if w := do(t, r, "POST", "/stream", ""); w.Body.String() != "false" {
		t.Error("a streaming upload is cut off by the request timeout")
	}
}

// A refusal or absence is never kept for replay: a retry after access is granted, a
// restriction lifted or the record found runs the request.
func TestIdempotencyKeepsNoRefusal(t *testing.T) {
	opts, _ := redis.ParseURL(testenv.RedisURL(t))
	rc := redis.NewClient(opts)
	defer rc.Close()
	idem := &Idempotency{Redis: rc, Service: "test-" + testenv.Unique(), Log: quiet}
	status, calls := http.StatusForbidden, 0
	r := engine()
	r.POST("/orders", idem.Require(), func(c *gin.Context) {
		calls++
		c.Status(status)
	})
	for _, refused := range []int{http.StatusForbidden, http.StatusUnauthorized, http.StatusNotFound, http.StatusLocked, http.StatusTooManyRequests} {
		status = refused
		key := fmt.Sprintf("refused-%d", refused)
		if w := do(t, r, "POST", "/orders", `{}`, HeaderIdempotencyKey, key); w.Code != refused {
			t.Fatalf("%d: answered %d", refused, w.Code)
		}
		status = http.StatusCreated
		before := calls
		if w := do(t, r, "POST", "/orders", `{}`, HeaderIdempotencyKey, key); w.Code != http.StatusCreated ||
			calls != before+1 {
			t.Errorf("after a %d the retry was not run: %d, calls %d", refused, w.Code, calls-before)
		}
	}
}

// The client is the connection's address unless it comes through a configured proxy: a
// client cannot pick the address its rate limit is counted under with X-Forwarded-For.
func TestOnlyTrustedProxiesNameTheClient(t *testing.T) {
	for _, c := range []struct {
		trusted []string
		want    string
	}{
		{nil, "10.0.0.9"},
		{[]string{"192.168.0.0/16"}, "10.0.0.9"},
		{[]string{"10.0.0.0/8"}, "203.0.113.7"},
	} {
		r := NewEngine(Options{Log: quiet, TrustedProxies: c.trusted})
		var got string
		r.GET("/who", func(g *gin.Context) { got = g.ClientIP() })
		req := httptest.NewRequest("GET", "/who", nil)
		req.RemoteAddr = "10.0.0.9:40000"
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		r.ServeHTTP(httptest.NewRecorder(), req)
		if got != c.want {
			t.Errorf("trusting %v: the client is %s, want %s", c.trusted, got, c.want)
		}
	}
}
