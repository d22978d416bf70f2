package county

import (
	"embed"
	"math/rand/v2"
	"slices"
	"strings"
)

//go:embed names/*.txt
var namesFS embed.FS

// lists are the hand-built name and place lists (names/PROVENANCE.md).
type lists struct {
	female, male, surnames ranked
	streets                []string
	nicknames              map[string][]string
	spellings              map[string][]string // other spellings of a name (spellings.txt)
	towns                  []town
}

type town struct {
	name     string
	outwards []string
}

func loadLists() *lists {
	l := &lists{
		female: rank(lines("forenames_female.txt")), male: rank(lines("forenames_male.txt")),
		surnames: rank(unique(lines("surnames.txt"))), streets: lines("streets.txt"),
		nicknames: alternatives("nicknames.txt"), spellings: alternatives("spellings.txt"),
	}
	for _, ln := range lines("places.txt") {
		name, codes, _ := strings.Cut(ln, ":")
		t := town{name: name}
		for _, c := range strings.Split(codes, ",") {
			t.outwards = append(t.outwards, strings.TrimSpace(c))
		}
		l.towns = append(l.towns, t)
	}
	return l
}

// alternatives reads a file of "name: other, other" lines.
func alternatives(file string) map[string][]string {
	out := map[string][]string{}
	for _, ln := range lines(file) {
		name, others, _ := strings.Cut(ln, ":")
		for _, o := range strings.Split(others, ",") {
			out[name] = append(out[name], strings.TrimSpace(o))
		}
	}
	return out
}

// lines are a file's lines, trimmed, without blank lines and # comments.
func lines(file string) []string {
	b, err := namesFS.ReadFile("names/" + file)
	if err != nil {
		panic(err) // embedded: present at build
	}
	var out []string
	for _, ln := range strings.Split(string(b), "\n") {
		if ln = strings.TrimSpace(ln); ln != "" && !strings.HasPrefix(ln, "#") {
			out = append(out, ln)
		}
	}
	return out
}

func unique(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ranked is a list in rank order with cumulative weights: the first names are drawn far
// more often than the last (P(rank k) ~ 1/(k+3)), so common names collide as they do in a
// county's data.
type ranked struct {
	items []string
	cum   []float64
}

func rank(items []string) ranked {
	r := ranked{items: items, cum: make([]float64, len(items))}
	total := 0.0
	for k := range items {
		total += 1 / float64(k+3)
		r.cum[k] = total
	}
	return r
}

func (r ranked) pick(rng *rand.Rand) string {
	x := rng.Float64() * r.cum[len(r.cum)-1]
	k, _ := slices.BinarySearch(r.cum, x)
	return r.items[min(k, len(r.items)-1)]
}

// plain are the letters beyond ASCII in the name lists as a system that cannot hold them
// writes them.
var plain = strings.NewReplacer(
	"ą",
	"a",
	"á",
	"a",
	"ä",
	"a",
	"ć",
	"c",
	"č",
	"c",
	"ę",
	"e",
	"é",
	"e",
	"ë",
	"e",
	"í",
	"i",
	"ł",
	"l",
	"Ł",
	"L",
	"ń",
	"n",
	"ó",
	"o",
	"Ó",
	"O",
	"ö",
	"o",
	"ř",
	"r",
	"ś",
	"s",
	"Ś",
	"S",
	"š",
	"s",
	"ü",
	"u",
	"ú",
	"u",
	"ż",
	"z",
	"ź",
	"z",
)

// fold writes a name in plain letters, as many agencies' older systems do.
func fold(name string) string { return plain.Replace(name) }
