// Package policy is the one place that says who may do what, deny by default. A decision
// takes the caller's roles (from the access token), the action, and the caller's
// relationship to the record (from the case service's allocations, or a claim's audit
// assignment). Field-level rules hide restricted fields unless role and relationship allow.
// Every rule is in the tables below; policy_test.go covers every role x relationship x
// action.
package policy

import (
	"slices"

	"github.com/familypath/familypath/pkg/platform/auth"
)

// Action is something a caller asks to do.
type Action string

// Actions. Record actions (Family*, Claim*) need a relationship; the others are by role alone.
const (
	FamilyRead     Action = "family.read"     // a case record: members, assessment, plan, notes, lifecycle
	FamilyWrite    Action = "family.write"    // change a case record, add notes and evidence, ask to attach
	FamilyAllocate Action = "family.allocate" // set a family's team, lead professional and caseworkers
	FamilyRestrict Action = "family.restrict" // restrict (or lift the restriction of) processing of a family's data
	ClaimRead      Action = "claim.read"      // a claim's evidence pack and decision trail
	ClaimDecide    Action = "claim.decide"    // an auditor's decision on a sampled claim
	ExtractLoad    Action = "extract.load"    // upload agency extracts
	ExtractRead    Action = "extract.read"    // uploads and their reports
	IdentifyRun    Action = "identify.run"    // record candidate families, run identification
	ReviewDecide   Action = "review.decide"   // decide a pair in the linkage review queue
	ReportRead     Action = "report.read"     // aggregate reports and the dashboard (no personal data)
	AuditRead      Action = "audit.read"      // a service's audit trail
	PayloadDecode  Action = "payload.decode"  // decoded Temporal payloads through the codec server
	EvidenceRead   Action = "evidence.read"   // a family's evidence snapshot (the facts its judgements rest on)
	ClaimPay       Action = "claim.pay"       // record that a claim window's results were paid
	FamilyRefer    Action = "family.refer"    // refer a family to the programme (a professional's referral opens its case)
	// ReportFamilyRows: a report's per-family rows (family ids with their problems, routes and
	// dates: the claim projection, continuous employment candidates, a submission file); others
	// with ReportRead get the same reports as counts.
	ReportFamilyRows Action = "report.family_rows"
)

// Actions lists every action (for the table test).
var Actions = []Action{
	FamilyRead,
	FamilyWrite,
	FamilyAllocate,
	FamilyRestrict,
	ClaimRead,
	ClaimDecide,
	ExtractLoad,
	ExtractRead,
	IdentifyRun,
	ReviewDecide,
	ReportRead,
	AuditRead,
	PayloadDecode,
	EvidenceRead,
	ClaimPay,
	FamilyRefer,
	ReportFamilyRows,
}

// Relationship is the caller's relationship to one record, strongest first.
type Relationship int

// Relationships, as the case service (families) and the claims service (claims) answer them.
const (
	None             Relationship = iota
	SameTeam                      // the family is allocated to the caller's team
	Allocated                     // the caller is an allocated caseworker of the family
	LeadProfessional              // the caller is the family's lead professional
	AuditAssigned                 // the claim is in audit and assigned to the caller
)

var relationshipNames = map[Relationship]string{
	None:             "none",
	SameTeam:         "same_team",
	Allocated:        "allocated",
	LeadProfessional: "lead_professional",
	AuditAssigned:    "audit_assigned",
}

// Relationships lists every relationship (for the table test).
var Relationships = []Relationship{None, SameTeam, Allocated, LeadProfessional, AuditAssigned}

func (r Relationship) String() string { return relationshipNames[r] }

// ParseRelationship reads a relationship's name (None for anything unknown).
func ParseRelationship(s string) Relationship {
	for r, n := range relationshipNames {
		if n == s {
			return r
		}
	}
	return None
}

// byRole: actions a role may take on no record in particular.
var byRole = map[string][]Action{
	auth.RoleCaseworker:  {FamilyRefer},
	auth.RoleTeamManager: {ReportRead, FamilyRefer},
	auth.RoleDataAnalyst: {
		ExtractLoad,
		ExtractRead,
		IdentifyRun,
		ReviewDecide,
		ReportRead,
		ReportFamilyRows,
		EvidenceRead,
	},
	auth.RoleAuditor:          {AuditRead},
	auth.RoleProgrammeManager: {ReportRead, ReportFamilyRows, ClaimPay},
	auth.RolePartnerWorker:    {FamilyRefer},
	auth.RoleAdministrator:    {PayloadDecode, ExtractRead},
	auth.RoleService:          {EvidenceRead},
}

// onRecord: for each role and action on a record, the relationships that allow it.
var onRecord = map[string]map[Action][]Relationship{
	auth.RoleCaseworker: {
		FamilyRead:  {SameTeam, Allocated, LeadProfessional},
		FamilyWrite: {Allocated, LeadProfessional},
	},
	auth.RoleTeamManager: {
		FamilyRead:     {SameTeam, Allocated, LeadProfessional},
		FamilyWrite:    {SameTeam, Allocated, LeadProfessional},
		FamilyAllocate: {SameTeam},
	},
	auth.RolePartnerWorker: {
		FamilyRead:  {LeadProfessional},
		FamilyWrite: {LeadProfessional},
	},
	auth.RoleAuditor: {
		ClaimRead: {
			None,
			SameTeam,
			Allocated,
			LeadProfessional,
			AuditAssigned,
		}, // spot checks of any claim (each read audited)
		ClaimDecide: {AuditAssigned},
	},
	auth.RoleAdministrator: { // allocate any family and restrict its processing (for the data protection officer); read none
		FamilyAllocate: {None, SameTeam, Allocated, LeadProfessional},
		FamilyRestrict: {None, SameTeam, Allocated, LeadProfessional},
	},
}

// Decision is an answer and the reason, in words safe for the audit trail.
type Decision struct {
	Allowed    bool
	Reason     string
	Restricted bool // refused only because processing is restricted
}

// RecordAction says whether the action is about one record (it needs a relationship).
func RecordAction(a Action) bool {
	for _, acts := range onRecord {
		if _, ok := acts[a]; ok {
			return true
		}
	}
	return false
}

// Decide answers whether p may take action a on a record to which it has relationship rel
// (None for actions on no record).
func Decide(p auth.Principal, a Action, rel Relationship) Decision {
	if len(p.Roles) == 0 {
		return Decision{Reason: "no role"}
	}
	for _, role := range p.Roles {
		if slices.Contains(byRole[role], a) {
			return Decision{Allowed: true, Reason: "role " + role}
		}
		if slices.Contains(onRecord[role][a], rel) {
			return Decision{Allowed: true, Reason: "role " + role + " as " + rel.String()}
		}
	}
	if RecordAction(a) {
		return Decision{Reason: "no role allows " + string(a) + " as " + rel.String()}
	}
	return Decision{Reason: "no role allows " + string(a)}
}

// Access is what the case service knows of a caller and a family: the caller's relationship
// to it, and whether processing of the family's data is restricted (UK GDPR Article 18).
type Access struct {
	Relationship Relationship
	Restricted   bool
}

// DecideFamily is Decide for an action on a family's record: while processing is restricted
// the record is kept and may be read, but not changed.
func DecideFamily(p auth.Principal, a Action, acc Access) Decision {
	d := Decide(p, a, acc.Relationship)
	if d.Allowed && acc.Restricted && (a == FamilyWrite || a == FamilyAllocate) { // read, not changed or moved
		return Decision{Reason: "processing of this family's data is restricted", Restricted: true}
	}
	return d
}

// FieldClass is how sensitive one field of a case record is.
type FieldClass int

// Field classes (docs/data-protection.md lists each field's class).
const (
	Ordinary   FieldClass = iota // who may read the record may read it
	Special                      // special category (health, crime, abuse): those working with the family
	Restricted                   // whereabouts of someone at risk (a refuge address): lead professional and allocated caseworkers only
)

// FieldVisible says whether a caller allowed to read a record sees a field of the class.
func FieldVisible(p auth.Principal, class FieldClass, rel Relationship) bool {
	if !Decide(p, FamilyRead, rel).Allowed {
		return false
	}
	switch class {
	case Ordinary:
		return true
	case Special:
		return rel >= Allocated && rel <= LeadProfessional || (p.Has(auth.RoleTeamManager) && rel == SameTeam)
	case Restricted:
		return rel == Allocated || rel == LeadProfessional
	}
	return false
}
