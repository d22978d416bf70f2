package outcomes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/familypath/familypath/plans"
)

func shipped(t testing.TB, name string) []byte {
	t.Helper()
	b, err := plans.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every error names the file, the line and the field.
func TestPlanErrorsNameFileLineAndField(t *testing.T) {
	src := string(shipped(t, "lancashire-phase2.yaml"))
	cases := []struct{ name, from, to, want string }{
		{
			"period with two units",
			"sustained: { months: 12 }",
			"sustained: { months: 12, weeks: 2 }",
			"problems[2].outcome.sustained: give exactly one unit",
		},
		{
			"seconds outside a test plan",
			"sustained: { months: 6 }\n\n  - code: DOMESTIC_ABUSE",
			"sustained: { seconds: 30 }\n\n  - code: DOMESTIC_ABUSE",
			"minutes and seconds are for test plans only",
		},
		{
			"unknown event type",
			"event_types: [PROVEN_OFFENCE]",
			"event_types: [BURGLARY]",
			"problems[0].indicators[0].event_types[0]: BURGLARY is not an event type of feed police",
		},
		{
			"UC as a former benefit",
			"benefits: [ESA, IS, IB]",
			"benefits: [ESA, UC]",
			"continuous_employment.rules[1].benefits[1]",
		},
		{"unknown field", "family_cap: 8620", "family_cap: 8620\nfamily_capp: 1", "field family_capp not found"},
		{"bad default path", "  - claim_windows\n", "  - claim_window\n", `defaults[9]: "claim_window" names no value`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(src, c.from) {
				t.Fatalf("fixture text %q not in the plan", c.from)
			}
			_, err := Parse("plans/lancashire-phase2.yaml", []byte(strings.Replace(src, c.from, c.to, 1)))
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("want Errors, got %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not say %q", err, c.want)
			}
			for _, e := range es {
				if e.File != "plans/lancashire-phase2.yaml" || e.Line < 2 || e.Field == "" {
					t.Errorf("error not located: %+v", e)
				}
			}
		})
	}
}

func TestErrorLineIsTheFieldsLine(t *testing.T) {
	src := "id: x1x\nversion: 0\n"
	_, err := Parse("p.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "p.yaml:2: version: must be a whole number from 1") {
		t.Fatalf("got %v", err)
	}
}

// A published version is immutable: a mounted folder may add versions, and may repeat a
// shipped file unchanged, but not publish different content under the same id and version.
func TestMountedPlansAddVersionsButNeverChangeOne(t *testing.T) {
	src := shipped(t, "lancashire-phase2.yaml")
	dir := t.TempDir()
	v2 := strings.Replace(string(src), "version: 1", "version: 2", 1)
	if err := os.WriteFile(filepath.Join(dir, "lancashire-phase2-v2.yaml"), []byte(v2), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lancashire-phase2.yaml"), src, 0o600); err != nil {
		t.Fatal(err)
	}
	ps, err := LoadWithFolder(plans.FS, dir)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := ps.Latest("lancashire-phase2"); p.Version != 2 {
		t.Errorf("latest version %d, want 2", p.Version)
	}
	changed := strings.Replace(string(src), "family_cap: 8620", "family_cap: 9000", 1)
	if err := os.WriteFile(filepath.Join(dir, "lancashire-phase2.yaml"), []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadWithFolder(plans.FS, dir); err == nil ||
		!strings.Contains(err.Error(), "published version never changes") {
		t.Errorf("a changed published version was accepted: %v", err)
	}
}

// FAMILYPATH_PLANS_DIR may list several folders: the demo plan (plans/demo, which `make up`
// adds) beside a council's own. The demo plan's programme runs through today's years.
func TestPlansComeFromEveryListedFolder(t *testing.T) {
	src := shipped(t, "lancashire-phase2.yaml")
	council := t.TempDir()
	v2 := strings.Replace(string(src), "version: 1", "version: 2", 1)
	if err := os.WriteFile(filepath.Join(council, "lancashire-phase2-v2.yaml"), []byte(v2), 0o600); err != nil {
		t.Fatal(err)
	}
	demo := filepath.Join("..", "..", "plans", "demo")
	ps, err := LoadWithFolder(plans.FS, council+string(filepath.ListSeparator)+demo)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := ps.Latest("lancashire-phase2"); p.Version != 2 {
		t.Errorf("the council's folder was not read: latest version %d", p.Version)
	}
	d, ok := ps.Latest("familypath-demo")
	if !ok || !d.TestPlan {
		t.Fatalf("the demo plan was not read as a test plan: %v", ok)
	}
	if time.Until(d.EffectiveTo.Time) < 365*24*time.Hour {
		t.Errorf(
			"the demo plan's programme ends %s: publish a demo plan whose years include today and the next",
			d.EffectiveTo.Format(time.DateOnly),
		)
	}
}

func TestDuplicateVersionsInOneFolderAreRefused(t *testing.T) {
	src := shipped(t, "lancashire-phase2.yaml")
	_, err := Load(fstest.MapFS{"a.yaml": {Data: src}, "b.yaml": {Data: src}})
	if err == nil || !strings.Contains(err.Error(), "also published by a.yaml") {
		t.Errorf("got %v", err)
	}
}

// FuzzParse feeds plan loading arbitrary bytes: it must answer with a plan or located
// errors, never panic.
func FuzzParse(f *testing.F) {
	f.Add(shipped(f, "lancashire-phase2.yaml"))
	f.Add(shipped(f, "supporting-families-2022.yaml"))
	f.Add([]byte("id: a\nproblems: [{code: X, outcome: {sustained: {terms: -1}}}]"))
	f.Add([]byte("defaults: ['problems[99999999999].x', 'a[', ']]']"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err == nil {
			if p.Hash == "" || p.ID == "" {
				t.Fatalf("accepted plan without id or hash")
			}
			return
		}
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error is not located: %v", err)
		}
	})
}
