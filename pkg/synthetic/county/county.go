// Package county makes a synthetic county: households of adults, children and pregnancies
// with English names, addresses and moves, each person projected into every agency's
// extract (docs/data-contracts.md) with that agency's own errors at documented rates,
// and the ground truth beside them: who each row really is, and which problems each family
// has at the reference date (judged by the Outcomes Plan engine on the true facts). It is
// seeded and deterministic: the same seed and size give the same bytes, and household i is
// the same household whatever the county's size. Every later test, demo and benchmark
// draws its data from here. Everyone in it is made up.
package county

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
)

// Config sizes and shapes a county.
type Config struct {
	Seed       uint64
	Households int
	// Reference is the date the truth is judged at, YYYY-MM-DD (default 2016-10-01, the
	// seeds' tracking report).
	Reference string
	// MultiProblemShare is the share of households planted with two or more problems
	// (default 0.10; most families in a county have none).
	MultiProblemShare float64
	// Clean turns every agency error off: each row then carries its person exactly.
	Clean bool
	// Plan is the Outcomes Plan the truth is judged under, whose school terms the census
	// counts (default: the shipped PlanID). Its terms must reach three before Reference.
	Plan *outcomes.Plan
}

// PlanID is the Outcomes Plan the truth is judged under unless Config.Plan says otherwise.
const PlanID = "lancashire-phase2"

// Person is one made-up resident, with the truth every agency gets partly wrong.
type Person struct {
	ID, Household               string
	Adult, Pregnant             bool
	Forename, Surname, Sex, DOB string
	NINO, NHS, UPN, LCS, PNC    string // identifiers; "" where the person has none
	birth                       time.Time
}

// Address is where a household lives.
type Address struct{ Line1, Town, Postcode, UPRN string }

// Household is one family with its ground truth.
type Household struct {
	ID      string
	Members []*Person
	Address Address
	// Previous is the address before MovedOn; MovedOn is "" when the household has not moved.
	Previous Address
	MovedOn  string
	// Planted lists the problems the generator gave the household; Problems are those the
	// Outcomes Plan engine finds at the reference date in the true facts, and Eligible its
	// answer (2+ problems and a dependent child or pregnancy).
	Planted    []string
	Problems   []string
	Eligible   bool
	Dependants bool
}

// Row is one extract row with the person it really is.
type Row struct {
	Feed   string
	Number int      // the data row's number in its feed's file, from 1
	Values []string // in the feed's Header() order
	Person *Person
}

// generator holds what every household draws on.
type generator struct {
	cfg   Config
	l     *lists
	plan  *outcomes.Plan
	ref   time.Time
	terms []outcomes.Term // the three latest school terms begun by the reference date, oldest first
	rows  map[string]int  // rows so far per feed
}

func newGenerator(cfg Config) (*generator, error) {
	if cfg.Reference == "" {
		cfg.Reference = "2016-10-01"
	}
	if cfg.MultiProblemShare == 0 {
		cfg.MultiProblemShare = 0.10
	}
	ref, err := time.Parse(time.DateOnly, cfg.Reference)
	if err != nil {
		return nil, fmt.Errorf("reference date: %w", err)
	}
	plan := cfg.Plan
	if plan == nil {
		ps, err := outcomes.Load(plans.FS)
		if err != nil {
			return nil, err
		}
		p, ok := ps.Latest(PlanID)
		if !ok {
			return nil, fmt.Errorf("no plan %s", PlanID)
		}
		plan = p
	}
	g := &generator{cfg: cfg, l: loadLists(), plan: plan, ref: ref, rows: map[string]int{}}
	// The census counts each term begun by the reference date (the current one so far):
	// the terms the plan's attendance indicators look back over.
	for _, t := range plan.Terms {
		if t.Start.Before(outcomes.Date(ref.Year(), ref.Month(), ref.Day()).Time) {
			g.terms = append(g.terms, t)
		}
	}
	if len(g.terms) < 3 {
		return nil, fmt.Errorf("the plan's school terms do not reach three terms before %s", cfg.Reference)
	}
	g.terms = g.terms[len(g.terms)-3:]
	return g, nil
}

// Generate makes the county household by household, handing each with its rows to f.
func Generate(cfg Config, f func(h *Household, rows []Row) error) error {
	g, err := newGenerator(cfg)
	if err != nil {
		return err
	}
	for i := 0; i < cfg.Households; i++ {
		h, events := g.household(i)
		rows := make([]Row, 0, len(events))
		facts := make([]outcomes.Fact, 0, len(events))
		rng := rand.New(
			rand.NewPCG(cfg.Seed^0x5eed, uint64(i)),
		) // #nosec G404 G115 -- synthetic data, seeded to be reproducible; i >= 0
		for _, e := range events {
			g.rows[e.feed]++
			n := g.rows[e.feed]
			rows = append(rows, Row{Feed: e.feed, Number: n, Values: g.project(rng, h, e), Person: e.p})
			if f, ok := e.fact(e.feed + ":" + strconv.Itoa(n)); ok {
				facts = append(facts, f)
			}
		}
		g.judge(h, facts)
		if err := f(h, rows); err != nil {
			return err
		}
	}
	return nil
}

// judge records the truth: the engine's eligibility on the true facts at the reference date.
func (g *generator) judge(h *Household, facts []outcomes.Fact) {
	fam := &outcomes.Family{ID: h.ID, Facts: facts}
	for _, p := range h.Members {
		b := outcomes.Date(p.birth.Year(), p.birth.Month(), p.birth.Day())
		fam.Members = append(fam.Members, outcomes.Member{ID: p.ID, BirthDate: &b, Pregnant: p.Pregnant})
	}
	j := outcomes.Evaluate(g.plan, fam, outcomes.Date(g.ref.Year(), g.ref.Month(), g.ref.Day()))
	for _, pe := range j.Eligibility.Problems {
		h.Problems = append(h.Problems, pe.Code)
	}
	h.Eligible, h.Dependants = j.Eligibility.Eligible, j.Eligibility.Dependants
}

func day(t time.Time) string { return t.Format(time.DateOnly) }
