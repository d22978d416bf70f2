package outcomes

// What a judgement says: the engine's answers (Judge and Evaluate, engine.go), apart from how
// they are worked out.

// Judgement is the engine's answer for one family at one moment, with its reasons.
type Judgement struct {
	Plan        Ref                `json:"plan"`
	Engine      string             `json:"engine"`
	FamilyID    string             `json:"family_id"`
	At          Moment             `json:"at"`
	Eligibility EligibilityResult  `json:"eligibility"`
	Readiness   *Readiness         `json:"attachment_readiness,omitempty"`
	Problems    []ProblemStatus    `json:"problems,omitempty"`
	Employment  []EmploymentStatus `json:"employment,omitempty"`
	Result      Result             `json:"result"`
}

// EligibilityResult says whether the family is eligible at the moment, and on what evidence.
// For an attached family it is judged at the attachment date, when the baseline was frozen.
type EligibilityResult struct {
	At          Moment            `json:"at"`
	Eligible    bool              `json:"eligible"`
	Problems    []ProblemEvidence `json:"problems"`
	Dependants  bool              `json:"has_dependent_child_or_pregnancy"`
	Explanation []string          `json:"explanation"`
	MinProblems int               `json:"min_problems"`
}

// Codes are the problems evidenced, in the plan's order.
func (e EligibilityResult) Codes() []string {
	codes := make([]string, len(e.Problems))
	for i, pr := range e.Problems {
		codes[i] = pr.Code
	}
	return codes
}

// ProblemEvidence is a problem evidenced at the moment, with the indicators that met it.
type ProblemEvidence struct {
	Code       string         `json:"code"`
	Indicators []IndicatorHit `json:"indicators"`
}

// IndicatorHit is an indicator met, with the evidence rows behind it.
type IndicatorHit struct {
	Code  string   `json:"code"`
	Facts []string `json:"facts"`
}

// Readiness answers whether the family can be attached, and what is missing.
type Readiness struct {
	Ready   bool     `json:"ready"`
	Missing []string `json:"missing"`
}

// ProblemStatus is one baseline problem's progress.
type ProblemStatus struct {
	Code        string `json:"code"`
	Status      string `json:"status"`
	ClockStart  Moment `json:"clock_start,omitzero"`
	SustainedAt Moment `json:"sustained_at,omitzero"`
	// RecurredAt is the latest recurrence after attachment, which restarted the clock.
	RecurredAt Moment `json:"recurred_at,omitzero"`
	// LatestFrom is when the latest evidence of the problem began: an event's date, a spell's
	// start, a bad school term's start (a run of bad terms counts each term). A lapse seen
	// after it happened (a bad term, seen after the term) dates from here.
	LatestFrom Moment `json:"latest_from,omitzero"`
	// Waiting says what a problem in significant progress waits for (Waiting*), and
	// Awaiting the data it needs before it can be sustained.
	Waiting     string     `json:"waiting,omitempty"`
	Awaiting    []Awaiting `json:"awaiting,omitempty"`
	Flags       []string   `json:"flags,omitempty"`
	Explanation string     `json:"explanation"`
	Facts       []string   `json:"facts,omitempty"`
}

// Result is the family's result: achieved (route and moment), or the earliest moment a
// claim could be made if progress holds, the outstanding problems that block it, and the
// problems in significant progress with what each waits for.
type Result struct {
	Route           string    `json:"route,omitempty"`
	AchievedAt      Moment    `json:"achieved_at,omitzero"`
	EarliestClaimAt Moment    `json:"earliest_claim_at,omitzero"`
	Blocking        []string  `json:"blocking,omitempty"`
	Pending         []Pending `json:"pending,omitempty"`
	Explanation     []string  `json:"explanation"`
}

// Pending is a baseline problem in significant progress: the day it will be sustained if it
// holds (when known) and what it waits for (Waiting*).
type Pending struct {
	Code        string `json:"code"`
	SustainedAt Moment `json:"sustained_at,omitzero"`
	Waiting     string `json:"waiting"`
}
