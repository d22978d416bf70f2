package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/plans"
	"go.temporal.io/sdk/client"
)

// stack is the running system as the demo reaches it: the four APIs it calls, tokens from
// the development issuer, and Temporal for the one operator's step.
type stack struct {
	out      io.Writer
	began    time.Time
	stamp    string // names this run's people and Idempotency-Keys, so the demo can run again
	plan     *outcomes.Plan
	issuer   *auth.DevIssuer
	temporal client.Client
	url      map[string]string // by service
}

// connect reads the stack's settings (.run/stack.env, exported by `make demo`).
func connect(ctx context.Context, planID string, out io.Writer) (*stack, error) {
	settings := map[string]string{}
	for _, k := range []string{"IDENTIFICATION_URL", "CASE_URL", "ATTACHMENT_URL", "CLAIMS_URL", "OIDC_JWKS_URL", "TEMPORAL_ADDRESS", "PAYLOAD_KEYS_FILE"} {
		if settings[k] = os.Getenv(k); settings[k] == "" {
			return nil, fmt.Errorf("%s is not set: run `make demo` after `make up` (it reads .run/stack.env)", k)
		}
	}
	ps, err := outcomes.LoadWithFolder(plans.FS, os.Getenv("FAMILYPATH_PLANS_DIR"))
	if err != nil {
		return nil, fmt.Errorf("loading the plans: %w", err)
	}
	plan, ok := ps.Latest(planID)
	if !ok {
		return nil, fmt.Errorf(
			"no plan %s: the stack loads the demo plan from plans/demo (FAMILYPATH_PLANS_DIR)",
			planID,
		)
	}
	if !plan.TestPlan {
		return nil, fmt.Errorf(
			"plan %s is a council's published plan: the demo runs only under a test plan, whose periods are minutes",
			planID,
		)
	}
	jwks := settings["OIDC_JWKS_URL"]
	if !strings.HasPrefix(jwks, "file://") {
		return nil, errors.New(
			"the stack takes tokens from your own OIDC issuer: the demo mints its people's tokens from the development issuer only",
		)
	}
	issuer, err := auth.OpenDevIssuer(filepath.Dir(strings.TrimPrefix(jwks, "file://")))
	if err != nil {
		return nil, fmt.Errorf("opening the development issuer: %w", err)
	}
	b, err := os.ReadFile(settings["PAYLOAD_KEYS_FILE"])
	if err != nil {
		return nil, fmt.Errorf("reading the payload keys: %w", err)
	}
	keys, err := keyring.Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("the payload keys: %w", err)
	}
	ns := os.Getenv("TEMPORAL_NAMESPACE")
	if ns == "" {
		ns = "default"
	}
	tc, err := temporalx.Dial(
		ctx,
		temporalx.Config{Address: settings["TEMPORAL_ADDRESS"], Namespace: ns, PayloadKeys: keys},
		nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)),
		nil,
	)
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s: %w", settings["TEMPORAL_ADDRESS"], err)
	}
	now := time.Now().UTC()
	return &stack{out: out, began: now, stamp: now.Format("20060102t150405"), plan: plan, issuer: issuer, temporal: tc,
		url: map[string]string{"identification": settings["IDENTIFICATION_URL"], "case": settings["CASE_URL"],
			"attachment": settings["ATTACHMENT_URL"], "claims": settings["CLAIMS_URL"]}}, nil
}

func (s *stack) close() { s.temporal.Close() }

// say prints a step, with the time since the demo began.
func (s *stack) say(format string, args ...any) {
	el := time.Since(s.began).Round(time.Second)
	fmt.Fprintf(s.out, "[%02d:%02d] %s\n", int(el.Minutes()), int(el.Seconds())%60, fmt.Sprintf(format, args...))
}

// call sends a request as who to a service's path and decodes the answer into into (when
// not nil). Any status but want is an error naming the call and carrying the problem.
func (s *stack) call(
	ctx context.Context,
	who auth.Principal,
	method, service, path string,
	body any,
	want int,
	into any,
	headers ...string,
) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url[service]+path, rd)
	if err != nil {
		return err
	}
	tok, err := s.issuer.Mint(who, 15*time.Minute)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s %s: %w", method, service, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s %s answered %d, want %d: %s", method, service, path, resp.StatusCode, want, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			return fmt.Errorf("%s %s %s: reading the answer: %w", method, service, path, err)
		}
	}
	return nil
}

// key is an Idempotency-Key unique to this run and step.
func (s *stack) key(step string) []string {
	return []string{"Idempotency-Key", "demo-" + s.stamp + "-" + step}
}

// until polls check every second until it is done, the context ends, or it fails.
func until(ctx context.Context, what string, check func() (bool, error)) error {
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}
