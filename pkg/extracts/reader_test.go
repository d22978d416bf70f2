package extracts

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// readAll reads a whole extract.
func readAll(t testing.TB, feed string, f Format, in string) ([]Row, []Issue, Counts, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(in), feed, f, Options{AsOf: "2016-10-01"})
	if err != nil {
		return nil, nil, Counts{}, err
	}
	var rows []Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows, r.Issues(), r.Counts(), nil
		}
		if err != nil {
			return rows, r.Issues(), r.Counts(), err
		}
		rows = append(rows, *row)
	}
}

func TestCSVRowsAreCheckedNormalisedAndReportedByLine(t *testing.T) {
	in := "\uFEFFSurname, forename ,dob,sex,postcode,lcs_id,episode_type,start_date,end_date,shoe_size\n" +
		"Smith,Amy,2008-06-15,f,pr1 2ab,LCS-1,cp_plan,2015-01-01,2016-05-01,4\n" + // line 2: fine
		"Jones,Bo,2008-02-30,X,NOT A POSTCODE,LCS-2,CIN,2015-01-01,,5\n" + // line 3: unknown dob, sex, postcode
		"Brown,Cy,2009-01-01,M,PR1 2AB,LCS-3,HOLIDAY,2015-01-01,,6\n" + // line 4: bad episode type
		"\"Multi\nLine\",Di,2009-01-01,M,PR1 2AB,LCS-4,CIN,2016-01-01,2015-01-01,7\n" + // lines 5-6: end before start
		"Evans,Ed,2009-01-01,M,PR1 2AB,LCS-5,CIN,,,8\n" + // line 7: start_date missing
		"Short,row\n" + // line 8: too few fields
		"Young,Fay,2030-01-01,F,PR12AB,LCS-6,S47,2015-13-01,,9\n" // line 9: dob after the extract's date; bad start date
	rows, issues, n, err := readAll(t, SocialCare, CSV, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{Rows: 7, Accepted: 2, Rejected: 5, UnknownValues: 3, IgnoredColumns: 1}); n != want {
		t.Fatalf("counts %+v, want %+v", n, want)
	}
	first := rows[0]
	if first.Row != 1 || first.Line != 2 || first.SourceID != "LCS-1" || first.Sex != "F" ||
		first.Postcode != "PR1 2AB" ||
		first.EventType != "CP_PLAN" ||
		first.StartDate != "2015-01-01" ||
		first.EndDate != "2016-05-01" ||
		first.Surname != "Smith" {
		t.Errorf("first row read as %+v", first)
	}
	if second := rows[1]; second.Line != 3 || second.DOB != "" || second.Sex != "" || second.Postcode != "" ||
		second.Forename != "Bo" {
		t.Errorf("malformed person fields must be unknown, the row kept: %+v", second)
	}
	want := []Issue{
		{
			Line:   1,
			Field:  "shoe_size",
			Kind:   IgnoredColumn,
			Reason: "the contract has no such column for this feed; its values were ignored",
		},
		{
			Line:   3,
			Row:    2,
			Field:  "dob",
			Kind:   UnknownValue,
			Reason: "is not a possible date of birth (YYYY-MM-DD); treated as unknown",
		},
		{Line: 3, Row: 2, Field: "sex", Kind: UnknownValue, Reason: "is not M, F or U; treated as unknown"},
		{Line: 3, Row: 2, Field: "postcode", Kind: UnknownValue, Reason: "is not a UK postcode; treated as unknown"},
		{
			Line:   4,
			Row:    3,
			Field:  "episode_type",
			Kind:   RejectedRow,
			Reason: "is not one of EH_ASSESSMENT, CIN, S47, CP_PLAN, CSE, MISSING, YOUNG_CARER, LAC",
		},
		{Line: 5, Row: 4, Field: "end_date", Kind: RejectedRow, Reason: "is before start_date"},
		{Line: 7, Row: 5, Field: "start_date", Kind: RejectedRow, Reason: "is required"},
		{Line: 8, Row: 6, Kind: RejectedRow, Reason: "has 2 fields; the header has 10"},
		{Line: 9, Row: 7, Field: "start_date", Kind: RejectedRow, Reason: "is not a date (YYYY-MM-DD)"},
	}
	if !reflect.DeepEqual(issues, want) {
		t.Errorf("issues:\n%+v\nwant\n%+v", issues, want)
	}
	for _, i := range issues {
		for _, secret := range []string{"Jones", "2008-02-30", "NOT A POSTCODE", "HOLIDAY"} {
			if strings.Contains(i.Reason, secret) || strings.Contains(i.Field, secret) {
				t.Errorf("an issue quotes a value: %+v", i)
			}
		}
	}
}

func TestCSVHeaderProblemsLoadNothing(t *testing.T) {
	for name, in := range map[string]string{
		"empty":            "",
		"required missing": "forename,surname,upn,school_urn\nA,B,C,D\n",
		"named twice":      "forename,forename,term,sessions_possible\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, _, err := readAll(t, SchoolCensus, CSV, in)
			var he *HeaderError
			if !errors.As(err, &he) {
				t.Errorf("%s: want a header error, got %v", name, err)
			}
		})
	}
	if _, _, _, err := readAll(t, "no_such_feed", CSV, "a\n"); err == nil {
		t.Error("an unknown feed must be refused")
	}
}

func TestEveryFeedReadsItsContractColumns(t *testing.T) {
	person := "Amy,Smith,2008-06-15,F,1 High St,,Preston,PR1 2AB,100012345678"
	cases := map[string]struct {
		extra, values string
		check         func(Row) bool
	}{
		SchoolCensus: {
			"upn,school_urn,term,sessions_possible,sessions_unauthorised,sessions_authorised,fixed_term_exclusions,permanent_exclusion,alternative_provision",
			"A12345678901B,119000,2016-aut,150,20,5,1,N,y",
			func(r Row) bool {
				return r.SourceID == "A12345678901B" && r.Term == "2016-AUT" && r.SessionsPossible == 150 &&
					r.SessionsUnauthorised == 20 &&
					r.SessionsAuthorised == 5 &&
					r.FixedTermExclusions == 1 &&
					!r.PermanentExclusion &&
					r.AlternativeProvision &&
					r.EventType == "ATTENDANCE"
			},
		},
		NotOnRoll: {
			"upn,reported_on",
			"A12345678901B,2016-03-01",
			func(r Row) bool { return r.EventType == "NOT_ON_ROLL" && r.EventDate == "2016-03-01" },
		},
		Police: {
			"pnc_id,event_type,role,event_date,incident_ref",
			"2001/0123456A,dva_incident,VICTIM,2016-02-01,INC-1",
			func(r Row) bool {
				return r.SourceID == "2001/0123456A" && r.EventType == "DVA_INCIDENT" && r.Role == "VICTIM" &&
					r.EventDate == "2016-02-01" &&
					r.IncidentRef == "INC-1"
			},
		},
		DWPBenefits: {
			"nino,benefit,uc_regime,start_date,end_date",
			"ab 12 34 56 c,UC,SEARCHING,2016-01-01,",
			func(r Row) bool {
				return r.SourceID == "AB123456C" && r.EventType == "UC" && r.UCRegime == "SEARCHING" && r.EndDate == ""
			},
		},
		Employment: {
			"nino,employer,start_date,end_date,hours_per_week,evidence",
			"AB123456C,Acme,2016-01-01,2016-06-30,37.5,PAYSLIP",
			func(r Row) bool {
				return r.EventType == "EMPLOYMENT" && r.HoursPerWeek == "37.5" && r.Evidence == "PAYSLIP" &&
					r.Employer == "Acme"
			},
		},
		Health: {
			"nhs_number,need,start_date,end_date",
			"943 476 5919,SUBSTANCE_MISUSE,2015-01-01,2016-01-01",
			func(r Row) bool {
				return r.SourceID == "9434765919" && r.EventType == "SUBSTANCE_MISUSE"
			},
		},
		Housing: {
			"event_type,event_date",
			"RENT_ARREARS,2016-04-01",
			func(r Row) bool { return r.EventType == "RENT_ARREARS" && r.SourceID == "" },
		},
		HouseholdLinks: {
			"person_ref_a,person_ref_b,relationship",
			"dwp_benefits:ab123456c,school_census:A12345678901B,PARENT_OF",
			func(r Row) bool {
				return r.PersonRefA == "dwp_benefits:AB123456C" && r.PersonRefB == "school_census:A12345678901B" &&
					r.EventType == "PARENT_OF"
			},
		},
		Residents: {"source,account_ref,from_date,to_date", "council_tax,CT-0042-17,2014-05-01,", func(r Row) bool {
			return r.EventType == "COUNCIL_TAX" && r.AccountRef == "CT-0042-17" && r.StartDate == "2014-05-01" &&
				r.EndDate == "" &&
				r.SourceID == ""
		}},
	}
	for feed, c := range cases {
		in := strings.Join(PersonColumns, ",") + "," + c.extra + "\n" + person + "," + c.values + "\n"
		rows, issues, _, err := readAll(t, feed, CSV, in)
		if err != nil || len(rows) != 1 || len(issues) != 0 || !c.check(rows[0]) {
			t.Errorf("%s: rows %+v issues %+v err %v", feed, rows, issues, err)
			continue
		}
		if r := rows[0]; r.Forename != "Amy" || r.UPRN != "100012345678" || r.Town != "Preston" ||
			r.AddressLine2 != "" {
			t.Errorf("%s: person fields %+v", feed, r)
		}
	}
}

func TestIdentifiersOfTheWrongShapeAreUnknown(t *testing.T) {
	for feed, id := range map[string]string{DWPBenefits: "QQ123456Z", Health: "9434765918", SchoolCensus: "123"} {
		col := map[string]string{DWPBenefits: "nino", Health: "nhs_number", SchoolCensus: "upn"}[feed]
		f, _ := FeedNamed(feed)
		values := map[string]string{
			"benefit":           "JSA",
			"need":              "SUBSTANCE_MISUSE",
			"term":              "2016-AUT",
			"sessions_possible": "10",
			"start_date":        "2016-01-01",
			"evidence":          "HMRC",
		}
		header, row := []string{col}, []string{id}
		for _, c := range f.Columns {
			if c.Required {
				header, row = append(header, c.Name), append(row, values[c.Name])
			}
		}
		rows, issues, _, err := readAll(t, feed, CSV, strings.Join(header, ",")+"\n"+strings.Join(row, ",")+"\n")
		if err != nil || len(rows) != 1 || rows[0].SourceID != "" || len(issues) != 1 || issues[0].Field != col ||
			issues[0].Kind != UnknownValue {
			t.Errorf("%s: rows %+v issues %+v err %v", feed, rows, issues, err)
		}
	}
}

func TestJSONLinesReadTheSameFields(t *testing.T) {
	in := "\uFEFF{\"forename\":\"Amy\",\"upn\":\"A12345678901B\",\"term\":\"2016-AUT\",\"sessions_possible\":150,\"sessions_unauthorised\":\"20\",\"permanent_exclusion\":true,\"favourite\":\"x\"}\n" +
		"\n" +
		"{\"term\":\"2016-AUT\"}\n" + // line 3: sessions_possible missing
		"[1,2]\n" + // line 4: not an object
		"{\"term\":\"2016-AUT\",\"sessions_possible\":{\"n\":1}}\n" + // line 5: not a plain value
		"{\"term\":\"2016-AUT\",\"sessions_possible\":3,\"favourite\":\"y\",\"dob\":\"1.5\"}" // line 6, no newline: unknown dob
	rows, issues, n, err := readAll(t, SchoolCensus, JSONLines, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{Rows: 5, Accepted: 2, Rejected: 3, UnknownValues: 1, IgnoredColumns: 1}); n != want {
		t.Fatalf("counts %+v, want %+v; issues %+v", n, want, issues)
	}
	if r := rows[0]; r.Line != 1 || r.SessionsPossible != 150 || r.SessionsUnauthorised != 20 ||
		!r.PermanentExclusion ||
		r.Forename != "Amy" {
		t.Errorf("row %+v", r)
	}
	if r := rows[1]; r.Line != 6 || r.Row != 5 {
		t.Errorf("the last row is line 6, data row 5: %+v", r)
	}
	lines := []int{}
	for _, i := range issues {
		lines = append(lines, i.Line)
	}
	if !reflect.DeepEqual(lines, []int{1, 3, 4, 5, 6}) {
		t.Errorf("issue lines %v; issues %+v", lines, issues)
	}
}

func TestPostcodesAndNumbers(t *testing.T) {
	for in, want := range map[string]string{"pr12ab": "PR1 2AB", "M1 1AE": "M1 1AE", "EC1A 1BB": "EC1A 1BB", "W1A0AX": "W1A 0AX", "GIR 0AA": "GIR 0AA", "B33 8TH": "B33 8TH",
		"PR1 2A": "", "12345": "", "PR1 2A1": "", "Q": ""} {
		var got string
		postcode(&got, in)
		if got != want {
			t.Errorf("postcode %q: got %q want %q", in, got, want)
		}
	}
	for in, ok := range map[string]bool{"2016-02-29": true, "2015-02-29": false, "2000-02-29": true, "1900-02-29": false, "2016-04-31": false, "16-01-01": false, "2016-1-01": false} {
		if isDate(in) != ok {
			t.Errorf("isDate(%q) = %v", in, !ok)
		}
	}
}

// Version 2's residents feed: a residence that ends before it starts is refused, naming its
// own columns; a GP registration has no account.
func TestResidentsRowsAreChecked(t *testing.T) {
	in := "forename,surname,dob,postcode,source,account_ref,from_date,to_date\n" +
		"Ann,Lee,2014-02-03,PR1 2AB,GP_REGISTRATION,,2014-03-01,\n" +
		"Ann,Lee,2014-02-03,PR1 2AB,COUNCIL_TAX,CT-1,2016-03-01,2015-01-01\n" +
		"Ann,Lee,2014-02-03,PR1 2AB,LIBRARY_CARD,,2016-03-01,\n"
	rd, err := NewReader(strings.NewReader(in), Residents, CSV, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []Row
	for {
		r, err := rd.Next()
		if err != nil {
			break
		}
		rows = append(rows, *r)
	}
	issues := rd.Issues()
	if len(rows) != 1 || rows[0].EventType != "GP_REGISTRATION" || rows[0].AccountRef != "" || len(issues) != 2 ||
		issues[0].Field != "to_date" || issues[0].Reason != "is before from_date" || issues[1].Field != "source" {
		t.Errorf("rows %+v, issues %+v", rows, issues)
	}
}

// A line longer than the cap (a hostile or broken file) fails the file with its line number,
// having held at most a buffer of it: nothing of the file is loaded. Lines up to the cap read.
func TestALineOverTheCapFailsTheFileWithoutHoldingIt(t *testing.T) {
	head := "event_type,event_date,forename,surname\nRENT_ARREARS,2016-06-01,Ann,Lee\n"
	long := "RENT_ARREARS,2016-06-01,\"" + strings.Repeat("x", maxLine+10) + "\",Lee\n"
	r, err := NewReader(strings.NewReader(head+long), Housing, CSV, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatalf("the first row: %v", err)
	}
	_, err = r.Next()
	var he *HeaderError
	if !errors.As(err, &he) || !strings.Contains(he.Error(), "line 3 is longer than") {
		t.Errorf("a line over the cap: %v", err)
	}
	fine := "RENT_ARREARS,2016-06-01,\"" + strings.Repeat("x", maxLine-100) + "\",Lee\n"
	r, _ = NewReader(strings.NewReader(head+fine), Housing, CSV, Options{})
	for range 2 {
		if _, err := r.Next(); err != nil {
			t.Errorf("a line under the cap: %v", err)
		}
	}
	if _, err := NewReader(strings.NewReader(strings.Repeat("a", maxLine+1)+"\n"), Housing, CSV, Options{}); !errors.As(
		err,
		&he,
	) {
		t.Errorf("a header over the cap: %v", err)
	}
}
