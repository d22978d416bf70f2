package caseservice

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
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
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/members", body, "If-Match", read.Header().Get("ETag")); w.Code != 200 || w.Header().Get("ETag") != `"v2"` {
		t.Errorf("a PUT on the version read (%s): %d %s", read.Header().Get("ETag"), w.Code, w.Body)
	}
	if w := a.Do(lead, "GET", "/v1/families/"+fam+"/members", ""); !strings.Contains(w.Body.String(), "Sam Example") {
		t.Errorf("lead: %s", w.Body)
	}
	if w := a.Do(teammate, "GET", "/v1/families/"+fam+"/members", ""); w.Code != 200 || strings.Contains(w.Body.String(), "Example") || strings.Contains(w.Body.String(), "1984") ||
		!strings.Contains(w.Body.String(), `"withheld":true`) {
		t.Errorf("teammate: %d %s", w.Code, w.Body)
	}
	var stored int64
	a.Deps.DB.Raw(`SELECT count(*) FROM "case".members WHERE position('Example' in encode(identity, 'escape')) > 0`).Scan(&stored)
	if stored != 0 {
		t.Error("a name is stored in clear")
	}
	service := auth.Principal{Subject: "service:tracking", Roles: []string{auth.RoleService}}
	if w := a.Do(service, "GET", "/v1/families/"+fam+"/evidence", ""); !strings.Contains(w.Body.String(), `"birth_date":"2012-09-14"`) || strings.Contains(w.Body.String(), "Example") {
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
