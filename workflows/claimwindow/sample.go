package claimwindow

import (
	"math/rand/v2"
	"slices"
	"strings"

	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
)

// Required is how many claims of a batch of n must be audited at a rate (0.10 = 10%):
// rounded up, in whole thousandths so that 0.1 x 30 is 3, not 4.
func Required(n int, rate float64) int {
	permille := int(rate*1000 + 0.5)
	return (n*permille + 999) / 1000
}

// Draw picks a window's audit sample: every claim with a risk flag (the first flag is the
// reason), then claims drawn at random from the rest until at least Required are sampled.
// It is deterministic: the same claims (in any order), rate and seed give the same sample,
// so a recorded seed lets anyone check the draw. Claims are returned in claim id order.
func Draw(claims []*familypathv1.WindowClaim, rate float64, seed uint64) []*familypathv1.SampledClaim {
	sorted := slices.Clone(claims)
	slices.SortFunc(
		sorted,
		func(a, b *familypathv1.WindowClaim) int { return strings.Compare(a.GetClaimId(), b.GetClaimId()) },
	)
	var picked []*familypathv1.SampledClaim
	var rest []*familypathv1.WindowClaim
	for _, c := range sorted {
		if len(c.GetRiskFlags()) > 0 {
			picked = append(picked, &familypathv1.SampledClaim{ClaimId: c.GetClaimId(), Reason: c.GetRiskFlags()[0]})
		} else {
			rest = append(rest, c)
		}
	}
	rng := rand.New(
		rand.NewPCG(seed, seed^0x9e3779b97f4a7c15),
	) // #nosec G404 -- a recorded, reproducible draw, not a secret
	rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	for i := 0; len(picked) < Required(len(claims), rate) && i < len(rest); i++ {
		picked = append(picked, &familypathv1.SampledClaim{ClaimId: rest[i].GetClaimId(), Reason: "RANDOM"})
	}
	slices.SortFunc(
		picked,
		func(a, b *familypathv1.SampledClaim) int { return strings.Compare(a.GetClaimId(), b.GetClaimId()) },
	)
	return picked
}
