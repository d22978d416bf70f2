package evidence

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
)

// SnapshotPath is the route tracking reads a snapshot from.
const SnapshotPath = "/v1/evidence-snapshots/"

// API serves evidence snapshots to those allowed to read them: tracking (its service token)
// and data analysts. Every read is in the audit trail; a read that cannot be recorded is refused.
type API struct {
	Store Store
	Plans *outcomes.Plans // the snapshots' plans, for members' roles where birth dates are withheld
	Guard *httpapi.Guard
	Log   *slog.Logger
}

// Routes adds the routes.
func (a *API) Routes(r gin.IRouter) {
	r.GET(SnapshotPath+":id", a.Guard.Require(policy.EvidenceRead), a.get)
}

// SnapshotBody is a snapshot with its content.
type SnapshotBody struct {
	ID            string            `json:"id"`
	FamilyID      string            `json:"family_id"`
	PlanID        string            `json:"plan_id"`
	PlanVersion   string            `json:"plan_version"`
	ReferenceDate string            `json:"reference_date"`
	ProblemCodes  []string          `json:"problem_codes"`
	ContentHash   string            `json:"content_hash"`
	CreatedAt     time.Time         `json:"created_at"`
	Members       []outcomes.Member `json:"members"`
	Facts         []outcomes.Fact   `json:"facts"`
	Coverage      outcomes.Coverage `json:"coverage,omitempty"`
}

// Summary is a snapshot without its content (answers to those who recorded it).
type Summary struct {
	ID            string    `json:"id"`
	FamilyID      string    `json:"family_id"`
	PlanVersion   string    `json:"plan_version"`
	ReferenceDate string    `json:"reference_date"`
	ProblemCodes  []string  `json:"problem_codes"`
	ContentHash   string    `json:"content_hash"`
	MemberCount   int       `json:"member_count"`
	FactCount     int       `json:"fact_count"`
	CreatedAt     time.Time `json:"created_at"`
}

// SummaryOf is s without its content.
func SummaryOf(s *Snapshot) Summary {
	return Summary{ID: s.ID.String(), FamilyID: s.FamilyID.String(), PlanVersion: s.PlanVersion,
		ReferenceDate: s.ReferenceDate.Format(time.DateOnly), ProblemCodes: s.ProblemCodes, ContentHash: s.ContentHash,
		MemberCount: s.MemberCount, FactCount: s.FactCount, CreatedAt: s.CreatedAt.UTC()}
}

// WithoutBirthDates are the snapshot's members without their birth dates, each with the role
// the engine gave them at the reference date instead. Birth dates are identifying
// (docs/data-protection.md): services read them (tracking judges ages, claims freezes them
// into a pack), people reading a snapshot (a data analyst checking a judgement) do not.
func (s *Snapshot) WithoutBirthDates(ps *outcomes.Plans, members []outcomes.Member) []outcomes.Member {
	p, ok := ps.ByKey(s.PlanVersion)
	if !ok {
		p, ok = ps.Latest(s.PlanID)
	}
	at := outcomes.Date(s.ReferenceDate.Year(), s.ReferenceDate.Month(), s.ReferenceDate.Day())
	out := make([]outcomes.Member, len(members))
	for i, m := range members {
		if ok {
			out[i] = m.WithoutBirthDate(p, at)
		} else { // a plan this service no longer holds: the role only if the snapshot gave one
			out[i] = outcomes.Member{ID: m.ID, Role: m.Role, Pregnant: m.Pregnant}
		}
	}
	return out
}

func (a *API) get(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	// Recorded before the read: a read that cannot be recorded does not happen.
	if !a.Guard.Record(
		c,
		string(policy.EvidenceRead),
		"evidence_snapshot",
		id.String(),
		"role allows reading evidence snapshots",
	) {
		return
	}
	snap, content, err := a.Store.Get(c, id)
	if err == ErrNotFound {
		httpapi.NotFound(c, "Evidence snapshot")
		return
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "read evidence snapshot", err)
		return
	}
	members := content.Members
	if !httpapi.Principal(c).Has(auth.RoleService) {
		members = snap.WithoutBirthDates(a.Plans, members)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, SnapshotBody{ID: snap.ID.String(), FamilyID: snap.FamilyID.String(), PlanID: snap.PlanID,
		PlanVersion: snap.PlanVersion, ReferenceDate: snap.ReferenceDate.Format(time.DateOnly), ProblemCodes: snap.ProblemCodes,
		ContentHash: snap.ContentHash, CreatedAt: snap.CreatedAt.UTC(), Members: members, Facts: content.Facts, Coverage: content.Coverage})
}
