package service

import (
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/gin-gonic/gin"
)

// auditRoutes serves every service's audit trail to internal auditors:
//
//	GET /v1/audit-events               events, oldest first, filtered (actor, resource_type, resource_id, outcome, from, to)
//	GET /v1/audit-trail/verification   the chain verified end to end, with its head hash
//
// Reading the trail is itself recorded in it.
func auditRoutes(r gin.IRouter, d *Deps) {
	g := r.Group("", d.Guard.Require(policy.AuditRead))
	g.GET("/v1/audit-events", func(c *gin.Context) { listAuditEvents(c, d) })
	g.GET("/v1/audit-trail/verification", func(c *gin.Context) {
		if !d.Guard.Record(c, string(policy.AuditRead), "audit-trail", "verification", "role internal_auditor") {
			return
		}
		rep, err := d.Audit.Verify(c)
		if err != nil {
			d.Log.ErrorContext(c, "verify the audit trail", "error", err.Error())
			httpapi.Internal(c)
			return
		}
		c.JSON(http.StatusOK, rep)
	})
}

func listAuditEvents(c *gin.Context, d *Deps) {
	page, ok := httpapi.ParsePage(c)
	if !ok {
		return
	}
	after, ok := httpapi.After[int64](c, page)
	if !ok {
		return
	}
	f := audit.Filter{
		Actor:        c.Query("actor"),
		ResourceType: c.Query("resource_type"),
		ResourceID:   c.Query("resource_id"),
		Outcome:      c.Query("outcome"),
		Limit:        page.Limit + 1,
	}
	if after != nil {
		f.AfterSeq = *after
	}
	var errs []httpapi.FieldError
	if f.Outcome != "" && f.Outcome != audit.Allowed && f.Outcome != audit.Refused {
		errs = append(errs, httpapi.FieldError{Field: "outcome", Message: "must be allowed or refused"})
	}
	for name, at := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if s := c.Query(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				errs = append(errs, httpapi.FieldError{Field: name, Message: "must be an RFC 3339 time"})
			}
			*at = t
		}
	}
	if len(errs) > 0 {
		httpapi.Invalid(c, errs...)
		return
	}
	if !d.Guard.Record(c, string(policy.AuditRead), "audit-events", "", "role internal_auditor") {
		return
	}
	events, err := d.Audit.Query(c, f)
	if err != nil {
		d.Log.ErrorContext(c, "query the audit trail", "error", err.Error())
		httpapi.Internal(c)
		return
	}
	c.JSON(http.StatusOK, httpapi.NewPage(events, page.Limit, func(e audit.Event) any { return e.Seq }))
}
