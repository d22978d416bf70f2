package attachment

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/attachment/internal/register"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestOpenAPIMatchesRoutes(t *testing.T) { servicetest.OpenAPIMatchesRoutes(t, Definition()) }

func TestOpenAPIIsValid(t *testing.T) { servicetest.OpenAPIIsValid(t, Definition()) }

func TestAPIReferenceIsCurrent(t *testing.T) {
	servicetest.APIReferenceIsCurrent(t, Definition(), "../../docs/api/attachment.md")
}

func TestOpenAPIFollowsHouseRules(t *testing.T) {
	servicetest.OpenAPIFollowsHouseRules(t, Definition())
}

func TestMain(m *testing.M) { testenv.Main(m) }

// The register holds one attachment per family: a retried or repeated request answers the
// first one.
func TestAttachmentIsRecordedOncePerFamily(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts := register.Activities{Store: register.Store{DB: a.Deps.DB}}
	family := uuid.NewString()
	req := &familypathv1.RecordAttachmentRequest{
		FamilyId:         family,
		AttachedAt:       timestamppb.New(time.Date(2016, 10, 3, 10, 0, 0, 0, time.UTC)),
		BaselineProblems: []string{"CRIME", "EDUCATION"},
		PlanVersion:      "lancashire-phase2@1",
		RequestId:        "attach-1",
	}
	first, err := acts.RecordAttachment(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	req.RequestId, req.PlanVersion = "attach-2", "lancashire-phase2@2"
	again, err := acts.RecordAttachment(context.Background(), req)
	if err != nil || again.GetAttachmentId() != first.GetAttachmentId() {
		t.Fatalf("repeat: %v %v", again, err)
	}
	var rows []struct {
		PlanVersion, RequestID string
	}
	a.Deps.DB.Raw("SELECT plan_version, request_id FROM attachment.attachments WHERE family_id = ?", family).Scan(&rows)
	if len(rows) != 1 || rows[0].PlanVersion != "lancashire-phase2@1" || rows[0].RequestID != "attach-1" {
		t.Errorf("register %+v", rows)
	}
	if _, err := acts.RecordAttachment(context.Background(), &familypathv1.RecordAttachmentRequest{FamilyId: "not-a-uuid"}); err == nil {
		t.Error("a bad request was recorded")
	}
}

// A correction changes the register once per request and keeps what it replaced.
func TestCorrectionIsKeptWithWhatItReplaced(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts := register.Activities{Store: register.Store{DB: a.Deps.DB}}
	ctx := context.Background()
	family := uuid.NewString()
	if _, err := acts.RecordAttachment(ctx, &familypathv1.RecordAttachmentRequest{FamilyId: family, AttachedAt: timestamppb.New(time.Date(2016, 10, 3, 0, 0, 0, 0, time.UTC)),
		BaselineProblems: []string{"CRIME", "EDUCATION"}, PlanVersion: "lancashire-phase2@1", RequestId: "attach-1"}); err != nil {
		t.Fatal(err)
	}
	fix := &familypathv1.CorrectAttachmentRequest{
		FamilyId:         family,
		RequestId:        "fix-1",
		BaselineProblems: []string{"CRIME", "EDUCATION", "HEALTH"},
		ReasonCode:       "BASELINE_RECORDED_WRONGLY",
	}
	for range 2 {
		if _, err := acts.CorrectAttachment(ctx, fix); err != nil {
			t.Fatal(err)
		}
	}
	var baseline []string
	a.Deps.DB.Raw("SELECT unnest(baseline_problems) FROM attachment.attachments WHERE family_id = ?", family).
		Scan(&baseline)
	var corrections []string
	a.Deps.DB.Raw("SELECT array_to_string(baseline_problems_before, ',') FROM attachment.corrections WHERE family_id = ?", family).
		Scan(&corrections)
	if len(baseline) != 3 || len(corrections) != 1 || corrections[0] != "CRIME,EDUCATION" {
		t.Errorf("baseline %v, corrections %v", baseline, corrections)
	}
	// Another family's correction with the same request id is that family's own, and is made.
	other := uuid.NewString()
	if _, err := acts.RecordAttachment(ctx, &familypathv1.RecordAttachmentRequest{FamilyId: other, AttachedAt: timestamppb.New(time.Date(2016, 10, 4, 0, 0, 0, 0, time.UTC)),
		BaselineProblems: []string{"CRIME", "EDUCATION"}, PlanVersion: "lancashire-phase2@1", RequestId: "attach-other"}); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.CorrectAttachment(ctx, &familypathv1.CorrectAttachmentRequest{FamilyId: other, RequestId: "fix-1", BaselineProblems: []string{"CRIME", "HEALTH"},
		ReasonCode: "BASELINE_RECORDED_WRONGLY"}); err != nil {
		t.Fatal(err)
	}
	var otherBaseline []string
	a.Deps.DB.Raw("SELECT unnest(baseline_problems) FROM attachment.attachments WHERE family_id = ? ORDER BY 1", other).
		Scan(&otherBaseline)
	if strings.Join(otherBaseline, ",") != "CRIME,HEALTH" {
		t.Errorf("another family's correction under the same request id was not made: %v", otherBaseline)
	}
	if _, err := acts.CorrectAttachment(ctx, &familypathv1.CorrectAttachmentRequest{FamilyId: uuid.NewString(), RequestId: "fix-2",
		BaselineProblems: []string{"CRIME", "HEALTH"}, ReasonCode: "X_Y"}); err == nil {
		t.Error("corrected a family with no attachment")
	}
}

// The attachment profile counts the register's attachments per programme year against the
// plan's agreed profile (Lancashire's seed figures).
func TestAttachmentProfileCountsEachProgrammeYear(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts := register.Activities{Store: register.Store{DB: a.Deps.DB}}
	for i, d := range []time.Time{time.Date(2016, 3, 31, 12, 0, 0, 0, time.UTC), time.Date(2016, 4, 1, 9, 0, 0, 0, time.UTC), time.Date(2017, 2, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := acts.RecordAttachment(context.Background(), &familypathv1.RecordAttachmentRequest{FamilyId: uuid.NewString(), AttachedAt: timestamppb.New(d),
			BaselineProblems: []string{"CRIME", "EDUCATION"}, PlanVersion: "lancashire-phase2@1", RequestId: "attach-" + string(rune('a'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	manager := auth.Principal{Subject: "pm", Roles: []string{auth.RoleProgrammeManager}}
	w := a.Do(manager, "GET", "/v1/plans/lancashire-phase2/attachment-profile", "")
	var got struct {
		Years []register.YearCount `json:"years"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 || len(got.Years) != 5 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if y := got.Years[0]; y.Year != "2015/16" || y.Actual != 1 || y.Profile != 1470 || y.Variance != -1469 {
		t.Errorf("2015/16: %+v", y)
	}
	if y := got.Years[1]; y.Actual != 2 || y.Profile != 2833 {
		t.Errorf("2016/17: %+v", y)
	}
	caseworker := auth.Principal{Subject: "cw", Roles: []string{auth.RoleCaseworker}}
	if w := a.Do(caseworker, "GET", "/v1/plans/lancashire-phase2/attachment-profile", ""); w.Code != 403 {
		t.Errorf("caseworker: %d", w.Code)
	}
	if w := a.Do(manager, "GET", "/v1/plans/nope/attachment-profile", ""); w.Code != 404 {
		t.Errorf("unknown plan: %d", w.Code)
	}
}

// A compliance check samples a share of the period's attachments (at least one, the same for
// the same seed) and keeps each case's review; only internal auditors draw and review.
func TestComplianceCheckSamplesAndRecordsReviews(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts := register.Activities{Store: register.Store{DB: a.Deps.DB}}
	for i := range 12 {
		if _, err := acts.RecordAttachment(context.Background(), &familypathv1.RecordAttachmentRequest{FamilyId: uuid.NewString(),
			AttachedAt: timestamppb.New(time.Date(2016, 6, 1+i, 0, 0, 0, 0, time.UTC)), BaselineProblems: []string{"CRIME", "EDUCATION"},
			PlanVersion: "lancashire-phase2@1", RequestId: "attach"}); err != nil {
			t.Fatal(err)
		}
	}
	auditor := auth.Principal{Subject: "aud.1", Roles: []string{auth.RoleAuditor}}
	w := a.Do(
		auditor,
		"POST",
		"/v1/compliance-checks",
		`{"plan_id":"lancashire-phase2","from":"2016-06-01","to":"2016-07-01","rate":0.1}`,
	)
	var check register.CheckBody
	if err := json.Unmarshal(w.Body.Bytes(), &check); err != nil || w.Code != 201 || check.Population != 12 ||
		len(check.Cases) != 2 {
		t.Fatalf("draw: %d %s", w.Code, w.Body)
	}
	if got := register.Draw(12, 0.1, check.Seed); len(got) != 2 {
		t.Errorf("the draw does not repeat: %v", got)
	}
	path := "/v1/compliance-checks/" + check.ID + "/cases/" + check.Cases[0].FamilyID
	if w := a.Do(auditor, "PUT", path, `{"problem_evidence":true,"whole_family_assessment":false,"family_plan":true,"lead_professional":true}`); w.Code != 400 {
		t.Errorf("a failed requirement without a finding: %d", w.Code)
	}
	w = a.Do(
		auditor,
		"PUT",
		path,
		`{"problem_evidence":true,"whole_family_assessment":false,"family_plan":true,"lead_professional":true,"finding_code":"ASSESSMENT_AFTER_ATTACHMENT"}`,
	)
	if err := json.Unmarshal(w.Body.Bytes(), &check); err != nil || w.Code != 200 || check.Reviewed != 1 ||
		check.Compliant != 0 {
		t.Errorf("review: %d %s", w.Code, w.Body)
	}
	caseworker := auth.Principal{Subject: "cw", Roles: []string{auth.RoleCaseworker}}
	if w := a.Do(caseworker, "POST", "/v1/compliance-checks", `{"plan_id":"lancashire-phase2","from":"2016-06-01","to":"2016-07-01","rate":0.1}`); w.Code != 403 {
		t.Errorf("caseworker: %d", w.Code)
	}
	if w := a.Do(auditor, "PUT", "/v1/compliance-checks/"+check.ID+"/cases/"+uuid.NewString(), `{"problem_evidence":true,"whole_family_assessment":true,"family_plan":true,"lead_professional":true}`); w.Code != 404 {
		t.Errorf("a case not in the sample: %d", w.Code)
	}
}
