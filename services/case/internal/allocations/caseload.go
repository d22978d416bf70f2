package allocations

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// CaseloadItem is one family in a caseload or a team's list: ids, codes and dates only.
type CaseloadItem struct {
	FamilyID         string    `json:"family_id"`
	Team             string    `json:"team"`
	LeadProfessional *string   `json:"lead_professional,omitempty"`
	LeadAgency       *string   `json:"lead_agency,omitempty"`
	Relationship     string    `json:"relationship,omitempty"`
	Status           string    `json:"status"`
	Restricted       bool      `json:"restricted"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// caseloadPosition is where a page ends (most recently changed first).
type caseloadPosition struct {
	UpdatedAt time.Time `json:"t"`
	ID        uuid.UUID `json:"id"`
}

// lister reads a page of families, most recently changed first: after the position (nil
// from the first), at most limit.
type lister func(after *caseloadPosition, limit int) ([]CaseloadItem, error)

// page answers one page of what list reads, relate adding the caller's relationship.
func page(c *gin.Context, log *slog.Logger, list lister, relate func(*CaseloadItem)) {
	pr, ok := httpapi.ParsePage(c)
	if !ok {
		return
	}
	after, ok := httpapi.After[caseloadPosition](c, pr)
	if !ok {
		return
	}
	rows, err := list(after, pr.Limit+1)
	if err != nil {
		httpapi.Fail(c, log, "list families", err)
		return
	}
	for i := range rows {
		rows[i].UpdatedAt = rows[i].UpdatedAt.UTC()
		if relate != nil {
			relate(&rows[i])
		}
	}
	c.JSON(http.StatusOK, httpapi.NewPage(rows, pr.Limit, func(r CaseloadItem) any {
		id, _ := uuid.Parse(r.FamilyID)
		return caseloadPosition{UpdatedAt: r.UpdatedAt, ID: id}
	}))
}

// caseload is the caller's own families: those they lead or are allocated to.
func (a *API) caseload(c *gin.Context) {
	p := httpapi.Principal(c)
	status := c.Query("status")
	list := func(after *caseloadPosition, limit int) ([]CaseloadItem, error) {
		return a.Store.Caseload(c, p.Subject, status, after, limit)
	}
	page(c, a.Log, list, func(it *CaseloadItem) {
		it.Relationship = policy.Allocated.String()
		if it.LeadProfessional != nil && *it.LeadProfessional == p.Subject {
			it.Relationship = policy.LeadProfessional.String()
		}
	})
}

// search lists a team's families: a team manager's own team, or any team for administrators
// (who allocate); filtered by status and lead professional.
func (a *API) search(c *gin.Context) {
	p := httpapi.Principal(c)
	team := c.Query("team")
	switch {
	case p.Has(auth.RoleAdministrator):
	case p.Has(auth.RoleTeamManager) && p.Team != "" && (team == "" || team == p.Team):
		team = p.Team
	default:
		a.Guard.Decide(c, policy.FamilyAllocate, "team", team, policy.None) // refused and recorded
		return
	}
	filter := TeamFilter{Team: team, Status: c.Query("status"), LeadProfessional: c.Query("lead_professional")}
	list := func(after *caseloadPosition, limit int) ([]CaseloadItem, error) {
		return a.Store.TeamFamilies(c, filter, after, limit)
	}
	page(c, a.Log, list, nil)
}

// ReassignRequest moves a departing caseworker's whole caseload to another.
type ReassignRequest struct {
	To     string `json:"to"     validate:"required,subject"`
	Agency string `json:"agency" validate:"omitempty,oneof=COUNCIL_FAMILY_SERVICE POLICE HEALTH DISTRICT_COUNCIL FIRE_AND_RESCUE"`
}

// reassign moves every family the caseworker leads or is allocated to (in the manager's
// team; any team for administrators) to another caseworker, in one transaction. Each family
// is recorded in the audit trail before it moves. Families whose processing is restricted
// are not changed (they are counted; an administrator lifts the restriction first).
// Relationships change at once here and within 30 s elsewhere.
func (a *API) reassign(c *gin.Context) {
	from := c.Param("subject")
	p := httpapi.Principal(c)
	var team string
	switch {
	case p.Has(auth.RoleAdministrator):
	case p.Has(auth.RoleTeamManager) && p.Team != "":
		team = p.Team
	default:
		a.Guard.Decide(c, policy.FamilyAllocate, "caseload", from, policy.None) // refused and recorded
		return
	}
	var req ReassignRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	rows, err := a.Store.CaseloadOf(c, from, team)
	if err != nil {
		httpapi.Fail(c, a.Log, "reassign", err)
		return
	}
	moved, restricted := []string{}, 0
	for _, r := range rows {
		if r.Restricted {
			restricted++
			continue
		}
		if !a.Guard.Record(
			c,
			string(policy.FamilyAllocate),
			"family",
			r.ID,
			"caseload reassigned from "+from+" to "+req.To,
		) {
			return
		}
		moved = append(moved, r.ID)
	}
	err = a.Store.Reassign(c, moved, from, req.To, req.Agency, p.Subject)
	if err != nil {
		httpapi.Fail(c, a.Log, "reassign caseload", err)
		return
	}
	c.JSON(
		http.StatusOK,
		gin.H{
			"from":                 from,
			"to":                   req.To,
			"families_moved":       len(moved),
			"family_ids":           moved,
			"restricted_not_moved": restricted,
		},
	)
}
