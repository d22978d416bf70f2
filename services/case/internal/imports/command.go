package imports

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
)

// SyntheticCommand writes a mid-programme import file from the synthetic county (everyone in
// it made up), for trying the import contract, the demo, and the end-to-end suite.
func SyntheticCommand(_ context.Context, plans *outcomes.Plans, args []string, report io.Writer) error {
	fs := flag.NewFlagSet("synthetic-import", flag.ContinueOnError)
	fs.SetOutput(report)
	out := fs.String("out", "", "the file to write (required; - for standard output)")
	households := fs.Int("households", 2000, "county households to draw families from (about one in ten is eligible)")
	seed := fs.Uint64("seed", 1, "the seed: the same seed and size always write the same file")
	bad := fs.Float64("bad-share", 0, "the share of families given one planted mistake (the dry run reports each)")
	prefix := fs.String("prefix", "SYN", "the council references' prefix (letters and digits)")
	plan := fs.String(
		"plan",
		"lancashire-phase2",
		"the Outcomes Plan the families are attached under (its latest version)",
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, ok := plans.Latest(*plan)
	if *out == "" || *households < 1 || *bad < 0 || *bad > 1 || !ok || !refPattern.MatchString(*prefix) {
		fs.Usage()
		return errors.New(
			"give --out, a positive --households, a --bad-share in [0, 1], a published --plan and a --prefix of letters and digits",
		)
	}
	w := io.Writer(os.Stdout)
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	start := time.Now()
	planted, err := Synthetic{Households: *households, Seed: *seed, BadShare: *bad, RefPrefix: *prefix}.Write(w, p)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(report, "import file written in %s under %s: %d families with a planted mistake\n",
		time.Since(start).Round(time.Millisecond), p.Key(), len(planted))
	return err
}
