package imports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// fakeImport stands in for the three services: n families pending, applied as the case
// service would mark them.
type fakeImport struct {
	ids     []string
	applied map[string]bool
	steps   []string // per page: the services it went through, in order
	failAt  string   // the first call of this activity fails (a service down)
	failed  bool
	started int
}

func newFake(n int) *fakeImport {
	f := &fakeImport{applied: map[string]bool{}}
	for i := range n {
		f.ids = append(f.ids, fmt.Sprintf("f-%05d", i))
	}
	return f
}

func (f *fakeImport) fail(name string) error {
	if f.failAt == name && !f.failed {
		f.failed = true
		return errors.New(name + " unavailable")
	}
	return nil
}

func (f *fakeImport) register(env *testsuite.TestWorkflowEnvironment) {
	env.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.ImportPageRequest) (*familypathv1.ImportPageResponse, error) {
			out := &familypathv1.ImportPageResponse{}
			for _, id := range f.ids {
				if id > r.GetAfterFamilyId() && !f.applied[id] && len(out.Families) < int(r.GetLimit()) {
					out.Families = append(out.Families, &familypathv1.ImportedFamily{FamilyId: id})
				}
			}
			out.Done = len(out.Families) < int(r.GetLimit())
			return out, nil
		},
		activity.RegisterOptions{Name: contract.ActivityCaseImportPage},
	)
	env.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.ImportAttachmentsRequest) (*familypathv1.ImportAttachmentsResponse, error) {
			if err := f.fail("attachment"); err != nil {
				return nil, err
			}
			f.steps = append(f.steps, "attachment")
			out := &familypathv1.ImportAttachmentsResponse{}
			for _, fam := range r.GetFamilies() {
				out.AttachmentIds = append(out.AttachmentIds, "a-"+fam.GetFamilyId())
			}
			return out, nil
		},
		activity.RegisterOptions{Name: contract.ActivityAttachmentImportAttachments},
	)
	env.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.ImportLedgerRequest) (*familypathv1.ImportLedgerResponse, error) {
			if len(r.GetAttachmentIds()) != len(r.GetFamilies()) {
				return nil, temporal.NewNonRetryableApplicationError("attachment ids", "InvalidArgument", nil)
			}
			f.steps = append(f.steps, "claims")
			return &familypathv1.ImportLedgerResponse{ClaimIds: make([]string, len(r.GetFamilies()))}, nil
		},
		activity.RegisterOptions{Name: contract.ActivityClaimsImportLedger},
	)
	env.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.StartImportedFamiliesRequest) (*familypathv1.StartImportedFamiliesResponse, error) {
			if err := f.fail("case"); err != nil {
				return nil, err
			}
			f.steps = append(f.steps, "case")
			for i, fam := range r.GetFamilies() {
				if r.GetAttachmentIds()[i] != "a-"+fam.GetFamilyId() {
					return nil, temporal.NewNonRetryableApplicationError(
						"attachment of another family",
						"InvalidArgument",
						nil,
					)
				}
				if !f.applied[fam.GetFamilyId()] {
					f.applied[fam.GetFamilyId()] = true
					f.started++
				}
			}
			return &familypathv1.StartImportedFamiliesResponse{
				Started: int32(len(r.GetFamilies())),
			}, nil // #nosec G115 -- a page
		},
		activity.RegisterOptions{Name: contract.ActivityCaseStartImportedFamilies},
	)
}

func TestEveryFamilyIsAttachedBookedThenStartedOnce(t *testing.T) {
	f := newFake(250)
	f.failAt = "case" // the case service fails once: the page is retried, nothing twice
	env := (&testsuite.WorkflowTestSuite{}).NewTestWorkflowEnvironment()
	f.register(env)
	var finished *familypathv1.FinishImportRequest
	env.RegisterActivityWithOptions(
		func(_ context.Context, r *familypathv1.FinishImportRequest) (*familypathv1.FinishImportResponse, error) {
			finished = r
			return &familypathv1.FinishImportResponse{}, nil
		},
		activity.RegisterOptions{Name: contract.ActivityCaseFinishImport},
	)
	env.ExecuteWorkflow(Import, &familypathv1.ImportInput{ImportId: "imp-1"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if f.started != 250 || len(f.applied) != 250 {
		t.Fatalf("%d families started, %d applied", f.started, len(f.applied))
	}
	if finished == nil || finished.GetFamilies() != 250 || finished.GetImportId() != "imp-1" {
		t.Fatalf("finished with %v", finished)
	}
	// Three pages, each through attachment, claims, then case.
	want := slices.Repeat([]string{"attachment", "claims", "case"}, 3)
	if !slices.Equal(f.steps, want) {
		t.Fatalf("steps %v", f.steps)
	}
}

// A long import continues as new with its cursor, so that no run's history grows with the file.
func TestALongImportContinuesAsNewWithItsCursor(t *testing.T) {
	f := newFake(PageSize*pagesPerRun + 10)
	env := (&testsuite.WorkflowTestSuite{}).NewTestWorkflowEnvironment()
	f.register(env)
	env.RegisterActivityWithOptions(
		func(context.Context, *familypathv1.FinishImportRequest) (*familypathv1.FinishImportResponse, error) {
			t.Error("the first run does not finish the import")
			return nil, nil
		},
		activity.RegisterOptions{Name: contract.ActivityCaseFinishImport},
	)
	env.ExecuteWorkflow(Import, &familypathv1.ImportInput{ImportId: "imp-2"})
	var cont *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &cont) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next familypathv1.ImportInput
	if err := converter.GetDefaultDataConverter().FromPayloads(cont.Input, &next); err != nil {
		t.Fatal(err)
	}
	last := f.ids[PageSize*pagesPerRun-1]
	if next.GetAfterFamilyId() != last || next.GetFamiliesDone() != int32(PageSize*pagesPerRun) ||
		next.GetImportId() != "imp-2" {
		t.Fatalf("continued with %v", &next)
	}
}
