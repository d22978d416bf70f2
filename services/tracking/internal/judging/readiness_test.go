package judging

import (
	"context"
	"slices"
	"testing"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
)

func TestReadinessNamesExactlyWhatIsMissing(t *testing.T) {
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		t.Fatal(err)
	}
	a := Activities{Plans: ps}
	all := &familypathv1.AttachmentFacts{WholeFamilyAssessment: true, FamilyPlan: true, LeadProfessional: true}
	for _, c := range []struct {
		name    string
		codes   []string
		facts   *familypathv1.AttachmentFacts
		missing []string
	}{
		{"ready", []string{"EDUCATION", "CRIME"}, all, nil},
		{"one problem", []string{"CRIME", "CRIME"}, all, []string{MissingProblemEvidence}},
		{"no assessment or plan", []string{"EDUCATION", "CRIME"}, &familypathv1.AttachmentFacts{LeadProfessional: true}, []string{MissingAssessment, MissingFamilyPlan}},
		{"nothing", nil, nil, []string{MissingProblemEvidence, MissingAssessment, MissingFamilyPlan, MissingLeadProfessional}},
	} {
		r, err := a.JudgeReadiness(context.Background(), &familypathv1.JudgeReadinessRequest{PlanId: "lancashire-phase2", ProblemCodes: c.codes, Facts: c.facts})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.GetMissing(), c.missing) || r.GetReady() != (c.missing == nil) {
			t.Errorf("%s: %v", c.name, r)
		}
		if r.GetReady() && (r.GetPlanVersion() != "lancashire-phase2@1" || !slices.Equal(r.GetBaselineProblems(), []string{"CRIME", "EDUCATION"}) ||
			r.GetProgrammeEndsAt().AsTime().Format("2006-01-02") != "2020-01-28") {
			t.Errorf("%s: %v", c.name, r)
		}
	}
	if _, err := a.JudgeReadiness(context.Background(), &familypathv1.JudgeReadinessRequest{PlanId: "no-such-plan"}); err == nil {
		t.Error("an unknown plan was judged")
	}
}
