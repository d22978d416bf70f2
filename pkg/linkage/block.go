package linkage

import (
	"slices"
	"strconv"
)

// MaxBlock is the largest block whose pairs are all compared; a bigger block (a very common
// key) is skipped, its pairs left to the other keys.
const MaxBlock = 2000

// BlockingKeys are a prepared record's blocking keys: two records are a candidate pair when
// they share one. Each tolerates a different kind of error, and each stays small in a
// county of a million rows (a date of birth is shared by dozens of children, so it is
// split by names): a misspelt or familiar forename (date of birth and surname sound); a
// misspelt or changed surname, or names swapped (date of birth and both initials, in
// order); a wrong day or month of birth (surname sound, forename initial and birth year);
// a wrong date of birth or a changed surname (the postcode and forename initial); an
// unknown date of birth after a move within the area (both names' sounds, in either order,
// and the postcode district); both names changed or missing (date of birth and postcode); a
// wrong or missing date of birth and one name, or names swapped (the postcode and either
// name's sound); a changed surname and a move (date of birth and forename sound); the feed's
// own identifier.
func BlockingKeys(p *Person, dst []string) []string {
	dst = dst[:0]
	dob := ""
	if p.Year != 0 {
		dob = strconv.Itoa(p.Year*10000 + p.Month*100 + p.Day)
	}
	if dob != "" && p.SurnameSX != "" {
		dst = append(dst, "b"+dob+p.SurnameSX)
	}
	if dob != "" && p.Forename != "" && p.Surname != "" {
		i, j := p.Forename[:1], p.Surname[:1]
		if i > j {
			i, j = j, i
		}
		dst = append(dst, "d"+dob+i+j)
	}
	if p.SurnameSX != "" && p.Forename != "" && p.Year != 0 {
		dst = append(dst, "s"+p.SurnameSX+p.Forename[:1]+strconv.Itoa(p.Year))
	}
	if p.Postcode != "" && p.Forename != "" {
		dst = append(dst, "p"+p.Postcode+p.Forename[:1])
	}
	if p.Source != "" {
		dst = append(dst, "i"+p.Source)
	}
	if p.ForenameSX != "" && p.SurnameSX != "" && len(p.Postcode) >= 5 {
		f, s := p.ForenameSX, p.SurnameSX
		if f > s { // in either order: names keyed the wrong way round still meet
			f, s = s, f
		}
		dst = append(dst, "n"+f+s+p.Postcode[:len(p.Postcode)-3])
	}
	if dob != "" && p.Postcode != "" {
		dst = append(dst, "o"+dob+p.Postcode) // both names changed or missing
	}
	if p.Postcode != "" { // a wrong or missing date of birth and one name, or names swapped: either name's sound at the postcode
		if p.SurnameSX != "" {
			dst = append(dst, "q"+p.Postcode+p.SurnameSX)
		}
		if p.ForenameSX != "" && p.ForenameSX != p.SurnameSX {
			dst = append(dst, "q"+p.Postcode+p.ForenameSX)
		}
	}
	if dob != "" && p.ForenameSX != "" {
		dst = append(dst, "f"+dob+p.ForenameSX) // a changed surname and a move
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

// PairsSharing lists pairs of records with the same key (key returns "" for none), up to
// limit pairs, skipping blocks over MaxBlock: the pairs of one blocking rule, for
// estimating m from the fields that rule does not block on (EstimateM).
func PairsSharing(people []Person, key func(*Person) string, limit int) [][2]int32 {
	blocks := map[string][]int32{}
	var order []string
	for i := range people {
		if k := key(&people[i]); k != "" {
			if _, ok := blocks[k]; !ok {
				order = append(order, k)
			}
			blocks[k] = append(blocks[k], int32(i)) // #nosec G115 -- a run holds well under 2^31 records
		}
	}
	var pairs [][2]int32
	for _, k := range order { // in order of first record, so the same records give the same pairs
		members := blocks[k]
		if len(members) > MaxBlock {
			continue
		}
		for a := 0; a < len(members); a++ {
			for b := a + 1; b < len(members); b++ {
				if len(pairs) == limit {
					return pairs
				}
				pairs = append(pairs, [2]int32{members[a], members[b]})
			}
		}
	}
	return pairs
}
