package outcomes

// Family is what the engine judges: members and evidence facts, and the case's attachment
// and closure when they exist. Codes, dates and ids only; the JSON form is documented in
// docs/outcomes.md and read by `outcomes explain`.
type Family struct {
	ID         string      `json:"family_id"`
	Members    []Member    `json:"members"`
	Facts      []Fact      `json:"facts"`
	Attachment *Attachment `json:"attachment,omitempty"`
	CaseClosed *Moment     `json:"case_closed,omitempty"`
}

// Member is a person in the family.
type Member struct {
	ID        string  `json:"id"`
	BirthDate *Moment `json:"birth_date,omitempty"`
	// Role, "adult" or "child", is used when the birth date is unknown.
	Role     string `json:"role,omitempty"`
	Pregnant bool   `json:"pregnant,omitempty"`
}

// Fact is one evidence row, by reference (ID) with the fields the rules read.
type Fact struct {
	ID     string  `json:"id"`
	Person string  `json:"person"`
	Feed   string  `json:"feed"`
	Type   string  `json:"type"`
	Date   *Moment `json:"date,omitempty"`  // an event
	Start  *Moment `json:"start,omitempty"` // a spell
	End    *Moment `json:"end,omitempty"`   // the spell's end; absent while it goes on

	// School census rows.
	Term                 string `json:"term,omitempty"`
	SessionsPossible     int    `json:"sessions_possible,omitempty"`
	SessionsUnauthorised int    `json:"sessions_unauthorised,omitempty"`
	SessionsAuthorised   int    `json:"sessions_authorised,omitempty"`
	FixedTermExclusions  int    `json:"fixed_term_exclusions,omitempty"`
	PermanentExclusion   bool   `json:"permanent_exclusion,omitempty"`
	AlternativeProvision bool   `json:"alternative_provision,omitempty"`
}

// Attachment is the case's attachment (or a request to attach, for readiness).
type Attachment struct {
	Date             Moment   `json:"date"`
	Baseline         []string `json:"baseline"` // problem codes frozen at attachment
	Assessment       bool     `json:"whole_family_assessment"`
	FamilyPlan       bool     `json:"family_plan"`
	LeadProfessional bool     `json:"lead_professional"`
}
