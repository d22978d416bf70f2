package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
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
	good, err := dev.Mint(Principal{Subject: "alice", Roles: []string{RoleCaseworker, "astronaut"}, Team: "preston-1", Agency: "council"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), good)
	if err != nil || p.Subject != "alice" || !p.Has(RoleCaseworker) || p.Has("astronaut") || p.Team != "preston-1" || p.Agency != "council" {
		t.Fatalf("a good token: %+v, %v", p, err)
	}

	now := time.Now()
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": DevIssuerName, "aud": DevAudience, "sub": "alice", "roles": []string{RoleCaseworker},
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
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
	forged := parts[0] + "." + base64Claims(t, `{"iss":"`+DevIssuerName+`","aud":"`+DevAudience+`","sub":"alice","roles":["administrator"],"exp":9999999999,"iat":1}`) + "." + parts[2]
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
		if _, err := v.Verify(context.Background(), token); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: accepted (%v)", name, err)
		} else if strings.Contains(err.Error(), token) {
			t.Errorf("%s: the error quotes the token", name)
		}
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
