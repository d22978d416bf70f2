package register

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
)

// ProfileAPI answers how the register's attachments compare with the plan's agreed
// attachment profile, year by year (counts only: managers and analysts).
type ProfileAPI struct {
	Store Store
	Plans *outcomes.Plans
	Log   *slog.Logger
	Guard *httpapi.Guard
}

// Routes adds the route.
func (a *ProfileAPI) Routes(r gin.IRouter) {
	r.GET("/v1/plans/:plan/attachment-profile", a.Guard.Require(policy.ReportRead), a.profile)
}

// YearCount is one programme year: the agreed profile and the attachments made in it.
type YearCount struct {
	Year     string    `json:"year"`
	Starts   string    `json:"starts"`
	Ends     string    `json:"ends"`
	Profile  int       `json:"profile"`
	Actual   int       `json:"actual"`
	Variance int       `json:"variance"` // actual - profile
	AsOf     time.Time `json:"as_of"`
}

// profile counts the plan's attachments (every version of it) per programme year: a year runs
// from its start to the next year's start (the last to the plan's end).
func (a *ProfileAPI) profile(c *gin.Context) {
	p, ok := a.Plans.Latest(c.Param("plan"))
	if !ok {
		httpapi.NotFound(c, "Plan")
		return
	}
	now := time.Now().UTC()
	out := make([]YearCount, 0, len(p.Profiles))
	for i, y := range p.Profiles {
		end := p.YearEnd(i).Time
		n, err := a.Store.CountAttachments(c, p.ID, y.Starts.Time, end)
		if err != nil {
			httpapi.Fail(c, a.Log, "count attachments", err)
			return
		}
		out = append(
			out,
			YearCount{
				Year:     y.Year,
				Starts:   y.Starts.String(),
				Ends:     outcomes.Moment{Time: end}.String(),
				Profile:  y.Attachments,
				Actual:   int(n),
				Variance: int(n) - y.Attachments,
				AsOf:     now,
			},
		)
	}
	c.JSON(http.StatusOK, gin.H{"plan_id": p.ID, "years": out})
}
