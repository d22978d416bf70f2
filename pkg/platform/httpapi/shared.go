package httpapi

import (
	_ "embed"
	"fmt"

	"go.yaml.in/yaml/v3"
)

//go:embed openapi-shared.yaml
var sharedComponents []byte

// WithSharedComponents answers the service's OpenAPI document with the components every
// service shares (openapi-shared.yaml: Problem, the audit trail's shapes, Health, Readiness,
// the bearer scheme) added to its own. A document that defines one of them itself is refused:
// each is written once.
func WithSharedComponents(doc []byte) ([]byte, error) {
	var own, shared yaml.Node
	if err := yaml.Unmarshal(doc, &own); err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	if err := yaml.Unmarshal(sharedComponents, &shared); err != nil {
		return nil, fmt.Errorf("parse the shared components: %w", err)
	}
	if len(own.Content) != 1 || own.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the OpenAPI document is not a mapping")
	}
	into := entry(own.Content[0], "components")
	from := entry(shared.Content[0], "components")
	for i := 0; i+1 < len(from.Content); i += 2 {
		section, items := from.Content[i].Value, from.Content[i+1]
		target := entry(into, section)
		for j := 0; j+1 < len(items.Content); j += 2 {
			name := items.Content[j].Value
			if lookup(target, name) != nil {
				return nil, fmt.Errorf(
					"the document defines components.%s.%s, which every service shares (pkg/platform/httpapi/openapi-shared.yaml): refer to it, do not define it",
					section,
					name,
				)
			}
			target.Content = append(target.Content, items.Content[j], items.Content[j+1])
		}
	}
	return yaml.Marshal(&own)
}

// entry is the mapping under key in m, added empty when m has none.
func entry(m *yaml.Node, key string) *yaml.Node {
	if v := lookup(m, key); v != nil {
		return v
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	return v
}

// lookup is the value under key in the mapping m, or nil.
func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
