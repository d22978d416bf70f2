package imports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
)

// Activities are the case service's steps of the ImportProgramme workflow.
type Activities struct {
	DB       *gorm.DB
	Plans    *outcomes.Plans
	Temporal client.Client
}

// store is the package's SQL (store.go), over the activities' database.
func (a Activities) store() Store { return Store{DB: a.DB, Plans: a.Plans} }

func invalid(msg string) error {
	return temporal.NewNonRetryableApplicationError(msg, "InvalidArgument", nil)
}

// pendingRow is an import row not yet applied at its content.
type pendingRow struct {
	FamilyID         uuid.UUID
	PlanID           string
	PlanVersion      string
	Team             string
	AttachedOn       time.Time
	FeeReceived      bool
	BaselineProblems db.TextArray `gorm:"type:text[]"`
	ClaimWindow      string       // "" without a claim
	ClaimRoute       string
	ClaimStatus      string
	RowHash          string
}

// ImportPage answers the import's next families (after a family id) whose rows are not yet
// applied at their content: codes and dates only, for attachment, claims and the workflow.
func (a Activities) ImportPage(
	ctx context.Context,
	r *familypathv1.ImportPageRequest,
) (*familypathv1.ImportPageResponse, error) {
	id, err := uuid.Parse(r.GetImportId())
	if err != nil || r.GetLimit() < 1 {
		return nil, invalid("an import page needs the import's id and a limit")
	}
	rows, err := a.store().Pending(ctx, id, r.GetAfterFamilyId(), int(r.GetLimit()))
	if err != nil {
		return nil, fmt.Errorf("read the import's pending families: %w", err)
	}
	out := &familypathv1.ImportPageResponse{Done: len(rows) < int(r.GetLimit())}
	for _, row := range rows {
		f, err := a.imported(row)
		if err != nil {
			return nil, err
		}
		out.Families = append(out.Families, f)
	}
	return out, nil
}

// imported is a row as the workflow carries it, with the plan's dates it needs.
func (a Activities) imported(row pendingRow) (*familypathv1.ImportedFamily, error) {
	p, ok := a.Plans.ByKey(row.PlanVersion)
	if !ok {
		return nil, invalid("plan version " + row.PlanVersion + " is not published here")
	}
	// A date is a day in London: the attachment counts from its midnight there.
	day := time.Date(row.AttachedOn.Year(), row.AttachedOn.Month(), row.AttachedOn.Day(), 0, 0, 0, 0, outcomes.London)
	f := &familypathv1.ImportedFamily{
		FamilyId:    row.FamilyID.String(),
		PlanId:      row.PlanID,
		PlanVersion: row.PlanVersion,
		Team:        row.Team,
		AttachedAt: timestamppb.New(
			day,
		),
		BaselineProblems: row.BaselineProblems,
		FeeReceived:      row.FeeReceived,
		RowHash:          row.RowHash,
	}
	if n := len(p.ClaimWindows); n > 0 {
		f.ProgrammeEndsAt = timestamppb.New(p.ClaimWindows[n-1].Closes.Time)
	}
	if row.ClaimWindow != "" {
		c := &familypathv1.ImportedClaim{
			WindowId: row.ClaimWindow,
			Status:   row.ClaimStatus,
			Route:    familypathv1.ResultRoute_RESULT_ROUTE_SSP,
		}
		if row.ClaimRoute == "CE" {
			c.Route = familypathv1.ResultRoute_RESULT_ROUTE_CE
		}
		for _, w := range p.ClaimWindows {
			if w.ID == c.WindowId {
				c.WindowOpens, c.WindowCloses = timestamppb.New(w.Opens.Time), timestamppb.New(w.Closes.Time)
			}
		}
		if c.WindowOpens == nil {
			return nil, invalid("claim window " + c.WindowId + " is not one of " + row.PlanVersion + "'s")
		}
		f.Claim = c
	}
	return f, nil
}

// StartImportedFamilies starts each family's FamilyLifecycle in its phase, from the state the
// import gives it, and marks its row applied. A family whose workflow already runs (a
// corrected file) is told of a changed attachment by the workflow's own correct update; one
// whose workflow has ended is left alone. A retry starts nothing twice.
func (a Activities) StartImportedFamilies(
	ctx context.Context,
	r *familypathv1.StartImportedFamiliesRequest,
) (*familypathv1.StartImportedFamiliesResponse, error) {
	fams := r.GetFamilies()
	if len(r.GetAttachmentIds()) != len(fams) || len(r.GetClaimIds()) != len(fams) {
		return nil, invalid("each family needs its attachment id and claim id (\"\" for none)")
	}
	// Families are started side by side: each start is a round trip to Temporal, and one at a
	// time a page is bound by their latency.
	var counts [ended + 1]atomic.Int32
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i, f := range fams {
		g.Go(func() error {
			state := startState(f, r.GetAttachmentIds()[i], r.GetClaimIds()[i], a.identifiedAt(f))
			outcome, err := a.start(gctx, r.GetImportId(), f, state)
			if err != nil {
				return err
			}
			counts[outcome].Add(1)
			return a.store().MarkApplied(gctx, f.GetFamilyId(), f.GetRowHash())
		})
	}
	if err := g.Wait(); err != nil {
		return nil, temporalx.Step("start the imported families", err)
	}
	return &familypathv1.StartImportedFamiliesResponse{
		Started:   counts[started].Load(),
		Corrected: counts[corrected].Load(),
		Ended:     counts[ended].Load(),
	}, nil
}

// parallel is how many families of a page are started at once.
const parallel = 16

// identifiedAt: an imported family's identification predates the system; the programme's
// start stands for it (a correction may move the attachment anywhere inside the programme).
func (a Activities) identifiedAt(f *familypathv1.ImportedFamily) *timestamppb.Timestamp {
	if p, ok := a.Plans.ByKey(f.GetPlanVersion()); ok {
		return timestamppb.New(p.EffectiveFrom.Time)
	}
	return f.GetAttachedAt()
}

// startState is the family's state as the import knows it: tracking (judged at once), a claim
// submitted and awaiting payment, or paid (the family has left the programme).
func startState(
	f *familypathv1.ImportedFamily,
	attachmentID, claimID string,
	identified *timestamppb.Timestamp,
) *familypathv1.FamilyState {
	s := &familypathv1.FamilyState{
		FamilyId:         f.GetFamilyId(),
		Phase:            familypathv1.FamilyPhase_FAMILY_PHASE_TRACKING,
		PlanId:           f.GetPlanId(),
		ProblemCodes:     f.GetBaselineProblems(),
		IdentifiedAt:     identified,
		PlanVersion:      f.GetPlanVersion(),
		AttachedAt:       f.GetAttachedAt(),
		BaselineProblems: f.GetBaselineProblems(),
		ProgrammeEndsAt:  f.GetProgrammeEndsAt(),
		AttachmentId:     attachmentID,
		FeeRecorded:      true,
		EvidencePending:  true,
		Team:             f.GetTeam(),
	} // claims entered the fee, received or booked
	if c := f.GetClaim(); c != nil && claimID != "" {
		s.ClaimId, s.ClaimRoute, s.ClaimAttempts = claimID, c.GetRoute(), 1
		s.Phase, s.EvidencePending = familypathv1.FamilyPhase_FAMILY_PHASE_SUBMITTED, false
		if c.GetStatus() == "PAID" {
			s.Phase, s.ExitReason, s.ExitedAt = familypathv1.FamilyPhase_FAMILY_PHASE_PAID, "RESULT_PAID_BEFORE_IMPORT", c.GetWindowCloses()
		}
	}
	return s
}

type startOutcome int

const (
	started startOutcome = iota
	corrected
	unchanged
	ended
)

// start starts the family's workflow; when it exists, a changed attachment goes to it as a
// correction (its validator refuses one while a claim is in progress: the register then keeps
// what the workflow holds, and the import's row says what the file wanted).
func (a Activities) start(
	ctx context.Context,
	importID string,
	f *familypathv1.ImportedFamily,
	state *familypathv1.FamilyState,
) (startOutcome, error) {
	wf, err := contract.FamilyWorkflowID(f.GetFamilyId())
	if err != nil {
		return 0, invalid(err.Error())
	}
	_, err = a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: wf, TaskQueue: contract.QueueFamilyLifecycle,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:            "Family lifecycle under plan " + f.GetPlanVersion() + " (imported)",
	}, contract.WorkflowFamilyLifecycle, &familypathv1.FamilyLifecycleInput{FamilyId: f.GetFamilyId(), PlanId: f.GetPlanId(),
		IdentifiedAt: state.GetIdentifiedAt(), Continued: state, ImportId: importID})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &already) {
		return started, err
	}
	q, err := a.Temporal.QueryWorkflow(ctx, wf, "", contract.QueryFamilyState)
	if err != nil {
		return 0, err
	}
	var now familypathv1.FamilyState
	if err := q.Get(&now); err != nil {
		return 0, err
	}
	switch p := now.GetPhase(); {
	case p == familypathv1.FamilyPhase_FAMILY_PHASE_PAID || p == familypathv1.FamilyPhase_FAMILY_PHASE_PROGRAMME_ENDED || now.GetExitedAt() != nil:
		return ended, nil
	case sameAttachment(&now, f):
		return unchanged, nil
	}
	h, err := a.Temporal.UpdateWorkflow(
		ctx,
		client.UpdateWorkflowOptions{WorkflowID: wf, UpdateName: contract.UpdateCorrect,
			WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{&familypathv1.CorrectRequest{RequestId: "import-" + importID,
				BaselineProblems: f.GetBaselineProblems(), AttachedAt: f.GetAttachedAt(), ReasonCode: "IMPORT_CORRECTED"}}},
	)
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var refused *temporal.ApplicationError
	if errors.As(err, &refused) && refused.Type() != "InvalidArgument" {
		return unchanged, nil // a claim is in progress or the family left: the workflow keeps its attachment
	}
	if err != nil {
		return 0, err
	}
	return corrected, nil
}

func sameAttachment(s *familypathv1.FamilyState, f *familypathv1.ImportedFamily) bool {
	return s.GetAttachedAt().AsTime().Equal(f.GetAttachedAt().AsTime()) &&
		slices.Equal(s.GetBaselineProblems(), f.GetBaselineProblems())
}

// FinishImport marks the import applied.
func (a Activities) FinishImport(
	ctx context.Context,
	r *familypathv1.FinishImportRequest,
) (*familypathv1.FinishImportResponse, error) {
	if err := a.store().Finish(ctx, r.GetImportId()); err != nil {
		return nil, temporalx.Step("mark the import applied", err)
	}
	return &familypathv1.FinishImportResponse{}, nil
}
