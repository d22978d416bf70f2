package candidates

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// A caseworker's view of the family's programme carries what the workflow holds: the pinned
// plan, the baseline, each problem's status and dates, the next deadline, the claim and the
// exit, in the API's style (enum names without their prefix, dates as dates).
func TestTheLifecycleShowsTheFamilysProgramme(t *testing.T) {
	day := func(y int, m time.Month, d int) *timestamppb.Timestamp {
		return timestamppb.New(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	}
	st := &familypathv1.FamilyState{
		FamilyId:         "f-1",
		Phase:            familypathv1.FamilyPhase_FAMILY_PHASE_PAID,
		PlanId:           "lancashire-phase2",
		PlanVersion:      "lancashire-phase2@1",
		AttachedAt:       day(2016, 10, 3),
		BaselineProblems: []string{"CRIME", "EDUCATION"},
		Problems: []*familypathv1.ProblemJudgement{
			{
				Code:        "CRIME",
				Status:      familypathv1.ProblemStatus_PROBLEM_STATUS_SUSTAINED,
				ClockStart:  day(2016, 11, 1),
				SustainedAt: day(2017, 5, 1),
			},
		},
		ClaimId:       "c-1",
		ClaimRoute:    familypathv1.ResultRoute_RESULT_ROUTE_SSP,
		ClaimAttempts: 1,
		AuditStatus:   "PASSED",
		ExitReason:    "RESULT_PAID",
		ExitedAt:      day(2017, 9, 30),
	}
	b, _ := json.Marshal(lifecycleBody(st, "family/f-1"))
	for _, want := range []string{`"phase":"PAID"`, `"plan_version":"lancashire-phase2@1"`, `"baseline_problems":["CRIME","EDUCATION"]`,
		`"status":"SUSTAINED"`, `"sustained_at":"2017-05-01T00:00:00Z"`, `"claim":{"claim_id":"c-1","route":"SSP","audit_status":"PASSED","attempts":1}`,
		`"exit":{"reason":"RESULT_PAID","at":"2017-09-30T00:00:00Z"}`, `"restricted":false`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("lifecycle lacks %s: %s", want, b)
		}
	}
	identified, _ := json.Marshal(
		lifecycleBody(
			&familypathv1.FamilyState{FamilyId: "f-2", Phase: familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED},
			"family/f-2",
		),
	)
	if strings.Contains(string(identified), `"claim"`) || strings.Contains(string(identified), `"exit"`) ||
		!strings.Contains(string(identified), `"problems":[]`) {
		t.Errorf("an identified family: %s", identified)
	}
}
