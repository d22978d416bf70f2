package family

import (
	"testing"
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// importedInput is a family the case service imported mid-programme in the given phase.
func importedInput(phase familypathv1.FamilyPhase, feeReceived bool) *familypathv1.FamilyLifecycleInput {
	in := input()
	in.ImportId = "imp-1"
	in.Continued = &familypathv1.FamilyState{
		FamilyId:    familyID,
		Phase:       phase,
		PlanId:      "lancashire-phase2",
		PlanVersion: "lancashire-phase2@1",
		ProblemCodes: []string{
			"CHILDREN_NEED_HELP",
			"EDUCATION",
		},
		BaselineProblems: []string{"CHILDREN_NEED_HELP", "EDUCATION"},
		AttachedAt: timestamppb.New(
			day(2016, 5, 1),
		),
		AttachmentId:    "att-imp",
		FeeRecorded:     feeReceived,
		EvidencePending: true,
		Team:            "preston-1",
	}
	return in
}

// An imported family in tracking is judged at once; its fee is booked only when the file says
// it was never received, and it is never attached again.
func TestAnImportedFamilyIsTrackedFromItsHistoricalAttachment(t *testing.T) {
	for _, received := range []bool{true, false} {
		s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
		env := newProgramme(t, s)
		at(env, day(2017, 1, 1), func() {
			if st := query(t, env); st.GetPhase() != tracking || !st.GetNextActionAt().AsTime().Equal(day(2017, 5, 1)) {
				t.Errorf("imported, while sustaining: %v", st)
			}
		})
		outcome(env, "claim-1", submittedKind, day(2017, 6, 30), "")
		outcome(env, "claim-1", paidKind, day(2017, 9, 30), "")
		env.ExecuteWorkflow(Lifecycle, importedInput(tracking, received))
		st := finalState(t, env)
		wantFee := map[bool]int{true: 0, false: 1}[received]
		if st.GetPhase() != paid || s.calls["fee"] != wantFee || s.calls["record"] != 0 || s.calls["gather"] != 0 ||
			len(s.claims) != 1 ||
			!s.judgedAt[0].Equal(start) ||
			!s.claims[0].GetAttachedAt().AsTime().Equal(day(2016, 5, 1)) {
			t.Errorf("fee received %v: final %v, calls %v, judged at %v", received, st, s.calls, s.judgedAt)
		}
	}
}

// A claim submitted before the import waits for its payment; no claim is made again.
func TestAnImportedSubmittedClaimIsPaidWithoutAnotherClaim(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	in := importedInput(submitted, true)
	in.Continued.ClaimId, in.Continued.ClaimAttempts, in.Continued.EvidencePending = "claim-imp", 1, false
	in.Continued.ClaimRoute = familypathv1.ResultRoute_RESULT_ROUTE_SSP
	at(env, day(2016, 12, 1), func() {
		if st := query(t, env); st.GetPhase() != submitted || st.GetWaitingFor() != waitingPayment {
			t.Errorf("imported submitted: %v", st)
		}
	})
	outcome(env, "claim-other", paidKind, day(2016, 12, 15), "") // another claim's payment changes nothing
	outcome(env, "claim-imp", paidKind, day(2017, 1, 31), "")
	env.ExecuteWorkflow(Lifecycle, in)
	st := finalState(t, env)
	if st.GetPhase() != paid || !st.GetExitedAt().AsTime().Equal(day(2017, 1, 31)) || len(s.claims) != 0 ||
		len(s.judgedAt) != 0 ||
		s.calls["fee"] != 0 {
		t.Errorf("final %v, claims %v, judged %v, calls %v", st, s.claims, s.judgedAt, s.calls)
	}
}

// A family paid before the import has left the programme: its workflow shows it and ends.
func TestAnImportedPaidFamilyEndsAtOnce(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	in := importedInput(paid, true)
	in.Continued.ClaimId, in.Continued.ExitReason = "claim-imp", "RESULT_PAID_BEFORE_IMPORT"
	env.ExecuteWorkflow(Lifecycle, in)
	st := finalState(t, env)
	if st.GetPhase() != paid || len(s.judgedAt) != 0 || len(s.calls) != 0 {
		t.Errorf("final %v, judged %v, calls %v", st, s.judgedAt, s.calls)
	}
}

// Evidence that arrives while a claim awaits its window's outcome changes nothing until the
// outcome (the claim's evidence is frozen): the family waits, and is paid.
func TestEvidenceWhileAClaimAwaitsItsOutcomeWaitsForTheOutcome(t *testing.T) {
	s := &services{judge: sustainedOn(day(2016, 5, 1), day(2017, 5, 1), "", time.Time{})}
	env := newProgramme(t, s)
	in := importedInput(submitted, true)
	in.Continued.ClaimId, in.Continued.ClaimAttempts, in.Continued.EvidencePending = "claim-imp", 1, false
	at(env, day(2016, 11, 1), func() {
		env.SignalWorkflow(
			contract.SignalEvidenceReceived,
			&familypathv1.EvidenceReceived{EvidenceSnapshotId: "e-run", Source: "identification"},
		)
	})
	at(env, day(2016, 12, 1), func() {
		if st := query(t, env); st.GetPhase() != submitted || st.GetEvidenceSnapshotId() != "e-run" {
			t.Errorf("with new evidence while submitted: %v", st)
		}
	})
	outcome(env, "claim-imp", paidKind, day(2017, 1, 31), "")
	env.ExecuteWorkflow(Lifecycle, in)
	if st := finalState(t, env); st.GetPhase() != paid || len(s.judgedAt) != 0 {
		t.Errorf("final %v, judged at %v", st, s.judgedAt)
	}
}
