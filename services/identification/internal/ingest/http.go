package ingest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/platform/csvout"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// MaxUploadBytes caps one uploaded file (a county's largest monthly extract is a few hundred MB).
const MaxUploadBytes = 4 << 30

// UploadRoute is the upload route, named for its body limit.
const UploadRoute = "POST /v1/uploads"

// API serves the upload routes.
type API struct {
	Store Store
	Guard *httpapi.Guard
	Log   *slog.Logger
	// Uploads counts every upload by feed and outcome (NewUploadCounter); nil counts nothing.
	Uploads *prometheus.CounterVec
}

// NewUploadCounter is familypath_uploads_total{feed, outcome}: uploads through the API by what
// became of them: loaded, already_loaded, refused (the file's fault: its header, its size, cut
// short) or failed (ours: nothing loaded, the alert FamilypathIngestFailures).
func NewUploadCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "familypath_uploads_total",
		Help: "Agency extract uploads through the API, by feed and outcome (loaded, already_loaded, refused, failed)."}, []string{"feed", "outcome"})
	if reg != nil {
		_ = reg.Register(c)
	}
	return c
}

// count records what became of an upload of the feed.
func (a *API) count(feed, outcome string) {
	if a.Uploads != nil {
		a.Uploads.WithLabelValues(feed, outcome).Inc()
	}
}

// Routes adds the routes. Uploads are idempotent by content (the same file again is a no-op),
// so they take no Idempotency-Key: the body streams straight to Postgres, never buffered.
func (a *API) Routes(r gin.IRouter) {
	r.POST("/v1/uploads", a.Guard.Require(policy.ExtractLoad), a.upload)
	read := a.Guard.Require(policy.ExtractRead)
	r.GET("/v1/uploads", read, a.list)
	r.GET("/v1/uploads/:id", read, a.get)
	r.GET("/v1/uploads/:id/issues", read, a.issues)
}

// UploadBody is an upload as the API shows it.
type UploadBody struct {
	ID              string    `json:"id"`
	Feed            string    `json:"feed"`
	Format          string    `json:"format"`
	ContractVersion int       `json:"contract_version"`
	ContentSHA256   string    `json:"content_sha256"`
	FileName        string    `json:"file_name"`
	Bytes           int64     `json:"bytes"`
	AsOf            string    `json:"as_of,omitempty"`
	RowsRead        int       `json:"rows_read"`
	RowsAccepted    int       `json:"rows_accepted"`
	RowsRejected    int       `json:"rows_rejected"`
	UnknownValues   int       `json:"unknown_values"`
	IgnoredColumns  int       `json:"ignored_columns"`
	LoadedBy        string    `json:"loaded_by"`
	LoadedAt        time.Time `json:"loaded_at"`
	// AlreadyLoaded is set on an upload answered by an earlier load of the same file.
	AlreadyLoaded bool `json:"already_loaded"`
}

func body(u *Upload, already bool) UploadBody {
	b := UploadBody{ID: u.ID.String(), Feed: u.Feed, Format: u.Format, ContractVersion: u.ContractVersion,
		ContentSHA256: u.ContentSHA256, FileName: u.FileName, Bytes: u.Bytes, RowsRead: u.RowsRead,
		RowsAccepted: u.RowsAccepted, RowsRejected: u.RowsRejected, UnknownValues: u.UnknownValues,
		IgnoredColumns: u.IgnoredColumns, LoadedBy: u.LoadedBy, LoadedAt: u.LoadedAt.UTC(), AlreadyLoaded: already}
	if u.AsOf != nil {
		b.AsOf = u.AsOf.Format(time.DateOnly)
	}
	return b
}

// formats maps media types to extract formats.
var formats = map[string]extracts.Format{
	"text/csv": extracts.CSV, "application/x-ndjson": extracts.JSONLines,
	"application/jsonl": extracts.JSONLines, "application/jsonlines": extracts.JSONLines,
}

func (a *API) upload(c *gin.Context) {
	actor, ok := httpapi.Actor(c)
	if !ok {
		return
	}
	var errs []httpapi.FieldError
	feed := c.Query("feed")
	if _, known := extracts.FeedNamed(feed); !known {
		errs = append(
			errs,
			httpapi.FieldError{Field: "feed", Message: "must name a feed of the contract (see /openapi.yaml)"},
		)
	}
	asOf := c.Query("as_of")
	if _, err := time.Parse(time.DateOnly, asOf); asOf != "" && err != nil {
		errs = append(errs, httpapi.FieldError{Field: "as_of", Message: "must be a date (YYYY-MM-DD)"})
	}
	fileName := c.Query("file_name")
	if len(fileName) > 200 {
		errs = append(errs, httpapi.FieldError{Field: "file_name", Message: "must be at most 200 characters"})
	}
	if len(errs) > 0 {
		httpapi.Invalid(c, errs...)
		return
	}
	media, _, _ := mime.ParseMediaType(c.ContentType())
	format, ok := formats[media]
	if !ok {
		httpapi.Abort(c, httpapi.Problem{Type: httpapi.TypeUnsupportedMedia, Status: http.StatusUnsupportedMediaType,
			Detail: "Send the file as text/csv or application/x-ndjson (JSON Lines)."})
		return
	}
	up, already, err := a.Store.Load(
		c,
		c.Request.Body,
		Meta{Feed: feed, Format: format, FileName: fileName, AsOf: asOf, LoadedBy: actor},
	)
	if failed := a.loadFailed(c, err); failed != "" {
		a.count(feed, failed)
		return
	}
	c.Header("Location", "/v1/uploads/"+up.ID.String())
	status, outcome := http.StatusCreated, "loaded"
	if already {
		status, outcome = http.StatusOK, "already_loaded"
	}
	a.count(feed, outcome)
	c.JSON(status, body(up, already))
}

// loadFailed answers a failed load (nothing of the file was loaded) and says whose fault it
// was: "refused" (the file's: its header, its size, cut short) or "failed" (ours); "" when the
// load did not fail.
func (a *API) loadFailed(c *gin.Context, err error) string {
	if err == nil {
		return ""
	}
	var he *extracts.HeaderError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		fields := make([]httpapi.FieldError, len(he.Problems))
		for i, p := range he.Problems {
			fields[i] = httpapi.FieldError{Field: p.Field, Message: p.Reason}
		}
		httpapi.Abort(c, httpapi.Problem{Type: httpapi.TypeValidation, Status: http.StatusUnprocessableEntity,
			Title: "The file cannot be read", Detail: "Nothing was loaded. See errors for what the header lacks.", Errors: fields})
		return "refused"
	case errors.As(err, &tooLarge):
		httpapi.Abort(c, httpapi.Problem{Type: httpapi.TypeTooLarge, Status: http.StatusRequestEntityTooLarge,
			Detail: "Nothing was loaded. The limit is " + strconv.FormatInt(
				tooLarge.Limit,
				10,
			) + " bytes a file; split the extract."})
		return "refused"
	case errors.As(err, new(*InputError)):
		a.Log.WarnContext(c, "upload cut short", "error", err.Error())
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypeValidation,
				Status: http.StatusBadRequest,
				Title:  "The upload was cut short",
				Detail: "Nothing was loaded; send the whole file again.",
			},
		)
		return "refused"
	}
	httpapi.Fail(c, a.Log, "load extract", err)
	return "failed"
}

func (a *API) byID(c *gin.Context) (*Upload, bool) {
	return httpapi.ByID(c, a.Log, "Upload", a.Store.Get, ErrNotFound)
}

func (a *API) get(c *gin.Context) {
	if up, ok := a.byID(c); ok {
		c.JSON(http.StatusOK, body(up, false))
	}
}

func (a *API) list(c *gin.Context) {
	page, ok := httpapi.ParsePage(c)
	if !ok {
		return
	}
	feed := c.Query("feed")
	if _, known := extracts.FeedNamed(feed); feed != "" && !known {
		httpapi.Invalid(c, httpapi.FieldError{Field: "feed", Message: "must name a feed of the contract"})
		return
	}
	after, ok := httpapi.After[Position](c, page)
	if !ok {
		return
	}
	rows, err := a.Store.List(c, feed, after, page.Limit)
	if err != nil {
		httpapi.Fail(c, a.Log, "list uploads", err)
		return
	}
	bodies := make([]UploadBody, len(rows))
	for i := range rows {
		bodies[i] = body(&rows[i], false)
	}
	c.JSON(http.StatusOK, httpapi.NewPage(bodies, page.Limit, func(b UploadBody) any {
		id, _ := uuid.Parse(b.ID)
		return Position{LoadedAt: b.LoadedAt, ID: id}
	}))
}

// issuePosition is where a page of a report ends.
type issuePosition struct {
	Seq int `json:"seq"`
}

// IssueBody is one line of an upload's report.
type IssueBody struct {
	Seq    int    `json:"seq"`
	Line   int    `json:"line"`
	Row    *int   `json:"row,omitempty"`
	Field  string `json:"field,omitempty"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// issues answers the report as JSON pages, or whole as CSV when the client accepts text/csv.
func (a *API) issues(c *gin.Context) {
	up, ok := a.byID(c)
	if !ok {
		return
	}
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		a.issuesCSV(c, up)
		return
	}
	page, ok := httpapi.ParsePage(c)
	if !ok {
		return
	}
	kind := c.Query("kind")
	if kind != "" && kind != extracts.RejectedRow && kind != extracts.UnknownValue && kind != extracts.IgnoredColumn {
		httpapi.Invalid(
			c,
			httpapi.FieldError{Field: "kind", Message: "must be REJECTED_ROW, UNKNOWN_VALUE or IGNORED_COLUMN"},
		)
		return
	}
	after, ok := httpapi.After[issuePosition](c, page)
	if !ok {
		return
	}
	afterSeq := 0
	if after != nil {
		afterSeq = after.Seq
	}
	rows, err := a.Store.Issues(c, up.ID, kind, afterSeq, page.Limit)
	if err != nil {
		httpapi.Fail(c, a.Log, "read upload issues", err)
		return
	}
	bodies := make([]IssueBody, len(rows))
	for i, r := range rows {
		bodies[i] = IssueBody{
			Seq:    r.Seq,
			Line:   r.Line,
			Row:    r.RowNumber,
			Field:  r.Field,
			Kind:   r.Kind,
			Reason: r.Reason,
		}
	}
	c.JSON(
		http.StatusOK,
		httpapi.NewPage(bodies, page.Limit, func(b IssueBody) any { return issuePosition{Seq: b.Seq} }),
	)
}

func (a *API) issuesCSV(c *gin.Context, up *Upload) {
	httpapi.CSVAttachment(c, "upload-"+up.ID.String()+"-report") // WriteReport writes the rows itself
	c.Status(http.StatusOK)
	if err := WriteReport(c, a.Store, up.ID, c.Writer); err != nil {
		a.Log.ErrorContext(c, "write upload report", "error", err.Error()) // the status is sent; the body ends short
	}
}

// ReportHeader is the report CSV's header.
var ReportHeader = []string{"line", "row", "field", "kind", "reason"}

// WriteReport writes an upload's report as CSV.
func WriteReport(ctx context.Context, s Store, id uuid.UUID, out io.Writer) error {
	w := csvout.NewWriter(out)
	if err := w.Write(ReportHeader); err != nil {
		return err
	}
	err := s.EachIssue(ctx, id, func(r IssueRow) error {
		row := ""
		if r.RowNumber != nil {
			row = strconv.Itoa(*r.RowNumber)
		}
		return w.Write([]string{strconv.Itoa(r.Line), row, r.Field, r.Kind, r.Reason})
	})
	if err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}
