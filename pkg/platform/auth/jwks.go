package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// issuerKeys are the issuer's public keys, kept by MicahParks/keyfunc over a jwkset storage:
// read at start (a JWKS that cannot be read fails the start), again every refreshEvery (each
// read replaces the set, so a key the issuer withdraws is refused within it), and at once, at
// most every 30 s, for a key id the set does not hold (a rotation). Signing keys only (use
// "sig" or none). The development issuer's file:// JWKS is read once.
func issuerKeys(ctx context.Context, raw string, refreshEvery time.Duration) (keyfunc.Keyfunc, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "file" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return nil, errors.New(
			"the JWKS URL must be https:// (or file:// for the development issuer, http:// on loopback for tests)",
		)
	}
	only := keyfunc.Options{Ctx: ctx, UseWhitelist: []jwkset.USE{jwkset.UseSig, ""}}
	if u.Scheme == "file" {
		body, err := os.ReadFile(u.Path)
		if err != nil {
			return nil, fmt.Errorf("read the OIDC issuer's keys: %w", err)
		}
		set, err := keyfunc.NewJWKSetJSON(body)
		if err != nil {
			return nil, fmt.Errorf("the OIDC issuer's JWKS: %w", err)
		}
		only.Storage = set.Storage()
		return keyfunc.New(only)
	}
	remote, err := jwkset.NewStorageFromHTTP(
		u.String(),
		jwkset.HTTPClientStorageOptions{Ctx: ctx, Client: &http.Client{Timeout: 10 * time.Second},
			HTTPTimeout: 10 * time.Second, RefreshInterval: refreshEvery, RefreshErrorHandler: func(ctx context.Context, err error) {
				slog.Default().
					WarnContext(ctx, "the OIDC issuer's keys could not be read again; the last read are kept", "error", err.Error())
			}},
	)
	if err != nil {
		return nil, fmt.Errorf("read the OIDC issuer's keys: %w", err)
	}
	only.Storage, err = jwkset.NewHTTPClient(
		jwkset.HTTPClientOptions{HTTPURLs: map[string]jwkset.Storage{u.String(): remote},
			RefreshUnknownKID: rate.NewLimiter(rate.Every(30*time.Second), 1), RateLimitWaitMax: time.Second},
	)
	if err != nil {
		return nil, err
	}
	return keyfunc.New(only)
}

func isLoopback(host string) bool { return host == "127.0.0.1" || host == "localhost" || host == "::1" }

// verificationKey is the key a token names (by its "kid"): an RSA key of 2048 bits or more, or
// an EC key on P-256, P-384 or P-521.
func verificationKey(ctx context.Context, keys keyfunc.Keyfunc) jwt.Keyfunc {
	lookup := keys.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid == "" {
			return nil, errors.New("the token names no key")
		}
		k, err := lookup(t)
		if err != nil {
			return nil, err
		}
		switch pub := k.(type) {
		case *rsa.PublicKey:
			if pub.N.BitLen() < 2048 {
				return nil, errors.New("not an RSA key of 2048 bits or more")
			}
		case *ecdsa.PublicKey:
			if pub.Curve != elliptic.P256() && pub.Curve != elliptic.P384() && pub.Curve != elliptic.P521() {
				return nil, errors.New("not an EC key on P-256, P-384 or P-521")
			}
		default:
			return nil, fmt.Errorf("key type %T is not RSA or EC", k)
		}
		return k, nil
	}
}
