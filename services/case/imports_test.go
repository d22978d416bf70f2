package caseservice

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/services/case/internal/imports"
)

// The data team checks an import file: a good family's steps, a bad row's problems by line,
// as JSON and CSV, and nothing is changed; others may not.
func TestAnImportDryRunChecksTheFileAndChangesNothing(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	var cols []string
	for _, c := range imports.Columns {
		cols = append(cols, c.Name)
	}
	row := func(ref, attached, person, role, relationship string) string {
		v := map[string]string{"contract_version": "1", "council_family_ref": ref, "plan_id": "lancashire-phase2", "plan_version": "1", "team": "preston-1",
			"attached_on": attached, "attachment_fee_received": "N", "baseline_problems": "CRIME;HEALTH", "person_ref": person, "role": role, "relationship": relationship}
		var out []string
		for _, c := range cols {
			out = append(out, v[c])
		}
		return strings.Join(out, ",") + "\n"
	}
	file := strings.Join(cols, ",") + "\n" + row("F-1", "2016-05-10", "P-1", "ADULT", "PARENT_CARER") + row("F-1", "2016-05-10", "P-2", "CHILD", "CHILD") +
		row("F-2", "2030-01-01", "P-3", "CHILD", "CHILD")
	analyst := auth.Principal{Subject: "da.one", Roles: []string{auth.RoleDataAnalyst}}
	w := a.Do(analyst, "POST", "/v1/imports/dry-run", file, "Content-Type", "text/csv")
	var got imports.DryRun
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if got.Importable || got.Rows != 3 || got.Families != 2 || len(got.Would) != 1 || got.Would[0].CouncilFamilyRef != "F-1" ||
		!got.Would[0].BookFee || len(got.Issues) != 1 || got.Issues[0].Line != 4 || got.Issues[0].Field != "attached_on" {
		t.Fatalf("dry run %+v", got)
	}
	csv := a.Do(analyst, "POST", "/v1/imports/dry-run", file, "Content-Type", "text/csv", "Accept", "text/csv").Body.String()
	if !strings.HasPrefix(csv, "line,field,reason\n4,attached_on,outside the programme") {
		t.Errorf("CSV:\n%s", csv)
	}
	var families int64
	if err := a.Deps.DB.Raw(`SELECT count(*) FROM "case".families`).Scan(&families).Error; err != nil || families != 0 {
		t.Errorf("a dry run changed the case records: %d families (%v)", families, err)
	}
	caseworker := auth.Principal{Subject: "cw.lead", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}
	if w := a.Do(caseworker, "POST", "/v1/imports/dry-run", file, "Content-Type", "text/csv"); w.Code != http.StatusForbidden {
		t.Errorf("a caseworker's dry run: %d", w.Code)
	}
}
