package imports

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/case/internal/quality"
	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// MaxFileBytes bounds an import file (200,000 rows of a few hundred bytes).
const MaxFileBytes = 128 << 20

// FileLimits are the body limits of the routes that take an import file (they have no request
// timeout either: a county's file takes seconds to commit).
var FileLimits = map[string]int64{"POST /v1/imports/dry-run": MaxFileBytes, "POST /v1/imports": MaxFileBytes}

// API serves the import's dry run and the import itself.
type API struct {
	Plans    *outcomes.Plans
	Store    Store
	Temporal client.Client // starts each import's ImportProgramme workflow
	Guard    *httpapi.Guard
	Log      *slog.Logger
}

// Routes adds the routes.
func (a *API) Routes(r gin.IRouter) {
	load := a.Guard.Require(policy.ExtractLoad)
	r.POST("/v1/imports/dry-run", load, a.dryRun)
	r.POST("/v1/imports", load, a.importFile)
	r.GET("/v1/imports/:id", load, a.status)
	r.GET("/v1/imports/:id/families", load, a.families)
	r.GET("/v1/plans/:plan/known-families", a.Guard.Require(policy.EvidenceRead), a.known)
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
	f, _, ok := a.read(c)
	if !ok {
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
	out := DryRun{
		ContractVersion: ContractVersion,
		Importable:      len(f.Issues) == 0,
		Rows:            f.Rows,
		Families:        len(f.Families),
		Issues:          f.Issues,
		Would:           []Would{},
	}
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

// read reads and checks the request's file; it answers the client itself when it cannot.
func (a *API) read(c *gin.Context) (*File, []byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxFileBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypeTooLarge,
				Status: http.StatusRequestEntityTooLarge,
				Title:  "Import file too large",
				Detail: "An import file is at most 128 MiB: split it by team.",
			},
		)
		return nil, nil, false
	}
	if err == nil {
		var f *File
		if f, err = Read(bytes.NewReader(body), a.Plans); err == nil {
			return f, body, true
		}
	}
	httpapi.Fail(c, a.Log, "read import file", err)
	return nil, nil, false
}

// maxListed bounds the issues a refused import lists (the dry run's CSV has them all).
const maxListed = 1000

// importFile imports a file whole, or nothing of it: a file with any issue is refused with
// them all (by line and field); one without commits every family's case in one transaction
// and starts the import's workflow, which attaches, books and starts each family. The same
// file again answers the import it made (and restarts its workflow if that failed).
func (a *API) importFile(c *gin.Context) {
	f, body, ok := a.read(c)
	if !ok {
		return
	}
	if len(f.Issues) > 0 {
		p := httpapi.Problem{
			Type:   httpapi.TypeValidation,
			Status: http.StatusUnprocessableEntity,
			Title:  "The file has issues: nothing was imported",
			Detail: strconv.Itoa(
				len(f.Issues),
			) + " issues; the dry run (POST /v1/imports/dry-run, Accept: text/csv) lists them all by line. Fix the file and send it whole again.",
		}
		for _, i := range f.Issues[:min(len(f.Issues), maxListed)] {
			field := "line " + strconv.Itoa(i.Line)
			if i.Field != "" {
				field += "." + i.Field
			}
			p.Errors = append(p.Errors, httpapi.FieldError{Field: field, Message: i.Reason})
		}
		httpapi.Abort(c, p)
		return
	}
	hash := FileHash(body)
	if !a.Guard.Record(
		c,
		"import.commit",
		"import",
		"file-"+hash[:16],
		"imported "+strconv.Itoa(len(f.Families))+" families",
	) {
		return
	}
	done, err := a.Store.Commit(c, f, hash, httpapi.Principal(c).Subject)
	if err != nil {
		httpapi.Fail(c, a.Log, "commit import", err)
		return
	}
	wf := contract.ImportWorkflowID(done.ImportID.String())
	_, err = a.Temporal.ExecuteWorkflow(c, client.StartWorkflowOptions{ID: wf, TaskQueue: contract.QueueFamilyLifecycle,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		StaticSummary:            "Import of " + strconv.Itoa(done.Families) + " families already in the programme",
	}, contract.WorkflowImport, &familypathv1.ImportInput{ImportId: done.ImportID.String()})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &already) { // already: it ran to its end before
		a.Log.ErrorContext(c, "start import workflow", "import_id", done.ImportID.String(), "error", err.Error())
		httpapi.Unavailable(c, "The file was imported but its workflow could not be started; send the same file again.")
		return
	}
	c.Header("Location", "/v1/imports/"+done.ImportID.String())
	status := http.StatusAccepted
	if done.Existing {
		status = http.StatusOK
	}
	c.JSON(status, ImportBody{Committed: *done, WorkflowID: wf, AlreadyImported: done.Existing})
}

// ImportBody answers an import: what the commit did and the workflow applying it.
type ImportBody struct {
	Committed
	WorkflowID      string `json:"workflow_id"`
	AlreadyImported bool   `json:"already_imported"`
}

// StatusBody is an import's progress: families applied (attached, booked, their workflow
// started) of those the import changed.
type StatusBody struct {
	Committed
	Status     string     `json:"status"` // APPLYING or DONE
	Applied    int        `json:"applied_families"`
	ImportedBy string     `json:"imported_by"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	WorkflowID string     `json:"workflow_id"`
}

func (a *API) status(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	st, err := a.Store.Status(c, id)
	if err != nil {
		httpapi.Fail(c, a.Log, "read import", err)
		return
	}
	if st == nil {
		httpapi.NotFound(c, "Import")
		return
	}
	st.WorkflowID = contract.ImportWorkflowID(id.String())
	c.JSON(http.StatusOK, st)
}

// FamilyRow maps a council's family reference to familypath's family id: how the data team
// reconciles its spreadsheet with the programme after an import.
type FamilyRow struct {
	CouncilFamilyRef string `json:"council_family_ref"`
	FamilyID         string `json:"family_id"`
	PlanVersion      string `json:"plan_version"`
	ClaimStatus      string `json:"claim_status,omitempty"`
	Applied          bool   `json:"applied"` // attached, booked and its workflow started at its current rows
}

// families lists the import's families (those it last changed), JSON or CSV; each read of
// references is in the audit trail.
func (a *API) families(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	if !a.Guard.Record(c, "import.families", "import", id.String(), "listed an import's family references") {
		return
	}
	rows, err := a.Store.Families(c, id)
	if err != nil {
		httpapi.Fail(c, a.Log, "list import families", err)
		return
	}
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		w := httpapi.CSVAttachment(c, "import-families")
		_ = w.Write([]string{"council_family_ref", "family_id", "plan_version", "claim_status", "applied"})
		for _, r := range rows {
			_ = w.Write(
				[]string{r.CouncilFamilyRef, r.FamilyID, r.PlanVersion, r.ClaimStatus, strconv.FormatBool(r.Applied)},
			)
		}
		w.Flush()
		return
	}
	if rows == nil {
		rows = []FamilyRow{}
	}
	c.JSON(http.StatusOK, gin.H{"import_id": id.String(), "families": rows})
}

// KnownFamily is an imported family with what identifies its members: identification matches
// its people against them, so that a family imported and later found by an identification run
// is one family, not two.
type KnownFamily struct {
	FamilyID string        `json:"family_id"`
	Members  []KnownPerson `json:"members"`
}

// KnownPerson is what the council's file said of a member.
type KnownPerson struct {
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	BirthDate  string `json:"birth_date"`
	Postcode   string `json:"postcode"`
}

// known answers the imported families of a plan with their members' identities, and every
// merge of two families, for identification's runs (its service token; evidence.read); each
// read is in the audit trail.
func (a *API) known(c *gin.Context) {
	plan := c.Param("plan")
	if _, ok := a.Plans.Latest(plan); !ok {
		httpapi.NotFound(c, "Plan")
		return
	}
	if !a.Guard.Record(c, "import.members", "plan", plan, "read imported families' members for matching") {
		return
	}
	fams, err := a.Store.Known(c, plan)
	if err != nil {
		httpapi.Fail(c, a.Log, "read imported members", err)
		return
	}
	merges, err := quality.Store{DB: a.Store.DB}.Merges(c)
	if err != nil {
		httpapi.Fail(c, a.Log, "read merges", err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan_id": plan, "families": fams, "merges": merges})
}
