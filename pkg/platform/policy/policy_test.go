package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
)

// allowed is the whole policy, written out independently of the rule tables: for each role,
// "action" (any relationship) or "action@relationship". Everything not listed is refused.
var allowed = map[string][]string{
	auth.RoleCaseworker: {
		"family.refer",
		"family.read@same_team", "family.read@allocated", "family.read@lead_professional",
		"family.write@allocated", "family.write@lead_professional",
	},
	auth.RoleTeamManager: {
		"report.read", "family.refer",
		"family.read@same_team", "family.read@allocated", "family.read@lead_professional",
		"family.write@same_team", "family.write@allocated", "family.write@lead_professional",
		"family.allocate@same_team",
	},
	auth.RolePartnerWorker: {"family.refer", "family.read@lead_professional", "family.write@lead_professional"},
	auth.RoleDataAnalyst: {
		"extract.load",
		"extract.read",
		"identify.run",
		"review.decide",
		"report.read",
		"report.family_rows",
		"evidence.read",
	},
	auth.RoleAuditor:          {"audit.read", "claim.read", "claim.decide@audit_assigned"},
	auth.RoleProgrammeManager: {"report.read", "report.family_rows", "claim.pay"},
	auth.RoleService:          {"evidence.read"},
	auth.RoleAdministrator: {"payload.decode", "extract.read",
		"family.allocate@none", "family.allocate@same_team", "family.allocate@allocated", "family.allocate@lead_professional",
		"family.restrict@none", "family.restrict@same_team", "family.restrict@allocated", "family.restrict@lead_professional"},
}

func TestEveryRoleRelationshipAndAction(t *testing.T) {
	cases := 0
	for _, role := range auth.Roles {
		p := auth.Principal{Subject: "u", Roles: []string{role}}
		for _, rel := range Relationships {
			for _, a := range Actions {
				want := slices.Contains(allowed[role], string(a)) ||
					slices.Contains(allowed[role], fmt.Sprintf("%s@%s", a, rel))
				got := Decide(p, a, rel)
				if got.Allowed != want {
					t.Errorf("%s %s as %s: allowed=%v, want %v (%s)", role, a, rel, got.Allowed, want, got.Reason)
				}
				if got.Reason == "" {
					t.Errorf("%s %s as %s: no reason", role, a, rel)
				}
				cases++
			}
		}
	}
	if cases != len(auth.Roles)*len(Relationships)*len(Actions) || cases < 400 {
		t.Fatalf("%d cases", cases)
	}
}

func TestNoRoleMeansNothing(t *testing.T) {
	for _, a := range Actions {
		for _, rel := range Relationships {
			if Decide(auth.Principal{Subject: "u"}, a, rel).Allowed {
				t.Errorf("no role: %s as %s allowed", a, rel)
			}
		}
	}
}

func TestRolesAddUp(t *testing.T) {
	p := auth.Principal{Subject: "u", Roles: []string{auth.RoleDataAnalyst, auth.RoleCaseworker}}
	if !Decide(p, ExtractLoad, None).Allowed || !Decide(p, FamilyRead, Allocated).Allowed ||
		Decide(p, FamilyRead, None).Allowed {
		t.Error("a caller with two roles has exactly the union of their rights")
	}
}

func TestRestrictedFieldsNeedACloseRelationship(t *testing.T) {
	who := map[string]auth.Principal{}
	for _, r := range auth.Roles {
		who[r] = auth.Principal{Subject: "u", Roles: []string{r}}
	}
	// role/relationship -> visible classes (O ordinary, S special, R restricted)
	want := map[string]string{
		"caseworker/same_team": "O", "caseworker/allocated": "OSR", "caseworker/lead_professional": "OSR",
		"team_manager/same_team": "OS", "team_manager/allocated": "OSR", "team_manager/lead_professional": "OSR",
		"partner_agency_worker/lead_professional": "OSR",
	}
	for _, r := range auth.Roles {
		for _, rel := range Relationships {
			var got strings.Builder
			for class, letter := range map[FieldClass]string{Ordinary: "O", Special: "S", Restricted: "R"} {
				if FieldVisible(who[r], class, rel) {
					got.WriteString(letter)
				}
			}
			g := []rune(got.String())
			slices.Sort(g)
			w := []rune(want[r+"/"+rel.String()])
			slices.Sort(w)
			if string(g) != string(w) {
				t.Errorf("%s as %s sees %q, want %q", r, rel, string(g), string(w))
			}
		}
	}
}

func TestARestrictedFamilyIsReadButNotChanged(t *testing.T) {
	lead := auth.Principal{Subject: "u", Roles: []string{auth.RoleCaseworker}}
	restricted := Access{Relationship: LeadProfessional, Restricted: true}
	if !DecideFamily(lead, FamilyRead, restricted).Allowed {
		t.Error("the lead professional cannot read a restricted family")
	}
	if d := DecideFamily(lead, FamilyWrite, restricted); d.Allowed || !d.Restricted {
		t.Errorf("the lead professional changes a restricted family: %+v", d)
	}
	if !DecideFamily(lead, FamilyWrite, Access{Relationship: LeadProfessional}).Allowed {
		t.Error("the lead professional cannot change an unrestricted family")
	}
	if d := DecideFamily(auth.Principal{Subject: "s", Roles: []string{auth.RoleCaseworker}}, FamilyWrite, Access{Restricted: true}); d.Allowed ||
		d.Restricted {
		t.Errorf("a stranger is refused for restriction, not for having no relationship: %+v", d)
	}
}
