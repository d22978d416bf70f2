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

// Names beyond ASCII keep every letter, spelt as English records spell them: nothing is
// dropped, and the phonetic key is the spelt name's.
func TestNormaliseSpellsEveryName(t *testing.T) {
	for in, want := range map[string]string{
		"Łukasz": "LUKASZ", "Zoë": "ZOE", "Wiśniewski": "WISNIEWSKI", "Wisniewski": "WISNIEWSKI", "O'Neill": "ONEILL", "ONeill": "ONEILL",
		"Strauß": "STRAUSS", "Søren": "SOREN", "Æthelred": "AETHELRED", "Siobhán": "SIOBHAN", "Ó Súilleabháin": "OSUILLEABHAIN",
		"Gruffydd": "GRUFFYDD", "Zoé-Łucja": "ZOELUCJA", "Dvořák": "DVORAK", "Çelik": "CELIK", "Gül": "GUL", "Þór": "THOR",
		"Ｓｍｉｔｈ":    "SMITH", // full-width letters (compatibility decomposition)
		"Mohammed": "MOHAMMED", "": "",
	} {
		if got := Normalise(in); got != want {
			t.Errorf("Normalise(%q) = %q, want %q", in, got, want)
		}
	}
	if a, b := Prepare("Łukasz", "Wiśniewski", "", "", ""), Prepare("Lukasz", "Wisniewski", "", "", ""); a.ForenameSX != b.ForenameSX ||
		a.SurnameSX != "W252" ||
		a.Forename != b.Forename ||
		a.Surname != b.Surname {
		t.Errorf("prepared %+v and %+v", a, b)
	}
}

// Transliterations common in English councils compare as Close: another spelling of one
// name, in the forename or the surname; unrelated names do not.
func TestTransliteratedSpellingsCompareClose(t *testing.T) {
	for _, c := range []struct {
		a, b  [2]string
		field int
	}{
		{[2]string{"Mohammed", "Khan"}, [2]string{"Muhammad", "Khan"}, FieldForename},
		{[2]string{"Mohammad", "Khan"}, [2]string{"Mohamed", "Khan"}, FieldForename},
		{[2]string{"Ali", "Hussain"}, [2]string{"Ali", "Hussein"}, FieldSurname},
		{[2]string{"Ali", "Mohammed"}, [2]string{"Ali", "Muhammad"}, FieldSurname},
		{[2]string{"Rina", "Choudhury"}, [2]string{"Rina", "Chowdhury"}, FieldSurname},
		{[2]string{"Sean", "O'Neill"}, [2]string{"Sean", "ONeill"}, FieldSurname},
		{[2]string{"Lukasz", "Wiśniewski"}, [2]string{"Łukasz", "Wisniewski"}, FieldSurname},
	} {
		a, b := Prepare(c.a[0], c.a[1], "1980-01-02", "M", ""), Prepare(c.b[0], c.b[1], "1980-01-02", "M", "")
		if got := Compare(&a, &b)[c.field]; got > Close {
			t.Errorf("%v ~ %v: field %d at level %d, want Close or Exact", c.a, c.b, c.field, got)
		}
	}
	if !Spelling("MOHAMMED", "MUHAMMAD") || Spelling("MOHAMMED", "AHMED") || Spelling("", "") {
		t.Error("the spellings table")
	}
	a, b := Prepare("Ahmed", "Patel", "1980-01-02", "M", ""), Prepare("Mohammed", "Patel", "1980-01-02", "M", "")
	if got := Compare(&a, &b)[FieldForename]; got <= Close {
		t.Errorf("AHMED ~ MOHAMMED compared %d", got)
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
