package httpapi

import (
	"encoding/json"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// WithExamples adds to an OpenAPI document the examples of its answers: examples is JSON, by
// operationId then status, of an answer's body (a service records them from its tests:
// servicetest, FAMILYPATH_RECORD_EXAMPLES=1). Each goes under the answer's application/json
// content as its example, unless the document gives one. An example for an operation or a
// status the document does not have is an error: it would describe nothing.
func WithExamples(doc, examples []byte) ([]byte, error) {
	if len(examples) == 0 {
		return doc, nil
	}
	var byOp map[string]map[string]json.RawMessage
	if err := json.Unmarshal(examples, &byOp); err != nil {
		return nil, fmt.Errorf("parse the examples: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the OpenAPI document is not a mapping")
	}
	used := map[string]bool{}
	paths := lookup(root.Content[0], "paths")
	for i := 0; paths != nil && i+1 < len(paths.Content); i += 2 {
		item := paths.Content[i+1]
		for j := 0; j+1 < len(item.Content); j += 2 {
			op := item.Content[j+1]
			id := lookup(op, "operationId")
			if id == nil || byOp[id.Value] == nil {
				continue
			}
			used[id.Value] = true
			for status, body := range byOp[id.Value] {
				if err := addExample(op, status, body); err != nil {
					return nil, fmt.Errorf("example of %s: %w", id.Value, err)
				}
			}
		}
	}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range byOp {
			if !yield(id) {
				return
			}
		}
	}) {
		if !used[id] {
			return nil, fmt.Errorf("an example for operation %s, which the document does not have", id)
		}
	}
	return yaml.Marshal(&root)
}

// addExample puts body as the example of the operation's answer with status.
func addExample(op *yaml.Node, status string, body json.RawMessage) error {
	resp := lookup(lookup(op, "responses"), status)
	if resp == nil {
		return fmt.Errorf("the document gives no %s answer", status)
	}
	media := lookup(lookup(resp, "content"), "application/json")
	if media == nil {
		return fmt.Errorf("the %s answer has no application/json body in the document", status)
	}
	if lookup(media, "example") != nil || lookup(media, "examples") != nil {
		return nil // the document's own example wins
	}
	var node yaml.Node
	if err := yaml.Unmarshal(body, &node); err != nil || len(node.Content) != 1 {
		return fmt.Errorf("the %s example is not JSON: %v", status, err)
	}
	media.Content = append(media.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "example"},
		node.Content[0])
	return nil
}
