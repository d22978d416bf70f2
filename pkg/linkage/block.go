package linkage

import (
	"slices"
	"strconv"
)

// MaxBlock is the largest block whose pairs are all compared; a bigger block (a very common
// key) is skipped, its pairs left to the other keys.
const MaxBlock = 2000

// BlockingKeys are a prepared record's blocking keys: two records are a candidate pair when
// they share one. Each tolerates a different kind of error, and each stays small in a county
// of a million rows with its residents (a date of birth is shared by dozens of children, so
// it is split by names):
//   - a misspelt or familiar forename: date of birth and surname sound;
//   - a misspelt or changed surname, or names swapped: date of birth and both initials, in
//     either order;
//   - a wrong day or month of birth: both names' sounds and birth year;
//   - a wrong date of birth or a changed surname: the postcode and forename initial;
//   - both names changed or missing: date of birth and postcode;
//   - a wrong or missing date of birth and a changed surname: the postcode and forename sound;
//   - a changed surname and a move: date of birth and forename sound;
//   - a missing date of birth or forename: the surname at the postcode, and both names'
//     sounds (in either order) in the postcode district; these two pair a record only with
//     one that is missing either (partialKey), since every household shares them;
//   - the feed's own identifier.
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
	if p.SurnameSX != "" && p.ForenameSX != "" && p.Year != 0 {
		dst = append(dst, "s"+p.SurnameSX+p.ForenameSX+strconv.Itoa(p.Year))
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
		dst = append(dst, partialKey+"n"+f+s+p.Postcode[:len(p.Postcode)-3])
	}
	if dob != "" && p.Postcode != "" {
		dst = append(dst, "o"+dob+p.Postcode) // both names changed or missing
	}
	if p.Postcode != "" && p.ForenameSX != "" {
		dst = append(dst, "q"+p.Postcode+p.ForenameSX) // a wrong or missing date of birth and a changed surname
	}
	if p.Postcode != "" && p.SurnameSX != "" {
		dst = append(dst, partialKey+p.Postcode+p.SurnameSX) // the surname at the postcode, for records missing a date of birth or forename
	}
	if dob != "" && p.ForenameSX != "" {
		dst = append(dst, "f"+dob+p.ForenameSX) // a changed surname and a move
	}
	return dst
}

// partialKey starts the key of the surname at the postcode, which pairs a record only with
// one missing its date of birth or forename: every household shares it, so pairing all its
// members would cost much and find only what the other keys find.
const partialKey = "u"

// incomplete says whether a record lacks its date of birth or forename.
func incomplete(p *Person) bool { return p.Year == 0 || p.Forename == "" }

// CandidatePairs lists each pair of records sharing a blocking key, once, as (i, j) with
// i < j, in order (pairs under partialKey only where one record is incomplete).
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
	for key, members := range blocks {
		if len(members) < 2 || len(members) > MaxBlock {
			continue
		}
		partial := key[0] == partialKey[0] // pairs with a record missing its date of birth or forename only
		for a := 0; a < len(members); a++ {
			for b := a + 1; b < len(members); b++ {
				if partial && !incomplete(&people[members[a]]) && !incomplete(&people[members[b]]) {
					continue
				}
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
