// Package auth verifies the OIDC access tokens every API and the codec server accept:
// signature by a key from the issuer's JWKS (kept by MicahParks/keyfunc: read again every
// RefreshEvery and on rotation), an algorithm from the allowlist, the issuer, the audience,
// and the token's times. The caller's roles, team
// and agency come from its claims. For development, devissuer.go makes a signing key and
// mints tokens for each role (`make token ROLE=...`).
package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// The roles of docs/programme.md ("Who uses it"), as tokens carry them in the "roles" claim.
const (
	RoleCaseworker       = "caseworker" // a lead professional of the council
	RoleTeamManager      = "team_manager"
	RoleDataAnalyst      = "data_analyst"
	RoleAuditor          = "internal_auditor"
	RoleProgrammeManager = "programme_manager"
	RolePartnerWorker    = "partner_agency_worker" // a lead professional of a partner agency
	RoleAdministrator    = "administrator"         // operations: deploys, unsticks workflows
	// RoleService is another familypath service calling with its own credentials (an
	// OAuth 2.0 client credentials token): tracking reading the evidence it judges.
	RoleService = "service"
)

// Roles lists every role.
var Roles = []string{
	RoleCaseworker,
	RoleTeamManager,
	RoleDataAnalyst,
	RoleAuditor,
	RoleProgrammeManager,
	RolePartnerWorker,
	RoleAdministrator,
	RoleService,
}

// Principal is who a verified token speaks for.
type Principal struct {
	Subject   string
	Roles     []string
	Team      string // the caseworker's or manager's team
	Agency    string // the lead professional's agency (council family service, police, health, ...)
	ExpiresAt time.Time
}

// Has says whether the principal holds the role.
func (p Principal) Has(role string) bool { return slices.Contains(p.Roles, role) }

// claims are the token's claims this platform reads.
type claims struct {
	jwt.RegisteredClaims
	Roles  []string `json:"roles"`
	Team   string   `json:"team,omitempty"`
	Agency string   `json:"agency,omitempty"`
}

// Config says which tokens to accept.
type Config struct {
	Issuer   string
	Audience string
	// JWKSURL is where the issuer's public keys are: https://..., or file://... for the
	// development issuer.
	JWKSURL    string
	Algorithms []string      // default RS256 and ES256
	Leeway     time.Duration // allowed clock difference; default 60 s
	// RefreshEvery re-reads the JWKS this often; an unknown key id re-reads it at once (at
	// most every 30 s), so a rotation at the issuer needs no restart and a withdrawn key is
	// refused within it. Default 5 minutes.
	RefreshEvery time.Duration
}

// ErrUnauthenticated is every verification failure: callers answer 401 and log the reason
// (Verify's error says which check failed, never the token).
var ErrUnauthenticated = errors.New("the access token is not valid")

// Verifier checks access tokens.
type Verifier struct {
	cfg    Config
	keys   keyfunc.Keyfunc
	parser *jwt.Parser

	// verified remembers tokens already verified, by their SHA-256, until they expire or the
	// keys are next read (RefreshEvery), whichever is first, so that a withdrawn key's tokens are
	// refused within it: a front end sends the same token with every request, and a signature
	// check costs more than the request's own work. Bounded: emptied when it reaches verifiedMax.
	mu       sync.Mutex
	verified map[[32]byte]verifiedToken
}

type verifiedToken struct {
	p     Principal
	until time.Time
}

const verifiedMax = 10000

// NewVerifier reads the issuer's keys and returns a verifier; it fails when they cannot be read.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" || cfg.JWKSURL == "" {
		return nil, errors.New("OIDC issuer, audience and JWKS URL are all required")
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []string{"RS256", "ES256"}
	}
	for _, a := range cfg.Algorithms {
		if !slices.Contains(
			[]string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"},
			a,
		) {
			return nil, fmt.Errorf("OIDC algorithm %q is not allowed (asymmetric signatures only)", a)
		}
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = time.Minute
	}
	if cfg.RefreshEvery == 0 {
		cfg.RefreshEvery = 5 * time.Minute // a key the issuer withdraws is refused within this
	}
	ks, err := issuerKeys(ctx, cfg.JWKSURL, cfg.RefreshEvery)
	if err != nil {
		return nil, err
	}
	return &Verifier{cfg: cfg, keys: ks, parser: jwt.NewParser(
		jwt.WithValidMethods(cfg.Algorithms), jwt.WithIssuer(cfg.Issuer), jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
	)}, nil
}

// Verify checks a token and returns its principal.
func (v *Verifier) Verify(ctx context.Context, token string) (Principal, error) {
	sum := sha256.Sum256([]byte(token))
	v.mu.Lock()
	known, ok := v.verified[sum]
	v.mu.Unlock()
	if ok && time.Now().Before(known.until) {
		return known.p, nil
	}
	p, err := v.verify(ctx, token)
	if err != nil {
		return p, err
	}
	v.mu.Lock()
	if v.verified == nil || len(v.verified) >= verifiedMax {
		v.verified = map[[32]byte]verifiedToken{}
	}
	until := time.Now().Add(v.cfg.RefreshEvery)
	if p.ExpiresAt.Before(until) {
		until = p.ExpiresAt
	}
	v.verified[sum] = verifiedToken{p: p, until: until}
	v.mu.Unlock()
	return p, nil
}

func (v *Verifier) verify(ctx context.Context, token string) (Principal, error) {
	var c claims
	_, err := v.parser.ParseWithClaims(token, &c, verificationKey(ctx, v.keys))
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %s", ErrUnauthenticated, reason(err))
	}
	if c.Subject == "" {
		return Principal{}, fmt.Errorf("%w: no subject", ErrUnauthenticated)
	}
	p := Principal{Subject: c.Subject, Team: c.Team, Agency: c.Agency, ExpiresAt: c.ExpiresAt.Time}
	for _, r := range c.Roles {
		if slices.Contains(Roles, r) && !slices.Contains(p.Roles, r) {
			p.Roles = append(p.Roles, r)
		}
	}
	return p, nil
}

// reason names the failed check in words safe to log.
func reason(err error) string {
	for _, e := range []struct {
		err  error
		text string
	}{
		{jwt.ErrTokenMalformed, "malformed"},
		{jwt.ErrTokenSignatureInvalid, "bad signature"},
		{jwt.ErrTokenUnverifiable, "unverifiable (unknown key or algorithm)"},
		{jwt.ErrTokenExpired, "expired"},
		{jwt.ErrTokenNotValidYet, "not valid yet"},
		{jwt.ErrTokenInvalidIssuer, "wrong issuer"},
		{jwt.ErrTokenInvalidAudience, "wrong audience"},
		{jwt.ErrTokenRequiredClaimMissing, "a required claim is missing"},
		{jwt.ErrTokenUsedBeforeIssued, "used before issued"},
	} {
		if errors.Is(err, e.err) {
			return e.text
		}
	}
	return "invalid"
}
