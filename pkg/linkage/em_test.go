package linkage

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Comparisons drawn from known m and u (10% matches) are fitted back to their m and match
// share from the default starting values, u given.
func TestEstimateRecoversTheProbabilitiesThatMadeTheData(t *testing.T) {
	truth := DefaultProbabilities()
	truth.M[FieldForename] = [NumLevels]float64{0.75, 0.1, 0.1, 0.05}
	truth.U[FieldPostcode] = [NumLevels]float64{0.002, 0.01, 0.05, 0.938}
	rng := rand.New(rand.NewPCG(1, 2))
	draw := func(ps [NumLevels]float64) uint8 {
		x := rng.Float64()
		for l := 0; l < Missing; l++ {
			if x < ps[l] {
				return uint8(l)
			}
			x -= ps[l]
		}
		return Differ
	}
	var pairs []Comparison
	for i := 0; i < 200000; i++ {
		match := i%10 == 0
		var c Comparison
		for f := 0; f < NumFields; f++ {
			if rng.IntN(50) == 0 {
				c[f] = Missing
				continue
			}
			if match {
				c[f] = draw(truth.M[f])
			} else {
				c[f] = draw(truth.U[f])
			}
		}
		pairs = append(pairs, c)
	}
	start := DefaultProbabilities()
	start.U = truth.U
	got, lambda := EstimateM(pairs, start, 50)
	if math.Abs(lambda-0.1) > 0.01 {
		t.Errorf("match share %.3f, want 0.1", lambda)
	}
	for f := 0; f < NumFields; f++ {
		for l := 0; l < Missing; l++ {
			if math.Abs(got.M[f][l]-truth.M[f][l]) > 0.02 {
				t.Errorf("field %d level %d: m %.3f (want %.3f)", f, l, got.M[f][l], truth.M[f][l])
			}
		}
	}
	if share := EstimateShare(pairs, got, 50); math.Abs(share-0.1) > 0.01 {
		t.Errorf("share with m and u held: %.3f", share)
	}
}

func TestPatternIndexReadsAComparisonBackAndInOrder(t *testing.T) {
	a, b := Comparison{
		Exact,
		Close,
		Differ,
		Missing,
		Exact,
		Missing,
	}, Comparison{
		Exact,
		Close,
		Missing,
		Exact,
		Exact,
		Exact,
	}
	for _, c := range []Comparison{a, b, {}, {Missing, Missing, Missing, Missing, Missing, Missing}} {
		if got := patternOf(patternIndex(c)); got != c {
			t.Errorf("patternOf(patternIndex(%v)) = %v", c, got)
		}
	}
	if patternIndex(a) >= patternIndex(b) {
		t.Errorf("patterns out of order: %v before %v", b, a)
	}
}
