// Package contract names what crosses between workflows and services: task queues, workflow
// types and ids, activity, signal, query and update names. Workflows call activities by these
// names, never by importing service code; the messages themselves are in gen/familypath/v1.
//
// Every name here is stored in workflow histories that live for years: add names, never
// rename or remove one that has been deployed.
package contract

import (
	"fmt"
	"regexp"
)

// Task queues: one per service, and one for the workflows' own worker.
const (
	QueueFamilyLifecycle = "family-lifecycle"
	QueueIdentification  = "identification"
	QueueAttachment      = "attachment"
	QueueCase            = "case"
	QueueTracking        = "tracking"
	QueueClaims          = "claims"
)

// Search attributes of family workflows: the workflows set them, services read them
// (DescribeWorkflow) and operators query them in the Temporal UI and CLI (docs/runbook.md). Each
// name with its Temporal type (temporalx makes the typed keys). They are stored unencrypted:
// ids, codes, dates and counts only, never personal data.
const (
	SearchFamilyPhase             = "FamilyPhase"             // keyword: a FamilyPhase name
	SearchNextActionDate          = "NextActionDate"          // datetime: when the workflow next wakes by itself
	SearchPlanVersion             = "PlanVersion"             // keyword: plan id@version, pinned at attachment
	SearchTeam                    = "Team"                    // keyword: the allocated team
	SearchAuditStatus             = "AuditStatus"             // keyword: the claim's audit status
	SearchOutstandingProblemCount = "OutstandingProblemCount" // int: problems not yet sustained
	SearchRestricted              = "Restricted"              // bool: processing restricted (UK GDPR Article 18)
	SearchWaitingFor              = "WaitingFor"              // keyword: what the workflow waits on now, as a code
	SearchWaitingSince            = "WaitingSince"            // datetime: since when
)

// Workflow types.
const (
	WorkflowFamilyLifecycle = "FamilyLifecycle"
	WorkflowClaimWindow     = "ClaimWindow"
	WorkflowIdentification  = "IdentificationRun"
	WorkflowForecast        = "ProgrammeForecast"
	WorkflowImport          = "ImportProgramme"
	WorkflowFamilyRetention = "FamilyRetention"
)

// Messages of the FamilyRetention workflow.
const (
	QueryFamilyRetentionState = "family-retention-state"
)

// Messages of the IdentificationRun workflow.
const (
	QueryIdentificationRunState = "identification-run-state"
)

// Messages of the ClaimWindow workflow.
const (
	SignalAuditDecision   = "audit-decision"
	SignalWindowPaid      = "window-paid"
	QueryClaimWindowState = "claim-window-state"
)

// Messages of the FamilyLifecycle workflow.
const (
	SignalEvidenceReceived = "evidence-received"
	SignalClaimOutcome     = "claim-outcome"
	// SignalRestrictionChanged: the case service set or lifted the restriction of processing.
	SignalRestrictionChanged = "restriction-changed"
	QueryFamilyState         = "family-state"
	UpdateAttach             = "attach"
	UpdateClose              = "close"
	UpdateCorrect            = "correct"
)

// Activities, by the service hosting them.
const (
	ActivityIdentificationDescribeCandidate = "identification.DescribeCandidate"
	ActivityIdentificationLinkRun           = "identification.LinkRun"
	ActivityIdentificationStartFamilies     = "identification.StartFamilies"
	ActivityIdentificationFinishRun         = "identification.FinishRun"
	ActivityCaseGatherAttachment            = "case.GatherAttachment"
	ActivityCaseImportPage                  = "case.ImportPage"
	ActivityCaseStartImportedFamilies       = "case.StartImportedFamilies"
	ActivityCaseFinishImport                = "case.FinishImport"
	ActivityTrackingJudgeReadiness          = "tracking.JudgeReadiness"
	ActivityTrackingJudgeFamily             = "tracking.JudgeFamily"
	ActivityTrackingMakeForecast            = "tracking.MakeForecast"
	ActivityAttachmentRecordAttachment      = "attachment.RecordAttachment"
	ActivityAttachmentCorrectAttachment     = "attachment.CorrectAttachment"
	ActivityAttachmentImportAttachments     = "attachment.ImportAttachments"
	ActivityClaimsRecordAttachmentFee       = "claims.RecordAttachmentFee"
	ActivityClaimsCreateClaim               = "claims.CreateClaim"
	ActivityClaimsTakeWindowClaims          = "claims.TakeWindowClaims"
	ActivityClaimsRecordAuditSample         = "claims.RecordAuditSample"
	ActivityClaimsRemindAuditors            = "claims.RemindAuditors"
	ActivityClaimsSubmitWindow              = "claims.SubmitWindow"
	ActivityClaimsRejudgeClaims             = "claims.RejudgeClaims"
	ActivityClaimsRecordForecast            = "claims.RecordForecast"
	ActivityClaimsImportLedger              = "claims.ImportLedger"
	// A family's records erased past the retention period, one activity per service.
	ActivityIdentificationEraseFamily = "identification.EraseFamily"
	ActivityCaseEraseFamily           = "case.EraseFamily"
	ActivityAttachmentEraseFamily     = "attachment.EraseFamily"
	ActivityTrackingEraseFamily       = "tracking.EraseFamily"
	ActivityClaimsEraseFamily         = "claims.EraseFamily"
	// The workflow worker's own: the retention period it is configured with.
	ActivityWorkflowsRetentionPeriod = "workflows.RetentionPeriod"
)

var opaqueID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{7,63}$`)

// ClaimWindowWorkflowID is the workflow id of a plan's claim window.
func ClaimWindowWorkflowID(planID, windowID string) string {
	return "claim-window/" + planID + "/" + windowID
}

// ForecastWorkflowID is the id of a plan's forecast schedule, and of the workflows it starts
// (the schedule appends each run's time).
func ForecastWorkflowID(planID string) string { return "forecast/" + planID }

// ImportWorkflowID is the workflow id of an import of a running programme: its opaque id.
func ImportWorkflowID(importID string) string { return "import/" + importID }

// FamilyRetentionWorkflowID is the workflow id of a family's retention: the family's opaque id.
func FamilyRetentionWorkflowID(familyID string) string { return "family-retention/" + familyID }

// IdentificationRunWorkflowID is the workflow id of an identification run: its opaque id.
func IdentificationRunWorkflowID(runID string) string { return "identification-run/" + runID }

// FamilyWorkflowID is the workflow id of a family: "family/<opaque id>". The id must be an
// opaque identifier (lower-case letters, digits and dashes), never a name or reference number.
func FamilyWorkflowID(familyID string) (string, error) {
	if !opaqueID.MatchString(familyID) {
		return "", fmt.Errorf("family id must be opaque: 8 to 64 lower-case letters, digits or dashes")
	}
	return "family/" + familyID, nil
}
