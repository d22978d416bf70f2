package linkage

import (
	"math"
	"testing"
)

func TestJaroWinklerKnownValues(t *testing.T) {
	// Values from Winkler's and the usual published examples.
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"MARTHA", "MARHTA", 0.9611}, {"DWAYNE", "DUANE", 0.84}, {"DIXON", "DICKSONX", 0.8133},
		{"JONES", "JONES", 1}, {"ABC", "XYZ", 0}, {"", "", 0}, {"A", "", 0},
	} {
		if got := JaroWinkler(c.a, c.b); math.Abs(got-c.want) > 0.0001 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.4f", c.a, c.b, got, c.want)
		}
		if JaroWinkler(c.a, c.b) != JaroWinkler(c.b, c.a) {
			t.Errorf("not symmetric for %q, %q", c.a, c.b)
		}
	}
}

func TestSoundexAndNormalise(t *testing.T) {
	for name, want := range map[string]string{"ROBERT": "R163", "RUPERT": "R163", "ASHCRAFT": "A261", "TYMCZAK": "T522", "PFISTER": "P236", "LEE": "L000", "": ""} {
		if got := Soundex(name); got != want {
			t.Errorf("Soundex(%q) = %q, want %q", name, got, want)
		}
	}
	if got := Normalise("O'Brien-Smith"); got != "OBRIENSMITH" {
		t.Errorf("Normalise = %q", got)
	}
}

func FuzzJaroWinkler(f *testing.F) {
	f.Add("MARTHA", "MARHTA")
	f.Fuzz(func(t *testing.T, a, b string) {
		a, b = Normalise(a), Normalise(b)
		s := JaroWinkler(a, b)
		if s < 0 || s > 1 || math.IsNaN(s) || s != JaroWinkler(b, a) {
			t.Fatalf("JaroWinkler(%q, %q) = %v", a, b, s)
		}
	})
}

func TestFamiliarForenames(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"JIM", "JAMES", true}, {"LIZ", "BETH", true}, {"ALEX", "ALEXANDRA", true}, {"ALEX", "ALEXANDER", true},
		{"BILL", "LIAM", true}, {"JIM", "JOHN", false}, {"SMITH", "JAMES", false}, {"", "", false}} {
		if got := Familiar(c.a, c.b); got != c.want {
			t.Errorf("Familiar(%s, %s) = %v", c.a, c.b, got)
		}
	}
	m := NewModel(DefaultProbabilities())
	a, b := Prepare("Jim", "Smith", "1980-01-02", "M", ""), Prepare("James", "Smith", "1980-01-02", "M", "")
	if _, c := m.Score(&a, &b); c[FieldForename] != Close {
		t.Errorf("a familiar form: %v", c)
	}
}
