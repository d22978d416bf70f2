package runs

import (
	"net/http"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/gin-gonic/gin"
)

// RecognitionBody is a household of the run that holds people of a family the programme
// already held (imported): certain ones took its id; suspected ones are for people to decide
// (merge the two families, or not).
type RecognitionBody struct {
	FamilyID      string `json:"family_id"`
	KnownFamilyID string `json:"known_family_id"`
	Matched       int    `json:"matched"`
	Partial       int    `json:"partial"`
	Certain       bool   `json:"certain"`
	SameFamily    bool   `json:"same_family"` // the run gave the household the known family's id
}

func (a *API) recognitions(c *gin.Context) {
	run, page, offset, ok := a.runPage(c)
	if !ok {
		return
	}
	rows, err := a.Store.Recognitions(c, run.ID, offset, page.Limit+1)
	if err != nil {
		httpapi.Fail(c, a.Log, "list recognitions", err)
		return
	}
	c.JSON(http.StatusOK, httpapi.NewPage(rows, page.Limit, func(RecognitionBody) any { return offset + page.Limit }))
}
