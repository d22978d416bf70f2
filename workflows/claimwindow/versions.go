package claimwindow

// Change ids of the ClaimWindow workflow, oldest first: every change to deployed workflow
// logic adds an id here and branches on workflow.GetVersion(ctx, id, workflow.DefaultVersion,
// N), so that histories recorded by older code replay on newer workers
// (workflows/family/testdata/histories, replayed by workflows/family/replay_test.go). Never
// remove, rename or reuse one while a window that recorded it may still run.
const (
	// changeClaimsAtRisk: before submitting, the window has claims judge each claim it would
	// submit again (claims.RejudgeClaims); one that no longer stands is held back, not
	// submitted, and its family's workflow is told why. Before it, every claim that passed
	// audit or was not sampled was submitted.
	changeClaimsAtRisk = "window-claims-at-risk"
	// changeRunOnce: a window already run by another workflow (its schedule triggered again)
	// is not run twice: claims answers who ran it, this workflow takes nothing and ends with
	// stage ALREADY_RUN. Before it, a second run drew a second sample that auditors could not
	// decide, and its claims waited for ever.
	changeRunOnce = "window-run-once"
)
