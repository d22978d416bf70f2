package caseservice

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/google/uuid"
)

// listed reads a listing's items: each id with the fields a test looks at.
type listed struct {
	Items []struct {
		ID, Type, Start, Replaces string
		ReplacedBy                string  `json:"replaced_by"`
		WithdrawnAt               string  `json:"withdrawn_at"`
		Body                      *string `json:"body"`
		Withheld                  bool    `json:"withheld"`
	} `json:"items"`
	Facts []struct{ ID, Start string } `json:"facts"`
}

func readListing(t *testing.T, a *servicetest.API, p auth.Principal, path string) listed {
	t.Helper()
	w := a.Do(p, "GET", path, "")
	if w.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	var l listed
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// A wrong note is corrected (a new note replaces it, naming it, with the reason) or withdrawn
// (its body then withheld from everyone); both stay in the history. An item already
// replaced or withdrawn cannot be changed again (409), a retry with the same key changes
// nothing twice, and another team may not change the family's notes.
func TestANoteIsCorrectedOrWithdrawnAndKeptInTheHistory(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, other := allocate(t, a)
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	stranger := auth.Principal{Subject: "cw.x", Roles: []string{auth.RoleCaseworker}, Team: "burnley-2"}
	base := "/v1/families/" + fam
	key := func() string { return "key-" + testenv.Unique() }

	w := a.Do(
		lead,
		"POST",
		base+"/notes",
		`{"class":"ORDINARY","body":"Mum is staying at the refuge on Mill Lane"}`,
		"Idempotency-Key",
		key(),
	)
	var first struct{ ID string }
	if json.Unmarshal(w.Body.Bytes(), &first); w.Code != 201 {
		t.Fatalf("note: %d %s", w.Code, w.Body)
	}
	correction := `{"class":"RESTRICTED","body":"Mum is staying at the refuge","reason":"The refuge's whereabouts were written in an ordinary note"}`
	if w := a.Do(stranger, "POST", base+"/notes/"+first.ID+"/correction", correction, "Idempotency-Key", key()); w.Code != 403 {
		t.Errorf("another team corrects a note: %d", w.Code)
	}
	if w := a.Do(lead, "POST", "/v1/families/"+other+"/notes/"+first.ID+"/correction", correction, "Idempotency-Key", key()); w.Code != 403 &&
		w.Code != 404 {
		t.Errorf("a note corrected through another family: %d", w.Code)
	}
	if w := a.Do(lead, "POST", base+"/notes/"+uuid.NewString()+"/correction", correction, "Idempotency-Key", key()); w.Code != 404 {
		t.Errorf("an unknown note: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "POST", base+"/notes/"+first.ID+"/correction", `{"class":"RESTRICTED","body":"x"}`, "Idempotency-Key", key()); w.Code != 400 {
		t.Errorf("a correction without its reason: %d", w.Code)
	}
	w = a.Do(lead, "POST", base+"/notes/"+first.ID+"/correction", correction, "Idempotency-Key", key())
	var second struct{ ID, Replaces string }
	if json.Unmarshal(w.Body.Bytes(), &second); w.Code != 201 || second.Replaces != first.ID {
		t.Fatalf("correct: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "POST", base+"/notes/"+first.ID+"/correction", correction, "Idempotency-Key", key()); w.Code != 409 {
		t.Errorf("correcting a note already corrected: %d %s", w.Code, w.Body)
	}

	now := readListing(t, a, lead, base+"/notes")
	if len(now.Items) != 1 || now.Items[0].ID != second.ID || strings.Contains(*now.Items[0].Body, "Mill Lane") {
		t.Errorf("current notes: %+v", now.Items)
	}
	all := readListing(t, a, lead, base+"/notes?include=history")
	if len(all.Items) != 2 || all.Items[0].ReplacedBy != second.ID || all.Items[1].Replaces != first.ID {
		t.Errorf("notes with their history: %+v", all.Items)
	}
	if w := a.Do(lead, "GET", base+"/notes?include=everything", ""); w.Code != 400 {
		t.Errorf("an unknown include: %d", w.Code)
	}

	withdrawal, retry := `{"reason":"Recorded on the wrong family"}`, key()
	if w := a.Do(lead, "POST", base+"/notes/"+second.ID+"/withdrawal", withdrawal, "Idempotency-Key", retry); w.Code != 200 {
		t.Fatalf("withdraw: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "POST", base+"/notes/"+second.ID+"/withdrawal", withdrawal, "Idempotency-Key", retry); w.Code != 200 ||
		w.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("a retried withdrawal: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "POST", base+"/notes/"+second.ID+"/withdrawal", withdrawal, "Idempotency-Key", key()); w.Code != 409 {
		t.Errorf("withdrawing a withdrawn note: %d", w.Code)
	}
	if now := readListing(t, a, lead, base+"/notes"); len(now.Items) != 0 {
		t.Errorf("a withdrawn note is still current: %+v", now.Items)
	}
	all = readListing(t, a, lead, base+"/notes?include=history")
	if len(all.Items) != 2 || all.Items[1].WithdrawnAt == "" || !all.Items[1].Withheld || all.Items[1].Body != nil {
		t.Errorf("a withdrawn note in the history: %+v", all.Items)
	}
	if kinds := historyKinds(a, fam); kinds != "NOTE,NOTE_CORRECTION,NOTE_WITHDRAWAL" {
		t.Errorf("history %v", kinds)
	}
}

// Evidence corrected or withdrawn leaves what tracking judges with: the facts are the current
// pieces only, and the family's workflow is told of each change.
func TestEvidenceCorrectedOrWithdrawnLeavesWhatIsJudged(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	wf := startFamily(t, a, fam)
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	service := auth.Principal{Subject: "service:tracking", Roles: []string{auth.RoleService}}
	base := "/v1/families/" + fam
	key := func() string { return "key-" + testenv.Unique() }

	w := a.Do(
		lead,
		"POST",
		base+"/evidence",
		`{"member":"p-1","feed":"employment","type":"EMPLOYMENT","start":"2017-02-01","document_ref":"docs://payslip/1"}`,
		"Idempotency-Key",
		key(),
	)
	var first struct{ ID string }
	if json.Unmarshal(w.Body.Bytes(), &first); w.Code != 201 {
		t.Fatalf("evidence: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "POST", base+"/evidence/"+first.ID+"/correction", `{"member":"p-1","feed":"police","type":"EMPLOYMENT","start":"2017-03-01","document_ref":"docs://payslip/1","reason":"x"}`, "Idempotency-Key", key()); w.Code != 400 {
		t.Errorf("a correction that is not valid evidence: %d", w.Code)
	}
	w = a.Do(
		lead,
		"POST",
		base+"/evidence/"+first.ID+"/correction",
		`{"member":"p-1","feed":"employment","type":"EMPLOYMENT","start":"2017-03-01","document_ref":"docs://payslip/1","reason":"The job started in March, not February"}`,
		"Idempotency-Key",
		key(),
	)
	var second struct{ ID, Replaces string }
	if json.Unmarshal(w.Body.Bytes(), &second); w.Code != 201 || second.Replaces != first.ID {
		t.Fatalf("correct: %d %s", w.Code, w.Body)
	}
	judged := readListing(t, a, service, base+"/evidence")
	if len(judged.Facts) != 1 || judged.Facts[0].ID != "case:"+second.ID || len(judged.Items) != 1 {
		t.Errorf("what tracking judges after the correction: %+v", judged)
	}
	if all := readListing(t, a, lead, base+"/evidence?include=history"); len(all.Items) != 2 || len(all.Facts) != 1 ||
		all.Items[0].ReplacedBy != second.ID ||
		all.Items[0].Start != "2017-02-01" ||
		all.Items[1].Start != "2017-03-01" { // dates as they were given, not date-times
		t.Errorf("evidence with its history: %+v", all)
	}
	if w := a.Do(lead, "POST", base+"/evidence/"+second.ID+"/withdrawal", `{"reason":"The payslip was another family's"}`, "Idempotency-Key", key()); w.Code != 200 {
		t.Fatalf("withdraw: %d %s", w.Code, w.Body)
	}
	if judged := readListing(t, a, service, base+"/evidence"); len(judged.Facts) != 0 || len(judged.Items) != 0 {
		t.Errorf("withdrawn evidence is still judged: %+v", judged)
	}
	if n := caseSignals(t, a, wf); n != 3 {
		t.Errorf("%d signals to the workflow, want 3 (recorded, corrected, withdrawn)", n)
	}
}
