package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/auth"
)

// The demo's people (an administrator allocates, as the data team opens cases). Their
// subjects name the demo; the team is the demo's own.
var (
	analyst = auth.Principal{Subject: "demo.analyst", Roles: []string{auth.RoleDataAnalyst}}
	lead    = auth.Principal{Subject: "demo.lead", Roles: []string{auth.RoleCaseworker}, Team: "demo-1"}
	admin   = auth.Principal{Subject: "demo.admin", Roles: []string{auth.RoleAdministrator}}
	auditor = auth.Principal{Subject: "demo.auditor", Roles: []string{auth.RoleAuditor}}
	finance = auth.Principal{Subject: "demo.programme.manager", Roles: []string{auth.RoleProgrammeManager}}
)

// family is one demo family as the demo follows it.
type family struct {
	name       string // for the reader: "the Ashworths"
	ID         string `json:"id"`
	WorkflowID string `json:"workflow_id"`
	adult      string // person ids, unique to the run
	child      string
	// policeStops: the police data never reach past the protection plan's end, so the
	// absence of a new incident is never shown and the family is never claimed.
	policeStops bool
}

// lifecycle is the part of a family's lifecycle (identification's API) the demo shows.
type lifecycle struct {
	Phase        string    `json:"phase"`
	WaitingFor   string    `json:"waiting_for"`
	ProblemCodes []string  `json:"problem_codes"`
	Evidence     int       `json:"evidence_received_count"`
	Problems     []problem `json:"problems"`
	Claim        *struct {
		ClaimID     string `json:"claim_id"`
		Route       string `json:"route"`
		AuditStatus string `json:"audit_status"`
	} `json:"claim"`
	Exit *struct {
		Reason string `json:"reason"`
	} `json:"exit"`
}

// problem is one problem's status in the lifecycle.
type problem struct {
	Code, Status, Waiting string
}

// tell runs the story: two families identified and attached; their data refreshed; one
// claimed, audited, submitted and paid; the other waits on data that never came.
func (s *stack) tell(ctx context.Context) error {
	s.say(
		"the demo under plan %s (%s): sustained periods of %s, claim windows monthly",
		s.plan.ID,
		s.plan.Title,
		s.sustained(),
	)
	fams := []*family{
		{name: "family A", adult: "demo-" + s.stamp + "-a1", child: "demo-" + s.stamp + "-a2"},
		{name: "family B", adult: "demo-" + s.stamp + "-b1", child: "demo-" + s.stamp + "-b2", policeStops: true},
	}
	for _, f := range fams {
		if err := s.identify(ctx, f); err != nil {
			return err
		}
		if err := s.openCase(ctx, f); err != nil {
			return err
		}
		if err := s.attach(ctx, f); err != nil {
			return err
		}
	}
	if err := s.refreshData(ctx, fams); err != nil {
		return err
	}
	claimID, err := s.claimed(ctx, fams[0])
	if err != nil {
		return err
	}
	if err := s.notClaimed(ctx, fams[1]); err != nil {
		return err
	}
	window, err := s.runWindow(ctx)
	if err != nil {
		return err
	}
	if err := s.audit(ctx, window, claimID, fams[0]); err != nil {
		return err
	}
	if err := s.pay(ctx, window, fams[0]); err != nil {
		return err
	}
	return s.showDashboard(ctx)
}

// sustained is the longest sustained period of the plan's problems, for the reader.
func (s *stack) sustained() string {
	longest := outcomes.Period{}
	var end outcomes.Moment
	for _, pr := range s.plan.Problems {
		if e, ok := s.plan.SustainedEnd(pr.Code, outcomes.Moment{Time: s.began}); ok && e.After(end.Time) {
			end, longest = e, pr.Outcome.Sustained
		}
	}
	return longest.String()
}

// identify records the family as identification's matching would: two people, a child on a
// child protection plan for five months and an anti-social behaviour intervention two months
// ago (CHILDREN_NEED_HELP and CRIME), with the agencies' data received up to now.
func (s *stack) identify(ctx context.Context, f *family) error {
	now := time.Now().UTC()
	body := s.evidence(f, "", now, now)
	body["plan_id"] = s.plan.ID
	if err := s.call(ctx, analyst, "POST", "identification", "/v1/candidate-families", body, http.StatusCreated, f, s.key(f.adult)...); err != nil {
		return fmt.Errorf("identifying %s: %w", f.name, err)
	}
	var lc lifecycle
	if err := s.await(ctx, analyst, f, "its problems judged", &lc, func(l *lifecycle) bool { return len(l.ProblemCodes) > 0 }); err != nil {
		return err
	}
	s.say(
		"identification: %s recorded as family %s (workflow %s), eligible with %s",
		f.name,
		f.ID,
		f.WorkflowID,
		strings.Join(lc.ProblemCodes, " and "),
	)
	return nil
}

// evidence is a family's members and facts: the protection plan ended at cpEnd when given,
// the social care data received up to careTo and the police data up to policeTo.
func (s *stack) evidence(f *family, cpEnd string, careTo, policeTo time.Time) map[string]any {
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format(time.DateOnly) }
	plan := map[string]any{
		"id":     "social_care:1",
		"person": f.child,
		"feed":   "social_care",
		"type":   "CP_PLAN",
		"start":  day(-150),
	}
	if cpEnd != "" {
		plan["end"] = cpEnd
	}
	return map[string]any{
		"reference_date": day(0),
		"members": []map[string]string{
			{"id": f.adult, "birth_date": "1986-03-11"},
			{"id": f.child, "birth_date": "2015-06-20"},
		},
		"facts": []map[string]any{
			plan,
			{"id": "police:1", "person": f.child, "feed": "police", "type": "ASB_INTERVENTION", "date": day(-60)},
		},
		"coverage": map[string]string{
			"social_care": careTo.Format(time.RFC3339),
			"police":      policeTo.Format(time.RFC3339),
		},
	}
}

// openCase: the team manager allocates the family to a lead professional, who records the
// whole-family assessment and the family plan.
func (s *stack) openCase(ctx context.Context, f *family) error {
	base := "/v1/families/" + f.ID
	today := time.Now().UTC().Format(time.DateOnly)
	steps := []struct {
		who  auth.Principal
		path string
		body any
		want int
		said string
	}{
		{
			admin,
			"/allocation",
			map[string]any{
				"team":              lead.Team,
				"lead_professional": map[string]string{"subject": lead.Subject, "agency": "COUNCIL_FAMILY_SERVICE"},
			},
			http.StatusCreated,
			"allocated to " + lead.Subject + " in team " + lead.Team,
		},
		{lead, "/assessment", map[string]any{"completed_on": today, "needs": []map[string]string{
			{
				"member":  f.child,
				"problem": "CHILDREN_NEED_HELP",
				"level":   "HIGH",
			}, {"member": f.child, "problem": "CRIME", "level": "MEDIUM"}}},
			http.StatusOK, "whole-family assessment recorded"},
		{lead, "/plan", map[string]any{"agreed_on": today, "outcomes": []map[string]string{
			{
				"problem":     "CHILDREN_NEED_HELP",
				"description": "Stepped down from the child protection plan",
			}, {"problem": "CRIME", "description": "No further incidents"}},
			"actions": []any{}}, http.StatusOK, "family plan agreed"},
	}
	for _, st := range steps {
		if err := s.call(ctx, st.who, "PUT", "case", base+st.path, st.body, st.want, nil); err != nil {
			return fmt.Errorf("opening %s's case: %w", f.name, err)
		}
		s.say("case: %s %s", f.name, st.said)
	}
	return nil
}

// attach: the lead professional attaches the family; the attachment fee is booked.
func (s *stack) attach(ctx context.Context, f *family) error {
	if err := s.call(ctx, lead, "POST", "attachment", "/v1/families/"+f.ID+"/attachment", nil, http.StatusCreated, nil, s.key("attach-"+f.adult)...); err != nil {
		return fmt.Errorf("attaching %s: %w", f.name, err)
	}
	var lc lifecycle
	if err := s.await(ctx, lead, f, "tracking", &lc, func(l *lifecycle) bool { return l.Phase == "TRACKING" && len(l.Problems) > 0 }); err != nil {
		return err
	}
	s.say(
		"attachment: %s attached (fee of £%d booked); tracking its %d problems from their baseline",
		f.name,
		s.plan.Money.AttachmentFeePence/100,
		len(lc.Problems),
	)
	return nil
}

// refreshData is two monthly refreshes, minutes apart: the protection plans ended now; then,
// once the sustained period has passed, data reaching past it (for family B, the social care
// data only).
func (s *stack) refreshData(ctx context.Context, fams []*family) error {
	ended := time.Now().UTC().Truncate(time.Second)
	for _, f := range fams {
		if err := s.call(ctx, analyst, "POST", "identification", "/v1/candidate-families/"+f.ID+"/evidence",
			s.evidence(f, ended.Format(time.RFC3339), ended, ended), http.StatusCreated, nil); err != nil {
			return fmt.Errorf("refreshing %s's data: %w", f.name, err)
		}
	}
	var heldUntil time.Time
	for _, code := range []string{"CHILDREN_NEED_HELP", "CRIME"} {
		if e, ok := s.plan.SustainedEnd(code, outcomes.Moment{Time: ended}); ok && e.After(heldUntil) {
			heldUntil = e.Time
		}
	}
	s.say(
		"data refresh: both children's protection plans ended now; the outcomes must hold until %s",
		heldUntil.Local().Format(time.TimeOnly),
	)
	wait := time.Until(heldUntil.Add(3 * time.Second))
	for wait > 0 { // programme time passing
		step := min(wait, 30*time.Second)
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the sustained period: %w", ctx.Err())
		case <-time.After(step):
		}
		wait -= step
		if wait > 0 {
			s.say("... %s until the next data refresh", wait.Round(time.Second))
		}
	}
	now := time.Now().UTC()
	for _, f := range fams {
		police := now
		if f.policeStops {
			police = ended
		}
		if err := s.call(ctx, analyst, "POST", "identification", "/v1/candidate-families/"+f.ID+"/evidence",
			s.evidence(f, ended.Format(time.RFC3339), now, police), http.StatusCreated, nil); err != nil {
			return fmt.Errorf("refreshing %s's data: %w", f.name, err)
		}
	}
	s.say("data refresh: social care data to now for both; police data to now for family A, none newer for family B")
	return nil
}

// claimed waits for tracking to find the family's outcomes sustained and claims to record
// its claim.
func (s *stack) claimed(ctx context.Context, f *family) (string, error) {
	var lc lifecycle
	if err := s.await(ctx, lead, f, "a claim", &lc, func(l *lifecycle) bool { return l.Phase == "CLAIMED" && l.Claim != nil && l.Claim.ClaimID != "" }); err != nil {
		return "", err
	}
	s.say("tracking: %s's problems sustained (%s); claims: claim %s made (%s route), waiting for a claim window",
		f.name, s.statuses(&lc), lc.Claim.ClaimID, lc.Claim.Route)
	return lc.Claim.ClaimID, nil
}

// notClaimed shows the family whose police data stopped: judged again on the refresh, it
// stays in tracking, waiting for the data that would show no new incident.
func (s *stack) notClaimed(ctx context.Context, f *family) error {
	var lc lifecycle
	if err := s.await(ctx, lead, f, "its judgement of the last refresh", &lc, func(l *lifecycle) bool {
		return l.Phase == "TRACKING" && slices.ContainsFunc(l.Problems, func(p problem) bool { return p.Status == "SUSTAINED" })
	}); err != nil {
		return err
	}
	s.say(
		"tracking: %s is not claimed (%s): without police data past the sustained period, no result is assumed",
		f.name,
		s.statuses(&lc),
	)
	return nil
}

func (s *stack) statuses(lc *lifecycle) string {
	var parts []string
	for _, p := range lc.Problems {
		part := p.Code + " " + p.Status
		if p.Waiting != "" {
			part += " (" + p.Waiting + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "; ")
}

// await polls the family's lifecycle (identification's API) as who reads it until ok holds.
func (s *stack) await(
	ctx context.Context,
	who auth.Principal,
	f *family,
	what string,
	lc *lifecycle,
	ok func(*lifecycle) bool,
) error {
	return until(ctx, f.name+" reaching "+what, func() (bool, error) {
		*lc = lifecycle{}
		if err := s.call(ctx, who, "GET", "identification", "/v1/candidate-families/"+f.ID+"/lifecycle", nil, http.StatusOK, lc); err != nil {
			if strings.Contains(err.Error(), "answered 503") || strings.Contains(err.Error(), "answered 404") {
				return false, nil // the workflow not started or not answering yet
			}
			return false, err
		}
		if lc.Exit != nil && lc.Exit.Reason != "" && lc.Phase != "PAID" {
			return false, fmt.Errorf("%s left the programme (%s) while waiting for %s", f.name, lc.Exit.Reason, what)
		}
		return ok(lc), nil
	})
}
