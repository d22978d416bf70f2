package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenSource gives a service its own access token, for the few calls it makes to another
// service outside any user's request (an activity reading the evidence it judges).
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// ClientCredentials is the OAuth 2.0 client credentials grant (RFC 6749 §4.4) against the
// council's identity provider (golang.org/x/oauth2/clientcredentials): the service's client is
// given the "service" role there. Tokens are kept until a minute before they expire.
type ClientCredentials struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scope        string // optional
	HTTP         *http.Client

	mu    sync.Mutex
	token *oauth2.Token
}

// Token returns a token, fetching a new one when the last is near its expiry.
func (c *ClientCredentials) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != nil && time.Now().Add(time.Minute).Before(c.token.Expiry) {
		return c.token.AccessToken, nil
	}
	cfg := clientcredentials.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		TokenURL:     c.TokenURL,
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
	if c.Scope != "" {
		cfg.Scopes = strings.Fields(c.Scope)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	t, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
	if err != nil {
		// The provider's answer may say why (invalid_client); it never holds the secret.
		return "", fmt.Errorf("service token: %w", err)
	}
	if t.Expiry.IsZero() {
		t.Expiry = time.Now().Add(5 * time.Minute) // no expires_in: ask again in a while
	}
	c.token = t
	return t.AccessToken, nil
}

// ServiceToken makes the development issuer a TokenSource for a service: `make up` and the
// tests, where no identity provider runs. The token names the service as its subject.
func (d *DevIssuer) ServiceToken(service string) TokenSource {
	return devServiceToken{d: d, p: Principal{Subject: "service:" + service, Roles: []string{RoleService}}}
}

type devServiceToken struct {
	d *DevIssuer
	p Principal
}

func (s devServiceToken) Token(context.Context) (string, error) { return s.d.Mint(s.p, 5*time.Minute) }
