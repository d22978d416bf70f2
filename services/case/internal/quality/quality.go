// Package quality is the records-kept-clean report for team managers (issue 24, item 2): the
// case records that have gone stale or disagree with their family's workflow. Family ids,
// teams, lead professionals' subjects, codes and dates only: no note, plan text or name.
package quality

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/proto/contract"
	"github.com/gin-gonic/gin"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"
)

// Checks, as the report names them.
const (
	Stale             = "NO_RECENT_NOTE_OR_EVIDENCE" // an open case with no note or evidence for the weeks asked
	ActionOverdue     = "PLAN_ACTION_OVERDUE"        // an open action of the family plan past its due date
	OpenWorkflowEnded = "OPEN_CASE_WORKFLOW_ENDED"   // the case is open but the family's workflow has ended
	ClosedStillWaits  = "CLOSED_CASE_WORKFLOW_WAITS" // the case is closed but the family's workflow still runs
)

// DefaultWeeks is how long an open case may go without a note or evidence before it is
// reported, unless the deployment sets DATA_QUALITY_STALE_WEEKS (API.Weeks); ?weeks= changes
// it for one report.
const DefaultWeeks = 6

// Row is one finding about one family.
type Row struct {
	Check            string `json:"check"`
	FamilyID         string `json:"family_id"`
	Team             string `json:"team"`
	LeadProfessional string `json:"lead_professional"`
	Since            string `json:"since"` // the date the finding runs from
	Detail           string `json:"detail"`
}

// API serves the report.
type API struct {
	Weeks    int // the deployment's weeks without a note or evidence (0: DefaultWeeks)
	DB       *gorm.DB
	Keys     *keyring.Keyring // opens members' identities, to find families holding one person
	Temporal client.Client
	Guard    *httpapi.Guard
	Log      *slog.Logger
}

// store is the package's SQL (store.go).
func (a *API) store() Store { return Store{DB: a.DB} }

// Routes adds the route.
func (a *API) Routes(r gin.IRouter) {
	r.GET("/v1/reports/data-quality", a.Guard.Require(policy.ReportRead), a.report)
	r.POST("/v1/families/:id/merge", a.Guard.Require(policy.ReviewDecide), a.merge)
}

func (a *API) report(c *gin.Context) {
	weeks := cmp.Or(a.Weeks, DefaultWeeks)
	if w := c.Query("weeks"); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 || n > 104 {
			httpapi.Invalid(
				c,
				httpapi.FieldError{Field: "weeks", Message: "must be a whole number of weeks from 1 to 104"},
			)
			return
		}
		weeks = n
	}
	team, ok := a.scope(c)
	if !ok {
		return
	}
	rows, err := a.Find(c, team, weeks)
	if err != nil {
		httpapi.Fail(c, a.Log, "data-quality report", err)
		return
	}
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		w := httpapi.CSVAttachment(c, "data-quality-"+time.Now().Format(time.DateOnly))
		_ = w.Write([]string{"check", "family_id", "team", "lead_professional", "since", "detail"})
		for _, r := range rows {
			_ = w.Write([]string{r.Check, r.FamilyID, r.Team, r.LeadProfessional, r.Since, r.Detail})
		}
		w.Flush() // a client gone mid-answer has nothing to be told
		return
	}
	counts := map[string]int{
		Stale:              0,
		ActionOverdue:      0,
		OpenWorkflowEnded:  0,
		ClosedStillWaits:   0,
		SuspectedDuplicate: 0,
	}
	for _, r := range rows {
		counts[r.Check]++
	}
	c.JSON(
		http.StatusOK,
		gin.H{"report": "data-quality", "weeks": weeks, "team": team, "counts": counts, "items": rows},
	)
}

// scope is whose records the caller may see: a team manager, their own team's (a family's
// record is theirs to read); the data team and the programme manager, every team's, or one
// team's with ?team=. Each read is recorded in the audit trail first.
func (a *API) scope(c *gin.Context) (team string, ok bool) {
	p := httpapi.Principal(c)
	switch {
	case policy.Decide(p, policy.ReportFamilyRows, policy.None).Allowed:
		team = c.Query("team")
	case policy.Decide(p, policy.FamilyRead, policy.SameTeam).Allowed && p.Team != "":
		if t := c.Query("team"); t != "" && t != p.Team {
			// another team's records: only for those who may read every team's (refused and recorded)
			return "", a.Guard.Decide(c, policy.ReportFamilyRows, "report", "data-quality", policy.None)
		}
		team = p.Team
	default: // it lists families: for team managers (their team), the data team and the programme manager
		return "", a.Guard.Decide(c, policy.ReportFamilyRows, "report", "data-quality", policy.None)
	}
	return team, a.Guard.Record(
		c,
		string(policy.ReportFamilyRows),
		"report",
		"data-quality",
		"per-family rows of "+cmp.Or(team, "every team"),
	)
}

// Find lists the findings for a team ("" for every team), oldest first within each check.
func (a *API) Find(ctx context.Context, team string, weeks int) ([]Row, error) {
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var rows []Row
	// An open case's last sign of work: its latest note or evidence, or its opening.
	stale, err := a.store().StaleCases(ctx, team, today.AddDate(0, 0, -7*weeks))
	if err != nil {
		return nil, fmt.Errorf("read stale cases: %w", err)
	}
	for _, s := range stale {
		rows = append(
			rows,
			Row{
				Check:            Stale,
				FamilyID:         s.FamilyID,
				Team:             s.Team,
				LeadProfessional: s.Lead,
				Since:            s.Since.UTC().Format(time.DateOnly),
				Detail:           fmt.Sprintf("no note or evidence for %d weeks", int(today.Sub(s.Since).Hours()/24/7)),
			},
		)
	}
	overdue, err := a.store().OverdueActions(ctx, team, today)
	if err != nil {
		return nil, fmt.Errorf("read overdue plan actions: %w", err)
	}
	for _, o := range overdue {
		rows = append(
			rows,
			Row{
				Check:            ActionOverdue,
				FamilyID:         o.FamilyID,
				Team:             o.Team,
				LeadProfessional: o.Lead,
				Since:            o.Due.Format(time.DateOnly),
				Detail: fmt.Sprintf(
					"action %d of the family plan (%s) was due %s",
					o.Number,
					cmp.Or(o.Agency, "no agency"),
					o.Due.Format(time.DateOnly),
				),
			},
		)
	}
	more, err := a.workflowMismatches(ctx, team)
	if err != nil {
		return nil, fmt.Errorf("compare cases with their workflows: %w", err)
	}
	dups, err := a.duplicates(ctx, team)
	if err != nil {
		return nil, fmt.Errorf("find suspected duplicates: %w", err)
	}
	return append(append(rows, more...), dups...), nil
}

// workflowMismatches compares each case's status with its family's workflow: open cases whose
// workflow has ended, closed cases whose workflow still runs. A case without a workflow (a
// family not yet in the programme's workflows) is neither.
func (a *API) workflowMismatches(ctx context.Context, team string) ([]Row, error) {
	cases, err := a.store().OpenAndClosed(ctx, team)
	if err != nil {
		return nil, fmt.Errorf("read open and closed cases: %w", err)
	}
	if len(cases) == 0 {
		return nil, nil
	}
	running, err := a.workflows(ctx, "ExecutionStatus = 'Running'")
	if err != nil {
		return nil, err
	}
	ended, err := a.workflows(ctx, "ExecutionStatus != 'Running'")
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, cs := range cases {
		wf, _ := contract.FamilyWorkflowID(cs.FamilyID)
		since := ""
		if cs.Since != nil {
			since = cs.Since.Format(time.DateOnly)
		}
		switch {
		case cs.Status == "OPEN" && !running[wf] && ended[wf]:
			rows = append(
				rows,
				Row{
					Check:            OpenWorkflowEnded,
					FamilyID:         cs.FamilyID,
					Team:             cs.Team,
					LeadProfessional: cs.Lead,
					Since:            since,
					Detail:           "the case is open but the family's workflow has ended: close the case, or refer the family again",
				},
			)
		case cs.Status == "CLOSED" && running[wf]:
			rows = append(
				rows,
				Row{
					Check:            ClosedStillWaits,
					FamilyID:         cs.FamilyID,
					Team:             cs.Team,
					LeadProfessional: cs.Lead,
					Since:            since,
					Detail:           "the case is closed but the family's workflow still waits: tell the workflow (PUT .../status again), or reopen the case",
				},
			)
		}
	}
	return rows, nil
}

// workflows are the family workflows' ids matching the visibility query, every page.
func (a *API) workflows(ctx context.Context, query string) (map[string]bool, error) {
	out := map[string]bool{}
	var token []byte
	for {
		resp, err := a.Temporal.ListWorkflow(
			ctx,
			&workflowservice.ListWorkflowExecutionsRequest{PageSize: 1000, NextPageToken: token,
				Query: "WorkflowType = '" + contract.WorkflowFamilyLifecycle + "' AND " + query},
		)
		if err != nil {
			return nil, err
		}
		for _, e := range resp.GetExecutions() {
			if id := e.GetExecution().GetWorkflowId(); strings.HasPrefix(id, "family/") {
				out[id] = true
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}
