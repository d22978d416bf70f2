//go:build e2e

// Package e2e drives the running system through its HTTP APIs, as a front end would, against
// real Postgres, Redis and a Temporal dev server, with every binary running as a process.
// `make test` starts the stack (scripts/stack.sh up) and runs these with -tags e2e.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/proto/contract"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
)

func env(t *testing.T, k string) string {
	t.Helper()
	v := os.Getenv(k)
	if v == "" {
		t.Fatalf("%s is not set: run the end-to-end tests through `make test` (they need the running stack)", k)
	}
	return v
}

// analyst is who requests go as unless they carry their own Authorization header.
var analyst = auth.Principal{Subject: "e2e.analyst", Roles: []string{auth.RoleDataAnalyst}}

// token mints an access token from the stack's development issuer (the folder beside its JWKS).
func token(t *testing.T, p auth.Principal) string {
	t.Helper()
	jwks := strings.TrimPrefix(env(t, "OIDC_JWKS_URL"), "file://")
	d, err := auth.OpenDevIssuer(filepath.Dir(jwks))
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.Mint(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newRequest is a JSON request as the analyst, or as the Authorization header among headers
// (name, value pairs).
func newRequest(t *testing.T, method, url, body string, headers ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token(t, analyst))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// request sends a request as the analyst, or as the Authorization header among headers.
func request(t *testing.T, method, url, body string, headers ...string) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(newRequest(t, method, url, body, headers...))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// The walking skeleton: identification records a candidate family and starts its
// FamilyLifecycle workflow; the workflow asks identification (an activity on its task queue)
// for the family's problem codes; the state is read back through the API, which queries it.
func TestCandidateFamilyReachesItsWorkflowAndBack(t *testing.T) {
	base := env(t, "IDENTIFICATION_URL")
	created := newFamily(t, "EDUCATION", "CRIME", "HEALTH")
	var code int
	var body []byte

	var state struct {
		Phase        string   `json:"phase"`
		ProblemCodes []string `json:"problem_codes"`
		WaitingFor   string   `json:"waiting_for"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body = request(t, "GET", base+"/v1/candidate-families/"+created.ID+"/lifecycle", "")
		if code == http.StatusOK {
			_ = json.Unmarshal(body, &state)
			if len(state.ProblemCodes) == 3 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflow state never showed the problem codes: %d %s", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if state.Phase != "IDENTIFIED" || state.WaitingFor != "attachment by a lead professional" {
		t.Errorf("state %+v", state)
	}
	historyIsCiphertext(t, "family/"+created.ID, "EDUCATION", "HEALTH", "CRIME")
}

// historyIsCiphertext reads a workflow's history as Temporal stores it (with no key) and
// fails on any payload that is not encrypted or any of the given words in plaintext, and on
// an id, memo or search attribute that is not codes, dates and opaque ids.
func historyIsCiphertext(t *testing.T, id string, words ...string) {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: env(t, "TEMPORAL_ADDRESS"), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	payloads := 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		// Search attributes are not payloads (stored as JSON by design, checked below).
		if st := ev.GetWorkflowExecutionStartedEventAttributes(); st != nil {
			st.SearchAttributes = nil
		}
		if ev.GetUpsertWorkflowSearchAttributesEventAttributes() != nil {
			continue
		}
		b, _ := proto.Marshal(ev) // payload bytes appear in the wire form as stored
		for _, w := range words {
			if bytes.Contains(b, []byte(w)) {
				t.Errorf("%s event %d (%s) holds %q in plaintext", id, ev.GetEventId(), ev.GetEventType(), w)
			}
		}
		if bytes.Contains(b, []byte("json/plain")) || bytes.Contains(b, []byte("json/protobuf")) ||
			bytes.Contains(b, []byte("binary/plain")) {
			t.Errorf("%s event %d (%s) holds an unencrypted payload", id, ev.GetEventId(), ev.GetEventType())
		}
		payloads += bytes.Count(b, []byte("binary/encrypted"))
	}
	if payloads == 0 {
		t.Errorf("%s: no encrypted payload in its history", id)
	}
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	info := desc.GetWorkflowExecutionInfo()
	if len(info.GetMemo().GetFields()) > 0 {
		t.Errorf("%s has a memo: %v", id, info.GetMemo())
	}
	for name, p := range info.GetSearchAttributes().GetIndexedFields() {
		if name == "BuildIds" { // Temporal's own: which worker build ran it
			continue
		}
		if !opaque.Match(p.GetData()) {
			t.Errorf("%s: search attribute %s = %s is not a code, number, date or opaque id", id, name, p.GetData())
		}
	}
}

// opaque is what a search attribute may hold: codes, numbers, dates, ids and plan versions
// ("lancashire-phase2@1"), never words.
var opaque = regexp.MustCompile(
	`^(\[?"[A-Z0-9_:./-]*"\]?|-?[0-9]+|"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"|"[a-z0-9-]+(@[0-9]+)?"|\[("[A-Za-z0-9_-]+",?)*\])$`,
)

// Every service's API is ready and every worker polls its task queue.
func TestEveryServiceIsReadyAndEveryWorkerPolls(t *testing.T) {
	for _, s := range []string{"IDENTIFICATION", "ATTACHMENT", "CASE", "TRACKING", "CLAIMS"} {
		code, body := request(t, "GET", env(t, s+"_URL")+"/readyz", "")
		if code != http.StatusOK {
			t.Errorf("%s not ready: %d %s", s, code, body)
		}
	}
	c, err := client.Dial(client.Options{HostPort: env(t, "TEMPORAL_ADDRESS"), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	queues := map[string]enumspb.TaskQueueType{
		contract.QueueFamilyLifecycle: enumspb.TASK_QUEUE_TYPE_WORKFLOW,
		contract.QueueIdentification:  enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		contract.QueueAttachment:      enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		contract.QueueCase:            enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		contract.QueueTracking:        enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		contract.QueueClaims:          enumspb.TASK_QUEUE_TYPE_ACTIVITY,
	}
	for q, typ := range queues {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := c.DescribeTaskQueue(ctx, q, typ)
		cancel()
		if err != nil || len(resp.GetPollers()) == 0 {
			t.Errorf("task queue %s: no poller (%v)", q, err)
		}
	}
}

// family is a candidate family recorded through identification's API.
type family struct {
	ID         string `json:"id"`
	WorkflowID string `json:"workflow_id"`
}

// evidenceFor is a synthetic fact (everyone made up) evidencing each problem under the
// Lancashire plan on 2016-10-01: p-1 is the adult, p-2 the child.
var evidenceFor = map[string]string{
	"EDUCATION":          `{"id":"not_on_roll:1","person":"p-2","feed":"not_on_roll","type":"NOT_ON_ROLL","date":"2016-06-01"}`,
	"CRIME":              `{"id":"police:1","person":"p-2","feed":"police","type":"ASB_INTERVENTION","date":"2016-07-01"}`,
	"HEALTH":             `{"id":"health:1","person":"p-1","feed":"health","type":"ADULT_MENTAL_HEALTH","date":"2016-05-01"}`,
	"WORKLESSNESS":       `{"id":"dwp_benefits:1","person":"p-1","feed":"dwp_benefits","type":"JSA","start":"2016-02-01"}`,
	"CHILDREN_NEED_HELP": `{"id":"social_care:1","person":"p-2","feed":"social_care","type":"CP_PLAN","start":"2016-03-01"}`,
	"DOMESTIC_ABUSE":     `{"id":"police:2","person":"p-1","feed":"police","type":"DVA_INCIDENT","date":"2016-08-01"}`,
}

// newFamily records a candidate family whose evidence shows the problems, as the analyst,
// with a fresh Idempotency-Key; its workflow starts.
func newFamily(t *testing.T, codes ...string) family {
	t.Helper()
	facts := make([]string, len(codes))
	for i, c := range codes {
		facts[i] = evidenceFor[c]
	}
	return recordFamily(t, `{"plan_id":"lancashire-phase2","reference_date":"2016-10-01",`+
		`"members":[{"id":"p-1","birth_date":"1984-05-02"},{"id":"p-2","birth_date":"2007-09-14"}],"facts":[`+strings.Join(facts, ",")+`]}`)
}

// recordFamily sends a candidate family's evidence to identification's API.
func recordFamily(t *testing.T, body string) family {
	t.Helper()
	code, resp := request(t, "POST", env(t, "IDENTIFICATION_URL")+"/v1/candidate-families", body,
		"Idempotency-Key", fmt.Sprintf("e2e-%s-%d", t.Name(), time.Now().UnixNano()))
	var f family
	if err := json.Unmarshal(resp, &f); err != nil || code != http.StatusCreated {
		t.Fatalf("create a family: %d %s", code, resp)
	}
	return f
}

// temporalClient is a client of the running stack's Temporal, with its payload keys as every
// process of the stack has them; it is closed when the test ends.
func temporalClient(t *testing.T) client.Client {
	t.Helper()
	b, err := os.ReadFile(env(t, "PAYLOAD_KEYS_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	c, err := temporalx.Dial(
		context.Background(),
		temporalx.Config{Address: env(t, "TEMPORAL_ADDRESS"), Namespace: "default", PayloadKeys: keys},
		nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)),
		nil,
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
