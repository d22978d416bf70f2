package keyring

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func ring(t *testing.T, ids ...string) (*Keyring, []string) {
	t.Helper()
	var lines []string
	for _, id := range ids {
		l, err := Generate(id)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	k, err := Parse(strings.Join(lines, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return k, lines
}

func TestSealOpenAndRotate(t *testing.T) {
	old, oldLines := ring(t, "k1")
	sealed := old.Seal([]byte("Amy Smith, 2008-06-15"), []byte("case_notes.body:42"))
	if bytes.Contains(sealed, []byte("Amy")) || old.KeyID(sealed) != "k1" {
		t.Fatalf("sealed value %q", sealed)
	}
	if again := old.Seal([]byte("Amy Smith, 2008-06-15"), []byte("case_notes.body:42")); bytes.Equal(again, sealed) {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	// A new key first: it seals; the old one still opens what it sealed.
	next, err := Parse("# rotated 2026-11\n" + mustGenerate(t, "k2") + "\n" + oldLines[0])
	if err != nil {
		t.Fatal(err)
	}
	if next.ActiveID() != "k2" || next.KeyID(next.Seal([]byte("x"), nil)) != "k2" {
		t.Error("the first key must seal")
	}
	plain, err := next.Open(sealed, []byte("case_notes.body:42"))
	if err != nil || string(plain) != "Amy Smith, 2008-06-15" {
		t.Fatalf("open after rotation: %q %v", plain, err)
	}
	if _, err := next.Open(sealed, []byte("case_notes.body:43")); !errors.Is(err, ErrOpen) {
		t.Error("a value opened under another row's aad")
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := next.Open(tampered, []byte("case_notes.body:42")); !errors.Is(err, ErrOpen) {
		t.Error("an altered value opened")
	}
	stranger, _ := ring(t, "k9")
	if _, err := stranger.Open(sealed, nil); !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "k1") {
		t.Errorf("a ring without the key: %v", err)
	}
	if _, err := next.Open([]byte("plain text"), nil); !errors.Is(err, ErrOpen) {
		t.Error("plain text opened")
	}
}

func TestParseNamesTheBadLineNeverTheKey(t *testing.T) {
	for _, text := range []string{"", "k1", "k1:c2hvcnQ=", "bad id!:" + strings.Repeat("A", 44), mustGenerate(t, "k1") + "\n" + mustGenerate(t, "k1")} {
		_, err := Parse(text)
		if err == nil {
			t.Errorf("%q parsed", text)
			continue
		}
		if strings.Contains(err.Error(), "c2hvcnQ") || strings.Contains(err.Error(), "AAAA") {
			t.Errorf("the error quotes the key: %v", err)
		}
	}
}

func mustGenerate(t *testing.T, id string) string {
	l, err := Generate(id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestCommentsMayHoldCommas(t *testing.T) {
	ring, err := Parse(
		"# test only, committed on purpose, protects nothing\n" + mustGenerate(t, "k1") + "," + mustGenerate(t, "k2"),
	)
	if err != nil || ring.ActiveID() != "k1" {
		t.Fatalf("%v %v", ring, err)
	}
}

func TestPseudonymsAreKeyedAndStable(t *testing.T) {
	a, _ := Generate("a")
	b, _ := Generate("b")
	ring, err := Parse(b + "\n" + a)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := Parse(a)
	data := []byte("school_census:A123\x00AMY\x00SMITH")
	again := append([]byte(nil), data...)
	if ring.Pseudonym(data) != ring.Pseudonym(again) || ring.Pseudonym(data) == ring.Pseudonym([]byte("other")) {
		t.Error("a pseudonym is not a function of its data")
	}
	if ring.Pseudonym(data) == old.Pseudonym(data) {
		t.Error("two keys give the same pseudonym")
	}
	if ring.PseudonymUnder("a", data) != old.Pseudonym(data) {
		t.Error("the old key's pseudonym is not found after a rotation")
	}
	if ids := ring.IDs(); len(ids) != 2 || ids[0] != "b" {
		t.Errorf("ids %v", ids)
	}
}
