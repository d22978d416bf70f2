package judging

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
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
		t.Run(c.name, func(t *testing.T) {
			r, err := a.JudgeReadiness(
				context.Background(),
				&familypathv1.JudgeReadinessRequest{PlanId: "lancashire-phase2", ProblemCodes: c.codes, Facts: c.facts},
			)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.GetMissing(), c.missing) || r.GetReady() != (c.missing == nil) {
				t.Errorf("%s: %v", c.name, r)
			}
			if r.GetReady() &&
				(r.GetPlanVersion() != "lancashire-phase2@1" || !slices.Equal(r.GetBaselineProblems(), []string{"CRIME", "EDUCATION"}) ||
					r.GetProgrammeEndsAt().AsTime().Format("2006-01-02") != "2020-01-28") {
				t.Errorf("%s: %v", c.name, r)
			}
		})
	}
	// Under a programme that has ended (the plan's last window closed 2020-01-28), no family is
	// attached, whatever else it has: no fee is booked for a programme that can pay no result.
	late, err := a.JudgeReadiness(
		context.Background(),
		&familypathv1.JudgeReadinessRequest{PlanId: "lancashire-phase2", ProblemCodes: []string{"EDUCATION", "CRIME"},
			Facts: all, At: timestamppb.New(time.Date(2020, 1, 28, 0, 0, 0, 0, time.UTC))},
	)
	if err != nil || late.GetReady() || !slices.Equal(late.GetMissing(), []string{ProgrammeEnded}) {
		t.Errorf("after the programme's end: %v %v", late, err)
	}
	if _, err := a.JudgeReadiness(context.Background(), &familypathv1.JudgeReadinessRequest{PlanId: "no-such-plan"}); err == nil {
		t.Error("an unknown plan was judged")
	}
}
