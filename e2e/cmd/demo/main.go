// Command demo takes two made-up families through a whole programme on the running stack
// (`make demo`, after `make up`), printing each step as it happens: identified, allocated,
// assessed and planned, attached (the fee booked), their data refreshed, judged, and one
// claimed, sampled, audited, submitted and paid. The other family's police data never
// arrive past the sustained period, so it is never claimed: no result without evidence.
//
// Every step is a call to the services' APIs, with tokens from the stack's development
// issuer, except running the claim window early, which is an operator's trigger of its
// Temporal Schedule. It runs under the demo plan (plans/demo), whose sustained periods are two
// minutes, and takes the earliest of its claim windows that has not run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

const usage = `usage: demo [-plan ID] [-timeout D]

Takes two made-up families through the demo plan on the running stack (make up first), as
an analyst, a team manager, a caseworker, an auditor and a programme manager would, printing
each step. Reads the stack's settings from the environment (make demo sources .run/stack.env).
Exit 0 when the claimed family is paid; 1 when a step fails (the message says which); 2 for
a usage error.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	plan := fs.String(
		"plan",
		"familypath-demo",
		"the Outcomes Plan the families are taken through (a test plan with minutes-long sustained periods)",
	)
	timeout := fs.Duration("timeout", 8*time.Minute, "give up when the whole story has not finished in this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "demo: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	s, err := connect(ctx, *plan, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		return 1
	}
	defer s.close()
	if err := s.tell(ctx); err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		return 1
	}
	return 0
}
