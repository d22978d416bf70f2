package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

// keySet caches an issuer's public keys by key id.
type keySet struct {
	url          *url.URL
	refreshEvery time.Duration
	client       *http.Client

	mu        sync.Mutex
	keys      map[string]crypto.PublicKey
	fetched   time.Time
	lastTried time.Time
}

func newKeySet(ctx context.Context, raw string, refreshEvery time.Duration) (*keySet, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "file" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return nil, errors.New("the JWKS URL must be https:// (or file:// for the development issuer, http:// on loopback for tests)")
	}
	ks := &keySet{url: u, refreshEvery: refreshEvery, client: &http.Client{Timeout: 10 * time.Second}}
	if err := ks.refresh(ctx); err != nil {
		return nil, err
	}
	return ks, nil
}

func isLoopback(host string) bool { return host == "127.0.0.1" || host == "localhost" || host == "::1" }

// key returns the key with the id, re-reading the set when it is stale or the id unknown.
func (ks *keySet) key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	k, ok := ks.keys[kid]
	stale := time.Since(ks.fetched) > ks.refreshEvery
	if (!ok || stale) && time.Since(ks.lastTried) > 30*time.Second {
		if err := ks.refreshLocked(ctx); err == nil {
			k, ok = ks.keys[kid]
		}
	}
	if !ok {
		return nil, errors.New("no key with that id")
	}
	return k, nil
}

func (ks *keySet) refresh(ctx context.Context) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.refreshLocked(ctx)
}

func (ks *keySet) refreshLocked(ctx context.Context) error {
	ks.lastTried = time.Now()
	body, err := ks.read(ctx)
	if err != nil {
		return fmt.Errorf("read the OIDC issuer's keys: %w", err)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return err
	}
	ks.keys, ks.fetched = keys, time.Now()
	return nil
}

func (ks *keySet) read(ctx context.Context) ([]byte, error) {
	if ks.url.Scheme == "file" {
		return os.ReadFile(ks.url.Path)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ks.url.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := ks.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// jwk is one key of a JWKS (RFC 7517): RSA or EC P-256/384/521, for signatures.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func parseJWKS(body []byte) (map[string]crypto.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, errors.New("the OIDC issuer's JWKS is not JSON")
	}
	keys := map[string]crypto.PublicKey{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pub, err := k.public()
		if err != nil {
			return nil, fmt.Errorf("JWKS key %q: %w", k.Kid, err)
		}
		keys[k.Kid] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("the OIDC issuer's JWKS holds no signing key")
	}
	return keys, nil
}

func (k jwk) public() (crypto.PublicKey, error) {
	b := func(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
	switch k.Kty {
	case "RSA":
		n, err1 := b(k.N)
		e, err2 := b(k.E)
		if err1 != nil || err2 != nil || len(n) < 256 {
			return nil, errors.New("not an RSA key of 2048 bits or more")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "EC":
		curve := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}[k.Crv]
		x, err1 := b(k.X)
		y, err2 := b(k.Y)
		if curve == nil || err1 != nil || err2 != nil {
			return nil, errors.New("not an EC key on P-256, P-384 or P-521")
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			return nil, errors.New("EC coordinates of the wrong size")
		}
		return ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
	}
	return nil, fmt.Errorf("key type %q is not RSA or EC", k.Kty)
}
