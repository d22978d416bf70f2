package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// ETag is the entity tag of a resource at a version (a row's optimistic-lock counter).
func ETag(version int64) string { return `"v` + strconv.FormatInt(version, 10) + `"` }

// SetETag puts the resource version's ETag on the response.
func SetETag(c *gin.Context, version int64) { c.Header("ETag", ETag(version)) }

// RequireIfMatch checks an update's If-Match header against the current version: missing
// answers 428, stale answers 412. It returns false when it has answered.
func RequireIfMatch(c *gin.Context, current int64) bool {
	im := strings.TrimSpace(c.GetHeader("If-Match"))
	if im == "" {
		Abort(
			c,
			Problem{
				Type:   TypePreconditionNeeded,
				Status: http.StatusPreconditionRequired,
				Title:  "If-Match is required",
				Detail: "Send the ETag you last read in If-Match, so that you do not overwrite someone else's change.",
			},
		)
		return false
	}
	want := ETag(current)
	for _, tag := range strings.Split(im, ",") {
		if t := strings.TrimPrefix(strings.TrimSpace(tag), "W/"); t == want || t == "*" {
			return true
		}
	}
	SetETag(c, current)
	Abort(
		c,
		Problem{Type: TypePreconditionFailed, Status: http.StatusPreconditionFailed, Title: "The resource has changed",
			Detail: "Read it again, then retry your change with its new ETag."},
	)
	return false
}
