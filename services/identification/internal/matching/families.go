package matching

import (
	"cmp"
	"slices"
	"strings"

	"github.com/familypath/familypath/pkg/extracts"
)

// Household is a group of people living together: the unit a family is judged as.
type Household struct {
	Members []int32 // people, in order
	Records []int32 // their records, in order
	// JoinedBy says what put its people together (JoinedByAddress, JoinedByAccount,
	// JoinedByLink), in that order; empty for a household of one person.
	JoinedBy []string
}

// What joined a household's people.
const (
	JoinedByAddress = "ADDRESS_SPELLS" // spells at one address that overlap
	JoinedByAccount = "ACCOUNT"        // one council tax or housing benefit account (residents)
	JoinedByLink    = "HOUSEHOLD_LINK" // a household link naming them together
)

// GroupHouseholds groups people into households: people who lived at one address over
// overlapping periods (a person is at an address from their first record there to their
// last, and at the address they were seen at last until now), people on one council tax or
// housing benefit account at once (the residents feed: the same account ref names one
// household), and people a household link names together (a parent and child, partners,
// siblings, a carer), by the identifiers the link gives. Households are listed in order of
// their first person, each saying what joined it.
func GroupHouseholds(records []Record, people *People) []Household {
	n := people.Count
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i) // #nosec G115 -- a run holds well under 2^31 people
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	// Each person's reasons for being joined to another (bits of whyNames): every reason
	// that holds, not only the one that happened to join two groups first, so that what a
	// household says joined it does not depend on the order addresses are visited in.
	reasons := make([]uint8, n)
	union := func(a, b int32, why uint8) {
		if a == b {
			return
		}
		reasons[a] |= why
		reasons[b] |= why
		if ra, rb := find(a), find(b); ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}

	// The people each identifier names, and where each person was seen when.
	byIdentifier := map[string]int32{}
	seen := make([][]sighting, n)
	for i := range records {
		r := &records[i]
		p := people.Of[i]
		if id := identifierKey(r.Feed, r.SourceID); id != "" && r.Feed != extracts.HouseholdLinks {
			byIdentifier[id] = p
		}
		if addr := addressKey(r); addr != "" {
			from, to := r.seen()
			seen[p] = append(seen[p], sighting{address: addr, from: from, to: to})
		}
		if acct := accountKey(r); acct != "" { // an account is a place people share, over its own dates
			from, to := r.seen()
			seen[p] = append(seen[p], sighting{address: acct, from: from, to: to})
		}
	}
	// People whose spells at one address overlap live together: a sweep over each
	// address's spells in order of their start joins each to the one reaching furthest.
	byAddress := map[string][]spell{}
	for p := range seen {
		for _, sp := range spells(int32(p), seen[p]) { // #nosec G115 -- as above
			byAddress[sp.address] = append(byAddress[sp.address], sp)
		}
	}
	for _, sps := range byAddress {
		if len(sps) < 2 {
			continue
		}
		slices.SortFunc(
			sps,
			func(a, b spell) int { return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.person, b.person)) },
		)
		reach := sps[0]
		for _, sp := range sps[1:] {
			if sp.from <= reach.to {
				why := whyAddress
				if strings.HasPrefix(sp.address, accountPrefix) {
					why = whyAccount
				}
				union(reach.person, sp.person, why)
			}
			if sp.to > reach.to {
				reach = sp
			}
		}
	}
	for i := range records {
		r := &records[i]
		if r.Feed != extracts.HouseholdLinks {
			continue
		}
		a, okA := byIdentifier[refKey(r.PersonRefA)]
		b, okB := byIdentifier[refKey(r.PersonRefB)]
		if okA && okB {
			union(a, b, whyLink)
		}
	}

	index := map[int32]int{}
	var out []Household
	for p := int32(0); p < int32(n); p++ { // #nosec G115 -- as above
		root := find(p)
		h, ok := index[root]
		if !ok {
			h = len(out)
			index[root] = h
			out = append(out, Household{})
		}
		out[h].Members = append(out[h].Members, p)
	}
	for i := range records {
		h := index[find(people.Of[i])]
		out[h].Records = append(out[h].Records, int32(i)) // #nosec G115 -- as above
	}
	for h := range out {
		var w uint8
		for _, p := range out[h].Members {
			w |= reasons[p]
		}
		for bit, name := range whyNames {
			if w&(1<<bit) != 0 {
				out[h].JoinedBy = append(out[h].JoinedBy, name)
			}
		}
	}
	return out
}

// Reasons for a union, as bits in whyNames' order.
const (
	whyAddress uint8 = 1 << iota
	whyAccount
	whyLink
)

var whyNames = [...]string{JoinedByAddress, JoinedByAccount, JoinedByLink}

// accountPrefix marks an account's key among addresses' keys.
const accountPrefix = "acct|"

// accountKey is a residents row's account as a key (its source and reference, upper case),
// or "" for a row without one (GP registrations, other feeds).
func accountKey(r *Record) string {
	if r.Feed != extracts.Residents || r.AccountRef == "" {
		return ""
	}
	return accountPrefix + r.EventType + "|" + strings.ToUpper(strings.Join(strings.Fields(r.AccountRef), ""))
}

// refKey turns a household link's reference (feed:identifier) into an identifier key.
func refKey(ref string) string {
	feed, id, ok := strings.Cut(ref, ":")
	if !ok {
		return ""
	}
	return identifierKey(feed, id)
}

// addressKey is a record's address as a key: the postcode without spaces and the first word
// of the first line (the house number or name), upper case; "" when either is missing, or
// the postcode is not a whole one. UPRNs are too rare outside council systems to key on.
func addressKey(r *Record) string {
	pc := strings.ToUpper(strings.ReplaceAll(r.Postcode, " ", ""))
	if len(pc) < 5 {
		return ""
	}
	line := strings.Fields(strings.ToUpper(r.AddressLine1))
	if len(line) == 0 {
		return ""
	}
	return pc + "|" + strings.Trim(line[0], ",.")
}

// sighting is a record's address and when it was seen there ("" undated).
type sighting struct{ address, from, to string }

// spell is a person's time at an address.
type spell struct {
	person            int32
	address, from, to string
}

// spells turns a person's sightings into a spell at each address: from the first sighting
// there to the last, and on until now at the address seen last (the person has not been
// seen to leave it). Undated sightings count only for a person with no dated one: then
// each address is open from the start.
func spells(p int32, seen []sighting) []spell {
	dated := slices.DeleteFunc(slices.Clone(seen), func(s sighting) bool { return s.from == "" })
	if len(dated) == 0 {
		out := make([]spell, 0, len(seen))
		for _, s := range seen {
			out = append(out, spell{person: p, address: s.address, from: "", to: open})
		}
		return out
	}
	var out []spell
	last := -1 // the address seen last (accounts keep their own dates)
	for _, s := range dated {
		i := slices.IndexFunc(out, func(sp spell) bool { return sp.address == s.address })
		if i < 0 {
			out = append(out, spell{person: p, address: s.address, from: s.from, to: s.to})
			i = len(out) - 1
		}
		out[i].from, out[i].to = min(out[i].from, s.from), max(out[i].to, s.to)
		if !strings.HasPrefix(out[i].address, accountPrefix) && (last < 0 || out[i].to > out[last].to) {
			last = i
		}
	}
	if last >= 0 {
		out[last].to = open
	}
	return out
}
