package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/joinedup/joinedup/internal/app"
	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/maturity"
	"github.com/joinedup/joinedup/internal/platform/authz"
)

const importFrameworkSynopsis = "import framework FILE.yaml|FILE.json [--database …]"

// importFramework loads a self-assessment framework pack. Problems are printed one a line as
// FILE:LINE: path: problem, and the command exits 1; nothing is written then.
func importFramework(ctx context.Context, e *cmdEnv, args []string) error {
	f := newFlags(e, "import framework", importFrameworkSynopsis)
	dsn := f.database()
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
		fmt.Fprintf(e.stderr, "joinedup import framework: give one pack file (got %d)\nUsage: joinedup %s\n", len(files), importFrameworkSynopsis)
		return errUsage
	}
	name := files[0]
	var data []byte
	var err error
	if name == "-" {
		name = "standard input"
		data, err = io.ReadAll(io.LimitReader(e.stdin, maturity.MaxPackBytes+1))
	} else {
		var fh *os.File
		if fh, err = os.Open(name); err != nil {
			return err
		}
		defer fh.Close()
		data, err = io.ReadAll(io.LimitReader(fh, maturity.MaxPackBytes+1))
		name = filepath.Base(name)
	}
	if err != nil {
		return err
	}
	// Refuse a broken file before touching the database.
	if _, err := maturity.ParsePack(name, data); err != nil {
		return printPackErrors(e, err)
	}
	d, err := app.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := maturity.NewService(d, directory.NewService(d))
	res, err := svc.Import(authz.With(ctx, authz.System), name, data)
	if err != nil {
		return printPackErrors(e, err)
	}
	fw := res.Framework
	if res.AlreadyLoaded {
		fmt.Fprintf(e.stdout, "Already loaded, nothing changed: %s version %s (%d items), framework %d.\n", fw.Key, fw.Version, len(fw.Pack.Items()), fw.ID)
		return nil
	}
	fmt.Fprintf(e.stdout, "Loaded %s version %s: %d items in %d dimensions, framework %d (%s).\n",
		fw.Key, fw.Version, len(fw.Pack.Items()), len(fw.Pack.Dimensions), fw.ID, fw.Title)
	return nil
}

// printPackErrors prints a refused pack's problems one a line; other errors pass through.
func printPackErrors(e *cmdEnv, err error) error {
	pe, ok := maturity.AsPackErrors(err)
	if !ok {
		return err
	}
	for _, p := range pe {
		fmt.Fprintln(e.stderr, p.Error())
	}
	return fmt.Errorf("the pack was not loaded: %d %s", len(pe), map[bool]string{true: "problem", false: "problems"}[len(pe) == 1])
}
