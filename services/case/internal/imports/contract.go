// Package imports reads the running-programme import file (docs/import-contract.md): one row
// per family member of the families a council already has in the programme, with the
// family's team, attachment, baseline, progress so far and any claim already made. Dry run
// first: every row's problems with line numbers and reasons, and what the import would do for
// each family, changing nothing. Reasons name the field and the rule, never the value (the
// file holds personal data).
package imports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
)

// ContractVersion is the import contract's version; a file names it in its `contract_version`
// column, and a version this build does not know is refused whole.
const ContractVersion = "1"

// Level says whether a column describes the family (the same on every row of it) or the member.
type Level string

// Levels.
const (
	FamilyLevel Level = "family"
	MemberLevel Level = "member"
)

// Column is one column of the contract.
type Column struct {
	Name        string
	Level       Level
	Required    bool
	Description string
}

// Columns are the contract's, in the order a file should have them (any order is read).
var Columns = []Column{
	{"contract_version", FamilyLevel, true, "`1`"},
	{
		"council_family_ref",
		FamilyLevel,
		true,
		"the council's own reference of the family (its rows share it); letters, digits, `-`, `/`, up to 64",
	},
	{"plan_id", FamilyLevel, true, "the Outcomes Plan the family is attached under (`lancashire-phase2`)"},
	{"plan_version", FamilyLevel, true, "the plan version pinned at its attachment"},
	{"team", FamilyLevel, true, "the team that holds the case"},
	{"lead_professional", FamilyLevel, false, "the lead professional's user subject (with `lead_professional_agency`)"},
	{"lead_professional_agency", FamilyLevel, false, "the lead professional's agency code"},
	{"attached_on", FamilyLevel, true, "YYYY-MM-DD, within the plan's programme"},
	{
		"attachment_fee_received",
		FamilyLevel,
		true,
		"`Y` when the attachment fee was received (the import books none), `N` when it was not (the import books it)",
	},
	{
		"baseline_problems",
		FamilyLevel,
		true,
		"the plan's problem codes evidenced at attachment, separated by `;`; at least the plan's minimum",
	},
	{"assessment_on", FamilyLevel, false, "YYYY-MM-DD the whole-family assessment was completed"},
	{"plan_agreed_on", FamilyLevel, false, "YYYY-MM-DD the family plan was agreed"},
	{
		"progress",
		FamilyLevel,
		false,
		"significant progress so far: `PROBLEM:YYYY-MM-DD` (the day progress began) separated by `;`, baseline problems only",
	},
	{"claim_window", FamilyLevel, false, "a claim already made: the plan's claim window id"},
	{"claim_route", FamilyLevel, false, "with a claim: `SSP` or `CE`"},
	{"claim_status", FamilyLevel, false, "with a claim: `SUBMITTED` or `PAID`"},
	{"person_ref", MemberLevel, true, "the council's reference of the member, unique in the family"},
	{"role", MemberLevel, true, "`ADULT` or `CHILD`"},
	{
		"relationship",
		MemberLevel,
		true,
		"`PARENT_CARER` or `OTHER_ADULT` for an `ADULT`, `CHILD` or `OTHER_CHILD` for a `CHILD`",
	},
	{"given_name", MemberLevel, false, "as the council holds it (sealed in the case)"},
	{"family_name", MemberLevel, false, "as the council holds it"},
	{"birth_date", MemberLevel, false, "YYYY-MM-DD"},
	{"postcode", MemberLevel, false, "the member's postcode"},
}

// Issue is a problem with the file: its line (1 is the header), the field, and the reason.
type Issue struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// Member is one member row.
type Member struct {
	Line                                       int
	PersonRef, Role, Relationship              string
	GivenName, FamilyName, BirthDate, Postcode string
}

// Family is one family of the file, as the import would take it.
type Family struct {
	Ref, PlanID      string
	PlanVersion      int
	Team             string
	Lead, LeadAgency string
	AttachedOn       time.Time
	FeeReceived      bool
	Baseline         []string
	AssessmentOn     *time.Time
	PlanAgreedOn     *time.Time
	Progress         map[string]time.Time
	ClaimWindow      string
	ClaimRoute       string
	ClaimStatus      string
	Members          []Member
	firstLine        int
	family           map[string]string // the family-level values of its first row
}

// File is what a file holds, with its problems.
type File struct {
	Rows     int
	Families []*Family
	Issues   []Issue
}

// maxRows bounds one file: a county's whole programme is some tens of thousands of members.
const maxRows = 200_000

// Read reads and checks a file against the contract and the published plans. A file with any
// issue imports nothing; its issues say everything wrong with it, not only the first.
func Read(in io.Reader, plans *outcomes.Plans) (*File, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		var pe *csv.ParseError
		if !errors.Is(err, io.EOF) && !errors.As(err, &pe) {
			return nil, err // the body could not be read (too large, the client gone)
		}
		if errors.Is(err, io.EOF) {
			return &File{
				Issues: []Issue{{Line: 1, Reason: "the file is empty: a header and at least one row are needed"}},
			}, nil
		}
		return &File{Issues: []Issue{{Line: 1, Reason: "the header is not CSV: " + csvReason(err)}}}, nil
	}
	f := &File{}
	index := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.ContainsFunc(Columns, func(c Column) bool { return c.Name == h }) {
			f.Issues = append(f.Issues, Issue{Line: 1, Field: h, Reason: "not a column of the import contract"})
			continue
		}
		index[h] = i
	}
	for _, c := range Columns {
		if _, ok := index[c.Name]; !ok && c.Required {
			f.Issues = append(f.Issues, Issue{Line: 1, Field: c.Name, Reason: "a required column is missing"})
		}
	}
	if len(f.Issues) > 0 {
		return f, nil
	}
	byRef := map[string]*Family{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return nil, err // the body could not be read (too large, the client gone)
		}
		line, _ := r.FieldPos(0)
		if pe != nil {
			line = pe.StartLine
		}
		f.Rows++
		if err != nil {
			f.Issues = append(f.Issues, Issue{Line: line, Reason: "the row is not CSV: " + csvReason(err)})
			continue
		}
		if f.Rows > maxRows {
			f.Issues = append(
				f.Issues,
				Issue{Line: line, Reason: fmt.Sprintf("more than %d rows: split the file by team", maxRows)},
			)
			break
		}
		if len(rec) != len(header) {
			f.Issues = append(
				f.Issues,
				Issue{Line: line, Reason: fmt.Sprintf("%d fields where the header has %d", len(rec), len(header))},
			)
			continue
		}
		value := func(name string) string {
			if i, ok := index[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		f.Issues = append(f.Issues, takeRow(byRef, &f.Families, line, value, plans)...)
	}
	if f.Rows == 0 {
		f.Issues = append(f.Issues, Issue{Line: 2, Reason: "no rows: the file has a header only"})
	}
	for _, fam := range f.Families {
		f.Issues = append(f.Issues, checkFamily(fam, plans)...)
	}
	slices.SortStableFunc(f.Issues, func(a, b Issue) int { return a.Line - b.Line })
	return f, nil
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return "unreadable"
}
