package forecast

import (
	"math"
	"math/rand/v2"
)

// DrawGamma draws from Gamma(shape, 1) by Marsaglia and Tsang's method (shape < 1 boosted).
func DrawGamma(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return DrawGamma(r, shape+1) * math.Pow(r.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// draw draws a rate from its distribution.
func (g Gamma) draw(r *rand.Rand) float64 { return DrawGamma(r, g.Shape) / g.Rate }

func (b Beta) draw(r *rand.Rand) float64 {
	x := DrawGamma(r, b.A)
	return x / (x + DrawGamma(r, b.B))
}

// drawPoisson draws a count with the mean (a normal approximation above 50).
func drawPoisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 50 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
