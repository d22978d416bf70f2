package linkage

import (
	"math"
	"runtime"
	"strings"
	"sync"
)

// Person is a record prepared for comparison: fields normalised and phonetic keys computed
// once, so that scoring a pair does no string work beyond the comparators.
type Person struct {
	Forename, Surname     string
	ForenameSX, SurnameSX string // Soundex keys
	Year, Month, Day      int    // date of birth; 0 when unknown
	Postcode              string // upper-case, no spaces
	Sex                   byte   // 'M', 'F', or 0 when unknown
	// Source is the record's own identifier in its feed, "feed:id" (a UPN in the school
	// census, an NHS number in health, ...), or "" when it has none.
	Source string
	// Address is the first line of the record's address, hashed (its letters and digits,
	// upper-case), or 0 when it has none: blocking only, never compared.
	Address uint64
	feed    uint32     // a hash of Source's feed part: identifiers of one feed compare, of two do not
	groups  nameGroups // the forename's familiar-name groups (nicknames.go)
	// The forename's and surname's groups of spellings of one name (names/spellings.txt).
	foreSpelt, surSpelt nameGroups
}

// WithSource sets the record's identifier in its feed.
func (p Person) WithSource(feed, id string) Person {
	if id != "" {
		p.Source, p.feed = feed+":"+strings.ToUpper(strings.ReplaceAll(id, " ", "")), feedCode(feed)
	}
	return p
}

// WithAddress sets the record's first address line.
func (p Person) WithAddress(line string) Person {
	h := keyHash(14695981039346656037)
	n := 0
	up := strings.ToUpper(line)
	for i := 0; i < len(up); i++ {
		if b := up[i]; b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' {
			h = (h ^ keyHash(b)) * 1099511628211
			n++
		}
	}
	if n > 0 {
		p.Address = uint64(h)
	}
	return p
}

// Prepare normalises a record's fields (dob YYYY-MM-DD or "", postcode any spacing).
func Prepare(forename, surname, dob, sex, postcode string) Person {
	p := Person{Forename: Normalise(forename), Surname: Normalise(surname)}
	p.ForenameSX, p.SurnameSX = Soundex(p.Forename), Soundex(p.Surname)
	p.groups = familiar[p.Forename]
	p.foreSpelt, p.surSpelt = spellings[p.Forename], spellings[p.Surname]
	if len(dob) == 10 && dob[4] == '-' && dob[7] == '-' {
		y, m, d := atoi(dob[0:4]), atoi(dob[5:7]), atoi(dob[8:10])
		if y > 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31 { // the extract reader has checked the calendar
			p.Year, p.Month, p.Day = y, m, d
		}
	}
	p.Postcode = strings.ToUpper(strings.ReplaceAll(postcode, " ", ""))
	if sex == "M" || sex == "F" {
		p.Sex = sex[0]
	}
	return p
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// Fields compared, in Comparison order.
const (
	FieldForename = iota
	FieldSurname
	FieldDOB
	FieldPostcode
	FieldSex
	FieldIdentifier // the feed's own identifier: exact within a feed, Missing across feeds
	NumFields
)

// Levels of agreement, the same scale for every field (not every field uses every level).
const (
	Exact   = iota // the same
	Close          // names: Jaro-Winkler >= 0.92 or (forenames) familiar forms of one name; dob: day and month swapped; postcode: same sector
	Partial        // names: >= 0.80 or the same Soundex; dob: one part differs; postcode: same district or one keying error apart
	Differ
	Missing // either side unknown: weight 0
	NumLevels
)

// Comparison is the level each field agreed at: the comparisons that made a pair's score.
type Comparison [NumFields]uint8

// Model holds the Fellegi-Sunter weight of each field at each level: log2(m/u), where m is
// the chance of that agreement between records of one person and u between records of two.
type Model struct {
	Weights [NumFields][NumLevels]float64
	// Frequencies, when set, adjust exact name agreement by how common the name is: two
	// records agreeing on "SMITH" say less than two agreeing on "GRIMSHAW" (term frequency).
	Frequencies *Frequencies
	m           Probabilities
}

// Frequencies are the shares of records holding each forename and surname.
type Frequencies struct {
	forename, surname map[string]float64
}

// CountFrequencies counts the names of a run's records.
func CountFrequencies(people []Person) *Frequencies {
	f := &Frequencies{forename: map[string]float64{}, surname: map[string]float64{}}
	for i := range people {
		f.forename[people[i].Forename]++
		f.surname[people[i].Surname]++
	}
	n := float64(len(people))
	for _, m := range []map[string]float64{f.forename, f.surname} {
		for k := range m {
			m[k] /= n
		}
	}
	return f
}

// Probabilities are m and u for each field and level (Missing is ignored).
type Probabilities struct {
	M, U [NumFields][NumLevels]float64
}

// NewModel turns probabilities into weights.
func NewModel(p Probabilities) *Model {
	m := &Model{m: p}
	for f := 0; f < NumFields; f++ {
		for l := 0; l < Missing; l++ {
			if p.M[f][l] > 0 && p.U[f][l] > 0 {
				m.Weights[f][l] = math.Log2(p.M[f][l] / p.U[f][l])
			}
		}
	}
	return m
}

// DefaultProbabilities are starting values for a county's agency data, before they are
// estimated from the data itself: names and dates of birth agree exactly for most records of
// one person and rarely for two people; a postcode changes with every move.
func DefaultProbabilities() Probabilities {
	var p Probabilities
	set := func(f int, m, u [4]float64) {
		copy(p.M[f][:4], m[:])
		copy(p.U[f][:4], u[:])
	}
	set(FieldForename, [4]float64{0.86, 0.06, 0.04, 0.04}, [4]float64{0.008, 0.004, 0.03, 0.958})
	set(FieldSurname, [4]float64{0.88, 0.05, 0.03, 0.04}, [4]float64{0.004, 0.002, 0.02, 0.974})
	set(FieldDOB, [4]float64{0.93, 0.02, 0.03, 0.02}, [4]float64{0.0002, 0.00002, 0.004, 0.99578})
	set(FieldPostcode, [4]float64{0.70, 0.08, 0.07, 0.15}, [4]float64{0.0005, 0.004, 0.03, 0.9655})
	set(FieldSex, [4]float64{0.97, 0, 0, 0.03}, [4]float64{0.5, 0, 0, 0.5})
	set(FieldIdentifier, [4]float64{0.97, 0, 0, 0.03}, [4]float64{0.0001, 0, 0, 0.9999})
	return p
}

// Score compares two prepared records: the match weight (the sum of each field's weight at
// its level) and the comparisons that made it.
func (m *Model) Score(a, b *Person) (float64, Comparison) {
	c := Compare(a, b)
	return m.Weigh(a, b, c), c
}

// Compare finds the level each field of two records agrees at. It does not depend on the
// model, so a run compares its pairs once and weighs them under each model it fits.
func Compare(a, b *Person) Comparison {
	var c Comparison
	c[FieldForename] = nameLevel(a.Forename, b.Forename, a.ForenameSX, b.ForenameSX)
	if c[FieldForename] > Close && c[FieldForename] != Missing &&
		(a.groups.shares(b.groups) || a.foreSpelt.shares(b.foreSpelt)) {
		c[FieldForename] = Close // a familiar form (JIM for JAMES) or another spelling (MUHAMMAD for MOHAMMED)
	}
	c[FieldSurname] = nameLevel(a.Surname, b.Surname, a.SurnameSX, b.SurnameSX)
	if c[FieldSurname] > Close && c[FieldSurname] != Missing && a.surSpelt.shares(b.surSpelt) {
		c[FieldSurname] = Close // another spelling: CHOWDHURY for CHOUDHURY
	}
	if c[FieldForename] == Differ && c[FieldSurname] == Differ {
		// Forename and surname keyed the wrong way round: compare them crossed.
		f := nameLevel(a.Forename, b.Surname, a.ForenameSX, b.SurnameSX)
		l := nameLevel(a.Surname, b.Forename, a.SurnameSX, b.ForenameSX)
		switch {
		case f == Exact && l == Exact:
			c[FieldForename], c[FieldSurname] = Close, Close // the same names, weighed as weaker than in place
		case f <= Close && l <= Close:
			c[FieldForename], c[FieldSurname] = Partial, Partial // close names, weaker still
		}
	}
	c[FieldDOB] = dobLevel(a, b)
	c[FieldPostcode] = postcodeLevel(a.Postcode, b.Postcode)
	switch {
	case a.Sex == 0 || b.Sex == 0:
		c[FieldSex] = Missing
	case a.Sex == b.Sex:
		c[FieldSex] = Exact
	default:
		c[FieldSex] = Differ
	}
	c[FieldIdentifier] = identifierLevel(a, b)
	return c
}

// CompareAll compares each pair of people (Compare), the pairs shared among the machine's
// cores: a county's millions of candidate pairs are the bulk of linking's work, and each
// comparison stands alone.
func CompareAll(people []Person, pairs [][2]int32) []Comparison {
	out := make([]Comparison, len(pairs))
	InParallel(len(pairs), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = Compare(&people[pairs[i][0]], &people[pairs[i][1]])
		}
	})
	return out
}

// InParallel calls do over [0, n) split into one stretch for each of the machine's cores,
// side by side, and waits for them all: for work on a county's millions of records or pairs
// in which each item stands alone.
func InParallel(n int, do func(lo, hi int)) {
	Gather(n, func(lo, hi int) struct{} { do(lo, hi); return struct{}{} })
}

// Gather is InParallel for work that gives a result for each stretch: the results, in the
// stretches' order, so that joining them gives what one core would have.
func Gather[T any](n int, do func(lo, hi int) T) []T {
	workers := runtime.GOMAXPROCS(0)
	chunk := max(1, (n+workers-1)/workers)
	out := make([]T, (n+chunk-1)/chunk)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i] = do(i*chunk, min((i+1)*chunk, n)) })
	}
	wg.Wait()
	return out
}

// Weigh is the match weight of two records compared as c: the sum of each field's weight
// at its level, with exact name agreement weighed by the name's frequency when the model
// has them.
func (m *Model) Weigh(a, b *Person, c Comparison) float64 {
	w := 0.0
	for f, l := range c {
		w += m.Weights[f][l]
	}
	if tf := m.Frequencies; tf != nil {
		// Exact agreement on a name: u is the chance that two records share this name.
		if c[FieldForename] == Exact {
			w += tfWeight(m.m.M[FieldForename][Exact], tf.forename[a.Forename]) - m.Weights[FieldForename][Exact]
		}
		if c[FieldSurname] == Exact {
			w += tfWeight(m.m.M[FieldSurname][Exact], tf.surname[a.Surname]) - m.Weights[FieldSurname][Exact]
		}
	}
	return w
}

func nameLevel(a, b, asx, bsx string) uint8 {
	switch {
	case a == "" || b == "":
		return Missing
	case a == b:
		return Exact
	}
	jw := JaroWinkler(a, b)
	switch {
	case jw >= 0.92:
		return Close
	case jw >= 0.80 || asx == bsx:
		return Partial
	}
	return Differ
}

func dobLevel(a, b *Person) uint8 {
	switch {
	case a.Year == 0 || b.Year == 0:
		return Missing
	case a.Year == b.Year && a.Month == b.Month && a.Day == b.Day:
		return Exact
	case a.Year == b.Year && a.Month == b.Day && a.Day == b.Month:
		return Close // day and month transposed
	}
	same := 0
	if a.Year == b.Year {
		same++
	}
	if a.Month == b.Month {
		same++
	}
	if a.Day == b.Day {
		same++
	}
	if same == 2 {
		return Partial
	}
	return Differ
}

// DateTypos counts the keying errors between two known dates of birth written as eight
// digits (YYYYMMDD): a digit changed, or two neighbouring digits swapped, is one error each.
func DateTypos(a, b *Person) int {
	x, y := dateDigits(a), dateDigits(b)
	typos := 0
	for i := 0; i < len(x); i++ {
		if x[i] == y[i] {
			continue
		}
		typos++
		if i+1 < len(x) && x[i] == y[i+1] && x[i+1] == y[i] { // #nosec G602 -- i+1 < len(x), and x and y are [8]byte
			i++ // a swap of neighbours is one error
		}
	}
	return typos
}

func dateDigits(p *Person) [8]byte {
	var d [8]byte
	n := p.Year*10000 + p.Month*100 + p.Day
	for i := 7; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return d
}

// postcodeLevel compares UK postcodes without spaces: the inward code is the last three
// characters; the sector is the outward code and the inward code's digit. Two postcodes
// one keying error apart (a character changed, two neighbours swapped) in different
// districts agree partly: a typing error, as likely as a move within the district.
func postcodeLevel(a, b string) uint8 {
	switch {
	case len(a) < 5 || len(b) < 5:
		return Missing
	case a == b:
		return Exact
	}
	ao, bo := a[:len(a)-3], b[:len(b)-3]
	switch {
	case ao == bo && a[len(a)-3] == b[len(b)-3]:
		return Close
	case ao == bo, oneKeyingError(a, b):
		return Partial
	}
	return Differ
}

// oneKeyingError says whether two strings of one length differ by one character changed or
// two neighbouring characters swapped.
func oneKeyingError(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return false
	}
	if a[i+1:] == b[i+1:] {
		return true // one character changed
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
}

// identifierLevel compares the records' own identifiers when they come from the same feed
// (an agency keys each person once; different feeds' identifiers say nothing of each other).
func identifierLevel(a, b *Person) uint8 {
	if a.feed != b.feed || a.Source == "" || b.Source == "" {
		return Missing
	}
	if a.Source == b.Source {
		return Exact
	}
	return Differ
}

func tfWeight(m, share float64) float64 {
	if share < 1e-6 {
		share = 1e-6
	}
	return math.Log2(m / share)
}

// feedCode is a feed name's FNV-1a hash: the contract's nine feeds hash apart.
func feedCode(feed string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(feed); i++ {
		h = (h ^ uint32(feed[i])) * 16777619
	}
	return h
}
