package identification

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/identification/internal/candidates"
	"github.com/familypath/familypath/services/identification/internal/evidence"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

func TestEvidenceThatDoesNotMakeAFamilyEligibleIsRefused(t *testing.T) {
	h, _ := api(t)
	one := `{"plan_id":"lancashire-phase2","reference_date":"2016-10-01","members":[{"id":"p-1","birth_date":"1985-02-01"},{"id":"p-2","birth_date":"2008-06-15"}],` +
		`"facts":[{"id":"dwp_benefits:1","person":"p-1","feed":"dwp_benefits","type":"JSA","start":"2016-01-04"}]}`
	w := call(h, "POST", "/v1/candidate-families", one, "test-"+testenv.Unique())
	var p httpapi.Problem
	_ = json.Unmarshal(w.Body.Bytes(), &p)
	if w.Code != http.StatusUnprocessableEntity || p.Type != httpapi.TypeNotEligible ||
		!strings.Contains(p.Detail, "1 of the 2 problems needed (WORKLESSNESS)") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestEvidenceIsCheckedFieldByField(t *testing.T) {
	h, _ := api(t)
	bad := `{"plan_id":"lancashire-phase2","reference_date":"2016-10-01","members":[{"id":"Jane Smith"},{"id":"p-2","birth_date":"2008-06-15"}],` +
		`"facts":[{"id":"f-1","person":"p-9","feed":"police","type":"JSA","date":"2016-01-04"},{"id":"f-2","person":"p-2","feed":"police","type":"ASB_INTERVENTION"}]}`
	w := call(h, "POST", "/v1/candidate-families", bad, "test-"+testenv.Unique())
	var p httpapi.Problem
	_ = json.Unmarshal(w.Body.Bytes(), &p)
	fields := map[string]bool{}
	for _, e := range p.Errors {
		fields[e.Field] = true
	}
	for _, f := range []string{"members[0].id", "facts[0].person", "facts[0].type", "facts[1]"} {
		if !fields[f] {
			t.Errorf("no error for %s: %s", f, w.Body)
		}
	}
	if w.Code != 400 || strings.Contains(w.Body.String(), "Jane") {
		t.Errorf("%d %s", w.Code, w.Body) // the error names the field, never echoes the value
	}
}

// A data refresh: unchanged evidence changes nothing; changed evidence is a new snapshot
// and exactly one signal to the family's workflow.
func TestRefreshSignalsTheWorkflowOnlyWhenTheEvidenceChanged(t *testing.T) {
	h, d := api(t)
	w := call(h, "POST", "/v1/candidate-families", family(), "test-"+testenv.Unique())
	var fam candidates.CandidateBody
	if err := json.Unmarshal(w.Body.Bytes(), &fam); err != nil || w.Code != 201 {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	refresh := func(body string) (int, candidates.RefreshBody) {
		t.Helper()
		body = strings.Replace(body, `"plan_id":"lancashire-phase2",`, "", 1)
		w := call(h, "POST", "/v1/candidate-families/"+fam.ID+"/evidence", body, "")
		var r candidates.RefreshBody
		_ = json.Unmarshal(w.Body.Bytes(), &r)
		return w.Code, r
	}
	if code, r := refresh(family()); code != 200 || r.Changed || r.Snapshot.ID != fam.EvidenceSnapshotID {
		t.Errorf("unchanged: %d %+v", code, r)
	}
	offence := `{"id":"police:1","person":"p-2","feed":"police","type":"PROVEN_OFFENCE","date":"2016-08-01"}`
	code, r := refresh(family(offence))
	if code != 201 || !r.Changed || r.Snapshot.ID == fam.EvidenceSnapshotID || r.Snapshot.FactCount != 3 ||
		strings.Join(r.Snapshot.ProblemCodes, ",") != "CRIME,CHILDREN_NEED_HELP,WORKLESSNESS" {
		t.Errorf("changed: %d %+v", code, r)
	}
	if code, again := refresh(family(offence)); code != 200 || again.Snapshot.ID != r.Snapshot.ID {
		t.Errorf("repeated: %d %+v", code, again)
	}
	if n := signals(t, d.Temporal, fam.WorkflowID); n != 1 {
		t.Errorf("%d evidence signals, want 1", n)
	}
}

// signals counts the evidence signals in a workflow's history.
func signals(t *testing.T, c client.Client, id string) int {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetWorkflowExecutionSignaledEventAttributes(); a != nil &&
			a.GetSignalName() == contract.SignalEvidenceReceived {
			n++
		}
	}
	return n
}

// Tracking reads a snapshot with its own service token; a caseworker cannot; the read is in
// the audit trail.
func TestSnapshotsAreReadByTrackingsServiceTokenAndAudited(t *testing.T) {
	h, d := api(t)
	w := call(h, "POST", "/v1/candidate-families", family(), "test-"+testenv.Unique())
	var fam candidates.CandidateBody
	_ = json.Unmarshal(w.Body.Bytes(), &fam)
	path := evidence.SnapshotPath + fam.EvidenceSnapshotID

	tok, err := h.Issuer.ServiceToken("tracking").Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var snap evidence.SnapshotBody
	if err := json.Unmarshal(rec.Body.Bytes(), &snap); err != nil || rec.Code != 200 || len(snap.Members) != 2 ||
		len(snap.Facts) != 2 ||
		snap.PlanVersion != "lancashire-phase2@1" ||
		snap.FamilyID != fam.ID {
		t.Fatalf("service read: %d %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Error("a snapshot may be cached")
	}
	if snap.Members[0].BirthDate == nil || snap.Members[1].BirthDate == nil {
		t.Errorf("the service read no birth dates: %s", rec.Body)
	}
	// A data analyst reads the evidence, and each member's role at the reference date, never
	// a birth date (an identifying field).
	analyst := auth.Principal{Subject: "da", Roles: []string{auth.RoleDataAnalyst}}
	w = h.Do(analyst, "GET", path, "")
	var seen evidence.SnapshotBody
	if err := json.Unmarshal(w.Body.Bytes(), &seen); err != nil || w.Code != 200 || len(seen.Facts) != 2 ||
		len(seen.Members) != 2 || strings.Contains(w.Body.String(), "birth_date") ||
		seen.Members[0].Role != "adult" || seen.Members[1].Role != "child" {
		t.Errorf("analyst read: %d %s", w.Code, w.Body)
	}
	caseworker := auth.Principal{Subject: "cw", Roles: []string{auth.RoleCaseworker}}
	if w := h.Do(caseworker, "GET", path, ""); w.Code != 403 {
		t.Errorf("caseworker: %d", w.Code)
	}
	events, err := d.Audit.Query(
		context.Background(),
		audit.Filter{ResourceType: "evidence_snapshot", ResourceID: fam.EvidenceSnapshotID},
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Actor != "service:tracking" || events[1].Actor != "da" {
		t.Errorf("audit events %+v", events)
	}
}

// Those who may read a family get its members' person ids (what the case's members name) and
// whether each is an adult or a child, never a name or a date; a caller the case service cannot
// vouch for gets nothing (access fails closed).
func TestMembersGiveTheirPersonIdsToThoseWhoMayReadTheFamily(t *testing.T) {
	h, _ := api(t)
	w := call(h, "POST", "/v1/candidate-families", family(), "test-"+testenv.Unique())
	var fam candidates.CandidateBody
	if err := json.Unmarshal(w.Body.Bytes(), &fam); err != nil || w.Code != 201 {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	w = call(h, "GET", "/v1/candidate-families/"+fam.ID+"/members", "", "")
	var members struct {
		Items []candidates.MemberRef `json:"items"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &members); err != nil || w.Code != 200 || len(members.Items) != 2 {
		t.Fatalf("members: %d %s", w.Code, w.Body)
	}
	roles := map[string]string{}
	for _, m := range members.Items {
		roles[m.PersonID] = m.Role
	}
	if roles["p-1"] != "ADULT" || roles["p-2"] != "CHILD" || strings.Contains(w.Body.String(), "birth") {
		t.Errorf("members: %s", w.Body)
	}
	stranger := auth.Principal{Subject: "cw.x", Roles: []string{auth.RoleCaseworker}, Team: "burnley-2"}
	if w := h.Do(stranger, "GET", "/v1/candidate-families/"+fam.ID+"/members", ""); w.Code != 503 && w.Code != 403 {
		t.Errorf("a caseworker the case service cannot vouch for: %d", w.Code)
	}
}

// Past its retention period a family's records in identification are erased by the
// EraseFamily activity (its candidate record, snapshots, the people runs kept only in it);
// another family's stay; a retry finds nothing.
func TestAFamilysRecordsAreErasedPastRetention(t *testing.T) {
	h, d := api(t)
	var fams [2]string
	for i := range fams {
		w := call(h, "POST", "/v1/candidate-families", family(), "test-"+testenv.Unique())
		var got struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusCreated {
			t.Fatalf("candidate: %d %s", w.Code, w.Body)
		}
		fams[i] = got.ID
	}
	// People a run found in the family, one of them in the other family too.
	only, shared := uuid.New(), uuid.New()
	run := uuid.New()
	for _, err := range []error{
		d.DB.Exec(`INSERT INTO identification.family_members (run_id, family_id, person_id) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)`,
			run.String(), fams[0], only.String(), run.String(), fams[0], shared.String(), uuid.NewString(), fams[1], shared.String()).Error,
		d.DB.Exec(`INSERT INTO identification.person_keys (pseudonym, key_id, person_id, last_run) VALUES (uuid_send(?::uuid), 'k', ?, ?), (uuid_send(?::uuid), 'k', ?, ?)`,
			only.String(), only.String(), run.String(), shared.String(), shared.String(), run.String()).Error,
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	count := func(q string, args ...any) (n int64) {
		d.DB.Raw(q, args...).Scan(&n)
		return n
	}
	erase := h.Activities(Definition())[contract.ActivityIdentificationEraseFamily].(func(context.Context, *familypathv1.EraseFamilyRequest) (*familypathv1.EraseFamilyResponse, error))
	done, err := erase(context.Background(), &familypathv1.EraseFamilyRequest{FamilyId: fams[0]})
	if err != nil || done.GetRows() == 0 {
		t.Fatalf("erased %v: %v", done, err)
	}
	if n := count(`SELECT count(*) FROM identification.candidate_families WHERE id = ?`, fams[0]) +
		count(`SELECT count(*) FROM identification.evidence_snapshots WHERE family_id = ?`, fams[0]) +
		count(`SELECT count(*) FROM identification.family_members WHERE family_id = ?`, fams[0]) +
		count(`SELECT count(*) FROM identification.person_keys WHERE person_id = ?`, only.String()); n != 0 {
		t.Errorf("%d rows about the erased family remain", n)
	}
	if count(`SELECT count(*) FROM identification.person_keys WHERE person_id = ?`, shared.String()) != 1 ||
		count(`SELECT count(*) FROM identification.candidate_families WHERE id = ?`, fams[1]) != 1 {
		t.Error("another family's records went too")
	}
	if again, err := erase(context.Background(), &familypathv1.EraseFamilyRequest{FamilyId: fams[0]}); err != nil ||
		again.GetRows() != 0 {
		t.Errorf("a retry: %v %v", again, err)
	}
}
