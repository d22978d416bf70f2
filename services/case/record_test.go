package caseservice

import (
	"context"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/case/internal/allocations"
	"github.com/google/uuid"
)

const (
	assessment = `{"completed_on":"2016-10-10","needs":[{"member":"p-2","problem":"EDUCATION","level":"HIGH","summary":"Not on a school roll since June"}]}`
	plan       = `{"agreed_on":"2016-10-12","outcomes":[{"problem":"EDUCATION","description":"Back on roll and attending"}],` +
		`"actions":[{"description":"Admission meeting","agency":"COUNCIL_FAMILY_SERVICE","due":"2016-11-01","status":"OPEN"}]}`
)

// The lead professional records the assessment and the plan; attachment then finds both; a
// partner worker who is not the family's lead professional can neither read nor write them;
// every version is kept.
func TestAssessmentAndPlanAreRecordedVersionedAndGuarded(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	partner := auth.Principal{Subject: "pc.partner", Roles: []string{auth.RolePartnerWorker}, Agency: "POLICE"}

	if w := a.Do(lead, "PUT", "/v1/families/"+uuid.NewString()+"/assessment", assessment); w.Code != 403 {
		t.Errorf("a family that is not theirs: %d", w.Code)
	}
	w := a.Do(lead, "PUT", "/v1/families/"+fam+"/assessment", assessment)
	if w.Code != 200 || w.Header().Get("ETag") != `"v1"` {
		t.Fatalf("assessment: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/assessment", strings.Replace(assessment, "HIGH", "MEDIUM", 1)); w.Code != 428 {
		t.Errorf("a change to an existing assessment without If-Match: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/assessment", strings.Replace(assessment, "HIGH", "MEDIUM", 1), "If-Match", `"v9"`); w.Code != 412 {
		t.Errorf("a stale If-Match: %d", w.Code)
	}
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/assessment", strings.Replace(assessment, "HIGH", "MEDIUM", 1), "If-Match", `"v1"`); w.Code != 200 ||
		w.Header().Get("ETag") != `"v2"` {
		t.Errorf("second version: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/plan", `{"agreed_on":"2016-10-12","outcomes":[],"actions":[{"agency":"MI5"}]}`); w.Code != 400 ||
		!strings.Contains(w.Body.String(), "outcomes") ||
		!strings.Contains(w.Body.String(), "actions[0].agency") {
		t.Errorf("bad plan: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/plan", plan); w.Code != 200 {
		t.Fatalf("plan: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "GET", "/v1/families/"+fam+"/plan", ""); w.Code != 200 ||
		!strings.Contains(w.Body.String(), `"agreed_on":"2016-10-12"`) {
		t.Errorf("read plan: %d %s", w.Code, w.Body)
	}
	for _, m := range []string{"GET", "PUT"} {
		if w := a.Do(partner, m, "/v1/families/"+fam+"/assessment", assessment); w.Code != 403 {
			t.Errorf("partner worker %s: %d", m, w.Code)
		}
	}
	var versions []int64
	a.Deps.DB.Raw(`SELECT version FROM "case".record_history WHERE family_id = ? AND kind = 'ASSESSMENT' ORDER BY seq`, fam).
		Scan(&versions)
	if len(versions) != 2 || versions[1] != 2 {
		t.Errorf("history %v", versions)
	}
	facts, err := allocations.Activities{Store: allocations.Store{DB: a.Deps.DB}}.GatherAttachment(context.Background(),
		&familypathv1.GatherAttachmentRequest{FamilyId: fam})
	if err != nil || !facts.GetWholeFamilyAssessment() || !facts.GetFamilyPlan() || !facts.GetLeadProfessional() {
		t.Errorf("attachment facts %v %v", facts, err)
	}
}
