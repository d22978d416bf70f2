package extracts

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// contractDoc is the repository's statement of the contract; its table of feeds is written
// from this package's definitions (FAMILYPATH_UPDATE_DOCS=1 rewrites it), so the two cannot
// drift apart.
const contractDoc = "../../docs/data-contracts.md"

const (
	feedsBegin = "<!-- feeds: written from pkg/extracts by TestTheContractDocumentShowsEveryFeed; do not edit by hand -->"
	feedsEnd   = "<!-- /feeds -->"
)

// feedsTable is the markdown table of every feed and its columns beyond the person fields.
func feedsTable() string {
	var b strings.Builder
	b.WriteString(
		"| feed | since | one row is | identifier | columns beyond the person fields (required in bold) |\n|---|---|---|---|---|\n",
	)
	for _, f := range Feeds() {
		since := "1"
		if f.Since > 0 {
			since = fmt.Sprint(f.Since)
		}
		var cols []string
		for _, c := range f.Columns {
			col := "`" + c.Name + "`"
			if c.Required {
				col = "**" + col + "**"
			}
			switch {
			case c.Kind == KindEnum:
				col += " (" + strings.Join(c.Enum, ", ") + ")"
			case c.Kind != KindText:
				col += " (" + c.Kind.String() + ")"
			}
			cols = append(cols, col)
		}
		id := "none"
		if f.IDColumn != "" {
			id = "`" + f.IDColumn + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Name, since, f.Row, id, strings.Join(cols, "; "))
	}
	return b.String()
}

func TestTheContractDocumentShowsEveryFeed(t *testing.T) {
	raw, err := os.ReadFile(contractDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	begin, end := strings.Index(doc, feedsBegin), strings.Index(doc, feedsEnd)
	if begin < 0 || end < begin {
		t.Fatalf("%s has no generated table of feeds (%q ... %q)", contractDoc, feedsBegin, feedsEnd)
	}
	want := doc[:begin] + feedsBegin + "\n" + feedsTable() + doc[end:]
	if want == doc {
		return
	}
	if os.Getenv("FAMILYPATH_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(contractDoc, []byte(want), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf(
		"%s's table of feeds differs from the contract in pkg/extracts: run FAMILYPATH_UPDATE_DOCS=1 go test -run TestTheContractDocumentShowsEveryFeed ./pkg/extracts",
		contractDoc,
	)
}
