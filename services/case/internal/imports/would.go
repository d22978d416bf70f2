package imports

import (
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
)

// Would is what the import would do for one family, in order.
type Would struct {
	CouncilFamilyRef string   `json:"council_family_ref"`
	Line             int      `json:"line"`
	Team             string   `json:"team"`
	Members          int      `json:"members"`
	PlanVersion      string   `json:"plan_version"`
	AttachedOn       string   `json:"attached_on"`
	BookFee          bool     `json:"book_attachment_fee"`
	Claim            string   `json:"claim,omitempty"` // "<window> <route> <status>"
	Phase            string   `json:"phase"`           // the workflow's phase when it starts
	Steps            []string `json:"steps"`
}

// Phases a family's workflow starts in (the workflow's own phase names).
const (
	PhaseTracking  = "TRACKING"
	PhaseSubmitted = "SUBMITTED"
	PhasePaid      = "PAID"
)

// Would says what importing the family would do.
func (f *Family) Would(plans *outcomes.Plans) Would {
	w := Would{
		CouncilFamilyRef: f.Ref,
		Line:             f.firstLine,
		Team:             f.Team,
		Members:          len(f.Members),
		PlanVersion:      f.PlanID + "@" + strconv.Itoa(f.PlanVersion),
		AttachedOn:       f.AttachedOn.Format(time.DateOnly),
		BookFee:          !f.FeeReceived,
		Phase:            PhaseTracking,
	}
	w.Steps = append(w.Steps, "open the case for team "+f.Team+" with "+strconv.Itoa(len(f.Members))+
		" members (their names and birth dates sealed)")
	fee := "keeping its attachment fee as received before the import"
	if w.BookFee {
		fee = "booking its attachment fee (never received)"
		if p, ok := plans.Get(f.PlanID, f.PlanVersion); ok {
			fee += " (£" + strconv.FormatInt(p.Money.AttachmentFeePence/100, 10) + ")"
		}
	}
	w.Steps = append(w.Steps, "record the attachment on "+w.AttachedOn+" under "+w.PlanVersion+", "+fee)
	if f.AssessmentOn != nil || f.PlanAgreedOn != nil {
		w.Steps = append(w.Steps, "keep the assessment and family plan dates beside the case")
	}
	if n := len(f.Progress); n > 0 {
		w.Steps = append(
			w.Steps,
			"keep the progress the previous system recorded on "+strconv.Itoa(n)+" of "+strconv.Itoa(len(f.Baseline))+
				" baseline problems beside the case (tracking judges results only from evidence it holds)",
		)
	}
	if f.ClaimWindow != "" {
		w.Claim = f.ClaimWindow + " " + f.ClaimRoute + " " + f.ClaimStatus
		w.Steps = append(
			w.Steps,
			"record the claim in window "+f.ClaimWindow+" by "+f.ClaimRoute+" as "+f.ClaimStatus+" in the ledger (the family counts against the cap, once)",
		)
		w.Phase = PhaseSubmitted
		if f.ClaimStatus == "PAID" {
			w.Phase = PhasePaid
		}
	}
	w.Steps = append(
		w.Steps,
		"start the family's workflow in phase "+w.Phase+" with "+w.PlanVersion+" pinned; tracking judges its deadlines from the evidence it holds",
	)
	return w
}
