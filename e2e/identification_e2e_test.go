//go:build e2e

package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/synthetic/county"
)

// An analyst uploads a county's extracts and starts an identification run through the API:
// the IdentificationRun workflow (on the running workflow worker) has identification link,
// group and judge, then start each eligible family's FamilyLifecycle workflow, which asks
// identification for its problems; a second run over the same uploads tells nobody.
// identificationRun is a run as the API shows it.
type identificationRun struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Counts struct {
		Eligible int `json:"eligible"`
		Changed  int `json:"changed"`
	} `json:"counts"`
	Fanout struct {
		Started, Signalled, Unchanged, Closed int
	} `json:"fanout"`
}

// uploadCounty uploads a county's extracts (as of 2016-10-01) and answers their upload ids.
func uploadCounty(t *testing.T, dir string) []string {
	t.Helper()
	var uploads []string
	for _, f := range extracts.Feeds() {
		file, err := os.ReadFile(filepath.Join(dir, f.Name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		code, body := request(
			t,
			"POST",
			env(t, "IDENTIFICATION_URL")+"/v1/uploads?feed="+f.Name+"&as_of=2016-10-01&file_name="+f.Name+".csv",
			string(file),
			"Content-Type",
			"text/csv",
		)
		var up struct {
			ID string `json:"id"`
		}
		// 200: the same content was loaded before (an empty feed, say): its upload is answered.
		if err := json.Unmarshal(body, &up); err != nil || code != 201 && code != 200 {
			t.Fatalf("upload %s: %d %s", f.Name, code, body)
		}
		uploads = append(uploads, up.ID)
	}
	return uploads
}

// identify runs identification over the uploads under Lancashire's plan and waits for it.
func identify(t *testing.T, uploads []string, key string) identificationRun {
	t.Helper()
	base := env(t, "IDENTIFICATION_URL")
	body := fmt.Sprintf(
		`{"plan_id":"lancashire-phase2","reference_date":"2016-10-01","upload_ids":["%s"]}`,
		strings.Join(uploads, `","`),
	)
	code, b := request(t, "POST", base+"/v1/identification-runs", body, "Idempotency-Key", key)
	var r identificationRun
	if err := json.Unmarshal(b, &r); err != nil || code != 202 {
		t.Fatalf("start run: %d %s", code, b)
	}
	deadline := time.Now().Add(90 * time.Second)
	for r.Status != "COMPLETED" {
		if time.Now().After(deadline) {
			t.Fatalf("run %s not completed: %+v", r.ID, r)
		}
		time.Sleep(300 * time.Millisecond)
		_, b = request(t, "GET", base+"/v1/identification-runs/"+r.ID, "")
		_ = json.Unmarshal(b, &r)
	}
	return r
}

func TestAnIdentificationRunStartsTheEligibleFamiliesWorkflows(t *testing.T) {
	base := env(t, "IDENTIFICATION_URL")
	dir := t.TempDir()
	if _, err := county.WriteFiles(dir, extracts.CSV, county.Config{Seed: uint64(time.Now().UnixNano()), Households: 200}); err != nil {
		t.Fatal(err)
	}
	uploads := uploadCounty(t, dir)
	start := func(key string) identificationRun { return identify(t, uploads, key) }
	first := start(fmt.Sprintf("e2e-run-%d", time.Now().UnixNano()))
	if first.Counts.Eligible == 0 || first.Fanout.Started != first.Counts.Eligible {
		t.Fatalf("first run: %+v", first)
	}
	code, b := request(t, "GET", base+"/v1/identification-runs/"+first.ID+"/families?eligible=true&limit=1", "")
	var families struct {
		Items []struct {
			FamilyID     string   `json:"family_id"`
			ProblemCodes []string `json:"problem_codes"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &families); err != nil || code != 200 || len(families.Items) != 1 {
		t.Fatalf("families: %d %s", code, b)
	}
	fam := families.Items[0]
	var state struct {
		Phase                 string   `json:"phase"`
		ProblemCodes          []string `json:"problem_codes"`
		EvidenceReceivedCount int      `json:"evidence_received_count"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for state.EvidenceReceivedCount == 0 || len(state.ProblemCodes) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the family's workflow never took its evidence: %+v", state)
		}
		time.Sleep(200 * time.Millisecond)
		_, b = request(t, "GET", base+"/v1/candidate-families/"+fam.FamilyID+"/lifecycle", "")
		_ = json.Unmarshal(b, &state)
	}
	if state.Phase != "IDENTIFIED" || strings.Join(state.ProblemCodes, ",") != strings.Join(fam.ProblemCodes, ",") ||
		state.EvidenceReceivedCount != 1 {
		t.Errorf("the family's workflow: %+v, the run's problems %v", state, fam.ProblemCodes)
	}
	historyIsCiphertext(t, "family/"+fam.FamilyID)
	personFoundByIdentity(t, filepath.Join(dir, "social_care.csv"))
	second := start(fmt.Sprintf("e2e-run-again-%d", time.Now().UnixNano()))
	if second.Counts.Changed != 0 || second.Fanout.Started+second.Fanout.Signalled != 0 ||
		second.Fanout.Unchanged != first.Counts.Eligible {
		t.Errorf("a second run over the same uploads: %+v", second)
	}
}

// personFoundByIdentity is a subject access request about a person of an extract:
// identification finds their rows by surname and date of birth, and from them the person and
// household the run found them in.
func personFoundByIdentity(t *testing.T, extract string) {
	t.Helper()
	f, err := os.Open(extract) // #nosec G304 -- the test's own file
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("%s: %v", extract, err)
	}
	person := map[string]string{}
	for _, row := range rows[1:] { // the first with a surname and a well-formed date of birth
		for i, col := range rows[0] {
			person[col] = row[i]
		}
		if _, err := time.Parse(time.DateOnly, person["dob"]); err == nil && person["surname"] != "" {
			break
		}
	}
	e := exportSubject(t, "identification", "--reference", fmt.Sprintf("SAR-E2E-RUN-%d", time.Now().UnixNano()),
		"--surname", person["surname"], "--dob", person["dob"])
	if len(e.Sections["extract_rows"]) == 0 || len(e.Subject.PersonIDs) == 0 || len(e.Subject.FamilyIDs) == 0 ||
		len(
			e.Sections["family_members"],
		) == 0 || len(e.Sections["run_families"]) == 0 || len(e.Sections["person_keys"]) == 0 {
		t.Errorf(
			"identification's export of a person its run found: subject %+v, %d extract rows, %d family_members, %d run_families",
			e.Subject,
			len(e.Sections["extract_rows"]),
			len(e.Sections["family_members"]),
			len(e.Sections["run_families"]),
		)
	}
}
