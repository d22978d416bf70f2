package auditing

import (
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/platform/csvout"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"github.com/gin-gonic/gin"
)

// SubmissionColumns are the submission file's columns, in order (docs/services/claims.md).
var SubmissionColumns = []string{
	"submission_id",
	"window_id",
	"claim_id",
	"family_id",
	"attempt",
	"route",
	"plan_version",
	"achieved_at",
	"problems",
	"audit",
	"submitted_at",
}

// submission answers a window's submission file as CSV: one row per claim submitted in the
// window, with its route, when its result was achieved, each baseline problem's status, and
// whether it was sampled for audit (and passed).
func (a *API) submission(c *gin.Context) {
	planID, ok := a.planParam(c)
	if !ok {
		return
	}
	windowID := c.Param("window")
	sub, err := a.store().Submission(c, planID, windowID)
	if err != nil {
		httpapi.Fail(c, a.Log, "submission", err)
		return
	}
	if sub == nil {
		httpapi.NotFound(c, "The window's submission")
		return
	}
	perFamily, ok := a.Guard.FamilyRows(c, "submission/"+planID+"/"+windowID)
	if !ok {
		return
	}
	if !perFamily {
		a.submissionCounts(c, planID, windowID, sub.ID)
		return
	}
	rows, err := a.store().SubmittedClaims(c, planID, windowID)
	if err != nil {
		httpapi.Fail(c, a.Log, "submission", err)
		return
	}
	w := csvFile(c, "submission-"+planID+"-"+windowID, SubmissionColumns)
	for _, r := range rows {
		_ = w.Write([]string{sub.ID, windowID, r.ID, r.FamilyID, strconv.Itoa(r.Attempt), r.Route, r.PlanVersion,
			r.AchievedAt.UTC().
				Format(time.DateOnly),
			ledger.ProblemList(r.Problems), auditOf(r.Sampled), sub.SubmittedAt.UTC().Format(time.RFC3339)})
	}
	w.Flush()
}

// auditOf is a submitted claim's audit column: a sampled claim is submitted only when it passed.
func auditOf(sampled bool) string {
	if sampled {
		return "SAMPLED_PASSED"
	}
	return "NOT_SAMPLED"
}

// csvFile starts a CSV attachment named name with its header row.
func csvFile(c *gin.Context, name string, header []string) *csvout.Writer {
	w := httpapi.CSVAttachment(c, name)
	_ = w.Write(header)
	return w
}

// SubmissionCountColumns are the submission file's columns as counts, for a caller not
// entitled to its per-family rows.
var SubmissionCountColumns = []string{"submission_id", "window_id", "route", "audit", "claims"}

// submissionCounts answers a window's submission as counts of claims by route and audit.
func (a *API) submissionCounts(c *gin.Context, planID, windowID, submissionID string) {
	rows, err := a.store().SubmittedCounts(c, planID, windowID)
	if err != nil {
		httpapi.Fail(c, a.Log, "submission counts", err)
		return
	}
	w := csvFile(c, "submission-counts-"+planID+"-"+windowID, SubmissionCountColumns)
	for _, r := range rows {
		_ = w.Write([]string{submissionID, windowID, r.Route, auditOf(r.Sampled), strconv.Itoa(r.Claims)})
	}
	w.Flush()
}
