package imports

import (
	"bytes"
	"testing"
)

// On a mid-programme file made from the synthetic county, the dry run reports each planted
// mistake on its family, and nothing on the families without one.
func TestTheDryRunFindsEveryPlantedMistakeAndNothingElse(t *testing.T) {
	ps := published(t)
	p, _ := ps.Latest("lancashire-phase2")
	var buf bytes.Buffer
	bad, err := Synthetic{Households: 3000, Seed: 7, BadShare: 0.1}.Write(&buf, p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(&buf, ps)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Families) < 150 || len(bad) < 5 {
		t.Fatalf("%d families, %d bad: too few to say anything", len(f.Families), len(bad))
	}
	familyOf := map[int]*Family{}
	for _, fam := range f.Families {
		for _, m := range fam.Members {
			familyOf[m.Line] = fam
		}
	}
	flagged := map[string]map[string]bool{}
	for _, i := range f.Issues {
		fam := familyOf[i.Line]
		if fam == nil {
			t.Fatalf("an issue on no family's line: %+v", i)
		}
		if flagged[fam.Ref] == nil {
			flagged[fam.Ref] = map[string]bool{}
		}
		flagged[fam.Ref][i.Field] = true
	}
	for ref, field := range bad {
		if !flagged[ref][field] {
			t.Errorf("family %s's planted %s mistake was not reported (got %v)", ref, field, flagged[ref])
		}
	}
	for ref, fields := range flagged {
		if _, planted := bad[ref]; !planted {
			t.Errorf("family %s has no planted mistake but was reported on %v", ref, fields)
		}
	}
	phases := map[string]int{}
	for _, fam := range f.Families {
		if _, planted := bad[fam.Ref]; !planted {
			phases[fam.Would(ps).Phase]++
		}
	}
	if phases[PhaseTracking] == 0 || phases[PhaseSubmitted] == 0 || phases[PhasePaid] == 0 {
		t.Errorf("families at every phase: %v", phases)
	}
}

// BenchmarkDryRun10k checks a file of about 10,000 families (docs/import-contract.md records
// the figure).
func BenchmarkDryRun10k(b *testing.B) {
	ps := published(b)
	p, _ := ps.Latest("lancashire-phase2")
	var buf bytes.Buffer
	if _, err := (Synthetic{Households: 115000, Seed: 1, BadShare: 0.02}).Write(&buf, p); err != nil {
		b.Fatal(err)
	}
	file := buf.Bytes()
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for b.Loop() {
		f, err := Read(bytes.NewReader(file), ps)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(f.Families)), "families")
	}
}
