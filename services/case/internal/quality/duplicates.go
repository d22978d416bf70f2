package quality

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/linkage"
	"github.com/familypath/familypath/services/case/internal/record"
	"github.com/google/uuid"
)

// SuspectedDuplicate: two open families hold a member of one name and date of birth (a family
// imported and referred, say, or referred twice). People decide, and merge with a reason.
const SuspectedDuplicate = "SUSPECTED_DUPLICATE"

// duplicates finds families of the team ("" for every team) sharing a member (name and date of
// birth, as their cases hold them) with another family not closed, in any team; families
// merged already are not suspected. Names and dates are compared here and never shown: the
// row names the other family by its id.
func (a *API) duplicates(ctx context.Context, team string) ([]Row, error) {
	members, err := a.store().MembersOfOpenFamilies(ctx)
	if err != nil {
		return nil, fmt.Errorf("read members of open families: %w", err)
	}
	type family struct {
		team, lead string
		created    time.Time
	}
	families := map[uuid.UUID]family{}
	holders := map[string][]uuid.UUID{} // a member's name and birth date -> the families holding them
	for _, m := range members {
		families[m.FamilyID] = family{m.Team, m.Lead, m.CreatedAt}
		id, err := record.OpenIdentity(a.Keys, m.FamilyID, m.PersonID, m.Identity)
		if err != nil {
			return nil, err
		}
		name := nameKey(id.GivenName + " " + id.FamilyName)
		if strings.TrimSpace(id.GivenName+id.FamilyName) == "" {
			name = nameKey(id.KnownAs)
		}
		if name == "" || id.BirthDate == "" {
			continue // nobody can be matched on a name or a date alone
		}
		k := name + "|" + id.BirthDate
		if !slices.Contains(holders[k], m.FamilyID) {
			holders[k] = append(holders[k], m.FamilyID)
		}
	}
	shared := map[[2]uuid.UUID]int{} // (family in scope, other family) -> members shared
	for _, fams := range holders {
		for _, f := range fams {
			for _, o := range fams {
				if f != o && (team == "" || families[f].team == team) {
					shared[[2]uuid.UUID{f, o}]++
				}
			}
		}
	}
	pairs := slices.SortedFunc(maps.Keys(shared), func(x, y [2]uuid.UUID) int {
		return cmp.Or(bytes.Compare(x[0][:], y[0][:]), bytes.Compare(x[1][:], y[1][:]))
	})
	rows := make([]Row, 0, len(pairs))
	for _, p := range pairs {
		f, o := families[p[0]], families[p[1]]
		since := f.created
		if o.created.After(since) {
			since = o.created // the duplicate appeared with the later of the two
		}
		rows = append(
			rows,
			Row{Check: SuspectedDuplicate, FamilyID: p[0].String(), Team: f.team, LeadProfessional: f.lead,
				Since: since.UTC().
					Format(time.DateOnly),
				Detail: fmt.Sprintf("shares %d member(s), by name and date of birth, with family %s (team %s): "+
					"if they are one family, merge them (POST /v1/families/{id}/merge)", shared[p], p[1], o.team)},
		)
	}
	return rows, nil
}

// nameKey is a name as compared: each word as identification's linkage normalises it (accents
// and letters such as Ł spelt in Latin letters, upper-case), in order.
func nameKey(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '\'' })
	for i, w := range words {
		words[i] = linkage.Normalise(w)
	}
	return strings.Join(slices.DeleteFunc(words, func(w string) bool { return w == "" }), " ")
}
