package imports

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
)

// maxBody bounds an import file (200,000 rows of a few hundred bytes).
const maxBody = 128 << 20

// API serves the import's dry run.
type API struct {
	Plans *outcomes.Plans
	Guard *httpapi.Guard
	Log   *slog.Logger
}

// Routes adds the route.
func (a *API) Routes(r gin.IRouter) {
	r.POST("/v1/imports/dry-run", a.Guard.Require(policy.ExtractLoad), a.dryRun)
}

// DryRun is the dry run's answer.
type DryRun struct {
	ContractVersion string  `json:"contract_version"`
	Importable      bool    `json:"importable"` // no issue: the import would take the file whole
	Rows            int     `json:"rows"`
	Families        int     `json:"families"`
	Issues          []Issue `json:"issues"`
	Would           []Would `json:"would"` // for each family without an issue of its own
}

// dryRun checks a file and says what importing it would do, changing nothing. JSON, or the
// issues alone as CSV (Accept: text/csv) for the data team to fix the file by line.
func (a *API) dryRun(c *gin.Context) {
	if !a.Guard.Record(c, "import.dry_run", "import", "dry-run", "checked an import file") {
		return
	}
	f, err := Read(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody), a.Plans)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		httpapi.Abort(c, httpapi.Problem{Type: httpapi.TypeTooLarge, Status: http.StatusRequestEntityTooLarge, Title: "Import file too large",
			Detail: "An import file is at most 128 MiB: split it by team."})
		return
	case err != nil:
		httpapi.Fail(c, a.Log, "import dry run", err)
		return
	}
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		w := httpapi.CSVAttachment(c, "import-issues")
		_ = w.Write([]string{"line", "field", "reason"})
		for _, i := range f.Issues {
			_ = w.Write([]string{strconv.Itoa(i.Line), i.Field, i.Reason})
		}
		w.Flush()
		return
	}
	out := DryRun{ContractVersion: ContractVersion, Importable: len(f.Issues) == 0, Rows: f.Rows, Families: len(f.Families), Issues: f.Issues, Would: []Would{}}
	if out.Issues == nil {
		out.Issues = []Issue{}
	}
	troubled := map[int]bool{}
	for _, i := range f.Issues {
		troubled[i.Line] = true
	}
	for _, fam := range f.Families {
		clean := true
		for _, m := range fam.Members {
			clean = clean && !troubled[m.Line]
		}
		if clean {
			out.Would = append(out.Would, fam.Would(a.Plans))
		}
	}
	c.JSON(http.StatusOK, out)
}
