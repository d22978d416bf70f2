package imports

import (
	"os"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
)

const header = "contract_version,council_family_ref,plan_id,plan_version,team,lead_professional,lead_professional_agency,attached_on,attachment_fee_received,baseline_problems,assessment_on,plan_agreed_on,progress,claim_window,claim_route,claim_status,person_ref,role,relationship,given_name,family_name,birth_date,postcode\n"

func published(t testing.TB) *outcomes.Plans {
	t.Helper()
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestAGoodFileSaysWhatTheImportWouldDo(t *testing.T) {
	file := header +
		"1,LCC/F/0001,lancashire-phase2,1,preston-1,cw.lead,COUNCIL_FAMILY_SERVICE,2016-05-10,Y,CRIME;EDUCATION,2016-05-01,2016-05-20,CRIME:2016-09-01,,,,P-1,ADULT,PARENT_CARER,Ann,Example,1980-01-02,PR1 1AA\n" +
		"1,LCC/F/0001,lancashire-phase2,1,preston-1,cw.lead,COUNCIL_FAMILY_SERVICE,2016-05-10,Y,CRIME;EDUCATION,2016-05-01,2016-05-20,CRIME:2016-09-01,,,,P-2,CHILD,CHILD,Bo,Example,2008-03-04,PR1 1AA\n" +
		"1,LCC/F/0002,lancashire-phase2,1,burnley-2,,,2015-10-01,N,WORKLESSNESS;HEALTH,,,WORKLESSNESS:2016-01-01;HEALTH:2016-02-01,2017-01,SSP,PAID,P-3,ADULT,PARENT_CARER,,,,\n" +
		"1,LCC/F/0002,lancashire-phase2,1,burnley-2,,,2015-10-01,N,WORKLESSNESS;HEALTH,,,WORKLESSNESS:2016-01-01;HEALTH:2016-02-01,2017-01,SSP,PAID,P-4,CHILD,CHILD,,,,\n"
	f, err := Read(strings.NewReader(file), published(t))
	if err != nil || len(f.Issues) != 0 || f.Rows != 4 || len(f.Families) != 2 {
		t.Fatalf("%v %+v", err, f)
	}
	a, b := f.Families[0].Would(published(t)), f.Families[1].Would(published(t))
	if a.Members != 2 || a.BookFee || a.Phase != PhaseTracking || a.PlanVersion != "lancashire-phase2@1" ||
		a.Line != 2 {
		t.Errorf("first family: %+v", a)
	}
	if !b.BookFee || b.Phase != PhasePaid || b.Claim != "2017-01 SSP PAID" ||
		!strings.Contains(strings.Join(b.Steps, "\n"), "booking its attachment fee (never received) (£1000)") {
		t.Errorf("second family: %+v", b)
	}
}

// Every row's problems, by line and field, in one pass; reasons never repeat a value.
func TestEveryProblemIsReportedByLineAndField(t *testing.T) {
	file := header +
		// line 2: outside the programme, a problem the plan lacks, a claim without a route
		"1,F-1,lancashire-phase2,1,preston-1,,,2021-01-01,Y,CRIME;ALIENS,,,,2017-01,,SUBMITTED,P-1,ADULT,PARENT_CARER,Secretname,,,\n" +
		// line 3: the same family with another team; a second row of the same member
		"1,F-1,lancashire-phase2,1,burnley-2,,,2021-01-01,Y,CRIME;ALIENS,,,,2017-01,,SUBMITTED,P-1,CHILD,CHILD,,,,\n" +
		// line 4: a plan version that is not published, a bad date, a bad role
		"1,F-2,lancashire-phase2,9,preston-1,,,2016-13-01,Y,CRIME;HEALTH,,,,,,,P-9,PARENT,CHILD,,,,\n" +
		// line 5: progress on a problem outside the baseline, a fee flag that is not Y or N
		"1,F-3,lancashire-phase2,1,preston-1,,,2016-01-01,maybe,CRIME;HEALTH,,,EDUCATION:2016-02-01,,,,P-5,CHILD,CHILD,,,,\n" +
		// line 6: a child recorded as a parent or carer
		"1,F-3,lancashire-phase2,1,preston-1,,,2016-01-01,maybe,CRIME;HEALTH,,,EDUCATION:2016-02-01,,,,P-6,CHILD,PARENT_CARER,,,,\n"
	f, err := Read(strings.NewReader(file), published(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line  int
		field string
		in    string
	}{
		{
			2,
			"attached_on",
			"outside the programme",
		}, {2, "baseline_problems", "a baseline problem the plan lacks: ALIENS"},
		{2, "claim_route", "a claim without a route"}, {2, "claim_window", "opened before the family was attached"},
		{3, "team", "differs from line 2"}, {3, "person_ref", "a second row of the same member"},
		{4, "plan_version", "no published plan"}, {4, "attached_on", "YYYY-MM-DD"}, {4, "role", "ADULT or CHILD"},
		{5, "progress", "not in the baseline: EDUCATION"}, {5, "attachment_fee_received", "must be Y"},
		{6, "relationship", "contradicts the role"},
	}
	for _, w := range want {
		found := false
		for _, i := range f.Issues {
			found = found || i.Line == w.line && i.Field == w.field && strings.Contains(i.Reason, w.in)
		}
		if !found {
			t.Errorf("no issue at line %d, %s, saying %q", w.line, w.field, w.in)
		}
	}
	for _, i := range f.Issues {
		if strings.Contains(i.Reason, "Secretname") {
			t.Errorf("a value in a reason: %+v", i)
		}
	}
}

func TestAHeaderThatIsNotTheContractsStopsTheFile(t *testing.T) {
	f, err := Read(strings.NewReader("council_family_ref,surname\nF-1,Example\n"), published(t))
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, i := range f.Issues {
		if i.Line != 1 {
			t.Errorf("a row read under a bad header: %+v", i)
		}
		fields = append(fields, i.Field)
	}
	if !strings.Contains(strings.Join(fields, ","), "surname") ||
		!strings.Contains(strings.Join(fields, ","), "plan_id") ||
		f.Rows != 0 {
		t.Errorf("issues %+v", f.Issues)
	}
	if f, _ := Read(strings.NewReader(""), published(t)); len(f.Issues) != 1 {
		t.Errorf("an empty file: %+v", f.Issues)
	}
}

// docs/import-contract.md shows every column as the code reads it (FAMILYPATH_UPDATE_DOCS=1
// writes the table).
func TestTheContractDocumentShowsEveryColumn(t *testing.T) {
	const path = "../../../../docs/import-contract.md"
	const begin, end = "<!-- columns: generated by TestTheContractDocumentShowsEveryColumn -->\n", "<!-- end of columns -->\n"
	var b strings.Builder
	b.WriteString("| column | of the | required | what |\n|---|---|---|---|\n")
	for _, c := range Columns {
		req := ""
		if c.Required {
			req = "yes"
		}
		b.WriteString("| `" + c.Name + "` | " + string(c.Level) + " | " + req + " | " + c.Description + " |\n")
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the columns markers", path)
	}
	want := s[:i+len(begin)] + b.String() + s[j:]
	if os.Getenv("FAMILYPATH_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != s {
		t.Fatalf("%s's column table is not the contract's: run with FAMILYPATH_UPDATE_DOCS=1", path)
	}
}
