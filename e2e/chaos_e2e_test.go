//go:build e2e && chaos

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/synthetic/county"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"
)

// The faults `make chaos` injects (scripts/stack.sh bounce): each process of the stack killed
// without warning and started again where it was.
var faults = []string{
	"postgres", "redis", "temporal", "workflow-worker",
	"identification-serve", "identification-worker", "attachment-serve", "attachment-worker",
	"case-serve", "case-worker", "tracking-serve", "tracking-worker", "claims-serve", "claims-worker",
}

// A county's extracts uploaded and identified, and families taken from identification through
// their case, attachment, judging and a claim window to a paid result, while every process of
// the stack is killed at seeded random moments (Postgres crashed, Redis and the Temporal dev
// server killed, every service's API and worker and the workflow worker SIGKILLed), each
// started again. Clients retry as a front end would, with the same Idempotency-Key. Then, the
// faults stopped, nothing is doubled, lost or half-done: one workflow and one case per family,
// one fee and one result in the ledger per paid family, every upload's rows all there or none,
// every family's phase as its records say, and every audit trail verifies.
func TestTheProgrammeHoldsThroughFaults(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CHAOS_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	duration := 4 * time.Minute
	if d, err := time.ParseDuration(os.Getenv("CHAOS_DURATION")); err == nil && d > 0 {
		duration = d
	}
	t.Logf("seed %d (CHAOS_SEED=%d repeats the faults' order and moments); a family starts every 5 s for %v",
		seed, seed, duration)
	stopFaults := injectFaults(t, rand.New(rand.NewPCG(seed, 1)))

	// The county, uploaded and identified while the faults go on.
	dir := t.TempDir()
	if _, err := county.WriteFiles(dir, extracts.CSV, county.Config{Seed: seed, Households: 150}); err != nil {
		t.Fatal(err)
	}
	var uploads []string
	for _, f := range extracts.Feeds() {
		file, err := os.ReadFile(filepath.Join(dir, f.Name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		var up struct {
			ID string `json:"id"`
		}
		body := insist(t, []int{http.StatusCreated, http.StatusOK}, "POST",
			env(t, "IDENTIFICATION_URL")+"/v1/uploads?feed="+f.Name+"&as_of=2016-10-01&file_name="+f.Name+".csv",
			string(file), "Content-Type", "text/csv")
		if err := json.Unmarshal(body, &up); err != nil || up.ID == "" {
			t.Fatalf("upload %s: %s", f.Name, body)
		}
		uploads = append(uploads, up.ID)
	}
	runKey := fmt.Sprintf("chaos-run-%d", seed)
	var run struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	runBody := fmt.Sprintf(`{"plan_id":"lancashire-phase2","reference_date":"2016-10-01","upload_ids":["%s"]}`,
		strings.Join(uploads, `","`))
	_ = json.Unmarshal(
		insist(t, []int{http.StatusAccepted}, "POST", env(t, "IDENTIFICATION_URL")+"/v1/identification-runs",
			runBody, "Idempotency-Key", runKey),
		&run,
	)

	// Families through the programme, side by side, a new one every five seconds, as caseworkers
	// would take them.
	c := temporalClient(t)
	var fams []family
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, began := 0, time.Now(); time.Since(began) < duration; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if f := throughToAClaim(t, c, fmt.Sprintf("%d-%d", seed, i)); f.ID != "" {
				mu.Lock()
				fams = append(fams, f)
				mu.Unlock()
			}
		}()
		time.Sleep(5 * time.Second)
	}
	wg.Wait()
	t.Logf("%d families claimed through the faults", len(fams))
	for deadline := time.Now().Add(5 * time.Minute); run.Status != "COMPLETED"; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("the identification run never completed: %+v", run)
		}
		_ = json.Unmarshal(
			insist(t, []int{http.StatusOK}, "GET", env(t, "IDENTIFICATION_URL")+"/v1/identification-runs/"+run.ID, ""),
			&run,
		)
	}
	if t.Failed() {
		stopFaults()
		t.FailNow()
	}

	// The faults stop; the window takes the claims, the auditor passes those sampled, the
	// window submits them and the payment is recorded.
	stopFaults()
	waitUntilReady(t)
	window := runWindow(t, c, "e2e-seconds", "e2e-later")
	auditor := auth.Principal{Subject: "chaos.auditor", Roles: []string{auth.RoleAuditor}}
	for _, s := range window.GetSample().GetSampled() {
		insist(t, []int{http.StatusOK}, "POST", env(t, "CLAIMS_URL")+"/v1/claims/"+s.GetClaimId()+"/audit-decision",
			`{"passed":true}`, as(t, auditor)...)
	}
	for _, f := range fams {
		waitFor(t, c, f.WorkflowID, "submission", 3*time.Minute, func(s *familypathv1.FamilyState) bool {
			return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_SUBMITTED
		})
	}
	manager := auth.Principal{Subject: "chaos.manager", Roles: []string{auth.RoleProgrammeManager}}
	insist(
		t,
		[]int{http.StatusOK},
		"POST",
		env(t, "CLAIMS_URL")+"/v1/plans/e2e-seconds/claim-windows/e2e-later/payment",
		`{"paid_at":"`+time.Now().UTC().Format(time.RFC3339)+`"}`,
		as(t, manager)...)
	for _, f := range fams {
		waitFor(t, c, f.WorkflowID, "payment", 3*time.Minute, func(s *familypathv1.FamilyState) bool {
			return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_PAID
		})
	}
	invariantsHold(t, c, fams, uploads, run.ID)
}

// throughToAClaim records a family from its evidence, opens its case, attaches it, sends the
// data refreshes that show its outcomes held, and waits for its claim; every request retried
// through the faults.
func throughToAClaim(t *testing.T, c client.Client, key string) family {
	var fam family
	body := insist(t, []int{http.StatusCreated}, "POST", env(t, "IDENTIFICATION_URL")+"/v1/candidate-families",
		`{"plan_id":"e2e-seconds",`+protectionEvidence("", instant()), "Idempotency-Key", "chaos-family-"+key)
	if err := json.Unmarshal(body, &fam); err != nil {
		t.Errorf("family: %s", body)
		return fam
	}
	lead := auth.Principal{Subject: "chaos.lead." + key, Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	cases := env(t, "CASE_URL") + "/v1/families/" + fam.ID
	// A retry of a write that landed before the fault finds it written: the first write of a
	// part needs no If-Match, a second is refused (428) and the part is then read back.
	insist(
		t,
		[]int{http.StatusCreated, http.StatusPreconditionRequired, http.StatusPreconditionFailed},
		"PUT",
		cases+"/allocation",
		`{"team":"preston-1","lead_professional":{"subject":"`+lead.Subject+`","agency":"COUNCIL_FAMILY_SERVICE"}}`,
		as(t, e2eAdmin)...)
	insist(t, []int{http.StatusOK, http.StatusPreconditionRequired}, "PUT", cases+"/assessment",
		`{"completed_on":"`+day(0)+`","needs":[{"member":"p-2","problem":"CHILDREN_NEED_HELP","level":"HIGH"},`+
			`{"member":"p-2","problem":"CRIME","level":"MEDIUM"}]}`, as(t, lead)...)
	insist(t, []int{http.StatusOK, http.StatusPreconditionRequired}, "PUT", cases+"/plan",
		`{"agreed_on":"`+day(0)+`","outcomes":[{"problem":"CHILDREN_NEED_HELP","description":"Stepped down"},`+
			`{"problem":"CRIME","description":"No further incidents"}],"actions":[]}`, as(t, lead)...)
	insist(t, []int{http.StatusCreated}, "POST", env(t, "ATTACHMENT_URL")+"/v1/families/"+fam.ID+"/attachment", "",
		append(as(t, lead), "Idempotency-Key", "chaos-attach-"+key)...)
	waitFor(t, c, fam.WorkflowID, "tracking", 4*time.Minute, func(s *familypathv1.FamilyState) bool {
		return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_TRACKING && s.GetFeeRecorded()
	})
	ended := instant()
	evidence := env(t, "IDENTIFICATION_URL") + "/v1/candidate-families/" + fam.ID + "/evidence"
	insist(t, []int{http.StatusCreated}, "POST", evidence, "{"+protectionEvidence(ended, ended))
	endedAt, _ := time.Parse(time.RFC3339, ended)
	time.Sleep(time.Until(endedAt.Add(22 * time.Second))) // the plan's 20-second sustained period passing
	insist(t, []int{http.StatusCreated}, "POST", evidence, "{"+protectionEvidence(ended, instant()))
	waitFor(t, c, fam.WorkflowID, "a claim", 4*time.Minute, func(s *familypathv1.FamilyState) bool {
		return s.GetClaimId() != "" && s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_CLAIMED
	})
	return fam
}

// insist sends a request until it is answered with one of want, as a client retrying through
// an outage would (the same request, the same Idempotency-Key): a refused connection, a 5xx,
// a 429, a 202 (in progress) or a 409 "Request in progress" is tried again for up to three
// minutes; any other answer fails the test.
func insist(t *testing.T, want []int, method, url, body string, headers ...string) []byte {
	t.Helper()
	var last string
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		resp, err := (&http.Client{Timeout: 40 * time.Second}).Do(newRequest(t, method, url, body, headers...))
		if err != nil {
			last = err.Error()
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		switch {
		case slices.Contains(want, resp.StatusCode):
			return b
		case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests,
			resp.StatusCode == http.StatusAccepted, // 202: in progress, ask again
			// the same key's request still held by a process that died: its hold runs out
			resp.StatusCode == http.StatusConflict && bytes.Contains(b, []byte("Request in progress")):
			last = fmt.Sprintf("%d %.200s", resp.StatusCode, b)
		default:
			t.Errorf("%s %s: %d %.300s", method, url, resp.StatusCode, b)
			return b
		}
	}
	t.Errorf("%s %s: no answer in %v through the faults (last: %s)", method, url, 3*time.Minute, last)
	return nil
}

// injectFaults bounces a process of the stack every 4 to 12 seconds (chosen by rng) until the
// returned func is called, which waits for the fault in progress.
func injectFaults(t *testing.T, rng *rand.Rand) func() {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	stackDir := filepath.Dir(env(t, "FAMILYPATH_BIN_DIR"))
	done, finished := make(chan struct{}), make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(4+rng.IntN(9)) * time.Second):
			}
			name := faults[rng.IntN(len(faults))]
			cmd := exec.Command(filepath.Join(root, "scripts", "stack.sh"), "bounce", stackDir, name)
			cmd.Env = append(os.Environ(), "FAMILYPATH_HEADLESS=1")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			t.Logf("fault at %5.1fs: %s bounced (%v)", time.Since(start).Seconds(), name, err)
			if err != nil {
				t.Errorf("bounce %s: %v\n%s", name, err, out.String())
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-finished }) }
}

// waitUntilReady waits for every API to answer /readyz after the last fault.
func waitUntilReady(t *testing.T) {
	t.Helper()
	for _, s := range []string{"IDENTIFICATION", "ATTACHMENT", "CASE", "TRACKING", "CLAIMS"} {
		insist(t, []int{http.StatusOK}, "GET", env(t, s+"_URL")+"/readyz", "")
	}
}

// invariantsHold checks what the faults must not have broken.
func invariantsHold(t *testing.T, c client.Client, fams []family, uploads []string, runID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	gdb, err := db.Open(ctx, env(t, "DATABASE_URL"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(fams))
	for i, f := range fams {
		ids[i] = f.ID
	}
	count := func(what, sql string, args ...any) map[string]int {
		var rows []struct {
			Key string
			N   int
		}
		if err := gdb.Raw(sql, args...).Scan(&rows).Error; err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		out := map[string]int{}
		for _, r := range rows {
			out[r.Key] = r.N
		}
		return out
	}
	for what, sql := range map[string]string{
		"candidate family":     `SELECT id::text AS key, count(*) AS n FROM identification.candidate_families WHERE id::text IN ? GROUP BY 1`,
		"case":                 `SELECT id::text AS key, count(*) AS n FROM "case".families WHERE id::text IN ? GROUP BY 1`,
		"attachment":           `SELECT family_id::text AS key, count(*) AS n FROM attachment.attachments WHERE family_id::text IN ? GROUP BY 1`,
		"claim":                `SELECT family_id::text AS key, count(*) AS n FROM claims.claims WHERE family_id::text IN ? GROUP BY 1`,
		"paid claim":           `SELECT family_id::text AS key, count(*) AS n FROM claims.claims WHERE status = 'PAID' AND family_id::text IN ? GROUP BY 1`,
		"attachment fee":       `SELECT family_id::text AS key, count(*) AS n FROM claims.ledger WHERE kind = 'ATTACHMENT_FEE' AND family_id::text IN ? GROUP BY 1`,
		"result in the ledger": `SELECT family_id::text AS key, count(*) AS n FROM claims.ledger WHERE kind = 'RESULT' AND family_id::text IN ? GROUP BY 1`,
	} {
		got := count(what, sql, ids)
		for _, id := range ids {
			if got[id] != 1 {
				t.Errorf("family %s has %d of its %s, want exactly one", id, got[id], what)
			}
		}
	}
	// One workflow per family (an id is never started twice), and its phase what the records say.
	for _, f := range fams {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: "WorkflowId = '" + f.WorkflowID + "'"})
		if err != nil {
			t.Fatal(err)
		}
		var runs []enumspb.WorkflowExecutionStatus
		for _, e := range resp.GetExecutions() {
			if e.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
				runs = append(runs, e.GetStatus())
			}
		}
		if len(runs) != 1 || runs[0] == enumspb.WORKFLOW_EXECUTION_STATUS_FAILED ||
			runs[0] == enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
			t.Errorf("family %s: workflow runs %v, want one, not failed", f.ID, runs)
		}
	}
	// The run's fan-out finished, and each family it started has its workflow, not failed.
	fanout := count("the run's fan-out", `SELECT fanout AS key, count(*) AS n FROM identification.run_families
		WHERE run_id = ? GROUP BY 1`, runID)
	if fanout["PENDING"] != 0 || fanout["STARTED"] == 0 {
		t.Errorf("the run's fan-out: %v", fanout)
	}
	var started []string
	if err := gdb.Raw(`SELECT family_id::text FROM identification.run_families WHERE run_id = ? AND fanout = 'STARTED'`,
		runID).Scan(&started).Error; err != nil {
		t.Fatal(err)
	}
	for _, id := range started {
		wf, _ := contract.FamilyWorkflowID(id)
		d, err := c.DescribeWorkflowExecution(ctx, wf, "")
		if err != nil || d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_FAILED {
			t.Errorf("run family %s: workflow %v %v", id, d.GetWorkflowExecutionInfo().GetStatus(), err)
		}
	}
	t.Logf("the run's fan-out: %v", fanout)
	uploadsWhole(t, gdb, uploads)
	auditTrailsVerify(t)
}

// uploadsWhole: every upload's accepted rows are all in extract_rows (a load is one
// transaction: all of a file or none of it).
func uploadsWhole(t *testing.T, gdb *gorm.DB, uploads []string) {
	t.Helper()
	var rows []struct {
		ID       string
		Accepted int
		Kept     int
	}
	if err := gdb.Raw(`SELECT u.id::text AS id, u.rows_accepted AS accepted,
		(SELECT count(*) FROM identification.extract_rows r WHERE r.upload_id = u.id) AS kept
		FROM identification.uploads u`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range rows {
		if slices.Contains(uploads, r.ID) {
			seen++
		}
		if r.Kept != r.Accepted {
			t.Errorf("upload %s: %d rows kept of %d accepted", r.ID, r.Kept, r.Accepted)
		}
	}
	if seen != len(uploads) {
		t.Errorf("%d of the %d uploads are recorded", seen, len(uploads))
	}
}

// auditTrailsVerify walks every service's audit trail, and the codec server's, end to end.
func auditTrailsVerify(t *testing.T) {
	t.Helper()
	bin := env(t, "FAMILYPATH_BIN_DIR")
	for _, cmd := range [][]string{
		{"identification", "audit-verify"}, {"attachment", "audit-verify"}, {"case", "audit-verify"},
		{"tracking", "audit-verify"}, {"claims", "audit-verify"}, {"workflow-worker", "audit-verify"},
	} {
		out, err := exec.Command(filepath.Join(bin, cmd[0]), cmd[1:]...).
			CombinedOutput()
			// #nosec G204 -- the stack's own binaries
		if err != nil {
			t.Errorf("%s audit-verify: %v\n%s", cmd[0], err, out)
		}
	}
}
