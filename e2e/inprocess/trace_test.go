package inprocess

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/pkg/platform/tracing"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/tracking"
	"github.com/familypath/familypath/workflows/family"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// One trace follows a caseworker's request to the judgement it causes: the case API's span,
// its signal to the family's workflow, the workflow's handling of it, the judging activity
// scheduled and run on tracking's worker, tracking's reads of the evidence from case (the
// owner's API span and its statements) — every span in one trace, each the child of the
// step that caused it, over real Postgres, Temporal and HTTP, exported to memory. No span
// holds the evidence's personal data.
func TestACaseworkersRequestIsTracedToTheJudgingActivity(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tracing.Install(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)))
	_, o, tr := judgeWithOwners(t)
	ctx := context.Background()

	// A family identified, then in tracking (an imported family skips attaching, which other
	// services' workers would do), with the workflow and tracking's activities on real workers.
	fam := identify(t, o.ident, evidence("", "", "2016-10-01", false))
	wf, _ := contract.FamilyWorkflowID(fam.ID)
	var none *serviceerror.NotFound
	if err := tr.Deps.Temporal.TerminateWorkflow(ctx, wf, "", "replaced by the test"); err != nil &&
		!errors.As(err, &none) {
		t.Fatal(err)
	}
	for queue, register := range map[string]func(worker.Worker){
		contract.QueueFamilyLifecycle: func(w worker.Worker) { family.Register(w) },
		contract.QueueTracking: func(w worker.Worker) {
			if err := service.RegisterWorker(tracking.Definition(), tr.Deps, w); err != nil {
				t.Fatal(err)
			}
		},
	} {
		w := worker.New(tr.Deps.Temporal, queue, worker.Options{})
		register(w)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
	run, err := tr.Deps.Temporal.ExecuteWorkflow(ctx,
		client.StartWorkflowOptions{ID: wf, TaskQueue: contract.QueueFamilyLifecycle},
		contract.WorkflowFamilyLifecycle, trackedInput(fam.ID, fam.EvidenceSnapshotID))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Deps.Temporal.TerminateWorkflow(ctx, wf, run.GetRunID(), "test over") })
	waitForJudgement(t, tr.Deps.Temporal, wf)

	// The caseworker records evidence.
	admin := auth.Principal{Subject: "admin", Roles: []string{auth.RoleAdministrator}}
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}}
	if w := o.cases.Do(admin, "PUT", "/v1/families/"+fam.ID+"/allocation",
		`{"team":"preston-1","lead_professional":{"subject":"cw.lead","agency":"COUNCIL_FAMILY_SERVICE"}}`); w.Code != 201 {
		t.Fatalf("allocate: %d %s", w.Code, w.Body)
	}
	w := o.cases.Do(lead, "POST", "/v1/families/"+fam.ID+"/evidence",
		`{"member":"p-1","feed":"caseworker","type":"NEET","date":"2017-03-01","document_ref":"docs://case/17"}`,
		"Idempotency-Key", "evidence-"+testenv.Unique())
	if w.Code != 201 {
		t.Fatalf("case evidence: %d %s", w.Code, w.Body)
	}
	request := find(spans.GetSpans(), func(s tracetest.SpanStub) bool {
		return s.Name == "POST /v1/families/:id/evidence" &&
			has(s, "familypath.request_id", w.Header().Get("X-Request-Id"))
	})
	if request == nil {
		t.Fatalf("no server span for the caseworker's request; spans: %v", names(spans.GetSpans()))
	}
	if request.Parent.IsValid() {
		t.Errorf("the caseworker's request continues another trace (%v): it should start one", request.Parent)
	}
	id := request.SpanContext.TraceID()

	// The judgement its signal causes is in the request's trace.
	judging := "RunActivity:" + contract.ActivityTrackingJudgeFamily
	var traced []tracetest.SpanStub
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if traced = inTrace(spans.GetSpans(), id); find(traced, named(judging)) != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	run1 := find(traced, named(judging))
	if run1 == nil {
		t.Fatalf("no %s in the request's trace; it holds %v", judging, names(traced))
	}
	want := []string{
		judging,
		"StartActivity:" + contract.ActivityTrackingJudgeFamily,
		"HandleSignal:" + contract.SignalEvidenceReceived,
		"SignalWorkflow:" + contract.SignalEvidenceReceived,
		"POST /v1/families/:id/evidence",
	}
	if got := ancestry(traced, *run1); strings.Join(got, " < ") != strings.Join(want, " < ") {
		t.Errorf("the judging activity's ancestry:\n got %v\nwant %v", got, want)
	}
	// Tracking read the case's evidence from the case API, inside the activity, in the trace.
	read := find(traced, func(s tracetest.SpanStub) bool {
		return s.Name == "GET /v1/families/:id/evidence" && s.SpanKind == trace.SpanKindServer
	})
	if read == nil || !slices.Contains(ancestry(traced, *read), judging) {
		t.Errorf("no read of the case's evidence under the judging activity: %v", names(traced))
	}
	if read != nil && find(traced, func(s tracetest.SpanStub) bool {
		return has(s, "db.system.name", "postgresql") && slices.Contains(ancestry(traced, s), read.Name)
	}) == nil {
		t.Errorf("the case API's read has no statement spans: %v", names(traced))
	}
	// Spans hold routes, ids and operations, never the evidence itself.
	for _, s := range traced {
		for _, a := range s.Attributes {
			v := a.Value.String()
			for _, personal := range []string{"docs://case/17", "1985-02-01", "2008-06-15", "2017-03-01"} {
				if strings.Contains(v, personal) {
					t.Errorf("span %q attribute %s holds %q", s.Name, a.Key, personal)
				}
			}
		}
	}
}

// trackedInput is a family imported mid-programme in tracking, attached with two problems.
func trackedInput(familyID, snapshot string) *familypathv1.FamilyLifecycleInput {
	problems := []string{"CHILDREN_NEED_HELP", "WORKLESSNESS"}
	return &familypathv1.FamilyLifecycleInput{
		FamilyId: familyID, PlanId: "lancashire-phase2", EvidenceSnapshotId: snapshot,
		IdentifiedAt: day("2016-10-01"), ImportId: "trace-test-" + testenv.Unique(),
		Continued: &familypathv1.FamilyState{
			FamilyId: familyID, Phase: familypathv1.FamilyPhase_FAMILY_PHASE_TRACKING,
			PlanId: "lancashire-phase2", PlanVersion: "lancashire-phase2@1", EvidenceSnapshotId: snapshot,
			ProblemCodes: problems, BaselineProblems: problems, AttachedAt: day("2016-10-15"),
			AttachmentId: "att-trace", FeeRecorded: true, EvidencePending: true, Team: "preston-1",
		},
	}
}

// waitForJudgement waits until the family's workflow has been judged (its problems known, no
// evidence waiting).
func waitForJudgement(t *testing.T, c client.Client, wf string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		v, err := c.QueryWorkflow(context.Background(), wf, "", contract.QueryFamilyState)
		var st familypathv1.FamilyState
		if err == nil && v.Get(&st) == nil && len(st.GetProblems()) > 0 && !st.GetEvidencePending() {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the family's workflow was not judged within a minute")
}

func find(spans []tracetest.SpanStub, match func(tracetest.SpanStub) bool) *tracetest.SpanStub {
	for i := range spans {
		if match(spans[i]) {
			return &spans[i]
		}
	}
	return nil
}

func named(name string) func(tracetest.SpanStub) bool {
	return func(s tracetest.SpanStub) bool { return s.Name == name }
}

func has(s tracetest.SpanStub, key, value string) bool {
	for _, a := range s.Attributes {
		if a.Key == attribute.Key(key) && a.Value.String() == value {
			return true
		}
	}
	return false
}

func inTrace(spans []tracetest.SpanStub, id trace.TraceID) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range spans {
		if s.SpanContext.TraceID() == id {
			out = append(out, s)
		}
	}
	return out
}

// ancestry is the span's name and its ancestors', child first, through the spans given.
func ancestry(spans []tracetest.SpanStub, s tracetest.SpanStub) []string {
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, x := range spans {
		byID[x.SpanContext.SpanID()] = x
	}
	out := []string{s.Name}
	for s.Parent.IsValid() {
		p, ok := byID[s.Parent.SpanID()]
		if !ok {
			return append(out, "(parent not exported)")
		}
		out, s = append(out, p.Name), p
	}
	return out
}

func names(spans []tracetest.SpanStub) []string {
	out := make([]string, 0, len(spans))
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}
