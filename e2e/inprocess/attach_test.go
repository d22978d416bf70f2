package inprocess

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/attachment"
	caseservice "github.com/familypath/familypath/services/case"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// An attach that the family's workflow has not answered when the request's own deadline comes
// (REQUEST_TIMEOUT, here 4 seconds) is answered 202 before the deadline, not as a failure: the
// workflow is carrying it out. The same request again is the same update (its id is the
// Idempotency-Key), answered with its outcome once the workflow has one; the workflow is asked
// once.
func TestAnAttachLongerThanTheRequestIsAnsweredAndFinishedOnce(t *testing.T) {
	iss := servicetest.NewIssuer(t)
	cases := servicetest.New(t, caseservice.Definition(), servicetest.Options{Issuer: iss})
	att := servicetest.New(t, attachment.Definition(), servicetest.Options{Issuer: iss, Env: map[string]string{
		"REQUEST_TIMEOUT": "4s", "CASE_URL": cases.Serve()}})
	family := uuid.NewString()
	admin := auth.Principal{Subject: "admin.one", Roles: []string{auth.RoleAdministrator}}
	lead := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}

	// The family's workflow: a stand-in whose attach waits until the test releases it.
	queue := "attach-test-" + testenv.Unique()
	wk := worker.New(att.Deps.Temporal, queue, worker.Options{})
	wk.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		released, asked := false, 0
		if err := workflow.SetQueryHandler(ctx, "asked", func() (int, error) { return asked, nil }); err != nil {
			return err
		}
		if err := workflow.SetUpdateHandler(ctx, contract.UpdateAttach, func(ctx workflow.Context, _ *familypathv1.AttachRequest) (*familypathv1.AttachResult, error) {
			asked++
			if err := workflow.Await(ctx, func() bool { return released }); err != nil {
				return nil, err
			}
			return &familypathv1.AttachResult{Attached: true, AttachedAt: timestamppb.New(workflow.Now(ctx)),
				BaselineProblems: []string{"CRIME", "EDUCATION"}, PlanVersion: "lancashire-phase2@1"}, nil
		}); err != nil {
			return err
		}
		workflow.GetSignalChannel(ctx, "release").Receive(ctx, nil)
		released = true
		workflow.GetSignalChannel(ctx, "finish").Receive(ctx, nil)
		return nil
	}, workflow.RegisterOptions{Name: "attach-stand-in"})
	if err := wk.Start(); err != nil {
		t.Fatal(err)
	}
	defer wk.Stop()
	wf, _ := contract.FamilyWorkflowID(family)
	ctx := context.Background()
	if _, err := att.Deps.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wf, TaskQueue: queue}, "attach-stand-in"); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = att.Deps.Temporal.TerminateWorkflow(ctx, wf, "", "test over") }()
	if w := cases.Do(admin, "PUT", "/v1/families/"+family+"/allocation",
		`{"team":"preston-1","lead_professional":{"subject":"cw.lead","agency":"COUNCIL_FAMILY_SERVICE"}}`); w.Code != http.StatusCreated {
		t.Fatalf("allocation: %d %s", w.Code, w.Body)
	}

	key := "attach-" + testenv.Unique()
	started := time.Now()
	w := att.Do(lead, "POST", "/v1/families/"+family+"/attachment", "", "Idempotency-Key", key)
	if w.Code != http.StatusAccepted || !strings.Contains(w.Body.String(), "IN_PROGRESS") ||
		w.Header().Get("Retry-After") == "" {
		t.Fatalf("an attach not yet answered: %d %s", w.Code, w.Body)
	}
	if took := time.Since(started); took >= 4*time.Second {
		t.Errorf("answered after %v, past the request's deadline", took) // a deadline, not a speed figure
	}
	if err := att.Deps.Temporal.SignalWorkflow(ctx, wf, "", "release", nil); err != nil {
		t.Fatal(err)
	}
	// As a client does on 202: the same request again (a slow machine may answer 202 once more).
	for range 10 {
		if w = att.Do(lead, "POST", "/v1/families/"+family+"/attachment", "", "Idempotency-Key", key); w.Code != http.StatusAccepted {
			break
		}
	}
	var body struct {
		FamilyID         string   `json:"family_id"`
		BaselineProblems []string `json:"baseline_problems"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusCreated ||
		body.FamilyID != family ||
		len(body.BaselineProblems) != 2 {
		t.Fatalf("the same attach again: %d %s", w.Code, w.Body)
	}
	v, err := att.Deps.Temporal.QueryWorkflow(ctx, wf, "", "asked")
	var asked int
	if err != nil || v.Get(&asked) != nil || asked != 1 {
		t.Errorf("the workflow was asked to attach %d times (%v), want once", asked, err)
	}
}
