package httpapi

import (
	"strings"
	"testing"
)

const exampleDoc = `openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /v1/things/{id}:
    get:
      operationId: getThing
      responses:
        "200": { description: ok, content: { application/json: { schema: { type: object } } } }
  /v1/others:
    get:
      operationId: listOthers
      responses:
        "200": { description: ok, content: { application/json: { schema: { type: object }, example: { own: true } } } }
`

// Recorded examples go under their operation's answer; the document's own example wins; an
// example of nothing the document has is refused.
func TestExamplesGoUnderTheirAnswers(t *testing.T) {
	out, err := WithExamples(
		[]byte(exampleDoc),
		[]byte(`{"getThing":{"200":{"id":"t-1"}},"listOthers":{"200":{"own":false}}}`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.Contains(s, `example: {"id": "t-1"}`) || !strings.Contains(s, "own: true") ||
		strings.Contains(s, "own: false") {
		t.Errorf("document:\n%s", s)
	}
	for name, examples := range map[string]string{
		"an unknown operation":   `{"getNothing":{"200":{}}}`,
		"an undocumented status": `{"getThing":{"201":{}}}`,
		"not JSON":               `{"getThing":`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := WithExamples([]byte(exampleDoc), []byte(examples)); err == nil {
				t.Error("accepted")
			}
		})
	}
}
