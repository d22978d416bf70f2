// Package extracts is the agency extract contract (docs/data-contracts.md, version 2):
// the feeds identification accepts, their columns and values, and a streaming reader that
// turns a CSV or JSON Lines file into typed rows and a report of what it could not take.
// It is pure (no I/O beyond the reader it is given, no clock): the identification service
// loads what it reads, and the synthetic county writes files in the same shapes.
package extracts

import "slices"

// ContractVersion is the version of the extract formats this package reads. Version 2 adds
// the residents feed; every version 1 file reads as it did.
const ContractVersion = 2

// The feeds of the contract.
const (
	SchoolCensus   = "school_census"
	NotOnRoll      = "not_on_roll"
	SocialCare     = "social_care"
	Police         = "police"
	DWPBenefits    = "dwp_benefits"
	Employment     = "employment"
	Health         = "health"
	Housing        = "housing"
	HouseholdLinks = "household_links"
	// Residents (version 2): a person recorded as living at an address, by council tax and
	// housing benefit accounts and GP registrations; the one feed where children under five
	// and children out of school usually appear.
	Residents = "residents"
)

// PersonColumns are present in every feed; any may be missing or misspelled.
var PersonColumns = []string{
	"forename",
	"surname",
	"dob",
	"sex",
	"address_line1",
	"address_line2",
	"town",
	"postcode",
	"uprn",
}

// Feed describes one feed: its own person identifier and its columns beyond the person fields.
type Feed struct {
	Name string
	// Row says what one row of the feed is.
	Row string
	// IDColumn is the feed's own person identifier ("" for feeds without one).
	IDColumn string
	Columns  []Column
	// Since is the contract version that added the feed (0: version 1, the first).
	Since int
}

// Column is one feed column beyond the person fields.
type Column struct {
	Name     string
	Kind     Kind
	Required bool
	Enum     []string // allowed values, for KindEnum
}

// Kind is how a column's value is read.
type Kind int

// Column kinds.
const (
	KindText Kind = iota
	KindEnum
	KindDate
	KindCount  // a whole number, 0 or more
	KindNumber // a decimal number, 0 or more
	KindYesNo  // Y or N
	KindTerm   // a school term: 2016-AUT, 2017-SPR, 2017-SUM
	KindRef    // a person reference feed:identifier
)

func (k Kind) String() string {
	return [...]string{"text", "enum", "date", "count", "number", "Y/N", "term", "person reference"}[k]
}

// Identifier columns: reliable when present (the contract), checked for shape.
const (
	colUPN  = "upn"
	colLCS  = "lcs_id"
	colPNC  = "pnc_id"
	colNINO = "nino"
	colNHS  = "nhs_number"
)

var feeds = []Feed{
	{Name: SchoolCensus, Row: "a pupil in a school term", IDColumn: colUPN, Columns: []Column{
		{Name: "school_urn", Kind: KindText},
		{Name: "term", Kind: KindTerm, Required: true},
		{Name: "sessions_possible", Kind: KindCount, Required: true},
		{Name: "sessions_unauthorised", Kind: KindCount},
		{Name: "sessions_authorised", Kind: KindCount},
		{Name: "fixed_term_exclusions", Kind: KindCount},
		{Name: "permanent_exclusion", Kind: KindYesNo},
		{Name: "alternative_provision", Kind: KindYesNo},
	}},
	{Name: NotOnRoll, Row: "a child missing education", IDColumn: colUPN, Columns: []Column{
		{Name: "reported_on", Kind: KindDate, Required: true},
	}},
	{Name: SocialCare, Row: "a social care or early help episode", IDColumn: colLCS, Columns: []Column{
		{
			Name:     "episode_type",
			Kind:     KindEnum,
			Required: true,
			Enum:     []string{"EH_ASSESSMENT", "CIN", "S47", "CP_PLAN", "CSE", "MISSING", "YOUNG_CARER", "LAC"},
		},
		{Name: "start_date", Kind: KindDate, Required: true},
		{Name: "end_date", Kind: KindDate},
		{Name: "team", Kind: KindText},
	}},
	{Name: Police, Row: "a police event about a person", IDColumn: colPNC, Columns: []Column{
		{
			Name:     "event_type",
			Kind:     KindEnum,
			Required: true,
			Enum: []string{
				"PROVEN_OFFENCE",
				"ASB_INTERVENTION",
				"DVA_INCIDENT",
				"MARAC",
				"RELEASED_FROM_PRISON",
				"ON_LICENCE",
			},
		},
		{Name: "role", Kind: KindEnum, Enum: []string{"SUBJECT", "VICTIM", "PERPETRATOR"}},
		{Name: "event_date", Kind: KindDate, Required: true},
		{Name: "incident_ref", Kind: KindText},
	}},
	{Name: DWPBenefits, Row: "a benefit spell", IDColumn: colNINO, Columns: []Column{
		{Name: "benefit", Kind: KindEnum, Required: true, Enum: []string{"JSA", "ESA", "IS", "IB", "UC"}},
		{Name: "uc_regime", Kind: KindEnum, Enum: []string{"SEARCHING", "PREPARING", "NO_REQUIREMENTS", "WORKING"}},
		{Name: "start_date", Kind: KindDate, Required: true},
		{Name: "end_date", Kind: KindDate},
	}},
	{
		Name:     Employment,
		Row:      "a spell of work (from employment advisers, payslips, employer letters or HMRC)",
		IDColumn: colNINO,
		Columns: []Column{
			{Name: "employer", Kind: KindText},
			{Name: "start_date", Kind: KindDate, Required: true},
			{Name: "end_date", Kind: KindDate},
			{Name: "hours_per_week", Kind: KindNumber},
			{
				Name:     "evidence",
				Kind:     KindEnum,
				Required: true,
				Enum:     []string{"PAYSLIP", "EMPLOYER_LETTER", "ADVISER_CONFIRMED", "HMRC"},
			},
		},
	},
	{Name: Health, Row: "a health need", IDColumn: colNHS, Columns: []Column{
		{
			Name:     "need",
			Kind:     KindEnum,
			Required: true,
			Enum: []string{
				"ADULT_MENTAL_HEALTH",
				"CHILD_MENTAL_HEALTH",
				"SUBSTANCE_MISUSE",
				"UNDER5_DEVELOPMENT",
				"TEENAGE_PREGNANCY",
			},
		},
		{Name: "start_date", Kind: KindDate, Required: true},
		{Name: "end_date", Kind: KindDate},
	}},
	{Name: Housing, Row: "a housing or money problem", Columns: []Column{
		{
			Name:     "event_type",
			Kind:     KindEnum,
			Required: true,
			Enum:     []string{"RENT_ARREARS", "EVICTION_RISK", "HOMELESS", "PROBLEM_DEBT"},
		},
		{Name: "event_date", Kind: KindDate, Required: true},
	}},
	{
		Name: HouseholdLinks,
		Row:  "a known relationship between two people, each named as feed:identifier",
		Columns: []Column{
			{Name: "person_ref_a", Kind: KindRef, Required: true},
			{Name: "person_ref_b", Kind: KindRef, Required: true},
			{
				Name:     "relationship",
				Kind:     KindEnum,
				Required: true,
				Enum:     []string{"PARENT_OF", "PARTNER_OF", "SIBLING_OF", "CARER_OF"},
			},
		},
	},
	{
		Name:  Residents,
		Row:   "a person recorded as living at an address (council tax and housing benefit accounts, GP registrations)",
		Since: 2,
		Columns: []Column{
			{
				Name:     "source",
				Kind:     KindEnum,
				Required: true,
				Enum:     []string{"COUNCIL_TAX", "HOUSING_BENEFIT", "GP_REGISTRATION"},
			},
			{Name: "account_ref", Kind: KindText},
			{Name: "from_date", Kind: KindDate, Required: true},
			{Name: "to_date", Kind: KindDate},
		},
	},
}

// Feeds returns every feed of the contract, in the contract's order.
func Feeds() []Feed { return slices.Clone(feeds) }

// FeedNamed returns the feed with the name.
func FeedNamed(name string) (Feed, bool) {
	for _, f := range feeds {
		if f.Name == name {
			return f, true
		}
	}
	return Feed{}, false
}

// Header is the feed's columns in the contract's order: person fields, identifier, the rest.
func (f Feed) Header() []string {
	h := slices.Clone(PersonColumns)
	if f.IDColumn != "" {
		h = append(h, f.IDColumn)
	}
	for _, c := range f.Columns {
		h = append(h, c.Name)
	}
	return h
}

// refFeeds are the feeds whose identifiers a household link may name, by identifier column.
var refFeeds = map[string]string{
	SchoolCensus: colUPN,
	SocialCare:   colLCS,
	Police:       colPNC,
	DWPBenefits:  colNINO,
	Health:       colNHS,
}
