package extracts

// Row is one accepted row of an extract, with its values checked and normalised. Text is
// trimmed; dates are YYYY-MM-DD; "" means unknown (absent, or a person field that was not
// well formed and was reported).
type Row struct {
	Row  int // the data row's number, counted from 1 after the header
	Line int // the line of the file where the row starts

	// SourceID is the feed's own person identifier (upn, lcs_id, pnc_id, nino, nhs_number).
	SourceID string

	// Person fields.
	Forename, Surname          string
	DOB                        string
	Sex                        string // M, F or U
	AddressLine1, AddressLine2 string
	Town, Postcode, UPRN       string

	// EventType is what the row records, in the Outcomes Plan's terms: the episode type,
	// police event type, benefit, health need, housing event, relationship or residence source, or ATTENDANCE
	// (school census), NOT_ON_ROLL, EMPLOYMENT.
	EventType string
	EventDate string // an event's date (police, housing, not on roll)
	StartDate string // a spell's start
	EndDate   string // a spell's end; "" while it goes on

	// school_census
	SchoolURN, Term                          string
	SessionsPossible, SessionsUnauthorised   int32
	SessionsAuthorised, FixedTermExclusions  int32
	PermanentExclusion, AlternativeProvision bool
	// police, social_care, dwp_benefits, employment
	Role, IncidentRef, Team, UCRegime, Employer, Evidence string
	HoursPerWeek                                          string // a decimal number, "" when not given
	// household_links: person references "feed:identifier"
	PersonRefA, PersonRefB string
	// residents: the account or claim that names one household (empty for GP registrations);
	// the source (COUNCIL_TAX, HOUSING_BENEFIT, GP_REGISTRATION) is EventType, the residence's
	// from and to dates StartDate and EndDate.
	AccountRef string
}

// Issue is something the reader could not take as given: a rejected row, a person field
// treated as unknown, or an ignored column. Reasons name the field and the rule, never the
// value (extracts hold personal data).
type Issue struct {
	Line   int    `json:"line"`
	Row    int    `json:"row,omitempty"` // 0 for the header
	Field  string `json:"field,omitempty"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// Issue kinds.
const (
	RejectedRow   = "REJECTED_ROW"   // the row was not loaded
	UnknownValue  = "UNKNOWN_VALUE"  // the row was loaded with this person field unknown
	IgnoredColumn = "IGNORED_COLUMN" // a column (or JSON field) the contract does not have
)
