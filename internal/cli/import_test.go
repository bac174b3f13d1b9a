package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func corpus(name string) string { return filepath.Join("..", "commitments", "testdata", "ogp", name) }

func TestImportCommitments(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "ju.db")
	env := map[string]string{"JOINEDUP_DATABASE": dbURL}
	if code, _, errs := run(t, env, "user", "create", "--email", "ana@example.gov.au", "--name", "Ana"); code != 0 {
		t.Fatal(errs)
	}

	// A dry run lists what would change and writes nothing; flags may follow the file.
	code, out, errs := run(t, env, "import", "commitments", corpus("good.csv"), "--dry-run")
	if code != 0 || !strings.Contains(out, "line 5: AU0019 would be created") || !strings.Contains(out, "Dry run of") || !strings.Contains(out, "6 new") {
		t.Fatalf("dry run: %d %q %q", code, out, errs)
	}
	if strings.Contains(errs, "\r") {
		t.Errorf("a progress bar was drawn on a stderr that is not a terminal: %q", errs)
	}
	// The import, then again: nothing changes.
	code, out, errs = run(t, env, "import", "commitments", "--owner", "Treasury", corpus("good.csv"))
	if code != 1 || !strings.Contains(errs, `no organisation is called "Treasury"`) {
		t.Errorf("unknown owner: %d %q", code, errs)
	}
	code, out, errs = run(t, env, "import", "commitments", corpus("good.csv"))
	if code != 0 || !strings.Contains(out, "Imported") || !strings.Contains(out, "6 new") || errs != "" {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	code, out, _ = run(t, env, "import", "commitments", corpus("bom_crlf.csv"))
	if code != 0 || !strings.Contains(out, "6 unchanged") {
		t.Errorf("re-import: %d %q", code, out)
	}
	// Owned by a named organisation (by its name or short name).
	code, out, errs = run(t, env, "import", "commitments", "--owner", "treasury nz", corpus("changed.csv"))
	if code != 0 || !strings.Contains(out, "2 changed") {
		t.Errorf("changed: %d %q %q", code, out, errs)
	}
	// Errors: every bad row with its line; nothing written; exit 1.
	code, out, errs = run(t, env, "import", "commitments", corpus("mixed.csv"))
	if code != 1 || !strings.Contains(errs, "mixed.csv: line 3 (AU0002), Commitment Title:") || !strings.Contains(errs, "line 4 (AU0003)") ||
		!strings.Contains(errs, "nothing was written") || !strings.Contains(out, "Nothing written") {
		t.Errorf("mixed: %d %q %q", code, out, errs)
	}
	code, out, errs = run(t, env, "import", "commitments", "--skip-invalid", corpus("mixed.csv"))
	if code != 0 || !strings.Contains(out, "Imported") || !strings.Contains(out, "2 invalid") || !strings.Contains(errs, "line 3") {
		t.Errorf("skip invalid: %d %q %q", code, out, errs)
	}
	// Standard input.
	data, err := os.ReadFile(corpus("good.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var o, e bytes.Buffer
	if code := RunEnv(context.Background(), []string{"import", "commitments", "-"}, bytes.NewReader(data), &o, &e, func(k string) string { return env[k] }); code != 0 ||
		!strings.Contains(o.String(), "standard input") {
		t.Errorf("stdin: %d %q %q", code, o.String(), e.String())
	}
	// Usage errors.
	for _, args := range [][]string{{"import"}, {"import", "commitments"}, {"import", "commitments", "a.csv", "b.csv"}, {"import", "commitments", "--bogus", "a.csv"}} {
		if code, _, _ := run(t, env, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errs := run(t, env, "import", "plans", "x.csv"); code != 1 || !strings.Contains(errs, "nothing called") {
		t.Errorf("import plans: %d %q", code, errs)
	}
	if code, _, errs := run(t, env, "import", "commitments", "/no/such/file.csv"); code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing file: %d %q", code, errs)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 10000: "10,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
