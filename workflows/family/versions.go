package family

// Change ids of the FamilyLifecycle workflow, oldest first: the one registry of
// workflow.GetVersion ids. Every change to deployed workflow logic adds an id here and
// branches on workflow.GetVersion(ctx, id, workflow.DefaultVersion, N), so that histories
// recorded by older code replay on newer workers (testdata/histories and replay_test.go).
// Never remove, rename or reuse one while a workflow that recorded it may still run. A change
// that issues no other command needs none (temporalx.FollowSignal: only the trace a step joins).
const (
	// changeAttachAndTrack: attachment by update, judgement by tracking with timers on its
	// deadlines, claims and their outcomes, exits. Before it, an identified family only
	// took evidence signals.
	changeAttachAndTrack = "family-attach-and-track"
	// changePublishChangesOnly: search attributes are upserted only when one changes. Before
	// it, every step upserted them all (an event each time).
	changePublishChangesOnly = "family-publish-changes-only"
	// changeCorrectData: the `correct` update (baseline problems and attachment date, before
	// any claim). Before it, a family's workflow had no such handler.
	changeCorrectData = "family-correct-data"
	// changeReferrals: a family referred by a professional takes its problems from the
	// referral instead of asking identification. Before it, every family was identified.
	changeReferrals = "family-referrals"
	// changeAttachAwaitsProblems: an attach update that arrives before the family's problems
	// are known (identification still describing it) waits for them. Before it, such an
	// attach was judged on no problems and answered "evidence against 2 or more problems".
	changeAttachAwaitsProblems = "family-attach-awaits-problems"
	// changeClaimHeldBack: a claim held back by its window (judged again before submission,
	// it no longer stood) returns the family to tracking with the reason. Before it, windows
	// sent no such outcome.
	changeClaimHeldBack = "family-claim-held-back"
	// changeRestriction: while the family's processing is restricted (UK GDPR Article 18; the
	// case service signals restriction-changed), judging, claiming and evidence freezing wait
	// until it is lifted, shown by the Restricted search attribute. Before it, a restriction
	// stopped only caseworkers' edits.
	changeRestriction = "family-restriction"
	// changeWaitingAttributes: the family's workflow publishes what it waits on and since when
	// (search attributes WaitingFor and WaitingSince), also just before each step that waits on
	// a service. Before it, only its current details said so, which no query can find.
	changeWaitingAttributes = "family-waiting-attributes"
	// changeImported: a family imported mid-programme (the case service's import) starts from
	// its imported state and publishes it before the first step. Before it, no family was
	// imported.
	changeImported = "family-imported"
	// changeOutcomeIgnoresEvidence: new evidence while a claim awaits its window's outcome
	// (claimed, submitted) no longer wakes the wait: the claim's evidence is frozen, and woken
	// the loop came straight back without yielding (a deadlock the SDK detects). Found when an
	// identification run told an imported family with a submitted claim of its evidence.
	changeOutcomeIgnoresEvidence = "family-outcome-ignores-evidence"
	// changeRetention: a family whose journey ends starts its FamilyRetention workflow
	// (family-retention/<id>), which outlives this one and has every service erase the
	// family's records once the retention period has passed. Before it, ended families'
	// records were kept with no end.
	changeRetention = "family-retention"
)
