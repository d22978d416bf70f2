package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Actor returns the request's user: the verified token's subject. A route reached without
// Guard.Authenticate has none, and answers 401.
func Actor(c *gin.Context) (string, bool) {
	if p := Principal(c); p.Subject != "" {
		return p.Subject, true
	}
	Abort(c, Problem{Type: TypeUnauthenticated, Title: "Authentication required", Status: http.StatusUnauthorized})
	return "", false
}
