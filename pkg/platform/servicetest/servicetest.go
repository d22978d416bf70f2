// Package servicetest holds checks every service runs on itself, and the harness that
// builds a service's real API (real Postgres, Redis and Temporal from testenv, tokens from a
// development issuer) for its integration tests.
package servicetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/config"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/logging"
	"github.com/familypath/familypath/pkg/platform/redisx"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/pkg/platform/tracing"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"
	"github.com/nexus-rpc/sdk-go/nexus"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// OpenAPIMatchesRoutes fails when the service's served routes and its OpenAPI document differ.
func OpenAPIMatchesRoutes(t *testing.T, def service.Definition) {
	t.Helper()
	_, v := devIssuer(t)
	d := &service.Deps{
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics:     prometheus.NewRegistry(),
		Idempotency: &httpapi.Idempotency{Service: def.Name},
	}
	d.Guard = service.NewGuard(def, d, v)
	engine, err := service.NewEngine(def, d)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := def.Document()
	if err != nil {
		t.Fatal(err)
	}
	diff, err := httpapi.RouteDiff(engine, doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
}

// OpenAPIIsValid fails when the service's OpenAPI document is not valid OpenAPI 3.0 as
// kin-openapi reads it: every schema, reference, parameter and example. (YAML that parses is
// not enough: an unquoted description with a comma in a flow mapping makes a stray key.)
func OpenAPIIsValid(t *testing.T, def service.Definition) {
	t.Helper()
	doc := loadDocument(t, def)
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Errorf("%s's OpenAPI document is not valid: %v", def.Name, err)
	}
}

// OpenAPIFollowsHouseRules lints the service's OpenAPI document against the conventions
// (docs/api-conventions.md): every operation has an operationId in lowerCamelCase, a summary
// and a tag the document describes; every /v1 operation documents 401 and 429; every error
// answer (4xx, 5xx) is a problem (application/problem+json, the Problem schema); property
// names are snake_case.
func OpenAPIFollowsHouseRules(t *testing.T, def service.Definition) {
	t.Helper()
	doc := loadDocument(t, def)
	declared := map[string]bool{}
	for _, tag := range doc.Tags {
		declared[tag.Name] = tag.Description != ""
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			at := method + " " + path
			if !operationID.MatchString(op.OperationID) || op.Summary == "" {
				t.Errorf("%s: want an operationId in lowerCamelCase and a summary", at)
			}
			if len(op.Tags) == 0 || !declared[op.Tags[0]] {
				t.Errorf("%s: want a tag that the document's tags describe, not %v", at, op.Tags)
			}
			for code, resp := range op.Responses.Map() {
				if strings.HasPrefix(path, "/v1/") && code >= "4" && resp.Value != nil &&
					resp.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s: answer %s is not a problem (application/problem+json)", at, code)
				}
			}
			for _, code := range []string{"401", "429"} {
				if strings.HasPrefix(path, "/v1/") && op.Responses.Value(code) == nil {
					t.Errorf("%s: %s is not documented", at, code)
				}
			}
			if !hasExample(op) {
				t.Errorf("%s (%s): no example of a successful JSON answer: record the service's "+
					"(FAMILYPATH_RECORD_EXAMPLES=1 go test ./services/%s/) or give one in openapi.yaml",
					at, op.OperationID, def.Name)
			}
		}
	}
	for name, schema := range doc.Components.Schemas {
		checkPropertyNames(t, name, schema)
	}
}

// hasExample says whether the operation shows what it answers: an example on each successful
// answer with a JSON body (answers without one, or only CSV or HTML, need none).
func hasExample(op *openapi3.Operation) bool {
	for code, resp := range op.Responses.Map() {
		if !strings.HasPrefix(code, "2") || resp.Value == nil {
			continue
		}
		mt := resp.Value.Content.Get("application/json")
		if mt != nil && mt.Example == nil && len(mt.Examples) == 0 &&
			(mt.Schema == nil || mt.Schema.Value == nil || mt.Schema.Value.Example == nil) {
			return false
		}
	}
	return true
}

var (
	operationID  = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	propertyName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// checkPropertyNames fails on a property name that is not snake_case, at any depth.
func checkPropertyNames(t *testing.T, at string, ref *openapi3.SchemaRef) {
	t.Helper()
	if ref == nil || ref.Ref != "" || ref.Value == nil {
		return
	}
	for name, p := range ref.Value.Properties {
		if !propertyName.MatchString(name) {
			t.Errorf("%s.%s: property names are snake_case", at, name)
		}
		checkPropertyNames(t, at+"."+name, p)
	}
	checkPropertyNames(t, at+"[]", ref.Value.Items)
}

// devIssuer makes a development issuer for one test, and a verifier of its tokens.
func devIssuer(t *testing.T) (*auth.DevIssuer, *auth.Verifier) {
	t.Helper()
	iss := NewIssuer(t)
	return iss.Dev, iss.verifier
}

// Issuer is a development identity provider for one test: its folder (the services'
// DEV_ISSUER_DIR), the issuer that mints users' and services' tokens, and their verifier.
type Issuer struct {
	Dir      string
	Dev      *auth.DevIssuer
	verifier *auth.Verifier
}

// NewIssuer makes a development issuer for one test; several services' APIs built with it
// (Options.Issuer) trust one another's service tokens, as one identity provider serves a
// deployment.
func NewIssuer(t *testing.T) *Issuer {
	t.Helper()
	dir := t.TempDir()
	dev, err := auth.OpenDevIssuer(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(context.Background(), dev.Config())
	if err != nil {
		t.Fatal(err)
	}
	return &Issuer{Dir: dir, Dev: dev, verifier: v}
}

// API is a service's real engine over real dependencies, in a database of its own.
type API struct {
	Handler http.Handler
	Deps    *service.Deps
	Issuer  *auth.DevIssuer
	// FieldKeys is the text of the test's FIELD_KEYS ring (services with personal data), so
	// that a test can rotate it.
	FieldKeys string
	// contract finds each request's operation in the service's OpenAPI document, whose
	// responses every answer Do gets must follow.
	contract routers.Router
	service  string // the service's name, whose folder keeps its examples
	t        *testing.T
}

// Options adjust the harness: settings beside the test dependencies' (CASE_URL, say).
type Options struct {
	Env map[string]string
	// Issuer is the identity provider the API trusts (each API has its own when nil).
	Issuer *Issuer
	// Upstreams are the services the service's worker reads from, by name (contract queue
	// names), each with its base URL (another API's Serve); it calls them with its own service
	// token from Issuer, which they must share.
	Upstreams map[string]string
}

// New migrates a fresh database for def (its schema and its audit trail) and builds its API.
func New(t *testing.T, def service.Definition, o Options) *API {
	t.Helper()
	ctx := context.Background()
	addr, ns := testenv.TemporalAddress(t)
	iss := o.Issuer
	if iss == nil {
		iss = NewIssuer(t)
	}
	dev, v := iss.Dev, iss.verifier
	oidc := dev.Config()
	vars := map[string]string{
		"DATABASE_URL":           testenv.Database(t),
		"REDIS_URL":              testenv.RedisURL(t),
		"TEMPORAL_ADDRESS":       addr,
		"TEMPORAL_NAMESPACE":     ns,
		"PAYLOAD_KEYS":           testenv.PayloadKeys(t),
		"OIDC_ISSUER":            oidc.Issuer,
		"OIDC_AUDIENCE":          oidc.Audience,
		"OIDC_JWKS_URL":          oidc.JWKSURL,
		"CASE_URL":               "http://127.0.0.1:1",
		"FAMILYPATH_DEVELOPMENT": "true",
	} // the development issuer
	if def.PersonalData {
		ring, err := keyring.Generate("test-fields")
		if err != nil {
			t.Fatal(err)
		}
		vars["FIELD_KEYS"] = ring
	}
	for k, v := range o.Env {
		vars[k] = v
	}
	needs := service.Needs{DB: true, Redis: true, Temporal: true, Auth: true, PersonalData: def.PersonalData}
	for _, name := range slices.Sorted(maps.Keys(o.Upstreams)) {
		vars[strings.ToUpper(name)+"_URL"] = o.Upstreams[name]
		vars["DEV_ISSUER_DIR"] = iss.Dir
		needs.Calls = append(needs.Calls, name)
	}
	s, err := service.LoadSettings(config.FromMap(vars), def.Name, needs)
	if err != nil {
		t.Fatal(err)
	}
	d := &service.Deps{
		Settings: s,
		Log:      logging.New(testWriter{t}, "warn", def.Name, "test"),
		Metrics:  prometheus.NewRegistry(),
	}
	if d.DB, err = db.Open(ctx, s.DatabaseURL, db.Options{}); err != nil {
		t.Fatal(err)
	}
	ms, err := db.LoadMigrations(def.Migrations)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, d.DB, def.Name, ms); err != nil {
		t.Fatal(err)
	}
	if err := audit.Migrate(ctx, d.DB, def.Name); err != nil {
		t.Fatal(err)
	}
	if d.Redis, err = redisx.Open(ctx, s.RedisURL); err != nil {
		t.Fatal(err)
	}
	if d.Temporal, err = temporalx.Dial(ctx, s.Temporal, nil, d.Log, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Temporal.Close(); _ = d.Redis.Close() })
	if _, err := temporalx.RegisterSearchAttributes(ctx, d.Temporal, ns); err != nil {
		t.Fatal(err)
	}
	d.Idempotency = &httpapi.Idempotency{Redis: d.Redis, Service: def.Name, Log: d.Log}
	d.Audit.DB, d.Audit.Schema = d.DB, def.Name
	d.Guard = service.NewGuard(def, d, v)
	engine, err := service.NewEngine(def, d)
	if err != nil {
		t.Fatal(err)
	}
	traced := tracing.Handler(engine) // as service serve serves it
	a := &API{
		Handler:   traced,
		Deps:      d,
		Issuer:    dev,
		FieldKeys: vars["FIELD_KEYS"],
		contract:  contractRouter(t, def),
		service:   def.Name,
		t:         t,
	}
	if os.Getenv("FAMILYPATH_RECORD_EXAMPLES") == "1" { // every answer, however the test asks
		a.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			traced.ServeHTTP(rec, r)
			a.recordExample(r, rec)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
	return a
}

// Serve serves the API on loopback until the test ends, and answers its base URL (for
// another service's Options.Upstreams).
func (a *API) Serve() string {
	srv := httptest.NewServer(a.Handler)
	a.t.Cleanup(srv.Close)
	return srv.URL
}

// Activities are the activities the service's worker would host, by name, over the API's
// dependencies: a test calls one as the worker would run it, without a Temporal worker.
func (a *API) Activities(def service.Definition) map[string]any {
	a.t.Helper()
	r := registry{activities: map[string]any{}}
	if err := service.RegisterWorker(def, a.Deps, r); err != nil {
		a.t.Fatal(err)
	}
	return r.activities
}

// registry records the activities a service registers (worker.Registry).
type registry struct{ activities map[string]any }

func (r registry) RegisterActivityWithOptions(a any, o activity.RegisterOptions) {
	r.activities[o.Name] = a
}
func (registry) RegisterActivity(any)                                         {}
func (registry) RegisterDynamicActivity(any, activity.DynamicRegisterOptions) {}
func (registry) RegisterWorkflow(any)                                         {}
func (registry) RegisterWorkflowWithOptions(any, workflow.RegisterOptions)    {}
func (registry) RegisterDynamicWorkflow(any, workflow.DynamicRegisterOptions) {}
func (registry) RegisterNexusService(*nexus.Service)                          {}

// TemporalClient is a client of the test's Temporal server, with the test payload keys as every
// service has them and the search attributes registered; it is closed when the test ends.
func TemporalClient(t *testing.T) client.Client {
	t.Helper()
	ctx := context.Background()
	addr, ns := testenv.TemporalAddress(t)
	keys, err := keyring.Parse(testenv.PayloadKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := temporalx.Dial(
		ctx,
		temporalx.Config{Address: addr, Namespace: ns, PayloadKeys: keys},
		nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)),
		nil,
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if _, err := temporalx.RegisterSearchAttributes(ctx, c, ns); err != nil {
		t.Fatal(err)
	}
	return c
}

// Token mints an access token for p.
func (a *API) Token(p auth.Principal) string {
	a.t.Helper()
	tok, err := a.Issuer.Mint(p, time.Hour)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// Do sends a request as p (no Authorization header when p has no subject); headers are
// name, value pairs.
func (a *API) Do(p auth.Principal, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if p.Subject != "" {
		req.Header.Set("Authorization", "Bearer "+a.Token(p))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	a.Handler.ServeHTTP(w, req)
	a.followsContract(req, w)
	return w
}

// loadDocument reads the service's OpenAPI document as it is served (with the shared components).
func loadDocument(t *testing.T, def service.Definition) *openapi3.T {
	t.Helper()
	b, err := def.Document()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("%s's OpenAPI document does not load: %v", def.Name, err)
	}
	return doc
}

// contractRouters are the services' documents read for Do's checks, by service: read once
// per test binary, not for every API a test builds.
var contractRouters sync.Map

// contractRouter reads the service's OpenAPI document for Do's checks of every answer.
func contractRouter(t *testing.T, def service.Definition) routers.Router {
	t.Helper()
	if r, ok := contractRouters.Load(def.Name); ok {
		return r.(routers.Router)
	}
	doc := loadDocument(t, def)
	doc.Servers = nil // any host: the tests' requests name none
	r, err := legacyrouter.NewRouter(doc)
	if err != nil {
		t.Fatalf("%s's OpenAPI document: %v", def.Name, err)
	}
	contractRouters.Store(def.Name, r)
	return r
}

// followsContract fails the test when an answer's status, headers or body are not what the
// service's OpenAPI document gives for the operation: a handler that answers an undocumented
// shape fails its own tests. Requests are not checked (tests send wrong ones on purpose).
func (a *API) followsContract(req *http.Request, w *httptest.ResponseRecorder) {
	a.t.Helper()
	route, params, err := a.contract.FindRoute(req)
	if err != nil {
		return // not a documented route: OpenAPIMatchesRoutes answers for those
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: w.Code, Header: w.Header(), Body: io.NopCloser(bytes.NewReader(w.Body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		a.t.Errorf(
			"%s %s answered %d in a shape its OpenAPI document does not give: %v",
			req.Method,
			req.URL.Path,
			w.Code,
			err,
		)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// RotateFieldKeys checks a field key rotation over every sealed column of the service: with a
// new key first in the ring and the old after it, keys-status refuses to drop the old key while
// values need it; reseal moves all want values to the new key; the new key alone then opens
// every one and the old key alone none; a second reseal has nothing to do.
func (a *API) RotateFieldKeys(columns []sealed.Column, want int) {
	t := a.t
	t.Helper()
	ctx := context.Background()
	old := a.Deps.Settings.FieldKeys
	line, err := keyring.Generate("rotated")
	if err != nil {
		t.Fatal(err)
	}
	both, err := keyring.Parse(line + "\n" + a.FieldKeys)
	if err != nil {
		t.Fatal(err)
	}
	onlyNew, _ := keyring.Parse(line)
	var out bytes.Buffer
	if err := sealed.PrintStatus(ctx, a.Deps.DB, both, columns, old.ActiveID(), &out); !errors.Is(
		err,
		sealed.ErrKeyInUse,
	) {
		t.Errorf("the old key could be dropped before reseal: %v\n%s", err, out.String())
	}
	if n, err := sealed.Reseal(ctx, a.Deps.DB, both, columns, 2, &out); err != nil || n != want {
		t.Fatalf("reseal: %d of %d values, %v\n%s", n, want, err, out.String())
	}
	if err := sealed.PrintStatus(ctx, a.Deps.DB, both, columns, old.ActiveID(), &out); err != nil {
		t.Errorf("the old key is still needed after reseal: %v\n%s", err, out.String())
	}
	if n, err := sealed.Verify(ctx, a.Deps.DB, onlyNew, columns); err != nil || n != want {
		t.Errorf("with the new key alone %d of %d values opened: %v", n, want, err)
	}
	if _, err := sealed.Verify(ctx, a.Deps.DB, old, columns); err == nil && want > 0 {
		t.Error("the old key alone opened resealed values")
	}
	if n, err := sealed.Reseal(ctx, a.Deps.DB, both, columns, 100, &out); err != nil || n != 0 {
		t.Errorf("a second reseal: %d, %v", n, err)
	}
}

// Sample is one series of a metric: its labels and value (a counter's or a gauge's).
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Series reads the metric of that name from the API's registry, every series of it.
func (a *API) Series(name string) []Sample {
	a.t.Helper()
	families, err := a.Deps.Metrics.Gather()
	if err != nil {
		a.t.Fatal(err)
	}
	var out []Sample
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			s := Sample{Labels: map[string]string{}, Value: m.GetCounter().GetValue() + m.GetGauge().GetValue()}
			for _, l := range m.GetLabel() {
				s.Labels[l.GetName()] = l.GetValue()
			}
			out = append(out, s)
		}
	}
	return out
}
