package ingest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/google/uuid"
)

// Command is `identification ingest`: load extract files without the API, for analysts and
// for `make up`'s demo data. Each file loads whole or not at all; a file loaded before is
// skipped. It exits non-zero when a file could not be loaded (rejected rows are not that:
// they are in the file's report).
func Command(ctx context.Context, s Store, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(out)
	feed := fs.String(
		"feed",
		"",
		"the feed of every file (default: from each file's name, e.g. school_census-2016-10.csv)",
	)
	asOf := fs.String("as-of", "", "the extracts' date, YYYY-MM-DD (dates of birth after it are reported as unknown)")
	loadedBy := fs.String("loaded-by", currentUser(), "who loads the files, recorded with each upload")
	parallel := fs.Int("parallel", 2, "how many files load at once (each in its own transaction)")
	fs.Usage = func() {
		fmt.Fprintln(
			out,
			"usage: identification ingest [--feed FEED] [--as-of YYYY-MM-DD] [--loaded-by NAME] FILE.csv|FILE.jsonl ...",
		)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("no files given")
	}
	// Files load side by side (Postgres works on one while this process reads the next);
	// each file's report is printed as it finishes, with how many of the files are done, and a
	// summary at the end.
	paths := fs.Args()
	errs := make([]error, len(paths))
	next := make(chan int)
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for w := 0; w < max(1, *parallel); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var report strings.Builder
				errs[i] = ingestFile(ctx, s, paths[i], *feed, *asOf, *loadedBy, &report)
				mu.Lock()
				done++
				if report.Len() > 0 {
					fmt.Fprintf(out, "[%d/%d] %s", done, len(paths), report.String())
				}
				if errs[i] != nil {
					fmt.Fprintf(out, "[%d/%d] %s: not loaded: %v\n", done, len(paths), filepath.Base(paths[i]), errs[i])
				}
				mu.Unlock()
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	fmt.Fprintf(out, "%d files: %d loaded or already loaded, %d not loaded\n", len(paths), len(paths)-failed, failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d files not loaded", failed, fs.NArg())
	}
	return nil
}

func ingestFile(ctx context.Context, s Store, path, feed, asOf, loadedBy string, out io.Writer) error {
	name := filepath.Base(path)
	if feed == "" {
		feed = FeedOfFile(name)
		if feed == "" {
			return errors.New("the file's name does not start with a feed's name; give --feed")
		}
	}
	format := extracts.CSV
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		format = extracts.JSONLines
	case ".csv":
	default:
		return errors.New("the file's name must end in .csv, .jsonl or .ndjson")
	}
	f, err := os.Open(path) // #nosec G304 -- the analyst names the files to load
	if err != nil {
		return err
	}
	defer f.Close()
	// A file loaded before is found by its digest first, so it is not streamed again.
	sum, err := Digest(f)
	if err != nil {
		return err
	}
	if up, err := s.ByContent(ctx, feed, sum); err == nil {
		fmt.Fprintf(out, "%s: already loaded as upload %s on %s\n", name, up.ID, up.LoadedAt.Format("2006-01-02 15:04"))
		return nil
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	up, already, err := s.Load(ctx, f, Meta{Feed: feed, Format: format, FileName: name, AsOf: asOf, LoadedBy: loadedBy})
	if err != nil {
		return err
	}
	if already {
		fmt.Fprintf(out, "%s: already loaded as upload %s\n", name, up.ID)
		return nil
	}
	fmt.Fprintf(
		out,
		"%s: loaded as upload %s (%s): %d rows, %d accepted, %d rejected, %d person fields unknown, %d columns ignored\n",
		name,
		up.ID,
		feed,
		up.RowsRead,
		up.RowsAccepted,
		up.RowsRejected,
		up.UnknownValues,
		up.IgnoredColumns,
	)
	return nil
}

// FeedOfFile is the feed a file's name starts with ("" when none): the longest match, so
// that a file of one feed is never taken for a feed whose name starts its own.
func FeedOfFile(name string) string {
	best := ""
	for _, f := range extracts.Feeds() {
		if strings.HasPrefix(strings.ToLower(name), f.Name) && len(f.Name) > len(best) {
			best = f.Name
		}
	}
	return best
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// ReportCommand is `identification upload-report ID`: an upload's report as CSV on stdout.
func ReportCommand(ctx context.Context, s Store, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("upload-report", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintln(
			fs.Output(),
			"usage: identification upload-report UPLOAD_ID\n\nWrites the upload's report (every rejected row and unknown field, never a value) as CSV on standard output.",
		)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: identification upload-report UPLOAD_ID")
	}
	id, err := uuid.Parse(fs.Arg(0))
	if err != nil {
		return errors.New("the upload id must be a UUID")
	}
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	return WriteReport(ctx, s, id, stdout)
}
