package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// runWindow runs the plan's earliest claim window that has not run, now, as an operator runs
// a window early: a trigger of its Temporal Schedule (a window runs once, so the next demo
// takes the next). It answers the window's id once the window has taken the ready claims and
// drawn its audit sample.
func (s *stack) runWindow(ctx context.Context) (string, error) {
	for _, w := range s.plan.ClaimWindows {
		h := s.temporal.ScheduleClient().GetHandle(ctx, contract.ClaimWindowWorkflowID(s.plan.ID, w.ID))
		d, err := h.Describe(ctx)
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			continue // closed, so never scheduled
		}
		if err != nil {
			return "", fmt.Errorf("reading claim window %s's schedule: %w", w.ID, err)
		}
		if len(d.Info.RecentActions) > 0 {
			continue // it has run
		}
		if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			return "", fmt.Errorf("running claim window %s: %w", w.ID, err)
		}
		s.say(
			"operator: claim window %s (due to open %s) run now from its schedule",
			w.ID,
			w.Opens.Format(time.DateOnly),
		)
		return w.ID, s.sampled(ctx, h, w.ID)
	}
	return "", fmt.Errorf("every claim window of %s has run: start a fresh demo stack (make clean up)", s.plan.ID)
}

// sampled waits for the window's workflow to take the ready claims and draw its sample.
func (s *stack) sampled(ctx context.Context, h client.ScheduleHandle, window string) error {
	run := ""
	var st familypathv1.ClaimWindowState
	err := until(ctx, "claim window "+window+" to draw its audit sample", func() (bool, error) {
		if run == "" {
			if d, err := h.Describe(ctx); err == nil && len(d.Info.RecentActions) > 0 {
				run = d.Info.RecentActions[0].StartWorkflowResult.WorkflowID
			}
			return false, nil
		}
		v, err := s.temporal.QueryWorkflow(ctx, run, "", contract.QueryClaimWindowState)
		if err != nil || v.Get(&st) != nil {
			return false, nil // not started or not answering yet
		}
		if st.GetStage() == "ALREADY_RUN" {
			return false, fmt.Errorf("claim window %s had already run (by %s)", window, st.GetAlreadyRunBy())
		}
		return st.GetStage() == "AUDITING", nil
	})
	if err != nil {
		return err
	}
	s.say("claims: window %s took %d ready claim(s) and sampled %d for audit (at least %.0f%%); workflow %s",
		window, st.GetBatchSize(), len(st.GetSample().GetSampled()), s.plan.AuditSampleRate*100, run)
	return nil
}

// audit: the internal auditor passes every sampled claim of the window in the audit queue
// (the demo family's, and any other ready claim the window took), then the window submits.
func (s *stack) audit(ctx context.Context, window, claimID string, f *family) error {
	var queue struct {
		Items []struct {
			ClaimID  string `json:"claim_id"`
			WindowID string `json:"window_id"`
		} `json:"items"`
	}
	if err := s.call(ctx, auditor, "GET", "claims", "/v1/audit-queue", nil, http.StatusOK, &queue); err != nil {
		return fmt.Errorf("reading the audit queue: %w", err)
	}
	passed := 0
	for _, it := range queue.Items {
		if it.WindowID != window {
			continue
		}
		var pack struct {
			Pack struct {
				Problems []json.RawMessage `json:"problems"`
			} `json:"evidence_pack"`
		}
		if err := s.call(ctx, auditor, "GET", "claims", "/v1/claims/"+it.ClaimID+"/spot-check", nil, http.StatusOK, &pack); err != nil {
			return fmt.Errorf("reading claim %s's spot-check pack: %w", it.ClaimID, err)
		}
		s.say(
			"audit: claim %s's spot-check pack read (%d problem judgements frozen at the claim)",
			it.ClaimID,
			len(pack.Pack.Problems),
		)
		if err := s.call(ctx, auditor, "POST", "claims", "/v1/claims/"+it.ClaimID+"/audit-decision", map[string]any{"passed": true}, http.StatusOK, nil); err != nil {
			return fmt.Errorf("deciding claim %s's audit: %w", it.ClaimID, err)
		}
		passed++
	}
	s.say("audit: the internal auditor passed %d sampled claim(s)", passed)
	var lc lifecycle
	if err := s.await(ctx, lead, f, "submission", &lc, func(l *lifecycle) bool { return l.Phase == "SUBMITTED" }); err != nil {
		return err
	}
	s.say("claims: window %s submitted to the department; claim %s SUBMITTED", window, claimID)
	return nil
}

// pay: the payment for the window arrives and the programme manager records it; the family
// is paid and its workflow ends.
func (s *stack) pay(ctx context.Context, window string, f *family) error {
	var paid struct {
		ClaimsPaid  int   `json:"claims_paid"`
		AmountPence int64 `json:"amount_pence"`
	}
	body := map[string]string{"paid_at": time.Now().UTC().Format(time.RFC3339)}
	if err := s.call(ctx, finance, "POST", "claims", "/v1/plans/"+s.plan.ID+"/claim-windows/"+window+"/payment", body, http.StatusOK, &paid); err != nil {
		return fmt.Errorf("recording window %s's payment: %w", window, err)
	}
	s.say(
		"payment: the programme manager recorded £%d for %d result(s) in window %s",
		paid.AmountPence/100,
		paid.ClaimsPaid,
		window,
	)
	var lc lifecycle
	if err := s.await(ctx, lead, f, "payment", &lc, func(l *lifecycle) bool { return l.Phase == "PAID" }); err != nil {
		return err
	}
	s.say("%s: PAID; its workflow has ended (%s)", f.name, lc.Exit.Reason)
	return nil
}

// showDashboard prints the programme year's figures from the claims dashboard.
func (s *stack) showDashboard(ctx context.Context) error {
	var d struct {
		FamiliesClaimed int `json:"families_claimed"`
		Years           []struct {
			Year          string `json:"year"`
			Starts        string `json:"starts"`
			Ends          string `json:"ends"`
			Attachments   int    `json:"attachments"`
			Results       int    `json:"results"`
			FeesPence     int64  `json:"income_attachment_fees_pence"`
			ResultsPence  int64  `json:"income_results_pence"`
			ProfileAttach int    `json:"attachments_profile"`
		} `json:"years"`
	}
	if err := s.call(ctx, finance, "GET", "claims", "/v1/plans/"+s.plan.ID+"/dashboard", nil, http.StatusOK, &d); err != nil {
		return fmt.Errorf("reading the dashboard: %w", err)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	for _, y := range d.Years {
		if y.Starts <= today && today < y.Ends {
			s.say(
				"dashboard %s: %d attachments (profile %d), %d results, income £%d in fees and £%d in results; %d families claimed in all",
				y.Year,
				y.Attachments,
				y.ProfileAttach,
				y.Results,
				y.FeesPence/100,
				y.ResultsPence/100,
				d.FamiliesClaimed,
			)
		}
	}
	s.say(
		"done in %s: see %s/v1/plans/%s/dashboard in a browser (with a token), and the families' workflows in the Temporal UI",
		time.Since(s.began).Round(time.Second),
		s.url["claims"],
		s.plan.ID,
	)
	return nil
}
