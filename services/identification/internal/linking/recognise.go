package linking

import (
	"context"
	"maps"
	"net/url"

	"github.com/familypath/familypath/pkg/linkage"
	"github.com/familypath/familypath/pkg/platform/upstream"
	"github.com/familypath/familypath/services/identification/internal/matching"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Held is what the case service holds that a run must respect.
type Held struct {
	Known  []matching.Known
	Merged map[string]string // family id -> the family it was merged into
}

// previous is what earlier runs found (person id to family id, family sizes), with merged
// families' people moved to the family they were merged into, and the people of households
// recognised for certain as known families added to those families, so that StableFamilies
// gives such households the surviving or known family's id. A person an earlier run already
// placed in a family keeps that family: a family found before it was imported is a suspected
// duplicate, recorded for people to decide (and merge), never merged here.
func (held *Held) previous(
	prior *earlier,
	households []matching.Household,
	people []string,
	rec []matching.Recognition,
) (map[string]string, map[string]int) {
	if len(rec) == 0 && len(held.Merged) == 0 {
		return prior.families, prior.sizes
	}
	families, sizes := maps.Clone(prior.families), maps.Clone(prior.sizes)
	for person, f := range families {
		if into := held.survivor(f); into != f {
			families[person] = into
			sizes[into]++
			if sizes[f]--; sizes[f] <= 0 {
				delete(sizes, f)
			}
		}
	}
	members := map[string]int{}
	for _, k := range held.Known {
		members[k.FamilyID] = len(k.Members)
	}
	for _, r := range rec {
		if !r.Certain {
			continue
		}
		for _, p := range households[r.Household].Members {
			if _, placed := families[people[p]]; !placed {
				families[people[p]] = held.survivor(r.FamilyID)
			}
		}
		sizes[held.survivor(r.FamilyID)] = max(sizes[held.survivor(r.FamilyID)], members[r.FamilyID])
	}
	return families, sizes
}

// survivor is the family a family was merged into, following merges of merges.
func (held *Held) survivor(f string) string {
	for range len(held.Merged) + 1 {
		into, ok := held.Merged[f]
		if !ok {
			return f
		}
		f = into
	}
	return f // a cycle (never recorded by the case service): stop where it was
}

// keepRecognitions records the run's households that hold people of known families: the
// family the run gave each, the known family, how many people matched, and whether that was
// certain (the household took the known family's id unless an earlier run had placed its
// people) or only suspected.
func keepRecognitions(
	ctx context.Context,
	tx pgx.Tx,
	run uuid.UUID,
	res *matching.Result,
	rec []matching.Recognition,
) error {
	rows := make([][]any, 0, len(rec))
	for _, r := range rec {
		rows = append(rows, []any{run, res.FamilyIDs[r.Household], r.FamilyID, r.Matched, r.Partial, r.Certain})
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"identification", "run_recognitions"},
		[]string{"run_id", "family_id", "known_family_id", "matched", "partial", "certain"}, pgx.CopyFromRows(rows))
	return err
}

// HeldByCase reads, with the worker's service token, the case service's imported families of
// a plan with their members' identities, and its merges, as the linker's Held.
func HeldByCase(c *upstream.Service) func(ctx context.Context, planID string) (*Held, error) {
	return func(ctx context.Context, planID string) (*Held, error) {
		var body struct {
			Families []struct {
				FamilyID string `json:"family_id"`
				Members  []struct {
					GivenName  string `json:"given_name"`
					FamilyName string `json:"family_name"`
					BirthDate  string `json:"birth_date"`
					Postcode   string `json:"postcode"`
				} `json:"members"`
			} `json:"families"`
			Merges []struct {
				FamilyID     string `json:"family_id"`
				IntoFamilyID string `json:"into_family_id"`
			} `json:"merges"`
		}
		if err := c.GetJSON(ctx, "/v1/plans/"+url.PathEscape(planID)+"/known-families", &body); err != nil {
			return nil, err
		}
		held := &Held{Known: make([]matching.Known, len(body.Families)), Merged: map[string]string{}}
		for i, f := range body.Families {
			held.Known[i].FamilyID = f.FamilyID
			for _, m := range f.Members {
				held.Known[i].Members = append(
					held.Known[i].Members,
					linkage.Prepare(m.GivenName, m.FamilyName, m.BirthDate, "", m.Postcode),
				)
			}
		}
		for _, m := range body.Merges {
			held.Merged[m.FamilyID] = m.IntoFamilyID
		}
		return held, nil
	}
}
