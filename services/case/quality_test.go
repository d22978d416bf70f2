package caseservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/proto/contract"
	"github.com/familypath/familypath/services/case/internal/quality"
	"github.com/familypath/familypath/services/case/internal/record"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
)

// The data-quality report finds stale open cases, overdue plan actions, and cases whose status
// disagrees with their family's workflow; a team manager sees their own team's, the data team
// every team's; nobody else sees it.
func TestTheDataQualityReportFindsRecordsGoneStale(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	ctx := context.Background()
	db := a.Deps.DB
	family := func(team, status string, opened time.Time) string {
		t.Helper()
		id := uuid.NewString()
		if err := db.Exec(`INSERT INTO "case".families (id, team, lead_professional, lead_professional_agency, status, status_since, created_at)
			VALUES (?, ?, 'cw.lead', 'COUNCIL_FAMILY_SERVICE', ?, ?, ?)`, id, team, status, opened, opened).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	long := time.Now().AddDate(0, 0, -140)
	staleOne := family("preston-1", "OPEN", long)
	busy := family("preston-1", "OPEN", long)
	if err := db.Exec(`INSERT INTO "case".notes (id, family_id, class, body, author, created_at) VALUES (?, ?, 'ORDINARY', 'seen the family', 'cw.lead', ?)`,
		uuid.NewString(), busy, time.Now().AddDate(0, 0, -7)).Error; err != nil {
		t.Fatal(err)
	}
	otherTeam := family("burnley-2", "OPEN", long)
	planned := family("preston-1", "OPEN", time.Now())
	due := time.Now().AddDate(0, 0, -10).Format(time.DateOnly)
	if err := db.Exec(`INSERT INTO "case".family_plans (family_id, agreed_on, outcomes, actions, updated_by) VALUES (?, ?, '[]', ?::jsonb, 'cw.lead')`,
		planned, time.Now(), `[{"description":"school meeting","agency":"SCHOOL","due":"`+due+`","status":"OPEN"},{"description":"done","agency":"POLICE","due":"`+due+`","status":"DONE"}]`).Error; err != nil {
		t.Fatal(err)
	}
	// A plan written without actions holds null: it has none, and the report still answers.
	if err := db.Exec(`INSERT INTO "case".family_plans (family_id, agreed_on, outcomes, actions, updated_by) VALUES (?, ?, '[]', 'null', 'cw.lead')`,
		busy, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	closedRunning := family("preston-1", "CLOSED", time.Now())
	openEnded := family("preston-1", "OPEN", time.Now())
	// Their workflows, on a task queue nobody polls: one left running, one ended.
	for _, id := range []string{closedRunning, openEnded} {
		wf, _ := contract.FamilyWorkflowID(id)
		if _, err := a.Deps.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wf, TaskQueue: "nobody-" + uuid.NewString()}, contract.WorkflowFamilyLifecycle); err != nil {
			t.Fatal(err)
		}
	}
	wf, _ := contract.FamilyWorkflowID(openEnded)
	if err := a.Deps.Temporal.TerminateWorkflow(ctx, wf, "", "test: the family left"); err != nil {
		t.Fatal(err)
	}

	manager := auth.Principal{Subject: "tm.preston", Roles: []string{auth.RoleTeamManager}, Team: "preston-1"}
	type report struct {
		Counts map[string]int `json:"counts"`
		Items  []quality.Row  `json:"items"`
	}
	read := func(p auth.Principal, query string) report {
		t.Helper()
		w := a.Do(p, "GET", "/v1/reports/data-quality"+query, "")
		var r report
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &r) != nil {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		return r
	}
	// The workflows' visibility catches up within seconds.
	var got report
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if got = read(manager, ""); got.Counts[quality.OpenWorkflowEnded] == 1 &&
			got.Counts[quality.ClosedStillWaits] == 1 {
			break
		}
	}
	want := map[string]string{
		staleOne:      quality.Stale,
		planned:       quality.ActionOverdue,
		closedRunning: quality.ClosedStillWaits,
		openEnded:     quality.OpenWorkflowEnded,
	}
	if len(got.Items) != len(want) {
		t.Fatalf("found %+v, want %v", got.Items, want)
	}
	for _, r := range got.Items {
		if want[r.FamilyID] != r.Check || r.Team != "preston-1" {
			t.Errorf("finding %+v", r)
		}
		if strings.Contains(r.Detail, "school meeting") {
			t.Errorf("a plan's text in the report: %q", r.Detail)
		}
	}
	if all := read(auth.Principal{Subject: "da.one", Roles: []string{auth.RoleDataAnalyst}}, "?weeks=4"); !strings.Contains(
		mustJSON(t, all),
		otherTeam,
	) {
		t.Errorf("the data team does not see every team: %+v", all.Items)
	}
	if r := read(manager, "?weeks=52"); r.Counts[quality.Stale] != 0 {
		t.Errorf("nothing is a year stale: %+v", r.Counts)
	}
	csv := a.Do(manager, "GET", "/v1/reports/data-quality", "", "Accept", "text/csv").Body.String()
	if !strings.HasPrefix(csv, "check,family_id,team,lead_professional,since,detail\n") ||
		!strings.Contains(csv, staleOne) {
		t.Errorf("CSV:\n%s", csv)
	}
	for _, refused := range []struct {
		p     auth.Principal
		query string
		code  int
	}{
		{manager, "?team=burnley-2", http.StatusForbidden},
		{auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}, "", http.StatusForbidden},
		{manager, "?weeks=0", http.StatusBadRequest},
	} {
		if w := a.Do(refused.p, "GET", "/v1/reports/data-quality"+refused.query, ""); w.Code != refused.code {
			t.Errorf("%s %s: %d, want %d", refused.p.Subject, refused.query, w.Code, refused.code)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Two open families holding one person (name and date of birth, however the name is written)
// are suspected duplicates, each named on the other's row and never by the person; a family
// merged already, or a closed case, is not suspected.
func TestTheDataQualityReportSuspectsFamiliesHoldingOnePerson(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	db := a.Deps.DB
	family := func(team, status string, members ...record.Identity) string {
		t.Helper()
		id := uuid.New()
		if err := db.Exec(`INSERT INTO "case".families (id, team, status) VALUES (?, ?, ?)`, id, team, status).Error; err != nil {
			t.Fatal(err)
		}
		for i, m := range members {
			person := fmt.Sprintf("p-%d", i)
			if err := db.Exec(`INSERT INTO "case".members (family_id, person_id, role, relationship, identity, updated_by) VALUES (?, ?, 'CHILD', 'CHILD', ?, 'test')`,
				id, person, record.SealIdentity(a.Deps.Settings.FieldKeys, id, person, m)).Error; err != nil {
				t.Fatal(err)
			}
		}
		return id.String()
	}
	zoe := record.Identity{KnownAs: "Zoë Łukasiewicz", BirthDate: "2010-03-04"}
	imported := family(
		"preston-1",
		"OPEN",
		record.Identity{
			GivenName:  "Zoe",
			FamilyName: "Lukasiewicz",
			BirthDate:  "2010-03-04",
			KnownAs:    "Zoe Lukasiewicz",
		},
		record.Identity{KnownAs: "Sam Other", BirthDate: "1980-01-01"},
	)
	referred := family("burnley-2", "OPEN", zoe)
	family(
		"preston-1",
		"OPEN",
		record.Identity{KnownAs: "Zoë Łukasiewicz", BirthDate: "2010-03-05"},
	) // another day: nobody
	family(
		"preston-1",
		"CLOSED",
		zoe,
	) // closed: not suspected
	merged := family("preston-1", "OPEN", zoe)
	if err := db.Exec(`INSERT INTO "case".family_merges (family_id, into_family_id, reason_code, merged_by) VALUES (?, ?, 'SAME', 'test')`, merged, imported).Error; err != nil {
		t.Fatal(err)
	}
	manager := auth.Principal{Subject: "tm.preston", Roles: []string{auth.RoleTeamManager}, Team: "preston-1"}
	var got struct {
		Counts map[string]int
		Items  []quality.Row
	}
	w := a.Do(manager, "GET", "/v1/reports/data-quality", "")
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var dups []quality.Row
	for _, r := range got.Items {
		if r.Check == quality.SuspectedDuplicate {
			dups = append(dups, r)
		}
	}
	if len(dups) != 1 || got.Counts[quality.SuspectedDuplicate] != 1 || dups[0].FamilyID != imported ||
		!strings.Contains(dups[0].Detail, referred) ||
		strings.Contains(w.Body.String(), "Zo") {
		t.Errorf("suspected duplicates of preston-1: %+v", dups)
	}
}
