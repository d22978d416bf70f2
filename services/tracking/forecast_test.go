package tracking

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/tracking/internal/forecasting"
	"github.com/familypath/familypath/services/tracking/internal/judging"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func judgement(statuses ...familypathv1.ProblemStatus) *familypathv1.FamilyJudgement {
	j := &familypathv1.FamilyJudgement{}
	for i, s := range statuses {
		p := &familypathv1.ProblemJudgement{Code: []string{"CRIME", "HEALTH"}[i], Status: s}
		if s != familypathv1.ProblemStatus_PROBLEM_STATUS_OUTSTANDING {
			p.ClockStart = timestamppb.New(time.Date(2016, 12, 1, 0, 0, 0, 0, time.UTC))
			p.SustainedAt = timestamppb.New(time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC))
		}
		j.Problems = append(j.Problems, p)
	}
	return j
}

// Each judgement keeps what changed since the last one (the forecast's history): progress,
// then a lapse; a judgement of an earlier moment, arriving late, changes nothing.
func TestJudgementsKeepTheProblemsHistory(t *testing.T) {
	tr := servicetest.New(t, Definition(), servicetest.Options{})
	store := judging.StatusStore{DB: tr.Deps.DB}
	out, progress := familypathv1.ProblemStatus_PROBLEM_STATUS_OUTSTANDING, familypathv1.ProblemStatus_PROBLEM_STATUS_SIGNIFICANT_PROGRESS
	id := uuid.NewString()
	save := func(month time.Month, j *familypathv1.FamilyJudgement) {
		t.Helper()
		req := &familypathv1.JudgeFamilyRequest{
			FamilyId:         id,
			PlanVersion:      "lancashire-phase2@1",
			BaselineProblems: []string{"CRIME", "HEALTH"},
			AttachedAt: timestamppb.New(
				time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC),
			),
			At: timestamppb.New(time.Date(2017, month, 1, 0, 0, 0, 0, time.UTC)),
		}
		if err := store.Save(context.Background(), req, j, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	save(1, judgement(out, out))
	save(2, judgement(progress, out))
	save(2, judgement(progress, out)) // a retry
	save(4, judgement(out, out))
	save(3, judgement(progress, progress)) // late, and older than the judgement kept
	var moves []struct{ Problem, ToStatus string }
	if err := tr.Deps.DB.Raw(`SELECT problem, to_status FROM tracking.problem_transitions WHERE family_id = ? ORDER BY seq`, id).Scan(&moves).Error; err != nil {
		t.Fatal(err)
	}
	if len(moves) != 2 || moves[0] != (struct{ Problem, ToStatus string }{"CRIME", "SIGNIFICANT_PROGRESS"}) ||
		moves[1].ToStatus != "OUTSTANDING" {
		t.Fatalf("history %+v", moves)
	}
}

// A forecast made from the read model is kept once (a retried activity keeps the same
// snapshot), answered as JSON and CSV, listed in the history and summed up in the management
// pack; no family id is in any of them.
func TestTheForecastIsMadeFromTheReadModelAndKept(t *testing.T) {
	tr := servicetest.New(t, Definition(), servicetest.Options{})
	store := judging.StatusStore{DB: tr.Deps.DB}
	out, progress := familypathv1.ProblemStatus_PROBLEM_STATUS_OUTSTANDING, familypathv1.ProblemStatus_PROBLEM_STATUS_SIGNIFICANT_PROGRESS
	var ids []string
	for i := range 40 {
		id := uuid.NewString()
		ids = append(ids, id)
		j := judgement(out, out)
		if i%2 == 0 {
			j = judgement(progress, out)
		}
		req := &familypathv1.JudgeFamilyRequest{
			FamilyId:         id,
			PlanVersion:      "lancashire-phase2@1",
			BaselineProblems: []string{"CRIME", "HEALTH"},
			AttachedAt: timestamppb.New(
				time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC),
			),
			At: timestamppb.New(time.Date(2017, 2, 1, 0, 0, 0, 0, time.UTC)),
		}
		if err := store.Save(context.Background(), req, j, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := tr.Deps.Plans()
	if err != nil {
		t.Fatal(err)
	}
	maker := forecasting.Maker{Store: forecasting.Store{DB: tr.Deps.DB}, Plans: ps}
	asOf := time.Date(2017, 2, 15, 0, 0, 0, 0, time.UTC)
	first, err := maker.Make(context.Background(), "lancashire-phase2", 400, "forecast/lancashire-phase2/run-1", asOf)
	if err != nil {
		t.Fatal(err)
	}
	again, err := maker.Make(
		context.Background(),
		"lancashire-phase2",
		400,
		"forecast/lancashire-phase2/run-1",
		asOf.Add(time.Hour),
	)
	if err != nil || again.ID != first.ID || !again.AsOf.Equal(first.AsOf) {
		t.Fatalf("a retry made another snapshot: %v %v", again, err)
	}
	if first.Families != 40 || first.Forecast.Inputs.Families != 40 || len(first.PlanVersions) != 1 ||
		!strings.HasPrefix(first.PlanVersions[0], "lancashire-phase2@1#") {
		t.Fatalf("snapshot %+v", first)
	}
	if _, err := maker.MakeForecast(context.Background(), &familypathv1.MakeForecastRequest{PlanId: "no-such-plan", RequestedBy: "x"}); err == nil {
		t.Fatal("a forecast of an unknown plan")
	}

	manager := auth.Principal{Subject: "finance", Roles: []string{auth.RoleProgrammeManager}}
	w := tr.Do(manager, "GET", "/v1/reports/forecast?plan=lancashire-phase2", "")
	var got forecasting.Snapshot
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil || got.ID != first.ID ||
		got.Forecast.Total.Results.P50 == 0 {
		t.Fatalf("forecast: %d %s", w.Code, w.Body.String())
	}
	csv := tr.Do(manager, "GET", "/v1/reports/forecast?plan=lancashire-phase2", "", "Accept", "text/csv").Body.String()
	if !strings.HasPrefix(csv, "as_of,kind,id,year,past,achieved,results_p10") ||
		strings.Count(csv, ",window,") != 17 ||
		!strings.Contains(csv, ",total,") {
		t.Fatalf("forecast CSV:\n%s", csv)
	}
	hist := tr.Do(manager, "GET", "/v1/reports/forecast-history?plan=lancashire-phase2", "").Body.String()
	if !strings.Contains(hist, first.ID) || !strings.Contains(hist, `"chance_of_budget":`) {
		t.Fatalf("history %s", hist)
	}
	pack := tr.Do(manager, "GET", "/v1/reports/management-pack?plan=lancashire-phase2&month=2017-02", "").Body.String()
	if !strings.Contains(pack, "results forecast as of 2017-02-15") ||
		!strings.Contains(pack, "chance of reaching the budget's assumption (%)") {
		t.Fatalf("pack %s", pack)
	}
	for _, body := range []string{w.Body.String(), csv, hist, pack} {
		for _, id := range ids {
			if strings.Contains(body, id) {
				t.Fatal("a family id in a forecast answer")
			}
		}
	}
	if w := tr.Do(manager, "GET", "/v1/reports/forecast", ""); w.Code != http.StatusBadRequest {
		t.Errorf("without a plan: %d", w.Code)
	}
	if w := tr.Do(manager, "GET", "/v1/reports/forecast?plan=supporting-families-2022", ""); w.Code != http.StatusNotFound {
		t.Errorf("a plan without a forecast: %d", w.Code)
	}
	caseworker := auth.Principal{Subject: "cw", Roles: []string{auth.RoleCaseworker}}
	if w := tr.Do(caseworker, "GET", "/v1/reports/forecast?plan=lancashire-phase2", ""); w.Code != http.StatusForbidden {
		t.Errorf("a caseworker read the forecast: %d", w.Code)
	}
}

// Families whose evidence no extract has refreshed while others' was: per family for the
// programme manager, counted for a team manager, and in the management pack.
func TestFamiliesWhoseEvidenceWentStaleAreReported(t *testing.T) {
	tr := servicetest.New(t, Definition(), servicetest.Options{})
	store := judging.StatusStore{DB: tr.Deps.DB}
	out := familypathv1.ProblemStatus_PROBLEM_STATUS_OUTSTANDING
	save := func(coverage outcomes.Coverage) string {
		t.Helper()
		id := uuid.NewString()
		req := &familypathv1.JudgeFamilyRequest{
			FamilyId:         id,
			PlanVersion:      "lancashire-phase2@1",
			BaselineProblems: []string{"CRIME", "HEALTH"},
			AttachedAt: timestamppb.New(
				time.Date(2016, 6, 1, 0, 0, 0, 0, time.UTC),
			),
			At: timestamppb.New(time.Date(2017, 1, 5, 0, 0, 0, 0, time.UTC)),
		}
		if err := store.Save(context.Background(), req, judgement(out, out), nil, coverage); err != nil {
			t.Fatal(err)
		}
		return id
	}
	fresh := save(
		outcomes.Coverage{
			"police":     outcomes.Date(2017, 1, 1),
			"health":     outcomes.Date(2016, 12, 1),
			"caseworker": outcomes.Date(2017, 1, 5),
		},
	)
	stale := save(outcomes.Coverage{"police": outcomes.Date(2016, 9, 1), "caseworker": outcomes.Date(2017, 1, 5)})
	referred := save(nil)
	manager := auth.Principal{Subject: "pm", Roles: []string{auth.RoleProgrammeManager}}
	body := tr.Do(
		manager,
		"GET",
		"/v1/reports/stale-evidence?plan=lancashire-phase2",
		"",
		"Accept",
		"text/csv",
	).Body.String()
	if !strings.Contains(body, "EVIDENCE_NOT_REFRESHED,"+stale) ||
		!strings.Contains(body, "NO_EXTRACT_COVERAGE,"+referred) ||
		strings.Contains(body, fresh) {
		t.Fatalf("stale evidence:\n%s", body)
	}
	team := auth.Principal{Subject: "tm", Roles: []string{auth.RoleTeamManager}, Team: "preston-1"}
	counts := tr.Do(team, "GET", "/v1/reports/stale-evidence?plan=lancashire-phase2", "").Body.String()
	if strings.Contains(counts, stale) || !strings.Contains(counts, `"families":1`) {
		t.Fatalf("counts %s", counts)
	}
	var pack struct {
		Items []struct {
			Section, Measure string
			Value            int
		}
	}
	w := tr.Do(manager, "GET", "/v1/reports/management-pack?plan=lancashire-phase2&month=2017-01", "")
	if err := json.Unmarshal(w.Body.Bytes(), &pack); err != nil {
		t.Fatal(err)
	}
	quality := map[string]int{}
	for _, it := range pack.Items {
		if it.Section == "data quality" {
			quality[it.Measure] = it.Value
		}
	}
	if quality["attached families whose evidence no extract has refreshed for 45 days (now)"] != 1 ||
		quality["attached families no extract covers (now)"] != 1 {
		t.Fatalf("pack's data quality: %v", quality)
	}
	if w := tr.Do(manager, "GET", "/v1/reports/stale-evidence?days=0", ""); w.Code != http.StatusBadRequest {
		t.Errorf("days=0: %d", w.Code)
	}
}
