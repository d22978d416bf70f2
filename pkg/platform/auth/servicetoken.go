package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TokenSource gives a service its own access token, for the few calls it makes to another
// service outside any user's request (an activity reading the evidence it judges).
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// ClientCredentials is the OAuth 2.0 client credentials grant (RFC 6749 §4.4) against the
// council's identity provider: the service's client is given the "service" role there.
// Tokens are kept until a minute before they expire.
type ClientCredentials struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scope        string // optional
	HTTP         *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// Token returns a token, fetching a new one when the last is near its expiry.
func (c *ClientCredentials) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if c.Scope != "" {
		form.Set("scope", c.Scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("service token: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		// The body may say why (invalid_client); it never holds the secret.
		return "", fmt.Errorf("service token: the identity provider answered %d: %.200s", resp.StatusCode, body)
	}
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return "", errors.New("service token: the identity provider's answer has no access_token")
	}
	life := time.Duration(t.ExpiresIn) * time.Second
	if life <= 0 {
		life = 5 * time.Minute
	}
	c.token, c.expires = t.AccessToken, time.Now().Add(life-min(time.Minute, life/2))
	return c.token, nil
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
