package temporalx

import (
	"context"
	"fmt"
	"sort"

	"github.com/familypath/familypath/proto/contract"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// The typed keys of the family workflows' search attributes, whose names and types are the
// contract between workflows, services and operators (proto/contract).
var (
	SAFamilyPhase             = temporal.NewSearchAttributeKeyKeyword(contract.SearchFamilyPhase)
	SANextActionDate          = temporal.NewSearchAttributeKeyTime(contract.SearchNextActionDate)
	SAPlanVersion             = temporal.NewSearchAttributeKeyKeyword(contract.SearchPlanVersion)
	SATeam                    = temporal.NewSearchAttributeKeyKeyword(contract.SearchTeam)
	SAAuditStatus             = temporal.NewSearchAttributeKeyKeyword(contract.SearchAuditStatus)
	SAOutstandingProblemCount = temporal.NewSearchAttributeKeyInt64(contract.SearchOutstandingProblemCount)
	// SARestricted is set once a family has been restricted, false again when lifted.
	SARestricted = temporal.NewSearchAttributeKeyBool(contract.SearchRestricted)
	// SAWaitingFor (TRACKING_JUDGEMENT, CLAIM_WINDOW_OUTCOME, ...) and SAWaitingSince: a step
	// that waits on a service for minutes is stuck work, found in one query.
	SAWaitingFor   = temporal.NewSearchAttributeKeyKeyword(contract.SearchWaitingFor)
	SAWaitingSince = temporal.NewSearchAttributeKeyTime(contract.SearchWaitingSince)
)

// SearchAttribute is one custom search attribute's name and type.
type SearchAttribute struct {
	Name string
	Type enumspb.IndexedValueType
}

// SearchAttributes lists every custom search attribute, in name order.
func SearchAttributes() []SearchAttribute {
	keys := []temporal.SearchAttributeKey{
		SAFamilyPhase,
		SANextActionDate,
		SAPlanVersion,
		SATeam,
		SAAuditStatus,
		SAOutstandingProblemCount,
		SARestricted,
		SAWaitingFor,
		SAWaitingSince,
	}
	out := make([]SearchAttribute, 0, len(keys))
	for _, k := range keys {
		out = append(out, SearchAttribute{Name: k.GetName(), Type: k.GetValueType()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// RegisterSearchAttributes adds the attributes missing from the namespace and checks the
// types of those present. Safe to run at every start (make up, the chart's Job).
func RegisterSearchAttributes(ctx context.Context, c client.Client, namespace string) ([]string, error) {
	ops := c.OperatorService()
	existing, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return nil, fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	var added []string
	for _, a := range SearchAttributes() {
		if t, ok := existing.GetCustomAttributes()[a.Name]; ok {
			if t != a.Type {
				return nil, fmt.Errorf("search attribute %s exists with type %s, want %s", a.Name, t, a.Type)
			}
			continue
		}
		missing[a.Name] = a.Type
		added = append(added, a.Name)
	}
	if len(missing) == 0 {
		return nil, nil
	}
	_, err = ops.AddSearchAttributes(
		ctx,
		&operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing},
	)
	if err != nil {
		return nil, fmt.Errorf("add search attributes %v: %w", added, err)
	}
	return added, nil
}
