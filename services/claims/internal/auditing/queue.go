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
	items, err := a.store().Queue(c)
	if err != nil {
		httpapi.Fail(c, a.Log, "audit queue", err)
		return
	}
	if items == nil {
		items = []QueueItem{}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
