package claims

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/claims/internal/dashboard"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The dashboard's figures are the ledger's and the claims': three attachments in 2016/17, two
// results in the 2017-07 window (2017/18), paid in September 2017.
func TestDashboardReconcilesWithTheLedgerAndTheClaims(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts, _ := activities(t, a)
	ctx := context.Background()
	var families []string
	for i := range 3 {
		f := uuid.NewString()
		families = append(families, f)
		if _, err := acts.RecordAttachmentFee(ctx, &familypathv1.RecordAttachmentFeeRequest{FamilyId: f, AttachmentId: "att-" + f,
			AttachedAt: timestamppb.New(time.Date(2016, 6, 1+i, 0, 0, 0, 0, time.UTC)), PlanVersion: "lancashire-phase2@1"}); err != nil {
			t.Fatal(err)
		}
	}
	var claims []string
	for _, f := range families[:2] {
		c, err := acts.CreateClaim(ctx, claimFor(f, 1, "lancashire-phase2@1"))
		if err != nil {
			t.Fatal(err)
		}
		claims = append(claims, c.GetClaimId())
	}
	if _, err := acts.TakeWindowClaims(ctx, &familypathv1.TakeWindowClaimsRequest{WindowId: "2017-07", PlanId: "lancashire-phase2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.SubmitWindow(ctx, &familypathv1.SubmitWindowRequest{PlanId: "lancashire-phase2", WindowId: "2017-07", ClaimIds: claims}); err != nil {
		t.Fatal(err)
	}
	manager := auth.Principal{Subject: "pm", Roles: []string{auth.RoleProgrammeManager}}
	a.Do(
		manager,
		"POST",
		"/v1/plans/lancashire-phase2/claim-windows/2017-07/payment",
		`{"paid_at":"2017-09-01T00:00:00Z"}`,
	) // 503: no window workflow here; kept
	w := a.Do(manager, "GET", "/v1/plans/lancashire-phase2/dashboard", "")
	var d dashboard.Dashboard
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil || w.Code != 200 || len(d.Years) != 5 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	y16, y17 := d.Years[1], d.Years[2]
	p, _ := acts.Plans.ByKey("lancashire-phase2@1")
	if y16.Year != "2016/17" || y16.Attachments != 3 || y16.IncomeFeesPence != 3*p.Money.AttachmentFeePence ||
		y16.Results != 0 ||
		y16.BudgetAssumptionPence != dashboard.BudgetAssumption(3, p.Money) ||
		y16.AttachmentsProfile != 2833 {
		t.Errorf("2016/17: %+v", y16)
	}
	if y17.Results != 2 || y17.IncomeResultsPence != 2*p.Money.ResultPence || y17.CumulativeResults != 2 ||
		y17.CumulativeTarget != 338+1500 ||
		d.FamiliesClaimed != 2 {
		t.Errorf("2017/18: %+v, families claimed %d", y17, d.FamiliesClaimed)
	}
	if got := dashboard.BudgetAssumption(10, p.Money); got != 10*100000+7*80000 {
		t.Errorf("budget assumption for 10 attachments: %d", got)
	}
}

// The dashboard keeps its copy of the latest forecast: a later one replaces it, an earlier one
// (a late retry) does not, and the dashboard answers it.
func TestTheDashboardKeepsTheLatestForecast(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	kept := dashboard.Forecasts{DB: a.Deps.DB}
	record := func(id string, asOf time.Time, p50 int) {
		t.Helper()
		body := `{"plan_id":"lancashire-phase2","as_of":"` + asOf.Format(
			time.RFC3339,
		) + `","total":{"results":{"p10":1,"p50":` + strconv.Itoa(
			p50,
		) + `,"p90":9000}}}`
		if _, err := kept.RecordForecast(context.Background(), &familypathv1.ForecastSnapshot{Id: id, PlanId: "lancashire-phase2",
			AsOf: timestamppb.New(asOf), ForecastJson: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	record(uuid.NewString(), time.Date(2017, 5, 5, 6, 0, 0, 0, time.UTC), 5000)
	record(uuid.NewString(), time.Date(2017, 6, 5, 6, 0, 0, 0, time.UTC), 5200)
	record(uuid.NewString(), time.Date(2017, 4, 5, 6, 0, 0, 0, time.UTC), 4800) // late
	manager := auth.Principal{Subject: "pm", Roles: []string{auth.RoleProgrammeManager}}
	w := a.Do(manager, "GET", "/v1/plans/lancashire-phase2/dashboard", "")
	var d dashboard.Dashboard
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil || d.Forecast == nil ||
		d.Forecast.Total.Results.P50 != 5200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if _, err := kept.RecordForecast(context.Background(), &familypathv1.ForecastSnapshot{Id: uuid.NewString(), PlanId: "lancashire-phase2",
		ForecastJson: []byte("not json")}); err == nil {
		t.Fatal("a snapshot that is not a forecast was kept")
	}
}

// The ledger by plan and status is a Prometheus gauge on the service's metrics, for the
// programme's Grafana dashboard.
func TestClaimsByStatusAreExportedForTheDashboard(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	plan := "metrics-test-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:8]
	for i, status := range []string{"READY", "READY", "PAID"} {
		if err := a.Deps.DB.Exec(`INSERT INTO claims.claims (id, family_id, attempt, route, plan_version, evidence_snapshot_id, achieved_at, problems, status)
			VALUES (?, ?, 1, 'SSP', ?, 's-1', now(), '[]', ?)`, uuid.NewString(), uuid.NewString(), plan+"@1", status).Error; err != nil {
			t.Fatal(i, err)
		}
	}
	got := map[string]float64{}
	for _, s := range a.Series("familypath_claims") {
		if s.Labels["plan"] == plan {
			got[s.Labels["status"]] = s.Value
		}
	}
	if got["READY"] != 2 || got["PAID"] != 1 || len(got) != 2 {
		t.Errorf("familypath_claims for %s: %v", plan, got)
	}
}
