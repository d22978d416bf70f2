package matching

import (
	"cmp"
	"fmt"
	"slices"
)

// StablePeople names each person with the id most of their records' keys (or, after a key
// rotation, their aliases) had before (in known), so that a person keeps their id from run to run; a person none of whose records
// was seen before gets a new id. When two people claim one old id (a person split by a
// reviewer's decision, say), the one with more of its keys keeps it.
func StablePeople(p *People, known map[Key]string, newID func() string) []string {
	votes := make([]map[string]int, p.Count)
	seen := map[Key]bool{}
	for i, k := range p.Keys {
		if seen[k] {
			continue // one vote a distinct record
		}
		seen[k] = true
		id, ok := known[k]
		for j := 0; !ok && p.Aliases != nil && j < len(p.Aliases[i]); j++ {
			id, ok = known[p.Aliases[i][j]] // known before a key rotation
		}
		if ok {
			person := p.Of[i]
			if votes[person] == nil {
				votes[person] = map[string]int{}
			}
			votes[person][id]++
		}
	}
	return settle(votes, newID)
}

// settle gives each claimant the old id it holds most of, strongest claim first, each old id
// once; the rest get new ids.
func settle(votes []map[string]int, newID func() string) []string {
	type claim struct {
		who   int
		id    string
		count int
	}
	var claims []claim
	for who, v := range votes {
		for id, n := range v {
			claims = append(claims, claim{who, id, n})
		}
	}
	slices.SortFunc(claims, func(a, b claim) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.id, b.id), cmp.Compare(a.who, b.who))
	})
	out := make([]string, len(votes))
	taken := map[string]bool{}
	for _, c := range claims {
		if out[c.who] == "" && !taken[c.id] {
			out[c.who], taken[c.id] = c.id, true
		}
	}
	for i := range out {
		if out[i] == "" {
			out[i] = newID()
		}
	}
	return out
}

// Change kinds of a family since the run before.
const (
	ChangeNew           = "NEW"            // none of its people were in a family before
	ChangeMembersJoined = "MEMBERS_JOINED" // people joined it (new people, or from another family)
	ChangeMembersLeft   = "MEMBERS_LEFT"   // people of it before are not in it now
	ChangeMerged        = "MERGED"         // it took people of another family, whose id it did not keep
	ChangeSplit         = "SPLIT"          // people of its old family now form another family
)

// Change is one way a family changed, explained with counts and ids only.
type Change struct {
	Family, Kind, Other string // Other: the other family of a merge or split
	People              int
	Explanation         string
}

// StableFamilies names each household with the family id most of its people were in before
// (previous: person id to family id), so that a family keeps its id when someone joins,
// leaves or it moves; a household of people never in a family before gets a new id. When a
// family splits, the part with more of its people keeps the id; when families merge, the
// merged family keeps the id of the one most of its people came from. Each change is
// recorded and explained.
func StableFamilies(
	households []Household,
	personIDs []string,
	previous map[string]string,
	before map[string]int,
	newID func() string,
) ([]string, []Change) {
	votes := make([]map[string]int, len(households))
	for h := range households {
		for _, p := range households[h].Members {
			if id, ok := previous[personIDs[p]]; ok {
				if votes[h] == nil {
					votes[h] = map[string]int{}
				}
				votes[h][id]++
			}
		}
	}
	ids := settle(votes, newID)
	kept := make(map[string]bool, len(ids))
	for _, id := range ids {
		kept[id] = true
	}
	var changes []Change
	for h, id := range ids {
		v := votes[h]
		if len(v) == 0 {
			changes = append(changes, Change{Family: id, Kind: ChangeNew, People: len(households[h].Members),
				Explanation: fmt.Sprintf("%d people, none of them in a family before", len(households[h].Members))})
			continue
		}
		olds := make([]string, 0, len(v))
		for old := range v {
			olds = append(olds, old)
		}
		slices.Sort(olds)
		if _, held := v[id]; !held {
			// Its people's old families all kept their ids elsewhere: it split from them.
			for _, old := range olds {
				changes = append(changes, Change{Family: id, Kind: ChangeSplit, Other: old, People: v[old],
					Explanation: fmt.Sprintf("%d people of family %s now live apart from it", v[old], old)})
			}
			continue
		}
		for _, old := range olds {
			switch {
			case old == id:
			case kept[old]:
				changes = append(changes, Change{Family: id, Kind: ChangeMembersJoined, Other: old, People: v[old],
					Explanation: fmt.Sprintf("%d people came from family %s", v[old], old)})
			default:
				changes = append(changes, Change{Family: id, Kind: ChangeMerged, Other: old, People: v[old],
					Explanation: fmt.Sprintf("%d people of family %s joined this one, which kept its id", v[old], old)})
			}
		}
		joined := len(households[h].Members) - v[id]
		if n := before[id] - v[id]; n > 0 {
			changes = append(changes, Change{Family: id, Kind: ChangeMembersLeft, People: n,
				Explanation: fmt.Sprintf("%d of its %d people before are not in it now", n, before[id])})
		}
		if new := joined - othersCount(v, id); new > 0 {
			changes = append(changes, Change{Family: id, Kind: ChangeMembersJoined, People: new,
				Explanation: fmt.Sprintf("%d people not in a family before joined it", new)})
		}
	}
	return ids, changes
}

// othersCount is how many of a household's people came from families other than id.
func othersCount(votes map[string]int, id string) int {
	n := 0
	for old, k := range votes {
		if old != id {
			n += k
		}
	}
	return n
}
