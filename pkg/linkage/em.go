package linkage

import (
	"math"
)

// EstimateM fits the Fellegi-Sunter model's m and the share of pairs that are matches to
// the comparisons of pairs by expectation-maximisation, from p, with u held at p.U (from
// RandomU). Missing levels carry no information and are left out. Comparisons are counted
// by pattern first, so each iteration costs the number of distinct patterns (a few
// hundred at most), not the number of pairs. Give it pairs blocked on other fields than those whose m it is to estimate, with
// the blocking fields set Missing: then non-matches agree on the rest about as often as
// random pairs do, and the latent class stays "one person" (left free, u can settle on a
// class such as "a shared forename").
func EstimateM(pairs []Comparison, p Probabilities, iterations int) (Probabilities, float64) {
	return estimate(pairs, p, iterations, false, true)
}

// EstimateShare is EstimateM with m held too: only the share of matches is fitted.
func EstimateShare(pairs []Comparison, p Probabilities, iterations int) float64 {
	_, share := estimate(pairs, p, iterations, true, true)
	return share
}

// RandomU is the chance of each field's levels between two records drawn at random (almost
// always two people): u, estimated from samples pairs of a seeded stream, so the same
// records give the same u.
func RandomU(people []Person, samples int) [NumFields][NumLevels]float64 {
	var u [NumFields][NumLevels]float64
	n := len(people)
	if n < 2 {
		return DefaultProbabilities().U
	}
	var counts [NumFields][NumLevels]float64
	x := uint64(0x9E3779B97F4A7C15)
	next := func() int32 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return int32(x % uint64(n)) // #nosec G115 -- n > 0, and a run holds well under 2^31 records
	}
	pairs := make([][2]int32, 0, samples)
	for s := 0; s < samples; s++ {
		if a, b := next(), next(); a != b {
			pairs = append(pairs, [2]int32{a, b})
		}
	}
	for _, c := range CompareAll(people, pairs) {
		for f, l := range c {
			counts[f][l]++
		}
	}
	for f := range counts {
		total := 0.0
		for l := 0; l < Missing; l++ {
			total += counts[f][l]
		}
		for l := 0; l < Missing; l++ {
			// Half a pair for a level never seen, so that no weight is infinite.
			u[f][l] = (counts[f][l] + 0.5) / (total + 0.5*Missing)
		}
	}
	return u
}

func estimate(pairs []Comparison, p Probabilities, iterations int, fixedM, fixedU bool) (Probabilities, float64) {
	// Counted in an array indexed by the pattern read as a number in base NumLevels (a
	// county's millions of pairs cost a map look-up each otherwise), and so taken in a fixed
	// order: the sums, and so the estimate, are the same every run.
	size := 1
	for range NumFields {
		size *= NumLevels
	}
	counts := make([]float64, size)
	for _, c := range pairs {
		counts[patternIndex(c)]++
	}
	var patterns []Comparison
	var weights []float64
	for i, n := range counts {
		if n > 0 {
			patterns, weights = append(patterns, patternOf(i)), append(weights, n)
		}
	}
	lambda := 0.1
	for it := 0; it < iterations; it++ {
		var mSum, uSum [NumFields][NumLevels]float64
		var mTot, uTot [NumFields]float64
		matches, total := 0.0, 0.0
		for i, c := range patterns {
			pm, pu := lambda, 1-lambda
			for f, l := range c {
				if l != Missing {
					pm *= p.M[f][l]
					pu *= p.U[f][l]
				}
			}
			g := 0.0 // the chance this pattern is a match
			if pm+pu > 0 {
				g = pm / (pm + pu)
			}
			n := weights[i]
			matches += g * n
			total += n
			for f, l := range c {
				if l == Missing {
					continue
				}
				mSum[f][l] += g * n
				mTot[f] += g * n
				uSum[f][l] += (1 - g) * n
				uTot[f] += (1 - g) * n
			}
		}
		for f := 0; f < NumFields; f++ {
			for l := 0; l < Missing; l++ {
				if mTot[f] > 0 && !fixedM {
					p.M[f][l] = mSum[f][l] / mTot[f]
				}
				if uTot[f] > 0 && !fixedU {
					p.U[f][l] = uSum[f][l] / uTot[f]
				}
			}
		}
		if total > 0 {
			lambda = matches / total
		}
	}
	return p, lambda
}

// patternIndex reads a comparison as a number in base NumLevels, its first field the most
// significant digit.
func patternIndex(c Comparison) int {
	i := 0
	for _, l := range c {
		i = i*NumLevels + int(l)
	}
	return i
}

// patternOf is the comparison patternIndex reads as i.
func patternOf(i int) Comparison {
	var c Comparison
	for f := NumFields - 1; f >= 0; f-- {
		c[f] = uint8(i % NumLevels) // #nosec G115 -- a level is under NumLevels
		i /= NumLevels
	}
	return c
}

// Threshold is the match weight above which a pair is a match with at least the given
// probability, for a share of matches among the pairs scored (EM's estimate):
// log2(p/(1-p)) - log2(share/(1-share)).
func Threshold(share, probability float64) float64 {
	return math.Log2(probability/(1-probability)) - math.Log2(share/(1-share))
}
