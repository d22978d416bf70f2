package judging

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/pkg/platform/upstream"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// snapshotPath is identification's route for an evidence snapshot.
const snapshotPath = "/v1/evidence-snapshots/"

// Judge judges attached families: the family workflow's tracking.JudgeFamily.
type Judge struct {
	Plans *outcomes.Plans
	// Identification serves the evidence snapshots and Case the caseworkers' evidence, both
	// read with tracking's service token.
	Identification, Case *upstream.Service
	Status               StatusStore
}

// JudgeFamily judges the family at r.At under the plan version pinned at its attachment, on
// the evidence snapshot the workflow holds with the case's evidence and closure date, and
// returns each baseline problem's status with absolute deadlines, the result when one is achieved, and when to ask again. The judgement
// is kept in tracking's read model for reports. Evidence that cannot be found, or a plan
// version this deployment does not have, are not retried: the workflow shows the failure to
// operators (docs/runbook.md).
func (j Judge) JudgeFamily(
	ctx context.Context,
	r *familypathv1.JudgeFamilyRequest,
) (*familypathv1.FamilyJudgement, error) {
	p, ok := j.Plans.ByKey(r.GetPlanVersion())
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(
			"plan version "+r.GetPlanVersion()+" is not loaded",
			"PlanVersionMissing",
			nil,
		)
	}
	if r.GetAttachedAt() == nil || r.GetAt() == nil {
		return nil, temporal.NewNonRetryableApplicationError("attached_at and at are required", "InvalidArgument", nil)
	}
	// Both owners answer a family as the engine reads it (family_id, members, facts; the case
	// also case_closed). A referred family has no identification snapshot: the case holds it all.
	var ev, cased outcomes.Family
	if id := r.GetEvidenceSnapshotId(); id != "" {
		err := j.Identification.GetJSON(ctx, snapshotPath+id, &ev)
		if errors.Is(err, upstream.ErrNotFound) {
			return nil, temporal.NewNonRetryableApplicationError(
				"evidence snapshot "+id+" not found",
				"EvidenceNotFound",
				nil,
			)
		}
		if err != nil {
			return nil, temporalx.Step("read the evidence snapshot", err)
		}
		if ev.ID != r.GetFamilyId() {
			return nil, temporal.NewNonRetryableApplicationError(
				"evidence snapshot belongs to another family",
				"InvalidArgument",
				nil,
			)
		}
	}
	if err := j.Case.GetJSON(ctx, "/v1/families/"+r.GetFamilyId()+"/evidence", &cased); err != nil &&
		!errors.Is(err, upstream.ErrNotFound) {
		return nil, temporalx.Step("read the case evidence", err) // no case: no caseworkers' evidence
	}
	f := outcomes.Merge(ev, cased)
	f.ID, f.Attachment = r.GetFamilyId(), outcomes.Attached(
		outcomes.Moment{Time: r.GetAttachedAt().AsTime()},
		r.GetBaselineProblems(),
	)
	at := r.GetAt().AsTime()
	judged := outcomes.Evaluate(p, &f, outcomes.Moment{Time: at})
	out := Translate(judged, at)
	if err := j.Status.Save(ctx, r, out, employmentDate(judged.Employment), f.Coverage); err != nil {
		return nil, temporalx.Step("save the judgement", err)
	}
	return out, nil
}

var statusOf = map[string]familypathv1.ProblemStatus{
	outcomes.Outstanding:         familypathv1.ProblemStatus_PROBLEM_STATUS_OUTSTANDING,
	outcomes.SignificantProgress: familypathv1.ProblemStatus_PROBLEM_STATUS_SIGNIFICANT_PROGRESS,
	outcomes.Sustained:           familypathv1.ProblemStatus_PROBLEM_STATUS_SUSTAINED,
}

var routeOf = map[string]familypathv1.ResultRoute{
	outcomes.RouteSSP: familypathv1.ResultRoute_RESULT_ROUTE_SSP,
	outcomes.RouteCE:  familypathv1.ResultRoute_RESULT_ROUTE_CE,
}

// Translate turns the engine's judgement at `at` into the workflow's message. review_at is
// the earliest moment after `at` at which the judgement would change without new evidence:
// a problem becoming sustained (not one whose data does not reach its sustained date: only
// the next extract, which comes as new evidence, can change that), the projected claim date,
// or an adult's projected continuous employment; absent when only new evidence can change it.
func Translate(j outcomes.Judgement, at time.Time) *familypathv1.FamilyJudgement {
	out := &familypathv1.FamilyJudgement{Blocking: j.Result.Blocking, EngineVersion: j.Engine}
	var review time.Time
	consider := func(m outcomes.Moment) {
		if !m.IsZero() && m.After(at) && (review.IsZero() || m.Before(review)) {
			review = m.Time
		}
	}
	for _, ps := range j.Problems {
		pj := &familypathv1.ProblemJudgement{
			Code:        ps.Code,
			Status:      statusOf[ps.Status],
			ClockStart:  stamp(ps.ClockStart),
			SustainedAt: stamp(ps.SustainedAt),
			Waiting:     ps.Waiting,
			Awaiting:    awaitingWords(ps.Awaiting),
			RecurredAt:  stamp(ps.RecurredAt),
			LatestFrom:  stamp(ps.LatestFrom),
		}
		out.Problems = append(out.Problems, pj)
		if ps.Status != outcomes.Sustained && len(ps.Awaiting) == 0 {
			consider(ps.SustainedAt)
		}
		addFlags(out, ps.Flags)
	}
	for _, e := range j.Employment {
		consider(e.ProjectedAt)
		addFlags(out, e.Flags)
	}
	if route, ok := routeOf[j.Result.Route]; ok {
		out.ResultRoute, out.AchievedAt = route, stamp(j.Result.AchievedAt)
		return out
	}
	// The earliest claim is a problem's sustained date or an adult's projection, considered above.
	out.EarliestClaimAt = stamp(j.Result.EarliestClaimAt)
	if !review.IsZero() {
		out.ReviewAt = timestamppb.New(review)
	}
	return out
}

// awaitingWords says the data a problem waits for, a phrase each.
func awaitingWords(aw []outcomes.Awaiting) []string {
	var out []string
	for _, w := range aw {
		out = append(out, w.String())
	}
	return out
}

// addFlags adds flags the judgement does not hold yet.
func addFlags(out *familypathv1.FamilyJudgement, flags []string) {
	for _, f := range flags {
		if !slices.Contains(out.Flags, f) {
			out.Flags = append(out.Flags, f)
		}
	}
}

// employmentDate is the earliest moment an adult's work made or would make a CE result.
func employmentDate(es []outcomes.EmploymentStatus) *time.Time {
	first := outcomes.EarliestCE(es)
	if first.IsZero() {
		return nil
	}
	return &first.Time
}

func stamp(m outcomes.Moment) *timestamppb.Timestamp {
	if m.IsZero() {
		return nil
	}
	return timestamppb.New(m.Time)
}
