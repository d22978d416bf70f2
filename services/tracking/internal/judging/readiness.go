// Package judging holds tracking's activities for the FamilyLifecycle workflow.
package judging

import (
	"context"
	"slices"

	"github.com/familypath/familypath/pkg/outcomes"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// What attachment can lack (docs/programme.md, "Attachment"), as codes the caseworker's screen names.
const (
	MissingProblemEvidence  = "PROBLEM_EVIDENCE"
	MissingAssessment       = "WHOLE_FAMILY_ASSESSMENT"
	MissingFamilyPlan       = "FAMILY_PLAN"
	MissingLeadProfessional = "LEAD_PROFESSIONAL"
	// ProgrammeEnded: the plan's last claim window has closed, so no result could be claimed
	// and no attachment fee is due: the family cannot be attached under this plan.
	ProgrammeEnded = "PROGRAMME_ENDED"
)

// Activities are tracking's activities.
type Activities struct{ Plans *outcomes.Plans }

// JudgeReadiness says whether a family can be attached now, under the latest published
// version of its plan (which the workflow then pins): evidence against the plan's minimum
// number of problems (the problems identification evidenced), a whole-family assessment, a
// family plan and a lead professional, while the programme runs (its last claim window has not
// closed at the request's time); otherwise exactly which are missing. The baseline is the
// evidenced problems.
func (a Activities) JudgeReadiness(
	_ context.Context,
	r *familypathv1.JudgeReadinessRequest,
) (*familypathv1.Readiness, error) {
	p, ok := a.Plans.Latest(r.GetPlanId())
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError("no published plan "+r.GetPlanId(), "InvalidArgument", nil)
	}
	codes := slices.Clone(r.GetProblemCodes())
	slices.Sort(codes)
	codes = slices.Compact(codes)
	var missing []string
	var ends *timestamppb.Timestamp
	if n := len(p.ClaimWindows); n > 0 {
		ends = timestamppb.New(p.ClaimWindows[n-1].Closes.Time)
		if at := r.GetAt(); at != nil && !at.AsTime().Before(ends.AsTime()) {
			missing = append(missing, ProgrammeEnded)
		}
	}
	if len(codes) < p.Eligibility.MinProblems {
		missing = append(missing, MissingProblemEvidence)
	}
	f := r.GetFacts()
	for _, m := range []struct {
		has  bool
		code string
	}{{f.GetWholeFamilyAssessment(), MissingAssessment}, {f.GetFamilyPlan(), MissingFamilyPlan}, {f.GetLeadProfessional(), MissingLeadProfessional}} {
		if !m.has {
			missing = append(missing, m.code)
		}
	}
	if len(missing) > 0 {
		return &familypathv1.Readiness{Missing: missing}, nil
	}
	return &familypathv1.Readiness{
		Ready:            true,
		BaselineProblems: codes,
		PlanVersion:      p.Key(),
		ProgrammeEndsAt:  ends,
	}, nil
}
