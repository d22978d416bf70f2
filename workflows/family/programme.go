package family

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Phases shortened for reading.
const (
	identified     = familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED
	attached       = familypathv1.FamilyPhase_FAMILY_PHASE_ATTACHED
	tracking       = familypathv1.FamilyPhase_FAMILY_PHASE_TRACKING
	claimCandidate = familypathv1.FamilyPhase_FAMILY_PHASE_CLAIM_CANDIDATE
	claimed        = familypathv1.FamilyPhase_FAMILY_PHASE_CLAIMED
	submitted      = familypathv1.FamilyPhase_FAMILY_PHASE_SUBMITTED
	paid           = familypathv1.FamilyPhase_FAMILY_PHASE_PAID
	programmeEnded = familypathv1.FamilyPhase_FAMILY_PHASE_PROGRAMME_ENDED
)

// closingExits are the exits the close update takes.
var closingExits = []familypathv1.FamilyPhase{
	familypathv1.FamilyPhase_FAMILY_PHASE_NOT_ATTACHABLE,
	familypathv1.FamilyPhase_FAMILY_PHASE_WITHDRAWN,
	familypathv1.FamilyPhase_FAMILY_PHASE_MOVED_OUT_OF_AREA,
	familypathv1.FamilyPhase_FAMILY_PHASE_CASE_CLOSED_WITHOUT_RESULT,
	familypathv1.FamilyPhase_FAMILY_PHASE_MERGED,
}

// ended says whether the family has left the programme (paid, or by an exit).
func ended(p familypathv1.FamilyPhase) bool {
	return p == paid || p == programmeEnded || slices.Contains(closingExits, p)
}

// flagFamilyCap marks a family with a result that the plan's family cap leaves unclaimed.
const flagFamilyCap = "FAMILY_CAP_REACHED"

// Texts operators read in the UI (codes and dates only).
const (
	waitingTracking = "tracking to judge the family"
	waitingEvidence = "new evidence (no deadline pending)"
	waitingClaim    = "claims to record the claim"
	waitingWindow   = "the claim window's outcome"
	waitingPayment  = "payment of the submitted claim"
	waitingLifted   = "the restriction of processing to be lifted (UK GDPR Article 18): judging, claiming and evidence freezing wait"
	waitingFee      = "claims to record the attachment fee"
	waitingNothing  = "nothing: the family has left the programme"
)

// waitingCodes are the codes the WaitingFor search attribute shows for the texts (search
// attributes hold codes only, never words that could carry anything else).
var waitingCodes = map[string]string{
	waitingDescribe: "IDENTIFICATION_DESCRIBE", waitingAttachment: "ATTACHMENT", waitingFee: "ATTACHMENT_FEE",
	waitingTracking: "TRACKING_JUDGEMENT", waitingEvidence: "NEW_EVIDENCE", waitingClaim: "CLAIM_RECORD",
	waitingWindow: "CLAIM_WINDOW_OUTCOME", waitingPayment: "PAYMENT", waitingLifted: "RESTRICTION_LIFTED", waitingNothing: "NONE",
}

// waitingCode is the WaitingFor code of what the workflow waits on.
func waitingCode(what string) string {
	if c, ok := waitingCodes[what]; ok {
		return c
	}
	switch {
	case strings.HasPrefix(what, "review "):
		return "REVIEW_DEADLINE"
	case strings.HasPrefix(what, "programme end at "):
		return "PROGRAMME_END"
	case strings.HasPrefix(what, "a claim place"):
		return "FAMILY_CAP"
	}
	return "OTHER"
}

// programme carries one family through attachment, tracking, claims and exits. Messages
// (signals, updates) change its state in their handlers; run, the main loop, acts on it.
type programme struct {
	state *familypathv1.FamilyState
	// attaching: an attach update is running its activities; a second one waits for it.
	attaching bool
	// outcomes are claim outcomes received and not yet applied, in arrival order.
	outcomes []*familypathv1.ClaimOutcome
	// correctable: this run recorded changeCorrectData (the correct update, and a judgement
	// overtaken by a correction or new evidence is judged again).
	correctable bool
	// described: the family's problems are known (identification described it, its referral
	// gave them, or the run continued from one that knew them).
	described bool
	// restrictable: this run recorded changeRestriction (a restriction pauses it).
	restrictable bool
	// waitingShown: this run recorded changeWaitingAttributes (WaitingFor, WaitingSince).
	waitingShown bool
}

// activity options by kind: a caseworker waits on the update's activities, so they give
// up within two minutes and the caseworker retries; the main loop's activities retry until
// the service answers (operators see them pending in the UI).
func updateActivity(ctx workflow.Context, queue string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue: queue, StartToCloseTimeout: 30 * time.Second, ScheduleToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        20 * time.Second,
			NonRetryableErrorTypes: []string{"NotFound", "InvalidArgument"},
		},
	})
}

func loopActivity(ctx workflow.Context, queue string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue: queue, StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        10 * time.Minute,
			NonRetryableErrorTypes: []string{"InvalidArgument"},
		},
	})
}

// listen registers the messages of an identified or attached family.
func (p *programme) listen(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateAttach, p.attach,
		workflow.UpdateHandlerOptions{Validator: p.validateAttach}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateClose, p.close,
		workflow.UpdateHandlerOptions{Validator: p.validateClose}); err != nil {
		return err
	}
	p.correctable = workflow.GetVersion(ctx, changeCorrectData, workflow.DefaultVersion, 1) == 1
	if p.correctable {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateCorrect, p.correct,
			workflow.UpdateHandlerOptions{Validator: p.validateCorrect}); err != nil {
			return err
		}
	}
	evidence := workflow.GetSignalChannel(ctx, contract.SignalEvidenceReceived)
	outcomes := workflow.GetSignalChannel(ctx, contract.SignalClaimOutcome)
	p.restrictable = workflow.GetVersion(ctx, changeRestriction, workflow.DefaultVersion, 1) == 1
	p.waitingShown = workflow.GetVersion(ctx, changeWaitingAttributes, workflow.DefaultVersion, 1) == 1
	if p.restrictable {
		restriction := workflow.GetSignalChannel(ctx, contract.SignalRestrictionChanged)
		workflow.Go(ctx, func(ctx workflow.Context) {
			for {
				var sig familypathv1.RestrictionChanged
				restriction.Receive(ctx, &sig)
				p.state.Restricted = sig.GetRestricted()
			}
		})
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var sig familypathv1.EvidenceReceived
			evidence.Receive(ctx, &sig)
			p.takeEvidence(&sig)
		}
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var o familypathv1.ClaimOutcome
			outcomes.Receive(ctx, &o)
			p.outcomes = append(p.outcomes, &o)
		}
	})
	return nil
}

func (p *programme) takeEvidence(sig *familypathv1.EvidenceReceived) {
	if sig.GetEvidenceSnapshotId() != "" {
		p.state.EvidenceSnapshotId = sig.GetEvidenceSnapshotId()
	}
	p.state.EvidenceReceivedCount++
	p.state.EvidencePending = true
}

func (p *programme) validateAttach(_ workflow.Context, req *familypathv1.AttachRequest) error {
	if ended(p.state.GetPhase()) {
		return temporal.NewApplicationError(
			"the family has left the programme ("+p.state.GetPhase().String()+")",
			"FamilyEnded",
		)
	}
	if req.GetRequestId() == "" {
		return temporal.NewApplicationError("attach needs a request id", "InvalidArgument")
	}
	return nil
}

// attach gathers the case's facts, asks tracking whether the family can be attached, and
// records the attachment; it answers attached, or exactly what is missing. A repeated
// request (or one racing another) attaches once.
func (p *programme) attach(ctx workflow.Context, req *familypathv1.AttachRequest) (*familypathv1.AttachResult, error) {
	// An attach that arrives while identification still describes the family (its worker busy
	// with a run, say) waits for the problems, rather than being judged on none.
	if workflow.GetVersion(ctx, changeAttachAwaitsProblems, workflow.DefaultVersion, 1) == 1 {
		if err := workflow.Await(ctx, func() bool { return p.described }); err != nil {
			return nil, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return !p.attaching }); err != nil {
		return nil, err
	}
	if p.state.GetPhase() != identified {
		return p.attachedResult(true), nil
	}
	p.attaching = true
	defer func() { p.attaching = false }()
	id := p.state.GetFamilyId()
	var facts familypathv1.AttachmentFacts
	if err := workflow.ExecuteActivity(updateActivity(ctx, contract.QueueCase), contract.ActivityCaseGatherAttachment,
		&familypathv1.GatherAttachmentRequest{FamilyId: id}).Get(ctx, &facts); err != nil {
		return nil, err
	}
	var ready familypathv1.Readiness
	if err := workflow.ExecuteActivity(updateActivity(ctx, contract.QueueTracking), contract.ActivityTrackingJudgeReadiness,
		&familypathv1.JudgeReadinessRequest{FamilyId: id, PlanId: p.state.GetPlanId(), EvidenceSnapshotId: p.state.GetEvidenceSnapshotId(),
			Facts: &facts, At: timestamppb.New(workflow.Now(ctx)), ProblemCodes: p.state.GetProblemCodes()}).Get(ctx, &ready); err != nil {
		return nil, err
	}
	if !ready.GetReady() {
		return &familypathv1.AttachResult{Missing: ready.GetMissing()}, nil
	}
	at := timestamppb.New(workflow.Now(ctx))
	var rec familypathv1.RecordAttachmentResponse
	if err := workflow.ExecuteActivity(updateActivity(ctx, contract.QueueAttachment), contract.ActivityAttachmentRecordAttachment,
		&familypathv1.RecordAttachmentRequest{FamilyId: id, AttachedAt: at, BaselineProblems: ready.GetBaselineProblems(),
			PlanVersion: ready.GetPlanVersion(), RequestId: req.GetRequestId()}).Get(ctx, &rec); err != nil {
		return nil, err
	}
	s := p.state
	s.Phase, s.AttachedAt, s.AttachmentId = attached, at, rec.GetAttachmentId()
	s.BaselineProblems, s.PlanVersion, s.ProgrammeEndsAt = ready.GetBaselineProblems(), ready.GetPlanVersion(), ready.GetProgrammeEndsAt()
	s.Team = facts.GetTeam()
	s.EvidencePending = true // judge at once
	if err := p.publish(ctx); err != nil {
		return nil, err
	}
	return p.attachedResult(false), nil
}

func (p *programme) attachedResult(already bool) *familypathv1.AttachResult {
	s := p.state
	return &familypathv1.AttachResult{Attached: true, AlreadyAttached: already, AttachedAt: s.GetAttachedAt(),
		BaselineProblems: s.GetBaselineProblems(), PlanVersion: s.GetPlanVersion()}
}

func (p *programme) validateClose(_ workflow.Context, req *familypathv1.CloseRequest) error {
	switch ph := p.state.GetPhase(); {
	case !slices.Contains(closingExits, req.GetExit()):
		return temporal.NewApplicationError(
			"close takes NOT_ATTACHABLE, WITHDRAWN, MOVED_OUT_OF_AREA, CASE_CLOSED_WITHOUT_RESULT or MERGED",
			"InvalidArgument",
		)
	case req.GetReasonCode() == "":
		return temporal.NewApplicationError("close needs a reason code", "InvalidArgument")
	case ended(ph):
		return temporal.NewApplicationError("the family has left the programme ("+ph.String()+")", "FamilyEnded")
	case ph == claimCandidate || ph == claimed || ph == submitted:
		return temporal.NewApplicationError(
			"a claim is in progress: close the family after its outcome",
			"ClaimInProgress",
		)
	case req.GetExit() == familypathv1.FamilyPhase_FAMILY_PHASE_NOT_ATTACHABLE && ph != identified:
		return temporal.NewApplicationError("an attached family is not 'not attachable'", "InvalidArgument")
	}
	return nil
}

// close ends the family's time in the programme without a result.
func (p *programme) close(ctx workflow.Context, req *familypathv1.CloseRequest) (*familypathv1.CloseResult, error) {
	p.exit(req.GetExit(), req.GetReasonCode(), workflow.Now(ctx))
	return &familypathv1.CloseResult{Phase: p.state.GetPhase()}, p.publish(ctx)
}

func (p *programme) validateCorrect(ctx workflow.Context, req *familypathv1.CorrectRequest) error {
	baseline := req.GetBaselineProblems()
	sorted := slices.Clone(baseline)
	slices.Sort(sorted)
	switch ph := p.state.GetPhase(); {
	case req.GetRequestId() == "" || req.GetReasonCode() == "":
		return temporal.NewApplicationError("a correction needs a request id and a reason code", "InvalidArgument")
	case len(baseline) == 0 && req.GetAttachedAt() == nil:
		return temporal.NewApplicationError(
			"a correction changes the baseline problems, the attachment date, or both",
			"InvalidArgument",
		)
	case len(baseline) == 1 || len(slices.Compact(sorted)) != len(baseline):
		return temporal.NewApplicationError("a baseline holds 2 or more different problems", "InvalidArgument")
	case req.GetAttachedAt() != nil && (req.GetAttachedAt().AsTime().After(workflow.Now(ctx)) || req.GetAttachedAt().AsTime().Before(p.state.GetIdentifiedAt().AsTime())):
		return temporal.NewApplicationError(
			"the attachment date must be between identification and now",
			"InvalidArgument",
		)
	case ended(ph):
		return temporal.NewApplicationError("the family has left the programme ("+ph.String()+")", "FamilyEnded")
	case ph == identified:
		return temporal.NewApplicationError("the family is not attached: nothing to correct", "NotAttached")
	case ph != attached && ph != tracking:
		return temporal.NewApplicationError("a claim is in progress: its evidence is frozen", "ClaimInProgress")
	}
	return nil
}

// correct applies a correction of the attachment: the workflow's state at once (so the main
// loop judges again under it), then the attachment register; if the register cannot be
// corrected, the state goes back and the update fails (the caller retries).
func (p *programme) correct(
	ctx workflow.Context,
	req *familypathv1.CorrectRequest,
) (*familypathv1.CorrectResult, error) {
	s := p.state
	baseline, at := s.GetBaselineProblems(), s.GetAttachedAt()
	if len(req.GetBaselineProblems()) > 0 {
		s.BaselineProblems = req.GetBaselineProblems()
	}
	if req.GetAttachedAt() != nil {
		s.AttachedAt = req.GetAttachedAt()
	}
	err := workflow.ExecuteActivity(updateActivity(ctx, contract.QueueAttachment), contract.ActivityAttachmentCorrectAttachment,
		&familypathv1.CorrectAttachmentRequest{
			FamilyId:         s.GetFamilyId(),
			RequestId:        req.GetRequestId(),
			BaselineProblems: req.GetBaselineProblems(),
			AttachedAt:       req.GetAttachedAt(),
			ReasonCode:       req.GetReasonCode(),
		}).
		Get(ctx, nil)
	if err != nil {
		s.BaselineProblems, s.AttachedAt = baseline, at
		return nil, err
	}
	s.EvidencePending = true // judge again under the corrected attachment
	return &familypathv1.CorrectResult{
			BaselineProblems: s.GetBaselineProblems(),
			AttachedAt:       s.GetAttachedAt(),
		}, p.publish(
			ctx,
		)
}

func (p *programme) exit(phase familypathv1.FamilyPhase, reason string, at time.Time) {
	p.state.Phase, p.state.ExitReason, p.state.ExitedAt = phase, reason, timestamppb.New(at)
	p.state.NextActionAt, p.state.WaitingFor = nil, waitingNothing // not the last step's wait
}

// run acts on the state until the family leaves the programme.
func (p *programme) run(ctx workflow.Context) error {
	for !ended(p.state.GetPhase()) {
		if ph := p.state.GetPhase(); ph == identified || ph == attached || ph == tracking {
			p.outcomes = nil // outcomes of a claim the family no longer has change nothing
		}
		if p.paused() {
			if err := p.awaitLifted(ctx); err != nil {
				return err
			}
			continue
		}
		var err error
		switch p.state.GetPhase() {
		case identified:
			err = p.wait(ctx, waitingAttachment, time.Time{}, "")
			p.state.EvidencePending = false // before attachment, evidence only moves the snapshot
		case attached, tracking:
			err = p.track(ctx)
		case claimCandidate:
			err = p.claim(ctx)
		case claimed, submitted:
			err = p.awaitOutcome(ctx)
		default:
			return temporal.NewNonRetryableApplicationError(
				"unknown phase "+p.state.GetPhase().String(),
				"InvalidState",
				nil,
			)
		}
		if err != nil {
			return err
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() && !ended(p.state.GetPhase()) && len(p.outcomes) == 0 {
			return p.continueAsNew(ctx)
		}
	}
	// Let a running update (a late attach answered "already", say) finish before closing.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	return p.startRetention(ctx)
}

// startRetention starts the family's FamilyRetention workflow as the journey ends: it outlives
// this one (abandoned when this closes) and has every service erase the family's records once
// the retention period has passed. One per family: a second start finds it running.
func (p *programme) startRetention(ctx workflow.Context) error {
	if workflow.GetVersion(ctx, changeRetention, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        contract.FamilyRetentionWorkflowID(p.state.GetFamilyId()),
		TaskQueue:         contract.QueueFamilyLifecycle,
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	child := workflow.ExecuteChildWorkflow(cctx, contract.WorkflowFamilyRetention, &familypathv1.FamilyRetentionInput{
		FamilyId: p.state.GetFamilyId(), EndedAt: timestamppb.New(workflow.Now(ctx)), EndedPhase: p.state.GetPhase()})
	err := child.GetChildWorkflowExecution().Get(ctx, nil)
	if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return nil
	}
	return err
}

// waitOn says what the workflow now waits on, and publishes it when this run shows it (a step
// that waits on a service is then found by WaitingFor and WaitingSince).
func (p *programme) waitOn(ctx workflow.Context, what string) error {
	setWaiting(ctx, p.state, what)
	if !p.waitingShown {
		return nil
	}
	return p.publish(ctx)
}

// paused says whether the family's processing is restricted at a step that would process it:
// judging (attached, tracking) or claiming, which freezes the evidence pack. A claim already
// made goes on to its window's outcome, and an identified family waits for attachment anyway.
func (p *programme) paused() bool {
	if !p.restrictable || !p.state.GetRestricted() {
		return false
	}
	switch p.state.GetPhase() {
	case attached, tracking, claimCandidate:
		return true
	}
	return false
}

// awaitLifted waits, visibly (waiting for, the Restricted search attribute), until the
// restriction is lifted or the family leaves the programme (closed by an update).
func (p *programme) awaitLifted(ctx workflow.Context) error {
	s := p.state
	setWaiting(ctx, s, waitingLifted)
	s.NextActionAt = nil
	if err := p.publish(ctx); err != nil {
		return err
	}
	phase := s.GetPhase()
	if err := workflow.Await(ctx, func() bool { return !s.GetRestricted() || s.GetPhase() != phase }); err != nil {
		return err
	}
	return p.publish(ctx)
}

// track records the fee if due, asks tracking for a judgement, and either moves to a claim
// or waits for the judgement's next deadline, new evidence, or the programme's end.
func (p *programme) track(ctx workflow.Context) error {
	s := p.state
	if !s.GetFeeRecorded() {
		if err := p.waitOn(ctx, waitingFee); err != nil {
			return err
		}
		var fee familypathv1.RecordAttachmentFeeResponse
		if err := workflow.ExecuteActivity(loopActivity(ctx, contract.QueueClaims), contract.ActivityClaimsRecordAttachmentFee,
			&familypathv1.RecordAttachmentFeeRequest{FamilyId: s.GetFamilyId(), AttachmentId: s.GetAttachmentId(),
				AttachedAt: s.GetAttachedAt(), PlanVersion: s.GetPlanVersion()}).Get(ctx, &fee); err != nil {
			return err
		}
		s.FeeRecorded = true
	}
	if s.GetPhase() == attached {
		s.Phase = tracking
	}
	now := workflow.Now(ctx)
	if end := s.GetProgrammeEndsAt(); end != nil && !now.Before(end.AsTime()) {
		p.exit(programmeEnded, "PROGRAMME_ENDED", now)
		return p.publish(ctx)
	}
	if err := p.waitOn(ctx, waitingTracking); err != nil {
		return err
	}
	s.EvidencePending = false
	// The judgement joins the trace of the evidence signal that woke the loop, if one did: the
	// caseworker's request that recorded the evidence goes on to its judging.
	judging := temporalx.FollowSignal(ctx, contract.SignalEvidenceReceived)
	var j familypathv1.FamilyJudgement
	if err := workflow.ExecuteActivity(loopActivity(judging, contract.QueueTracking), contract.ActivityTrackingJudgeFamily,
		&familypathv1.JudgeFamilyRequest{FamilyId: s.GetFamilyId(), PlanVersion: s.GetPlanVersion(), BaselineProblems: s.GetBaselineProblems(),
			AttachedAt: s.GetAttachedAt(), At: timestamppb.New(now), EvidenceSnapshotId: s.GetEvidenceSnapshotId()}).Get(ctx, &j); err != nil {
		return err
	}
	if ended(s.GetPhase()) { // closed while tracking judged
		return nil
	}
	s.Problems, s.Flags = j.GetProblems(), j.GetFlags()
	if j.GetResultRoute() != familypathv1.ResultRoute_RESULT_ROUTE_UNSPECIFIED {
		s.Phase, s.ClaimRoute, s.NextActionAt = claimCandidate, j.GetResultRoute(), nil
		return p.publish(ctx)
	}
	wake, why := nextWake(&j, s.GetProgrammeEndsAt())
	if err := p.publish(ctx); err != nil {
		return err
	}
	return p.wait(ctx, why, wake, "judge again: "+why)
}

// nextWake is the earlier of the judgement's review time and the programme's end.
func nextWake(j *familypathv1.FamilyJudgement, end *timestamppb.Timestamp) (time.Time, string) {
	var wake time.Time
	why := waitingEvidence
	if r := j.GetReviewAt(); r != nil {
		wake, why = r.AsTime(), "review "+reviewReason(j)+" at "+r.AsTime().Format(time.DateOnly)
	}
	if end != nil && (wake.IsZero() || end.AsTime().Before(wake)) {
		wake, why = end.AsTime(), "programme end at "+end.AsTime().Format(time.DateOnly)
	}
	return wake, why
}

// reviewReason names the problem whose deadline falls at the review time, for operators.
func reviewReason(j *familypathv1.FamilyJudgement) string {
	for _, pr := range j.GetProblems() {
		if pr.GetSustainedAt() != nil && pr.GetSustainedAt().AsTime().Equal(j.GetReviewAt().AsTime()) {
			return pr.GetCode() + " sustained"
		}
	}
	return "deadline"
}

// claim asks claims to create the family's claim (keyed by family and attempt, so a retry
// or a replay after a crash makes no second claim), then waits for its window.
func (p *programme) claim(ctx workflow.Context) error {
	s := p.state
	if err := p.waitOn(ctx, waitingClaim); err != nil {
		return err
	}
	attempt := s.GetClaimAttempts() + 1
	var resp familypathv1.CreateClaimResponse
	err := workflow.ExecuteActivity(
		loopActivity(ctx, contract.QueueClaims),
		contract.ActivityClaimsCreateClaim,
		&familypathv1.CreateClaimRequest{
			FamilyId:           s.GetFamilyId(),
			Attempt:            attempt,
			Route:              s.GetClaimRoute(),
			PlanVersion:        s.GetPlanVersion(),
			EvidenceSnapshotId: s.GetEvidenceSnapshotId(),
			Problems:           s.GetProblems(),
			AchievedAt:         timestamppb.New(workflow.Now(ctx)),
			AttachedAt:         s.GetAttachedAt(),
			BaselineProblems:   s.GetBaselineProblems(),
		},
	).Get(ctx, &resp)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == "FamilyCapReached" {
		// A result no claim can be made for: the family waits, visible to operators, until
		// it is closed or the programme ends.
		if !slices.Contains(s.GetFlags(), flagFamilyCap) {
			s.Flags = append(s.Flags, flagFamilyCap)
		}
		var end time.Time
		if e := s.GetProgrammeEndsAt(); e != nil {
			end = e.AsTime()
		}
		if !end.IsZero() && !workflow.Now(ctx).Before(end) {
			p.exit(programmeEnded, "PROGRAMME_ENDED", workflow.Now(ctx))
			return p.publish(ctx)
		}
		return p.wait(ctx, "a claim place: the plan's family cap is reached", end, "programme end")
	}
	if err != nil {
		return err
	}
	s.ClaimAttempts, s.ClaimId, s.Phase, s.AuditStatus = attempt, resp.GetClaimId(), claimed, "PENDING"
	return p.publish(ctx)
}

// awaitOutcome waits for the claim window's outcome of the family's claim and applies it:
// submitted, then paid; or a failed audit, which returns the family to tracking with the
// reason. Outcomes of another claim, and repeats, change nothing.
func (p *programme) awaitOutcome(ctx workflow.Context) error {
	s := p.state
	why := waitingWindow
	if s.GetPhase() == submitted {
		why = waitingPayment
	}
	if err := p.wait(ctx, why, time.Time{}, ""); err != nil {
		return err
	}
	for len(p.outcomes) > 0 {
		o := p.outcomes[0]
		p.outcomes = p.outcomes[1:]
		if o.GetClaimId() != s.GetClaimId() {
			continue
		}
		switch o.GetKind() {
		case familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_SUBMITTED:
			if s.GetPhase() == claimed {
				s.Phase = submitted
				if s.GetAuditStatus() == "PENDING" {
					s.AuditStatus = "PASSED"
				}
			}
		case familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_FAILED_AUDIT:
			if s.GetPhase() == claimed {
				s.Phase, s.AuditStatus, s.LastAuditFailure, s.ClaimId = tracking, "FAILED", o.GetReasonCode(), ""
				s.ClaimRoute, s.EvidencePending = familypathv1.ResultRoute_RESULT_ROUTE_UNSPECIFIED, true
			}
		case familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_PAID:
			if s.GetPhase() == submitted || s.GetPhase() == claimed {
				p.exit(paid, "RESULT_PAID", o.GetAt().AsTime())
			}
		case familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_HELD_BACK:
			if s.GetPhase() == claimed &&
				workflow.GetVersion(ctx, changeClaimHeldBack, workflow.DefaultVersion, 1) >= 1 {
				s.Phase, s.AuditStatus, s.LastHoldReason, s.ClaimId = tracking, "HELD_BACK", o.GetReason(), ""
				s.ClaimRoute, s.EvidencePending = familypathv1.ResultRoute_RESULT_ROUTE_UNSPECIFIED, true
			}
		}
	}
	return p.publish(ctx)
}

// wait blocks until something needs the main loop: a phase change (an update), new
// evidence while tracking, a claim outcome, the wake time (when set), or a suggestion to
// continue as new. The timer carries a summary for operators.
func (p *programme) wait(ctx workflow.Context, why string, wake time.Time, timerSummary string) error {
	s := p.state
	setWaiting(ctx, s, why)
	phase := s.GetPhase()
	s.NextActionAt = nil
	if !wake.IsZero() {
		s.NextActionAt = timestamppb.New(wake)
	}
	if err := p.publish(ctx); err != nil {
		return err
	}
	// Evidence wakes a family being judged; a claim awaiting its outcome has frozen its
	// evidence, and woken by it would only come back here without yielding (runs recorded
	// before changeOutcomeIgnoresEvidence never had evidence while a claim awaited its outcome).
	evidenceWakes := phase != identified
	if (phase == claimed || phase == submitted) &&
		workflow.GetVersion(ctx, changeOutcomeIgnoresEvidence, workflow.DefaultVersion, 1) == 1 {
		evidenceWakes = false
	}
	woken := func() bool {
		return s.GetPhase() != phase || len(p.outcomes) > 0 || (s.GetEvidencePending() && evidenceWakes) ||
			workflow.GetInfo(ctx).GetContinueAsNewSuggested() || p.paused()
	}
	if wake.IsZero() {
		return workflow.Await(ctx, woken)
	}
	d := wake.Sub(workflow.Now(ctx))
	if d <= 0 {
		return nil
	}
	_, err := workflow.AwaitWithOptions(
		ctx,
		workflow.AwaitOptions{Timeout: d, TimerOptions: workflow.TimerOptions{Summary: timerSummary}},
		woken,
	)
	return err
}

// publish shows the state to operators: search attributes (codes, dates, counts only).
func (p *programme) publish(ctx workflow.Context) error {
	s := p.state
	outstanding := int64(0)
	for _, pr := range s.GetProblems() {
		if pr.GetStatus() != familypathv1.ProblemStatus_PROBLEM_STATUS_SUSTAINED {
			outstanding++
		}
	}
	if len(s.GetProblems()) == 0 {
		outstanding = int64(len(s.GetProblemCodes()))
	}
	// Only what changed is upserted: a family's history lives for years, and an upsert that
	// changes nothing would still be an event in it. Runs recorded before that upserted all.
	all := workflow.GetVersion(ctx, changePublishChangesOnly, workflow.DefaultVersion, 1) == workflow.DefaultVersion
	shown := workflow.GetTypedSearchAttributes(ctx)
	var updates []temporal.SearchAttributeUpdate
	keyword := func(k temporal.SearchAttributeKeyKeyword, v string) {
		if cur, ok := shown.GetKeyword(k); v != "" && (all || !ok || cur != v) {
			updates = append(updates, k.ValueSet(v))
		}
	}
	keyword(temporalx.SAFamilyPhase, s.GetPhase().String())
	if cur, ok := shown.GetInt64(temporalx.SAOutstandingProblemCount); all || !ok || cur != outstanding {
		updates = append(updates, temporalx.SAOutstandingProblemCount.ValueSet(outstanding))
	}
	keyword(temporalx.SAPlanVersion, s.GetPlanVersion())
	keyword(temporalx.SATeam, s.GetTeam())
	keyword(temporalx.SAAuditStatus, s.GetAuditStatus())
	if p.waitingShown && s.GetWaitingFor() != "" {
		if code, ok := shown.GetKeyword(temporalx.SAWaitingFor); !ok || code != waitingCode(s.GetWaitingFor()) {
			updates = append(
				updates,
				temporalx.SAWaitingFor.ValueSet(waitingCode(s.GetWaitingFor())),
				temporalx.SAWaitingSince.ValueSet(workflow.Now(ctx)),
			)
		}
	}
	if p.restrictable {
		if cur, ok := shown.GetBool(temporalx.SARestricted); !ok && s.GetRestricted() ||
			ok && cur != s.GetRestricted() {
			updates = append(updates, temporalx.SARestricted.ValueSet(s.GetRestricted()))
		}
	}
	cur, has := shown.GetTime(temporalx.SANextActionDate)
	switch next := s.GetNextActionAt(); {
	case next != nil && (all || !has || !cur.Equal(next.AsTime())):
		updates = append(updates, temporalx.SANextActionDate.ValueSet(next.AsTime()))
	case next == nil && (all || has):
		updates = append(updates, temporalx.SANextActionDate.ValueUnset())
	}
	if len(updates) == 0 {
		return nil
	}
	return workflow.UpsertTypedSearchAttributes(ctx, updates...)
}

// continueAsNew starts a fresh run with the whole state (deadlines, the pinned plan
// version, pending evidence and outcomes) once running updates have finished.
func (p *programme) continueAsNew(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	s := p.state
	return workflow.NewContinueAsNewError(ctx, contract.WorkflowFamilyLifecycle, &familypathv1.FamilyLifecycleInput{
		FamilyId: s.GetFamilyId(), PlanId: s.GetPlanId(), EvidenceSnapshotId: s.GetEvidenceSnapshotId(),
		IdentifiedAt: s.GetIdentifiedAt(), Continued: s,
	})
}
