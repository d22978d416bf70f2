package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// caseChecks are the case service's data-quality checks, in the pack's order, with the words
// managers read.
var caseChecks = []struct{ code, words string }{
	{"NO_RECENT_NOTE_OR_EVIDENCE", "open cases with no note or evidence for %d weeks (now)"},
	{"PLAN_ACTION_OVERDUE", "open family-plan actions past their due date (now)"},
	{"OPEN_CASE_WORKFLOW_ENDED", "open cases whose family's workflow has ended (now)"},
	{"CLOSED_CASE_WORKFLOW_WAITS", "closed cases whose family's workflow still waits (now)"},
	{"SUSPECTED_DUPLICATE", "families suspected to be another family (now)"},
}

// errCaseRefused: the case service does not show the caller its records (a role that reads
// reports but not families' rows): the pack leaves the case's checks out.
var errCaseRefused = fmt.Errorf("the case service refused the caller its data-quality report")

// caseQuality reads the case service's data-quality report with the caller's own token, so
// that the pack shows the case records the caller may see (a team manager, their team's).
func caseQuality(ctx context.Context, caseURL, authorization string) (weeks int, counts map[string]int, err error) {
	if caseURL == "" {
		return 0, nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(
		ctx,
		http.MethodGet,
		strings.TrimSuffix(caseURL, "/")+"/v1/reports/data-quality",
		nil,
	)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", authorization)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusForbidden:
		return 0, nil, errCaseRefused
	default:
		return 0, nil, fmt.Errorf("case data-quality report: %s", resp.Status)
	}
	var body struct {
		Weeks  int            `json:"weeks"`
		Counts map[string]int `json:"counts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, nil, err
	}
	return body.Weeks, body.Counts, nil
}
