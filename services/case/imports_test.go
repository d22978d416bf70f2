package caseservice

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
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
		v := map[string]string{
			"contract_version":        "1",
			"council_family_ref":      ref,
			"plan_id":                 "lancashire-phase2",
			"plan_version":            "1",
			"team":                    "preston-1",
			"attached_on":             attached,
			"attachment_fee_received": "N",
			"baseline_problems":       "CRIME;HEALTH",
			"person_ref":              person,
			"role":                    role,
			"relationship":            relationship,
		}
		var out []string
		for _, c := range cols {
			out = append(out, v[c])
		}
		return strings.Join(out, ",") + "\n"
	}
	file := strings.Join(
		cols,
		",",
	) + "\n" + row(
		"F-1",
		"2016-05-10",
		"P-1",
		"ADULT",
		"PARENT_CARER",
	) + row(
		"F-1",
		"2016-05-10",
		"P-2",
		"CHILD",
		"CHILD",
	) +
		row(
			"F-2",
			"2030-01-01",
			"P-3",
			"CHILD",
			"CHILD",
		)
	analyst := auth.Principal{Subject: "da.one", Roles: []string{auth.RoleDataAnalyst}}
	w := a.Do(analyst, "POST", "/v1/imports/dry-run", file, "Content-Type", "text/csv")
	var got imports.DryRun
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if got.Importable || got.Rows != 3 || got.Families != 2 || len(got.Would) != 1 ||
		got.Would[0].CouncilFamilyRef != "F-1" ||
		!got.Would[0].BookFee ||
		len(got.Issues) != 1 ||
		got.Issues[0].Line != 4 ||
		got.Issues[0].Field != "attached_on" {
		t.Fatalf("dry run %+v", got)
	}
	csv := a.Do(
		analyst,
		"POST",
		"/v1/imports/dry-run",
		file,
		"Content-Type",
		"text/csv",
		"Accept",
		"text/csv",
	).Body.String()
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

// importFile is a small file: two families (one with a claim paid), optionally with a bad row.
func importFile(team string, bad bool) string {
	var cols []string
	for _, c := range imports.Columns {
		cols = append(cols, c.Name)
	}
	row := func(v map[string]string) string {
		var out []string
		for _, c := range cols {
			out = append(out, v[c])
		}
		return strings.Join(out, ",") + "\n"
	}
	fam := func(ref, person, role, rel string, extra map[string]string) map[string]string {
		v := map[string]string{
			"contract_version":        "1",
			"council_family_ref":      ref,
			"plan_id":                 "lancashire-phase2",
			"plan_version":            "1",
			"team":                    team,
			"attached_on":             "2016-05-10",
			"attachment_fee_received": "Y",
			"baseline_problems":       "CRIME;HEALTH",
			"person_ref":              person,
			"role":                    role,
			"relationship":            rel,
			"given_name":              "Alex",
			"family_name":             "Example",
			"birth_date":              "2009-04-01",
		}
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	paid := map[string]string{
		"claim_window":            "2017-04",
		"claim_route":             "SSP",
		"claim_status":            "PAID",
		"attachment_fee_received": "N",
	}
	file := strings.Join(
		cols,
		",",
	) + "\n" + row(
		fam("F-1", "P-1", "ADULT", "PARENT_CARER", nil),
	) + row(
		fam("F-1", "P-2", "CHILD", "CHILD", nil),
	) +
		row(
			fam("F-2", "P-3", "ADULT", "PARENT_CARER", paid),
		) + row(
		fam("F-2", "P-4", "CHILD", "CHILD", paid),
	)
	if bad {
		file += row(fam("F-3", "P-5", "CHILD", "CHILD", map[string]string{"baseline_problems": "CRIME;NOT_A_PROBLEM"}))
	}
	return file
}

// An import commits a file whole or nothing of it; the same file again changes nothing, and a
// corrected file changes only its changed families. The case's activities then hand each
// family to the workflow and start it in its phase.
func TestAnImportCommitsWholeOnceAndAppliesOnlyWhatChanged(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	analyst := auth.Principal{Subject: "da.one", Roles: []string{auth.RoleDataAnalyst}}
	count := func(table string) (n int64) {
		if err := a.Deps.DB.Raw(`SELECT count(*) FROM ` + table).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	w := a.Do(analyst, "POST", "/v1/imports", importFile("preston-1", true), "Content-Type", "text/csv")
	if w.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(w.Body.String(), `"field":"line 6.baseline_problems"`) {
		t.Fatalf("a file with an issue: %d %s", w.Code, w.Body)
	}
	if n := count(`"case".families`); n != 0 {
		t.Fatalf("a refused file left %d families", n)
	}

	var first imports.ImportBody
	w = a.Do(analyst, "POST", "/v1/imports", importFile("preston-1", false), "Content-Type", "text/csv")
	if w.Code != http.StatusAccepted || json.Unmarshal(w.Body.Bytes(), &first) != nil || first.New != 2 ||
		first.Families != 2 ||
		first.Rows != 4 {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	if count(`"case".families`) != 2 || count(`"case".members`) != 4 ||
		count(`"case".imported_families WHERE applied_hash IS NULL`) != 2 {
		t.Fatal("the import did not open both families with their members")
	}
	var again imports.ImportBody
	w = a.Do(analyst, "POST", "/v1/imports", importFile("preston-1", false), "Content-Type", "text/csv")
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &again) != nil || !again.AlreadyImported ||
		again.ImportID != first.ImportID {
		t.Fatalf("the same file again: %d %s", w.Code, w.Body)
	}

	// Until the workflow has started a family, identification is not told of it (a run would
	// start it as a newly identified family).
	svc := auth.Principal{Subject: "identification", Roles: []string{auth.RoleService}}
	if w := a.Do(svc, "GET", "/v1/plans/lancashire-phase2/known-families", ""); w.Code != http.StatusOK ||
		!strings.Contains(w.Body.String(), `"families":[]`) {
		t.Errorf("known families before the import is applied: %d %s", w.Code, w.Body)
	}

	// The workflow's case steps: a page of both families, started in their phases.
	plans, err := a.Deps.Plans()
	if err != nil {
		t.Fatal(err)
	}
	acts := imports.Activities{DB: a.Deps.DB, Plans: plans, Temporal: a.Deps.Temporal}
	page, err := acts.ImportPage(
		t.Context(),
		&familypathv1.ImportPageRequest{ImportId: first.ImportID.String(), Limit: 10},
	)
	if err != nil || len(page.GetFamilies()) != 2 || !page.GetDone() {
		t.Fatalf("page %v, %v", page, err)
	}
	var claims []string
	for _, f := range page.GetFamilies() {
		id := ""
		if f.GetClaim() != nil {
			id = "c-" + f.GetFamilyId()
			if f.GetClaim().GetStatus() != "PAID" || f.GetFeeReceived() {
				t.Errorf("F-2 as imported: %v", f)
			}
		}
		claims = append(claims, id)
	}
	started, err := acts.StartImportedFamilies(
		t.Context(),
		&familypathv1.StartImportedFamiliesRequest{ImportId: first.ImportID.String(),
			Families: page.GetFamilies(), AttachmentIds: []string{"a-1", "a-2"}, ClaimIds: claims},
	)
	if err != nil || started.GetStarted() != 2 {
		t.Fatalf("started %v, %v", started, err)
	}
	for _, f := range page.GetFamilies() {
		wf, _ := contract.FamilyWorkflowID(f.GetFamilyId())
		if _, err := a.Deps.Temporal.DescribeWorkflowExecution(t.Context(), wf, ""); err != nil {
			t.Errorf("family workflow %s: %v", wf, err)
		}
	}
	if page, _ := acts.ImportPage(t.Context(), &familypathv1.ImportPageRequest{ImportId: first.ImportID.String(), Limit: 10}); len(
		page.GetFamilies(),
	) != 0 {
		t.Errorf("applied families are pending again: %v", page)
	}

	// A corrected file: F-1 moves team; F-2 is as it was.
	var corrected imports.ImportBody
	w = a.Do(
		analyst,
		"POST",
		"/v1/imports",
		strings.Replace(importFile("preston-1", false), "preston-1", "burnley-2", 2),
		"Content-Type",
		"text/csv",
	)
	if w.Code != http.StatusAccepted || json.Unmarshal(w.Body.Bytes(), &corrected) != nil || corrected.Changed != 1 ||
		corrected.Unchanged != 1 ||
		corrected.New != 0 {
		t.Fatalf("corrected file: %d %s", w.Code, w.Body)
	}
	if count(`"case".families WHERE team = 'burnley-2'`) != 1 || count(`"case".members`) != 4 {
		t.Error("the corrected family's team or members")
	}
	page, err = acts.ImportPage(
		t.Context(),
		&familypathv1.ImportPageRequest{ImportId: corrected.ImportID.String(), Limit: 10},
	)
	if err != nil || len(page.GetFamilies()) != 1 || page.GetFamilies()[0].GetTeam() != "burnley-2" {
		t.Fatalf("the corrected import's page: %v, %v", page, err)
	}
	// Identification's service reads the members it matches its people against.
	var known struct{ Families []imports.KnownFamily }
	w = a.Do(svc, "GET", "/v1/plans/lancashire-phase2/known-families", "")
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &known) != nil || len(known.Families) != 2 ||
		len(known.Families[0].Members) != 2 ||
		known.Families[0].Members[0].FamilyName != "Example" ||
		known.Families[0].Members[0].BirthDate != "2009-04-01" {
		t.Errorf("imported members: %d %s", w.Code, w.Body)
	}
	if w := a.Do(auth.Principal{Subject: "cw", Roles: []string{auth.RoleCaseworker}, Team: "preston-1"}, "GET", "/v1/plans/lancashire-phase2/known-families", ""); w.Code != http.StatusForbidden {
		t.Errorf("a caseworker read every imported member: %d", w.Code)
	}
	var st imports.StatusBody
	w = a.Do(analyst, "GET", "/v1/imports/"+first.ImportID.String(), "")
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &st) != nil || st.Applied != 1 ||
		st.Status != "APPLYING" {
		t.Errorf("status of the first import (one family since changed by the second): %d %s", w.Code, w.Body)
	}
}
