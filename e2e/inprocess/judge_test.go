// Package inprocess tests a service's activities against the real services they read from,
// each over its own database and served on loopback in one test process, with one identity
// provider: what no service module can test alone, since no service module requires another.
package inprocess

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	caseservice "github.com/familypath/familypath/services/case"
	"github.com/familypath/familypath/services/identification"
	"github.com/familypath/familypath/services/tracking"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// owners are the real services tracking reads from, each over its own database and served on
// loopback: identification (evidence snapshots) and case (caseworkers' evidence).
type owners struct{ ident, cases *servicetest.API }

// judgeFamily is tracking's JudgeFamily activity.
type judgeFamily func(context.Context, *familypathv1.JudgeFamilyRequest) (*familypathv1.FamilyJudgement, error)

// judgeWithOwners is tracking's JudgeFamily activity as its worker hosts it, over tracking's
// own real database, reading from the owners' real APIs with the service token their shared
// identity provider gives tracking.
func judgeWithOwners(t *testing.T) (judgeFamily, owners, *servicetest.API) {
	t.Helper()
	iss := servicetest.NewIssuer(t)
	o := owners{ident: servicetest.New(t, identification.Definition(), servicetest.Options{Issuer: iss}),
		cases: servicetest.New(t, caseservice.Definition(), servicetest.Options{Issuer: iss})}
	tr := servicetest.New(t, tracking.Definition(), servicetest.Options{Issuer: iss,
		Upstreams: map[string]string{
			contract.QueueIdentification: o.ident.Serve(),
			contract.QueueCase:           o.cases.Serve(),
		}})
	judge, ok := tr.Activities(tracking.Definition())[contract.ActivityTrackingJudgeFamily].(func(context.Context, *familypathv1.JudgeFamilyRequest) (*familypathv1.FamilyJudgement, error))
	if !ok {
		t.Fatal("tracking's worker hosts no JudgeFamily of the expected shape")
	}
	return judge, o, tr
}

var analyst = auth.Principal{Subject: "analyst.test", Roles: []string{auth.RoleDataAnalyst}}

// evidence is a synthetic family (everyone made up): a child on a child protection plan
// from 2016-03-01 and an adult on JSA from 2016-01-04, each ending when given, with the data
// received up to asOf (and the Universal Credit share's when ucShare).
func evidence(cpEnds, jsaEnds, asOf string, ucShare bool) string {
	end := func(d string) string {
		if d == "" {
			return ""
		}
		return `,"end":"` + d + `"`
	}
	coverage := `"coverage":{"social_care":"` + asOf + `","dwp_benefits":"` + asOf + `"`
	if ucShare {
		coverage += `,"dwp_benefits:UC":"` + asOf + `"`
	}
	return `"reference_date":"2016-10-01","members":[{"id":"p-1","birth_date":"1985-02-01"},{"id":"p-2","birth_date":"2008-06-15"}],` +
		`"facts":[{"id":"social_care:1","person":"p-2","feed":"social_care","type":"CP_PLAN","start":"2016-03-01"` + end(
		cpEnds,
	) + `},` +
		`{"id":"dwp_benefits:1","person":"p-1","feed":"dwp_benefits","type":"JSA","start":"2016-01-04"` + end(
		jsaEnds,
	) + `}],` + coverage + `}}`
}

func day(s string) *timestamppb.Timestamp {
	m, err := outcomes.ParseMoment(s)
	if err != nil {
		panic(err)
	}
	return timestamppb.New(m.Time)
}

// identified is a candidate family as identification answers it.
type identified struct {
	ID                 string `json:"id"`
	EvidenceSnapshotID string `json:"evidence_snapshot_id"`
}

// identify has identification identify a family from its evidence under lancashire-phase2.
func identify(t *testing.T, ident *servicetest.API, evidence string) identified {
	t.Helper()
	w := ident.Do(analyst, "POST", "/v1/candidate-families", `{"plan_id":"lancashire-phase2",`+evidence,
		"Idempotency-Key", "test-"+testenv.Unique())
	var fam identified
	if err := json.Unmarshal(w.Body.Bytes(), &fam); err != nil || w.Code != 201 {
		t.Fatalf("identify: %d %s", w.Code, w.Body)
	}
	return fam
}

func TestJudgeFamilyFollowsTheEvidenceToAResult(t *testing.T) {
	judge, o, tr := judgeWithOwners(t)
	ident := o.ident
	ctx := context.Background()
	fam := identify(t, ident, evidence("", "", "2016-10-01", false))
	req := &familypathv1.JudgeFamilyRequest{
		FamilyId:           fam.ID,
		PlanVersion:        "lancashire-phase2@1",
		EvidenceSnapshotId: fam.EvidenceSnapshotID,
		BaselineProblems: []string{
			"CHILDREN_NEED_HELP",
			"WORKLESSNESS",
		},
		AttachedAt: day("2016-10-15"),
		At:         day("2016-11-01"),
	}

	// At attachment both problems are present: nothing to wait for but new evidence.
	j, err := judge(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(j.GetProblems()) != 2 ||
		j.GetProblems()[0].GetStatus() != familypathv1.ProblemStatus_PROBLEM_STATUS_OUTSTANDING ||
		j.GetReviewAt() != nil ||
		j.GetResultRoute() != familypathv1.ResultRoute_RESULT_ROUTE_UNSPECIFIED ||
		len(j.GetBlocking()) != 2 {
		t.Fatalf("at attachment: %v", j)
	}

	// New evidence: the plan ended 2016-12-01 (12 months to sustain), JSA ended 2017-01-02 (6
	// months). With no Universal Credit data and no evidence of work, worklessness stays
	// outstanding, flagged (ruling 2).
	refresh := func(body string) string {
		t.Helper()
		w := ident.Do(analyst, "POST", "/v1/candidate-families/"+fam.ID+"/evidence", "{"+body)
		var refreshed struct {
			Snapshot struct {
				ID string `json:"id"`
			} `json:"snapshot"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &refreshed); err != nil || w.Code != 201 {
			t.Fatalf("refresh: %d %s", w.Code, w.Body)
		}
		return refreshed.Snapshot.ID
	}
	req.EvidenceSnapshotId, req.At = refresh(
		evidence("2016-12-01", "2017-01-02", "2017-02-01", false),
	), day(
		"2017-02-01",
	)
	if j, err = judge(ctx, req); err != nil {
		t.Fatal(err)
	}
	if st := j.GetProblems()[1]; st.GetCode() != "WORKLESSNESS" ||
		st.GetStatus() != familypathv1.ProblemStatus_PROBLEM_STATUS_OUTSTANDING ||
		len(j.GetBlocking()) != 1 ||
		!slices.Contains(j.GetFlags(), outcomes.FlagPossibleUCMove) ||
		j.GetEngineVersion() != outcomes.EngineVersion {
		t.Errorf("JSA ended with nothing after it: %v", j)
	}

	// The same with the council's UC data share showing no UC claim: both in progress. Their
	// data reaches 2017-02-01 only, so only the next extract can change the judgement: no
	// review date, and the earliest claim if progress holds.
	req.EvidenceSnapshotId = refresh(evidence("2016-12-01", "2017-01-02", "2017-02-01", true))
	if j, err = judge(ctx, req); err != nil {
		t.Fatal(err)
	}
	for _, p := range j.GetProblems() {
		if p.GetStatus() != familypathv1.ProblemStatus_PROBLEM_STATUS_SIGNIFICANT_PROGRESS {
			t.Errorf("%s: %v", p.GetCode(), p.GetStatus())
		}
	}
	if cp := j.GetProblems()[0]; cp.GetWaiting() != outcomes.WaitingSustaining ||
		!slices.Contains(cp.GetAwaiting(), "social_care after 2017-02-01") {
		t.Errorf("what the child protection problem waits for: %v", cp)
	}
	if j.GetReviewAt() != nil || !j.GetEarliestClaimAt().AsTime().Equal(day("2017-12-01").AsTime()) ||
		len(j.GetBlocking()) != 0 {
		t.Errorf(
			"review %v, earliest claim %v, blocking %v",
			j.GetReviewAt(),
			j.GetEarliestClaimAt().AsTime(),
			j.GetBlocking(),
		)
	}

	// The lead professional records that the adult was not in work or training on 2017-03-01
	// (a caseworker's NEET fact): worklessness recurred, its 6 months run from then.
	admin := auth.Principal{Subject: "admin", Roles: []string{auth.RoleAdministrator}}
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}}
	if w := o.cases.Do(admin, "PUT", "/v1/families/"+fam.ID+"/allocation", `{"team":"preston-1","lead_professional":{"subject":"cw.lead","agency":"COUNCIL_FAMILY_SERVICE"}}`); w.Code != 201 {
		t.Fatalf("allocate: %d %s", w.Code, w.Body)
	}
	// (The family's workflow, started by identification, takes the signal; no worker runs it here.)
	if w := o.cases.Do(lead, "POST", "/v1/families/"+fam.ID+"/evidence",
		`{"member":"p-1","feed":"caseworker","type":"NEET","date":"2017-03-01","document_ref":"docs://case/17"}`, "Idempotency-Key", "evidence-"+testenv.Unique()); w.Code != 201 {
		t.Fatalf("case evidence: %d %s", w.Code, w.Body)
	}
	req.At = day("2017-04-01")
	if j, err = judge(ctx, req); err != nil {
		t.Fatal(err)
	}
	if w := j.GetProblems()[1]; !w.GetSustainedAt().AsTime().Equal(day("2017-09-01").AsTime()) ||
		!j.GetEarliestClaimAt().AsTime().Equal(day("2017-12-01").AsTime()) {
		t.Errorf(
			"with the case's evidence: worklessness sustained %v, earliest claim %v",
			w.GetSustainedAt().AsTime(),
			j.GetEarliestClaimAt().AsTime(),
		)
	}

	// The next extracts reach 2017-12-01: the day before it, the judgement waits for that
	// day; on it, the result is achieved, and the read model shows it.
	req.EvidenceSnapshotId, req.At = refresh(
		evidence("2016-12-01", "2017-01-02", "2017-12-01", true),
	), day(
		"2017-11-30",
	)
	if j, err = judge(ctx, req); err != nil {
		t.Fatal(err)
	}
	if !j.GetReviewAt().AsTime().Equal(day("2017-12-01").AsTime()) {
		t.Errorf("the day before the deadline, with data to it: review %v", j.GetReviewAt())
	}
	req.At = day("2017-12-01")
	if j, err = judge(ctx, req); err != nil {
		t.Fatal(err)
	}
	if j.GetResultRoute() != familypathv1.ResultRoute_RESULT_ROUTE_SSP ||
		!j.GetAchievedAt().AsTime().Equal(day("2017-12-01").AsTime()) {
		t.Fatalf("at the deadline: %v", j)
	}
	// An older judgement arriving late (a retried activity) does not overwrite it.
	req.At = day("2017-02-01")
	if _, err = judge(ctx, req); err != nil {
		t.Fatal(err)
	}
	var route string
	var outstanding int
	if err := tr.Deps.DB.Raw("SELECT result_route, outstanding FROM tracking.family_status WHERE family_id = ?", fam.ID).Row().Scan(&route, &outstanding); err != nil {
		t.Fatal(err)
	}
	if route != "SSP" || outstanding != 0 {
		t.Errorf("read model: route %q, outstanding %d", route, outstanding)
	}
	var engine, coverage string
	if err := tr.Deps.DB.Raw("SELECT engine_version, coverage::text FROM tracking.family_status WHERE family_id = ?", fam.ID).Row().Scan(&engine, &coverage); err != nil {
		t.Fatal(err)
	}
	if engine != outcomes.EngineVersion || !strings.Contains(coverage, `"social_care": "2017-12-01"`) {
		t.Errorf("read model: engine %q, coverage %s", engine, coverage)
	}
}

func TestJudgeFamilyRefusesWhatNoRetryCanMend(t *testing.T) {
	judge, _, _ := judgeWithOwners(t)
	base := &familypathv1.JudgeFamilyRequest{
		FamilyId:           "0b5e3c1e-7f2a-4c39-9d7e-2a6f0c1d9e44",
		PlanVersion:        "lancashire-phase2@1",
		EvidenceSnapshotId: "0b5e3c1e-7f2a-4c39-9d7e-2a6f0c1d9e45",
		AttachedAt:         day("2016-10-15"),
		At:                 day("2016-11-01"),
	}
	for name, want := range map[string]string{"missing snapshot": "EvidenceNotFound", "unknown plan": "PlanVersionMissing"} {
		t.Run(name, func(t *testing.T) {
			req := proto.Clone(base).(*familypathv1.JudgeFamilyRequest)
			if name == "unknown plan" {
				req.PlanVersion = "lancashire-phase2@99"
			}
			_, err := judge(context.Background(), req)
			var app *temporal.ApplicationError
			if !errors.As(err, &app) || app.Type() != want || !app.NonRetryable() {
				t.Errorf("%s: %v", name, err)
			}
			if err != nil && strings.Contains(err.Error(), "p-1") {
				t.Errorf("%s: the error names a person", name)
			}
		})
	}
}

// A referred family (no identification snapshot) is judged on its case's members and evidence.
func TestJudgeFamilyJudgesAReferredFamilyOnItsCase(t *testing.T) {
	judge, o, _ := judgeWithOwners(t)
	police := auth.Principal{Subject: "pc.1", Roles: []string{auth.RolePartnerWorker}, Agency: "POLICE"}
	w := o.cases.Do(
		police,
		"POST",
		"/v1/referrals",
		`{"plan_id":"lancashire-phase2","team":"preston-1","reason_code":"POLICE_CONCERN",`+
			`"members":[{"person_id":"r-1","role":"ADULT","relationship":"PARENT_CARER","birth_date":"1984-05-02"},{"person_id":"r-2","role":"CHILD","relationship":"CHILD","birth_date":"2012-09-14"}],`+
			`"facts":[{"member":"r-2","feed":"police","type":"ASB_INTERVENTION","date":"`+time.Now().AddDate(0, -1, 0).Format(time.DateOnly)+`","document_ref":"police://1"},`+
			`{"member":"r-1","feed":"police","type":"DVA_INCIDENT","date":"`+time.Now().AddDate(0, -2, 0).Format(time.DateOnly)+`","document_ref":"police://2"}]}`,
		"Idempotency-Key",
		"test-"+testenv.Unique(),
	)
	var ref struct {
		FamilyID string `json:"family_id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &ref); err != nil || w.Code != 201 {
		t.Fatalf("refer: %d %s", w.Code, w.Body)
	}
	now := time.Now()
	j, err := judge(
		context.Background(),
		&familypathv1.JudgeFamilyRequest{FamilyId: ref.FamilyID, PlanVersion: "lancashire-phase2@1",
			BaselineProblems: []string{
				"CRIME",
				"DOMESTIC_ABUSE",
			}, AttachedAt: timestamppb.New(now), At: timestamppb.New(now)},
	)
	if err != nil {
		t.Fatal(err)
	}
	// Both outcomes met since the incidents, sustained 6 months after each: the later is the claim date.
	if len(j.GetProblems()) != 2 ||
		j.GetProblems()[0].GetStatus() != familypathv1.ProblemStatus_PROBLEM_STATUS_SIGNIFICANT_PROGRESS ||
		j.GetEarliestClaimAt() == nil {
		t.Errorf("judgement %v", j)
	}
}
