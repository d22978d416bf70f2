package febrl

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/familypath/familypath/pkg/linkage"
	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
	"github.com/familypath/familypath/services/identification/internal/batch"
	"github.com/familypath/familypath/services/identification/internal/matching"
)

// Quality is the linkage of one FEBRL set scored against its truth.
type Quality struct {
	Records                       int
	Precision, Recall, F1         float64
	ReviewShare                   float64 // records in the review queue, of all records
	PairsCompleteness             float64 // true pairs that blocking makes candidates, of all true pairs
	CandidatesPerRecord           float64
	TruePairs, TruePairsCandidate int
}

// measure converts a FEBRL set, runs the analysts' batch over it, and scores people.
func measure(t testing.TB, set string) Quality {
	t.Helper()
	in, err := os.Open(filepath.Join("testdata", set)) // #nosec G304 -- the test's own data
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dir := t.TempDir()
	truth, err := Convert(in, dir)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := ps.Latest("lancashire-phase2")
	out, err := batch.Run(dir, plan, outcomes.Date(2016, 10, 1), matching.Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := Quality{Records: len(out.Records)}
	predicted, actual := make([]int, len(out.Records)), make([]string, len(out.Records))
	people := make([]linkage.Person, len(out.Records))
	for i, r := range out.Records {
		predicted[i], actual[i] = int(out.People.Of[i]), truth[r.Row.Row-1]
		people[i] = linkage.Prepare(r.Forename, r.Surname, r.DOB, r.Sex, r.Postcode).WithAddress(r.AddressLine1)
	}
	q.Precision, q.Recall, q.F1 = batch.Pairwise(predicted, actual)
	inQueue := map[int32]bool{}
	for _, it := range out.Review {
		inQueue[it.A], inQueue[it.B] = true, true
	}
	q.ReviewShare = float64(len(inQueue)) / float64(len(out.Records))
	// Pairs completeness over the rows as prepared for comparison.
	candidates := linkage.CandidatePairs(people)
	q.CandidatesPerRecord = float64(len(candidates)) / float64(len(people))
	candidate := make(map[[2]int32]bool, len(candidates))
	for _, p := range candidates {
		candidate[p] = true
	}
	byPerson := map[string][]int32{}
	for i, a := range actual {
		byPerson[a] = append(byPerson[a], int32(i))
	}
	for _, rows := range byPerson {
		for x := 0; x < len(rows); x++ {
			for y := x + 1; y < len(rows); y++ {
				q.TruePairs++
				if candidate[[2]int32{rows[x], rows[y]}] {
					q.TruePairsCandidate++
				}
			}
		}
	}
	q.PairsCompleteness = float64(q.TruePairsCandidate) / float64(q.TruePairs)
	return q
}

// FEBRL sets 1 to 3, linked as the analysts' batch links an agency's extracts, scored against
// their truth (figures in docs/services/identification.md). The floors are today's figures
// less a margin: a change that makes linkage worse on data nobody here generated fails here.
// The goals (F1 0.97 and pairs completeness 0.99 on each, under 5% in review) are issue 18's.
func TestFEBRLQuality(t *testing.T) {
	for _, c := range []struct {
		set           string
		f1, pc, share float64 // floors of F1 and pairs completeness, ceiling of the review share
	}{
		{"dataset1.csv", 0.965, 0.99, 0.03},
		{"dataset2.csv", 0.985, 0.985, 0.02},
		{"dataset3.csv", 0.97, 0.985, 0.03},
	} {
		t.Run(c.set, func(t *testing.T) {
			q := measure(t, c.set)
			t.Logf(
				"%s: %d records, people P %.4f R %.4f F1 %.4f, review %.2f%%, pairs completeness %.4f (%d of %d true pairs), %.2f candidate pairs a record",
				c.set,
				q.Records,
				q.Precision,
				q.Recall,
				q.F1,
				100*q.ReviewShare,
				q.PairsCompleteness,
				q.TruePairsCandidate,
				q.TruePairs,
				q.CandidatesPerRecord,
			)
			if q.F1 < c.f1 || q.PairsCompleteness < c.pc || q.ReviewShare > c.share {
				t.Errorf(
					"%s below its floor: F1 %.4f (floor %.2f), pairs completeness %.4f (floor %.2f), review %.4f (ceiling %.2f)",
					c.set,
					q.F1,
					c.f1,
					q.PairsCompleteness,
					c.pc,
					q.ReviewShare,
					c.share,
				)
			}
		})
	}
}
