package servicetest

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/getkin/kin-openapi/openapi3"
)

// APIReferenceIsCurrent fails when the service's API reference for front-end developers (the
// Markdown at path, generated from its OpenAPI document) is not what the document gives now.
// FAMILYPATH_UPDATE_API_DOCS=1 writes it instead.
func APIReferenceIsCurrent(t *testing.T, def service.Definition, path string) {
	t.Helper()
	want := Reference(loadDocument(t, def), def.Name)
	if os.Getenv("FAMILYPATH_UPDATE_API_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path) // #nosec G304 -- the path is the calling test's own constant
	if err != nil || string(got) != want {
		t.Errorf(
			"%s is not the reference %s's OpenAPI document gives: run `FAMILYPATH_UPDATE_API_DOCS=1 go test -run TestAPIReferenceIsCurrent ./services/%s/` and commit it (%v)",
			path,
			def.Name,
			def.Name,
			err,
		)
	}
}

// Reference renders an OpenAPI document as Markdown: by tag, each operation's method, path
// and summary in a table, then each operation's parameters, body and answers.
func Reference(doc *openapi3.T, name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s API reference\n\n", name)
	fmt.Fprintf(
		&b,
		"Generated from `services/%s/openapi.yaml` (served at `/openapi.yaml`) by its tests; do not edit.\n",
		name,
	)
	b.WriteString(
		"Conventions (tokens, errors, pagination, ETags, Idempotency-Key): [API conventions](../api-conventions.md).\n",
	)
	type entry struct {
		method, path string
		op           *openapi3.Operation
	}
	byTag := map[string][]entry{}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range []string{"GET", "PUT", "POST", "PATCH", "DELETE"} {
			if op := item.GetOperation(method); op != nil && len(op.Tags) > 0 {
				byTag[op.Tags[0]] = append(byTag[op.Tags[0]], entry{method, path, op})
			}
		}
	}
	for _, tag := range doc.Tags {
		es := byTag[tag.Name]
		slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.path+" "+a.method, b.path+" "+b.method) })
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n| | route | what |\n|---|---|---|\n", tag.Name, tag.Description)
		for _, e := range es {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", e.method, e.path, oneLine(e.op.Summary))
		}
		for _, e := range es {
			operation(&b, e.method, e.path, e.op)
		}
	}
	return b.String()
}

// operation writes one operation's parameters, request body and answers.
func operation(b *strings.Builder, method, path string, op *openapi3.Operation) {
	fmt.Fprintf(b, "\n### `%s %s`\n\n%s\n", method, path, oneLine(op.Summary))
	if op.Description != "" {
		fmt.Fprintf(b, "\n%s\n", strings.TrimSpace(op.Description))
	}
	if len(op.Parameters) > 0 {
		b.WriteString("\nParameters:\n")
		for _, p := range op.Parameters {
			if p.Value == nil {
				continue
			}
			req := ""
			if p.Value.Required {
				req = ", required"
			}
			fmt.Fprintf(b, "- `%s` (%s%s)%s\n", p.Value.Name, p.Value.In, req, suffix(p.Value.Description))
		}
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		fmt.Fprintf(b, "\nBody: %s\n", contentOf(rb.Value.Content))
	}
	b.WriteString("\nAnswers:\n")
	codes := slices.Sorted(func(yield func(string) bool) {
		for code := range op.Responses.Map() {
			if !yield(code) {
				return
			}
		}
	})
	for _, code := range codes {
		r := op.Responses.Value(code)
		if r == nil || r.Value == nil {
			continue
		}
		desc := ""
		if r.Value.Description != nil {
			desc = oneLine(*r.Value.Description)
		}
		fmt.Fprintf(b, "- `%s` %s%s\n", code, desc, inParens(contentOf(r.Value.Content)))
	}
	for _, code := range codes {
		if ex := example(op.Responses.Value(code)); strings.HasPrefix(code, "2") && ex != "" {
			fmt.Fprintf(b, "\nExample of a `%s` answer:\n\n```json\n%s\n```\n", code, ex)
		}
	}
}

// example is the JSON answer's example (its own, or its schema's), indented; "" when none.
func example(r *openapi3.ResponseRef) string {
	if r == nil || r.Value == nil {
		return ""
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil {
		return ""
	}
	ex := mt.Example
	if ex == nil && mt.Schema != nil && mt.Schema.Value != nil {
		ex = mt.Schema.Value.Example
	}
	if ex == nil {
		return ""
	}
	out, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		return ""
	}
	return string(out)
}

// contentOf names each media type of a body with its schema.
func contentOf(c openapi3.Content) string {
	var parts []string
	for _, mt := range slices.Sorted(func(yield func(string) bool) {
		for k := range c {
			if !yield(k) {
				return
			}
		}
	}) {
		s := "`" + mt + "`"
		if ref := c[mt].Schema; ref != nil && ref.Ref != "" {
			s += " " + strings.TrimPrefix(ref.Ref, "#/components/schemas/")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func inParens(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func suffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + oneLine(s)
}

// oneLine keeps a table cell or a list item on one line.
func oneLine(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", "\\|")
}
