package caseservice

import (
	"context"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// What a front end gets wrong is refused with the field at fault: a problem code that is not
// one of the family's plan's (its workflow's plan, or, before it has one, of any plan), a
// member whose role contradicts the relationship, or born after today.
func TestTheCaseRecordRefusesWhatAFrontEndGetsWrong(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	fam, _ := allocate(t, a)
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}

	if w := a.Do(admin, "PUT", "/v1/families/"+uuid.NewString()+"/allocation", `{"team":"preston-1"}`); w.Code != 422 ||
		!strings.Contains(w.Body.String(), "unknown-family") {
		t.Errorf("an allocation for a family the programme does not know: %d %s", w.Code, w.Body)
	}

	made := strings.Replace(assessment, `"problem":"EDUCATION"`, `"problem":"TRUANCY"`, 1)
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/assessment", made); w.Code != 400 ||
		!strings.Contains(w.Body.String(), "needs[0].problem") {
		t.Errorf("a made-up problem code: %d %s", w.Code, w.Body)
	}
	// EARLY_YEARS is a problem of the 2022 framework, not of Lancashire's phase 2 plan that
	// this family's workflow runs under.
	wf, _ := contract.FamilyWorkflowID(fam)
	if err := a.Deps.Temporal.TerminateWorkflow(context.Background(), wf, "", "test: started again with its plan shown"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Deps.Temporal.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: wf, TaskQueue: "case-test-unpolled",
		TypedSearchAttributes: temporal.NewSearchAttributes(temporalx.SAPlanVersion.ValueSet("lancashire-phase2@1"))},
		contract.WorkflowFamilyLifecycle, &familypathv1.FamilyLifecycleInput{FamilyId: fam, PlanId: "lancashire-phase2"}); err != nil {
		t.Fatal(err)
	}
	otherPlan := strings.Replace(plan, `"problem":"EDUCATION"`, `"problem":"EARLY_YEARS"`, 1)
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/plan", otherPlan); w.Code != 400 ||
		!strings.Contains(w.Body.String(), "lancashire-phase2@1") {
		t.Errorf("another plan's problem: %d %s", w.Code, w.Body)
	}
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/plan", plan); w.Code != 200 {
		t.Errorf("the plan's own problem: %d %s", w.Code, w.Body)
	}

	for name, members := range map[string]string{
		"an adult who is the family's child": `{"members":[{"person_id":"p-1","role":"ADULT","relationship":"CHILD"}]}`,
		"a child who is a parent or carer":   `{"members":[{"person_id":"p-1","role":"CHILD","relationship":"PARENT_CARER"}]}`,
		"born after today":                   `{"members":[{"person_id":"p-1","role":"CHILD","relationship":"CHILD","birth_date":"2999-01-01"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/members", members); w.Code != 400 ||
				!strings.Contains(w.Body.String(), "members[0]") {
				t.Errorf("%s: %d %s", name, w.Code, w.Body)
			}
		})
	}
	if w := a.Do(lead, "PUT", "/v1/families/"+fam+"/members", `{"members":[{"person_id":"p-1","role":"ADULT","relationship":"PARENT_CARER"},{"person_id":"p-2","role":"CHILD","relationship":"OTHER_CHILD"}]}`); w.Code != 200 {
		t.Errorf("members as they should be: %d %s", w.Code, w.Body)
	}

	police := auth.Principal{Subject: "pc.referrer", Roles: []string{auth.RolePartnerWorker}, Agency: "POLICE"}
	referral := `{"plan_id":"lancashire-phase2","team":"preston-1","reason_code":"POLICE_CONCERN",` +
		`"members":[{"person_id":"r-1","role":"ADULT","relationship":"PARENT_CARER"},{"person_id":"r-2","role":"CHILD","relationship":"CHILD"}],` +
		`"facts":[{"member":"r-9","feed":"police","type":"ASB_INTERVENTION","date":"` + daysAgo(30) + `","document_ref":"police://asb/9"}]}`
	if w := a.Do(police, "POST", "/v1/referrals", referral, "Idempotency-Key", "test-"+testenv.Unique()); w.Code != 400 ||
		!strings.Contains(w.Body.String(), "facts[0].member") {
		t.Errorf("a referral's evidence about someone not among its members: %d %s", w.Code, w.Body)
	}
}
