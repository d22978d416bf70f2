package service

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/config"
)

func TestSettingsNameEveryMissingVariable(t *testing.T) {
	_, err := LoadSettings(config.FromMap(map[string]string{"HTTP_ADDR": "8080", "TEMPORAL_TLS_CERT": "/c"}), "case",
		Needs{DB: true, Redis: true, Temporal: true})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, v := range []string{"DATABASE_URL", "REDIS_URL", "TEMPORAL_ADDRESS", "HTTP_ADDR", "TEMPORAL_TLS_CERT", "PAYLOAD_KEYS"} {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("error does not name %s:\n%v", v, err)
		}
	}
}

func TestMigrateNeedsOnlyTheDatabase(t *testing.T) {
	s, err := LoadSettings(
		config.FromMap(map[string]string{"DATABASE_URL": "postgres://u@h:5/db"}),
		"case",
		Needs{DB: true},
	)
	if err != nil || s.DatabaseURL == "" {
		t.Fatalf("migrate settings: %+v, %v", s, err)
	}
}

func TestRunRejectsUnknownSubcommands(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), Definition{Name: "case"}, []string{"serve-all"}, &out); err == nil ||
		!strings.Contains(out.String(), "unknown subcommand") {
		t.Errorf("got %v, %q", err, out.String())
	}
	out.Reset()
	if err := Run(context.Background(), Definition{Name: "case"}, nil, &out); err == nil ||
		!strings.Contains(out.String(), "usage") {
		t.Errorf("got %v, %q", err, out.String())
	}
}

func TestRunRunsAServicesOwnCommands(t *testing.T) {
	var got []string
	def := Definition{Name: "case", Commands: map[string]Command{
		"reassign": {
			Summary: "move a caseload",
			Run: func(_ context.Context, d *Deps, args []string, _ io.Writer) error {
				got = append(args, d.Settings.Service)
				return nil
			},
		},
	}}
	if err := Run(context.Background(), def, []string{"reassign", "--from", "a"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "--from a case" {
		t.Errorf("the command got %v", got)
	}
	var out bytes.Buffer
	if err := Run(context.Background(), def, nil, &out); !errors.Is(err, errUsage) ||
		!strings.Contains(out.String(), "reassign           move a caseload") {
		t.Errorf("usage does not list the command with its summary: %v %q", err, out.String())
	}
}

// Help needs no settings and succeeds: the service's and each command's, which parses its
// flags before it touches a connection; an unknown subcommand is a usage error.
func TestHelpNeedsNoSettings(t *testing.T) {
	ran := false
	def := Definition{Name: "case", Commands: map[string]Command{
		"reassign": {
			Summary: "move a caseload",
			Needs:   Needs{DB: true},
			Run: func(_ context.Context, d *Deps, args []string, out io.Writer) error {
				fs := flag.NewFlagSet("reassign", flag.ContinueOnError)
				fs.SetOutput(out)
				fs.String("from", "", "the caseworker whose caseload moves")
				if err := fs.Parse(args); err != nil {
					return err
				}
				ran = true
				return nil
			},
		},
	}}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"serve", "--help"}, {"reassign", "--help"}, {"--version"}} {
		if err := Run(context.Background(), def, args, io.Discard); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
	if ran {
		t.Error("reassign --help ran the command")
	}
	if err := Run(context.Background(), def, []string{"no-such"}, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("an unknown subcommand: %v", err)
	}
}
