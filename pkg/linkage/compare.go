// Package linkage holds the person-matching kernel of identification: string comparators,
// phonetic keys and Fellegi-Sunter match weights. It is pure (no I/O) and allocation-free
// on the pair-scoring path: records are prepared once (normalised fields, phonetic keys),
// then pairs are scored many times.
package linkage

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// JaroWinkler is the Jaro-Winkler similarity of two ASCII strings (0 to 1), with the usual
// prefix scale 0.1 over at most 4 common leading characters. Names are normalised to
// upper-case ASCII letters before (Normalise), so bytes are characters here. Strings longer
// than 64 bytes are compared on their first 64.
func JaroWinkler(a, b string) float64 {
	if len(a) > 64 {
		a = a[:64]
	}
	if len(b) > 64 {
		b = b[:64]
	}
	if a == b {
		if a == "" {
			return 0
		}
		return 1
	}
	if a == "" || b == "" {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	window := len(b)/2 - 1
	if window < 0 {
		window = 0
	}
	var aMatched, bMatched uint64 // bit i: character i has a match
	matches := 0
	for i := 0; i < len(a); i++ {
		lo, hi := max(0, i-window), min(len(b), i+window+1)
		for j := lo; j < hi; j++ {
			if bMatched&(1<<j) == 0 && a[i] == b[j] {
				aMatched |= 1 << i
				bMatched |= 1 << j
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, j := 0, 0
	for i := 0; i < len(a); i++ {
		if aMatched&(1<<i) == 0 {
			continue
		}
		for bMatched&(1<<j) == 0 {
			j++
		}
		if a[i] != b[j] {
			transpositions++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(a)) + m/float64(len(b)) + (m-float64(transpositions)/2)/m) / 3
	prefix := 0
	for prefix < 4 && prefix < len(a) && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// Normalise keeps the letters of a name, upper-cased and in plain Latin letters: accents
// and other marks come off ("Zoë" is ZOE, "Wiśniewski" WISNIEWSKI), letters that are not a
// Latin letter with a mark are spelt as English records write them ("Łukasz" is LUKASZ,
// "Strauß" STRAUSS, "Søren" SOREN, "Æthel" AETHEL), and other characters go, so "O'Brien-Smith"
// is OBRIENSMITH. ASCII input takes a path with no Unicode work, and allocates only when it
// changes something.
func Normalise(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'A' || c > 'Z' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return normaliseUnicode(s)
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		case c >= 'A' && c <= 'Z':
			b = append(b, c)
		}
	}
	return string(b)
}

// spelt are the letters that no decomposition turns into Latin letters with marks, as
// English records spell them.
var spelt = map[rune]string{
	'Ł': "L", 'ł': "L", 'Ø': "O", 'ø': "O", 'ß': "SS", 'ẞ': "SS", 'Æ': "AE", 'æ': "AE", 'Œ': "OE", 'œ': "OE",
	'Đ': "D", 'đ': "D", 'Ð': "D", 'ð': "D", 'Þ': "TH", 'þ': "TH", 'ı': "I", 'Ħ': "H", 'ħ': "H", 'Ŋ': "NG", 'ŋ': "NG",
	'ſ': "S", 'Ŀ': "L", 'ŀ': "L",
}

// normaliseUnicode is Normalise for text beyond ASCII: compatibility decomposition (NFKD),
// marks dropped, the spelt letters spelt, then the Latin letters kept, upper-cased.
func normaliseUnicode(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range norm.NFKD.String(s) {
		if t, ok := spelt[r]; ok {
			b = append(b, t...)
			continue
		}
		switch {
		case r >= 'a' && r <= 'z':
			b = append(b, byte(r-'a'+'A'))
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r))
		}
	}
	return string(b)
}

// Soundex is the American Soundex code of a normalised name ("ROBERT" is R163), or "" for
// an empty one.
func Soundex(name string) string {
	if name == "" {
		return ""
	}
	const codes = "01230120022455012623010202" // A..Z
	out := [4]byte{name[0], '0', '0', '0'}
	n, last := 1, codes[name[0]-'A']
	for i := 1; i < len(name) && n < 4; i++ {
		c := name[i]
		code := codes[c-'A']
		switch {
		case c == 'H' || c == 'W': // do not separate equal codes
			continue
		case code == '0': // vowels separate equal codes
			last = '0'
		case code != last:
			out[n] = code
			n++
			last = code
		}
	}
	return string(out[:])
}
