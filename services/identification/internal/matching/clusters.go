package matching

import (
	"slices"
	"strings"

	"github.com/familypath/familypath/pkg/linkage"
)

// clusters is a union-find over profiles that refuses a union which would put two different
// identifiers of one agency in one person, join a pair a reviewer kept apart, or make a
// person larger than max.
type clusters struct {
	parent, size []int32
	next         []int32            // members of a cluster as a circular list, for the checks
	ids          map[int32][]string // a cluster root's identifiers ("feed:ID"), when it has any
	apart        map[int32][]int32  // profiles a reviewer said are not this one
	max          int32
	refused      int
}

func newClusters(profiles []linkage.Person, max int) *clusters {
	n := len(profiles)
	c := &clusters{parent: make([]int32, n), size: make([]int32, n), next: make([]int32, n),
		ids: map[int32][]string{}, apart: map[int32][]int32{}, max: int32(max)} // #nosec G115 -- a setting well under 2^31
	for i := range c.parent {
		c.parent[i], c.size[i], c.next[i] = int32(i), 1, int32(i) // #nosec G115 -- a run holds well under 2^31 records
	}
	return c
}

func (c *clusters) addIdentifier(p int32, id string) {
	if id != "" {
		c.ids[p] = append(c.ids[p], id)
	}
}

func (c *clusters) keepApart(a, b int32) {
	c.apart[a] = append(c.apart[a], b)
	c.apart[b] = append(c.apart[b], a)
}

func (c *clusters) find(x int32) int32 {
	for c.parent[x] != x {
		c.parent[x] = c.parent[c.parent[x]]
		x = c.parent[x]
	}
	return x
}

// union joins a's and b's clusters, and says whether it did (false when they were one
// already, or the union is refused).
func (c *clusters) union(a, b int32) bool {
	ra, rb := c.find(a), c.find(b)
	if ra == rb {
		return false
	}
	if c.size[ra]+c.size[rb] > c.max || conflict(c.ids[ra], c.ids[rb]) || c.keptApart(ra, rb) {
		c.refused++
		return false
	}
	if c.size[ra] < c.size[rb] {
		ra, rb = rb, ra
	}
	c.parent[rb] = ra
	c.size[ra] += c.size[rb]
	c.next[ra], c.next[rb] = c.next[rb], c.next[ra] // splice the member lists
	if ids, ok := c.ids[rb]; ok {
		for _, id := range ids {
			if !slices.Contains(c.ids[ra], id) {
				c.ids[ra] = append(c.ids[ra], id)
			}
		}
		delete(c.ids, rb)
	}
	return true
}

// keptApart says whether a reviewer kept any member of one cluster apart from the other.
func (c *clusters) keptApart(ra, rb int32) bool {
	if len(c.apart) == 0 {
		return false
	}
	small, other := ra, rb
	if c.size[small] > c.size[other] {
		small, other = other, small
	}
	for m := small; ; {
		for _, q := range c.apart[m] {
			if c.find(q) == other {
				return true
			}
		}
		if m = c.next[m]; m == small {
			return false
		}
	}
}

// conflict says whether two sets of identifiers hold different identifiers of one agency.
func conflict(a, b []string) bool {
	for _, x := range a {
		fx, _, _ := strings.Cut(x, ":")
		for _, y := range b {
			if fy, _, _ := strings.Cut(y, ":"); fx == fy && x != y {
				return true
			}
		}
	}
	return false
}
