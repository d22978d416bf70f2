// Package config reads settings from environment variables. Every problem is collected
// and reported at once, naming each missing or invalid variable, so a misconfigured
// deployment fails at start with one clear message instead of one error per restart.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env reads variables and remembers what was wrong with them.
type Env struct {
	lookup   func(string) (string, bool)
	problems []string
}

// FromOS reads the process environment.
func FromOS() *Env { return &Env{lookup: os.LookupEnv} }

// FromMap reads a fixed set of variables (for tests).
func FromMap(m map[string]string) *Env {
	return &Env{lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

func (e *Env) raw(name string) (string, bool) {
	v, ok := e.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// Fail records a problem with a variable (for checks across variables).
func (e *Env) Fail(name, format string, args ...any) {
	e.problems = append(e.problems, name+": "+fmt.Sprintf(format, args...))
}

// String returns the variable, or def when it is unset.
func (e *Env) String(name, def string) string {
	if v, ok := e.raw(name); ok {
		return v
	}
	return def
}

// Required returns the variable and records a problem when it is unset.
func (e *Env) Required(name string) string {
	v, ok := e.raw(name)
	if !ok {
		e.Fail(name, "is required but not set")
	}
	return v
}

// Int returns the variable as an integer, or def when unset.
func (e *Env) Int(name string, def int) int {
	v, ok := e.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.Fail(name, "must be a whole number, got %q", v)
		return def
	}
	return n
}

// Bool returns the variable as a boolean (true/false/1/0), or def when unset.
func (e *Env) Bool(name string, def bool) bool {
	v, ok := e.raw(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.Fail(name, "must be true or false, got %q", v)
		return def
	}
	return b
}

// Duration returns the variable as a Go duration (e.g. "15s"), or def when unset.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v, ok := e.raw(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.Fail(name, "must be a positive duration such as 15s or 2m, got %q", v)
		return def
	}
	return d
}

// Addr returns a host:port listen or dial address, or def when unset.
func (e *Env) Addr(name, def string) string {
	v := e.String(name, def)
	if v == "" {
		return v
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		e.Fail(name, "must be host:port, got %q", v)
	}
	return v
}

// URL returns a URL with one of the given schemes; required when def is empty.
// Only the scheme and host are echoed in errors: URLs may hold passwords.
func (e *Env) URL(name, def string, schemes ...string) string {
	v := def
	if s, ok := e.raw(name); ok {
		v = s
	} else if def == "" {
		e.Fail(name, "is required but not set")
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		e.Fail(name, "must be a URL like %s://host:port/...", schemes[0])
		return v
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return v
		}
	}
	e.Fail(name, "scheme must be one of %s, got %q", strings.Join(schemes, ", "), u.Scheme)
	return v
}

// OneOf returns the variable when it is one of allowed, or def when unset.
func (e *Env) OneOf(name, def string, allowed ...string) string {
	v := e.String(name, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	e.Fail(name, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	return def
}

// Err returns every recorded problem as one error, or nil.
func (e *Env) Err() error {
	if len(e.problems) == 0 {
		return nil
	}
	return errors.New("invalid configuration:\n  " + strings.Join(e.problems, "\n  "))
}
