package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/gin-gonic/gin"
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
