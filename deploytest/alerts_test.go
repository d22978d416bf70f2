package deploytest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"sigs.k8s.io/yaml"
)

// The chart's alert rules, rendered as production renders them, behave as their tests in
// testdata/alerts.test.yaml say (the pinned promtool: `promtool test rules`), and every alert has
// a test there: an expression that never fires, or fires on the wrong pod, fails here.
func TestAlertRulesFireOnTheSeriesTheyWatch(t *testing.T) {
	bin := os.Getenv("PROMTOOL")
	if bin == "" {
		t.Fatal("PROMTOOL is not set: run through `make test`, which installs the pinned promtool and sets it")
	}
	var rule *prometheusRule
	for _, o := range render(t, "values-production.yaml") {
		if r, ok := o.Value.(*prometheusRule); ok {
			rule = r
		}
	}
	if rule == nil {
		t.Fatal("production values render no PrometheusRule")
	}
	dir := t.TempDir()
	rules, err := yaml.Marshal(rule.Spec)
	if err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(filepath.Join("testdata", "alerts.test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"rules.yaml": rules, "alerts.test.yaml": tests} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tested := map[string]bool{}
	for _, m := range regexp.MustCompile(`alertname: (\w+)`).FindAllSubmatch(tests, -1) {
		tested[string(m[1])] = true
	}
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			if !tested[r.Alert] {
				t.Errorf("alert %s has no test in testdata/alerts.test.yaml", r.Alert)
			}
		}
	}
	cmd := exec.Command(bin, "test", "rules", "alerts.test.yaml") // #nosec G204 -- the pinned promtool
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}
