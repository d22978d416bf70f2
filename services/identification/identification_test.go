package identification

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/services/identification/internal/candidates"
	"go.temporal.io/api/workflowservice/v1"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestOpenAPIMatchesRoutes(t *testing.T) { servicetest.OpenAPIMatchesRoutes(t, Definition()) }

func TestOpenAPIIsValid(t *testing.T) { servicetest.OpenAPIIsValid(t, Definition()) }

func TestAPIReferenceIsCurrent(t *testing.T) {
	servicetest.APIReferenceIsCurrent(t, Definition(), "../../docs/api/identification.md")
}

func TestOpenAPIFollowsHouseRules(t *testing.T) {
	servicetest.OpenAPIFollowsHouseRules(t, Definition())
}

// api builds the service's real engine against real Postgres, Redis and Temporal. Requests
// without an Authorization header go as a data analyst; tests of access send their own.
func api(t *testing.T) (*testAPI, *service.Deps) {
	t.Helper()
	a := servicetest.New(t, Definition(), servicetest.Options{})
	return &testAPI{a}, a.Deps
}

type testAPI struct{ *servicetest.API }

func (h *testAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, has := r.Header["Authorization"]; !has {
		r.Header.Set("Authorization", "Bearer "+h.Token(analyst("analyst.test")))
	}
	h.Handler.ServeHTTP(w, r)
}

func analyst(subject string) auth.Principal {
	return auth.Principal{Subject: subject, Roles: []string{auth.RoleDataAnalyst}}
}

func call(h http.Handler, method, path, body, key string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(httpapi.HeaderIdempotencyKey, key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// family is a synthetic family's evidence (everyone in it made up) under the Lancashire plan
// on 2016-10-01: a child on a child protection plan and an adult on JSA, so CHILDREN_NEED_HELP
// and WORKLESSNESS. extra facts are added to the list.
func family(extra ...string) string {
	facts := append([]string{
		`{"id":"social_care:1","person":"p-2","feed":"social_care","type":"CP_PLAN","start":"2016-03-01"}`,
		`{"id":"dwp_benefits:1","person":"p-1","feed":"dwp_benefits","type":"JSA","start":"2016-01-04"}`}, extra...)
	return `{"plan_id":"lancashire-phase2","reference_date":"2016-10-01",` +
		`"members":[{"id":"p-1","birth_date":"1985-02-01"},{"id":"p-2","birth_date":"2008-06-15"}],` +
		`"facts":[` + strings.Join(facts, ",") + `]}`
}

func TestCreateRecordsTheFamilyAndStartsItsWorkflowOnce(t *testing.T) {
	h, d := api(t)
	key := "test-" + testenv.Unique()
	body := family()

	first := call(h, "POST", "/v1/candidate-families", body, key)
	if first.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", first.Code, first.Body)
	}
	var got candidates.CandidateBody
	if err := json.Unmarshal(first.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.WorkflowID != "family/"+got.ID || strings.Join(got.ProblemCodes, ",") != "CHILDREN_NEED_HELP,WORKLESSNESS" ||
		got.WorkflowStartedAt == nil {
		t.Errorf("created %+v", got)
	}
	if first.Header().Get("Location") != "/v1/candidate-families/"+got.ID || first.Header().Get("ETag") == "" {
		t.Errorf("headers %v", first.Header())
	}

	// The workflow runs, with its phase visible to operators; no personal data is involved.
	desc, err := d.Temporal.DescribeWorkflowExecution(context.Background(), got.WorkflowID, "")
	if err != nil {
		t.Fatalf("workflow not started: %v", err)
	}
	sa := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	if phase := string(sa["FamilyPhase"].GetData()); !strings.Contains(phase, "FAMILY_PHASE_IDENTIFIED") {
		t.Errorf("FamilyPhase search attribute = %s", phase)
	}

	// A retry, even after Redis lost the answer, finds the same family and the same workflow.
	if err := d.Redis.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	again := call(h, "POST", "/v1/candidate-families", body, key)
	var same candidates.CandidateBody
	_ = json.Unmarshal(again.Body.Bytes(), &same)
	if again.Code != http.StatusCreated || same.ID != got.ID {
		t.Errorf("retry: %d %s", again.Code, again.Body)
	}
	runs, err := d.Temporal.ListWorkflow(context.Background(), listRequest(got.WorkflowID))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(runs.GetExecutions()); n > 1 {
		t.Errorf("%d runs of the family's workflow, want 1", n)
	}

	other := family(`{"id":"police:1","person":"p-1","feed":"police","type":"ASB_INTERVENTION","date":"2016-08-01"}`)
	if w := call(h, "POST", "/v1/candidate-families", other, key); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("same key, other request: %d %s", w.Code, w.Body)
	}
	if w := call(h, "GET", "/v1/candidate-families/"+got.ID, "", ""); w.Code != 200 || w.Header().Get("ETag") == "" {
		t.Errorf("get: %d", w.Code)
	}
}

func TestCreateRejectsBadRequestsFieldByField(t *testing.T) {
	h, _ := api(t)
	w := call(
		h,
		"POST",
		"/v1/candidate-families",
		`{"plan_id":"Bad Plan","reference_date":"01/10/2016"}`,
		"test-"+testenv.Unique(),
	)
	if w.Code != 400 {
		t.Fatalf("status %d", w.Code)
	}
	var p httpapi.Problem
	_ = json.Unmarshal(w.Body.Bytes(), &p)
	fields := map[string]bool{}
	for _, e := range p.Errors {
		fields[e.Field] = true
	}
	for _, f := range []string{"plan_id", "reference_date", "members", "facts"} {
		if !fields[f] {
			t.Errorf("no error for %s: %+v", f, p.Errors)
		}
	}
	if w := call(h, "POST", "/v1/candidate-families", `{}`, ""); w.Code != 400 ||
		!strings.Contains(w.Body.String(), "Idempotency-Key") {
		t.Errorf("missing key: %d %s", w.Code, w.Body)
	}
	if w := call(h, "GET", "/v1/candidate-families/not-a-uuid", "", ""); w.Code != 400 {
		t.Errorf("bad id: %d", w.Code)
	}
	if w := call(h, "GET", "/v1/candidate-families/0b5e3c1e-7f2a-4c39-9d7e-2a6f0c1d9e44", "", ""); w.Code != 404 {
		t.Errorf("unknown id: %d", w.Code)
	}
}

func TestListPagesNewestFirstWithoutGapsOrRepeats(t *testing.T) {
	h, _ := api(t)
	want := map[string]bool{}
	for i := 0; i < 5; i++ {
		w := call(h, "POST", "/v1/candidate-families", family(), "test-"+testenv.Unique())
		var b candidates.CandidateBody
		_ = json.Unmarshal(w.Body.Bytes(), &b)
		want[b.ID] = true
	}
	seen := map[string]bool{}
	path := "/v1/candidate-families?limit=2"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("too many pages")
		}
		w := call(h, "GET", path, "", "")
		var page httpapi.Page[candidates.CandidateBody]
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || w.Code != 200 {
			t.Fatalf("list: %d %s", w.Code, w.Body)
		}
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Errorf("%s listed twice", it.ID)
			}
			seen[it.ID] = true
		}
		path = ""
		if page.NextCursor != "" {
			path = "/v1/candidate-families?limit=2&cursor=" + page.NextCursor
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("%s never listed", id)
		}
	}
}

func listRequest(workflowID string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowId = '" + workflowID + "'"}
}
