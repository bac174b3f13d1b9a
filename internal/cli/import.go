package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/app"
	"github.com/joinedup/joinedup/internal/commitments"
	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

const importSynopsis = "import commitments FILE.csv [--dry-run] [--skip-invalid] [--owner \"Organisation name\"] [--database …]"

func cmdImport(ctx context.Context, e *cmdEnv, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		fmt.Fprintln(w, "Usage: joinedup "+importSynopsis+"\n       joinedup "+importFrameworkSynopsis)
		fmt.Fprintln(w, "\nImports the OGP commitment spreadsheet saved as CSV, or a self-assessment framework pack (FILE - reads standard input). joinedup import commitments --help lists the flags.")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "commitments":
		return importCommitments(ctx, e, args[1:])
	case "framework":
		return importFramework(ctx, e, args[1:])
	}
	return fmt.Errorf("nothing called %q to import: use joinedup %s", args[0], importSynopsis)
}

func importCommitments(ctx context.Context, e *cmdEnv, args []string) error {
	f := newFlags(e, "import commitments", importSynopsis)
	dryRun := f.Bool("dry-run", false, "report what would change, and change nothing")
	skip := f.Bool("skip-invalid", false, "import the valid rows even when some rows have errors (without it, any error means nothing is written)")
	owner := f.String("owner", "", "name (or short name) of the organisation that owns the plans the import creates (default: the lead institution of each new plan's first row)")
	dsn := f.database()
	// Flags may come before or after the file.
	var files []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		if f.NArg() == 0 {
			break
		}
		files = append(files, f.Arg(0))
		args = f.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintf(e.stderr, "joinedup import commitments: give one CSV file (got %d)\nUsage: joinedup %s\n", len(files), importSynopsis)
		return errUsage
	}
	var in io.Reader
	name := files[0]
	if name == "-" {
		in, name = e.stdin, "standard input"
	} else {
		fh, err := os.Open(name)
		if err != nil {
			return err
		}
		defer fh.Close()
		in = fh
	}
	d, err := app.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	return runImport(authz.With(ctx, authz.System), e, d, in, name, *owner, *dryRun, *skip)
}

func runImport(ctx context.Context, e *cmdEnv, d *db.DB, in io.Reader, name, owner string, dryRun, skip bool) error {
	dir := directory.NewService(d)
	svc := commitments.NewService(d, dir)
	opts := commitments.ImportOptions{DryRun: dryRun, SkipInvalid: skip}
	if owner != "" {
		o, err := dir.Store.OrgByName(ctx, d, owner)
		if errors.Is(err, db.ErrNotFound) {
			return fmt.Errorf("no organisation is called %q: give the name or short name of one in the directory", owner)
		} else if err != nil {
			return err
		}
		opts.OwnerID = o.ID
	}
	start := time.Now()
	rows, perrs := commitments.ParseOGPCSV(in)
	bar := newProgressBar(e.stderr)
	opts.Progress = bar.update
	res, err := svc.Import(ctx, rows, perrs, opts)
	bar.done()
	if err != nil {
		return err
	}
	for _, re := range res.Errors {
		fmt.Fprintln(e.stderr, name+": "+re.Error())
	}
	if dryRun {
		for _, c := range res.Changes {
			fmt.Fprintf(e.stdout, "line %d: %s would be %sd: %s\n", c.Line, c.Reference, c.Action, c.Detail)
		}
	}
	head := "Imported " + name
	switch {
	case dryRun:
		head = "Dry run of " + name + " (nothing written)"
	case !res.Written:
		head = "Nothing written from " + name
	}
	fmt.Fprintf(e.stdout, "%s: %d rows: %d new, %d changed, %d unchanged, %d invalid; new: %d plans, %d organisations, %d policy areas; %d independent assessments (%s).\n",
		head, res.Rows, res.Created, res.Updated, res.Unchanged, res.Invalid, res.PlansCreated, res.OrganisationsCreated, res.PolicyAreasCreated,
		res.Assessments, time.Since(start).Round(time.Millisecond))
	if res.ReviewsSkipped > 0 {
		fmt.Fprintf(e.stdout, "The review columns of %d rows were not recorded: you may not record independent assessments of those commitments.\n", res.ReviewsSkipped)
	}
	if len(res.Errors) > 0 && !res.Written && !dryRun {
		return fmt.Errorf("%d rows have errors, so nothing was written: correct them, or pass --skip-invalid to import the valid rows", res.Invalid)
	}
	if len(res.Errors) > 0 && dryRun && !skip {
		return fmt.Errorf("%d rows have errors: the import would write nothing unless given --skip-invalid", res.Invalid)
	}
	return nil
}

// progressBar draws "[=====>    ] 4,500/10,000 45% 1,520 rows/s ETA 4s" on a terminal,
// redrawn at most ten times a second; on anything else it draws nothing.
type progressBar struct {
	w     io.Writer
	on    bool
	first time.Time // the first row done: the rate is measured from it
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.on = true
		}
	}
	return b
}

func (b *progressBar) update(done, total int) {
	if !b.on || total == 0 {
		return
	}
	now := time.Now()
	if b.first.IsZero() {
		b.first, b.last = now, now
	}
	if now.Sub(b.last) < 100*time.Millisecond && done < total {
		return
	}
	b.last = now
	const width = 30
	filled := width * done / total
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	elapsed := now.Sub(b.first).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done-1) / elapsed
	}
	eta := "?"
	if rate > 0 {
		eta = time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	fmt.Fprintf(b.w, "\r[%s] %s/%s %3d%% %s rows/s ETA %s  ", bar, thousands(done), thousands(total), 100*done/total, thousands(int(rate)), eta)
	b.drawn = true
}

// done clears the bar's line.
func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}

// thousands writes n with comma separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
