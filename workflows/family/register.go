package family

import (
	"github.com/familypath/familypath/proto/contract"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers the family workflows on a worker of the family-lifecycle task queue.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Lifecycle, workflow.RegisterOptions{Name: contract.WorkflowFamilyLifecycle})
}
