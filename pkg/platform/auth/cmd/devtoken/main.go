// Command devtoken is the development OIDC issuer of `make up` and `make token`: it makes a
// signing key in the stack's folder and mints access tokens for any role. Never for
// production, where tokens come from the council's identity provider.
//
//	devtoken init -dir .run/oidc                 make the key (once); print the OIDC_* settings
//	devtoken mint -dir .run/oidc -role caseworker [-role ...] [-sub NAME] [-team T] [-agency A] [-ttl 8h]
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "devtoken:", err)
		os.Exit(1)
	}
}

type roles []string

func (r *roles) String() string     { return strings.Join(*r, ",") }
func (r *roles) Set(v string) error { *r = append(*r, strings.Split(v, ",")...); return nil }

func run(args []string) error {
	if len(args) < 1 || (args[0] != "init" && args[0] != "mint") {
		return fmt.Errorf("usage: devtoken init|mint -dir DIR [mint flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	dir := fs.String("dir", ".run/oidc", "the development issuer's folder")
	var rs roles
	fs.Var(&rs, "role", "a role (repeat, or comma-separate): "+strings.Join(auth.Roles, ", "))
	sub := fs.String("sub", "", "the user (default: dev.<first role>)")
	team := fs.String("team", "", "the user's team")
	agency := fs.String("agency", "", "the user's agency")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token lasts")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	d, err := auth.OpenDevIssuer(*dir)
	if err != nil {
		return err
	}
	if args[0] == "init" {
		c := d.Config()
		fmt.Printf("OIDC_ISSUER=%s\nOIDC_AUDIENCE=%s\nOIDC_JWKS_URL=%s\n", c.Issuer, c.Audience, c.JWKSURL)
		return nil
	}
	if len(rs) == 0 {
		return fmt.Errorf("give -role (one of %s)", strings.Join(auth.Roles, ", "))
	}
	for _, r := range rs {
		if !slices.Contains(auth.Roles, r) {
			return fmt.Errorf("unknown role %q (want one of %s)", r, strings.Join(auth.Roles, ", "))
		}
	}
	if *sub == "" {
		*sub = "dev." + rs[0]
	}
	token, err := d.Mint(auth.Principal{Subject: *sub, Roles: rs, Team: *team, Agency: *agency}, *ttl)
	if err != nil {
		return err
	}
	fmt.Println(token)
	return nil
}
