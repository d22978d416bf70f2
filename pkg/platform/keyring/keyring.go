// Package keyring encrypts with AES-256-GCM under named keys, so that keys rotate without
// downtime: the first key of a ring encrypts, every key of it decrypts, and each sealed value
// names the key that sealed it. The same format serves Temporal payloads (temporalx) and
// encrypted columns in Postgres.
//
// A ring is written one key a line, "id:base64(32 bytes)", newest first. To rotate: put a new
// key first and deploy everywhere; re-encrypt (or let data age out); then drop the old line.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Keyring is a set of named AES-256-GCM keys; the first encrypts.
type Keyring struct {
	active string
	aeads  map[string]cipher.AEAD
	macs   map[string][]byte // per key, the HMAC key its pseudonyms are made with
}

// version is the first byte of every sealed value, so the format itself can change.
const version = 1

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// Parse reads a ring: one "id:base64key" a line, newest first; blank lines and # comments
// are skipped. Errors name the line, never the key.
func Parse(text string) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}, macs: map[string][]byte{}}
	var lines []string // comment lines may hold commas; key lines may be comma-separated
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			lines = append(lines, strings.Split(l, ",")...)
		}
	}
	for n, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		id, b64, ok := strings.Cut(line, ":")
		if !ok || !idPattern.MatchString(id) {
			return nil, fmt.Errorf(
				"key line %d: want id:base64key with an id of 1 to 32 letters, digits, '.', '_' or '-'",
				n+1,
			)
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("key line %d (%s): the key must be 32 bytes, base64-encoded", n+1, id)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("key line %d: the id %s is used twice", n+1, id)
		}
		block, _ := aes.NewCipher(key)
		aead, _ := cipher.NewGCM(block)
		k.aeads[id] = aead
		k.macs[id] = derive(key, "familypath pseudonym v1")
		if k.active == "" {
			k.active = id
		}
	}
	if k.active == "" {
		return nil, errors.New("the key ring holds no key")
	}
	return k, nil
}

// Generate returns a new key line for a ring.
func Generate(id string) (string, error) {
	if !idPattern.MatchString(id) {
		return "", fmt.Errorf("key id %q: 1 to 32 letters, digits, '.', '_' or '-'", id)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	return id + ":" + base64.StdEncoding.EncodeToString(key), nil
}

// derive makes a key for one purpose from a ring key, so that no key serves two.
func derive(key []byte, purpose string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(purpose))
	return h.Sum(nil)
}

// Pseudonym is a keyed hash (HMAC-SHA-256, truncated to 16 bytes) of data under the active
// key: the same data always gives the same pseudonym, and nobody without the key can tell
// what data a pseudonym stands for or check a guess. For looking up what is known of a
// person without keeping who they are in clear.
func (k *Keyring) Pseudonym(data []byte) [16]byte { return k.PseudonymUnder(k.active, data) }

// PseudonymUnder is Pseudonym under a named key of the ring (a zero value for a key the
// ring does not hold): pseudonyms made before a rotation are found by the old key until
// they are made again under the new one.
func (k *Keyring) PseudonymUnder(id string, data []byte) [16]byte {
	var out [16]byte
	key, ok := k.macs[id]
	if !ok {
		return out
	}
	h := hmac.New(sha256.New, key)
	h.Write(data)
	copy(out[:], h.Sum(nil))
	return out
}

// IDs are the ring's key ids, the active first.
func (k *Keyring) IDs() []string {
	ids := []string{k.active}
	for id := range k.aeads {
		if id != k.active {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids[1:])
	return ids
}

// ActiveID names the key that encrypts.
func (k *Keyring) ActiveID() string { return k.active }

// Seal encrypts plaintext with the active key. aad (which may be nil) is authenticated but
// not stored: Open must be given the same (e.g. the column and row a value belongs to, so
// that a value copied elsewhere does not open).
func (k *Keyring) Seal(plaintext, aad []byte) []byte {
	aead := k.aeads[k.active]
	out := make([]byte, 0, 2+len(k.active)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out = append(out, version, byte(len(k.active))) // #nosec G115 -- key ids are at most 32 bytes (idPattern)
	out = append(out, k.active...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("keyring: no randomness: " + err.Error()) // the OS's generator failed: nothing can be sealed safely
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, aad)
}

// ErrOpen is returned for a value that does not open: not sealed by this format, sealed by a
// key the ring lacks, or altered.
var ErrOpen = errors.New("the value does not open with this key ring")

// Open decrypts a sealed value with the key it names.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	id, aead, rest, err := k.split(sealed)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(rest) < n+aead.Overhead() {
		return nil, ErrOpen
	}
	plain, err := aead.Open(nil, rest[:n], rest[n:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w (key %s)", ErrOpen, id)
	}
	return plain, nil
}

// KeyID names the key a sealed value was sealed with ("" when it is not a sealed value).
func (k *Keyring) KeyID(sealed []byte) string {
	if len(sealed) < 2 || sealed[0] != version || len(sealed) < 2+int(sealed[1]) {
		return ""
	}
	return string(sealed[2 : 2+int(sealed[1])])
}

func (k *Keyring) split(sealed []byte) (string, cipher.AEAD, []byte, error) {
	id := k.KeyID(sealed)
	if id == "" {
		return "", nil, nil, ErrOpen
	}
	aead, ok := k.aeads[id]
	if !ok {
		return "", nil, nil, fmt.Errorf("%w: it was sealed with key %s, which the ring does not hold", ErrOpen, id)
	}
	return id, aead, sealed[2+len(id):], nil
}
