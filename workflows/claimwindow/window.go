// Package claimwindow holds the ClaimWindow workflow: one per national claim window, started
// by a Temporal Schedule when the window opens. It takes the window's claims from the claims
// service, draws the audit sample for the whole batch (deterministically, from a recorded
// seed), waits for the auditors' decisions with reminders and escalation, submits the batch,
// and tells each family's workflow its claim's outcome; when the window's results are paid,
// it tells them that too.
//
// Determinism: as in workflows/family; changes to deployed logic go behind
// workflow.GetVersion with ids in versions.go.
package claimwindow

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Register registers the workflow on the family-lifecycle worker.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Window, workflow.RegisterOptions{Name: contract.WorkflowClaimWindow})
}

// Stages of a window.
const (
	stageTaking     = "TAKING"
	stageAuditing   = "AUDITING"
	stageSubmitting = "SUBMITTING"
	stageAwaitPay   = "AWAITING_PAYMENT"
	stagePaid       = "PAID"
	stageAlreadyRun = "ALREADY_RUN"
)

func claimsActivity(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue: contract.QueueClaims, StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        10 * time.Minute,
			NonRetryableErrorTypes: []string{"InvalidArgument"},
		},
	})
}

type window struct {
	in        *familypathv1.ClaimWindowInput
	state     *familypathv1.ClaimWindowState
	claims    []*familypathv1.WindowClaim
	sampled   map[string]bool
	decisions map[string]*familypathv1.AuditDecision
	paid      *familypathv1.WindowPaid
}

// Window is the ClaimWindow workflow.
func Window(ctx workflow.Context, in *familypathv1.ClaimWindowInput) error {
	w := &window{in: in, state: &familypathv1.ClaimWindowState{WindowId: in.GetWindowId(), Stage: stageTaking},
		sampled: map[string]bool{}, decisions: map[string]*familypathv1.AuditDecision{}}
	if err := workflow.SetQueryHandler(ctx, contract.QueryClaimWindowState, func() (*familypathv1.ClaimWindowState, error) {
		return proto.Clone(w.state).(*familypathv1.ClaimWindowState), nil
	}); err != nil {
		return err
	}
	w.listen(ctx)
	if err := w.take(ctx); err != nil {
		return err
	}
	if w.state.GetStage() == stageAlreadyRun {
		return nil
	}
	if err := w.audit(ctx); err != nil {
		return err
	}
	passed, failed, carried := w.sort()
	var held []*familypathv1.WindowClaim
	if workflow.GetVersion(ctx, changeClaimsAtRisk, workflow.DefaultVersion, 1) >= 1 {
		var err error
		if passed, held, err = w.rejudge(ctx, passed); err != nil {
			return err
		}
	}
	if err := w.submit(ctx, passed, failed, carried, held); err != nil {
		return err
	}
	return w.awaitPayment(ctx, passed)
}

func (w *window) listen(ctx workflow.Context) {
	decisions := workflow.GetSignalChannel(ctx, contract.SignalAuditDecision)
	paid := workflow.GetSignalChannel(ctx, contract.SignalWindowPaid)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var d familypathv1.AuditDecision
			decisions.Receive(ctx, &d)
			// The first decision on a sampled claim stands; others change nothing.
			if w.sampled[d.GetClaimId()] && w.decisions[d.GetClaimId()] == nil && w.state.GetStage() == stageAuditing {
				w.decisions[d.GetClaimId()] = &d
				w.state.Decisions = append(w.state.Decisions, &d)
			}
		}
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		var p familypathv1.WindowPaid
		paid.Receive(ctx, &p)
		w.paid = &p
	})
}

func (w *window) waiting(ctx workflow.Context, what string) {
	w.state.WaitingFor = what
	workflow.SetCurrentDetails(ctx, "waiting: "+what)
}

// take takes the window's batch from claims and draws and records its audit sample.
func (w *window) take(ctx workflow.Context) error {
	w.waiting(ctx, "claims to hand over the window's batch")
	var batch familypathv1.WindowClaims
	if err := workflow.ExecuteActivity(claimsActivity(ctx), contract.ActivityClaimsTakeWindowClaims,
		&familypathv1.TakeWindowClaimsRequest{WindowId: w.in.GetWindowId(), PlanId: w.in.GetPlanId()}).Get(ctx, &batch); err != nil {
		return err
	}
	if by := batch.GetAlreadyRunBy(); by != "" &&
		workflow.GetVersion(ctx, changeRunOnce, workflow.DefaultVersion, 1) >= 1 {
		w.state.Stage, w.state.AlreadyRunBy = stageAlreadyRun, by
		w.waiting(ctx, "nothing: the window was run by "+by)
		return nil
	}
	w.claims = batch.GetClaims()
	var seed uint64
	// The seed is drawn once and recorded in the history: replays draw the same sample.
	if err := workflow.SideEffect(ctx, func(workflow.Context) any { return rand.Uint64() }).Get(&seed); err != nil { // #nosec G404 -- recorded, not a secret
		return err
	}
	sample := &familypathv1.AuditSample{
		WindowId:  w.in.GetWindowId(),
		PlanId:    w.in.GetPlanId(),
		Seed:      seed,
		BatchSize: int32(len(w.claims)), // #nosec G115 -- a batch is hundreds
		Required: int32(
			Required(len(w.claims), w.in.GetAuditSampleRate()),
		),
		Sampled: Draw(w.claims, w.in.GetAuditSampleRate(), seed),
	} // #nosec G115 -- as above
	for _, s := range sample.GetSampled() {
		w.sampled[s.GetClaimId()] = true
	}
	w.state.BatchSize, w.state.Sample = sample.GetBatchSize(), sample
	var rec familypathv1.RecordAuditSampleResponse
	return workflow.ExecuteActivity(claimsActivity(ctx), contract.ActivityClaimsRecordAuditSample, sample).
		Get(ctx, &rec)
}

// audit waits for a decision on every sampled claim, reminding the auditors every
// reminder_every and escalating once decision_due has passed, until the window closes.
func (w *window) audit(ctx workflow.Context) error {
	w.state.Stage = stageAuditing
	start := workflow.Now(ctx)
	due := start.Add(durationOr(w.in.GetDecisionDue().AsDuration(), 14*24*time.Hour))
	every := durationOr(w.in.GetReminderEvery().AsDuration(), 3*24*time.Hour)
	closes := w.in.GetClosesAt().AsTime()
	allDecided := func() bool { return len(w.decisions) == len(w.sampled) }
	for !allDecided() {
		now := workflow.Now(ctx)
		if !now.Before(closes) {
			return nil // the window closes: undecided claims go to the next one
		}
		next := minTime(now.Add(every), closes)
		w.waiting(ctx, fmt.Sprintf("auditors' decisions on %d of %d sampled claims (reminder %s)",
			len(w.sampled)-len(w.decisions), len(w.sampled), next.Format(time.DateOnly)))
		ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: next.Sub(now),
			TimerOptions: workflow.TimerOptions{Summary: "audit reminder " + next.Format(time.DateOnly)}}, allDecided)
		if err != nil || ok {
			return err
		}
		if workflow.Now(ctx).Before(closes) {
			escalate := !w.state.GetEscalated() && !workflow.Now(ctx).Before(due)
			if err := workflow.ExecuteActivity(claimsActivity(ctx), contract.ActivityClaimsRemindAuditors, &familypathv1.AuditReminder{
				WindowId: w.in.GetWindowId(), PlanId: w.in.GetPlanId(), OutstandingClaimIds: w.outstanding(), Escalate: escalate}).Get(ctx, nil); err != nil {
				return err
			}
			w.state.Escalated = w.state.GetEscalated() || escalate
		}
	}
	return nil
}

func (w *window) outstanding() []string {
	var ids []string
	for _, s := range w.state.GetSample().GetSampled() {
		if w.decisions[s.GetClaimId()] == nil {
			ids = append(ids, s.GetClaimId())
		}
	}
	return ids
}

// sort splits the batch: passed (not sampled, or passed audit), failed, carried over.
func (w *window) sort() (passed, failed, carried []*familypathv1.WindowClaim) {
	for _, c := range w.claims {
		d := w.decisions[c.GetClaimId()]
		switch {
		case !w.sampled[c.GetClaimId()] || (d != nil && d.GetPassed()):
			passed = append(passed, c)
		case d != nil:
			failed = append(failed, c)
		default:
			carried = append(carried, c)
		}
	}
	return passed, failed, carried
}

// rejudge has claims judge again each claim the window would submit, under its pinned plan
// with the engine claims runs now (docs/outcomes.md, ruling 5): those that no longer stand are
// held back, with the reason.
func (w *window) rejudge(
	ctx workflow.Context,
	passed []*familypathv1.WindowClaim,
) (standing, held []*familypathv1.WindowClaim, err error) {
	if len(passed) == 0 {
		return passed, nil, nil
	}
	w.waiting(ctx, fmt.Sprintf("claims to judge the %d claims to submit again", len(passed)))
	var resp familypathv1.RejudgeClaimsResponse
	if err := workflow.ExecuteActivity(claimsActivity(ctx), contract.ActivityClaimsRejudgeClaims, &familypathv1.RejudgeClaimsRequest{
		WindowId: w.in.GetWindowId(), ClaimIds: claimIDs(passed)}).Get(ctx, &resp); err != nil {
		return nil, nil, err
	}
	verdicts := make(map[string]*familypathv1.ClaimRejudgement, len(resp.GetClaims()))
	for _, v := range resp.GetClaims() {
		verdicts[v.GetClaimId()] = v
	}
	for _, c := range passed { // in the batch's order: deterministic
		if v := verdicts[c.GetClaimId()]; v != nil && !v.GetStands() {
			held = append(held, c)
			w.state.Held = append(w.state.Held, v)
			continue
		}
		standing = append(standing, c)
	}
	return standing, held, nil
}

func claimIDs(cs []*familypathv1.WindowClaim) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.GetClaimId())
	}
	return out
}

// submit submits the batch and tells each family's workflow what became of its claim.
func (w *window) submit(ctx workflow.Context, passed, failed, carried, held []*familypathv1.WindowClaim) error {
	w.state.Stage = stageSubmitting
	w.waiting(ctx, "claims to submit the batch")
	ids := claimIDs
	var resp familypathv1.SubmitWindowResponse
	if err := workflow.ExecuteActivity(claimsActivity(ctx), contract.ActivityClaimsSubmitWindow, &familypathv1.SubmitWindowRequest{
		WindowId: w.in.GetWindowId(), PlanId: w.in.GetPlanId(), ClaimIds: ids(passed), FailedClaimIds: ids(failed), CarriedOverClaimIds: ids(carried),
		HeldClaimIds: ids(held)}).Get(ctx, &resp); err != nil {
		return err
	}
	w.state.SubmissionId = resp.GetSubmissionId()
	now := timestamppb.New(workflow.Now(ctx))
	for _, c := range passed {
		w.tell(
			ctx,
			c,
			&familypathv1.ClaimOutcome{
				ClaimId: c.GetClaimId(),
				Kind:    familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_SUBMITTED,
				At:      now,
			},
		)
	}
	for _, c := range failed {
		w.tell(
			ctx,
			c,
			&familypathv1.ClaimOutcome{
				ClaimId:    c.GetClaimId(),
				Kind:       familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_FAILED_AUDIT,
				ReasonCode: w.decisions[c.GetClaimId()].GetReasonCode(),
				At:         now,
			},
		)
	}
	for i, c := range held {
		w.tell(
			ctx,
			c,
			&familypathv1.ClaimOutcome{
				ClaimId: c.GetClaimId(),
				Kind:    familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_HELD_BACK,
				Reason:  w.state.GetHeld()[i].GetReason(),
				At:      now,
			},
		)
	}
	return nil
}

// tell signals a family's workflow. A family whose workflow has ended (closed by hand, say)
// cannot be told; the window goes on, and the operator sees the failure in the history.
func (w *window) tell(ctx workflow.Context, c *familypathv1.WindowClaim, o *familypathv1.ClaimOutcome) {
	id, err := contract.FamilyWorkflowID(c.GetFamilyId())
	if err == nil {
		err = workflow.SignalExternalWorkflow(ctx, id, "", contract.SignalClaimOutcome, o).Get(ctx, nil)
	}
	if err != nil {
		workflow.GetLogger(ctx).
			Warn("family not told its claim's outcome", "claim_id", c.GetClaimId(), "error", err.Error())
	}
}

// awaitPayment waits for the window's payment and tells each submitted family.
func (w *window) awaitPayment(ctx workflow.Context, submitted []*familypathv1.WindowClaim) error {
	w.state.Stage = stageAwaitPay
	w.waiting(ctx, "payment of the submitted batch")
	if err := workflow.Await(ctx, func() bool { return w.paid != nil }); err != nil {
		return err
	}
	for _, c := range submitted {
		w.tell(
			ctx,
			c,
			&familypathv1.ClaimOutcome{
				ClaimId: c.GetClaimId(),
				Kind:    familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_PAID,
				At:      w.paid.GetPaidAt(),
			},
		)
	}
	w.state.Stage = stagePaid
	w.waiting(ctx, "nothing: paid")
	return nil
}

func durationOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
