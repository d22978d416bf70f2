package deploytest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

var services = []string{"identification", "attachment", "case", "tracking", "claims"}

// binaries lists the product's binaries from the one build script.
func binaries(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command(filepath.Join(repo(t), "scripts", "binaries.sh"), "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		names = append(names, strings.Fields(l)[0])
	}
	sort.Strings(names)
	return names
}

// render renders the chart with a values file (and --set pairs) for KubeVersion.
func render(t *testing.T, values string, set ...string) []object {
	t.Helper()
	chart := filepath.Join(repo(t), "charts", "familypath")
	args := []string{"template", "familypath", chart, "--kube-version", KubeVersion}
	if values != "" {
		args = append(args, "-f", filepath.Join(chart, values))
	}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	return decodeAll(t, "chart with "+values, helm(t, args...))
}

func TestChartLintsStrictly(t *testing.T) {
	chart := filepath.Join(repo(t), "charts", "familypath")
	for _, v := range []string{"values-development.yaml", "values-production.yaml"} {
		helm(t, "lint", "--strict", "--kube-version", KubeVersion, chart, "-f", filepath.Join(chart, v))
	}
}

func TestChartRejectsUnknownAndMissingValues(t *testing.T) {
	chart := filepath.Join(repo(t), "charts", "familypath")
	for name, args := range map[string][]string{
		"unknown key":                            {"-f", filepath.Join(chart, "values-development.yaml"), "--set", "services.case.api.replica=2"},
		"wrong type":                             {"-f", filepath.Join(chart, "values-development.yaml"), "--set", "defaults.replicas=two"},
		"secret in env":                          {"-f", filepath.Join(chart, "values-development.yaml"), "--set", "defaults.extraEnv[0].name=DATABASE_URL,defaults.extraEnv[0].value=x"},
		"no Temporal":                            {"--set", "postgres.existingSecret=a,redis.existingSecret=b"},
		"no Postgres Secret":                     {"--set", "temporal.address=temporal.example:443,redis.existingSecret=b"},
		"development issuer outside development": {"-f", filepath.Join(chart, "values-production.yaml"), "--set", "serviceCredentials.devIssuerSecret=familypath-dev-issuer"},
		"JWKS from a ConfigMap outside development": {"-f", filepath.Join(chart, "values-production.yaml"), "--set", "oidc.jwksConfigMap=familypath-dev-oidc"},
		"no owner role outside development":         {"-f", filepath.Join(chart, "values-production.yaml"), "--set", "postgres.migrationSecret="},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(
				os.Getenv("HELM"),
				append([]string{"template", "x", chart, "--kube-version", KubeVersion}, args...)...)
			if out, err := cmd.CombinedOutput(); err == nil {
				t.Errorf("%s: rendered without error:\n%.300s", name, out)
			}
		})
	}
}

func TestChartObjectsAreValidAndFollowTheRules(t *testing.T) {
	for _, values := range []string{"values-development.yaml", "values-production.yaml"} {
		t.Run(values, func(t *testing.T) {
			objs := render(t, values)
			byKind := map[string][]string{}
			for _, o := range objs {
				byKind[o.Kind] = append(byKind[o.Kind], o.Name)
				if o.Kind == "Secret" {
					t.Errorf("the chart renders Secret %s: it must only reference existing Secrets", o.Name)
				}
				if sa, ok := o.Value.(*corev1.ServiceAccount); ok &&
					(sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken) {
					t.Errorf("ServiceAccount %s mounts its token", o.Name)
				}
			}
			for where, spec := range podSpecs(objs) {
				for _, b := range restricted(spec) {
					t.Errorf("%s breaks Pod Security restricted: %s", where, b)
				}
				for _, b := range houseRules(spec, strings.HasPrefix(where, "Deployment/")) {
					t.Errorf("%s: %s", where, b)
				}
			}

			// One Deployment, Service and ServiceAccount per component.
			var want []string
			for _, s := range services {
				want = append(want, "familypath-"+s+"-api", "familypath-"+s+"-worker")
			}
			want = append(want, "familypath-workflow-worker", "familypath-codec-server")
			sort.Strings(want)
			for _, kind := range []string{"Deployment", "Service"} {
				got := slices.Sorted(slices.Values(byKind[kind]))
				if !slices.Equal(got, want) {
					t.Errorf("%ss: %v, want %v", kind, got, want)
				}
			}
			for _, n := range want {
				if !slices.Contains(byKind["ServiceAccount"], n) {
					t.Errorf("no ServiceAccount %s", n)
				}
			}
			if !slices.Contains(byKind["NetworkPolicy"], "familypath-default-deny") {
				t.Error("no default-deny NetworkPolicy")
			}
			if values == "values-production.yaml" {
				for _, kind := range []string{"HorizontalPodAutoscaler", "PodDisruptionBudget"} {
					if len(byKind[kind]) != len(want) {
						t.Errorf("%d %ss, want one per component (%d)", len(byKind[kind]), kind, len(want))
					}
				}
				checkAlerts(t, objs)
				checkDashboards(t, objs)
			}
			checkHooks(t, objs)
			checkOwnerCredentials(t, objs, values == "values-production.yaml")
			checkProbes(t, objs)
			checkAccessSettings(t, objs, values == "values-production.yaml")
			checkRetention(t, objs)
		})
	}
}

// The alert rules use the metric names the code exports.
func checkAlerts(t *testing.T, objs []object) {
	t.Helper()
	exprs := map[string]string{}
	anchors := runbookAnchors(t)
	for _, o := range objs {
		if r, ok := o.Value.(*prometheusRule); ok {
			for _, g := range r.Spec.Groups {
				for _, rule := range g.Rules {
					exprs[rule.Alert] = rule.Expr
					for _, m := range seriesRef.FindAllString(rule.Expr, -1) {
						if name := strings.TrimSuffix(m, "{"); !exportedSeries.MatchString(name) {
							t.Errorf("alert %s reads %s, which nothing exports", rule.Alert, name)
						}
					}
					// Every alert leads to its section of the runbook.
					_, anchor, _ := strings.Cut(rule.Annotations["runbook_url"], "#")
					if !strings.HasPrefix(rule.Annotations["runbook_url"], "https://") || !anchors[anchor] {
						t.Errorf(
							"alert %s: runbook_url %q is not a section of docs/runbook.md",
							rule.Alert,
							rule.Annotations["runbook_url"],
						)
					}
				}
			}
		}
		if m, ok := o.Value.(*podMonitor); ok &&
			(len(m.Spec.PodMetricsEndpoints) != 1 || m.Spec.PodMetricsEndpoints[0].Port != "metrics" ||
				m.Spec.Selector.MatchLabels["app.kubernetes.io/instance"] == "") {
			t.Errorf("PodMonitor %s does not scrape every pod's metrics port: %+v", m.Metadata.Name, m.Spec)
		}
	}
	// Each alert on a series the code (or the Temporal SDK, kube-state-metrics, Prometheus) exports.
	for alert, metric := range map[string]string{
		"FamilypathActivityFailures":     "temporal_activity_execution_failed_total",
		"FamilypathWorkflowTaskFailures": "temporal_workflow_task_execution_failed_total",
		"FamilypathOverdueFamilies":      "familypath_overdue_families",
		"FamilypathStalledServiceSteps":  "familypath_stalled_service_steps",
		"FamilypathAPIErrors":            "http_requests_total",
		"FamilypathAPILatency":           "http_request_duration_seconds_bucket",
		"FamilypathPodNotReady":          "kube_pod_status_ready",
		"FamilypathMetricsMissing":       "up{",
	} {
		if !strings.Contains(exprs[alert], metric) {
			t.Errorf("alert %s: expr %q does not use %s", alert, exprs[alert], metric)
		}
	}
}

// exportedSeries are the series the dashboards and alerts may use: the code's own
// (pkg/platform/httpapi, audit, workflows/operations, claims' dashboard, identification's uploads), the Temporal SDK's
// (pkg/platform/temporalx names them temporal_*), kube-state-metrics' and Prometheus's.
var exportedSeries = regexp.MustCompile(
	`^(http_requests_total|http_request_duration_seconds_bucket|familypath_(overdue_families|stalled_service_steps|running_families|claims|audit_head_seq|audit_write_failures_total|uploads_total)|temporal_[a-z_]+|kube_pod_status_ready|up)$`,
)

// seriesRef finds the series a PromQL expression reads (a name before its selector).
var seriesRef = regexp.MustCompile(`[a-z_]+\{`)

// checkDashboards: each Grafana dashboard is JSON with a uid and a title, labelled for the
// sidecar, and every panel's query reads series something exports.
func checkDashboards(t *testing.T, objs []object) {
	t.Helper()
	seen := 0
	for _, o := range objs {
		cm, ok := o.Value.(*corev1.ConfigMap)
		if !ok || cm.Labels["grafana_dashboard"] == "" {
			continue
		}
		for file, text := range cm.Data {
			seen++
			var d struct {
				UID, Title string
				Panels     []struct {
					Title   string
					Targets []struct{ Expr string }
				}
			}
			if err := json.Unmarshal([]byte(text), &d); err != nil || d.UID == "" || d.Title == "" ||
				len(d.Panels) == 0 {
				t.Errorf("dashboard %s: %v (uid %q, title %q, %d panels)", file, err, d.UID, d.Title, len(d.Panels))
			}
			for _, p := range d.Panels {
				for _, target := range p.Targets {
					for _, m := range seriesRef.FindAllString(target.Expr, -1) {
						if name := strings.TrimSuffix(m, "{"); !exportedSeries.MatchString(name) {
							t.Errorf("dashboard %s, panel %q reads %s, which nothing exports", file, p.Title, name)
						}
					}
				}
			}
		}
	}
	if seen != 3 {
		t.Errorf("%d Grafana dashboards rendered, want 3 (APIs, workers, programme)", seen)
	}
}

// runbookAnchors are the GitHub anchors of docs/runbook.md's headings.
func runbookAnchors(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "runbook.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	drop := regexp.MustCompile(`[^a-z0-9 -]`)
	for _, line := range strings.Split(string(b), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			anchors[strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(h), ""), " ", "-")] = true
		}
	}
	return anchors
}

// Migrations run per service and the search attributes are registered by the code's own
// definitions (workflow-worker register-search-attributes), before install and upgrade.
func checkHooks(t *testing.T, objs []object) {
	t.Helper()
	jobs := map[string]*batchv1.Job{}
	for _, o := range objs {
		if j, ok := o.Value.(*batchv1.Job); ok {
			jobs[o.Name] = j
			hook := j.Annotations["helm.sh/hook"]
			if o.Name == "familypath-schedule-claim-windows" || o.Name == "familypath-schedule-forecasts" {
				if hook != "post-install,post-upgrade" { // it reads the plans ConfigMap of the release
					t.Errorf("Job %s is a %q hook, want post-install,post-upgrade", o.Name, hook)
				}
			} else if hook != "pre-install,pre-upgrade" {
				t.Errorf("Job %s is a %q hook, want pre-install,pre-upgrade", o.Name, hook)
			}
		}
	}
	for _, s := range services {
		j := jobs["familypath-"+s+"-migrate"]
		if j == nil || !slices.Equal(j.Spec.Template.Spec.Containers[0].Args, []string{"migrate"}) {
			t.Errorf("no migrate Job for %s", s)
		}
	}
	// Claims owns the claim windows' schedules, tracking the forecasts'.
	if j := jobs["familypath-schedule-claim-windows"]; j == nil ||
		!slices.Equal(j.Spec.Template.Spec.Containers[0].Args, []string{"schedule-claim-windows"}) ||
		!strings.Contains(j.Spec.Template.Spec.Containers[0].Image, "/claims:") ||
		!slices.ContainsFunc(j.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool { return v.ConfigMap != nil }) {
		t.Error("no post-install Job running claims schedule-claim-windows with the plans mounted")
	}
	if j := jobs["familypath-schedule-forecasts"]; j == nil ||
		!slices.Equal(j.Spec.Template.Spec.Containers[0].Args, []string{"schedule-forecasts"}) ||
		!strings.Contains(j.Spec.Template.Spec.Containers[0].Image, "/tracking:") ||
		!slices.ContainsFunc(
			j.Spec.Template.Spec.Containers[0].Env,
			func(e corev1.EnvVar) bool { return e.Name == "FORECAST_DAY" && e.Value == "5" },
		) {
		t.Error("no post-install Job running tracking schedule-forecasts on the chart's day of the month")
	}
	j := jobs["familypath-register-search-attributes"]
	if j == nil || !strings.Contains(j.Spec.Template.Spec.Containers[0].Image, "/workflow-worker:") ||
		!slices.Equal(j.Spec.Template.Spec.Containers[0].Args, []string{"register-search-attributes"}) {
		t.Error("no Job running workflow-worker register-search-attributes")
	}
}

// Only the migrate Jobs (every service's and the codec server's) log in as the role that owns
// the schemas; the running services and every other Job hold the application's role alone, so
// they cannot alter the audit trails (docs/deployment.md). Production gives them the owner.
func checkOwnerCredentials(t *testing.T, objs []object, production bool) {
	t.Helper()
	migrations := 0
	for where, spec := range podSpecs(objs) {
		migrate := strings.HasPrefix(where, "Job/") && strings.HasSuffix(where, "-migrate")
		if migrate {
			migrations++
		}
		for _, c := range spec.Containers {
			_, owner := envOf(c)["MIGRATION_DATABASE_URL"]
			switch {
			case owner && !migrate:
				t.Errorf("%s holds MIGRATION_DATABASE_URL: only migrate Jobs may", where)
			case !owner && migrate && production:
				t.Errorf("%s migrates without MIGRATION_DATABASE_URL", where)
			}
		}
	}
	if migrations != len(services)+1 {
		t.Errorf("%d migrate Jobs, want one per service and the codec server's", migrations)
	}
}

// Liveness is cheap (/healthz), readiness checks dependencies (/readyz), and a startup probe guards slow starts.
func checkProbes(t *testing.T, objs []object) {
	t.Helper()
	for _, o := range objs {
		d, ok := o.Value.(*appsv1.Deployment)
		if !ok {
			continue
		}
		c := d.Spec.Template.Spec.Containers[0]
		if c.StartupProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" ||
			c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
			t.Errorf("Deployment %s: probes are not startup + /healthz liveness + /readyz readiness", o.Name)
		}
	}
}

func TestDevelopmentManifestsAreValidAndRestricted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repo(t), "k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no k8s/ manifests: %v", err)
	}
	names := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs := decodeAll(t, filepath.Base(f), b)
		for _, o := range objs {
			names[o.Kind+"/"+o.Name] = true
		}
		for where, spec := range podSpecs(objs) {
			for _, b := range restricted(spec) {
				t.Errorf("%s %s breaks Pod Security restricted: %s", filepath.Base(f), where, b)
			}
			for _, b := range houseRules(spec, true) {
				t.Errorf("%s %s: %s", filepath.Base(f), where, b)
			}
		}
	}
	// The development values reach these by name.
	for _, n := range []string{"Service/temporal", "Service/postgres-dev", "Service/redis-dev", "Secret/familypath-dev-postgres", "Secret/familypath-dev-redis", "Secret/familypath-dev-field-keys"} {
		if !names[n] {
			t.Errorf("k8s/ has no %s", n)
		}
	}
}

func TestDockerfileHasOneTargetPerBinary(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repo(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, m := range regexp.MustCompile(`(?m)^FROM runtime AS (\S+)$`).FindAllStringSubmatch(string(b), -1) {
		targets = append(targets, m[1])
		if !strings.Contains(string(b), "COPY --from=build /out/"+m[1]+" ") {
			t.Errorf("target %s does not copy /out/%s", m[1], m[1])
		}
	}
	sort.Strings(targets)
	if want := binaries(t); !slices.Equal(targets, want) {
		t.Errorf("Dockerfile targets %v, binaries %v", targets, want)
	}
	if !strings.Contains(string(b), "scripts/binaries.sh build /out") {
		t.Error("the Dockerfile does not build with scripts/binaries.sh")
	}
}

// Every API and the codec server verify tokens from the configured issuer; every API but the
// case API asks the case API about access; the codec server serves HTTP and is reachable.
func checkAccessSettings(t *testing.T, objs []object, production bool) {
	t.Helper()
	for _, o := range objs {
		d, ok := o.Value.(*appsv1.Deployment)
		if !ok {
			continue
		}
		c := d.Spec.Template.Spec.Containers[0]
		env := envOf(c)
		servesHTTP := strings.HasSuffix(o.Name, "-api") || o.Name == "familypath-codec-server"
		if servesHTTP != (env["OIDC_ISSUER"] != "" && env["OIDC_AUDIENCE"] != "" && env["OIDC_JWKS_URL"] != "") {
			t.Errorf("%s: OIDC settings %v, serves HTTP %v", o.Name, env["OIDC_ISSUER"] != "", servesHTTP)
		}
		readsEvidence := o.Name == "familypath-tracking-worker" || o.Name == "familypath-claims-worker"
		// The identification worker reads the case service's imported families in each run.
		wantCase := strings.HasSuffix(o.Name, "-api") && o.Name != "familypath-case-api" || readsEvidence ||
			o.Name == "familypath-identification-worker"
		if wantCase != (env["CASE_URL"] == "http://familypath-case-api:8080") {
			t.Errorf("%s: CASE_URL %q", o.Name, env["CASE_URL"])
		}
		// Only the services' pods hold the key ring that seals personal data.
		hasFieldKeys := false
		for _, e := range c.Env {
			hasFieldKeys = hasFieldKeys ||
				(e.Name == "FIELD_KEYS" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil)
		}
		if wantKeys := !strings.Contains(o.Name, "workflow-worker") && o.Name != "familypath-codec-server"; hasFieldKeys != wantKeys {
			t.Errorf("%s: FIELD_KEYS from a Secret %v, want %v", o.Name, hasFieldKeys, wantKeys)
		}
		// Only the tracking and claims workers call identification (for evidence); they and the
		// identification worker call case, with their own credentials: a client of the identity
		// provider, or the development issuer.
		if readsEvidence != (env["IDENTIFICATION_URL"] == "http://familypath-identification-api:8080") {
			t.Errorf("%s: IDENTIFICATION_URL %q", o.Name, env["IDENTIFICATION_URL"])
		}
		// A worker's pod outlives the time its activities get to finish at a deploy.
		if stop, ok := env["WORKER_STOP_TIMEOUT"]; ok {
			d2, err := time.ParseDuration(stop)
			grace := d.Spec.Template.Spec.TerminationGracePeriodSeconds
			if err != nil || grace == nil || time.Duration(*grace)*time.Second <= d2 {
				t.Errorf("%s: WORKER_STOP_TIMEOUT %q, termination grace %v", o.Name, stop, grace)
			}
		} else if strings.HasSuffix(o.Name, "-worker") {
			t.Errorf("%s: no WORKER_STOP_TIMEOUT", o.Name)
		}
		// The development issuer only with the development flag, which production never sets.
		dev := env["FAMILYPATH_DEVELOPMENT"] == "true"
		if usesDevIssuer := env["DEV_ISSUER_DIR"] != "" || strings.HasPrefix(env["OIDC_JWKS_URL"], "file://"); usesDevIssuer &&
			!dev ||
			dev && production {
			t.Errorf(
				"%s: FAMILYPATH_DEVELOPMENT %v (production %v), development issuer %v",
				o.Name,
				dev,
				production,
				usesDevIssuer,
			)
		}
		_, hasClient := env["SERVICE_CLIENT_SECRET"]
		if readsEvidence && !(env["SERVICE_TOKEN_URL"] != "" && hasClient || env["DEV_ISSUER_DIR"] != "") {
			t.Errorf("%s: no service credentials", o.Name)
		}
		if o.Name == "familypath-codec-server" &&
			(!slices.Equal(c.Args, []string{"codec-server"}) || env["CODEC_ADDR"] != ":8080") {
			t.Errorf("codec server: args %v, CODEC_ADDR %q", c.Args, env["CODEC_ADDR"])
		}
	}
}

func TestCodecServerOnlyWhenEnabled(t *testing.T) {
	for _, o := range render(t, "values-development.yaml", "codecServer.enabled=false") {
		if strings.Contains(o.Name, "codec-server") {
			t.Errorf("%s/%s rendered with the codec server disabled", o.Kind, o.Name)
		}
	}
}

// Retention runs monthly as identification's `retention` command with the period set, and
// without the key ring (it deletes; it never opens sealed data).
func checkRetention(t *testing.T, objs []object) {
	t.Helper()
	for _, o := range objs {
		cj, ok := o.Value.(*batchv1.CronJob)
		if !ok || o.Name != "familypath-retention" {
			continue
		}
		c := cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0]
		env := envOf(c)
		if !strings.Contains(c.Image, "/identification:") || c.Args[0] != "retention" ||
			env["RETENTION_EXTRACT_MONTHS"] != "24" {
			t.Errorf("retention CronJob: %s %v months=%q", c.Image, c.Args, env["RETENTION_EXTRACT_MONTHS"])
		}
		if _, has := env["FIELD_KEYS"]; has {
			t.Error("the retention job holds the field keys")
		}
		return
	}
	t.Error("no retention CronJob")
}

// envOf is a container's plain settings by name (a setting from a Secret is there, empty).
func envOf(c corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

// Tracing is off by default; with an OTLP endpoint every process exports to it, sampled as set,
// with the receiver's headers only from a Secret, and the egress policy lets them reach it.
func TestTracingOnlyWhenAnEndpointIsSet(t *testing.T) {
	exporting := func(objs []object) (containers int, egress bool) {
		for _, o := range objs {
			switch v := o.Value.(type) {
			case *appsv1.Deployment:
				if _, on := envOf(v.Spec.Template.Spec.Containers[0])["OTEL_EXPORTER_OTLP_ENDPOINT"]; on {
					containers++
				}
			case *networkingv1.NetworkPolicy:
				for _, r := range v.Spec.Egress {
					for _, p := range r.Ports {
						egress = egress || p.Port.IntValue() == 4318
					}
				}
			}
		}
		return containers, egress
	}
	if n, egress := exporting(render(t, "values-development.yaml")); n != 0 || egress {
		t.Errorf("by default %d deployments export spans (egress to a receiver: %v)", n, egress)
	}
	objs := render(t, "values-development.yaml", "tracing.otlpEndpoint=http://otel-collector.observability:4318",
		"tracing.headersSecret=otlp-auth")
	n, egress := exporting(objs)
	deployments := 0
	for _, o := range objs {
		d, ok := o.Value.(*appsv1.Deployment)
		if !ok {
			continue
		}
		deployments++
		c := d.Spec.Template.Spec.Containers[0]
		env := envOf(c)
		if env["OTEL_TRACES_SAMPLER"] != "parentbased_traceidratio" || env["OTEL_TRACES_SAMPLER_ARG"] != "1" {
			t.Errorf("%s: sampler %q %q", o.Name, env["OTEL_TRACES_SAMPLER"], env["OTEL_TRACES_SAMPLER_ARG"])
		}
		for _, e := range c.Env {
			if e.Name == "OTEL_EXPORTER_OTLP_HEADERS" && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
				e.ValueFrom.SecretKeyRef.Name != "otlp-auth") {
				t.Errorf("%s: the receiver's headers are not from their Secret", o.Name)
			}
		}
	}
	if n != deployments || !egress {
		t.Errorf(
			"with an endpoint %d of %d deployments export spans (egress to the receiver: %v)",
			n,
			deployments,
			egress,
		)
	}
}
