package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportFramework(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "ju.db")
	pack := filepath.Join("..", "maturity", "testdata", "packs", "good_nested.yaml")

	code, out, errs := run(t, nil, "import", "framework", pack, "--database", db)
	if code != 0 || out != "Loaded nested-example version 2.1.0-beta: 4 items in 2 dimensions, framework 1 (Nested example).\n" {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	code, out, errs = run(t, nil, "import", "framework", "--database", db, pack)
	if code != 0 || !strings.HasPrefix(out, "Already loaded, nothing changed: nested-example version 2.1.0-beta (4 items)") {
		t.Fatalf("again: %d %q %q", code, out, errs)
	}

	// A broken file: each problem with file and line, exit 1, nothing written.
	broken := filepath.Join(dir, "broken.yaml")
	data, err := os.ReadFile(filepath.Join("..", "maturity", "testdata", "packs", "bad_answer_set_ref.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(broken, data, 0o644)
	code, out, errs = run(t, nil, "import", "framework", broken, "--database", db)
	if code != 1 || out != "" || !strings.HasPrefix(errs, `broken.yaml:22: dimensions[0].items[0].answer_set: "five" is not an answer set of this pack`+"\n") ||
		!strings.Contains(errs, "the pack was not loaded: 1 problem") {
		t.Fatalf("broken: %d %q %q", code, out, errs)
	}

	// The same version with changed content is refused at the version line.
	changed := filepath.Join(dir, "changed.yaml")
	orig, _ := os.ReadFile(pack)
	os.WriteFile(changed, []byte(strings.Replace(string(orig), "Staff are trained.", "Staff are well trained.", 1)), 0o644)
	code, _, errs = run(t, nil, "import", "framework", changed, "--database", db)
	if code != 1 || !strings.HasPrefix(errs, "changed.yaml:2: version: version 2.1.0-beta of \"nested-example\" is already loaded with different content") {
		t.Fatalf("changed: %d %q", code, errs)
	}

	if code, _, errs := run(t, nil, "import", "framework", "--database", db); code != 2 || !strings.Contains(errs, "give one pack file") {
		t.Fatalf("no file: %d %q", code, errs)
	}
	if code, _, errs := run(t, nil, "import", "framework", filepath.Join(dir, "missing.yaml"), "--database", db); code != 1 || !strings.Contains(errs, "no such file") {
		t.Fatalf("missing file: %d %q", code, errs)
	}
	if code, out, _ := run(t, nil, "import", "framework", "--help"); code != 0 || !strings.Contains(out, "import framework FILE") {
		t.Fatalf("help: %d %q", code, out)
	}
}
