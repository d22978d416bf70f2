package servicetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// ExamplesFile is where a service keeps the examples of its answers, beside openapi.yaml in
// the service's folder (service.Definition.OpenAPIExamples embeds it).
const ExamplesFile = "openapi-examples.json"

// maxExample bounds a recorded example, its lists cut to two items first: a long list is no
// clearer than a short one.
const maxExample = 4096

var examples struct {
	sync.Mutex
	byOp map[string]map[string]json.RawMessage
}

// recordExample keeps a successful JSON answer as its operation's example, in the service's
// folder's openapi-examples.json (a service's tests run in its folder, services/<name>): for each operation
// and status the fullest answer of at most 2 KiB the tests gave. The answers are the tests'
// own made-up data.
func (a *API) recordExample(req *http.Request, w *httptest.ResponseRecorder) {
	if wd, err := os.Getwd(); err != nil || filepath.Base(wd) != a.service {
		return // the answer of another service than the one whose tests run (claims' tests start identification's API)
	}
	route, _, err := a.contract.FindRoute(req)
	if err != nil || w.Code < 200 || w.Code > 299 ||
		!strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		return
	}
	var body any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		return
	}
	short, err := json.Marshal(shortLists(body))
	if err != nil || len(short) > maxExample {
		return
	}
	compact := bytes.NewBuffer(short)
	examples.Lock()
	defer examples.Unlock()
	if examples.byOp == nil {
		examples.byOp = map[string]map[string]json.RawMessage{}
		if b, err := os.ReadFile(ExamplesFile); err == nil {
			_ = json.Unmarshal(b, &examples.byOp)
		}
	}
	op, status := route.Operation.OperationID, strconv.Itoa(w.Code)
	if examples.byOp[op] == nil {
		examples.byOp[op] = map[string]json.RawMessage{}
	}
	if kept := examples.byOp[op][status]; len(kept) >= compact.Len() {
		return
	}
	examples.byOp[op][status] = compact.Bytes()
	b, err := json.MarshalIndent(examples.byOp, "", "  ")
	if err == nil {
		err = os.WriteFile(ExamplesFile, append(b, '\n'), 0o600)
	}
	if err != nil {
		a.t.Errorf("record an example: %v", err)
	}
}

// shortLists cuts every list in v to its first two items.
func shortLists(v any) any {
	switch x := v.(type) {
	case []any:
		if len(x) > 2 {
			x = x[:2]
		}
		for i := range x {
			x[i] = shortLists(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = shortLists(x[k])
		}
	}
	return v
}
