package record

import (
	"context"
	"fmt"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// What a front end can get wrong in a case record, refused with the field at fault before
// anything is written (docs/services/case.md).

// named is a problem code a part of the record names, with its field.
type named struct{ field, code string }

// problemsOf lists the problem codes a part of the record names, in order.
func problemsOf(v any) []named {
	var out []named
	switch r := v.(type) {
	case *Assessment:
		for i, n := range r.Needs {
			out = append(out, named{fmt.Sprintf("needs[%d].problem", i), n.Problem})
		}
	case *Plan:
		for i, o := range r.Outcomes {
			out = append(out, named{fmt.Sprintf("outcomes[%d].problem", i), o.Problem})
		}
	}
	return out
}

// familyPlan is the plan the family's workflow runs under, as its search attributes show it,
// or nil when they cannot say (no workflow yet, or Temporal not answering in time).
func (a *API) familyPlan(ctx context.Context, family uuid.UUID) *outcomes.Plan {
	if a.Temporal == nil || a.Plans == nil {
		return nil
	}
	wf, _ := contract.FamilyWorkflowID(family.String())
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	d, err := a.Temporal.DescribeWorkflow(ctx, wf, "")
	if err != nil {
		return nil
	}
	shown, ok := d.TypedSearchAttributes.GetKeyword(temporalx.SAPlanVersion)
	if !ok {
		return nil
	}
	if p, ok := a.Plans.ByKey(shown); ok { // "lancashire-phase2@1" once attached
		return p
	}
	if p, ok := a.Plans.Latest(shown); ok { // the plan's id while identified
		return p
	}
	return nil
}

// checkProblems refuses (400) problem codes that are not problems of the family's plan, or,
// when the family's plan cannot be told, of any plan the service knows.
func (a *API) checkProblems(c *gin.Context, family uuid.UUID, v any) bool {
	codes := problemsOf(v)
	if len(codes) == 0 || a.Plans == nil {
		return true
	}
	plans := a.Plans.All()
	if p := a.familyPlan(c, family); p != nil {
		plans = []*outcomes.Plan{p}
	}
	var errs []httpapi.FieldError
	for _, n := range codes {
		known := false
		for _, p := range plans {
			if _, ok := p.Problem(n.code); ok {
				known = true
				break
			}
		}
		if !known {
			msg := "must be a problem of the family's plan"
			if len(plans) == 1 {
				msg += " (" + plans[0].Key() + ")"
			}
			errs = append(errs, httpapi.FieldError{Field: n.field, Message: msg})
		}
	}
	if len(errs) > 0 {
		httpapi.Invalid(c, errs...)
		return false
	}
	return true
}

// adultRelationships are the relationships of an adult member; the others are a child's.
var adultRelationships = map[string]bool{"PARENT_CARER": true, "OTHER_ADULT": true}

// RelationshipFits says whether a member's relationship fits their role: an ADULT is a
// PARENT_CARER or OTHER_ADULT, a CHILD is a CHILD or OTHER_CHILD.
func RelationshipFits(role, relationship string) bool {
	return adultRelationships[relationship] == (role == "ADULT")
}

// RelationshipMismatch is the message for a relationship that does not fit the role.
const RelationshipMismatch = "contradicts the role: an ADULT is PARENT_CARER or OTHER_ADULT, a CHILD is CHILD or OTHER_CHILD"

// memberErrors are the members whose role contradicts their relationship (an ADULT who is the
// family's CHILD) or whose date of birth is after today.
func memberErrors(ms []Member) []httpapi.FieldError {
	today := time.Now().In(outcomes.London).Format(time.DateOnly)
	var errs []httpapi.FieldError
	for i, m := range ms {
		if !RelationshipFits(m.Role, m.Relationship) {
			errs = append(
				errs,
				httpapi.FieldError{Field: fmt.Sprintf("members[%d].relationship", i), Message: RelationshipMismatch},
			)
		}
		if m.BirthDate > today {
			errs = append(
				errs,
				httpapi.FieldError{
					Field:   fmt.Sprintf("members[%d].birth_date", i),
					Message: "must not be in the future",
				},
			)
		}
	}
	return errs
}

// checkMembers refuses (400) the members memberErrors finds fault with.
func checkMembers(c *gin.Context, ms []Member) bool {
	if errs := memberErrors(ms); len(errs) > 0 {
		httpapi.Invalid(c, errs...)
		return false
	}
	return true
}
