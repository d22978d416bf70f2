package matching

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"math"
	"slices"
	"strconv"

	"github.com/familypath/familypath/pkg/linkage"
)

// Key is a record's fingerprint, hashed: what remembered decisions and stable ids are keyed by.
type Key [16]byte

// Pair is two fingerprints in order, the key of a reviewer's decision about them.
type Pair [2]Key

// PairOf orders two keys.
func PairOf(a, b Key) Pair {
	if slices.Compare(a[:], b[:]) > 0 {
		a, b = b, a
	}
	return Pair{a, b}
}

// Settings tune linking. The zero value links with the defaults.
type Settings struct {
	// Accept and Review are match probabilities: a pair more likely than Accept to be one
	// person is linked; one between Review and Accept goes to the review queue; the rest are
	// not linked. Defaults 0.95 and 0.50.
	Accept, Review float64
	// Decisions are reviewers' remembered decisions, true for "the same person"; they win
	// over any score, in every run.
	Decisions map[Pair]bool
	// Hash turns a fingerprint into a Key: keyed (HMAC) in the service, so that no key says
	// whom it is about; SHA-256 by default.
	Hash func([]byte) Key
	// Aliases, when set, are the Keys a fingerprint had under earlier hash keys (after a key
	// rotation): decisions and people known by them are found, and answered under Hash's.
	Aliases func([]byte) []Key
	// MaxPerson caps how many distinct records one person may gather, against chains of
	// weak links joining strangers. Default 1,000.
	MaxPerson int
}

func (s *Settings) defaults() {
	if s.Accept == 0 {
		s.Accept = 0.95
	}
	if s.Review == 0 {
		s.Review = 0.50
	}
	if s.Hash == nil {
		s.Hash = func(b []byte) Key {
			sum := sha256.Sum256(b)
			return Key(sum[:16])
		}
	}
	if s.MaxPerson == 0 {
		s.MaxPerson = 1000
	}
}

// How a record was joined to its person.
const (
	ByScore      = "score"      // a pair's match weight above the acceptance threshold
	ByIdentifier = "identifier" // the same identifier in one agency's records
	ByDecision   = "decision"   // a reviewer said so
)

// Link is a pair of records linked into one person, with what made it.
type Link struct {
	A, B       int32 // records
	Weight     float64
	Comparison linkage.Comparison
	By         string
}

// Uncertain is a pair for a reviewer: two records whose people stay apart unless someone
// decides they are one.
type Uncertain struct {
	A, B        int32 // records
	Weight      float64
	Probability float64
	Comparison  linkage.Comparison
}

// People is how a run's records resolve into people.
type People struct {
	Of    []int32 // the person of each record, numbered from 0 in order of first record
	Count int
	Keys  []Key // each record's fingerprint key
	// Aliases are each record's keys under earlier hash keys (Settings.Aliases), or nil.
	Aliases [][]Key
	// Decisions are the reviewers' decisions the run applied, under the run's own keys
	// (decisions made under an earlier key are answered here under the current one).
	Decisions map[Pair]bool
	Best      []float64 // each record's strongest accepted link weight; NaN when it links to no other distinct record
	Links     []Link
	// Review holds one pair for each two people an uncertain pair joins, the strongest.
	Review []Uncertain
	Stats  LinkStats
}

// LinkStats say what linking did.
type LinkStats struct {
	Records, Distinct, CandidatePairs int
	MatchShare                        float64 // EM's estimate of the share of candidate pairs that match
	Prior                             float64 // the chance that two random distinct records are one person
	AcceptWeight, ReviewWeight        float64
	Probabilities                     linkage.Probabilities
	Refused                           int // links not made because they would join different identifiers or decided non-matches, or pass MaxPerson
	// GenerationPairs are the pairs above the acceptance weight whose dates of birth are a
	// generation apart; GenerationsCorroborated those whose two dates are each given by
	// another record of its person (SameNameGenerations).
	GenerationPairs, GenerationsCorroborated int
}

// Probability is a weight's match probability, for the run's prior.
func (s LinkStats) Probability(w float64) float64 {
	return 1 / (1 + math.Exp2(-(w + math.Log2(s.Prior/(1-s.Prior)))))
}

// LinkPeople resolves records into people: records with the same fingerprint are one
// profile; profiles sharing an agency's identifier are one person; other profiles are
// compared in blocks, scored by a Fellegi-Sunter model whose m and u are estimated from the
// run's own pairs (EM) with term-frequency adjustment of names, and linked strongest first,
// never joining two different identifiers of one agency or a pair a reviewer kept apart.
func LinkPeople(records []Record, s Settings) *People {
	s.defaults()
	n := len(records)
	out := &People{Of: make([]int32, n), Keys: make([]Key, n), Best: make([]float64, n)}
	ps := profilesOf(records, s, out)
	profiles, first, index := ps.profiles, ps.first, ps.index
	out.Stats.Records, out.Stats.Distinct = n, len(profiles)
	s.Decisions = translate(s.Decisions, ps.alias)
	out.Decisions = s.Decisions
	c := newClusters(profiles, s.MaxPerson)
	for p := range profiles {
		c.addIdentifier(int32(p), profiles[p].Source) // #nosec G115 -- a run holds well under 2^31 records
	}
	for pr, same := range s.Decisions {
		a, okA := index[pr[0]]
		b, okB := index[pr[1]]
		if !same && okA && okB {
			c.keepApart(a, b)
		}
	}

	pairs := linkage.CandidatePairs(profiles)
	comparisons := linkage.CompareAll(profiles, pairs)
	out.Stats.CandidatePairs = len(pairs)
	model, share := estimate(profiles, comparisons)
	out.Stats.MatchShare, out.Stats.Probabilities = share, model.probabilities
	// The weights are against random pairs (u from random pairs), so the prior is the
	// chance that two random profiles are one person: the matches expected among the
	// candidate pairs, of all pairs.
	d := float64(len(profiles))
	out.Stats.Prior = min(0.5, share*float64(len(pairs))/max(1, d*(d-1)/2))
	accept, review := linkage.Threshold(out.Stats.Prior, s.Accept), linkage.Threshold(out.Stats.Prior, s.Review)
	out.Stats.AcceptWeight, out.Stats.ReviewWeight = accept, review
	strong, weak, undated, generations := weighPairs(
		pairs,
		comparisons,
		profiles,
		model,
		accept,
		review,
		func(pr [2]int32) bool {
			if len(s.Decisions) == 0 {
				return false
			}
			_, decided := s.Decisions[PairOf(out.Keys[first[pr[0]]], out.Keys[first[pr[1]]])]
			return decided
		},
	)

	// Reviewers' matches, in a fixed order, whether or not a blocking key brought them together.
	var decided []scored
	for pr, same := range s.Decisions {
		a, okA := index[pr[0]]
		b, okB := index[pr[1]]
		if same && okA && okB && a != b {
			_, cmpn := model.Score(&profiles[a], &profiles[b])
			decided = append(decided, scored{min(a, b), max(a, b), math.Inf(1), cmpn, true})
		}
	}
	slices.SortFunc(decided, func(x, y scored) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	// Decisions first (their weight is infinite), then strongest first.
	slices.SortStableFunc(strong, func(x, y scored) int { return cmp.Compare(y.w, x.w) })
	strong = append(decided, strong...)
	best := make([]float64, len(profiles))
	for i := range best {
		best[i] = math.NaN()
	}
	// One agency's identifier is reliable when present: profiles sharing it are one person,
	// whatever blocking finds.
	byID := map[string]int32{}
	for p := range profiles {
		id := profiles[p].Source
		if id == "" {
			continue
		}
		if q, ok := byID[id]; ok {
			if c.union(q, int32(p)) { // #nosec G115 -- as above
				w, cmpn := model.Score(&profiles[q], &profiles[p])
				out.Links = append(
					out.Links,
					Link{A: first[q], B: first[p], Weight: w, Comparison: cmpn, By: ByIdentifier},
				)
				keepBest(best, q, w)
				keepBest(best, int32(p), w) // #nosec G115 -- as above
			}
			continue
		}
		byID[id] = int32(p) // #nosec G115 -- as above
	}

	link := func(sc scored) {
		if !c.union(sc.a, sc.b) {
			return
		}
		out.Links = append(
			out.Links,
			Link{A: first[sc.a], B: first[sc.b], Weight: sc.w, Comparison: sc.c, By: sc.how()},
		)
		keepBest(best, sc.a, sc.w)
		keepBest(best, sc.b, sc.w)
	}
	for _, sc := range strong {
		link(sc)
	}
	// Pairs whose dates of birth are a generation apart: a parent and child of one name, or
	// a mistyped date, as the data says (SameNameGenerations).
	out.Stats.GenerationPairs = len(generations)
	if out.Stats.GenerationsCorroborated = corroborated(profiles, ps.profileOf, generations, c.find); !out.Stats.SameNameGenerations() {
		slices.SortStableFunc(generations, func(x, y scored) int { return cmp.Compare(y.w, x.w) })
		for _, sc := range generations {
			link(sc)
		}
	} else {
		weak = append(weak, generations...)
	}
	// Then the records with no date of birth, against the people the strong links made:
	// first those beside a dated record, then pairs of two undated records against the
	// people those links made.
	oneSided, bothUndated := splitUndated(profiles, undated)
	linked, rest := resolveUndated(profiles, oneSided, oneSided, c.find)
	for _, sc := range linked {
		link(sc)
	}
	weak = append(weak, rest...)
	linked, rest = resolveUndated(profiles, bothUndated, undated, c.find)
	for _, sc := range linked {
		link(sc)
	}
	weak = append(weak, rest...)
	out.Stats.Refused = c.refused
	out.Review = reviewQueue(weak, first, c.find, out.Stats.Probability)
	numberPeople(out, ps.profileOf, best, c.find)
	return out
}

// profileSet is a run's distinct records (profiles): each record's profile, each profile's
// record (first) and prepared fields, and profiles by key.
type profileSet struct {
	profileOf []int32
	first     []int32 // a record of each profile
	index     map[Key]int32
	alias     map[Key]Key // an earlier key to the run's own
	profiles  []linkage.Person
}

// profilesOf finds the profiles, one per distinct fingerprint. Each record's key is made on
// every core (a keyed hash of its prepared fields) into out.Keys; the profiles are then found,
// prepared again on every core, and numbered in the order of their places.
func profilesOf(records []Record, s Settings, out *People) profileSet {
	n := len(records)
	if s.Aliases != nil {
		out.Aliases = make([][]Key, n)
	}
	linkage.InParallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			person := records[i].person()
			fp := records[i].fingerprint(&person)
			out.Keys[i] = s.Hash(fp)
			if s.Aliases != nil {
				out.Aliases[i] = s.Aliases(fp)
			}
		}
	})
	ps := profileSet{profileOf: make([]int32, n), index: make(map[Key]int32, n/2), alias: map[Key]Key{}}
	for i, k := range out.Keys {
		if s.Aliases != nil {
			for _, a := range out.Aliases[i] {
				ps.alias[a] = k
			}
		}
		p, ok := ps.index[k]
		switch {
		case !ok:
			ps.index[k] = int32(len(ps.first))    // #nosec G115 -- a run holds well under 2^31 records
			ps.first = append(ps.first, int32(i)) // #nosec G115 -- as above
		case records[i].AddressLine1 < records[ps.first[p]].AddressLine1:
			// the profile's record is its least address, not its first: the one field
			// beside the fingerprint that linking compares, chosen whatever the order
			ps.first[p] = int32(i) // #nosec G115 -- as above
		}
	}
	ps.profiles = make([]linkage.Person, len(ps.first))
	places := make([][]byte, len(ps.first))
	linkage.InParallel(len(ps.first), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			ps.profiles[p] = records[ps.first[p]].person()
			places[p] = records[ps.first[p]].place(&ps.profiles[p])
		}
	})
	ps.inPlace(places)
	for i, k := range out.Keys {
		ps.profileOf[i] = ps.index[k]
	}
	return ps
}

// inPlace numbers the profiles in the order of their places (Record.place), not of their
// first records: everything linking samples, blocks and breaks ties by follows the numbering,
// and a run's records come in the order of its uploads' ids, which is no order of the data.
// So the same records link alike in any order (and under any key).
func (ps *profileSet) inPlace(places [][]byte) {
	order := make([]int32, len(ps.first))
	for p := range order {
		order[p] = int32(p) // #nosec G115 -- as above
	}
	slices.SortFunc(order, func(a, b int32) int { return bytes.Compare(places[a], places[b]) })
	renumber := make([]int32, len(order))
	first, profiles := make([]int32, len(order)), make([]linkage.Person, len(order))
	for q, p := range order {
		renumber[p] = int32(q) // #nosec G115 -- as above
		first[q], profiles[q] = ps.first[p], ps.profiles[p]
	}
	for k, p := range ps.index {
		ps.index[k] = renumber[p]
	}
	ps.first, ps.profiles = first, profiles
}

// weighPairs weighs the candidate pairs (but those a reviewer decided) and sorts them by kind:
// strong, weak (for review), with an undated side, and a generation apart. Each core weighs
// and sorts its stretch of the pairs; the stretches are joined in order.
func weighPairs(
	pairs [][2]int32,
	comparisons []linkage.Comparison,
	profiles []linkage.Person,
	model estimatedModel,
	accept, review float64,
	decided func([2]int32) bool,
) (strong, weak, undated, generations []scored) {
	parts := linkage.Gather(len(pairs), func(lo, hi int) (k kinds) {
		for i := lo; i < hi; i++ {
			pr := pairs[i]
			if decided(pr) {
				continue // a reviewer's decision wins over the score
			}
			a, b, cmpn := &profiles[pr[0]], &profiles[pr[1]], comparisons[i]
			w := model.Weigh(a, b, cmpn)
			sc := scored{pr[0], pr[1], w, cmpn, false}
			switch {
			case cmpn[linkage.FieldIdentifier] == linkage.Exact:
				// joined by identifier
			case w > accept && datesAgree(a, b, cmpn):
				k.strong = append(k.strong, sc)
			case w > accept && undatedPair(a, b):
				k.undated = append(k.undated, sc)
			case w > accept:
				k.generations = append(k.generations, sc) // dates of birth a parent's and a child's
			case w > review:
				k.weak = append(k.weak, sc)
			}
		}
		return k
	})
	return joinKinds(parts)
}

// reviewQueue is the uncertain pairs between people still apart, one (the strongest) per two
// people.
func reviewQueue(weak []scored, first []int32, find func(int32) int32, probability func(float64) float64) []Uncertain {
	var queue []Uncertain
	seen := map[[2]int32]int{}
	for _, sc := range weak {
		ra, rb := find(sc.a), find(sc.b)
		if ra == rb {
			continue
		}
		if ra > rb {
			ra, rb = rb, ra
		}
		u := Uncertain{A: first[sc.a], B: first[sc.b], Weight: sc.w, Probability: probability(sc.w), Comparison: sc.c}
		if i, ok := seen[[2]int32{ra, rb}]; ok {
			if sc.w > queue[i].Weight {
				queue[i] = u
			}
			continue
		}
		seen[[2]int32{ra, rb}] = len(queue)
		queue = append(queue, u)
	}
	return queue
}

// numberPeople numbers the people in order of their first record, and gives each record its
// person and its best link's weight.
func numberPeople(out *People, profileOf []int32, best []float64, find func(int32) int32) {
	number := make([]int32, len(best))
	for i := range number {
		number[i] = -1
	}
	for i := range out.Of {
		root := find(profileOf[i])
		if number[root] < 0 {
			number[root] = int32(out.Count) // #nosec G115 -- a run holds well under 2^31 records
			out.Count++
		}
		out.Of[i] = number[root]
		out.Best[i] = best[profileOf[i]]
	}
}

// estimatedModel is the run's model with the probabilities it was made from.
type estimatedModel struct {
	*linkage.Model
	probabilities linkage.Probabilities
}

// estimate fits the model to the run, as Splink does: u from random pairs of its profiles;
// m of each field by EM (u held) over pairs blocked on other fields, with those fields left
// out (names, postcode, sex and identifier from pairs sharing a date of birth; the date of
// birth from pairs sharing a postcode, names left out too, since people at one address
// share a surname); the match share by EM over the candidate pairs; and exact name
// agreement weighed by the names' frequencies among the profiles.
func estimate(profiles []linkage.Person, candidates []linkage.Comparison) (estimatedModel, float64) {
	start := linkage.DefaultProbabilities()
	start.U = linkage.RandomU(profiles, randomPairs)
	fit := func(key func(*linkage.Person) string, without ...int) linkage.Probabilities {
		blocked := linkage.PairsSharing(profiles, key, randomPairs)
		comparisons := linkage.CompareAll(profiles, blocked)
		for i := range comparisons {
			for _, f := range without {
				comparisons[i][f] = linkage.Missing
			}
		}
		if len(comparisons) < 1000 {
			return start // too few pairs to estimate from: the defaults
		}
		p, _ := linkage.EstimateM(comparisons, start, 30)
		return p
	}
	p := start
	byDOB := fit(dobKey, linkage.FieldDOB)
	for _, f := range []int{linkage.FieldForename, linkage.FieldSurname, linkage.FieldPostcode, linkage.FieldSex, linkage.FieldIdentifier} {
		p.M[f] = byDOB.M[f]
	}
	byPostcode := fit(
		func(x *linkage.Person) string { return x.Postcode },
		linkage.FieldPostcode,
		linkage.FieldForename,
		linkage.FieldSurname,
	)
	p.M[linkage.FieldDOB] = byPostcode.M[linkage.FieldDOB]

	share := linkage.EstimateShare(candidates, p, 30)
	if len(candidates) == 0 || share <= 0 || share >= 1 || math.IsNaN(share) {
		share = 0.1 // too few pairs to estimate from
	}
	model := linkage.NewModel(p)
	model.Frequencies = linkage.CountFrequencies(profiles)
	return estimatedModel{model, p}, share
}

// datesAgree says whether two profiles' dates of birth agree enough to link them on their
// score alone: the same; within two keying errors of each other written as eight digits (a
// digit changed, two neighbouring digits swapped: day and month swapped, a typing error in
// the day, the month or the year); or, when wrong altogether, not a parent's and a child's.
// A missing date, or two a generation apart, never do: the people who share a name and an
// address are a parent and child (a father and son, a mother and daughter), born a generation
// apart, and a record with no date could be either. Dates further apart than any parent and
// child are a wrong date: a grandparent and grandchild of one name at one address are far
// rarer than a mistyped year.
func datesAgree(a, b *linkage.Person, c linkage.Comparison) bool {
	if c[linkage.FieldDOB] <= linkage.Close {
		return true
	}
	if a.Year == 0 || b.Year == 0 {
		return false
	}
	gap := abs(a.Year - b.Year)
	return linkage.DateTypos(a, b) <= 2 || gap < generation || gap > oldestParent
}

// generation is the fewest years between a parent's birth and their child's, as this
// programme's records show them (a parent under 15 is rare enough to leave to a reviewer);
// oldestParent the most (births to parents over 55 are a fraction of one per cent).
const generation, oldestParent = 15, 55

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// scored is a candidate pair of profiles with its weight and comparison, and whether a
// reviewer decided it. It holds no pointers: a county has millions, sorted and kept while
// linking, and the collector need not scan them.
type scored struct {
	a, b    int32
	w       float64
	c       linkage.Comparison
	decided bool
}

// kinds are scored pairs sorted by what may link them.
type kinds struct{ strong, weak, undated, generations []scored }

// joinKinds joins each core's kinds, in order.
func joinKinds(parts []kinds) (strong, weak, undated, generations []scored) {
	for _, k := range parts {
		strong = append(strong, k.strong...)
		weak = append(weak, k.weak...)
		undated = append(undated, k.undated...)
		generations = append(generations, k.generations...)
	}
	return strong, weak, undated, generations
}

// how says what would make the pair's link.
func (sc scored) how() string {
	if sc.decided {
		return ByDecision
	}
	return ByScore
}

// undatedPair says whether either of two profiles has no date of birth.
func undatedPair(a, b *linkage.Person) bool { return a.Year == 0 || b.Year == 0 }

// corroborated counts the pairs whose two dates of birth are each given by another record
// of its person too (profileOf is each record's profile; people as the links so far have
// made them). Records, not profiles: an agency's rows of one person are often alike.
func corroborated(profiles []linkage.Person, profileOf []int32, pairs []scored, find func(int32) int32) int {
	if len(pairs) == 0 {
		return 0 // no need to walk every record
	}
	type personDate struct{ person, date int32 }
	involved := map[int32]bool{}
	for _, sc := range pairs {
		involved[find(sc.a)], involved[find(sc.b)] = true, true
	}
	count := map[personDate]int{}
	for _, p := range profileOf {
		if root := find(p); involved[root] && profiles[p].Year != 0 {
			count[personDate{root, int32(dateOf(&profiles[p]))}]++ // #nosec G115 -- a date as YYYYMMDD
		}
	}
	given := func(p int32) bool { return count[personDate{find(p), int32(dateOf(&profiles[p]))}] >= 2 } // #nosec G115 -- as above
	n := 0
	for _, sc := range pairs {
		if given(sc.a) && given(sc.b) {
			n++
		}
	}
	return n
}

// SameNameGenerations says whether the run's data may hold parents and children of one name
// at one address, so that a pair above the acceptance weight whose dates of birth are a
// generation apart must wait for a reviewer. A mistyped date is one record's mistake; a
// father's and a son's dates are each given by their own several records. So where at least
// one in a hundred such pairs has both its dates given by another record too (in the
// million-row synthetic county, 11,676 of 14,895), the data has them; where none of at least
// five does (as in data of one record per person and its mistyped copies), the dates are
// mistyped and link on their score. Five: were they fathers and sons, each pair would show
// both dates given two times in three (the county's rate), and five pairs that all failed to
// would happen less than once in two hundred; fewer pairs than that say too little.
func (s LinkStats) SameNameGenerations() bool {
	return s.GenerationPairs < minGenerationPairs || s.GenerationsCorroborated*100 >= s.GenerationPairs
}

// minGenerationPairs is the fewest generation pairs that can show the data has no parents
// and children of one name (SameNameGenerations).
const minGenerationPairs = 5

func dateOf(p *linkage.Person) int { return p.Year*10000 + p.Month*100 + p.Day }

// splitUndated separates the pairs in which one record has no date of birth from those in
// which neither has.
func splitUndated(profiles []linkage.Person, undated []scored) (oneSided, bothUndated []scored) {
	for _, sc := range undated {
		if profiles[sc.a].Year == 0 && profiles[sc.b].Year == 0 {
			bothUndated = append(bothUndated, sc)
		} else {
			oneSided = append(oneSided, sc)
		}
	}
	return oneSided, bothUndated
}

// resolveUndated decides pairs above the acceptance weight in which a record has no date of
// birth, once links have made people (find gives a profile's person). Such a record links on
// its score only when all its partners (its pairs among all) are one person: a father and son
// of one name at one address are two, so a record that could be either waits for a reviewer;
// one that can only be one person is that person. Both records of a pair must pass when
// neither has a date. It answers the pairs to link and the pairs to review.
func resolveUndated(profiles []linkage.Person, pairs, all []scored, find func(int32) int32) (link, review []scored) {
	people := map[int32]int32{} // an undated profile's one partner person, or -1 for several
	note := func(x, partner int32) {
		if profiles[x].Year != 0 {
			return
		}
		root := find(partner)
		if p, ok := people[x]; !ok {
			people[x] = root
		} else if p != root {
			people[x] = -1
		}
	}
	for _, sc := range all {
		note(sc.a, sc.b)
		note(sc.b, sc.a)
	}
	single := func(x int32) bool { p, ok := people[x]; return !ok || p >= 0 }
	for _, sc := range pairs {
		if single(sc.a) && single(sc.b) {
			link = append(link, sc)
		} else {
			review = append(review, sc)
		}
	}
	return link, review
}

// dobKey is a profile's full date of birth, "" when unknown.
func dobKey(p *linkage.Person) string {
	if p.Year == 0 {
		return ""
	}
	return strconv.Itoa(dateOf(p))
}

// randomPairs is how many random pairs estimate u: enough for a rate of one in 100,000.
const randomPairs = 2_000_000

func keepBest(best []float64, p int32, w float64) {
	if math.IsNaN(best[p]) || w > best[p] {
		best[p] = w
	}
}

// translate answers decisions under the run's own keys: a pair decided under an earlier key
// is the same pair under the current one.
func translate(decisions map[Pair]bool, alias map[Key]Key) map[Pair]bool {
	if len(alias) == 0 {
		return decisions
	}
	out := make(map[Pair]bool, len(decisions))
	current := func(k Key) Key {
		if c, ok := alias[k]; ok {
			return c
		}
		return k
	}
	for p, same := range decisions {
		out[PairOf(current(p[0]), current(p[1]))] = same
	}
	return out
}
