package caseservice

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/subjectaccess"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
)

// Members are kept sealed, shown whole to those working with the family, without names and
// birth dates to a caseworker who only shares the team, and served to tracking with their ages.
func TestMembersAreSealedAndShownByRelationship(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	teammate := auth.Principal{Subject: "cw.other", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	body := `{"members":[{"person_id":"p-1","role":"ADULT","relationship":"PARENT_CARER","known_as":"Sam Example","birth_date":"1984-05-02"},` +
		`{"person_id":"p-2","role":"CHILD","relationship":"CHILD","known_as":"Alex Example","birth_date":"2012-09-14"}]}`
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/members", body); w.Code != 200 {
		t.Fatalf("members: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/members", `{"members":[{"person_id":"p-1","role":"ADULT","relationship":"PARENT_CARER"},{"person_id":"p-1","role":"CHILD","relationship":"CHILD"}]}`); w.Code != 400 {
		t.Errorf("a person twice: %d", w.Code)
	}
	// Replacing recorded members needs the version they were read at.
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/members", body); w.Code != 428 {
		t.Errorf("a second PUT without If-Match: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/members", body, "If-Match", `"v7"`); w.Code != 412 {
		t.Errorf("a stale If-Match: %d %s", w.Code, w.Body)
	}
	read := a.Do(lead, "GET", "/v1/families/"+fam+"/members", "")
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/members", body, "If-Match", read.Header().Get("ETag")); w.Code != 200 ||
		w.Header().Get("ETag") != `"v2"` {
		t.Errorf("a PUT on the version read (%s): %d %s", read.Header().Get("ETag"), w.Code, w.Body)
	}
	if w := a.Do(lead, "GET", "/v1/families/"+fam+"/members", ""); !strings.Contains(w.Body.String(), "Sam Example") {
		t.Errorf("lead: %s", w.Body)
	}
	if w := a.Do(teammate, "GET", "/v1/families/"+fam+"/members", ""); w.Code != 200 ||
		strings.Contains(w.Body.String(), "Example") ||
		strings.Contains(w.Body.String(), "1984") ||
		!strings.Contains(w.Body.String(), `"withheld":true`) {
		t.Errorf("teammate: %d %s", w.Code, w.Body)
	}
	var stored int64
	a.Deps.DB.Raw(`SELECT count(*) FROM "case".members WHERE position('Example' in encode(identity, 'escape')) > 0`).
		Scan(&stored)
	if stored != 0 {
		t.Error("a name is stored in clear")
	}
	service := auth.Principal{Subject: "service:tracking", Roles: []string{auth.RoleService}}
	if w := a.Do(service, "GET", "/v1/families/"+fam+"/evidence", ""); !strings.Contains(
		w.Body.String(),
		`"birth_date":"2012-09-14"`,
	) ||
		strings.Contains(w.Body.String(), "Example") {
		t.Errorf("tracking's read: %s", w.Body)
	}
}

// A field key rotation reseals the members' identities: the new key alone opens them.
func TestMembersResealUnderANewFieldKey(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	body := `{"members":[{"person_id":"p-1","role":"ADULT","relationship":"PARENT_CARER","known_as":"Sam Example","birth_date":"1984-05-02"},` +
		`{"person_id":"p-2","role":"CHILD","relationship":"CHILD","known_as":"Alex Example","birth_date":"2012-09-14"}]}`
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/members", body); w.Code != 200 {
		t.Fatalf("members: %d %s", w.Code, w.Body)
	}
	a.RotateFieldKeys(Definition().Sealed, 2)
}

// Evidence is about a member of the family (once its members are recorded) and of what has
// happened: a date after today is refused.
func TestEvidenceIsAboutAMemberAndNotInTheFuture(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	post := func(body string) *httptest.ResponseRecorder {
		return a.Do(lead, "POST", "/v1/families/"+fam+"/evidence", body, "Idempotency-Key", "key-"+testenv.Unique())
	}
	tomorrow := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	if w := post(`{"member":"p-1","feed":"employment","type":"EMPLOYMENT","start":"` + tomorrow + `","document_ref":"docs://payslip/1"}`); w.Code != 400 ||
		!strings.Contains(w.Body.String(), "must not be in the future") {
		t.Errorf("a start in the future: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/members", `{"members":[{"person_id":"p-1","role":"ADULT","relationship":"PARENT_CARER"}]}`); w.Code != 200 {
		t.Fatalf("members: %d %s", w.Code, w.Body)
	}
	if w := post(`{"member":"p-9","feed":"employment","type":"EMPLOYMENT","start":"2017-02-01","document_ref":"docs://payslip/1"}`); w.Code != 400 ||
		!strings.Contains(w.Body.String(), "not a member of the family") {
		t.Errorf("evidence about someone else: %d %s", w.Code, w.Body)
	}
	if w := post(`{"member":"p-1","feed":"employment","type":"EMPLOYMENT","start":"2017-02-01","document_ref":"docs://payslip/1"}`); w.Code != 201 {
		t.Errorf("evidence about a member: %d %s", w.Code, w.Body)
	}
}

// A subject access request names a person by surname and date of birth: the case service finds
// them among the members (sealed; the surname as the family uses it), and exports their
// family's record with the names opened, recorded in its audit trail without the name.
func TestASubjectAccessRequestFindsAMemberByNameAndExportsTheCase(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	other, _ := allocate(t, a)
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	surname := "Example" + testenv.Unique()
	for f, child := range map[string]string{fam: "Alex " + surname, other: "Alex Otherfamily"} {
		body := `{"members":[{"person_id":"p-1","role":"ADULT","relationship":"PARENT_CARER","known_as":"Sam Example","birth_date":"1984-05-02"},` +
			`{"person_id":"p-2","role":"CHILD","relationship":"CHILD","known_as":"` + child + `","birth_date":"2012-09-14"}]}`
		if w := a.Do(lead, "PUT", "/v1/families/"+f+"/members", body); w.Code != 200 {
			t.Fatalf("members: %d %s", w.Code, w.Body)
		}
	}
	if w := a.Do(lead, "POST", "/v1/families/"+fam+"/notes", `{"class":"ORDINARY","body":"Alex is settled."}`, "Idempotency-Key", "key-"+testenv.Unique()); w.Code != 201 {
		t.Fatalf("note: %d %s", w.Code, w.Body)
	}
	var out, report bytes.Buffer
	if err := service.ExportSubject(context.Background(), Definition(), a.Deps, []string{"--requested-by", "dpo.one", "--reference", "SAR-1",
		"--surname", " " + strings.ToLower(surname), "--dob", "2012-09-14"}, &out, &report); err != nil {
		t.Fatal(err)
	}
	var e subjectaccess.Export
	if err := json.Unmarshal(out.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if strings.Join(e.Subject.FamilyIDs, ",") != fam || strings.Join(e.Subject.PersonIDs, ",") != "p-2" {
		t.Fatalf("found %+v, want p-2 of %s", e.Subject, fam)
	}
	for _, section := range []string{"families", "members", "allocations", "notes", "audit_events"} {
		if len(e.Sections[section]) == 0 {
			t.Errorf("nothing in %s", section)
		}
	}
	if s := out.String(); !strings.Contains(s, "Alex "+surname) || !strings.Contains(s, "Alex is settled.") ||
		strings.Contains(s, "Otherfamily") {
		t.Errorf("the export does not hold the family's record, names opened, and only it:\n%s", s)
	}
	events, _ := a.Deps.Audit.Query(context.Background(), audit.Filter{ResourceType: "subject-access-request"})
	if len(events) != 1 || events[0].ResourceID != "SAR-1" || strings.Contains(events[0].Reason, surname) {
		t.Errorf("recorded %+v", events)
	}
}

// Past its retention period a family's case record is erased whole by the EraseFamily activity
// (recorded first in the audit trail), held while its processing is restricted; another
// family's record is untouched, and a retry finds nothing to erase.
func TestAFamilysCaseRecordIsErasedPastRetentionUnlessRestricted(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	other, _ := allocate(t, a)
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	for _, f := range []string{fam, other} {
		if w := a.Do(lead, "PUT", "/v1/families/"+f+"/members", `{"members":[{"person_id":"p-1","role":"ADULT","relationship":"PARENT_CARER","known_as":"Sam Example","birth_date":"1984-05-02"}]}`); w.Code != 200 {
			t.Fatalf("members: %d %s", w.Code, w.Body)
		}
		if w := a.Do(lead, "POST", "/v1/families/"+f+"/notes", `{"class":"ORDINARY","body":"A visit."}`, "Idempotency-Key", "key-"+testenv.Unique()); w.Code != 201 {
			t.Fatalf("note: %d %s", w.Code, w.Body)
		}
	}
	erase := a.Activities(Definition())[contract.ActivityCaseEraseFamily].(func(context.Context, *familypathv1.EraseFamilyRequest) (*familypathv1.EraseFamilyResponse, error))
	ctx := context.Background()
	rowsOf := func(f string) int64 {
		var n int64
		for _, table := range []string{"families", "members", "allocations", "notes", "record_history"} {
			var c int64
			col := "family_id"
			if table == "families" {
				col = "id"
			}
			a.Deps.DB.Raw(`SELECT count(*) FROM "case".`+table+` WHERE `+col+` = ?`, f).Scan(&c)
			n += c
		}
		return n
	}
	before := rowsOf(fam)
	a.Deps.DB.Exec(
		`UPDATE "case".families SET restricted_at = now(), restriction_ground = 'NEEDED_FOR_LEGAL_CLAIMS' WHERE id = ?`,
		fam,
	)
	if _, err := erase(ctx, &familypathv1.EraseFamilyRequest{FamilyId: fam}); err == nil ||
		!strings.Contains(err.Error(), "NEEDED_FOR_LEGAL_CLAIMS") ||
		rowsOf(fam) != before {
		t.Fatalf("a restricted family's record was erased: %v (%d of %d rows left)", err, rowsOf(fam), before)
	}
	a.Deps.DB.Exec(`UPDATE "case".families SET restricted_at = NULL, restriction_ground = NULL WHERE id = ?`, fam)
	done, err := erase(ctx, &familypathv1.EraseFamilyRequest{FamilyId: fam})
	if err != nil || done.GetRows() < before || rowsOf(fam) != 0 {
		t.Fatalf("erased %d rows (%d before), %d left: %v", done.GetRows(), before, rowsOf(fam), err)
	}
	if rowsOf(other) == 0 {
		t.Error("another family's record was erased")
	}
	if again, err := erase(ctx, &familypathv1.EraseFamilyRequest{FamilyId: fam}); err != nil || again.GetRows() != 0 {
		t.Errorf("a retry: %v %v", again, err)
	}
	events, _ := a.Deps.Audit.Query(ctx, audit.Filter{ResourceID: fam})
	if last := events[len(events)-1]; last.Action != "retention.erase" || last.Actor != "retention" {
		t.Errorf("the erasure is not recorded: %+v", last)
	}
}
