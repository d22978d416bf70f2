//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// subjectExport is one service's part of a subject access request, as its command writes it.
type subjectExport struct {
	Reference string `json:"reference"`
	Service   string `json:"service"`
	Subject   struct {
		PersonIDs []string `json:"person_ids"`
		FamilyIDs []string `json:"family_ids"`
	} `json:"subject"`
	Sections map[string][]map[string]any `json:"sections"`
}

// exportSubject runs a service's subject-access command, as the data protection officer does
// in the service's pod, and reads its export.
func exportSubject(t *testing.T, svc string, args ...string) subjectExport {
	t.Helper()
	args = append([]string{"subject-access", "--requested-by", "e2e.dpo"}, args...)
	cmd := exec.Command(
		filepath.Join(env(t, "FAMILYPATH_BIN_DIR"), svc),
		args...) // #nosec G204 -- the stack's own binary
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s subject-access: %v\n%s", svc, err, stderr.String())
	}
	var e subjectExport
	if err := json.Unmarshal(stdout.Bytes(), &e); err != nil {
		t.Fatalf("%s subject-access wrote %s: %v", svc, stdout.String(), err)
	}
	return e
}

// subjectAccessCoversTheFamily is a subject access request about a member of a family that has
// been through the whole programme: the case service finds the member by name and date of
// birth, and every service's export from the ids it gives holds the member's data in every
// section the family's journey wrote to; the sealed values are opened.
func subjectAccessCoversTheFamily(t *testing.T, familyID, surname, dob string) {
	t.Helper()
	ref := fmt.Sprintf("SAR-E2E-%d", time.Now().UnixNano())
	found := exportSubject(t, "case", "--reference", ref, "--surname", strings.ToUpper(surname), "--dob", dob)
	if strings.Join(found.Subject.FamilyIDs, ",") != familyID || len(found.Subject.PersonIDs) != 1 {
		t.Fatalf("the case service found %+v for the member of %s", found.Subject, familyID)
	}
	ids := []string{
		"--reference",
		ref,
		"--family-id",
		strings.Join(found.Subject.FamilyIDs, ","),
		"--person-id",
		strings.Join(found.Subject.PersonIDs, ","),
	}
	want := map[string][]string{
		"case": {
			"families",
			"members",
			"assessments",
			"family_plans",
			"notes",
			"record_history",
			"audit_events",
		},
		"identification": {"candidate_families", "evidence_snapshots"},
		"attachment":     {"attachments", "corrections", "audit_events"},
		"tracking":       {"family_status", "problem_transitions"},
		"claims":         {"claims", "evidence_packs", "audit_decisions", "ledger"},
	}
	for _, svc := range []string{"case", "identification", "attachment", "tracking", "claims"} {
		e := exportSubject(t, svc, ids...)
		for _, section := range want[svc] {
			if len(e.Sections[section]) == 0 {
				t.Errorf("%s's export has nothing in %s: %v", svc, section, e.Sections)
			}
		}
		if svc == "case" && !strings.Contains(fmt.Sprint(e.Sections["members"]), surname) {
			t.Errorf("the case export does not show the member's name opened: %v", e.Sections["members"])
		}
		if svc == "claims" {
			if _, opened := e.Sections["evidence_packs"][0]["sealed"].(map[string]any); !opened {
				t.Errorf("the claim's evidence pack is not opened: %v", e.Sections["evidence_packs"][0]["sealed"])
			}
		}
	}
}

// erasedEverywhere is a family's retention run to its end: the family's workflow started its
// FamilyRetention when the journey ended (the period still to run); an operator runs it again
// as of a journey that ended longer ago than the period, and every service erases the family.
// A subject access request then finds nothing about the family but the audit trails' record of
// who did what (kept; opaque ids only).
func erasedEverywhere(t *testing.T, familyID string) {
	t.Helper()
	c := temporalClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	id := contract.FamilyRetentionWorkflowID(familyID)
	var st familypathv1.FamilyRetentionState
	for {
		v, err := c.QueryWorkflow(ctx, id, "", contract.QueryFamilyRetentionState)
		if err == nil && v.Get(&st) == nil && st.GetEraseAt() != nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the family's retention never started: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if years := st.GetEraseAt().AsTime().Sub(st.GetEndedAt().AsTime()).Hours() / 8766; years < 6.9 || years > 7.1 ||
		len(st.GetErased()) != 0 {
		t.Fatalf("retention as the journey ended: %v", &st)
	}
	if err := c.TerminateWorkflow(ctx, id, "", "e2e: erase as of a journey ended eight years ago"); err != nil {
		t.Fatal(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: contract.QueueFamilyLifecycle,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, contract.WorkflowFamilyRetention,
		&familypathv1.FamilyRetentionInput{FamilyId: familyID, EndedAt: timestamppb.New(time.Now().AddDate(-8, 0, 0))})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("the erasure: %v", err)
	}
	ids := []string{"--reference", fmt.Sprintf("SAR-E2E-ERASED-%d", time.Now().UnixNano()), "--family-id", familyID}
	for _, svc := range []string{"case", "identification", "attachment", "tracking", "claims"} {
		e := exportSubject(t, svc, ids...)
		erased := false
		for section, rows := range e.Sections {
			if section == "audit_events" {
				for _, ev := range rows {
					erased = erased || ev["action"] == "retention.erase"
				}
				continue
			}
			if len(rows) != 0 {
				t.Errorf("%s still holds %d rows of %s about the erased family", svc, len(rows), section)
			}
		}
		if !erased {
			t.Errorf("%s's audit trail does not record the erasure", svc)
		}
	}
}
