// Package service is the one way every familypath binary starts: subcommands serve, worker
// and migrate; settings from the environment, validated at start; JSON logs; graceful
// shutdown on SIGTERM.
package service

import (
	"net"
	"os"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/config"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/temporalx"
)

// Version is set at build time with -ldflags "-X github.com/familypath/familypath/pkg/platform/service.Version=...".
var Version = "dev"

// Settings are the variables every service reads. Names are documented in docs/configuration.md.
type Settings struct {
	Service     string
	LogLevel    string
	HTTPAddr    string // API listen address (serve)
	MetricsAddr string // metrics, /healthz and /readyz for workers
	DatabaseURL string
	// MigrationDatabaseURL logs in as the role that owns the service's schema (migrate only;
	// unset: DATABASE_URL's role owns it, for development).
	MigrationDatabaseURL string
	RedisURL             string
	Temporal             temporalx.Config
	ShutdownGrace        time.Duration
	// WorkerStopTimeout is how long a stopping worker lets its running activities finish
	// before cancelling them (worker): a deploy should not restart a run's linking from the
	// start. The pod's termination grace period must be longer (the chart adds 30 s).
	WorkerStopTimeout time.Duration
	// AuditKey keys the audit trail's hashes (AUDIT_KEY_FILE or AUDIT_KEY, at least 32 bytes;
	// unset: plain SHA-256, for development).
	AuditKey []byte
	// PlansDir is a folder of a council's own published plan versions beside the shipped ones
	// (FAMILYPATH_PLANS_DIR; Deps.Plans).
	PlansDir string
	OIDC     auth.Config // which access tokens the API accepts (serve)
	// CaseURL is the case service's API, which answers every other service's "may this user
	// see family X?" (serve; the case service answers itself).
	CaseURL string
	// RateLimitPerMinute caps each caller's requests to the API (serve); 0 turns it off.
	RateLimitPerMinute int
	// RequestTimeout bounds each API request's work (serve).
	RequestTimeout time.Duration
	// TrustedProxies are the addresses (CIDRs) of the proxies in front of the API whose
	// X-Forwarded-For is believed (serve); none by default, so a client cannot choose the
	// address its rate limit is counted under.
	TrustedProxies []string
	// FieldKeys seal personal data in Postgres (modes that need PersonalData).
	FieldKeys *keyring.Keyring
	// Upstreams are the other services this one's worker reads from (<NAME>_URL each), and
	// ServiceToken the service's own credentials for them (modes that need Calls).
	Upstreams    map[string]string
	ServiceToken auth.TokenSource
}

// Needs says which dependencies a mode requires, so that e.g. `migrate` does not demand
// Temporal settings.
type Needs struct {
	DB, Redis, Temporal, Auth bool
	// Owner: the mode changes the schema, as the role that owns it (migrate).
	Owner bool
	// PersonalData: the mode reads or writes sealed personal data (FIELD_KEYS).
	PersonalData bool
	// Calls names the services the mode reads from with its own token.
	Calls []string
}

// LoadSettings reads the settings a mode needs and reports every problem at once.
func LoadSettings(env *config.Env, svc string, needs Needs) (Settings, error) {
	s := Settings{
		Service:           svc,
		LogLevel:          env.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		HTTPAddr:          env.Addr("HTTP_ADDR", ":8080"),
		MetricsAddr:       env.Addr("METRICS_ADDR", ":9090"),
		ShutdownGrace:     env.Duration("SHUTDOWN_GRACE", DefaultShutdownGrace),
		WorkerStopTimeout: env.Duration("WORKER_STOP_TIMEOUT", DefaultWorkerStopTimeout),
		PlansDir:          env.String("FAMILYPATH_PLANS_DIR", ""),
	}
	s.AuditKey = LoadAuditKey(env)
	if needs.DB {
		s.DatabaseURL = env.URL("DATABASE_URL", "", "postgres", "postgresql")
	}
	if needs.Owner {
		s.MigrationDatabaseURL = env.URL("MIGRATION_DATABASE_URL", s.DatabaseURL, "postgres", "postgresql")
	}
	if needs.Redis {
		s.RedisURL = env.URL("REDIS_URL", "", "redis", "rediss")
	}
	if needs.Temporal {
		s.Temporal = LoadTemporal(env)
	}
	if needs.PersonalData {
		s.FieldKeys = LoadFieldKeys(env)
	}
	if len(needs.Calls) > 0 {
		s.Upstreams = map[string]string{}
		for _, name := range needs.Calls {
			s.Upstreams[name] = env.URL(strings.ToUpper(name)+"_URL", "", "http", "https")
		}
		s.ServiceToken = LoadServiceToken(env, svc)
	}
	if needs.Auth {
		s.RateLimitPerMinute = env.Int("RATE_LIMIT_PER_MINUTE", 600)
		s.RequestTimeout = env.Duration("REQUEST_TIMEOUT", 30*time.Second)
		s.TrustedProxies = trustedProxies(env)
		s.OIDC = LoadOIDC(env)
		if svc != "case" {
			s.CaseURL = env.URL("CASE_URL", "", "http", "https")
		}
	}
	return s, env.Err()
}

// LoadTemporal reads the Temporal connection settings.
func LoadTemporal(env *config.Env) temporalx.Config {
	t := temporalx.Config{
		Address:       env.Addr("TEMPORAL_ADDRESS", ""),
		Namespace:     env.String("TEMPORAL_NAMESPACE", "default"),
		TLS:           env.Bool("TEMPORAL_TLS", false),
		TLSCertFile:   env.String("TEMPORAL_TLS_CERT", ""),
		TLSKeyFile:    env.String("TEMPORAL_TLS_KEY", ""),
		TLSCAFile:     env.String("TEMPORAL_TLS_CA", ""),
		TLSServerName: env.String("TEMPORAL_TLS_SERVER_NAME", ""),
		APIKey:        env.String("TEMPORAL_API_KEY", ""),
	}
	if t.Address == "" {
		env.Required("TEMPORAL_ADDRESS")
	}
	t.PayloadKeys = LoadPayloadKeys(env)
	if (t.TLSCertFile == "") != (t.TLSKeyFile == "") {
		env.Fail("TEMPORAL_TLS_CERT", "and TEMPORAL_TLS_KEY must be set together")
	}
	return t
}

// LoadServiceToken reads the service's own credentials: an OAuth 2.0 client of the council's
// identity provider (SERVICE_TOKEN_URL, SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET or
// SERVICE_CLIENT_SECRET_FILE), or for development only the development issuer's folder
// (DEV_ISSUER_DIR, set by `make up` and the tests).
func LoadServiceToken(env *config.Env, svc string) auth.TokenSource {
	if dir := env.String("DEV_ISSUER_DIR", ""); dir != "" {
		if !Development(env) {
			env.Fail(
				"DEV_ISSUER_DIR",
				"is the development issuer, refused outside development (FAMILYPATH_DEVELOPMENT=true): give SERVICE_TOKEN_URL and the client's credentials",
			)
			return nil
		}
		d, err := auth.OpenDevIssuer(dir)
		if err != nil {
			env.Fail("DEV_ISSUER_DIR", "cannot be opened: %v", err)
			return nil
		}
		return d.ServiceToken(svc)
	}
	c := &auth.ClientCredentials{
		TokenURL: env.URL("SERVICE_TOKEN_URL", "", "https", "http"),
		ClientID: env.Required("SERVICE_CLIENT_ID"),
		Scope:    env.String("SERVICE_TOKEN_SCOPE", ""),
	}
	if c.TokenURL == "" {
		env.Required("SERVICE_TOKEN_URL")
	}
	c.ClientSecret = strings.TrimSpace(secret(env, "SERVICE_CLIENT_SECRET"))
	if c.ClientSecret == "" {
		env.Fail("SERVICE_CLIENT_SECRET", "or SERVICE_CLIENT_SECRET_FILE is required")
	}
	return c
}

// LoadOIDC reads which access tokens to accept (docs/configuration.md). Outside development
// the JWKS must be served over https:// (a file:// or loopback http:// JWKS, and the
// development issuer, are refused), and it is read again every OIDC_JWKS_REFRESH (default 5
// minutes), so a key the identity provider withdraws is refused within that.
func LoadOIDC(env *config.Env) auth.Config {
	c := auth.Config{
		Issuer:       env.Required("OIDC_ISSUER"),
		Audience:     env.Required("OIDC_AUDIENCE"),
		JWKSURL:      env.Required("OIDC_JWKS_URL"),
		RefreshEvery: env.Duration("OIDC_JWKS_REFRESH", 5*time.Minute),
	}
	if !Development(env) {
		if c.JWKSURL != "" && !strings.HasPrefix(c.JWKSURL, "https://") {
			env.Fail(
				"OIDC_JWKS_URL",
				"must be https:// outside development (a file:// or http:// JWKS is the development issuer's; FAMILYPATH_DEVELOPMENT=true accepts it)",
			)
		}
		if c.Issuer == auth.DevIssuerName {
			env.Fail(
				"OIDC_ISSUER",
				"is the development issuer, refused outside development (FAMILYPATH_DEVELOPMENT=true)",
			)
		}
	}
	if algs := env.String("OIDC_ALGORITHMS", ""); algs != "" {
		c.Algorithms = strings.Split(algs, ",")
	}
	return c
}

// Development says whether development-only settings are accepted: the development issuer,
// a JWKS read from a file. FAMILYPATH_DEVELOPMENT=true, set by `make up`, the tests and the
// chart's values-development.yaml; never in production.
func Development(env *config.Env) bool { return env.Bool("FAMILYPATH_DEVELOPMENT", false) }

// LoadPayloadKeys reads the key ring that encrypts Temporal payloads: PAYLOAD_KEYS_FILE (a
// mounted Secret) or PAYLOAD_KEYS. Required: no process talks to Temporal in plaintext.
func LoadPayloadKeys(env *config.Env) *keyring.Keyring {
	return loadKeyring(env, "PAYLOAD_KEYS", "the key ring that encrypts Temporal payloads")
}

// LoadFieldKeys reads the key ring that seals personal data in Postgres (FIELD_KEYS_FILE or
// FIELD_KEYS); a separate ring from the payload keys, rotated on its own.
func LoadFieldKeys(env *config.Env) *keyring.Keyring {
	return loadKeyring(env, "FIELD_KEYS", "the key ring that seals personal data in Postgres")
}

// loadKeyring reads ring NAME from the file NAME_FILE (a mounted Secret) or NAME itself.
func loadKeyring(env *config.Env, name, what string) *keyring.Keyring {
	text := secret(env, name)
	if text == "" {
		env.Fail(name, "or %s_FILE is required: %s (docs/configuration.md)", name, what)
		return nil
	}
	ring, err := keyring.Parse(text)
	if err != nil {
		env.Fail(name, "%s", err.Error())
		return nil
	}
	return ring
}

// secret reads a secret setting: the file NAME_FILE names (a mounted Secret), else NAME; ""
// when neither is set or the file cannot be read (then reported).
func secret(env *config.Env, name string) string {
	file := env.String(name+"_FILE", "")
	if file == "" {
		return env.String(name, "")
	}
	b, err := os.ReadFile(file) // #nosec G304 -- the operator names the mounted file
	if err != nil {
		env.Fail(name+"_FILE", "cannot be read")
		return ""
	}
	return string(b)
}

// LoadAuditKey reads the key of the audit trail's hashes: AUDIT_KEY_FILE (a mounted Secret)
// or AUDIT_KEY, at least 32 bytes; nil when neither is set.
func LoadAuditKey(env *config.Env) []byte {
	text := strings.TrimSpace(secret(env, "AUDIT_KEY"))
	if text != "" && len(text) < 32 {
		env.Fail("AUDIT_KEY", "must be at least 32 bytes (a random secret, e.g. openssl rand -base64 48)")
		return nil
	}
	if text == "" {
		return nil
	}
	return []byte(text)
}

// DefaultWorkerStopTimeout is how long a stopping worker's activities get to finish: longer
// than linking a county's run (measured at about 30 s for a million rows with residents).
const DefaultWorkerStopTimeout = 2 * time.Minute

// DefaultShutdownGrace is how long servers get to finish requests after SIGTERM.
const DefaultShutdownGrace = 20 * time.Second

// trustedProxies reads TRUSTED_PROXIES: comma-separated addresses or CIDRs.
func trustedProxies(env *config.Env) []string {
	var out []string
	for _, p := range strings.Split(env.String("TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		_, _, cidrErr := net.ParseCIDR(p)
		if cidrErr != nil && net.ParseIP(p) == nil {
			env.Fail("TRUSTED_PROXIES", "holds %q, which is neither an address nor a CIDR", p)
			continue
		}
		out = append(out, p)
	}
	return out
}
