package auditing

import (
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/gin-gonic/gin"
)

// QueueItem is a sampled claim awaiting an auditor's decision.
type QueueItem struct {
	ClaimID      string     `json:"claim_id"`
	WindowID     string     `json:"window_id"`
	Route        string     `json:"route"`
	PlanVersion  string     `json:"plan_version"`
	SampleReason string     `json:"sample_reason"` // RANDOM, or a risk such as CE_POSSIBLE_UC_MOVE
	SampledAt    time.Time  `json:"sampled_at"`
	Reminders    int        `json:"reminders"`
	Escalated    bool       `json:"escalated"`
	LastReminder *time.Time `json:"last_reminder,omitempty"`
}

// queue is the auditors' queue: every sampled claim with no decision yet, oldest sample
// first, with the reminders the window's workflow has sent about it and whether it was
// escalated.
func (a *API) queue(c *gin.Context) {
	var items []QueueItem
	err := a.DB.WithContext(c).Raw(`
SELECT s.claim_id, w.window_id, c.route, c.plan_version, s.reason AS sample_reason, w.recorded_at AS sampled_at,
       (SELECT count(*) FROM claims.audit_reminders r WHERE r.plan_id = w.plan_id AND r.window_id = w.window_id AND s.claim_id = ANY(r.outstanding)) AS reminders,
       EXISTS (SELECT 1 FROM claims.audit_reminders r WHERE r.plan_id = w.plan_id AND r.window_id = w.window_id AND s.claim_id = ANY(r.outstanding) AND r.escalated) AS escalated,
       (SELECT max(r.sent_at) FROM claims.audit_reminders r WHERE r.plan_id = w.plan_id AND r.window_id = w.window_id AND s.claim_id = ANY(r.outstanding)) AS last_reminder
FROM claims.audit_samples w
CROSS JOIN LATERAL jsonb_to_recordset(w.sampled) AS s(claim_id text, reason text)
JOIN claims.claims c ON c.id::text = s.claim_id
WHERE c.status = 'IN_WINDOW' AND NOT EXISTS (SELECT 1 FROM claims.audit_decisions d WHERE d.claim_id::text = s.claim_id)
ORDER BY w.recorded_at, s.claim_id`).Scan(&items).Error
	if err != nil {
		httpapi.Fail(c, a.Log, "audit queue", err)
		return
	}
	if items == nil {
		items = []QueueItem{}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
