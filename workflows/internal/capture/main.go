// Command capture records workflow histories for the replay tests (`make histories`): it
// runs the workflows against a Temporal server (scripts/stack.sh deps starts a throwaway
// one), with synthetic activities on every service's task queue (ids, codes and dates made
// up for the purpose; no service runs), and writes each finished history as JSON into
// workflows/family/testdata/histories. Payloads are encrypted with the committed test-only
// key (family/testdata/payload-keys.test), as every payload in production is with a real one.
//
//	go run ./workflows/internal/capture -out workflows/family/testdata/histories
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/temporalx"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/workflows/claimwindow"
	"github.com/familypath/familypath/workflows/family"
	"github.com/familypath/familypath/workflows/identification"
	"github.com/familypath/familypath/workflows/imports"
	"github.com/familypath/familypath/workflows/retention"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "capture:", err)
		os.Exit(1)
	}
}

func run() error {
	out := flag.String("out", "workflows/family/testdata/histories", "where to write the histories")
	keyFile := flag.String("keys", "workflows/family/testdata/payload-keys.test", "the test-only payload key ring")
	only := flag.String("only", "", "capture only these scenarios (comma-separated names); default all")
	flag.Parse()
	text, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	keys, err := keyring.Parse(string(text))
	if err != nil {
		return err
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := temporalx.Dial(
		ctx,
		temporalx.Config{Address: os.Getenv("TEMPORAL_ADDRESS"), Namespace: "default", PayloadKeys: keys},
		nil,
		log,
		nil,
	)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := temporalx.RegisterSearchAttributes(ctx, c, "default"); err != nil {
		return err
	}
	stop, err := startWorkers(c)
	if err != nil {
		return err
	}
	defer stop()
	for name, scenario := range map[string]func(context.Context, client.Client) (string, error){
		"family-claimed-and-paid": claimedAndPaid,
		"family-withdrawn":        withdrawn,
		"family-referred":         referred,
		"claim-window":            window,
		"identification-run":      identificationRun,
		"family-imported":         imported,
		"import":                  importRun,
		"family-retention":        familyRetention,
	} {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), name) {
			continue
		}
		id, err := scenario(ctx, c)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := save(ctx, c, id, filepath.Join(*out, name+".json")); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Println("captured", name)
	}
	return nil
}

// A synthetic family id per scenario; the family ids are made up.
const (
	paidFamily      = "00000000-0000-4000-8000-000000000001"
	withdrawnFamily = "00000000-0000-4000-8000-000000000002"
	referredFamily  = "00000000-0000-4000-8000-000000000003"
	importedFamily  = "00000000-0000-4000-8000-000000000023"
	retainedFamily  = "00000000-0000-4000-8000-000000000004"
)

// startWorkers runs the workflows and synthetic activities on their task queues. Deadlines
// are seconds ahead, so years of programme time take seconds here.
func startWorkers(c client.Client) (func(), error) {
	wf := worker.New(c, contract.QueueFamilyLifecycle, worker.Options{})
	family.Register(wf)
	claimwindow.Register(wf)
	identification.Register(wf)
	imports.Register(wf)
	retention.Register(wf, time.Second) // records erased a second after the journey ends
	erase := func(context.Context, *familypathv1.EraseFamilyRequest) (*familypathv1.EraseFamilyResponse, error) {
		return &familypathv1.EraseFamilyResponse{Rows: 3}, nil
	}
	queues := map[string]map[string]any{
		contract.QueueIdentification: {
			contract.ActivityIdentificationEraseFamily: erase,
			contract.ActivityIdentificationDescribeCandidate: func(_ context.Context, r *familypathv1.DescribeCandidateRequest) (*familypathv1.DescribeCandidateResponse, error) {
				return &familypathv1.DescribeCandidateResponse{
					FamilyId:     r.GetFamilyId(),
					PlanId:       "lancashire-phase2",
					ProblemCodes: []string{"CHILDREN_NEED_HELP", "EDUCATION"},
				}, nil
			},
			contract.ActivityIdentificationLinkRun: func(context.Context, *familypathv1.LinkRunRequest) (*familypathv1.LinkRunResponse, error) {
				return &familypathv1.LinkRunResponse{
					Counts: &familypathv1.RunCounts{Records: 1500, People: 980, Households: 300, Families: 240,
						Eligible: 3, EligibleNotOpenToService: 1, ReviewPairs: 12, Changed: 3},
				}, nil
			},
			contract.ActivityIdentificationStartFamilies: func(_ context.Context, r *familypathv1.StartFamiliesRequest) (*familypathv1.StartFamiliesResponse, error) {
				if r.GetAfterFamilyId() == "" { // two pages: two families, then one
					return &familypathv1.StartFamiliesResponse{
						Started:      1,
						Signalled:    1,
						LastFamilyId: "00000000-0000-4000-8000-000000000011",
					}, nil
				}
				return &familypathv1.StartFamiliesResponse{
					Unchanged:    1,
					LastFamilyId: "00000000-0000-4000-8000-000000000012",
					Done:         true,
				}, nil
			},
			contract.ActivityIdentificationFinishRun: func(context.Context, *familypathv1.FinishRunRequest) (*familypathv1.FinishRunResponse, error) {
				return &familypathv1.FinishRunResponse{}, nil
			},
		},
		contract.QueueCase: {
			contract.ActivityCaseEraseFamily: erase,
			contract.ActivityCaseGatherAttachment: func(context.Context, *familypathv1.GatherAttachmentRequest) (*familypathv1.AttachmentFacts, error) {
				return &familypathv1.AttachmentFacts{
					WholeFamilyAssessment: true,
					FamilyPlan:            true,
					LeadProfessional:      true,
					LeadAgency:            "COUNCIL_FAMILY_SERVICE",
					Team:                  "team-a",
				}, nil
			},
			// An import of three families, in two pages (the workflow asks for PageSize a page).
			contract.ActivityCaseImportPage: func(_ context.Context, r *familypathv1.ImportPageRequest) (*familypathv1.ImportPageResponse, error) {
				fam := func(n int, claim *familypathv1.ImportedClaim) *familypathv1.ImportedFamily {
					return &familypathv1.ImportedFamily{
						FamilyId:    fmt.Sprintf("00000000-0000-4000-8000-00000000002%d", n),
						PlanId:      "lancashire-phase2",
						PlanVersion: "lancashire-phase2@1",
						Team:        "team-a",
						AttachedAt:  timestamppb.New(time.Date(2016, 5, 10, 0, 0, 0, 0, time.UTC)),
						BaselineProblems: []string{
							"CRIME",
							"HEALTH",
						},
						FeeReceived: n != 2,
						Claim:       claim,
						RowHash:     fmt.Sprintf("hash-%d", n),
					}
				}
				switch r.GetAfterFamilyId() {
				case "":
					return &familypathv1.ImportPageResponse{
						Families: []*familypathv1.ImportedFamily{fam(1, nil), fam(2, &familypathv1.ImportedClaim{
							WindowId: "2017-04", Route: familypathv1.ResultRoute_RESULT_ROUTE_SSP, Status: "PAID"})},
					}, nil
				case "00000000-0000-4000-8000-000000000022":
					return &familypathv1.ImportPageResponse{
						Families: []*familypathv1.ImportedFamily{fam(3, nil)},
						Done:     true,
					}, nil
				}
				return &familypathv1.ImportPageResponse{Done: true}, nil
			},
			contract.ActivityCaseStartImportedFamilies: func(_ context.Context, r *familypathv1.StartImportedFamiliesRequest) (*familypathv1.StartImportedFamiliesResponse, error) {
				return &familypathv1.StartImportedFamiliesResponse{
					Started: int32(len(r.GetFamilies())),
				}, nil // #nosec G115 -- a page
			},
			contract.ActivityCaseFinishImport: func(context.Context, *familypathv1.FinishImportRequest) (*familypathv1.FinishImportResponse, error) {
				return &familypathv1.FinishImportResponse{}, nil
			},
		},
		contract.QueueTracking: {
			contract.ActivityTrackingEraseFamily: erase,
			contract.ActivityTrackingJudgeReadiness: func(context.Context, *familypathv1.JudgeReadinessRequest) (*familypathv1.Readiness, error) {
				return &familypathv1.Readiness{
					Ready:            true,
					BaselineProblems: []string{"CHILDREN_NEED_HELP", "EDUCATION"},
					PlanVersion:      "lancashire-phase2@1",
				}, nil
			},
			contract.ActivityTrackingJudgeFamily: judge,
		},
		contract.QueueAttachment: {
			contract.ActivityAttachmentEraseFamily: erase,
			contract.ActivityAttachmentRecordAttachment: func(_ context.Context, r *familypathv1.RecordAttachmentRequest) (*familypathv1.RecordAttachmentResponse, error) {
				return &familypathv1.RecordAttachmentResponse{
					AttachmentId: "att-" + r.GetFamilyId()[len(r.GetFamilyId())-4:],
				}, nil
			},
			contract.ActivityAttachmentCorrectAttachment: func(context.Context, *familypathv1.CorrectAttachmentRequest) (*familypathv1.CorrectAttachmentResponse, error) {
				return &familypathv1.CorrectAttachmentResponse{}, nil
			},
			contract.ActivityAttachmentImportAttachments: func(_ context.Context, r *familypathv1.ImportAttachmentsRequest) (*familypathv1.ImportAttachmentsResponse, error) {
				out := &familypathv1.ImportAttachmentsResponse{}
				for _, f := range r.GetFamilies() {
					out.AttachmentIds = append(out.AttachmentIds, "att-"+f.GetFamilyId()[len(f.GetFamilyId())-4:])
				}
				return out, nil
			},
		},
		contract.QueueClaims: {
			contract.ActivityClaimsEraseFamily: erase,
			contract.ActivityClaimsRecordAttachmentFee: func(context.Context, *familypathv1.RecordAttachmentFeeRequest) (*familypathv1.RecordAttachmentFeeResponse, error) {
				return &familypathv1.RecordAttachmentFeeResponse{LedgerEntryId: "fee-1"}, nil
			},
			contract.ActivityClaimsImportLedger: func(_ context.Context, r *familypathv1.ImportLedgerRequest) (*familypathv1.ImportLedgerResponse, error) {
				out := &familypathv1.ImportLedgerResponse{}
				for _, f := range r.GetFamilies() {
					id := ""
					if f.GetClaim() != nil {
						id, out.Claims = "claim-"+f.GetFamilyId()[len(f.GetFamilyId())-4:]+"-1", out.Claims+1
					}
					out.ClaimIds = append(out.ClaimIds, id)
				}
				return out, nil
			},
			contract.ActivityClaimsCreateClaim: func(_ context.Context, r *familypathv1.CreateClaimRequest) (*familypathv1.CreateClaimResponse, error) {
				return &familypathv1.CreateClaimResponse{
					ClaimId:  fmt.Sprintf("claim-%s-%d", r.GetFamilyId()[len(r.GetFamilyId())-4:], r.GetAttempt()),
					WindowId: "w-1",
				}, nil
			},
			contract.ActivityClaimsTakeWindowClaims: func(context.Context, *familypathv1.TakeWindowClaimsRequest) (*familypathv1.WindowClaims, error) {
				return &familypathv1.WindowClaims{Claims: []*familypathv1.WindowClaim{
					{
						ClaimId:  "claim-a",
						FamilyId: "00000000-0000-4000-8000-00000000000a",
						Route:    familypathv1.ResultRoute_RESULT_ROUTE_SSP,
					},
					{
						ClaimId:   "claim-b",
						FamilyId:  "00000000-0000-4000-8000-00000000000b",
						Route:     familypathv1.ResultRoute_RESULT_ROUTE_CE,
						RiskFlags: []string{"CE_NEAR_UC_MIGRATION"},
					},
					{
						ClaimId:  "claim-c",
						FamilyId: "00000000-0000-4000-8000-00000000000c",
						Route:    familypathv1.ResultRoute_RESULT_ROUTE_SSP,
					},
				}}, nil
			},
			contract.ActivityClaimsRecordAuditSample: func(context.Context, *familypathv1.AuditSample) (*familypathv1.RecordAuditSampleResponse, error) {
				return &familypathv1.RecordAuditSampleResponse{}, nil
			},
			contract.ActivityClaimsRemindAuditors: func(context.Context, *familypathv1.AuditReminder) (*familypathv1.AuditReminderResponse, error) {
				return &familypathv1.AuditReminderResponse{}, nil
			},
			contract.ActivityClaimsSubmitWindow: func(_ context.Context, r *familypathv1.SubmitWindowRequest) (*familypathv1.SubmitWindowResponse, error) {
				return &familypathv1.SubmitWindowResponse{SubmissionId: "sub-" + r.GetWindowId()}, nil
			},
			// claim-c no longer stands when judged again: the window holds it back.
			contract.ActivityClaimsRejudgeClaims: func(_ context.Context, r *familypathv1.RejudgeClaimsRequest) (*familypathv1.RejudgeClaimsResponse, error) {
				out := &familypathv1.RejudgeClaimsResponse{}
				for _, id := range r.GetClaimIds() {
					v := &familypathv1.ClaimRejudgement{ClaimId: id, Stands: id != "claim-c", EngineVersion: "2"}
					if !v.Stands {
						v.Reason = "judged again under lancashire-phase2@1 with engine 2, the family has no result: blocked by outstanding problems: WORKLESSNESS"
					}
					out.Claims = append(out.Claims, v)
				}
				return out, nil
			},
		},
	}
	workers := []worker.Worker{wf}
	for q, acts := range queues {
		w := worker.New(c, q, worker.Options{})
		for name, fn := range acts {
			w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
		}
		workers = append(workers, w)
	}
	for _, w := range workers {
		if err := w.Start(); err != nil {
			return nil, err
		}
	}
	return func() {
		for _, w := range workers {
			w.Stop()
		}
	}, nil
}

// judge: the child protection problem is sustained 3 seconds after attachment (a stand-in
// for its 12 months), education already is.
func judge(_ context.Context, r *familypathv1.JudgeFamilyRequest) (*familypathv1.FamilyJudgement, error) {
	sustained := r.GetAttachedAt().AsTime().Add(3 * time.Second).Truncate(time.Second).Add(time.Second)
	pr := &familypathv1.ProblemJudgement{
		Code:        "CHILDREN_NEED_HELP",
		Status:      familypathv1.ProblemStatus_PROBLEM_STATUS_SIGNIFICANT_PROGRESS,
		ClockStart:  r.GetAttachedAt(),
		SustainedAt: timestamppb.New(sustained),
	}
	j := &familypathv1.FamilyJudgement{Problems: []*familypathv1.ProblemJudgement{pr,
		{Code: "EDUCATION", Status: familypathv1.ProblemStatus_PROBLEM_STATUS_SUSTAINED}}}
	if r.GetAt().AsTime().Before(sustained) {
		j.ReviewAt, j.EarliestClaimAt, j.Blocking = timestamppb.New(
			sustained,
		), timestamppb.New(
			sustained,
		), []string{
			"CHILDREN_NEED_HELP",
		}
		return j, nil
	}
	pr.Status = familypathv1.ProblemStatus_PROBLEM_STATUS_SUSTAINED
	j.ResultRoute, j.AchievedAt = familypathv1.ResultRoute_RESULT_ROUTE_SSP, timestamppb.New(sustained)
	return j, nil
}

func startFamily(ctx context.Context, c client.Client, familyID string) (string, error) {
	id, err := contract.FamilyWorkflowID(familyID)
	if err != nil {
		return "", err
	}
	_ = c.TerminateWorkflow(ctx, id, "", "a new capture") // a previous capture's run, if any
	_, err = c.ExecuteWorkflow(
		ctx,
		client.StartWorkflowOptions{ID: id, TaskQueue: contract.QueueFamilyLifecycle,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING},
		contract.WorkflowFamilyLifecycle,
		&familypathv1.FamilyLifecycleInput{FamilyId: familyID, PlanId: "lancashire-phase2",
			EvidenceSnapshotId: "snapshot-1", IdentifiedAt: timestamppb.New(time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC))},
	)
	return id, err
}

func attach(ctx context.Context, c client.Client, id string) error {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: contract.UpdateAttach,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{&familypathv1.AttachRequest{RequestId: "attach-1"}}})
	if err != nil {
		return err
	}
	var res familypathv1.AttachResult
	return h.Get(ctx, &res)
}

// claimedAndPaid: identified, evidence, restricted, attached (and paused), lifted, judged,
// sustained, claimed, submitted, paid.
func claimedAndPaid(ctx context.Context, c client.Client) (string, error) {
	id, err := startFamily(ctx, c, paidFamily)
	if err != nil {
		return "", err
	}
	if err := c.SignalWorkflow(ctx, id, "", contract.SignalEvidenceReceived, &familypathv1.EvidenceReceived{EvidenceSnapshotId: "snapshot-2", Source: "identification"}); err != nil {
		return "", err
	}
	// Restricted before attachment: once attached the family waits, unjudged, until lifted.
	restrict := func(on bool) error {
		return c.SignalWorkflow(
			ctx,
			id,
			"",
			contract.SignalRestrictionChanged,
			&familypathv1.RestrictionChanged{Restricted: on, At: timestamppb.Now()},
		)
	}
	if err := restrict(true); err != nil {
		return "", err
	}
	if err := attach(ctx, c, id); err != nil {
		return "", err
	}
	if _, err := waitFor(ctx, c, id, func(s *familypathv1.FamilyState) bool {
		return s.GetRestricted() && strings.Contains(s.GetWaitingFor(), "restriction")
	}); err != nil {
		return "", err
	}
	if err := restrict(false); err != nil {
		return "", err
	}
	claim, err := waitFor(ctx, c, id, func(s *familypathv1.FamilyState) bool {
		return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_CLAIMED
	})
	if err != nil {
		return "", err
	}
	for _, k := range []familypathv1.ClaimOutcomeKind{familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_SUBMITTED, familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_PAID} {
		if err := c.SignalWorkflow(ctx, id, "", contract.SignalClaimOutcome, &familypathv1.ClaimOutcome{ClaimId: claim.GetClaimId(), Kind: k, At: timestamppb.Now()}); err != nil {
			return "", err
		}
	}
	return id, c.GetWorkflow(ctx, id, "").Get(ctx, nil)
}

// referred: a family referred by a professional (its problems from the referral), attached,
// judged, then withdrawn.
func referred(ctx context.Context, c client.Client) (string, error) {
	id, err := contract.FamilyWorkflowID(referredFamily)
	if err != nil {
		return "", err
	}
	_ = c.TerminateWorkflow(ctx, id, "", "a new capture")
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: contract.QueueFamilyLifecycle,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING},
		contract.WorkflowFamilyLifecycle, &familypathv1.FamilyLifecycleInput{FamilyId: referredFamily, PlanId: "lancashire-phase2",
			IdentifiedAt: timestamppb.New(time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC)),
			Referral:     &familypathv1.Referral{ReferralId: "referral-1", ProblemCodes: []string{"CHILDREN_NEED_HELP", "EDUCATION"}}}); err != nil {
		return "", err
	}
	if err := attach(ctx, c, id); err != nil {
		return "", err
	}
	if _, err := waitFor(ctx, c, id, func(s *familypathv1.FamilyState) bool { return len(s.GetProblems()) > 0 }); err != nil {
		return "", err
	}
	h, err := c.UpdateWorkflow(
		ctx,
		client.UpdateWorkflowOptions{
			WorkflowID:   id,
			UpdateName:   contract.UpdateClose,
			WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{
				&familypathv1.CloseRequest{
					Exit:       familypathv1.FamilyPhase_FAMILY_PHASE_WITHDRAWN,
					ReasonCode: "FAMILY_DECLINED",
				},
			},
		},
	)
	if err != nil {
		return "", err
	}
	if err := h.Get(ctx, nil); err != nil {
		return "", err
	}
	return id, c.GetWorkflow(ctx, id, "").Get(ctx, nil)
}

// withdrawn: attached, its baseline corrected, then withdrawn while tracking waits on a deadline.
func withdrawn(ctx context.Context, c client.Client) (string, error) {
	id, err := startFamily(ctx, c, withdrawnFamily)
	if err != nil {
		return "", err
	}
	if err := attach(ctx, c, id); err != nil {
		return "", err
	}
	fix, err := c.UpdateWorkflow(
		ctx,
		client.UpdateWorkflowOptions{
			WorkflowID:   id,
			UpdateName:   contract.UpdateCorrect,
			WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{
				&familypathv1.CorrectRequest{
					RequestId:        "fix-1",
					BaselineProblems: []string{"CHILDREN_NEED_HELP", "EDUCATION", "HEALTH"},
					ReasonCode:       "BASELINE_RECORDED_WRONGLY",
				},
			},
		},
	)
	if err != nil {
		return "", err
	}
	if err := fix.Get(ctx, nil); err != nil {
		return "", err
	}
	h, err := c.UpdateWorkflow(
		ctx,
		client.UpdateWorkflowOptions{
			WorkflowID:   id,
			UpdateName:   contract.UpdateClose,
			WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{
				&familypathv1.CloseRequest{
					Exit:       familypathv1.FamilyPhase_FAMILY_PHASE_WITHDRAWN,
					ReasonCode: "FAMILY_DECLINED",
				},
			},
		},
	)
	if err != nil {
		return "", err
	}
	if err := h.Get(ctx, nil); err != nil {
		return "", err
	}
	return id, c.GetWorkflow(ctx, id, "").Get(ctx, nil)
}

// window: a batch of three, the risk pick and the draw audited, decisions, submission, payment.
func window(ctx context.Context, c client.Client) (string, error) {
	id := contract.ClaimWindowWorkflowID("lancashire-phase2", "capture")
	_ = c.TerminateWorkflow(ctx, id, "", "a new capture")
	run, err := c.ExecuteWorkflow(
		ctx,
		client.StartWorkflowOptions{ID: id, TaskQueue: contract.QueueFamilyLifecycle},
		contract.WorkflowClaimWindow,
		&familypathv1.ClaimWindowInput{
			WindowId:        "capture",
			PlanId:          "lancashire-phase2",
			ClosesAt:        timestamppb.New(time.Now().Add(time.Hour)),
			AuditSampleRate: 0.5,
			DecisionDue:     durationpb.New(2 * time.Second),
			ReminderEvery:   durationpb.New(time.Second),
		},
	)
	if err != nil {
		return "", err
	}
	var state familypathv1.ClaimWindowState
	for deadline := time.Now().Add(30 * time.Second); len(state.GetSample().GetSampled()) == 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no audit sample")
		}
		if v, err := c.QueryWorkflow(ctx, id, "", contract.QueryClaimWindowState); err == nil {
			_ = v.Get(&state)
		}
	}
	time.Sleep(2500 * time.Millisecond) // a reminder, then an escalation, into the history
	for i, s := range state.GetSample().GetSampled() {
		d := &familypathv1.AuditDecision{ClaimId: s.GetClaimId(), Passed: i > 0, DecidedAt: timestamppb.Now()}
		if !d.Passed {
			d.ReasonCode = "EVIDENCE_INCOMPLETE"
		}
		if err := c.SignalWorkflow(ctx, id, "", contract.SignalAuditDecision, d); err != nil {
			return "", err
		}
	}
	if _, err := waitForWindow(ctx, c, id, "AWAITING_PAYMENT"); err != nil {
		return "", err
	}
	if err := c.SignalWorkflow(ctx, id, "", contract.SignalWindowPaid, &familypathv1.WindowPaid{PaidAt: timestamppb.Now()}); err != nil {
		return "", err
	}
	return id, run.Get(ctx, nil)
}

// importRun: an import of three families in two pages through attachment, claims and case.
func importRun(ctx context.Context, c client.Client) (string, error) {
	id := contract.ImportWorkflowID("00000000-0000-4000-8000-000000000020")
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: contract.QueueFamilyLifecycle,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING},
		contract.WorkflowImport, &familypathv1.ImportInput{ImportId: "00000000-0000-4000-8000-000000000020"})
	if err != nil {
		return "", err
	}
	return id, run.Get(ctx, nil)
}

// imported: a family imported with a claim submitted before the import; an identification
// run's evidence arrives while the claim awaits its outcome (it waits on), then the window pays.
func imported(ctx context.Context, c client.Client) (string, error) {
	id, err := contract.FamilyWorkflowID(importedFamily)
	if err != nil {
		return "", err
	}
	attached := timestamppb.New(time.Date(2016, 5, 10, 0, 0, 0, 0, time.UTC))
	state := &familypathv1.FamilyState{
		FamilyId:         importedFamily,
		Phase:            familypathv1.FamilyPhase_FAMILY_PHASE_SUBMITTED,
		PlanId:           "lancashire-phase2",
		PlanVersion:      "lancashire-phase2@1",
		ProblemCodes:     []string{"CRIME", "HEALTH"},
		BaselineProblems: []string{"CRIME", "HEALTH"},
		AttachedAt:       attached,
		IdentifiedAt:     attached,
		AttachmentId:     "att-0023",
		FeeRecorded:      true,
		ClaimId:          "claim-imported",
		ClaimAttempts:    1,
		ClaimRoute:       familypathv1.ResultRoute_RESULT_ROUTE_SSP,
		Team:             "team-a",
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: contract.QueueFamilyLifecycle,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING},
		contract.WorkflowFamilyLifecycle, &familypathv1.FamilyLifecycleInput{FamilyId: importedFamily, PlanId: "lancashire-phase2",
			IdentifiedAt: attached, Continued: state, ImportId: "00000000-0000-4000-8000-000000000020"}); err != nil {
		return "", err
	}
	if _, err := waitFor(ctx, c, id, func(s *familypathv1.FamilyState) bool { return s.GetWaitingFor() != "" }); err != nil {
		return "", err
	}
	if err := c.SignalWorkflow(ctx, id, "", contract.SignalEvidenceReceived, &familypathv1.EvidenceReceived{EvidenceSnapshotId: "e-run", Source: "identification"}); err != nil {
		return "", err
	}
	if _, err := waitFor(ctx, c, id, func(s *familypathv1.FamilyState) bool { return s.GetEvidenceReceivedCount() == 1 }); err != nil {
		return "", err
	}
	if err := c.SignalWorkflow(ctx, id, "", contract.SignalClaimOutcome, &familypathv1.ClaimOutcome{ClaimId: "claim-imported",
		Kind: familypathv1.ClaimOutcomeKind_CLAIM_OUTCOME_KIND_PAID, At: timestamppb.New(time.Date(2017, 6, 30, 0, 0, 0, 0, time.UTC))}); err != nil {
		return "", err
	}
	return id, c.GetWorkflow(ctx, id, "").Get(ctx, nil)
}

func waitFor(
	ctx context.Context,
	c client.Client,
	id string,
	ok func(*familypathv1.FamilyState) bool,
) (*familypathv1.FamilyState, error) {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		v, err := c.QueryWorkflow(ctx, id, "", contract.QueryFamilyState)
		if err != nil {
			continue
		}
		var s familypathv1.FamilyState
		if err := v.Get(&s); err == nil && ok(&s) {
			return &s, nil
		}
	}
	return nil, fmt.Errorf("%s never reached the state wanted", id)
}

func waitForWindow(ctx context.Context, c client.Client, id, stage string) (*familypathv1.ClaimWindowState, error) {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		v, err := c.QueryWorkflow(ctx, id, "", contract.QueryClaimWindowState)
		if err != nil {
			continue
		}
		var s familypathv1.ClaimWindowState
		if err := v.Get(&s); err == nil && s.GetStage() == stage {
			return &s, nil
		}
	}
	return nil, fmt.Errorf("%s never reached %s", id, stage)
}

// save writes the workflow's history as JSON (the form `temporal workflow show --output json` writes).
func save(ctx context.Context, c client.Client, id, file string) error {
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var h historypb.History
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return err
		}
		h.Events = append(h.Events, ev)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		return err
	}
	if strings.Contains(string(b), "json/plain") {
		return fmt.Errorf("%s holds an unencrypted payload", id)
	}
	return os.WriteFile(file, append(b, '\n'), 0o600)
}

// identificationRun: a run over synthetic counts, whose fan-out takes two pages.
func identificationRun(ctx context.Context, c client.Client) (string, error) {
	id := contract.IdentificationRunWorkflowID("00000000-0000-4000-8000-0000000000f1")
	run, err := c.ExecuteWorkflow(
		ctx,
		client.StartWorkflowOptions{ID: id, TaskQueue: contract.QueueFamilyLifecycle,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING},
		contract.WorkflowIdentification,
		&familypathv1.IdentificationRunInput{RunId: "00000000-0000-4000-8000-0000000000f1"},
	)
	if err != nil {
		return "", err
	}
	return id, run.Get(ctx, nil)
}

// familyRetention: a family's retention from the end of its journey to its records erased by
// every service (the period a second here).
func familyRetention(ctx context.Context, c client.Client) (string, error) {
	id := contract.FamilyRetentionWorkflowID(retainedFamily)
	run, err := c.ExecuteWorkflow(
		ctx,
		client.StartWorkflowOptions{ID: id, TaskQueue: contract.QueueFamilyLifecycle,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING},
		contract.WorkflowFamilyRetention,
		&familypathv1.FamilyRetentionInput{
			FamilyId:   retainedFamily,
			EndedAt:    timestamppb.Now(),
			EndedPhase: familypathv1.FamilyPhase_FAMILY_PHASE_PAID,
		},
	)
	if err != nil {
		return "", err
	}
	return id, run.Get(ctx, nil)
}
