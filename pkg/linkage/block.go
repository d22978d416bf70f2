package linkage

import (
	"math/bits"
	"runtime"
	"slices"
	"sync"
)

// MaxBlock is the largest block whose pairs are all compared; a bigger block (a very common
// key) is skipped, its pairs left to the other keys.
const MaxBlock = 2000

// MaxCoarseBlock is the largest block of a coarse key whose pairs are compared.
// A coarse key holds one field alone, so it finds records whose other fields all changed; its
// block is worth comparing only where the field is rare in this data (a date of birth shared by
// a handful of records, a name by a few), and where it is common the finer keys pair its
// records. The data, not a fixed rule, so decides where a coarse key blocks: all of a small
// benchmark's dates of birth, few of a county's children's.
const MaxCoarseBlock = 12

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
//     one that is missing either (a partial key), since every household shares them;
//   - the feed's own identifier;
//   - coarse keys, compared only where their block is small (MaxCoarseBlock): the date of
//     birth alone (every name and the postcode changed), both names' sounds in either
//     order alone (a wrong date of birth and a move, or names swapped and no date), the
//     postcode alone (both names and the date of birth changed), and the first address line
//     alone (everything else changed; a county's households and common street names make
//     big blocks, so it pairs only where an address is rare in the data).
func BlockingKeys(p *Person, dst []BlockKey) []BlockKey {
	dst = dst[:0]
	known := p.Year != 0
	dob := p.Year*10000 + p.Month*100 + p.Day
	if known && p.SurnameSX != "" {
		dst = append(dst, key('b').num(dob).str(p.SurnameSX).whole())
	}
	if known && p.Forename != "" && p.Surname != "" {
		i, j := p.Forename[:1], p.Surname[:1]
		if i > j {
			i, j = j, i
		}
		dst = append(dst, key('d').num(dob).str(i).str(j).whole())
	}
	if p.SurnameSX != "" && p.ForenameSX != "" && known {
		dst = append(dst, key('s').str(p.SurnameSX).str(p.ForenameSX).num(p.Year).whole())
	}
	if p.Postcode != "" && p.Forename != "" {
		dst = append(dst, key('p').str(p.Postcode).str(p.Forename[:1]).whole())
	}
	if p.Source != "" {
		dst = append(dst, key('i').str(p.Source).whole())
	}
	f, s := p.ForenameSX, p.SurnameSX
	if f > s { // in either order: names keyed the wrong way round still meet
		f, s = s, f
	}
	if f != "" && len(p.Postcode) >= 5 {
		dst = append(dst, key('n').str(f).str(s).str(p.Postcode[:len(p.Postcode)-3]).partial())
	}
	if known && p.Postcode != "" {
		dst = append(dst, key('o').num(dob).str(p.Postcode).whole()) // both names changed or missing
	}
	if p.Postcode != "" && p.ForenameSX != "" {
		dst = append(
			dst,
			key('q').str(p.Postcode).str(p.ForenameSX).whole(),
		) // a wrong or missing date of birth and a changed surname
	}
	if p.Postcode != "" && p.SurnameSX != "" {
		dst = append(
			dst,
			key('u').str(p.Postcode).str(p.SurnameSX).partial(),
		) // the surname at the postcode, for records missing a date of birth or forename
	}
	if known && p.ForenameSX != "" {
		dst = append(dst, key('f').num(dob).str(p.ForenameSX).whole()) // a changed surname and a move
	}
	if known {
		dst = append(dst, key('c').num(dob).coarse())
	}
	if f != "" {
		dst = append(dst, key('m').str(f).str(s).coarse())
	}
	if p.Postcode != "" {
		dst = append(dst, key('z').str(p.Postcode).coarse())
	}
	if p.Address != 0 {
		dst = append(dst, key('a').u64(p.Address).coarse())
	}
	return dst
}

// A BlockKey is a blocking key hashed (64-bit FNV-1a over its rule and values: two keys that
// collide only make one more candidate pair, which scoring then judges), with how its block
// pairs records in its two low bits.
type BlockKey uint64

// How a key's block pairs its records.
const (
	pairAll     = 1 + iota // every pair, up to MaxBlock records
	pairPartial            // only pairs with a record missing its date of birth or forename
	pairCoarse             // every pair, up to MaxCoarseBlock records
)

// keyHash builds a BlockKey: key(rule).str(...).num(...), then whole, partial or coarse.
type keyHash uint64

func key(rule byte) keyHash { return (keyHash(14695981039346656037) ^ keyHash(rule)) * 1099511628211 }

func (h keyHash) str(s string) keyHash {
	for i := 0; i < len(s); i++ {
		h = (h ^ keyHash(s[i])) * 1099511628211
	}
	return (h ^ 0xff) * 1099511628211 // a separator: "AB"+"C" is not "A"+"BC"
}

func (h keyHash) num(n int) keyHash {
	for i := 0; i < 4; i++ {
		h = (h ^ keyHash(n&0xff)) * 1099511628211
		n >>= 8
	}
	return h
}

func (h keyHash) u64(n uint64) keyHash {
	for i := 0; i < 8; i++ {
		h = (h ^ keyHash(n&0xff)) * 1099511628211
		n >>= 8
	}
	return h
}

func (h keyHash) whole() BlockKey   { return BlockKey(h&^3 | pairAll) }
func (h keyHash) partial() BlockKey { return BlockKey(h&^3 | pairPartial) }
func (h keyHash) coarse() BlockKey  { return BlockKey(h&^3 | pairCoarse) }

// incomplete says whether a record lacks its date of birth or forename.
func incomplete(p *Person) bool { return p.Year == 0 || p.Forename == "" }

// CandidatePairs lists each pair of records sharing a blocking key, once, as (i, j) with
// i < j, in order (pairs under a partial key only where one record is incomplete, under a
// coarse key only in small blocks). The keys are hashed and sorted rather than kept in a map
// of strings: a county of two million rows has twenty million of them.
func CandidatePairs(people []Person) [][2]int32 {
	type entry struct {
		key    BlockKey
		record int32
	}
	// Each core keys its stretch of the records; the stretches are then joined in order.
	entries := slices.Concat(Gather(len(people), func(lo, hi int) []entry {
		mine := make([]entry, 0, 16*(hi-lo))
		var keys []BlockKey
		for i := lo; i < hi; i++ {
			keys = BlockingKeys(&people[i], keys)
			for _, k := range keys {
				mine = append(mine, entry{k, int32(i)}) // #nosec G115 -- a run holds well under 2^31 records
			}
		}
		return mine
	})...)
	sortHashed(entries, func(e entry) uint64 { return uint64(e.key) })
	// Each block's pairs, as i<<32 | j: counted first and then written, so that tens of
	// millions of pairs are not copied again and again into a growing slice.
	eachPair := func(emit func(x, y int32)) {
		for lo := 0; lo < len(entries); {
			hi := lo + 1
			for hi < len(entries) && entries[hi].key == entries[lo].key {
				hi++
			}
			block := entries[lo:hi]
			lo = hi
			kind := block[0].key & 3
			if len(block) < 2 || len(block) > MaxBlock || kind == pairCoarse && len(block) > MaxCoarseBlock {
				continue
			}
			for a := range block {
				for b := a + 1; b < len(block); b++ {
					x, y := block[a].record, block[b].record
					if kind == pairPartial && !incomplete(&people[x]) && !incomplete(&people[y]) {
						continue
					}
					emit(min(x, y), max(x, y))
				}
			}
		}
	}
	n := 0
	eachPair(func(_, _ int32) { n++ })
	pairs := make([]uint64, 0, n)
	eachPair(
		func(x, y int32) { pairs = append(pairs, uint64(x)<<32|uint64(y)) },
	) // #nosec G115 -- record numbers are not negative
	radixSort(pairs, func(p uint64) uint64 { return p })
	pairs = slices.Compact(pairs)
	out := make([][2]int32, len(pairs))
	for i, p := range pairs {
		out[i] = [2]int32{int32(p >> 32), int32(p & 0xffffffff)} // #nosec G115 -- as above
	}
	return out
}

// sortHashed sorts s by a 64-bit hash on every core: split in place by the hash's top bits
// into a part for each core (a hash spreads evenly over them), then each part radix-sorted
// side by side.
func sortHashed[T any](s []T, by func(T) uint64) {
	sortSplit(s, by, 63, bits.Len(uint(runtime.GOMAXPROCS(0)-1)))
}

func sortSplit[T any](s []T, by func(T) uint64, bit uint, depth int) {
	if depth == 0 || len(s) < 1<<16 {
		radixSort(s, by)
		return
	}
	i, j := 0, len(s)-1
	for i <= j {
		if by(s[i])>>bit&1 == 0 {
			i++
		} else {
			s[i], s[j] = s[j], s[i]
			j--
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { sortSplit(s[:i], by, bit-1, depth-1) })
	sortSplit(s[i:], by, bit-1, depth-1)
	wg.Wait()
}

// radixSort sorts s by a 64-bit key, least significant 16 bits first: linear in len(s),
// where a comparison sort of tens of millions of keys costs seconds.
func radixSort[T any](s []T, by func(T) uint64) {
	if len(s) < 2 {
		return
	}
	buf := make([]T, len(s))
	src, dst := s, buf
	for shift := uint(0); shift < 64; shift += 16 {
		var count [1 << 16]int
		for _, x := range src {
			count[by(x)>>shift&0xffff]++
		}
		if count[by(src[0])>>shift&0xffff] == len(src) {
			continue // every key has this digit: nothing to move
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, x := range src {
			d := by(x) >> shift & 0xffff
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &s[0] {
		copy(s, src)
	}
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
