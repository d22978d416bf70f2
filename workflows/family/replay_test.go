package family

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/workflows/claimwindow"
	"github.com/familypath/familypath/workflows/identification"
	"github.com/familypath/familypath/workflows/imports"
	"github.com/familypath/familypath/workflows/retention"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Every committed history (testdata/histories, recorded by `make histories` from synthetic
// data with the committed test-only key; family-identified-before-attach-and-track.json by
// the code before that change) replays on today's code: a change to workflow logic that is
// not behind workflow.GetVersion fails here, not in production.
func TestReplayCommittedHistories(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("testdata", "payload-keys.test"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.Parse(string(text))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil || len(files) < 4 {
		t.Fatalf("histories: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: temporalx.Codecs{temporalx.EncryptionCodec{Keys: keys}}.DataConverter(),
			})
			if err != nil {
				t.Fatal(err)
			}
			Register(r)
			claimwindow.Register(r)
			identification.Register(r)
			imports.Register(r)
			retention.RegisterWorkflow(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Errorf("%s does not replay: %v", f, err)
			}
		})
	}
}

// The replay test can fail: workflow code that does not do what a history recorded (here, a
// FamilyLifecycle that ends at once) is refused.
func TestReplayRefusesAChangedWorkflow(t *testing.T) {
	text, _ := os.ReadFile(filepath.Join("testdata", "payload-keys.test"))
	keys, _ := keyring.Parse(string(text))
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter: temporalx.Codecs{temporalx.EncryptionCodec{Keys: keys}}.DataConverter(),
	})
	if err != nil {
		t.Fatal(err)
	}
	r.RegisterWorkflowWithOptions(func(workflow.Context, *familypathv1.FamilyLifecycleInput) error { return nil },
		workflow.RegisterOptions{Name: contract.WorkflowFamilyLifecycle})
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join("testdata", "histories", "family-claimed-and-paid.json")); err == nil {
		t.Error("a changed workflow replayed a history it does not match")
	}
}
