// Command forecast-backtest takes a simulated county through a plan's programme years,
// forecasts each month from what was known then, and scores the forecasts against what
// happened (docs/forecast.md records its figures).
//
//	go run ./cmd/forecast-backtest [-plan lancashire-phase2] [-seed 1] [-draws 1000] [-every 1] [-v]
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
	flag.Parse()
	if err := run(*plan, *seed, *draws, *every, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "forecast-backtest:", err)
		os.Exit(1)
	}
}

func run(id string, seed uint64, draws, every int, verbose bool) error {
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
	c := backtest.Simulate(p, backtest.Lancashire, seed)
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
