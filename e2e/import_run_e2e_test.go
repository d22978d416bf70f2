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

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/synthetic/county"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
)

// syntheticImport writes a mid-programme file from the synthetic county with the case
// service's own command (everyone in it made up), under references no other run uses.
func syntheticImport(t *testing.T, prefix string, households int, seed uint64, badShare float64) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), prefix+".csv")
	cmd := exec.Command(
		filepath.Join(env(t, "FAMILYPATH_BIN_DIR"), "case"),
		"synthetic-import",
		"--out",
		out,
		"--prefix",
		prefix,
		"--households",
		fmt.Sprint(households),
		"--seed",
		fmt.Sprint(seed),
		"--bad-share",
		fmt.Sprint(badShare),
	) // #nosec G204 -- the stack's own binary
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
		out[r[col["council_family_ref"]]] = importedFamily{
			ref:    r[col["council_family_ref"]],
			window: r[col["claim_window"]],
			status: r[col["claim_status"]],
			fee:    r[col["attachment_fee_received"]],
		}
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

// importWhole imports a clean file through the case service and waits for its workflow to
// apply every family; it answers the import's id.
func importWhole(t *testing.T, file string, families int) string {
	t.Helper()
	cases, analyst := env(t, "CASE_URL"), auth.Principal{Subject: "e2e.data", Roles: []string{auth.RoleDataAnalyst}}
	var imported struct {
		ImportID string `json:"import_id"`
		Families int    `json:"families"`
		New      int    `json:"new_families"`
	}
	if err := json.Unmarshal(must(t, http.StatusAccepted, "POST", cases+"/v1/imports", file, append([]string{"Content-Type", "text/csv"}, as(t, analyst)...)...), &imported); err != nil ||
		imported.Families != families ||
		imported.New != families {
		t.Fatalf("import: %+v %v (file has %d families)", imported, err, families)
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
	if status.Applied != families {
		t.Fatalf("applied %d of %d families", status.Applied, families)
	}
	return imported.ImportID
}

// listImported fills in each family's id from the import's listing of references.
func listImported(t *testing.T, importID string, fams map[string]importedFamily) {
	t.Helper()
	analyst := auth.Principal{Subject: "e2e.data", Roles: []string{auth.RoleDataAnalyst}}
	var listed struct {
		Families []struct {
			Ref     string `json:"council_family_ref"`
			ID      string `json:"family_id"`
			Applied bool   `json:"applied"`
		} `json:"families"`
	}
	if err := json.Unmarshal(must(t, http.StatusOK, "GET", env(t, "CASE_URL")+"/v1/imports/"+importID+"/families", "", as(t, analyst)...), &listed); err != nil ||
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
}

// A family imported and later found by an identification run is one family, not two: the run
// recognises the household by its people (dates of birth and names as the council held them)
// and gives it the imported family's id, so its evidence goes to the imported family's workflow.
func TestAnImportedFamilyFoundByARunIsOneFamily(t *testing.T) {
	seed := uint64(time.Now().UnixNano()%1000000) + 1
	prefix := fmt.Sprintf("E2R%d", time.Now().UnixNano()%1000000000)
	file := syntheticImport(t, prefix, 200, seed, 0)
	fams := familiesOf(t, file)
	listImported(t, importWhole(t, file, len(fams)), fams)
	imported := map[string]bool{}
	for _, f := range fams {
		imported[f.id] = true
	}
	dir := t.TempDir()
	if _, err := county.WriteFiles(dir, extracts.CSV, county.Config{Seed: seed, Households: 200}); err != nil {
		t.Fatal(err)
	}
	run := identify(t, uploadCounty(t, dir), fmt.Sprintf("e2e-recognise-%d", time.Now().UnixNano()))
	var recognitions struct {
		Items []struct {
			FamilyID      string `json:"family_id"`
			KnownFamilyID string `json:"known_family_id"`
			Certain       bool   `json:"certain"`
			SameFamily    bool   `json:"same_family"`
		} `json:"items"`
	}
	if err := json.Unmarshal(must(t, http.StatusOK, "GET", env(t, "IDENTIFICATION_URL")+"/v1/identification-runs/"+run.ID+"/recognitions?limit=200", ""), &recognitions); err != nil {
		t.Fatal(err)
	}
	certain := 0
	for _, r := range recognitions.Items {
		if !imported[r.KnownFamilyID] {
			continue // another test's import
		}
		if r.Certain {
			certain++
			if !r.SameFamily {
				t.Errorf("a household recognised for certain as %s became family %s", r.KnownFamilyID, r.FamilyID)
			}
		}
	}
	// Agency data carries typos and missing dates of birth: most, not all, are certain.
	if certain < len(fams)/2 {
		t.Fatalf(
			"%d of %d imported families recognised for certain (%d recognitions)",
			certain,
			len(fams),
			len(recognitions.Items),
		)
	}
	// The run's eligible families include the imported ones under their own ids, and no run
	// family is a second copy of one (its people matched to an imported family).
	var families struct {
		Items []struct {
			FamilyID string `json:"family_id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(must(t, http.StatusOK, "GET", env(t, "IDENTIFICATION_URL")+"/v1/identification-runs/"+run.ID+"/families?eligible=true&limit=200", ""), &families); err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, f := range fams {
		status[f.id] = f.status
	}
	same := 0
	c := temporalClient(t)
	for _, f := range families.Items {
		if !imported[f.FamilyID] {
			continue
		}
		same++
		if status[f.FamilyID] == "SUBMITTED" { // still running: the run's evidence reached the imported family's own workflow
			wf, _ := contract.FamilyWorkflowID(f.FamilyID)
			waitFor(t, c, wf, "the run's evidence", 30*time.Second, func(s *familypathv1.FamilyState) bool {
				return s.GetEvidenceReceivedCount() > 0 && s.GetEvidenceSnapshotId() != ""
			})
		}
	}
	if same == 0 {
		t.Errorf("none of the run's %d eligible families is an imported one", len(families.Items))
	}
	t.Logf(
		"%d imported families; the run recognised %d for certain; %d of its %d eligible families are imported ones (fan-out %+v)",
		len(fams),
		certain,
		same,
		len(families.Items),
		run.Fanout,
	)
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

	seed := uint64(time.Now().UnixNano() % 1000000)
	bad := syntheticImport(t, prefix+"B", 400, seed, 0.3)
	before := dashboardOf(t, "lancashire-phase2")
	code, body := request(t, "POST", cases+"/v1/imports", bad, append(csvType, as(t, analyst)...)...)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("a file with planted mistakes: %d %s", code, body)
	}

	file := syntheticImport(t, prefix, 400, seed, 0)
	fams := familiesOf(t, file)
	importID := importWhole(t, file, len(fams))
	listImported(t, importID, fams)

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
		t.Fatalf(
			"the synthetic file has %d claims, %d paid, submitted in %v: too few to check",
			claimed,
			paid,
			submittedIn,
		)
	}
	after := dashboardOf(t, "lancashire-phase2")
	const feePence, resultPence = 100000, 80000 // lancashire-phase2@1
	if d := after.claimed - before.claimed; d != claimed {
		t.Errorf("the dashboard counts %d more families claimed; the file has %d", d, claimed)
	}
	if d := after.attachments - before.attachments; d != len(fams) ||
		after.feesPence-before.feesPence != int64(len(fams))*feePence {
		t.Errorf(
			"the dashboard counts %d more attachments (%d pence); the file has %d families",
			d,
			after.feesPence-before.feesPence,
			len(fams),
		)
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
		!again.Already ||
		again.ImportID != importID {
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
	if _, err := c.DescribeWorkflowExecution(ctx, contract.ImportWorkflowID(importID), ""); err != nil {
		t.Errorf("the import's workflow: %v", err)
	}
}
