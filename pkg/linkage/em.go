package linkage

import (
	"bytes"
	"math"
	"slices"
)

// Estimate fits the Fellegi-Sunter model to the comparisons of candidate pairs by
// expectation-maximisation, starting from p: it returns the estimated m and u of each field
// and level, and the share of pairs that are matches. Missing levels carry no information
// and are left out. Comparisons are counted by pattern first, so each iteration costs the
// number of distinct patterns (a few hundred at most), not the number of pairs.
func Estimate(pairs []Comparison, p Probabilities, iterations int) (Probabilities, float64) {
	counts := map[Comparison]float64{}
	for _, c := range pairs {
		counts[c]++
	}
	patterns := make([]Comparison, 0, len(counts))
	for c := range counts {
		patterns = append(patterns, c)
	}
	// In a fixed order, so that the sums, and so the estimate, are the same every run.
	slices.SortFunc(patterns, func(a, b Comparison) int { return bytes.Compare(a[:], b[:]) })
	weights := make([]float64, len(patterns))
	for i, c := range patterns {
		weights[i] = counts[c]
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
				if mTot[f] > 0 {
					p.M[f][l] = mSum[f][l] / mTot[f]
				}
				if uTot[f] > 0 {
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

// Threshold is the match weight above which a pair is a match with at least the given
// probability, for a share of matches among the pairs scored (EM's estimate):
// log2(p/(1-p)) - log2(share/(1-share)).
func Threshold(share, probability float64) float64 {
	return math.Log2(probability/(1-probability)) - math.Log2(share/(1-share))
}
