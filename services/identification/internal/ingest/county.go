package ingest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/synthetic/county"
)

// CountyCommand is `identification county`: write a synthetic county's extracts and ground
// truth into a folder, for demos, tests and benchmarks (docs/synthetic-county.md).
func CountyCommand(_ context.Context, plans func() (*outcomes.Plans, error), args []string, out io.Writer) error {
	fs := flag.NewFlagSet("county", flag.ContinueOnError)
	fs.SetOutput(out)
	dir := fs.String("out", "", "the folder to write the extracts and truth/ into (required)")
	households := fs.Int("households", 500, "how many households (about 5 extract rows each)")
	seed := fs.Uint64("seed", 1, "the seed: the same seed and size always write the same files")
	reference := fs.String("reference", "2016-10-01", "the date the truth is judged at")
	format := fs.String("format", "csv", "csv or jsonl")
	share := fs.Float64("multi-problem-share", 0.10, "the share of households planted with two or more problems")
	clean := fs.Bool("clean", false, "no agency errors: every row carries its person exactly")
	planID := fs.String(
		"plan",
		county.PlanID,
		"the Outcomes Plan the truth is judged under (its school terms must reach three before --reference)",
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *households < 1 || (*format != "csv" && *format != "jsonl") || *share <= 0 || *share > 1 {
		fs.Usage()
		return errors.New(
			"give --out, a positive --households, --format csv or jsonl, and a --multi-problem-share in (0, 1]",
		)
	}
	ps, err := plans()
	if err != nil {
		return err
	}
	plan, ok := ps.Latest(*planID)
	if !ok {
		return fmt.Errorf("no published plan %s", *planID)
	}
	start := time.Now()
	s, err := county.WriteFiles(*dir, extracts.Format(*format), county.Config{Seed: *seed, Households: *households,
		Reference: *reference, MultiProblemShare: *share, Clean: *clean, Plan: plan})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "county written to %s in %s: %d households, %d people, %d eligible at %s, %d rows\n",
		*dir, time.Since(start).Round(time.Millisecond), s.Households, s.People, s.Eligible, *reference, s.TotalRows())
	for _, f := range extracts.Feeds() {
		fmt.Fprintf(out, "  %-16s %9d rows\n", f.Name, s.Rows[f.Name])
	}
	return nil
}
