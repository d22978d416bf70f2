//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
)

// referFamily refers a family (everyone made up) and answers its id and workflow id.
func referFamily(t *testing.T) (string, string) {
	t.Helper()
	police := auth.Principal{Subject: "e2e.police", Roles: []string{auth.RolePartnerWorker}, Agency: "POLICE"}
	body := must(
		t,
		http.StatusCreated,
		"POST",
		env(t, "CASE_URL")+"/v1/referrals",
		`{"plan_id":"e2e-seconds","team":"preston-1","reason_code":"POLICE_CONCERN",`+
			`"members":[{"person_id":"m-1","role":"ADULT","relationship":"PARENT_CARER","birth_date":"1984-05-02"},{"person_id":"m-2","role":"CHILD","relationship":"CHILD","birth_date":"2014-09-14"}],`+
			`"facts":[{"member":"m-2","feed":"police","type":"ASB_INTERVENTION","date":"`+day(-30*24*time.Hour)+`","document_ref":"police://asb/1"},`+
			`{"member":"m-1","feed":"police","type":"DVA_INCIDENT","date":"`+day(-20*24*time.Hour)+`","document_ref":"police://dva/1"}]}`,
		append(as(t, police), "Idempotency-Key", fmt.Sprintf("e2e-merge-referral-%d", time.Now().UnixNano()))...)
	var ref struct {
		FamilyID   string `json:"family_id"`
		WorkflowID string `json:"workflow_id"`
	}
	if err := json.Unmarshal(body, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.FamilyID, ref.WorkflowID
}

// Two families found to be one (referred twice, say): the data team merges one into the other
// with a reason. The merged family's workflow closes (MERGED) and its case is closed; the other
// is told and carries on; a repeat answers the same merge; merging into the merged family is
// refused; identification's runs learn of the merge from the case service.
func TestTwoFamiliesFoundToBeOneAreMerged(t *testing.T) {
	kept, keptWorkflow := referFamily(t)
	merged, mergedWorkflow := referFamily(t)
	c := temporalClient(t)
	waitFor(
		t,
		c,
		keptWorkflow,
		"identified",
		30*time.Second,
		func(s *familypathv1.FamilyState) bool { return len(s.GetProblemCodes()) > 0 },
	)
	analyst := auth.Principal{Subject: "e2e.data", Roles: []string{auth.RoleDataAnalyst}}
	cases := env(t, "CASE_URL")
	merge := `{"into_family_id":"` + kept + `","reason_code":"REFERRED_TWICE"}`
	var got struct {
		FamilyID     string `json:"family_id"`
		IntoFamilyID string `json:"into_family_id"`
		MergedBy     string `json:"merged_by"`
	}
	if err := json.Unmarshal(must(t, http.StatusOK, "POST", cases+"/v1/families/"+merged+"/merge", merge, as(t, analyst)...), &got); err != nil ||
		got.FamilyID != merged ||
		got.IntoFamilyID != kept ||
		got.MergedBy != "e2e.data" {
		t.Fatalf("merge: %+v %v", got, err)
	}
	waitFor(t, c, mergedWorkflow, "merged", 30*time.Second, func(s *familypathv1.FamilyState) bool {
		return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_MERGED && s.GetExitReason() == "MERGED"
	})
	waitFor(t, c, keptWorkflow, "told of the merge", 30*time.Second, func(s *familypathv1.FamilyState) bool {
		return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED && s.GetEvidenceReceivedCount() > 0
	})
	must(t, http.StatusOK, "POST", cases+"/v1/families/"+merged+"/merge", merge, as(t, analyst)...)
	must(
		t,
		http.StatusConflict,
		"POST",
		cases+"/v1/families/"+kept+"/merge",
		`{"into_family_id":"`+merged+`","reason_code":"WRONG_WAY"}`,
		as(t, analyst)...)
	caseworker := auth.Principal{Subject: "e2e.cw", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	must(t, http.StatusForbidden, "POST", cases+"/v1/families/"+kept+"/merge", merge, as(t, caseworker)...)
	var known struct {
		Merges []struct {
			FamilyID     string `json:"family_id"`
			IntoFamilyID string `json:"into_family_id"`
		} `json:"merges"`
	}
	service := auth.Principal{Subject: "identification", Roles: []string{auth.RoleService}}
	if err := json.Unmarshal(must(t, http.StatusOK, "GET", cases+"/v1/plans/e2e-seconds/known-families", "", as(t, service)...), &known); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range known.Merges {
		found = found || m.FamilyID == merged && m.IntoFamilyID == kept
	}
	if !found {
		t.Errorf("identification is not told of the merge: %+v", known.Merges)
	}
}

// The management pack shows the case records' data-quality checks beside tracking's own, read
// from the case service with the reader's token (a team manager's, their team's).
func TestTheManagementPackShowsTheCaseRecordsChecks(t *testing.T) {
	for _, p := range []auth.Principal{
		{Subject: "e2e.manager", Roles: []string{auth.RoleProgrammeManager}},
		{Subject: "e2e.manager.preston", Roles: []string{auth.RoleTeamManager}, Team: "preston-1"},
	} {
		var pack struct {
			Items []struct {
				Section, Measure string
			} `json:"items"`
		}
		if err := json.Unmarshal(must(t, http.StatusOK, "GET", env(t, "TRACKING_URL")+"/v1/reports/management-pack?plan=lancashire-phase2", "", as(t, p)...), &pack); err != nil {
			t.Fatal(err)
		}
		var checks []string
		for _, it := range pack.Items {
			if it.Section == "data quality" {
				checks = append(checks, it.Measure)
			}
		}
		if len(checks) != 7 || checks[6] != "families suspected to be another family (now)" {
			t.Errorf("%s: the pack's data quality: %q", p.Subject, checks)
		}
	}
}
