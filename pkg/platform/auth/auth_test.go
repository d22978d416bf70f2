package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifyAcceptsTheIssuersTokensAndNothingElse(t *testing.T) {
	dev, err := OpenDevIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(context.Background(), dev.Config())
	if err != nil {
		t.Fatal(err)
	}
	good, err := dev.Mint(
		Principal{Subject: "alice", Roles: []string{RoleCaseworker, "astronaut"}, Team: "preston-1", Agency: "council"},
		time.Hour,
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), good)
	if err != nil || p.Subject != "alice" || !p.Has(RoleCaseworker) || p.Has("astronaut") || p.Team != "preston-1" ||
		p.Agency != "council" {
		t.Fatalf("a good token: %+v, %v", p, err)
	}

	now := time.Now()
	base := func() jwt.MapClaims {
		return jwt.MapClaims{
			"iss":   DevIssuerName,
			"aud":   DevAudience,
			"sub":   "alice",
			"roles": []string{RoleCaseworker},
			"iat":   now.Unix(),
			"exp":   now.Add(time.Hour).Unix(),
		}
	}
	mint := func(change func(jwt.MapClaims)) string {
		c := base()
		change(c)
		s, err := dev.MintClaims(c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	other, _ := OpenDevIssuer(t.TempDir())
	stranger, _ := other.Mint(Principal{Subject: "mallory", Roles: []string{RoleAdministrator}}, time.Hour)
	hmac := jwt.NewWithClaims(jwt.SigningMethodHS256, base())
	hmacToken, _ := hmac.SignedString([]byte("guessable"))
	parts := strings.Split(good, ".")
	forged := parts[0] + "." + base64Claims(
		t,
		`{"iss":"`+DevIssuerName+`","aud":"`+DevAudience+`","sub":"alice","roles":["administrator"],"exp":9999999999,"iat":1}`,
	) + "." + parts[2]
	for name, token := range map[string]string{
		"expired":           mint(func(c jwt.MapClaims) { c["exp"] = now.Add(-2 * time.Minute).Unix() }),
		"no expiry":         mint(func(c jwt.MapClaims) { delete(c, "exp") }),
		"wrong audience":    mint(func(c jwt.MapClaims) { c["aud"] = "another-app" }),
		"wrong issuer":      mint(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }),
		"not yet valid":     mint(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() }),
		"no subject":        mint(func(c jwt.MapClaims) { delete(c, "sub") }),
		"another issuer":    stranger,
		"symmetric (HS256)": hmacToken,
		"claims tampered":   forged,
		"not a token":       "hello",
		"alg none":          "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + base64Claims(t, `{"sub":"alice"}`) + ".",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Verify(context.Background(), token); !errors.Is(err, ErrUnauthenticated) {
				t.Errorf("%s: accepted (%v)", name, err)
			} else if strings.Contains(err.Error(), token) {
				t.Errorf("%s: the error quotes the token", name)
			}
		})
	}
}

func TestVerifierRefusesWeakConfiguration(t *testing.T) {
	dev, _ := OpenDevIssuer(t.TempDir())
	cfg := dev.Config()
	cfg.Algorithms = []string{"HS256"}
	if _, err := NewVerifier(context.Background(), cfg); err == nil {
		t.Error("a symmetric algorithm was allowed")
	}
	cfg = dev.Config()
	cfg.JWKSURL = "http://idp.example/jwks"
	if _, err := NewVerifier(context.Background(), cfg); err == nil {
		t.Error("a plain-http JWKS URL was allowed")
	}
}

func base64Claims(t *testing.T, js string) string {
	t.Helper()
	return strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(b64(js)), "=")
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// The issuer's JWKS is read again: a key it adds (a rotation) verifies at once, and a key it
// withdraws is refused within RefreshEvery, even for a token verified before.
func TestARotatedKeyIsTakenAndAWithdrawnOneRefused(t *testing.T) {
	a, _ := OpenDevIssuer(t.TempDir())
	b, _ := OpenDevIssuer(t.TempDir())
	keysOf := func(d *DevIssuer) []any {
		var set struct{ Keys []any }
		body, _ := os.ReadFile(strings.TrimPrefix(d.Config().JWKSURL, "file://"))
		_ = json.Unmarshal(body, &set)
		return set.Keys
	}
	var mu sync.Mutex
	serving := keysOf(a)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": serving})
	}))
	defer srv.Close()
	serve := func(keys ...[]any) {
		mu.Lock()
		defer mu.Unlock()
		serving = nil
		for _, k := range keys {
			serving = append(serving, k...)
		}
	}
	cfg := a.Config()
	cfg.JWKSURL, cfg.RefreshEvery = srv.URL, 300*time.Millisecond
	v, err := NewVerifier(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mint := func(d *DevIssuer, who string) string {
		tok, err := d.Mint(Principal{Subject: who, Roles: []string{RoleCaseworker}}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	before := mint(a, "alice")
	if _, err := v.Verify(t.Context(), before); err != nil {
		t.Fatalf("the issuer's key: %v", err)
	}
	serve(keysOf(a), keysOf(b)) // the issuer adds a key and signs with it
	if _, err := v.Verify(t.Context(), mint(b, "bob")); err != nil {
		t.Fatalf("a token of the new key: %v", err)
	}
	serve(keysOf(b)) // and withdraws the old one
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, errBefore := v.Verify(t.Context(), before)
		_, errNew := v.Verify(t.Context(), mint(a, "carol"))
		if errBefore != nil && errNew != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the withdrawn key's tokens are still accepted: %v, %v", errBefore, errNew)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
