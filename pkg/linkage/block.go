package linkage

import (
	"slices"
	"strconv"
)

// MaxBlock is the largest block whose pairs are all compared; a bigger block (a very common
// key) is skipped, its pairs left to the other keys.
const MaxBlock = 2000

// BlockingKeys are a prepared record's blocking keys: two records are a candidate pair when
// they share one. Each tolerates a different kind of error: a misspelt forename (surname
// sound and birth year), a misspelt surname (date of birth), a wrong date (postcode and
// forename initial), a move with a typo (forename sound, surname initial and birth month).
func BlockingKeys(p *Person, dst []string) []string {
	dst = dst[:0]
	if p.SurnameSX != "" && p.Year != 0 {
		dst = append(dst, "s"+p.SurnameSX+strconv.Itoa(p.Year))
	}
	if p.Year != 0 {
		dst = append(dst, "d"+strconv.Itoa(p.Year*10000+p.Month*100+p.Day))
	}
	if p.Postcode != "" && p.Forename != "" {
		dst = append(dst, "p"+p.Postcode+p.Forename[:1])
	}
	if p.Source != "" {
		dst = append(dst, "i"+p.Source)
	}
	if p.ForenameSX != "" && p.Surname != "" && p.Month != 0 {
		dst = append(dst, "f"+p.ForenameSX+p.Surname[:1]+strconv.Itoa(p.Month))
	}
	return dst
}

// CandidatePairs lists each pair of records sharing a blocking key, once, as (i, j) with
// i < j, in order.
func CandidatePairs(people []Person) [][2]int32 {
	blocks := map[string][]int32{}
	var keys []string
	for i := range people {
		keys = BlockingKeys(&people[i], keys)
		for _, k := range keys {
			blocks[k] = append(blocks[k], int32(i)) // #nosec G115 -- a run holds well under 2^31 records
		}
	}
	var pairs [][2]int32
	for _, members := range blocks {
		if len(members) < 2 || len(members) > MaxBlock {
			continue
		}
		for a := 0; a < len(members); a++ {
			for b := a + 1; b < len(members); b++ {
				pairs = append(pairs, [2]int32{members[a], members[b]})
			}
		}
	}
	slices.SortFunc(pairs, func(x, y [2]int32) int {
		if x[0] != y[0] {
			return int(x[0] - y[0])
		}
		return int(x[1] - y[1])
	})
	return slices.Compact(pairs)
}
