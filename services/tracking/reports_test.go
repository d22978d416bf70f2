package tracking

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/tracking/internal/judging"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The reports read tracking's read model: five families judged as the judging activity keeps
// them, answered as JSON and CSV to a programme manager, and refused to a caseworker.
func TestReportsCountAndProjectTheReadModel(t *testing.T) {
	tr := servicetest.New(t, Definition(), servicetest.Options{})
	store := judging.StatusStore{DB: tr.Deps.DB}
	outstanding := familypathv1.ProblemStatus_PROBLEM_STATUS_OUTSTANDING
	progress := familypathv1.ProblemStatus_PROBLEM_STATUS_SIGNIFICANT_PROGRESS
	problems := func(ss ...familypathv1.ProblemStatus) []*familypathv1.ProblemJudgement {
		var out []*familypathv1.ProblemJudgement
		for i, s := range ss {
			out = append(out, &familypathv1.ProblemJudgement{Code: []string{"CRIME", "EDUCATION"}[i], Status: s})
		}
		return out
	}
	ce := time.Date(2017, 9, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range []struct {
		j  *familypathv1.FamilyJudgement
		ce *time.Time
	}{
		{&familypathv1.FamilyJudgement{Problems: problems(outstanding, outstanding), Blocking: []string{"CRIME", "EDUCATION"}}, nil},
		{&familypathv1.FamilyJudgement{Problems: problems(progress, outstanding), Blocking: []string{"EDUCATION"}, EarliestClaimAt: timestamppb.New(ce)}, &ce},
		{&familypathv1.FamilyJudgement{Problems: problems(progress, outstanding), Blocking: []string{"EDUCATION"}}, nil},
		{&familypathv1.FamilyJudgement{Problems: problems(progress, progress), ResultRoute: familypathv1.ResultRoute_RESULT_ROUTE_SSP, AchievedAt: timestamppb.New(ce)}, nil},
		{&familypathv1.FamilyJudgement{Problems: problems(progress, progress), Flags: []string{"POSSIBLE_MOVE_TO_UC_EVIDENCE_OF_WORK_NEEDED"}}, nil},
	} {
		req := &familypathv1.JudgeFamilyRequest{
			FamilyId:         uuid.NewString(),
			PlanVersion:      "lancashire-phase2@1",
			BaselineProblems: []string{"CRIME", "EDUCATION"},
			AttachedAt: timestamppb.New(
				time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC),
			),
			At:                 timestamppb.New(time.Date(2017, 2, 1, 0, 0, 0, 0, time.UTC)),
			EvidenceSnapshotId: uuid.NewString(),
		}
		if err := store.Save(context.Background(), req, f.j, f.ce, nil); err != nil {
			t.Fatal(err)
		}
	}
	manager := auth.Principal{Subject: "pm", Roles: []string{auth.RoleProgrammeManager}}
	get := func(path string) map[string]int {
		t.Helper()
		w := tr.Do(manager, "GET", "/v1/reports/"+path+"?plan=lancashire-phase2", "")
		var r struct {
			Items []struct {
				Outstanding *int   `json:"outstanding_problems"` // counts are numbers
				Problem     string `json:"problem"`
				Status      string `json:"status"`
				Families    *int   `json:"families"`
			} `json:"items"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil || w.Code != 200 {
			t.Fatalf("%s: %d %s (%v)", path, w.Code, w.Body, err)
		}
		out := map[string]int{}
		for _, it := range r.Items {
			key := it.Problem + it.Status
			if it.Outstanding != nil {
				key = strconv.Itoa(*it.Outstanding) + key
			}
			out[key]++
			if it.Families != nil {
				out[key] = *it.Families
			}
		}
		return out
	}
	// Reports come a page at a time: ?limit= and the next_cursor each page names.
	var paged []string
	for cursor := ""; ; {
		w := tr.Do(manager, "GET", "/v1/reports/claim-projection?plan=lancashire-phase2&limit=2"+cursor, "")
		var page struct {
			Items []struct {
				FamilyID string `json:"family_id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || w.Code != 200 || len(page.Items) > 2 {
			t.Fatalf("a page of the projection: %d %s", w.Code, w.Body)
		}
		for _, it := range page.Items {
			paged = append(paged, it.FamilyID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = "&cursor=" + page.NextCursor
	}
	if len(paged) < 5 || len(slices.Compact(slices.Sorted(slices.Values(paged)))) != len(paged) {
		t.Errorf("the projection page by page: %v", paged)
	}
	for _, bad := range []string{"&limit=0", "&limit=201", "&cursor=bm90LWEtY3Vyc29y"} {
		if w := tr.Do(manager, "GET", "/v1/reports/claim-projection?plan=lancashire-phase2"+bad, ""); w.Code != 400 {
			t.Errorf("%s: %d", bad, w.Code)
		}
	}
	if got := get("outstanding-problems"); got["0"] != 1 || got["1"] != 2 || got["2"] != 1 {
		t.Errorf("outstanding: %v", got)
	}
	if got := get("blocked-by-one-problem"); len(got) != 1 || got["EDUCATION"] != 2 {
		t.Errorf("blocked by one: %v", got)
	}
	if got := get("continuous-employment"); got["CANDIDATE"] != 1 || got["KEPT_OUT_UNTIL_WORK_EVIDENCED"] != 1 {
		t.Errorf("continuous employment: %v", got)
	}
	// The management pack of October 2016 (all five attached then) and of September 2017 (one
	// result achieved, by SSP; one family claimable within a month of August's end).
	pack := func(month string) map[string]string {
		t.Helper()
		w := tr.Do(manager, "GET", "/v1/reports/management-pack?plan=lancashire-phase2&month="+month, "")
		var r struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil || w.Code != 200 {
			t.Fatalf("pack: %d %s", w.Code, w.Body)
		}
		out := map[string]string{}
		for _, it := range r.Items {
			out[fmt.Sprint(it["section"])+": "+fmt.Sprint(it["measure"])] = fmt.Sprint(it["value"])
		}
		return out
	}
	oct := pack("2016-10")
	if oct["attachments: attached in the month"] != "5" ||
		oct["progress to claims: results achieved by the month's end"] != "0" ||
		oct["attached families by outstanding problems: 1 outstanding"] != "2" ||
		oct["blocked by one problem: EDUCATION"] != "2" {
		t.Errorf("October 2016: %v", oct)
	}
	sep, aug := pack("2017-09"), pack("2017-08")
	if sep["progress to claims: results achieved in the month: significant and sustained progress"] != "1" ||
		sep["attachments: attached in the month"] != "0" ||
		sep["attachments: attached by the month's end"] != "5" ||
		aug["potential claims: claimable within 1 month of the month's end, if progress holds"] != "1" {
		t.Errorf("September 2017: %v; August: %v", sep, aug)
	}
	if w := tr.Do(manager, "GET", "/v1/reports/management-pack?month=May", ""); w.Code != 400 {
		t.Errorf("a bad month: %d", w.Code)
	}
	w := tr.Do(manager, "GET", "/v1/reports/claim-projection", "", "Accept", "text/csv")
	lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
	if w.Code != 200 || len(lines) != 6 || !strings.HasPrefix(lines[0], "family_id,plan_version,attached_at") ||
		!strings.Contains(w.Body.String(), ",SSP,2017-09-01") {
		t.Errorf("projection CSV: %d %q", w.Code, lines)
	}
	if w := tr.Do(manager, "GET", "/v1/reports/outstanding-problems?plan=no-such-plan", ""); w.Code != 404 {
		t.Errorf("an unknown plan: %d %s", w.Code, w.Body)
	}
	caseworker := auth.Principal{Subject: "cw", Roles: []string{auth.RoleCaseworker}}
	if w := tr.Do(caseworker, "GET", "/v1/reports/claim-projection", ""); w.Code != 403 {
		t.Errorf("caseworker: %d", w.Code)
	}
	// A team manager reads the same reports as counts, with no family ids; the programme
	// manager's per-family reads are in the audit trail.
	teamManager := auth.Principal{Subject: "tm", Roles: []string{auth.RoleTeamManager}, Team: "preston-1"}
	for _, report := range []string{"claim-projection", "continuous-employment"} {
		w := tr.Do(teamManager, "GET", "/v1/reports/"+report, "", "Accept", "text/csv")
		lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
		if w.Code != 200 || strings.Contains(w.Body.String(), "family_id") ||
			!strings.HasSuffix(lines[0], ",families") ||
			len(lines) < 2 {
			t.Errorf("%s for a team manager: %d %q", report, w.Code, lines)
		}
	}
	if w := tr.Do(teamManager, "GET", "/v1/reports/claim-projection?plan=lancashire-phase2", ""); !strings.Contains(
		w.Body.String(),
		`"earliest_claim_month":"2017-09","families":1,"outstanding_problems":1`,
	) {
		t.Errorf("projection counts: %s", w.Body)
	}
	events, err := tr.Deps.Audit.Query(context.Background(), audit.Filter{ResourceType: "report", Actor: "pm"})
	if err != nil || len(events) < 2 || events[0].Action != string(policy.ReportFamilyRows) {
		t.Errorf("per-family report reads audited: %+v %v", events, err)
	}
	if events, _ := tr.Deps.Audit.Query(context.Background(), audit.Filter{ResourceType: "report", Actor: "tm"}); len(
		events,
	) != 0 {
		t.Errorf("counts recorded as per-family reads: %+v", events)
	}
}
