// Command workflow-worker runs the workflows (FamilyLifecycle, ClaimWindow, IdentificationRun,
// ProgrammeForecast) on task queue family-lifecycle.
//
//	workflow-worker worker                      poll family-lifecycle
//	workflow-worker register-search-attributes  add the custom search attributes to the namespace
//	workflow-worker codec-server                decode payloads for the Temporal UI and CLI (OIDC, administrators)
//	workflow-worker audit-verify                verify the codec server's audit trail
//	workflow-worker schedule-claim-windows      one Temporal Schedule per open or future claim window of each plan
//	workflow-worker schedule-forecasts          a monthly Temporal Schedule of each running plan's results forecast
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/config"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/logging"
	"github.com/familypath/familypath/pkg/platform/metrics"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/workflows/claimwindow"
	"github.com/familypath/familypath/workflows/family"
	"github.com/familypath/familypath/workflows/forecast"
	"github.com/familypath/familypath/workflows/identification"
	"github.com/familypath/familypath/workflows/imports"
	"github.com/familypath/familypath/workflows/operations"
	"github.com/familypath/familypath/workflows/retention"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
)

const name = "workflow-worker"

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, errUsage) {
			usage(os.Stderr)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// subcommands are the workflow worker's, with what each does.
var subcommands = [][2]string{
	{"worker", "run FamilyLifecycle, ClaimWindow and IdentificationRun on task queue family-lifecycle"},
	{"register-search-attributes", "add the custom search attributes to the namespace (idempotent; checks types)"},
	{
		"start-retention",
		"start a family's FamilyRetention workflow: --family-id ID --ended-at YYYY-MM-DD (a family whose journey ended before retention existed)",
	},
	{"codec-server", "decode payloads for the Temporal UI and CLI (administrators only, audited)"},
	{"migrate", "create or update the codec server's audit trail, as the role that owns it (MIGRATION_DATABASE_URL)"},
	{"audit-verify", "walk the codec server's audit trail end to end"},
	{"version", "print the build's version"},
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s <subcommand>\n\nsubcommands:\n", name)
	for _, c := range subcommands {
		fmt.Fprintf(w, "  %-28s %s\n", c[0], c[1])
	}
	fmt.Fprintln(w, "\nSettings come from the environment (docs/configuration.md).")
}

func run(args []string) error {
	if len(args) == 1 && slices.Contains([]string{"-h", "--help", "-help", "help"}, args[0]) ||
		len(args) == 2 && slices.Contains([]string{"-h", "--help", "-help"}, args[1]) {
		usage(os.Stdout)
		return nil
	}
	if len(args) == 0 || len(args) != 1 && args[0] != "start-retention" ||
		!slices.ContainsFunc(subcommands, func(c [2]string) bool { return c[0] == args[0] }) && args[0] != "--version" {
		return errUsage
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Println(name, service.Version)
		return nil
	}
	if args[0] == "codec-server" {
		return codecServer()
	}
	if args[0] == "audit-verify" {
		return verifyCodecAudit()
	}
	if args[0] == "migrate" {
		return migrateCodecAudit()
	}
	if !slices.Contains([]string{"worker", "register-search-attributes", "start-retention"}, args[0]) {
		return fmt.Errorf(
			"unknown subcommand %q (want worker, register-search-attributes, codec-server, migrate, audit-verify or version)",
			args[0],
		)
	}
	env := config.FromOS()
	tcfg := service.LoadTemporal(env)
	level := env.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error")
	metricsAddr := env.Addr("METRICS_ADDR", ":9090")
	overdueGrace := env.Duration("OVERDUE_GRACE", 24*time.Hour)
	stalledStepGrace := env.Duration("STALLED_STEP_GRACE", 15*time.Minute)
	// How long a family's records are kept after its journey ends (docs/data-protection.md).
	familyRetention := env.Duration("FAMILY_RETENTION", 61362*time.Hour) // 7 years
	// The SDK's default of 2 workflow-task pollers stalls signal handling (docs/workflows.md#speed).
	pollers := env.Int("WORKFLOW_TASK_POLLERS", 16)
	stopTimeout := env.Duration("WORKER_STOP_TIMEOUT", service.DefaultWorkerStopTimeout)
	if err := env.Err(); err != nil {
		return err
	}
	log := logging.New(os.Stderr, level, name, args[0])
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	stopTracing, err := service.StartTracing(ctx, name, log)
	if err != nil {
		return err
	}
	defer stopTracing()

	reg := metrics.NewRegistry()
	c, err := temporalx.Dial(ctx, tcfg, nil, log, reg)
	if err != nil {
		return err
	}
	defer c.Close()

	if args[0] == "start-retention" {
		return startRetention(ctx, c, args[1:])
	}
	if args[0] == "register-search-attributes" {
		added, err := temporalx.RegisterSearchAttributes(ctx, c, tcfg.Namespace)
		if err != nil {
			return err
		}
		log.Info(
			"search attributes registered",
			"namespace",
			tcfg.Namespace,
			"added",
			added,
			"total",
			len(temporalx.SearchAttributes()),
		)
		return nil
	}

	identity := temporalx.WorkerIdentity(contract.QueueFamilyLifecycle)
	w := worker.New(
		c,
		contract.QueueFamilyLifecycle,
		worker.Options{Identity: identity, MaxConcurrentWorkflowTaskPollers: pollers, WorkerStopTimeout: stopTimeout},
	)
	family.Register(w)
	claimwindow.Register(w)
	identification.Register(w)
	forecast.Register(w)
	imports.Register(w)
	retention.Register(w, familyRetention)
	counted := func() operations.Counted {
		return operations.Counted{Client: c, Namespace: tcfg.Namespace, CacheFor: time.Minute, Log: log, Now: time.Now}
	}
	reg.MustRegister(&operations.OverdueFamilies{Counted: counted(), Grace: overdueGrace},
		&operations.StalledSteps{Counted: counted(), Grace: stalledStepGrace}, operations.NewFamiliesByPhase(counted))
	polling := temporalx.PollerCheck{
		Client:    c,
		TaskQueue: contract.QueueFamilyLifecycle,
		Type:      enumspb.TASK_QUEUE_TYPE_WORKFLOW,
		Identity:  identity,
	}
	checks := []metrics.Check{
		{Name: "temporal", Ping: func(ctx context.Context) error { return temporalx.Ping(ctx, c) }},
		{Name: "pollers", Ping: polling.Ping},
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return httpapi.Serve(
			ctx,
			log,
			"metrics",
			metricsAddr,
			metrics.Handler(log, reg, checks),
			service.DefaultShutdownGrace,
		)
	})
	g.Go(func() error { return service.RunTemporalWorker(ctx, w) })
	return g.Wait()
}

// codecSchema holds the codec server's audit trail.
const codecSchema = "codec_server"

// migrateCodecAudit creates or updates the codec server's audit trail as the role that owns
// its schema, and lets the application's role append to it (service.MigrateAsOwner).
func migrateCodecAudit() error {
	env := config.FromOS()
	dbURL := env.URL("DATABASE_URL", "", "postgres", "postgresql")
	ownerURL := env.URL("MIGRATION_DATABASE_URL", dbURL, "postgres", "postgresql")
	level := env.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error")
	if err := env.Err(); err != nil {
		return err
	}
	log := logging.New(os.Stderr, level, name, "migrate")
	ctx := context.Background()
	err := service.MigrateAsOwner(ctx, log, dbURL, ownerURL, codecSchema, func(owner *gorm.DB) error {
		return audit.Migrate(ctx, owner, codecSchema)
	})
	if err == nil {
		log.Info("codec server's audit trail migrated", "schema", codecSchema)
	}
	return err
}

// codecServer serves the remote codec for the Temporal UI and CLI: it needs the payload keys,
// the OIDC issuer and Postgres for its audit trail, not a Temporal connection.
func codecServer() error {
	env := config.FromOS()
	dbURL := env.URL("DATABASE_URL", "", "postgres", "postgresql")
	level := env.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error")
	addr := env.Addr("CODEC_ADDR", ":8088")
	metricsAddr := env.Addr("METRICS_ADDR", ":9090")
	origins := strings.Split(env.String("CODEC_CORS_ORIGINS", ""), ",")
	oidc := service.LoadOIDC(env)
	tcfg := temporalx.Config{PayloadKeys: service.LoadPayloadKeys(env)}
	auditKey := service.LoadAuditKey(env)
	if err := env.Err(); err != nil {
		return err
	}
	log := logging.New(os.Stderr, level, name, "codec-server")
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	v, err := auth.NewVerifier(ctx, oidc)
	if err != nil {
		return err
	}
	gdb, err := db.Open(ctx, dbURL, db.Options{Log: log, MaxOpenConns: 5})
	if err != nil {
		return err
	}
	// The trail is made by `migrate` (as the role that owns it): the codec server only appends.
	if err := gdb.WithContext(ctx).Exec("SELECT 1 FROM " + codecSchema + ".audit_events LIMIT 0").Error; err != nil {
		return fmt.Errorf("the codec server's audit trail cannot be read (run `%s migrate` first): %w", name, err)
	}
	reg := metrics.NewRegistry()
	trail := audit.Trail{
		DB:     gdb,
		Schema: codecSchema,
		Key:    auditKey,
		Failed: service.AuditWriteFailures(codecSchema, reg),
	}
	h := temporalx.CodecServer(temporalx.EncryptionCodec{Keys: tcfg.PayloadKeys}, v, origins, trail, log)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return httpapi.Serve(ctx, log, "codec", addr, h, service.DefaultShutdownGrace) })
	g.Go(func() error {
		ready := []metrics.Check{{Name: "postgres", Ping: func(ctx context.Context) error { return db.Ping(ctx, gdb) }}}
		return httpapi.Serve(
			ctx,
			log,
			"metrics",
			metricsAddr,
			metrics.Handler(log, reg, ready),
			service.DefaultShutdownGrace,
		)
	})
	return g.Wait()
}

// verifyCodecAudit walks the codec server's audit trail; a break is an error.
func verifyCodecAudit() error {
	env := config.FromOS()
	dbURL := env.URL("DATABASE_URL", "", "postgres", "postgresql")
	auditKey := service.LoadAuditKey(env)
	if err := env.Err(); err != nil {
		return err
	}
	ctx := context.Background()
	gdb, err := db.Open(ctx, dbURL, db.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	return service.PrintAuditReport(ctx, audit.Trail{DB: gdb, Schema: codecSchema, Key: auditKey}, os.Stdout)
}

// startRetention starts the FamilyRetention workflow of a family whose journey ended before the
// workflow existed (docs/runbook.md, "Retention of a family's records"). A family that has one
// already is left as it is.
func startRetention(ctx context.Context, c client.Client, args []string) error {
	fs := flag.NewFlagSet("start-retention", flag.ContinueOnError)
	family := fs.String("family-id", "", "the family's id")
	endedOn := fs.String("ended-at", "", "the day its journey ended, YYYY-MM-DD (its FamilyLifecycle's close time)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ended, err := time.Parse(time.DateOnly, *endedOn)
	if _, idErr := uuid.Parse(*family); idErr != nil || err != nil {
		return errors.New("give --family-id (a uuid) and --ended-at (YYYY-MM-DD)")
	}
	run, err := c.ExecuteWorkflow(
		ctx,
		client.StartWorkflowOptions{
			ID:                    contract.FamilyRetentionWorkflowID(*family),
			TaskQueue:             contract.QueueFamilyLifecycle,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		},
		contract.WorkflowFamilyRetention,
		&familypathv1.FamilyRetentionInput{FamilyId: *family, EndedAt: timestamppb.New(ended)},
	)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		fmt.Printf("%s already has a retention workflow: left as it is\n", *family)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Printf("started %s (run %s)\n", run.GetID(), run.GetRunID())
	return nil
}
