// Package cli holds the subcommands of the joinedup binary. Each reads its flags, with
// JOINEDUP_* environment variables as defaults, so the same settings work from a shell, a
// container or a service manager.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/joinedup/joinedup/internal/app"
)

// Env reads JOINEDUP_<NAME>.
type Env func(string) string

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cmdEnv, args []string) error
}

type cmdEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// errUsage is returned after flag errors (already printed).
var errUsage = errors.New("usage")

func commands() []command {
	return []command{
		{"serve", "run the web server", cmdServe},
		{"migrate", "apply database migrations (up) or list them (status)", cmdMigrate},
		{"demo", "load the demo data into an empty database", cmdDemo},
		{"user", "manage accounts: user create --email E --name N [--admin] [--password-file F]", cmdUser},
		{"token", "API tokens: token create --email E", cmdToken},
		{"import", "import data: import commitments FILE.csv [--dry-run] [--skip-invalid] [--owner ORG] | import framework FILE.yaml", cmdImport},
		{"backup", "write a consistent snapshot of the SQLite database: backup --out FILE", cmdBackup},
		{"digest", "email each community member what is new in their communities: digest --base-url URL [--smtp …]", cmdDigest},
		{"loadtest", "load a running server with survey submissions: loadtest --url URL --survey CODE [--baseline] [--form|--page]", cmdLoadtest},
		{"version", "print the version", func(ctx context.Context, e *cmdEnv, args []string) error {
			fmt.Fprintln(e.stdout, "joinedup", app.Version)
			return nil
		}},
	}
}

// Run runs the command line args and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return RunEnv(ctx, args, stdin, stdout, stderr, os.Getenv)
}

// RunEnv is Run with an explicit environment (for tests).
func RunEnv(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &cmdEnv{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			}
			fmt.Fprintln(stderr, "joinedup "+c.name+":", err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "joinedup: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Joined Up: public services working with the people and places they serve.")
	fmt.Fprintln(w, "\nUsage: joinedup COMMAND [flags]   (joinedup COMMAND --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set with an environment variable: --database is JOINEDUP_DATABASE, --addr is JOINEDUP_ADDR, and so on.")
}

// flags makes a FlagSet whose defaults come from JOINEDUP_* variables.
type flags struct {
	*flag.FlagSet
	env *cmdEnv
}

func newFlags(e *cmdEnv, name, synopsis string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: joinedup %s\n\nFlags (each also read from the environment variable shown):\n", synopsis)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return &flags{FlagSet: fs, env: e}
}

func envName(flagName string) string {
	return "JOINEDUP_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *flags) String(name, def, usage string) *string {
	if v := f.env.getenv(envName(name)); v != "" {
		def = v
	}
	return f.FlagSet.String(name, def, usage+" ["+envName(name)+"]")
}

func (f *flags) Bool(name string, def bool, usage string) *bool {
	if v := f.env.getenv(envName(name)); v != "" {
		def = v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "yes")
	}
	return f.FlagSet.Bool(name, def, usage+" ["+envName(name)+"]")
}

func (f *flags) Int(name string, def int, usage string) *int {
	if v := f.env.getenv(envName(name)); v != "" {
		fmt.Sscanf(v, "%d", &def)
	}
	return f.FlagSet.Int(name, def, usage+" ["+envName(name)+"]")
}

func (f *flags) database() *string {
	return f.String("database", "sqlite:joinedup.db", "the database: sqlite:PATH, or postgres://user:pass@host/db")
}

func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if f.NArg() > 0 {
		fmt.Fprintf(f.env.stderr, "joinedup %s: unexpected argument %q\n", f.Name(), f.Arg(0))
		return errUsage
	}
	return nil
}

func logger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
