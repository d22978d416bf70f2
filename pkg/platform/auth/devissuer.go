package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The development issuer's names: `make up` and the tests configure every API with them.
const (
	DevIssuerName = "https://familypath.invalid/dev-issuer"
	DevAudience   = "familypath"
)

// DevIssuer is the development issuer of `make up` and the tests: an ES256 key in a folder,
// its JWKS beside it. Never for production: whoever reads the folder mints any role.
type DevIssuer struct {
	key *ecdsa.PrivateKey
	kid string
	dir string
}

// OpenDevIssuer loads the issuer in dir, making its key the first time.
func OpenDevIssuer(dir string) (*DevIssuer, error) {
	keyFile := filepath.Join(dir, "signing-key.pem")
	var key *ecdsa.PrivateKey
	if b, err := os.ReadFile(keyFile); err == nil { // #nosec G304 -- the stack's own folder
		block, _ := pem.Decode(b)
		if block == nil {
			return nil, errors.New(keyFile + " is not PEM")
		}
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", keyFile, err)
		}
		key = k
	} else {
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, err
		}
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, err
		}
	}
	pub, err := key.PublicKey.Bytes() // uncompressed point: 0x04 | X | Y
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(pub)
	d := &DevIssuer{key: key, kid: "dev-" + base64.RawURLEncoding.EncodeToString(sum[:6]), dir: dir}
	enc := base64.RawURLEncoding.EncodeToString
	jwks, _ := json.MarshalIndent(map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": d.kid, "x": enc(pub[1:33]), "y": enc(pub[33:]),
	}}}, "", "  ")
	// Written only when it differs: running services re-read it, and must never see it half-written.
	jwksFile := filepath.Join(dir, "jwks.json")
	old, err := os.ReadFile(jwksFile) // #nosec G304 -- the stack's own folder
	if err != nil || !bytes.Equal(old, jwks) {
		if err := os.WriteFile(jwksFile, jwks, 0o600); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Config is the verifier configuration that accepts this issuer's tokens.
func (d *DevIssuer) Config() Config {
	abs, _ := filepath.Abs(filepath.Join(d.dir, "jwks.json"))
	return Config{Issuer: DevIssuerName, Audience: DevAudience, JWKSURL: "file://" + abs}
}

// Mint signs a token for the principal, valid for ttl.
func (d *DevIssuer) Mint(p Principal, ttl time.Duration) (string, error) {
	now := time.Now()
	return d.MintClaims(jwt.MapClaims{"iss": DevIssuerName, "aud": DevAudience, "sub": p.Subject, "roles": p.Roles,
		"team": p.Team, "agency": p.Agency, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix()})
}

// MintClaims signs any claims (tests make wrong ones with it).
func (d *DevIssuer) MintClaims(c jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = d.kid
	return t.SignedString(d.key)
}
