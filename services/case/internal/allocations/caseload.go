package allocations

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"gorm.io/gorm"
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

const caseloadColumns = `f.id::text AS family_id, f.team, f.lead_professional, f.lead_professional_agency AS lead_agency, f.status,
	f.restricted_at IS NOT NULL AS restricted, f.updated_at`

// page reads one page of q (which selects caseloadColumns from "case".families f), most
// recently changed first, and answers it.
func page(c *gin.Context, log *slog.Logger, q *gorm.DB, relate func(*CaseloadItem)) {
	pr, ok := httpapi.ParsePage(c)
	if !ok {
		return
	}
	after, ok := httpapi.After[caseloadPosition](c, pr)
	if !ok {
		return
	}
	if after != nil {
		q = q.Where("(f.updated_at, f.id) < (?, ?)", after.UpdatedAt, after.ID)
	}
	var rows []CaseloadItem
	if err := q.Order(CaseloadOrder).Limit(pr.Limit + 1).Scan(&rows).Error; err != nil {
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

// CaseloadQuery selects a user's own families: those they lead or are allocated to (each
// side by its own index, then joined: an OR across the two would scan every family).
func CaseloadQuery(db *gorm.DB, subject string) *gorm.DB {
	return db.Table(`"case".families f`).Select(caseloadColumns).
		Where(`f.id IN (SELECT l.id FROM "case".families l WHERE l.lead_professional = ? UNION ALL
			SELECT al.family_id FROM "case".allocations al WHERE al.subject = ?)`, subject, subject)
}

// CaseloadOrder is the caseload's order (most recently changed first).
const CaseloadOrder = "f.updated_at DESC, f.id DESC"

// caseload is the caller's own families: those they lead or are allocated to.
func (a *API) caseload(c *gin.Context) {
	p := httpapi.Principal(c)
	q := CaseloadQuery(a.Store.DB.WithContext(c), p.Subject)
	if s := c.Query("status"); s != "" {
		q = q.Where("f.status = ?", s)
	}
	page(c, a.Log, q, func(it *CaseloadItem) {
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
	q := a.Store.DB.WithContext(c).Table(`"case".families f`).Select(caseloadColumns)
	for col, v := range map[string]string{"f.team": team, "f.status": c.Query("status"), "f.lead_professional": c.Query("lead_professional")} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	page(c, a.Log, q, nil)
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
	var rows []struct {
		ID         string
		Restricted bool
	}
	if err := a.Store.DB.WithContext(c).Raw(`SELECT f.id::text AS id, f.restricted_at IS NOT NULL AS restricted FROM "case".families f
		WHERE (f.lead_professional = ? OR EXISTS (SELECT 1 FROM "case".allocations al WHERE al.family_id = f.id AND al.subject = ?))
		AND (? = '' OR f.team = ?) ORDER BY f.id`, from, from, team, team).Scan(&rows).Error; err != nil {
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
	ids := db.TextArray(moved)
	err := a.Store.DB.WithContext(c).Transaction(func(tx *gorm.DB) error {
		for _, stmt := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE "case".families SET lead_professional = ?, lead_professional_agency = coalesce(NULLIF(?, ''), lead_professional_agency)
				WHERE id::text = ANY(?::text[]) AND lead_professional = ?`, []any{req.To, req.Agency, ids, from}},
			{`INSERT INTO "case".allocations (family_id, subject, allocated_by) SELECT family_id, ?, ? FROM "case".allocations
				WHERE subject = ? AND family_id::text = ANY(?::text[]) ON CONFLICT DO NOTHING`, []any{req.To, p.Subject, from, ids}},
			{`DELETE FROM "case".allocations WHERE subject = ? AND family_id::text = ANY(?::text[])`, []any{from, ids}},
			{`UPDATE "case".families SET version = version + 1, updated_at = now() WHERE id::text = ANY(?::text[])`, []any{ids}},
		} {
			if err := tx.Exec(stmt.sql, stmt.args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
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
