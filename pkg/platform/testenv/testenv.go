// Package testenv gives integration tests real Postgres, Redis and Temporal. `make test`
// starts them once (scripts/stack.sh deps) and passes DATABASE_URL, REDIS_URL and
// TEMPORAL_ADDRESS; a plain `go test` without them starts its own set the same way, on free
// ports, and stops it afterwards. Never a fixed port, never a mock.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Main runs the package's tests with the dependencies present, starting them if needed.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv("DATABASE_URL") == "" || os.Getenv("REDIS_URL") == "" || os.Getenv("TEMPORAL_ADDRESS") == "" ||
		os.Getenv("PAYLOAD_KEYS_FILE")+os.Getenv("PAYLOAD_KEYS") == "" {
		stop, err := startDeps()
		if err != nil {
			fmt.Fprintln(os.Stderr, "testenv:", err)
			return 1
		}
		defer stop()
	}
	return m.Run()
}

// startDeps runs scripts/stack.sh deps in a fresh folder and exports its environment.
func startDeps() (func(), error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "familypath-testenv-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(root, "scripts", "stack.sh")
	stop := func() {
		_ = exec.Command(script, "down", dir).Run() // #nosec G204 -- the repository's own script
		_ = os.RemoveAll(dir)
	}
	cmd := exec.Command(script, "deps", dir) // #nosec G204 -- the repository's own script
	cmd.Env = append(os.Environ(), "FAMILYPATH_HEADLESS=1", "FAMILYPATH_FAST_PG=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		stop()
		return nil, fmt.Errorf("start dependencies: %v\n%s", err, out)
	}
	state, err := os.ReadFile(filepath.Join(dir, "stack.env")) // #nosec G304 -- the folder this function made
	if err != nil {
		stop()
		return nil, err
	}
	for _, line := range strings.Split(string(state), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if ok && !strings.HasPrefix(line, "#") {
			_ = os.Setenv(k, strings.Trim(v, `'"`))
		}
	}
	return stop, nil
}

// RepoRoot finds the folder holding go.work above the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work above the working directory")
		}
		dir = parent
	}
}

// Database creates an empty database for one test and returns its URL; it is dropped when
// the test ends. Tests never share tables.
func Database(t testing.TB) string {
	t.Helper()
	base := mustEnv(t, "DATABASE_URL")
	name := "t_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// RedisURL returns the Redis URL. Tests keep apart by using random keys.
func RedisURL(t testing.TB) string { return mustEnv(t, "REDIS_URL") }

// TemporalAddress returns the Temporal frontend's host:port and the namespace.
func TemporalAddress(t testing.TB) (string, string) {
	ns := os.Getenv("TEMPORAL_NAMESPACE")
	if ns == "" {
		ns = "default"
	}
	return mustEnv(t, "TEMPORAL_ADDRESS"), ns
}

// PayloadKeys returns the key ring (its text) that the stack made to encrypt Temporal
// payloads; every client and worker of a test uses it, as in production.
func PayloadKeys(t testing.TB) string {
	t.Helper()
	if v := os.Getenv("PAYLOAD_KEYS"); v != "" {
		return v
	}
	b, err := os.ReadFile(mustEnv(t, "PAYLOAD_KEYS_FILE"))
	if err != nil {
		t.Fatalf("read PAYLOAD_KEYS_FILE: %v", err)
	}
	return string(b)
}

// Unique returns a random suffix for keys, ids and task queues of one test.
func Unique() string { return randomHex(6) }

func mustEnv(t testing.TB, k string) string {
	v := os.Getenv(k)
	if v == "" {
		t.Fatalf("%s is not set: run the package's tests through testenv.Main (TestMain) or `make test`", k)
	}
	return v
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
