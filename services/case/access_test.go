package caseservice

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/case/internal/allocations"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var (
	admin = auth.Principal{Subject: "admin.one", Roles: []string{auth.RoleAdministrator}}
	lead  = auth.Principal{
		Subject: "cw.lead",
		Roles:   []string{auth.RoleCaseworker},
		Team:    "preston-1",
		Agency:  "COUNCIL_FAMILY_SERVICE",
	}
	teammate = auth.Principal{Subject: "cw.teammate", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	stranger = auth.Principal{Subject: "cw.stranger", Roles: []string{auth.RoleCaseworker}, Team: "burnley-2"}
	police   = auth.Principal{Subject: "pc.partner", Roles: []string{auth.RolePartnerWorker}, Agency: "POLICE"}
	manager  = auth.Principal{Subject: "tm.preston", Roles: []string{auth.RoleTeamManager}, Team: "preston-1"}
	analyst  = auth.Principal{Subject: "da.one", Roles: []string{auth.RoleDataAnalyst}}
	auditor  = auth.Principal{Subject: "ia.one", Roles: []string{auth.RoleAuditor}}
)

// allocate gives a new family to preston-1 with lead as lead professional; police partner is
// lead professional of a second family.
func allocate(t *testing.T, a *servicetest.API) (string, string) {
	t.Helper()
	fam, partnerFam := uuid.NewString(), uuid.NewString()
	startFamily(t, a, fam)
	startFamily(t, a, partnerFam)
	if w := a.Do(admin, "PUT", "/v1/families/"+fam+"/allocation",
		`{"team":"preston-1","lead_professional":{"subject":"cw.lead","agency":"COUNCIL_FAMILY_SERVICE"},"caseworkers":["cw.second"]}`); w.Code != 201 {
		t.Fatalf("allocate: %d %s", w.Code, w.Body)
	}
	if w := a.Do(admin, "PUT", "/v1/families/"+partnerFam+"/allocation",
		`{"team":"burnley-2","lead_professional":{"subject":"pc.partner","agency":"POLICE"}}`); w.Code != 201 {
		t.Fatalf("allocate: %d %s", w.Code, w.Body)
	}
	return fam, partnerFam
}

func TestAccessIsRefusedWithTheRightStatusAndEachRefusalIsAudited(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, partnerFam := allocate(t, a)
	path := "/v1/families/" + fam + "/allocation"

	now := time.Now()
	claims := func(change func(jwt.MapClaims)) string {
		c := jwt.MapClaims{
			"iss":   auth.DevIssuerName,
			"aud":   auth.DevAudience,
			"sub":   "cw.lead",
			"roles": []string{auth.RoleCaseworker},
			"team":  "preston-1",
			"iat":   now.Unix(),
			"exp":   now.Add(time.Hour).Unix(),
		}
		change(c)
		s, err := a.Issuer.MintClaims(c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := a.Token(lead)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + strings.TrimRight(parts[1], "=") + "x." + parts[2]

	for _, c := range []struct {
		name   string
		who    auth.Principal // used when token is empty
		token  string
		path   string
		status int
		actor  string
	}{
		{"no token", auth.Principal{}, "", path, 401, audit.Anonymous},
		{"tampered token", auth.Principal{}, tampered, path, 401, audit.Anonymous},
		{"expired token", auth.Principal{}, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }), path, 401, audit.Anonymous},
		{"wrong audience", auth.Principal{}, claims(func(c jwt.MapClaims) { c["aud"] = "another-app" }), path, 401, audit.Anonymous},
		{"wrong role", analyst, "", path, 403, analyst.Subject},
		{"another team's family", stranger, "", path, 403, stranger.Subject},
		{"partner agency beyond its families", police, "", path, 403, police.Subject},
		{"caseworker may not allocate", lead, "", path, 403, lead.Subject},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Run(c.name, func(t *testing.T) {
				var before []audit.Event
				before, _ = a.Deps.Audit.Query(context.Background(), audit.Filter{Outcome: audit.Refused, Limit: 1000})
				method, body := "GET", ""
				if c.name == "caseworker may not allocate" {
					method, body = "PUT", `{"team":"preston-1"}`
				}
				headers := []string{}
				if c.token != "" {
					headers = append(headers, "Authorization", "Bearer "+c.token)
				}
				w := a.Do(c.who, method, c.path, body, headers...)
				if w.Code != c.status {
					t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
				}
				if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" ||
					strings.Contains(w.Body.String(), fam) {
					t.Errorf("body %s (%s)", w.Body, ct)
				}
				after, _ := a.Deps.Audit.Query(context.Background(), audit.Filter{Outcome: audit.Refused, Limit: 1000})
				if len(after) != len(before)+1 {
					t.Fatalf("%d refusal rows added, want 1", len(after)-len(before))
				}
				e := after[len(after)-1]
				if e.Actor != c.actor || e.Reason == "" || e.RequestID == "" {
					t.Errorf("audit row %+v", e)
				}
			})
		})
	}

	// Those with a relationship read, and each read is audited with the relationship.
	for _, p := range []auth.Principal{lead, teammate, manager} {
		if w := a.Do(p, "GET", path, ""); w.Code != 200 {
			t.Errorf("%s: %d %s", p.Subject, w.Code, w.Body)
		}
	}
	if w := a.Do(police, "GET", "/v1/families/"+partnerFam+"/allocation", ""); w.Code != 200 {
		t.Errorf("partner on their own family: %d", w.Code)
	}
	reads, _ := a.Deps.Audit.Query(
		context.Background(),
		audit.Filter{ResourceID: fam, Outcome: audit.Allowed, Limit: 1000},
	)
	var readers []string
	for _, e := range reads {
		if e.Action == "family.read" {
			readers = append(readers, e.Actor+":"+e.Reason)
		}
	}
	if strings.Join(
		readers,
		",",
	) != "cw.lead:role caseworker as lead_professional,cw.teammate:role caseworker as same_team,tm.preston:role team_manager as same_team" {
		t.Errorf("audited reads: %v", readers)
	}

	// Auditors read the trail through the API; the chain verifies; nothing personal is in it.
	w := a.Do(auditor, "GET", "/v1/audit-events?outcome=refused&limit=200", "")
	var page struct {
		Items []audit.Event `json:"items"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || w.Code != 200 || len(page.Items) != 8 {
		t.Fatalf("auditor's query: %d %s", w.Code, w.Body)
	}
	w = a.Do(auditor, "GET", "/v1/audit-trail/verification", "")
	var rep audit.Report
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil || !rep.OK() || rep.Events < 15 {
		t.Fatalf("verification: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "GET", "/v1/audit-events", ""); w.Code != 403 {
		t.Errorf("a caseworker reads the trail: %d", w.Code)
	}
}

func TestAllocationChangesNeedTheTeamsManagerAndTheCurrentVersion(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	path := "/v1/families/" + fam + "/allocation"
	w := a.Do(manager, "GET", path, "")
	etag := w.Header().Get("ETag")
	change := `{"team":"preston-1","lead_professional":{"subject":"cw.teammate","agency":"COUNCIL_FAMILY_SERVICE"}}`
	if w := a.Do(manager, "PUT", path, change); w.Code != 428 {
		t.Errorf("no If-Match: %d", w.Code)
	}
	if w := a.Do(manager, "PUT", path, change, "If-Match", `"v9"`); w.Code != 412 {
		t.Errorf("stale If-Match: %d", w.Code)
	}
	if w := a.Do(manager, "PUT", path, change, "If-Match", etag); w.Code != 200 {
		t.Fatalf("manager's change: %d %s", w.Code, w.Body)
	}
	// The old lead professional is now only a team member; the new one leads.
	for _, c := range []struct {
		p    auth.Principal
		want string
	}{{lead, "same_team"}, {teammate, "lead_professional"}, {stranger, "none"}} {
		p, want := c.p, c.want
		w := a.Do(p, "GET", "/v1/families/"+fam+"/relationship", "")
		if !strings.Contains(w.Body.String(), `"relationship":"`+want+`"`) {
			t.Errorf("%s: %s, want %s", p.Subject, w.Body, want)
		}
	}
	if w := a.Do(manager, "PUT", path, `{"team":"Preston 1","caseworkers":["a","a"]}`, "If-Match", etag); w.Code != 400 ||
		!strings.Contains(w.Body.String(), `"field":"team"`) ||
		!strings.Contains(w.Body.String(), `"field":"caseworkers"`) {
		t.Errorf("bad body: %d %s", w.Code, w.Body)
	}
}

func TestRestrictionOfProcessingReachesEveryAccessAnswer(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	restriction := "/v1/families/" + fam + "/restriction"
	if w := a.Do(lead, "PUT", restriction, `{"restricted":true,"ground":"ACCURACY_CONTESTED"}`); w.Code != 403 {
		t.Errorf("a caseworker restricts: %d", w.Code)
	}
	if w := a.Do(admin, "PUT", restriction, `{"restricted":true}`); w.Code != 400 ||
		!strings.Contains(w.Body.String(), `"field":"ground"`) {
		t.Errorf("no ground: %d %s", w.Code, w.Body)
	}
	if w := a.Do(admin, "PUT", "/v1/families/"+uuid.NewString()+"/restriction", `{"restricted":true,"ground":"OBJECTION_PENDING"}`); w.Code != 404 {
		t.Errorf("a family with no case: %d", w.Code)
	}
	// The family's workflow is told (here a stand-in that returns the first signal it gets).
	queue := "restriction-test-" + testenv.Unique()
	wk := worker.New(a.Deps.Temporal, queue, worker.Options{})
	wk.RegisterWorkflowWithOptions(func(ctx workflow.Context) (bool, error) {
		var sig familypathv1.RestrictionChanged
		workflow.GetSignalChannel(ctx, contract.SignalRestrictionChanged).Receive(ctx, &sig)
		return sig.GetRestricted(), nil
	}, workflow.RegisterOptions{Name: "restriction-listener"})
	if err := wk.Start(); err != nil {
		t.Fatal(err)
	}
	defer wk.Stop()
	wfID, _ := contract.FamilyWorkflowID(fam)
	if err := a.Deps.Temporal.TerminateWorkflow(context.Background(), wfID, "", "test: a stand-in takes the family's signals"); err != nil {
		t.Fatal(err)
	}
	run, err := a.Deps.Temporal.ExecuteWorkflow(
		context.Background(),
		client.StartWorkflowOptions{ID: wfID, TaskQueue: queue},
		"restriction-listener",
	)
	if err != nil {
		t.Fatal(err)
	}
	w := a.Do(admin, "PUT", restriction, `{"restricted":true,"ground":"ACCURACY_CONTESTED"}`)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"ground":"ACCURACY_CONTESTED"`) {
		t.Fatalf("restrict: %d %s", w.Code, w.Body)
	}
	var told bool
	if err := run.Get(context.Background(), &told); err != nil || !told {
		t.Errorf("the family's workflow was not told of the restriction: %v %v", told, err)
	}
	if w := a.Do(lead, "GET", "/v1/families/"+fam+"/relationship", ""); !strings.Contains(
		w.Body.String(),
		`"relationship":"lead_professional","restricted":true`,
	) {
		t.Errorf("relationship while restricted: %s", w.Body)
	}
	if w := a.Do(lead, "GET", "/v1/families/"+fam+"/allocation", ""); w.Code != 200 ||
		!strings.Contains(w.Body.String(), `"restriction":{`) {
		t.Errorf("the record is not readable while restricted: %d %s", w.Code, w.Body)
	}
	if w := a.Do(manager, "PUT", "/v1/families/"+fam+"/allocation", `{"team":"preston-2","caseworkers":[]}`, "If-Match", `"v1"`); w.Code != http.StatusLocked {
		t.Errorf("an allocation change while restricted: %d %s", w.Code, w.Body)
	}
	if w := a.Do(admin, "PUT", restriction, `{"restricted":false}`); w.Code != 200 ||
		strings.Contains(w.Body.String(), `"restriction"`) {
		t.Errorf("lift: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "GET", "/v1/families/"+fam+"/relationship", ""); !strings.Contains(
		w.Body.String(),
		`"restricted":false`,
	) {
		t.Errorf("relationship after lifting: %s", w.Body)
	}
	events, _ := a.Deps.Audit.Query(context.Background(), audit.Filter{ResourceID: fam, Limit: 100})
	var restricts []string
	for _, e := range events {
		if e.Action == "family.restrict" {
			restricts = append(restricts, e.Actor+"/"+e.Outcome)
		}
	}
	if strings.Join(restricts, " ") != "cw.lead/refused admin.one/allowed admin.one/allowed" {
		t.Errorf("restriction changes audited: %v", restricts)
	}
}

func TestGatherAttachmentAnswersFromTheAllocation(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	acts := allocations.Activities{Store: allocations.Store{DB: a.Deps.DB}}
	facts, err := acts.GatherAttachment(context.Background(), &familypathv1.GatherAttachmentRequest{FamilyId: fam})
	if err != nil || !facts.GetLeadProfessional() || facts.GetLeadAgency() != "COUNCIL_FAMILY_SERVICE" ||
		facts.GetTeam() != "preston-1" ||
		facts.GetWholeFamilyAssessment() ||
		facts.GetFamilyPlan() {
		t.Errorf("facts %v %v", facts, err)
	}
	if none, err := acts.GatherAttachment(context.Background(), &familypathv1.GatherAttachmentRequest{FamilyId: uuid.NewString()}); err != nil ||
		none.GetLeadProfessional() {
		t.Errorf("no case: %v %v", none, err)
	}
}
