package caseservice

import (
	"encoding/json"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/services/case/internal/allocations"
	"github.com/google/uuid"
)

// A caseload lists the caller's own families, page by page; a team manager lists the team's
// and moves a departing caseworker's whole caseload to another, each family audited.
func TestCaseloadsTeamListsAndReassignment(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, partnerFam := allocate(t, a)
	for range 3 { // three more families led by cw.lead
		more := uuid.NewString()
		startFamily(t, a, more)
		if w := a.Do(admin, "PUT", "/v1/families/"+more+"/allocation",
			`{"team":"preston-1","lead_professional":{"subject":"cw.lead","agency":"COUNCIL_FAMILY_SERVICE"}}`); w.Code != 201 {
			t.Fatalf("allocate: %d", w.Code)
		}
	}
	list := func(p auth.Principal, path string) (int, []allocations.CaseloadItem) {
		t.Helper()
		var items []allocations.CaseloadItem
		for path != "" {
			w := a.Do(p, "GET", path, "")
			if w.Code != 200 {
				return w.Code, nil
			}
			var pg httpapi.Page[allocations.CaseloadItem]
			if err := json.Unmarshal(w.Body.Bytes(), &pg); err != nil {
				t.Fatal(err)
			}
			items, path = append(items, pg.Items...), ""
			if pg.NextCursor != "" {
				path = "/v1/caseload?limit=2&cursor=" + pg.NextCursor
			}
		}
		return 200, items
	}
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	second := auth.Principal{Subject: "cw.second", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	manager := auth.Principal{Subject: "tm.1", Roles: []string{auth.RoleTeamManager}, Team: "preston-1"}
	if _, items := list(lead, "/v1/caseload?limit=2"); len(items) != 4 || items[0].Relationship != "lead_professional" {
		t.Errorf("lead's caseload: %+v", items)
	}
	if _, items := list(second, "/v1/caseload"); len(items) != 1 || items[0].FamilyID != fam ||
		items[0].Relationship != "allocated" {
		t.Errorf("allocated caseworker's caseload: %+v", items)
	}
	if code, items := list(manager, "/v1/families?team=preston-1"); code != 200 || len(items) != 4 {
		t.Errorf("team list: %d %d", code, len(items))
	}
	if code, _ := list(manager, "/v1/families?team=burnley-2"); code != 403 {
		t.Errorf("another team's list: %d", code)
	}
	if code, _ := list(lead, "/v1/families"); code != 403 {
		t.Errorf("a caseworker lists the team: %d", code)
	}

	w := a.Do(manager, "POST", "/v1/caseloads/cw.lead/reassignment", `{"to":"cw.new"}`)
	var moved struct {
		FamiliesMoved int `json:"families_moved"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &moved); err != nil || w.Code != 200 || moved.FamiliesMoved != 4 {
		t.Fatalf("reassign: %d %s", w.Code, w.Body)
	}
	newLead := auth.Principal{Subject: "cw.new", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	if _, items := list(newLead, "/v1/caseload"); len(items) != 4 {
		t.Errorf("new lead's caseload: %d", len(items))
	}
	if _, items := list(lead, "/v1/caseload"); len(items) != 0 {
		t.Errorf("departed caseworker still has %d", len(items))
	}
	if w := a.Do(lead, "GET", "/v1/families/"+fam+"/allocation", ""); w.Code != 200 {
		// cw.lead is still in the team: same_team may read
		t.Errorf("read after reassignment: %d", w.Code)
	}
	var partnerLead string
	a.Deps.DB.Raw(`SELECT lead_professional FROM "case".families WHERE id = ?`, partnerFam).Scan(&partnerLead)
	if partnerLead != "pc.partner" {
		t.Errorf("another team's family moved: %s", partnerLead)
	}
}
