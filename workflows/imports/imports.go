// Package imports holds the ImportProgramme workflow: one per import of a programme already
// running (docs/import-contract.md). The case service has committed the file whole (cases,
// members, the import's family rows) before starting it; the workflow then takes the
// families a page at a time: attachment registers each with its historical date, claims
// keeps the fee received and any claim already made or paid in the ledger, and the case
// service starts each family's FamilyLifecycle in its phase. Every step is idempotent (keyed
// by family and import), so a retried page or a second import of the same file does nothing
// twice; a corrected file is applied only for the families whose rows changed.
//
// Determinism: as in workflows/family; changes to deployed logic go behind
// workflow.GetVersion with ids in versions.go.
package imports

import (
	"strconv"
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers the workflow on the family-lifecycle worker.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Import, workflow.RegisterOptions{Name: contract.WorkflowImport})
}

// PageSize is how many families a page carries through the three services: small enough to
// keep each activity's payload to tens of kilobytes, large enough that 10,000 families take
// 100 pages.
const PageSize = 100

// pagesPerRun bounds one run's history (four activities a page): the workflow continues as
// new with its cursor after this many pages.
const pagesPerRun = 25

func on(ctx workflow.Context, queue string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue: queue, StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: []string{"InvalidArgument", "NotFound"},
		},
	})
}

// Import is the ImportProgramme workflow.
func Import(ctx workflow.Context, in *familypathv1.ImportInput) error {
	after, done := in.GetAfterFamilyId(), in.GetFamiliesDone()
	for pages := 0; ; pages++ {
		if pages == pagesPerRun {
			return workflow.NewContinueAsNewError(ctx, contract.WorkflowImport,
				&familypathv1.ImportInput{ImportId: in.GetImportId(), AfterFamilyId: after, FamiliesDone: done})
		}
		workflow.SetCurrentDetails(ctx, "importing: families done "+strconv.Itoa(int(done)))
		var page familypathv1.ImportPageResponse
		if err := workflow.ExecuteActivity(on(ctx, contract.QueueCase), contract.ActivityCaseImportPage,
			&familypathv1.ImportPageRequest{ImportId: in.GetImportId(), AfterFamilyId: after, Limit: PageSize}).Get(ctx, &page); err != nil {
			return err
		}
		if fams := page.GetFamilies(); len(fams) > 0 {
			if err := apply(ctx, in.GetImportId(), fams); err != nil {
				return err
			}
			after = fams[len(fams)-1].GetFamilyId()
			done += int32(len(fams)) // #nosec G115 -- a page holds at most PageSize families
		}
		if page.GetDone() {
			break
		}
	}
	return workflow.ExecuteActivity(on(ctx, contract.QueueCase), contract.ActivityCaseFinishImport,
		&familypathv1.FinishImportRequest{ImportId: in.GetImportId(), Families: done}).Get(ctx, nil)
}

// apply takes one page of families through attachment, claims and the case service, in that
// order: a family's workflow starts only once its register row and ledger entries exist.
func apply(ctx workflow.Context, importID string, fams []*familypathv1.ImportedFamily) error {
	var att familypathv1.ImportAttachmentsResponse
	if err := workflow.ExecuteActivity(on(ctx, contract.QueueAttachment), contract.ActivityAttachmentImportAttachments,
		&familypathv1.ImportAttachmentsRequest{ImportId: importID, Families: fams}).Get(ctx, &att); err != nil {
		return err
	}
	var led familypathv1.ImportLedgerResponse
	if err := workflow.ExecuteActivity(on(ctx, contract.QueueClaims), contract.ActivityClaimsImportLedger,
		&familypathv1.ImportLedgerRequest{ImportId: importID, Families: fams, AttachmentIds: att.GetAttachmentIds()}).Get(ctx, &led); err != nil {
		return err
	}
	return workflow.ExecuteActivity(
		on(ctx, contract.QueueCase),
		contract.ActivityCaseStartImportedFamilies,
		&familypathv1.StartImportedFamiliesRequest{
			ImportId:      importID,
			Families:      fams,
			AttachmentIds: att.GetAttachmentIds(),
			ClaimIds:      led.GetClaimIds(),
		},
	).Get(ctx, nil)
}
