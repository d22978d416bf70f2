package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestClientCredentialsAsksOnceAndKeepsTheToken(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json") // as identity providers answer (RFC 6749 §5.1)
		id, secret, ok := r.BasicAuth()
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" || !ok ||
			id != "tracking" ||
			secret != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"tok-1","token_type":"Bearer","expires_in":3600}`))
	}))
	defer srv.Close()

	c := &ClientCredentials{TokenURL: srv.URL, ClientID: "tracking", ClientSecret: "s3cret"}
	for range 3 {
		tok, err := c.Token(context.Background())
		if err != nil || tok != "tok-1" {
			t.Fatalf("token %q, %v", tok, err)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("asked the identity provider %d times, want 1", calls.Load())
	}
	bad := &ClientCredentials{TokenURL: srv.URL, ClientID: "tracking", ClientSecret: "wrong"}
	if _, err := bad.Token(context.Background()); err == nil {
		t.Error("a refused client got a token")
	}
}

func TestDevServiceTokenCarriesTheServiceRole(t *testing.T) {
	d, err := OpenDevIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(context.Background(), d.Config())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := d.ServiceToken("tracking").Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), tok)
	if err != nil || !p.Has(RoleService) || p.Subject != "service:tracking" {
		t.Fatalf("principal %+v, %v", p, err)
	}
}
