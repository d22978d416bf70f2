// Package httpapi holds the API conventions every service follows: problem+json errors
// (RFC 9457) with field-level detail, strict request binding and validation, cursor
// pagination, ETag / If-Match on updates, Idempotency-Key on creating requests, the health
// endpoints, and a served OpenAPI document that a test proves matches the routes.
//
// Naming style, set once: paths are plural kebab-case nouns under /v1 (/v1/candidate-families/{id}),
// JSON fields are snake_case, enum values are SCREAMING_SNAKE_CASE, times are RFC 3339 in UTC
// and programme dates are YYYY-MM-DD (Europe/London calendar dates).
package httpapi

import (
	"net/http"

	"github.com/familypath/familypath/pkg/platform/csvout"
	"github.com/gin-gonic/gin"
)

// ProblemContentType is the media type of every error body.
const ProblemContentType = "application/problem+json"

// FieldError names one invalid field of a request and why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 problem details body. Detail never echoes personal data or internals.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// Problem types: stable URIs clients can switch on.
const (
	TypeValidation         = "https://familypath.dev/problems/validation"
	TypeNotFound           = "https://familypath.dev/problems/not-found"
	TypeConflict           = "https://familypath.dev/problems/conflict"
	TypePreconditionFailed = "https://familypath.dev/problems/precondition-failed"
	TypePreconditionNeeded = "https://familypath.dev/problems/precondition-required"
	TypeIdempotency        = "https://familypath.dev/problems/idempotency"
	TypeUnavailable        = "https://familypath.dev/problems/unavailable"
	TypeInternal           = "https://familypath.dev/problems/internal"
	TypeTooLarge           = "https://familypath.dev/problems/too-large"
	// TypeNotEligible: a family's evidence does not meet the Outcomes Plan's eligibility.
	TypeNotEligible = "https://familypath.dev/problems/not-eligible"
)

// Abort writes p as the response and stops the handler chain.
func Abort(c *gin.Context, p Problem) {
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if p.Instance == "" {
		p.Instance = c.FullPath()
	}
	p.RequestID = c.GetString(requestIDKey)
	c.Header("Content-Type", ProblemContentType)
	c.AbortWithStatusJSON(p.Status, p)
}

// Invalid answers 400 with field-level errors.
func Invalid(c *gin.Context, errs ...FieldError) {
	Abort(c, Problem{Type: TypeValidation, Title: "The request is not valid", Status: http.StatusBadRequest,
		Detail: "See errors for each invalid field.", Errors: errs})
}

// NotFound answers 404 for the named kind of resource (never echoing the id asked for).
func NotFound(c *gin.Context, what string) {
	Abort(c, Problem{Type: TypeNotFound, Title: what + " not found", Status: http.StatusNotFound})
}

// Unavailable answers 503 when a dependency cannot answer, with Retry-After; the cause is
// logged, not returned.
func Unavailable(c *gin.Context, detail string) {
	c.Header("Retry-After", RetryAfterSeconds)
	Abort(
		c,
		Problem{
			Type:   TypeUnavailable,
			Title:  "A dependency is unavailable",
			Status: http.StatusServiceUnavailable,
			Detail: detail,
		},
	)
}

// Internal answers 500 with a generic body; the cause is logged by the caller.
func Internal(c *gin.Context) {
	Abort(c, Problem{Type: TypeInternal, Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "The error has been logged with this request's id."})
}

// TypeUnsupportedMedia is the problem type for a body in a format the route does not take.
const TypeUnsupportedMedia = "https://familypath.dev/problems/unsupported-media-type"

// CSVAttachment starts a CSV answer the browser saves as filename (".csv" is added) and
// returns its writer (cells that a spreadsheet would run as formulas are quoted as text).
func CSVAttachment(c *gin.Context, filename string) *csvout.Writer {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`.csv"`)
	return csvout.NewWriter(c.Writer)
}
