package record

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ReferralRequest refers a family: its plan, the team to take it, why, who is in it, and the
// evidence of its problems.
type ReferralRequest struct {
	PlanID     string        `json:"plan_id"     validate:"required,planid"`
	Team       string        `json:"team"        validate:"required,team"`
	ReasonCode string        `json:"reason_code" validate:"required,code"`
	Members    []Member      `json:"members"     validate:"required,min=1,max=30,unique=PersonID,dive"`
	Facts      []FactRequest `json:"facts"       validate:"required,min=1,max=500,dive"`
}

// ReferralBody answers a referral.
type ReferralBody struct {
	ReferralID   string   `json:"referral_id"`
	FamilyID     string   `json:"family_id"`
	WorkflowID   string   `json:"workflow_id"`
	ProblemCodes []string `json:"problem_codes"`
}

// referralNamespace derives a referral's family id from its Idempotency-Key, so that a retry
// finds the family it opened.
var referralNamespace = uuid.MustParse("c1f4e8a2-6d3b-4a9e-8b7c-2e5f0a1d3c49")

// refer opens a referred family's case (team, members, the referrer's evidence as case
// evidence) once its evidence makes it eligible under the plan's latest version, and starts
// its FamilyLifecycle with the referral. A retry with the same key answers the same family.
func (a *API) refer(c *gin.Context) {
	var req ReferralRequest
	if !httpapi.BindJSON(c, &req) {
		return
	}
	errs := memberErrors(req.Members)
	members := map[string]bool{}
	for _, m := range req.Members {
		members[m.PersonID] = true
	}
	for i, f := range req.Facts {
		errs = append(errs, f.check(fmt.Sprintf("facts[%d].", i))...)
		if !members[f.Member] {
			errs = append(
				errs,
				httpapi.FieldError{
					Field:   fmt.Sprintf("facts[%d].member", i),
					Message: "must be one of the referral's members",
				},
			)
		}
	}
	if len(errs) > 0 {
		httpapi.Invalid(c, errs...)
		return
	}
	plan, ok := a.Plans.Latest(req.PlanID)
	if !ok {
		httpapi.Invalid(c, httpapi.FieldError{Field: "plan_id", Message: "is not a published plan"})
		return
	}
	family := uuid.NewSHA1(referralNamespace, []byte(c.GetHeader(httpapi.HeaderIdempotencyKey)))
	now := time.Now()
	by := httpapi.Principal(c).Subject
	evidence := make([]EvidenceBody, len(req.Facts))
	facts := make([]outcomes.Fact, len(req.Facts))
	for i, f := range req.Facts {
		evidence[i] = f.body(by, now.UTC())
		facts[i] = evidence[i].fact()
	}
	today := outcomes.Date(now.In(outcomes.London).Date())
	elig := outcomes.Evaluate(
		plan,
		&outcomes.Family{ID: family.String(), Members: engineMembers(req.Members), Facts: facts},
		today,
	).Eligibility
	if !elig.Eligible {
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypeNotEligible,
				Status: http.StatusUnprocessableEntity,
				Title:  "Not eligible",
				Detail: fmt.Sprintf(
					"Under %s the referral's evidence shows %d of the %d problems needed; dependent child or pregnancy: %v.",
					plan.Key(),
					len(elig.Problems),
					elig.MinProblems,
					elig.Dependants,
				),
			},
		)
		return
	}
	codes := elig.Codes()
	body, _ := json.Marshal(req)
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	referral := uuid.NewSHA1(family, []byte("referral"))
	err := a.store().Refer(c, newReferral{
		ID:          referral,
		Family:      family,
		PlanID:      plan.ID,
		Team:        req.Team,
		Codes:       codes,
		ReasonCode:  req.ReasonCode,
		RequestHash: hash,
		Members:     req.Members,
		Evidence:    evidence,
		By:          by,
	})
	if err == errKeyReused {
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypeIdempotency,
				Status: http.StatusUnprocessableEntity,
				Title:  "Idempotency-Key reused",
				Detail: "This key was used for a different referral; use a new key for a new referral.",
			},
		)
		return
	}
	if err != nil {
		httpapi.Fail(c, a.Log, "record referral", err)
		return
	}
	if !a.Guard.Record(c, string(policy.FamilyRefer), "family", family.String(), "referred ("+req.ReasonCode+")") {
		return
	}
	wf, _ := contract.FamilyWorkflowID(family.String())
	_, err = a.Temporal.ExecuteWorkflow(c, client.StartWorkflowOptions{
		ID: wf, TaskQueue: contract.QueueFamilyLifecycle,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporalx.SAFamilyPhase.ValueSet(familypathv1.FamilyPhase_FAMILY_PHASE_IDENTIFIED.String()),
			temporalx.SAPlanVersion.ValueSet(plan.ID)),
		StaticSummary: "Family lifecycle under plan " + plan.ID + " (referred)",
	}, contract.WorkflowFamilyLifecycle, &familypathv1.FamilyLifecycleInput{FamilyId: family.String(), PlanId: plan.ID,
		IdentifiedAt: timestamppb.New(
			now.UTC(),
		), Referral: &familypathv1.Referral{ReferralId: referral.String(), ProblemCodes: codes}})
	if err != nil {
		a.Log.ErrorContext(c, "start family workflow", "family_id", family.String(), "error", err.Error())
		httpapi.Unavailable(
			c,
			"The referral was recorded but the family's workflow could not be started; retry with the same Idempotency-Key.",
		)
		return
	}
	c.Header("Location", "/v1/families/"+family.String()+"/allocation")
	c.JSON(
		http.StatusCreated,
		ReferralBody{ReferralID: referral.String(), FamilyID: family.String(), WorkflowID: wf, ProblemCodes: codes},
	)
}

var errKeyReused = fmt.Errorf("idempotency key reused")

func moment(t *time.Time) *outcomes.Moment {
	if t == nil {
		return nil
	}
	return &outcomes.Moment{Time: *t}
}
