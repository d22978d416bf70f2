package deploytest

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const modulePrefix = "github.com/familypath/familypath/"

// testOnlyRequirements are requirements that only a module's tests need, each refused in its code:
// claims' tests make claims, and a claim freezes the evidence identification and case hold;
// linkage's quality test links a synthetic county. The test fails when one is added, and when
// one goes without being taken off this list.
var testOnlyRequirements = map[string][]string{
	"services/claims": {"services/case", "services/identification"},
	"pkg/linkage":     {"pkg/synthetic"},
}

// The module graph says what docs/architecture.md says: no service module requires another
// service module or the workflows module; the workflows module requires no service and not the
// Outcomes Plan engine or the plans (workflows learn a plan's rules from the services'
// activities). Only the modules that test across them (e2e) require services. Direct
// requirements count, test-only ones too (go.mod cannot tell them apart).
func TestModulesRequireOnlyWhatTheDesignAllows(t *testing.T) {
	for _, m := range workspaceModules(t) {
		req := directRequirements(t, filepath.Join("..", m, "go.mod"))
		var refused []string
		for _, r := range req {
			switch {
			case strings.HasPrefix(m, "services/") && (strings.HasPrefix(r, "services/") || r == "workflows"):
				refused = append(refused, r)
			case m == "workflows" && (strings.HasPrefix(r, "services/") || r == "pkg/outcomes" || r == "plans"):
				refused = append(refused, r)
			case strings.HasPrefix(m, "pkg/") && (strings.HasPrefix(r, "services/") || r == "workflows"):
				refused = append(refused, r)
			case r == "pkg/synthetic" && (m == "workflows" || strings.HasPrefix(m, "pkg/")):
				// the synthetic county is test and demo data: libraries and workflows never ship it
				refused = append(refused, r)
			}
		}
		slices.Sort(refused)
		if known := testOnlyRequirements[m]; !slices.Equal(refused, known) {
			t.Errorf(
				"%s requires %v, want %v: a service module reaches another only through its API and activities (docs/architecture.md)",
				m,
				refused,
				known,
			)
		}
	}
}

// A go.mod's direct requirements are read as go.mod writes them; the parser itself is checked
// on a file with every form.
func TestDirectRequirementsAreReadInEveryForm(t *testing.T) {
	f := filepath.Join(t.TempDir(), "go.mod")
	text := "module " + modulePrefix + "services/x\n\nrequire " + modulePrefix + "pkg/platform v0.0.0\n\nrequire (\n\t" +
		modulePrefix + "services/y v0.0.0\n\tgo.temporal.io/sdk v1.50.0\n\t" + modulePrefix + "workflows v0.0.0 // indirect\n)\n\nreplace " +
		modulePrefix + "services/y => ../y\n"
	if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := directRequirements(t, f); !slices.Equal(got, []string{"pkg/platform", "services/y"}) {
		t.Errorf("read %v", got)
	}
}

// workspaceModules are the folders go.work uses, relative to the repository.
func workspaceModules(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	var ms []string
	for _, line := range strings.Split(string(b), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "./"); ok {
			ms = append(ms, m)
		}
	}
	if len(ms) < 10 {
		t.Fatalf("go.work lists %d modules", len(ms))
	}
	return ms
}

// directRequirements are the project's own modules a go.mod requires directly (not marked
// indirect), by folder.
func directRequirements(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var req []string
	inBlock := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "require (":
			inBlock = true
			continue
		case inBlock && line == ")":
			inBlock = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimPrefix(line, "require ")
		case !inBlock:
			continue
		}
		if strings.Contains(line, "// indirect") {
			continue
		}
		if mod, ok := strings.CutPrefix(strings.Fields(line)[0], modulePrefix); ok {
			req = append(req, mod)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(req)
	return req
}
