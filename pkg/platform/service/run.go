package service

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/access"
	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/config"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/erasure"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/logging"
	"github.com/familypath/familypath/pkg/platform/metrics"
	"github.com/familypath/familypath/pkg/platform/redisx"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/pkg/platform/tracing"
	"github.com/familypath/familypath/pkg/platform/upstream"
	"github.com/familypath/familypath/plans"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// Definition is what a service brings; the platform does the rest.
type Definition struct {
	// Name is the service's name, its Postgres schema and its Temporal task queue.
	Name string
	// Migrations holds NNNN_name.sql files for the service's schema.
	Migrations fs.FS
	// OpenAPI is the service's OpenAPI 3 document; Document adds the shared components to it.
	OpenAPI []byte
	// OpenAPIExamples are examples of its answers by operationId and status (JSON, recorded
	// from its tests: FAMILYPATH_RECORD_EXAMPLES=1); Document puts them in.
	OpenAPIExamples []byte
	// Routes adds the service's API routes to the engine.
	Routes func(d *Deps, r *gin.Engine) error
	// Activities registers the service's activities on its task queue.
	Activities func(d *Deps, r worker.Registry) error
	// BodyLimits raises the request body limit of named routes ("POST /v1/uploads"), for
	// uploads that stream large files; every other route keeps the platform's 1 MiB.
	BodyLimits map[string]int64
	// Commands are the service's own subcommands beside serve, worker and migrate (batch
	// work an analyst runs, for example), each with the dependencies it needs.
	Commands map[string]Command
	// Relationships answers "may this user see family X?" from the service's own data (the
	// case service); every other service asks the case service at CASE_URL.
	Relationships func(d *Deps) httpapi.Relationships
	// PersonalData: the service's serve and worker read or write sealed personal data, so
	// they need FIELD_KEYS (its own commands say so in their Needs).
	PersonalData bool
	// Calls names the services whose APIs the worker's activities read, with the service's
	// own token (Deps.Upstream).
	Calls []string
	// Sealed lists every column the service seals under FIELD_KEYS: the service then has the
	// commands reseal (after a key rotation) and keys-status (rows under each key).
	Sealed []sealed.Column
	// SubjectAccess is where the service holds data about a person and their families: the
	// service then has the command subject-access.
	SubjectAccess *SubjectAccess
	// Erasure removes the service's rows about a family past its retention period (Hold and
	// Statements; the worker fills in the database and trail): its worker then hosts the
	// EraseFamily activity that the family's FamilyRetention workflow runs.
	Erasure *erasure.Family
}

// Document is the service's OpenAPI document as it is served at /openapi.yaml and checked in
// tests: its own, with the components every service shares (httpapi.WithSharedComponents).
func (def Definition) Document() ([]byte, error) {
	doc, err := httpapi.WithExamples(def.OpenAPI, def.OpenAPIExamples)
	if err != nil {
		return nil, err
	}
	return httpapi.WithSharedComponents(doc)
}

// Command is a service's own subcommand.
type Command struct {
	Summary string // one line for the usage text
	Needs   Needs
	// Run does the work with the opened dependencies and the arguments after the subcommand;
	// it writes what it reports to out.
	Run func(ctx context.Context, d *Deps, args []string, out io.Writer) error
}

// builtin are every service's own subcommands, with what each does.
var builtin = []struct{ name, summary string }{
	{"serve", "serve the API (HTTP_ADDR) with its metrics and health (METRICS_ADDR)"},
	{"worker", "run the service's Temporal worker: its activities on its task queue"},
	{"migrate", "apply the service's database migrations, then its audit trail's"},
	{"audit-verify", "walk the service's audit trail end to end; exit non-zero at the first break"},
	{"version", "print the build's version"},
}

// usage writes the service's subcommands with what each does.
func usage(w io.Writer, def Definition) {
	fmt.Fprintf(
		w,
		"usage: %s <subcommand> [flags]   (%s <subcommand> --help for its flags)\n\nsubcommands:\n",
		def.Name,
		def.Name,
	)
	for _, b := range builtin {
		fmt.Fprintf(w, "  %-18s %s\n", b.name, b.summary)
	}
	names := make([]string, 0, len(def.Commands))
	for name := range def.Commands {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-18s %s\n", n, def.Commands[n].Summary)
	}
	fmt.Fprintln(w, "\nSettings come from the environment (docs/configuration.md).")
}

// wantsHelp says whether a subcommand's arguments ask for its usage.
func wantsHelp(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "--help" || a == "-help" })
}

// Deps are the open connections a service's code uses.
type Deps struct {
	Settings Settings
	Log      *slog.Logger
	DB       *gorm.DB
	Redis    *redis.Client
	Temporal client.Client
	Metrics  *prometheus.Registry
	// Idempotency is the middleware for creating routes.
	Idempotency *httpapi.Idempotency
	// Guard authenticates API requests, decides access and keeps the audit trail (serve).
	Guard *httpapi.Guard
	// Audit is the service's audit trail.
	Audit audit.Trail

	plansOnce sync.Once
	plans     *outcomes.Plans
	plansErr  error
}

// Plans are the published Outcomes Plans: the shipped ones and, when FAMILYPATH_PLANS_DIR
// names a folder (the chart's ConfigMap), a council's own; read once, for the API and the
// worker alike.
func (d *Deps) Plans() (*outcomes.Plans, error) {
	d.plansOnce.Do(func() { d.plans, d.plansErr = outcomes.LoadWithFolder(plans.FS, d.Settings.PlansDir) })
	return d.plans, d.plansErr
}

// SchedulePlans makes, with schedule, the Temporal Schedules of the latest version of every
// plan (shipped, and in FAMILYPATH_PLANS_DIR), and logs what was made, kept and passed over.
func SchedulePlans(d *Deps, what string, schedule func(*outcomes.Plan) (temporalx.ScheduleReport, error)) error {
	ps, err := d.Plans()
	if err != nil {
		return err
	}
	for _, id := range ps.IDs() {
		p, _ := ps.Latest(id)
		rep, err := schedule(p)
		if err != nil {
			return fmt.Errorf("schedule the %s of %s: %w", what, id, err)
		}
		d.Log.Info(
			what+" scheduled",
			"plan",
			id,
			"version",
			p.Version,
			"created",
			len(rep.Created),
			"existing",
			len(rep.Existing),
			"closed",
			len(rep.Closed),
		)
	}
	return nil
}

// Main runs the subcommand named in os.Args and exits with its status: 0, 2 for a usage
// error, 1 for a failure.
func Main(def Definition) {
	if err := Run(context.Background(), def, os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", def.Name, err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// Run runs one subcommand: serve, worker, migrate or version.
func Run(ctx context.Context, def Definition, args []string, stderr io.Writer) error {
	def.Commands = withDataCommands(def)
	if len(args) < 1 {
		usage(stderr, def)
		return errUsage
	}
	mode := args[0]
	switch mode {
	case "-h", "--help", "-help", "help":
		usage(os.Stdout, def)
		return nil
	case "--version", "-version":
		mode = "version"
	}
	if cmd, own := def.Commands[mode]; own && wantsHelp(args[1:]) {
		// Its flags, without settings or connections: a command parses its flags first.
		err := cmd.Run(ctx, &Deps{Log: slog.New(slog.DiscardHandler)}, args[1:], os.Stdout)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if slices.Contains([]string{"serve", "worker", "migrate", "audit-verify"}, mode) && wantsHelp(args[1:]) {
		usage(os.Stdout, def)
		return nil
	}
	needs := map[string]Needs{
		"serve":   {DB: true, Redis: true, Temporal: true, Auth: true},
		"worker":  {DB: true, Redis: true, Temporal: true},
		"migrate": {DB: true, Owner: true},
		// audit-verify walks the service's audit trail and exits non-zero on a break.
		"audit-verify": {DB: true},
	}
	if mode == "version" {
		fmt.Fprintln(stderr, def.Name, Version)
		return nil
	}
	for _, m := range []string{"serve", "worker"} {
		n := needs[m]
		n.PersonalData = def.PersonalData
		needs[m] = n
	}
	w := needs["worker"]
	w.Calls = def.Calls
	needs["worker"] = w
	cmd, own := def.Commands[mode]
	if own {
		needs[mode] = cmd.Needs
	}
	need, ok := needs[mode]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown subcommand %q\n\n", def.Name, mode)
		usage(stderr, def)
		return errUsage
	}
	settings, err := LoadSettings(config.FromOS(), def.Name, need)
	if err != nil {
		return err
	}
	log := logging.New(stderr, settings.LogLevel, def.Name, mode)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	stopTracing, err := StartTracing(ctx, def.Name, log)
	if err != nil {
		return err
	}
	defer stopTracing()

	d, closeDeps, err := open(ctx, def, settings, need, log)
	if err != nil {
		log.Error("start failed", "error", err.Error())
		return err
	}
	defer closeDeps()

	switch {
	case own:
		return cmd.Run(ctx, d, args[1:], stderr)
	case mode == "migrate":
		return migrate(ctx, def, d)
	case mode == "audit-verify":
		return PrintAuditReport(ctx, d.Audit, os.Stdout)
	case mode == "serve":
		return serve(ctx, def, d)
	default:
		return runWorker(ctx, def, d)
	}
}

// StartTracing starts OpenTelemetry tracing as the environment says (off unless an OTLP
// endpoint is set: tracing.Start) and returns what flushes it at exit, within 5 seconds.
func StartTracing(ctx context.Context, name string, log *slog.Logger) (func(), error) {
	shutdown, err := tracing.Start(ctx, os.Getenv, name, Version)
	if err != nil {
		return nil, err
	}
	if tracing.Enabled(os.Getenv) {
		log.Info("tracing on: spans are exported over OTLP")
	}
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := shutdown(sctx); err != nil {
			log.Warn("tracing: spans not flushed at exit", "error", err.Error())
		}
	}, nil
}

func open(ctx context.Context, def Definition, s Settings, need Needs, log *slog.Logger) (*Deps, func(), error) {
	d := &Deps{Settings: s, Log: log, Metrics: metrics.NewRegistry()}
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	var err error
	if need.DB {
		if d.DB, err = db.Open(ctx, s.DatabaseURL, db.Options{Log: log}); err != nil {
			return nil, closeAll, err
		}
		closers = append(closers, func() {
			if sqlDB, e := d.DB.DB(); e == nil {
				_ = sqlDB.Close()
			}
		})
	}
	if need.Redis {
		if d.Redis, err = redisx.Open(ctx, s.RedisURL); err != nil {
			closeAll()
			return nil, func() {}, err
		}
		closers = append(closers, func() { _ = d.Redis.Close() })
		d.Idempotency = &httpapi.Idempotency{Redis: d.Redis, Service: def.Name, Log: log}
	}
	if need.Temporal {
		if d.Temporal, err = temporalx.Dial(ctx, s.Temporal, nil, log, d.Metrics); err != nil {
			closeAll()
			return nil, func() {}, err
		}
		closers = append(closers, d.Temporal.Close)
	}
	if need.DB {
		d.Audit = audit.Trail{
			DB:     d.DB,
			Schema: def.Name,
			Key:    s.AuditKey,
			Anchor: auditAnchor(def.Name, log, d.Metrics),
			Failed: AuditWriteFailures(def.Name, d.Metrics),
		}
	}
	if need.Auth {
		v, err := auth.NewVerifier(ctx, s.OIDC)
		if err != nil {
			closeAll()
			return nil, func() {}, err
		}
		d.Guard = NewGuard(def, d, v)
	}
	return d, closeAll, nil
}

// NewGuard is the service's access control: tokens checked by v, refusals and record
// access in the service's audit trail, relationships from the service itself or the case
// service.
func NewGuard(def Definition, d *Deps, v *auth.Verifier) *httpapi.Guard {
	// Requests' audit rows go through one batcher (group commit): reads do not queue for the chain one by one.
	g := &httpapi.Guard{Verifier: v, Trail: &audit.Batcher{Trail: d.Audit}, Log: d.Log,
		Limiter: &httpapi.RateLimiter{
			Redis:     d.Redis,
			Service:   def.Name,
			PerMinute: d.Settings.RateLimitPerMinute,
			Log:       d.Log,
		}}
	if def.Relationships != nil {
		g.Relationships = def.Relationships(d)
	} else if d.Settings.CaseURL != "" {
		g.Relationships = &access.Client{CaseURL: d.Settings.CaseURL, Redis: d.Redis, Log: d.Log}
	}
	return g
}

// Upstream is a service named in the Definition's Calls, reached with this service's token.
func (d *Deps) Upstream(name string) *upstream.Service {
	return &upstream.Service{Name: name, URL: d.Settings.Upstreams[name], Token: d.Settings.ServiceToken}
}

func (d *Deps) checks() []metrics.Check {
	var cs []metrics.Check
	if d.DB != nil {
		cs = append(
			cs,
			metrics.Check{Name: "postgres", Ping: func(ctx context.Context) error { return db.Ping(ctx, d.DB) }},
		)
	}
	if d.Redis != nil {
		cs = append(
			cs,
			metrics.Check{Name: "redis", Ping: func(ctx context.Context) error { return d.Redis.Ping(ctx).Err() }},
		)
	}
	if d.Temporal != nil {
		cs = append(
			cs,
			metrics.Check{
				Name: "temporal",
				Ping: func(ctx context.Context) error { return temporalx.Ping(ctx, d.Temporal) },
			},
		)
	}
	return cs
}

// PrintAuditReport prints what the audit trail's verification found, as JSON; a broken
// chain is an error (exit status 1).
func PrintAuditReport(ctx context.Context, trail audit.Trail, out io.Writer) error {
	rep, err := trail.Verify(ctx)
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Fprintln(out, string(b))
	if !rep.OK() {
		return fmt.Errorf("the audit trail is broken at event %d: %s", rep.BrokenAt, rep.Problem)
	}
	return nil
}

// NewEngine builds the service's API with the platform's conventions and its routes.
func NewEngine(def Definition, d *Deps) (*gin.Engine, error) {
	doc, err := def.Document()
	if err != nil {
		return nil, err
	}
	r := httpapi.NewEngine(
		httpapi.Options{
			Log:             d.Log,
			Registerer:      d.Metrics,
			Checks:          d.checks(),
			OpenAPI:         doc,
			RouteBodyLimits: def.BodyLimits,
			RequestTimeout:  d.Settings.RequestTimeout,
			TrustedProxies:  d.Settings.TrustedProxies,
		},
	)
	if d.Guard == nil {
		return nil, errors.New("the API needs its guard (OIDC settings)")
	}
	// Every route from here on needs a verified access token.
	r.Use(d.Guard.Authenticate())
	auditRoutes(r, d)
	if def.Routes != nil {
		if err := def.Routes(d, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func serve(ctx context.Context, def Definition, d *Deps) error {
	checkAuditTail(ctx, d)
	engine, err := NewEngine(def, d)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return httpapi.Serve(ctx, d.Log, "api", d.Settings.HTTPAddr, tracing.Handler(engine), d.Settings.ShutdownGrace)
	})
	g.Go(func() error { return serveOps(ctx, d) })
	return g.Wait()
}

// serveOps serves metrics, /healthz and /readyz: ready while the dependencies answer and,
// for a worker, while Temporal sees its pollers (extra checks).
func serveOps(ctx context.Context, d *Deps, extra ...metrics.Check) error {
	return httpapi.Serve(
		ctx,
		d.Log,
		"metrics",
		d.Settings.MetricsAddr,
		metrics.Handler(d.Log, d.Metrics, append(d.checks(), extra...)),
		d.Settings.ShutdownGrace,
	)
}

// DescribeActivityName is the activity every service worker hosts on its own task queue, so
// that operators and end-to-end tests can prove a worker of that service is polling.
func DescribeActivityName(service string) string { return service + ".Describe" }

// RegisterWorker registers the Describe activity and the service's own activities.
func RegisterWorker(def Definition, d *Deps, r worker.Registry) error {
	r.RegisterActivityWithOptions(func(ctx context.Context) (*familypathv1.ServiceDescription, error) {
		v, err := db.SchemaVersion(ctx, d.DB, def.Name)
		if err != nil {
			return nil, err
		}
		return &familypathv1.ServiceDescription{Service: def.Name, Version: Version, SchemaVersion: v}, nil
	}, activity.RegisterOptions{Name: DescribeActivityName(def.Name)})
	if def.Erasure != nil {
		e := *def.Erasure
		e.DB, e.Trail = d.DB, d.Audit
		r.RegisterActivityWithOptions(e.Erase, activity.RegisterOptions{Name: EraseActivityName(def.Name)})
	}
	if def.Activities != nil {
		return def.Activities(d, r)
	}
	return nil
}

// EraseActivityName is the activity a service hosts when it declares Erasure: a family's records
// erased past their retention period (proto/contract names each).
func EraseActivityName(service string) string { return service + ".EraseFamily" }

func runWorker(ctx context.Context, def Definition, d *Deps) error {
	checkAuditTail(ctx, d)
	identity := temporalx.WorkerIdentity(def.Name)
	w := worker.New(
		d.Temporal,
		def.Name,
		worker.Options{Identity: identity, WorkerStopTimeout: d.Settings.WorkerStopTimeout},
	)
	if err := RegisterWorker(def, d, w); err != nil {
		return err
	}
	polling := temporalx.PollerCheck{
		Client:    d.Temporal,
		TaskQueue: def.Name,
		Type:      enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		Identity:  identity,
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveOps(ctx, d, metrics.Check{Name: "pollers", Ping: polling.Ping}) })
	g.Go(func() error { return RunTemporalWorker(ctx, w) })
	return g.Wait()
}

// RunTemporalWorker runs w until ctx ends, then stops it (letting running activities finish
// within the worker's stop timeout).
func RunTemporalWorker(ctx context.Context, w worker.Worker) error {
	if err := w.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	w.Stop()
	return nil
}

// withDataCommands adds the commands of a service that holds personal data: subject-access
// where it declares SubjectAccess, reseal and keys-status where it seals columns.
func withDataCommands(def Definition) map[string]Command {
	cmds := maps.Clone(def.Commands)
	if cmds == nil {
		cmds = map[string]Command{}
	}
	if def.SubjectAccess != nil {
		cmds["subject-access"] = subjectAccessCommand(def)
	}
	if len(def.Sealed) == 0 {
		return cmds
	}
	need := Needs{DB: true, PersonalData: true}
	cmds["reseal"] = Command{
		Summary: "seal every sealed column again under FIELD_KEYS' first key, after a rotation (safe to stop and run again)",
		Needs:   need,
		Run: func(ctx context.Context, d *Deps, args []string, out io.Writer) error {
			fs := flag.NewFlagSet("reseal", flag.ContinueOnError)
			fs.SetOutput(out)
			batch := fs.Int("batch", 5000, "values resealed in one transaction")
			if err := fs.Parse(args); err != nil {
				return err
			}
			_, err := sealed.Reseal(ctx, d.DB, d.Settings.FieldKeys, def.Sealed, *batch, out)
			if err == nil {
				err = sealed.PrintStatus(ctx, d.DB, d.Settings.FieldKeys, def.Sealed, "", out)
			}
			return err
		},
	}
	cmds["keys-status"] = Command{
		Summary: "count each sealed column's rows under each FIELD_KEYS key; --dropping ID fails while any row needs key ID; --verify opens every value",
		Needs:   need,
		Run: func(ctx context.Context, d *Deps, args []string, out io.Writer) error {
			fs := flag.NewFlagSet("keys-status", flag.ContinueOnError)
			fs.SetOutput(out)
			dropping := fs.String(
				"dropping",
				"",
				"a key id about to be dropped from FIELD_KEYS: fail while any row is sealed under it",
			)
			verify := fs.Bool(
				"verify",
				false,
				"open every sealed value with FIELD_KEYS, failing on the first that does not open",
			)
			if err := fs.Parse(args); err != nil {
				return err
			}
			if *verify {
				n, err := sealed.Verify(ctx, d.DB, d.Settings.FieldKeys, def.Sealed)
				if err != nil {
					return err
				}
				fmt.Fprintf(os.Stdout, "every sealed value opens with FIELD_KEYS (%d)\n", n)
			}
			return sealed.PrintStatus(ctx, d.DB, d.Settings.FieldKeys, def.Sealed, *dropping, os.Stdout)
		},
	}
	return cmds
}

// auditAnchor records the audit trail's head outside the database after every append: a log
// line and the familypath_audit_head_seq gauge, so a trail truncated or replaced shows as a
// head that went back (an alert: docs/runbook.md).
func auditAnchor(schema string, log *slog.Logger, reg prometheus.Registerer) func(int64, string) {
	head := prometheus.NewGauge(prometheus.GaugeOpts{Name: "familypath_audit_head_seq",
		Help: "The sequence number of the newest event in this process's service's audit trail.", ConstLabels: prometheus.Labels{"trail": schema}})
	if reg != nil {
		_ = reg.Register(head) // registered once a process
	}
	return func(seq int64, hash string) {
		head.Set(float64(seq))
		if seq%1000 == 0 { // a line now and then: the metric carries every step
			log.Info("audit trail head", "trail", schema, "seq", seq, "hash", hash)
		}
	}
}

// AuditWriteFailures counts the appends to a trail that could not be recorded, as
// familypath_audit_write_failures_total{trail} (the alert FamilypathAuditWriteFailures).
func AuditWriteFailures(schema string, reg prometheus.Registerer) func() {
	failed := prometheus.NewCounter(prometheus.CounterOpts{Name: "familypath_audit_write_failures_total",
		Help: "Events this process could not append to its service's audit trail (each refused what it would have recorded).", ConstLabels: prometheus.Labels{"trail": schema}})
	if reg != nil {
		_ = reg.Register(failed) // registered once a process
	}
	return failed.Inc
}

// checkAuditTail verifies the newest events of the service's audit trail as it starts, so an
// edit, a removal or a rewrite without the key is reported (an error log line naming the event,
// never its content) before the service adds to the trail; the whole trail is audit-verify's.
func checkAuditTail(ctx context.Context, d *Deps) {
	rep, err := d.Audit.VerifyTail(ctx, 1000)
	switch {
	case err != nil:
		d.Log.WarnContext(ctx, "the audit trail could not be checked at start", "error", err.Error())
	case !rep.OK():
		d.Log.ErrorContext(
			ctx,
			"the audit trail is broken: run audit-verify and see docs/runbook.md",
			"broken_at",
			rep.BrokenAt,
			"problem",
			rep.Problem,
		)
	default:
		d.Log.InfoContext(ctx, "audit trail head", "seq", rep.HeadSeq, "hash", rep.HeadHash)
	}
}
