package upstream

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/logging"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
)

type staticToken string

func (s staticToken) Token(context.Context) (string, error) { return string(s), nil }

// A read from the owning service carries a request id the owner logs: the caller's, or from
// an activity its workflow run's id, so one id finds the call in both services' logs.
func TestReadsCarryARequestIDTheOwnerLogs(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get(logging.RequestIDHeader))
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	s := &Service{Name: "owner", URL: srv.URL, Token: staticToken("t")}
	var v map[string]any
	if err := s.GetJSON(logging.WithRequestID(context.Background(), "req-12345678"), "/x", &v); err != nil {
		t.Fatal(err)
	}
	var env testsuite.WorkflowTestSuite
	ae := env.NewTestActivityEnvironment()
	ae.RegisterActivityWithOptions(
		func(ctx context.Context) error { return s.GetJSON(ctx, "/x", &v) },
		activity.RegisterOptions{Name: "read"},
	)
	if _, err := ae.ExecuteActivity("read"); err != nil {
		t.Fatal(err)
	}
	if err := s.GetJSON(context.Background(), "/x", &v); err != nil {
		t.Fatal(err)
	}
	valid := regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`) // what an API accepts (httpapi)
	if len(got) != 3 || got[0] != "req-12345678" || !strings.HasPrefix(got[1], "run-") ||
		!strings.HasPrefix(got[2], "call-") {
		t.Fatalf("request ids %q", got)
	}
	for _, id := range got {
		if !valid.MatchString(id) {
			t.Errorf("request id %q would not be taken by the owner's API", id)
		}
	}
}
