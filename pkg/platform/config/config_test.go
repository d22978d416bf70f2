package config

import (
	"strings"
	"testing"
	"time"
)

func TestEnvReportsEveryProblemByName(t *testing.T) {
	e := FromMap(map[string]string{
		"PORTS":   "many",
		"TIMEOUT": "soon",
		"DB":      "mysql://u:secret@h/db",
		"ADDR":    "nocolon",
	})
	e.Required("MISSING_ONE")
	e.Int("PORTS", 1)
	e.Duration("TIMEOUT", time.Second)
	e.URL("DB", "", "postgres", "postgresql")
	e.Addr("ADDR", "")
	err := e.Err()
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, want := range []string{"MISSING_ONE: is required", "PORTS: must be a whole number", "TIMEOUT: must be a positive duration", "DB: scheme must be one of", "ADDR: must be host:port"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error leaks a password: %q", err)
	}
}

func TestEnvDefaultsAndValues(t *testing.T) {
	e := FromMap(map[string]string{"N": "7", "D": "2m", "B": "true", "U": "redis://127.0.0.1:1/0", "MODE": "b"})
	if got := e.Int("N", 1); got != 7 {
		t.Errorf("Int = %d", got)
	}
	if got := e.Duration("D", time.Second); got != 2*time.Minute {
		t.Errorf("Duration = %v", got)
	}
	if !e.Bool("B", false) {
		t.Error("Bool = false")
	}
	if got := e.String("UNSET", "dflt"); got != "dflt" {
		t.Errorf("String default = %q", got)
	}
	if got := e.URL("U", "", "redis"); got != "redis://127.0.0.1:1/0" {
		t.Errorf("URL = %q", got)
	}
	if got := e.OneOf("MODE", "a", "a", "b"); got != "b" {
		t.Errorf("OneOf = %q", got)
	}
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
}
