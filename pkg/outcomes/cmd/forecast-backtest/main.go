// Command forecast-backtest takes a simulated county through a plan's programme years,
// forecasts each month from what was known then, and scores the forecasts against what
// happened (docs/forecast.md records its figures).
//
//	go run ./cmd/forecast-backtest [-plan lancashire-phase2] [-seed 1] [-draws 1000] [-every 1] [-v]
//	    [-spells] [-memoryless] [-alike] [-steady]
//
// The last four change the county, to see which of its ways the forecast copes with: every
// problem told as spells (outstanding until progress), memoryless waits, families alike, teams
// that do not learn.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/outcomes/forecast/backtest"
	"github.com/familypath/familypath/plans"
)

func main() {
	plan := flag.String("plan", "lancashire-phase2", "the published plan to simulate")
	seed := flag.Uint64("seed", 1, "the county's seed (the forecasts use it too)")
	draws := flag.Int("draws", 1000, "draws per forecast")
	every := flag.Int("every", 1, "months between forecasts")
	verbose := flag.Bool("v", false, "print every forecast's bands")
	b := backtest.Lancashire
	flag.BoolVar(
		&b.AllSpells,
		"spells",
		false,
		"tell every problem to the engine as spells (outstanding until progress)",
	)
	memoryless := flag.Bool("memoryless", false, "memoryless waits to progress and to lapse")
	alike := flag.Bool("alike", false, "every family equally engaged")
	steady := flag.Bool("steady", false, "teams do not get faster year by year")
	flag.Parse()
	if *memoryless {
		b.ProgressShape, b.LapseShape = 1, 1
	}
	if *alike {
		b.Engagement = 1e6
	}
	if *steady {
		b.Learning = 0
	}
	if err := run(*plan, b, *seed, *draws, *every, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "forecast-backtest:", err)
		os.Exit(1)
	}
}

func run(id string, b backtest.Behaviour, seed uint64, draws, every int, verbose bool) error {
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		return err
	}
	p, ok := ps.Latest(id)
	if !ok {
		return fmt.Errorf("no published plan %q", id)
	}
	if len(p.Profiles) == 0 {
		return fmt.Errorf("plan %s has no programme years (profiles): there is nothing to forecast against", id)
	}
	c := backtest.Simulate(p, b, seed)
	// From six months in: before then there is no history to learn from, only the prior.
	rep, err := backtest.Run(p, c, p.Profiles[0].Starts.Time.AddDate(0, 6, 0), every, draws, seed)
	if err != nil {
		return err
	}
	if !verbose {
		rep.Points = nil
	}
	rep.Write(os.Stdout)
	return nil
}
