package imports

import (
	"cmp"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/synthetic/county"
)

// Synthetic is a mid-programme import file made from the synthetic county (everyone in it
// made up): its eligible households as families already in the programme at every phase
// (attached only, progressing, every problem progressing, a claim submitted, a claim paid),
// and a share of families with a planted mistake, each of which the dry run must report.
type Synthetic struct {
	Households int     // county households to draw families from (about one in ten is eligible)
	Seed       uint64  // the county's and the file's
	BadShare   float64 // share of families given one planted mistake
	Teams      []string
	RefPrefix  string // the council references' prefix ("SYN" when empty): files with different prefixes name different families
}

// Mistakes a synthetic file plants, each on one family's first row: the field the dry run
// must name.
var Mistakes = []struct{ Field, What string }{
	{"attached_on", "an attachment date outside the programme"},
	{"baseline_problems", "a baseline problem the plan lacks"},
	{"claim_route", "a claim without a route"},
	{"team", "a family's rows disagreeing"},
}

// Write writes the file and answers, by council family reference, the field of the mistake
// planted in each bad family.
func (s Synthetic) Write(w io.Writer, p *outcomes.Plan) (map[string]string, error) {
	r := rand.New(rand.NewPCG(s.Seed, 0x1a)) // #nosec G404 -- test data, reproducible by design
	out := csv.NewWriter(w)
	var header []string
	for _, c := range Columns {
		header = append(header, c.Name)
	}
	if err := out.Write(header); err != nil {
		return nil, err
	}
	teams := s.Teams
	if len(teams) == 0 {
		teams = []string{"preston-1", "burnley-2", "lancaster-1", "chorley-3"}
	}
	bad := map[string]string{}
	n := 0
	err := county.Generate(
		county.Config{Seed: s.Seed, Households: s.Households, Clean: true},
		func(h *county.Household, _ []county.Row) error {
			if !h.Eligible {
				return nil
			}
			n++
			ref := cmp.Or(s.RefPrefix, "SYN") + "/" + strconv.Itoa(n)
			v := s.family(r, p, h, teams)
			v["council_family_ref"] = ref
			mistake := -1
			if r.Float64() < s.BadShare {
				mistake = r.IntN(len(Mistakes))
				if Mistakes[mistake].Field == "team" &&
					len(h.Members) < 2 { // a family of one has no second row to disagree
					mistake = 0
				}
				bad[ref] = Mistakes[mistake].Field
			}
			for i, m := range h.Members {
				row := map[string]string{}
				for k, x := range v {
					row[k] = x
				}
				row["person_ref"], row["given_name"], row["family_name"], row["birth_date"], row["postcode"] =
					m.ID, m.Forename, m.Surname, m.DOB, h.Address.Postcode
				row["role"], row["relationship"] = "CHILD", "CHILD"
				if m.Adult {
					row["role"], row["relationship"] = "ADULT", "PARENT_CARER"
				}
				if i == 0 && mistake >= 0 {
					plant(row, Mistakes[mistake].Field)
				}
				if i == 1 && mistake >= 0 && Mistakes[mistake].Field == "team" {
					row["team"] = "elsewhere-9"
				}
				rec := make([]string, len(header))
				for j, c := range header {
					rec[j] = row[c]
				}
				if err := out.Write(rec); err != nil {
					return err
				}
			}
			return nil
		},
	)
	out.Flush()
	if err == nil {
		err = out.Error()
	}
	return bad, err
}

// family draws a family's columns at a phase of the programme.
func (s Synthetic) family(r *rand.Rand, p *outcomes.Plan, h *county.Household, teams []string) map[string]string {
	from, to := p.EffectiveFrom.Time, p.ClaimWindows[len(p.ClaimWindows)-1].Opens.Time.AddDate(0, -18, 0)
	attached := from.AddDate(0, 0, r.IntN(int(to.Sub(from).Hours()/24)))
	v := map[string]string{
		"contract_version":        ContractVersion,
		"plan_id":                 p.ID,
		"plan_version":            strconv.Itoa(p.Version),
		"team":                    teams[r.IntN(len(teams))],
		"attached_on":             attached.Format(time.DateOnly),
		"attachment_fee_received": "Y",
		"baseline_problems":       strings.Join(h.Problems, ";"),
	}
	if r.IntN(5) == 0 {
		v["attachment_fee_received"] = "N"
	}
	var progress []string
	phase := r.IntN(5) // attached only, some progress, all progress, submitted, paid
	for i, code := range h.Problems {
		if phase == 0 || phase == 1 && i%2 == 1 {
			continue
		}
		progress = append(progress, code+":"+attached.AddDate(0, 1+r.IntN(6), 0).Format(time.DateOnly))
	}
	v["progress"] = strings.Join(progress, ";")
	if phase >= 3 {
		for _, w := range p.ClaimWindows {
			if w.Opens.After(attached.AddDate(1, 0, 0)) {
				v["claim_window"], v["claim_route"], v["claim_status"] = w.ID, "SSP", "SUBMITTED"
				break
			}
		}
		if phase == 4 {
			v["claim_status"] = "PAID"
		}
	}
	return v
}

// plant gives a row the mistake.
func plant(row map[string]string, field string) {
	switch field {
	case "attached_on":
		row["attached_on"] = "2031-01-01"
	case "baseline_problems":
		row["baseline_problems"] += ";NOT_A_PROBLEM"
	case "claim_route":
		if row["claim_window"] == "" {
			row["claim_window"], row["claim_status"] = "2019-01", "SUBMITTED"
		}
		row["claim_route"] = ""
	}
}
