package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// answers stands in for the case service: the access each family gives (a pure data source;
// the subject here is the guard).
type answers map[string]policy.Access

func (a answers) Family(_ context.Context, _ auth.Principal, _, id string) (policy.Access, error) {
	acc, ok := a[id]
	if !ok {
		return policy.Access{}, errors.New("case service unreachable")
	}
	return acc, nil
}

func TestGuardRefusesRestrictedChangesAndFailsClosed(t *testing.T) {
	ctx := context.Background()
	gdb, err := db.Open(ctx, testenv.Database(t), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Migrate(ctx, gdb, "svc"); err != nil {
		t.Fatal(err)
	}
	trail := audit.Trail{DB: gdb, Schema: "svc"}
	dev, _ := auth.OpenDevIssuer(t.TempDir())
	v, err := auth.NewVerifier(ctx, dev.Config())
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	g := &httpapi.Guard{Verifier: v, Trail: trail, Log: quiet, Relationships: answers{
		"open":       {Relationship: policy.LeadProfessional},
		"restricted": {Relationship: policy.LeadProfessional, Restricted: true},
	}}
	r := httpapi.NewEngine(httpapi.Options{Log: quiet})
	r.Use(g.Authenticate())
	r.GET("/families/:id", func(c *gin.Context) {
		if _, ok := g.Family(c, policy.FamilyRead, c.Param("id")); ok {
			c.Status(http.StatusNoContent)
		}
	})
	r.POST("/families/:id/notes", func(c *gin.Context) {
		if _, ok := g.Family(c, policy.FamilyWrite, c.Param("id")); ok {
			c.Status(http.StatusNoContent)
		}
	})
	tok, _ := dev.Mint(auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}}, time.Hour)
	send := func(method, path string) int {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w.Code
	}
	for _, c := range []struct {
		method, path string
		status       int
		outcome      string
	}{
		{"POST", "/families/open/notes", 204, audit.Allowed},
		{"GET", "/families/restricted", 204, audit.Allowed},
		{"POST", "/families/restricted/notes", 423, audit.Refused},
		{"GET", "/families/unknown", 503, audit.Refused}, // the case service cannot answer: refused
	} {
		if got := send(c.method, c.path); got != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, got, c.status)
		}
		events, _ := trail.Query(ctx, audit.Filter{Limit: 1000})
		if last := events[len(events)-1]; last.Outcome != c.outcome {
			t.Errorf("%s %s: audited %+v", c.method, c.path, last)
		}
	}
	// When the audit trail cannot be written, a read is refused rather than left unaudited.
	sqlDB, _ := gdb.DB()
	_ = sqlDB.Close()
	if got := send("GET", "/families/open"); got != 503 {
		t.Errorf("read with the audit trail down: %d", got)
	}
}

// byCaller is the access each caller has to each family ("subject family").
type byCaller map[string]policy.Access

func (b byCaller) Family(_ context.Context, p auth.Principal, _, id string) (policy.Access, error) {
	return b[p.Subject+" "+id], nil
}

// An idempotent answer is replayed only to the caller that made it, and only once the route's
// authorisation has allowed that caller the family now: another caller with the same key is
// refused (403) if they have no relationship, and gets their own answer if they have one.
func TestIdempotentReplaysComeAfterAuthorisationAndOnlyToTheirCaller(t *testing.T) {
	ctx := context.Background()
	gdb, err := db.Open(ctx, testenv.Database(t), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Migrate(ctx, gdb, "svc"); err != nil {
		t.Fatal(err)
	}
	dev, _ := auth.OpenDevIssuer(t.TempDir())
	v, err := auth.NewVerifier(ctx, dev.Config())
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	family := "7d0f1c9e-8f57-4b8e-9d51-0c3a4d2b6e11"
	g := &httpapi.Guard{Verifier: v, Trail: audit.Trail{DB: gdb, Schema: "svc"}, Log: quiet, Relationships: byCaller{
		"cw.lead " + family:   {Relationship: policy.LeadProfessional},
		"cw.second " + family: {Relationship: policy.LeadProfessional},
	}}
	opts, _ := redis.ParseURL(testenv.RedisURL(t))
	rc := redis.NewClient(opts)
	defer rc.Close()
	idem := &httpapi.Idempotency{Redis: rc, Service: "test-" + testenv.Unique(), Log: quiet}
	r := httpapi.NewEngine(httpapi.Options{Log: quiet})
	r.Use(g.Authenticate())
	calls := 0
	r.POST("/families/:id/attachment", g.RequireFamily(policy.FamilyWrite, "id"), idem.Require(), func(c *gin.Context) {
		calls++
		c.JSON(http.StatusCreated, gin.H{"attached_by": httpapi.Principal(c).Subject, "call": calls})
	})
	send := func(subject string) *httptest.ResponseRecorder {
		tok, _ := dev.Mint(auth.Principal{Subject: subject, Roles: []string{auth.RoleCaseworker}}, time.Hour)
		req := httptest.NewRequest("POST", "/families/"+family+"/attachment", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(httpapi.HeaderIdempotencyKey, "attach-key-0001")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	if w := send("cw.lead"); w.Code != http.StatusCreated || calls != 1 {
		t.Fatalf("lead: %d %s", w.Code, w.Body)
	}
	if w := send("cw.lead"); w.Code != http.StatusCreated || w.Header().Get("Idempotent-Replayed") != "true" ||
		calls != 1 {
		t.Errorf("the lead's retry was not replayed: %d, calls %d", w.Code, calls)
	}
	if w := send("cw.stranger"); w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "cw.lead") {
		t.Errorf("a caller with no relationship got %d %s", w.Code, w.Body)
	}
	if w := send("cw.second"); w.Code != http.StatusCreated || w.Header().Get("Idempotent-Replayed") != "" ||
		!strings.Contains(w.Body.String(), "cw.second") {
		t.Errorf("another allowed caller with the same key got another's answer: %d %s", w.Code, w.Body)
	}
}
