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
