package quality

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// MergeRequest merges the family in the path into another: the two are one family.
type MergeRequest struct {
	IntoFamilyID string `json:"into_family_id" validate:"required,uuid"`
	ReasonCode   string `json:"reason_code"    validate:"required,code"`
}

// MergeBody is a merge as recorded.
type MergeBody struct {
	FamilyID     string    `json:"family_id"`
	IntoFamilyID string    `json:"into_family_id"`
	ReasonCode   string    `json:"reason_code"`
	MergedBy     string    `json:"merged_by"`
	MergedAt     time.Time `json:"merged_at"`
}

var (
	errMergedElsewhere = errors.New("merged into another family before")
	errIntoMerged      = errors.New("the family to merge into was itself merged")
	errRefused         = errors.New("the family's workflow refused to close")
)

// merge records that a family is another (a duplicate across import, referral and
// identification, decided by the data team with a reason; audited), closes the merged family's
// workflow (MERGED) and tells the surviving family's workflow, which judges again. The merged
// family's case, if it has one, is closed. A repeat answers the merge recorded.
func (a *API) merge(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	var req MergeRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	into := uuid.MustParse(req.IntoFamilyID)
	if into == id {
		httpapi.Invalid(c, httpapi.FieldError{Field: "into_family_id", Message: "is the family itself"})
		return
	}
	intoWorkflow, _ := contract.FamilyWorkflowID(into.String())
	if _, err := a.Temporal.DescribeWorkflowExecution(c, intoWorkflow, ""); err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			httpapi.Invalid(
				c,
				httpapi.FieldError{Field: "into_family_id", Message: "is not a family the programme holds"},
			)
			return
		}
		httpapi.Fail(c, a.Log, "describe the surviving family", err)
		return
	}
	if !a.Guard.Record(c, "family.merge", "family", id.String(), "merged into "+into.String()+" ("+req.ReasonCode+")") {
		return
	}
	by := httpapi.Principal(c).Subject
	// The merged family's workflow closes before the merge is kept: one with a claim in
	// progress refuses, and nothing is merged.
	body, err := a.store().Merge(c, id, into, req.ReasonCode, by, func() error { return a.closeMerged(c, id) })
	switch {
	case errors.Is(err, errMergedElsewhere), errors.Is(err, errIntoMerged):
		httpapi.Abort(
			c,
			httpapi.Problem{Type: httpapi.TypeConflict, Status: http.StatusConflict, Title: "Already merged",
				Detail: "The family was merged into another before, or the family to merge into was itself merged: merge into the family that carries on."},
		)
		return
	case errors.Is(err, errRefused):
		httpapi.Abort(
			c,
			httpapi.Problem{Type: httpapi.TypeConflict, Status: http.StatusConflict, Title: "A claim is in progress",
				Detail: "The family's claim awaits its window's outcome: merge it after the outcome. Nothing was merged."},
		)
		return
	case err != nil:
		httpapi.Fail(c, a.Log, "merge families", err)
		return
	}
	// The surviving family judges again, now holding what both knew.
	if err := a.Temporal.SignalWorkflow(c, intoWorkflow, "", contract.SignalEvidenceReceived,
		&familypathv1.EvidenceReceived{Source: "case", RecordedAt: timestamppb.Now(), CaseEvidenceId: "merge:" + id.String()}); err != nil {
		var nf *serviceerror.NotFound
		if !errors.As(err, &nf) { // ended since: nothing to tell
			a.Log.ErrorContext(c, "tell the surviving family", "family_id", into.String(), "error", err.Error())
			httpapi.Unavailable(
				c,
				"The merge was recorded but the surviving family's workflow could not be told; send the merge again.",
			)
			return
		}
	}
	c.JSON(http.StatusOK, body)
}

// closeMerged closes the merged family's workflow (MERGED). One that has ended, or never
// started, has nothing to close; one whose claim awaits its outcome refuses.
func (a *API) closeMerged(ctx context.Context, id uuid.UUID) error {
	wf, _ := contract.FamilyWorkflowID(id.String())
	h, err := a.Temporal.UpdateWorkflow(
		ctx,
		client.UpdateWorkflowOptions{WorkflowID: wf, UpdateName: contract.UpdateClose,
			WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{&familypathv1.CloseRequest{
				Exit: familypathv1.FamilyPhase_FAMILY_PHASE_MERGED, ReasonCode: "MERGED"}}},
	)
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var nf *serviceerror.NotFound
	var app *temporal.ApplicationError
	switch {
	case err == nil, errors.As(err, &nf), errors.As(err, &app) && app.Type() == "FamilyEnded":
		return nil
	case errors.As(err, &app) && app.Type() == "ClaimInProgress":
		return errRefused
	}
	return err
}

// Merge is a family merged into another (the data team found them one).
type Merge struct {
	FamilyID     string `json:"family_id"`
	IntoFamilyID string `json:"into_family_id"`
}
