//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// A claim window runs on the running workers: the claims worker hands over the window's
// ready claims, records the sample (the continuous-employment claim always in it), and,
// after the auditor's decision, judges the claims to submit again and records each claim's
// status. These claims were written straight into claims' table, with no evidence pack: none
// can be shown to stand, so none is submitted (docs/outcomes.md, ruling 5).
func TestClaimWindowRunsOnTheRunningWorkers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	gdb, err := db.Open(ctx, env(t, "DATABASE_URL"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plan := fmt.Sprintf("e2e-plan-%d", time.Now().UnixNano()) // its own plan id: only these claims are taken
	var ids []string
	for i, route := range []string{"SSP", "CE", "SSP", "SSP"} {
		id := uuid.NewString()
		ids = append(ids, id)
		if err := gdb.Exec(`INSERT INTO claims.claims (id, family_id, attempt, route, plan_version, evidence_snapshot_id, achieved_at, problems)
			VALUES (?, ?, 1, ?, ?, 's-1', now(), '[]')`, id, uuid.NewString(), route, plan+"@1").Error; err != nil {
			t.Fatal(i, err)
		}
	}
	c := temporalClient(t)
	wid := contract.ClaimWindowWorkflowID(plan, "w1")
	run, err := c.ExecuteWorkflow(
		ctx,
		client.StartWorkflowOptions{ID: wid, TaskQueue: contract.QueueFamilyLifecycle},
		contract.WorkflowClaimWindow,
		&familypathv1.ClaimWindowInput{
			WindowId:        plan + "-w1",
			PlanId:          plan,
			ClosesAt:        timestamppb.New(time.Now().Add(time.Hour)),
			AuditSampleRate: 0.10,
			DecisionDue:     durationpb.New(time.Hour),
			ReminderEvery:   durationpb.New(time.Hour),
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.TerminateWorkflow(context.Background(), wid, "", "test over") }()
	var state familypathv1.ClaimWindowState
	for deadline := time.Now().Add(30 * time.Second); state.GetStage() != "AUDITING"; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the window never reached its audit: %v", &state)
		}
		if v, err := c.QueryWorkflow(ctx, wid, "", contract.QueryClaimWindowState); err == nil {
			_ = v.Get(&state)
		}
	}
	sample := state.GetSample()
	if sample.GetBatchSize() != 4 || len(sample.GetSampled()) != 1 || sample.GetSampled()[0].GetClaimId() != ids[1] {
		t.Fatalf("sample %v", sample)
	}
	var recorded int64
	gdb.Raw("SELECT count(*) FROM claims.audit_samples WHERE window_id = ?", plan+"-w1").Scan(&recorded)
	if recorded != 1 {
		t.Errorf("sample recorded %d times", recorded)
	}
	if err := c.SignalWorkflow(ctx, wid, run.GetRunID(), contract.SignalAuditDecision, &familypathv1.AuditDecision{ClaimId: ids[1], Passed: false, ReasonCode: "NO_EVIDENCE_OF_WORK"}); err != nil {
		t.Fatal(err)
	}
	statuses := map[string]string{}
	for deadline := time.Now().Add(30 * time.Second); statuses[ids[0]] != "HELD"; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not submitted: %v", statuses)
		}
		var rows []struct{ ID, Status string }
		gdb.Raw("SELECT id::text AS id, status FROM claims.claims WHERE plan_version = ?", plan+"@1").Scan(&rows)
		for _, r := range rows {
			statuses[r.ID] = r.Status
		}
	}
	if statuses[ids[1]] != "FAILED_AUDIT" || statuses[ids[2]] != "HELD" || statuses[ids[3]] != "HELD" {
		t.Errorf("statuses %v", statuses)
	}
	var reasons []string
	gdb.Raw("SELECT reason FROM claims.rejudgements WHERE occasion = ? AND NOT stands", plan+"-w1").Scan(&reasons)
	if len(reasons) != 3 || reasons[0] != "it has no evidence pack, so it cannot be judged again" {
		t.Errorf("reasons held %v", reasons)
	}
}
