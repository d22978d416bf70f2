//go:build e2e

package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
)

// syntheticImport writes a mid-programme file from the synthetic county with the case
// service's own command (everyone in it made up), under references no other run uses.
func syntheticImport(t *testing.T, prefix string, households int, badShare float64) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), prefix+".csv")
	cmd := exec.Command(filepath.Join(env(t, "FAMILYPATH_BIN_DIR"), "case"), "synthetic-import", "--out", out, "--prefix", prefix,
		"--households", fmt.Sprint(households), "--seed", fmt.Sprint(time.Now().UnixNano()%1000000), "--bad-share", fmt.Sprint(badShare)) // #nosec G204 -- the stack's own binary
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("synthetic-import: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// importedFamily is what the file says of one family, and its family id once imported.
type importedFamily struct{ ref, window, status, fee, id string }

func familiesOf(t *testing.T, file string) map[string]importedFamily {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(file)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	out := map[string]importedFamily{}
	for _, r := range rows[1:] {
		out[r[col["council_family_ref"]]] = importedFamily{ref: r[col["council_family_ref"]], window: r[col["claim_window"]],
			status: r[col["claim_status"]], fee: r[col["attachment_fee_received"]]}
	}
	return out
}

// dashboardTotals are the plan's dashboard figures summed over its years.
type dashboardTotals struct {
	claimed, attachments        int
	feesPence, resultsPaidPence int64
}

func dashboardOf(t *testing.T, plan string) dashboardTotals {
	t.Helper()
	var d struct {
		FamiliesClaimed int `json:"families_claimed"`
		Years           []struct {
			Attachments int   `json:"attachments"`
			Fees        int64 `json:"income_attachment_fees_pence"`
			Paid        int64 `json:"income_results_pence"`
		} `json:"years"`
	}
	manager := auth.Principal{Subject: "e2e.manager", Roles: []string{auth.RoleProgrammeManager}}
	if err := json.Unmarshal(must(t, http.StatusOK, "GET", env(t, "CLAIMS_URL")+"/v1/plans/"+plan+"/dashboard", "", as(t, manager)...), &d); err != nil {
		t.Fatal(err)
	}
	out := dashboardTotals{claimed: d.FamiliesClaimed}
	for _, y := range d.Years {
		out.attachments += y.Attachments
		out.feesPence += y.Fees
		out.resultsPaidPence += y.Paid
	}
	return out
}

// A council brings its running programme in: the synthetic county's families at every phase.
// A file with planted mistakes imports nothing; the clean file is committed whole, applied by
// its workflow through attachment, claims and case, and each family's workflow runs in its
// phase; the dashboard reconciles with the imported ledger; a window's payment reaches the
// imported families whose claims were submitted; the same file again changes nothing.
func TestARunningProgrammeIsImportedWholeAndReconciles(t *testing.T) {
	cases, analyst := env(t, "CASE_URL"), auth.Principal{Subject: "e2e.data", Roles: []string{auth.RoleDataAnalyst}}
	prefix := fmt.Sprintf("E2E%d", time.Now().UnixNano()%1000000000)
	csvType := []string{"Content-Type", "text/csv"}

	bad := syntheticImport(t, prefix+"B", 400, 0.3)
	before := dashboardOf(t, "lancashire-phase2")
	code, body := request(t, "POST", cases+"/v1/imports", bad, append(csvType, as(t, analyst)...)...)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("a file with planted mistakes: %d %s", code, body)
	}

	file := syntheticImport(t, prefix, 400, 0)
	fams := familiesOf(t, file)
	var imported struct {
		ImportID string `json:"import_id"`
		Families int    `json:"families"`
		New      int    `json:"new_families"`
	}
	if err := json.Unmarshal(must(t, http.StatusAccepted, "POST", cases+"/v1/imports", file, append(csvType, as(t, analyst)...)...), &imported); err != nil ||
		imported.Families != len(fams) || imported.New != len(fams) {
		t.Fatalf("import: %+v %v (file has %d families)", imported, err, len(fams))
	}
	var status struct {
		Status  string `json:"status"`
		Applied int    `json:"applied_families"`
	}
	for deadline := time.Now().Add(3 * time.Minute); status.Status != "DONE"; time.Sleep(time.Second) {
		if err := json.Unmarshal(must(t, http.StatusOK, "GET", cases+"/v1/imports/"+imported.ImportID, "", as(t, analyst)...), &status); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import was not applied: %+v", status)
		}
	}
	if status.Applied != len(fams) {
		t.Fatalf("applied %d of %d families", status.Applied, len(fams))
	}
	var listed struct {
		Families []struct {
			Ref     string `json:"council_family_ref"`
			ID      string `json:"family_id"`
			Applied bool   `json:"applied"`
		} `json:"families"`
	}
	if err := json.Unmarshal(must(t, http.StatusOK, "GET", cases+"/v1/imports/"+imported.ImportID+"/families", "", as(t, analyst)...), &listed); err != nil ||
		len(listed.Families) != len(fams) {
		t.Fatalf("the import's families: %d listed (%v)", len(listed.Families), err)
	}
	for _, l := range listed.Families {
		f, ok := fams[l.Ref]
		if !ok || !l.Applied {
			t.Fatalf("listed %+v", l)
		}
		f.id = l.ID
		fams[l.Ref] = f
	}

	// Each family's workflow in its phase: paid ones have left; submitted ones await payment;
	// the rest are tracked (the plan's programme has ended, so they close at once, having had
	// a fee booked only where the file says it was never received).
	c := temporalClient(t)
	submittedIn := map[string]int{}
	claimed, paid := 0, 0
	for _, f := range fams {
		wf, _ := contract.FamilyWorkflowID(f.id)
		switch f.status {
		case "PAID":
			claimed, paid = claimed+1, paid+1
			waitFor(t, c, wf, "paid (imported)", time.Minute, func(s *familypathv1.FamilyState) bool {
				return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_PAID
			})
		case "SUBMITTED":
			claimed++
			submittedIn[f.window]++
			waitFor(t, c, wf, "submitted (imported)", time.Minute, func(s *familypathv1.FamilyState) bool {
				return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_SUBMITTED && s.GetClaimId() != ""
			})
		default:
			waitFor(t, c, wf, "tracked to the programme's end", time.Minute, func(s *familypathv1.FamilyState) bool {
				return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_PROGRAMME_ENDED && s.GetFeeRecorded()
			})
		}
	}
	if claimed == 0 || paid == 0 || len(submittedIn) == 0 {
		t.Fatalf("the synthetic file has %d claims, %d paid, submitted in %v: too few to check", claimed, paid, submittedIn)
	}
	after := dashboardOf(t, "lancashire-phase2")
	const feePence, resultPence = 100000, 80000 // lancashire-phase2@1
	if d := after.claimed - before.claimed; d != claimed {
		t.Errorf("the dashboard counts %d more families claimed; the file has %d", d, claimed)
	}
	if d := after.attachments - before.attachments; d != len(fams) || after.feesPence-before.feesPence != int64(len(fams))*feePence {
		t.Errorf("the dashboard counts %d more attachments (%d pence); the file has %d families", d, after.feesPence-before.feesPence, len(fams))
	}
	if d := after.resultsPaidPence - before.resultsPaidPence; d != int64(paid)*resultPence {
		t.Errorf("the dashboard counts %d pence more results paid; the file has %d paid", d, paid)
	}

	// The same file again changes nothing.
	var again struct {
		ImportID string `json:"import_id"`
		Already  bool   `json:"already_imported"`
	}
	if err := json.Unmarshal(must(t, http.StatusOK, "POST", cases+"/v1/imports", file, append(csvType, as(t, analyst)...)...), &again); err != nil ||
		!again.Already || again.ImportID != imported.ImportID {
		t.Errorf("the same file again: %+v %v", again, err)
	}

	// A window's payment reaches the imported families whose claims were submitted in it.
	var window string
	for w := range submittedIn {
		window = w
	}
	manager := auth.Principal{Subject: "e2e.manager", Roles: []string{auth.RoleProgrammeManager}}
	must(t, http.StatusOK, "POST", env(t, "CLAIMS_URL")+"/v1/plans/lancashire-phase2/claim-windows/"+window+"/payment",
		`{"paid_at":"`+time.Now().UTC().Format(time.RFC3339)+`"}`, as(t, manager)...)
	for _, f := range fams {
		if f.status == "SUBMITTED" && f.window == window {
			wf, _ := contract.FamilyWorkflowID(f.id)
			waitFor(t, c, wf, "paid after the window's payment", time.Minute, func(s *familypathv1.FamilyState) bool {
				return s.GetPhase() == familypathv1.FamilyPhase_FAMILY_PHASE_PAID
			})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.DescribeWorkflowExecution(ctx, contract.ImportWorkflowID(imported.ImportID), ""); err != nil {
		t.Errorf("the import's workflow: %v", err)
	}
}
