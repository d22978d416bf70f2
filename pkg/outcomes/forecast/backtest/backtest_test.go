package backtest

import (
	"testing"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
)

// A county that behaves as the model assumes (every family alike, memoryless waits, no
// learning, every problem outstanding until progress), judged by the engine month by month,
// must be forecast well: this keeps the backtest's own machinery honest (window by
// window, year by year, the same seed twice).
func TestACountyLikeTheModelIsForecastWell(t *testing.T) {
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ps.Latest("lancashire-phase2")
	b := Lancashire
	b.ProgressShape, b.LapseShape, b.Engagement, b.Learning, b.PaceNoise, b.AllSpells = 1, 1, 1e6, 0, 0, true
	c := Simulate(p, b, 1)
	if again := Simulate(p, b, 1); len(again.families) != len(c.families) ||
		len(again.families[100].facts) != len(c.families[100].facts) {
		t.Fatal("the same seed simulated a different county")
	}
	attached := len(c.families)
	if attached < p.FamilyCap*9/10 || attached > p.FamilyCap {
		t.Fatalf("%d families attached; the profile gives %d", attached, p.FamilyCap)
	}
	rep, err := Run(p, c, p.Profiles[1].Starts.Time, 6, 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Coverage < 0.6 || rep.MeanAbsError["total"] > 0.1 {
		t.Fatalf("coverage %.2f, total P50 error %.2f", rep.Coverage, rep.MeanAbsError["total"])
	}
}
