package linkage

import (
	_ "embed"
	"strings"
)

//go:embed names/familiar.txt
var familiarText string

//go:embed names/spellings.txt
var spellingsText string

// maxGroups is how many familiar-name groups a forename may belong to (ALEX: ALEXANDER's
// and ALEXANDRA's); more are dropped, which only loses a nickname match.
const maxGroups = 3

// nameGroups is a forename's familiar-name groups, numbered from 1; 0 ends the list.
type nameGroups [maxGroups]uint16

// familiar maps each normalised forename in names/familiar.txt to its groups: parsed once,
// at start-up, and read-only after.
var familiar = parseFamiliar(familiarText)

// spellings maps each normalised name in names/spellings.txt (forenames and surnames alike)
// to its groups of spellings of one name: MOHAMMED and MUHAMMAD, HUSSAIN and HUSSEIN.
var spellings = parseFamiliar(spellingsText)

// Spelling says whether two normalised names are spellings of one name, by the spellings table.
func Spelling(a, b string) bool { return spellings[a].shares(spellings[b]) }

func parseFamiliar(text string) map[string]nameGroups {
	out := map[string]nameGroups{}
	group := uint16(0)
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		group++
		for _, name := range strings.Fields(line) {
			g := out[Normalise(name)]
			for i := range g {
				if g[i] == group {
					break
				}
				if g[i] == 0 {
					g[i] = group
					break
				}
			}
			out[Normalise(name)] = g
		}
	}
	return out
}

// Familiar says whether two normalised forenames are forms of one name (JIM and JAMES,
// LIZ and BETH), by the familiar-name table.
func Familiar(a, b string) bool { return familiar[a].shares(familiar[b]) }

func (g nameGroups) shares(o nameGroups) bool {
	for _, x := range g {
		if x == 0 {
			return false
		}
		for _, y := range o {
			if y == 0 {
				break
			}
			if x == y {
				return true
			}
		}
	}
	return false
}
