package batch

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
	"github.com/familypath/familypath/services/identification/internal/matching"
)

// Command is `identification batch`: identify a folder of extracts without the stack.
func Command(_ context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(out)
	in := fs.String("in", "", "the folder of extract files, each named after its feed (required)")
	dest := fs.String(
		"out",
		"",
		"the folder to write people.csv, families.csv, review.csv and rejected.csv into (required)",
	)
	planID := fs.String("plan", "lancashire-phase2", "the Outcomes Plan to judge under (its latest version)")
	date := fs.String("date", "", "the reference date, YYYY-MM-DD (required)")
	decisions := fs.String(
		"decisions",
		"",
		"a review.csv whose decision column a reviewer filled (same or different), remembered in this run",
	)
	plansDir := fs.String(
		"plans-dir",
		os.Getenv("FAMILYPATH_PLANS_DIR"),
		"a folder of published plan versions beside the built-in ones",
	)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (for `go tool pprof`)")
	memoryLimit := fs.Int64(
		"memory-limit",
		3072,
		"a soft limit on the heap in MiB, which the garbage collector works to keep under (0: none; GOMEMLIMIT, when set, wins)",
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *memoryLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		// Without it the heap grows to twice what is live before it is collected: a county's
		// millions of rows would need half as much memory again as they hold.
		debug.SetMemoryLimit(*memoryLimit << 20)
	}
	if *cpuProfile != "" {
		stop, err := profileCPU(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	at, err := outcomes.ParseMoment(*date)
	if *in == "" || *dest == "" || err != nil {
		fs.Usage()
		return errors.New("give --in, --out and --date YYYY-MM-DD")
	}
	ps, err := outcomes.LoadWithFolder(plans.FS, *plansDir)
	if err != nil {
		return err
	}
	plan, ok := ps.Latest(*planID)
	if !ok {
		return fmt.Errorf("no published plan %s", *planID)
	}
	var settings matching.Settings
	if *decisions != "" {
		if settings.Decisions, err = ReadDecisions(*decisions); err != nil {
			return err
		}
	}
	start := time.Now()
	o, err := Run(*in, plan, at, settings, out)
	if err != nil {
		return err
	}
	writing := time.Now()
	if err := o.Write(*dest); err != nil {
		return err
	}
	o.Timings = append(o.Timings, Timing{"write files", time.Since(writing)})
	eligible, closed := 0, 0
	for _, f := range o.Families {
		if f.Eligibility.Eligible {
			eligible++
			if !f.OpenToService {
				closed++
			}
		}
	}
	rejected := 0
	for _, f := range o.Files {
		rejected += f.Counts.Rejected
	}
	fmt.Fprintf(
		out,
		"%d files, %d rows (%d rejected, in %s): %d people, %d families, %d eligible under %s at %s (%d open to no service), %d pairs to review; written to %s in %s\n",
		len(
			o.Files,
		),
		len(o.Records),
		rejected,
		RejectedFile,
		o.People.Count,
		len(o.Families),
		eligible,
		plan.Key(),
		*date,
		closed,
		len(o.Review),
		*dest,
		time.Since(start).Round(time.Millisecond),
	)
	st := o.People.Stats
	fmt.Fprintf(
		out,
		"linkage: %d distinct records, %d candidate pairs (%.1f a distinct record), match share %.4f, accept above %.1f, review above %.1f, %d links refused\n",
		st.Distinct,
		st.CandidatePairs,
		float64(st.CandidatePairs)/float64(max(1, st.Distinct)),
		st.MatchShare,
		st.AcceptWeight,
		st.ReviewWeight,
		st.Refused,
	)
	if st.GenerationPairs > 0 {
		verdict := "linked: the data shows no parent and child of one name, so the dates are mistyped"
		if st.SameNameGenerations() {
			verdict = "kept for review: the data may hold parents and children of one name"
		}
		fmt.Fprintf(
			out,
			"dates of birth a generation apart: %d pairs above the acceptance weight, %d with both dates given by other records, %s\n",
			st.GenerationPairs,
			st.GenerationsCorroborated,
			verdict,
		)
	}
	for _, t := range o.Timings {
		fmt.Fprintf(out, "  %-24s %8s\n", t.Stage, t.Duration.Round(time.Millisecond))
	}
	return nil
}

// ReadDecisions reads a review file's decisions: its pair_key and decision columns, where
// decision is "same" or "different" (other rows are undecided and skipped).
func ReadDecisions(path string) (map[matching.Pair]bool, error) {
	f, err := os.Open(path) // #nosec G304 -- the analyst names the file
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	keyCol, decisionCol := -1, -1
	for i, h := range header {
		switch strings.TrimSpace(h) {
		case "pair_key":
			keyCol = i
		case "decision":
			decisionCol = i
		}
	}
	if keyCol < 0 || decisionCol < 0 {
		return nil, fmt.Errorf("%s: needs the columns pair_key and decision", path)
	}
	out := map[matching.Pair]bool{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if keyCol >= len(rec) || decisionCol >= len(rec) {
			return nil, fmt.Errorf("%s line %d: too few columns", path, line)
		}
		decision := strings.ToLower(strings.TrimSpace(rec[decisionCol]))
		if decision == "" {
			continue
		}
		pair, ok := parsePairKey(rec[keyCol])
		if !ok || (decision != "same" && decision != "different") {
			return nil, fmt.Errorf(
				"%s line %d: want a pair_key as written and a decision of same or different",
				path,
				line,
			)
		}
		out[pair] = decision == "same"
	}
}

// pairKey writes a pair as the review file shows it; parsePairKey reads it back.
func pairKey(p matching.Pair) string {
	return hex.EncodeToString(p[0][:]) + "-" + hex.EncodeToString(p[1][:])
}

func parsePairKey(s string) (matching.Pair, bool) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	var ka, kb matching.Key
	da, errA := hex.DecodeString(a)
	db, errB := hex.DecodeString(b)
	if !ok || errA != nil || errB != nil || len(da) != len(ka) || len(db) != len(kb) {
		return matching.Pair{}, false
	}
	copy(ka[:], da)
	copy(kb[:], db)
	return matching.PairOf(ka, kb), true
}

// profileCPU starts a CPU profile into path; the answer stops it.
func profileCPU(path string) (func(), error) {
	f, err := os.Create(path) // #nosec G304 -- the analyst names the file
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}
