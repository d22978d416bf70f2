package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
)

// The problem types of refused requests.
const (
	TypeUnauthenticated = "https://familypath.dev/problems/unauthenticated"
	TypeForbidden       = "https://familypath.dev/problems/forbidden"
	TypeRestricted      = "https://familypath.dev/problems/restricted" // 423: processing of the family's data is restricted
)

const (
	principalKey    = "familypath.principal"
	tokenKey        = "familypath.token"
	relationshipKey = "familypath.relationship"
)

// Recorder appends to the service's audit trail (audit.Trail).
type Recorder interface {
	Append(ctx context.Context, e audit.Event) (audit.Event, error)
}

// Relationships answers a caller's relationship to a family: the case service from its own
// allocations, every other service by asking the case service (access.Client).
type Relationships interface {
	Family(ctx context.Context, p auth.Principal, token, familyID string) (policy.Access, error)
}

// Guard is a service API's access control: every request under /v1 carries a verified
// access token; each action is decided by the policy package; refusals, and reads and
// changes of case records, are written to the service's audit trail.
type Guard struct {
	Verifier      *auth.Verifier
	Trail         Recorder
	Relationships Relationships // nil in a service that serves no family records
	Limiter       *RateLimiter  // per caller: the token's subject, or the client address without one
	Log           *slog.Logger
}

// Authenticate verifies the bearer token of every request it guards, or answers 401 and
// records the refusal.
func (g *Guard) Authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		var p auth.Principal
		err := auth.ErrUnauthenticated
		if ok && token != "" {
			p, err = g.Verifier.Verify(c.Request.Context(), token)
		}
		if err != nil {
			if !g.Limiter.Allow(c, "addr:"+c.ClientIP()) {
				return
			}
			reason := "no bearer token"
			if ok {
				reason = err.Error()
			}
			_ = g.record(
				c,
				auth.Principal{Subject: audit.Anonymous},
				"request",
				"route",
				routeOf(c),
				audit.Refused,
				reason,
			) // logged inside
			c.Header("WWW-Authenticate", `Bearer realm="familypath", error="invalid_token"`)
			Abort(
				c,
				Problem{Type: TypeUnauthenticated, Title: "Authentication required", Status: http.StatusUnauthorized,
					Detail: "Send a valid access token: Authorization: Bearer <token>."},
			)
			return
		}
		if !g.Limiter.Allow(c, "sub:"+p.Subject) {
			return
		}
		c.Set(principalKey, p)
		c.Set(tokenKey, token)
		c.Next()
	}
}

// Principal is the verified caller of a guarded request.
func Principal(c *gin.Context) auth.Principal {
	p, _ := c.Get(principalKey)
	principal, _ := p.(auth.Principal)
	return principal
}

// Require guards a route with an action decided by role alone (no record), refusing with
// 403 and an audit row.
func (g *Guard) Require(a policy.Action) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := Principal(c)
		if d := policy.Decide(p, a, policy.None); !d.Allowed {
			g.refuse(c, p, a, "route", routeOf(c), d.Reason)
			return
		}
		c.Next()
	}
}

// RequireFamily guards a route on one family (its id the path parameter param) with an action
// decided by the caller's relationship to it (Family), before anything after it runs: an
// idempotent replay after it is answered only to a caller allowed the family now. Handlers
// read the relationship with RelationshipOf.
func (g *Guard) RequireFamily(a policy.Action, param string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := PathUUID(c, param)
		if !ok {
			return
		}
		rel, ok := g.Family(c, a, id.String())
		if !ok {
			return
		}
		c.Set(relationshipKey, rel)
		c.Next()
	}
}

// FamilyRows says whether the caller may have a report's per-family rows (the data team and
// the programme manager: policy.ReportFamilyRows), recording each such read in the audit
// trail first; others get the report as counts. ok is false when the read could not be
// recorded: the request has then been answered (503).
func (g *Guard) FamilyRows(c *gin.Context, report string) (rows, ok bool) {
	if !policy.Decide(Principal(c), policy.ReportFamilyRows, policy.None).Allowed {
		return false, true
	}
	if !g.Record(c, string(policy.ReportFamilyRows), "report", report, "per-family rows") {
		return false, false
	}
	return true, true
}

// RelationshipOf is the caller's relationship to the family RequireFamily allowed.
func RelationshipOf(c *gin.Context) policy.Relationship {
	r, _ := c.Get(relationshipKey)
	rel, _ := r.(policy.Relationship)
	return rel
}

// Family decides an action on one family's record. On refusal it answers (403, or 503 when
// the relationship cannot be known: access fails closed) and records it; when allowed it
// records the access and returns the caller's relationship, for field-level rules.
func (g *Guard) Family(c *gin.Context, a policy.Action, familyID string) (policy.Relationship, bool) {
	p := Principal(c)
	var acc policy.Access
	if g.Relationships != nil && policy.RecordAction(a) {
		token, _ := c.Get(tokenKey)
		s, _ := token.(string)
		var err error
		if acc, err = g.Relationships.Family(c.Request.Context(), p, s, familyID); err != nil {
			g.Log.WarnContext(c.Request.Context(), "relationship unknown: access refused", "error", err.Error())
			_ = g.record(
				c,
				p,
				string(a),
				"family",
				familyID,
				audit.Refused,
				"relationship could not be checked",
			) // logged inside
			Unavailable(c, "Access to this family cannot be checked now; try again shortly.")
			return policy.None, false
		}
	}
	d := policy.DecideFamily(p, a, acc)
	if d.Restricted {
		_ = g.record(c, p, string(a), "family", familyID, audit.Refused, d.Reason) // logged inside
		Abort(c, Problem{Type: TypeRestricted, Title: "Processing is restricted", Status: http.StatusLocked,
			Detail: "Processing of this family's data is restricted: it can be read, not changed, until the restriction is lifted."})
		return acc.Relationship, false
	}
	if !d.Allowed {
		g.refuse(c, p, a, "family", familyID, d.Reason)
		return acc.Relationship, false
	}
	if !g.Record(c, string(a), "family", familyID, d.Reason) {
		return acc.Relationship, false
	}
	return acc.Relationship, true
}

// Decide decides an action on a record other than a family's (a claim, say) given the
// caller's relationship to it, which the service works out from its own data. A refusal is
// answered (403) and recorded; an allowed action is recorded before it happens.
func (g *Guard) Decide(c *gin.Context, a policy.Action, resourceType, id string, rel policy.Relationship) bool {
	p := Principal(c)
	d := policy.Decide(p, a, rel)
	if !d.Allowed {
		g.refuse(c, p, a, resourceType, id, d.Reason)
		return false
	}
	return g.Record(c, string(a), resourceType, id, d.Reason)
}

// Record writes an allowed access to the audit trail; when it cannot be written the access
// is refused (503): no unaudited reads of case records.
func (g *Guard) Record(c *gin.Context, action, resourceType, id, reason string) bool {
	if err := g.record(c, Principal(c), action, resourceType, id, audit.Allowed, reason); err != nil {
		Unavailable(c, "The access could not be recorded; try again shortly.")
		return false
	}
	return true
}

func (g *Guard) refuse(c *gin.Context, p auth.Principal, a policy.Action, resourceType, id, reason string) {
	_ = g.record(c, p, string(a), resourceType, id, audit.Refused, reason)
	Abort(c, Problem{Type: TypeForbidden, Title: "Not allowed", Status: http.StatusForbidden,
		Detail: "Your role or your relationship to this record does not allow this."})
}

func (g *Guard) record(c *gin.Context, p auth.Principal, action, resourceType, id, outcome, reason string) error {
	_, err := g.Trail.Append(
		c.Request.Context(),
		audit.Event{Actor: p.Subject, Roles: p.Roles, Action: action, ResourceType: resourceType,
			ResourceID: id, Outcome: outcome, Reason: reason, RequestID: c.GetString(requestIDKey)},
	)
	if err != nil {
		g.Log.ErrorContext(c.Request.Context(), "audit trail append failed", "error", err.Error(), "outcome", outcome)
	}
	return err
}
