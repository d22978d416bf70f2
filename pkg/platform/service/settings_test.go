package service

import (
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/config"
)

// The development issuer (its folder, a JWKS on disk, its issuer name) is refused unless the
// development flag is set: a production deployment cannot be pointed at it by mistake.
func TestTheDevelopmentIssuerIsRefusedOutsideDevelopment(t *testing.T) {
	dev, err := auth.OpenDevIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	oidc := dev.Config()
	settings := func(development bool) map[string]string {
		m := map[string]string{
			"OIDC_ISSUER":   oidc.Issuer,
			"OIDC_AUDIENCE": oidc.Audience,
			"OIDC_JWKS_URL": oidc.JWKSURL,
		}
		if development {
			m["FAMILYPATH_DEVELOPMENT"] = "true"
		}
		return m
	}
	env := config.FromMap(settings(false))
	LoadOIDC(env)
	if err := env.Err(); err == nil || !strings.Contains(err.Error(), "OIDC_JWKS_URL") ||
		!strings.Contains(err.Error(), "OIDC_ISSUER") {
		t.Errorf("the development issuer outside development: %v", err)
	}
	env = config.FromMap(settings(true))
	if c := LoadOIDC(env); env.Err() != nil || c.RefreshEvery.Minutes() != 5 {
		t.Errorf("in development: %v, refresh every %v", env.Err(), c.RefreshEvery)
	}
	env = config.FromMap(map[string]string{"DEV_ISSUER_DIR": t.TempDir()})
	if LoadServiceToken(env, "tracking"); env.Err() == nil || !strings.Contains(env.Err().Error(), "DEV_ISSUER_DIR") {
		t.Errorf("the development issuer's service tokens outside development: %v", env.Err())
	}
	env = config.FromMap(
		map[string]string{
			"OIDC_ISSUER":   "https://login.council.example",
			"OIDC_AUDIENCE": "familypath",
			"OIDC_JWKS_URL": "https://login.council.example/jwks",
		},
	)
	if LoadOIDC(env); env.Err() != nil {
		t.Errorf("a production issuer: %v", env.Err())
	}
}
