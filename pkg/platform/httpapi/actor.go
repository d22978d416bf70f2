package httpapi

import (
	"regexp"

	"github.com/gin-gonic/gin"
)

// HeaderActor names the user making a request. It is the interim answer to "who loaded
// this", until every API verifies OIDC access tokens (the security issue): then the actor
// comes from the token's subject, and this header is ignored.
const HeaderActor = "X-Familypath-Actor"

var actorPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// Actor returns the request's user, or answers 400 and returns false.
func Actor(c *gin.Context) (string, bool) {
	a := c.GetHeader(HeaderActor)
	if !actorPattern.MatchString(a) {
		Invalid(c, FieldError{Field: HeaderActor, Message: "must name the user making the request (1 to 64 letters, digits, '.', '_', '@' or '-')"})
		return "", false
	}
	return a, true
}
