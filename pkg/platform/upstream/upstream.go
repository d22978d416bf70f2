// Package upstream is how a service's activities read from another familypath service that
// owns the data (architecture.md: "activities fetch what they need from the owning
// service"): over its HTTP API, with the calling service's own token (role "service"),
// never with a user's.
package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/logging"
	"github.com/familypath/familypath/pkg/platform/tracing"
	"go.temporal.io/sdk/activity"
)

// ErrNotFound is the owner's 404: the record does not exist (not worth retrying).
var ErrNotFound = errors.New("not found at the owning service")

// Service is one other service.
type Service struct {
	Name  string // for errors: "identification"
	URL   string // its API, e.g. http://familypath-identification:8080
	Token auth.TokenSource
	HTTP  *http.Client // default: 10 s timeout
}

var defaultHTTP = &http.Client{Timeout: 10 * time.Second, Transport: tracing.Transport(nil)}

// GetJSON reads path (already escaped) and decodes a 200 answer into v. Other answers are
// errors naming the service and the status, never the body (it may hold personal data).
func (s *Service) GetJSON(ctx context.Context, path string, v any) error {
	tok, err := s.Token.Token(ctx)
	if err != nil {
		return err
	}
	u, err := url.JoinPath(s.URL, path)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set(logging.RequestIDHeader, requestID(ctx))
	hc := s.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v)
	case http.StatusNotFound:
		return fmt.Errorf("%s: %w", s.Name, ErrNotFound)
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return fmt.Errorf("%s answered %d", s.Name, resp.StatusCode)
	}
}

// requestID is the id the owner logs the read under: the caller's request id, or, from an
// activity, its workflow run's id (run-<uuid>), by which an operator finds the workflow in
// the Temporal UI; otherwise a new one.
func requestID(ctx context.Context) string {
	if id := logging.RequestID(ctx); id != "" {
		return id
	}
	if activity.IsActivity(ctx) {
		return "run-" + activity.GetInfo(ctx).WorkflowExecution.RunID
	}
	return "call-" + strconv.FormatInt(time.Now().UnixNano(), 36)
}
