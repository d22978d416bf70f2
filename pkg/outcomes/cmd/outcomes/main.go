// Command outcomes checks Outcomes Plan files and explains the engine's judgement of a
// family, for analysts and tests.
//
//	outcomes check [--plans DIR]                     check the shipped plans and those in DIR
//	outcomes check FILE...                           check plan files
//	outcomes list [--plans DIR]                      list every plan version and its hash
//	outcomes explain --plan ID[@VERSION] --at DATE [--plans DIR] [--json] FAMILY.json|-
//
// The family JSON format and the judgement JSON format are documented in docs/outcomes.md.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "outcomes:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  outcomes check [--plans DIR] [FILE...]
  outcomes list [--plans DIR]
  outcomes explain --plan ID[@VERSION] --at DATE [--plans DIR] [--json] FAMILY.json|-`

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("plans", os.Getenv("FAMILYPATH_PLANS_DIR"), "folder of mounted plan files")
	planRef := fs.String("plan", "", "plan id, optionally @version (default: latest)")
	at := fs.String("at", "", "moment of judgement: YYYY-MM-DD or RFC 3339")
	asJSON := fs.Bool("json", false, "write the judgement as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%v\n%s", err, usage)
	}
	switch args[0] {
	case "check":
		return check(*dir, fs.Args(), stdout)
	case "list":
		ps, err := outcomes.LoadWithFolder(plans.FS, *dir)
		if err != nil {
			return err
		}
		for _, p := range ps.All() {
			fmt.Fprintf(stdout, "%s\t%d\t%s\t%s\n", p.ID, p.Version, p.Hash, p.Title)
		}
		return nil
	case "explain":
		return explain(*dir, *planRef, *at, *asJSON, fs.Args(), stdin, stdout)
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

func check(dir string, files []string, stdout io.Writer) error {
	if len(files) == 0 {
		ps, err := outcomes.LoadWithFolder(plans.FS, dir)
		if err != nil {
			return err
		}
		for _, p := range ps.All() {
			fmt.Fprintf(stdout, "ok %s@%d %s\n", p.ID, p.Version, p.Hash)
		}
		return nil
	}
	var failed []string
	for _, f := range files {
		data, err := os.ReadFile(f) // #nosec G304 G703 -- the user names the plan files to check
		if err != nil {
			return err
		}
		p, err := outcomes.Parse(filepath.Clean(f), data)
		if err != nil {
			fmt.Fprintln(stdout, err)
			failed = append(failed, f)
			continue
		}
		fmt.Fprintf(stdout, "ok %s@%d %s\n", p.ID, p.Version, p.Hash)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d plan files have errors", len(failed), len(files))
	}
	return nil
}

func explain(dir, planRef, at string, asJSON bool, args []string, stdin io.Reader, stdout io.Writer) error {
	if planRef == "" || at == "" || len(args) != 1 {
		return errors.New(usage)
	}
	ps, err := outcomes.LoadWithFolder(plans.FS, dir)
	if err != nil {
		return err
	}
	id, ver, hasVer := strings.Cut(planRef, "@")
	var p *outcomes.Plan
	var ok bool
	if hasVer {
		n, err := strconv.Atoi(ver)
		if err != nil {
			return fmt.Errorf("--plan %s: the version must be a number", planRef)
		}
		p, ok = ps.Get(id, n)
	} else {
		p, ok = ps.Latest(id)
	}
	if !ok {
		return fmt.Errorf("no plan %s (outcomes list shows the plans)", planRef)
	}
	when, err := outcomes.ParseMoment(at)
	if err != nil {
		return fmt.Errorf("--at: %v", err)
	}
	in := stdin
	if args[0] != "-" {
		f, err := os.Open(args[0]) // #nosec G304 G703 -- the user names the facts file
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	dec := json.NewDecoder(in)
	dec.DisallowUnknownFields()
	var fam outcomes.Family
	if err := dec.Decode(&fam); err != nil {
		return fmt.Errorf("family JSON: %v", err)
	}
	j := outcomes.Judge(p, &fam, when)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	return j.WriteText(stdout)
}
