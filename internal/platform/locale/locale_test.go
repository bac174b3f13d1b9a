package locale

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// TestTemplatesUseKnownKeys: every {{t . "key"}} in the project's templates has an English
// message, so no page shows a bare key.
func TestTemplatesUseKnownKeys(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "..")
	re := regexp.MustCompile(`\{\{-?\s*t\s+[.$][\w.]*\s+"([^"]+)"`)
	n := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			if !c.Has(m[1]) {
				t.Errorf("%s: message key %q is not in catalogues/en.json", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("found only %d message keys in templates: is the pattern right?", n)
	}
}

func TestLookupAndFallback(t *testing.T) {
	c, err := LoadFS(fstest.MapFS{
		"c/en.json": {Data: []byte(`{"hello": "Hello", "count": "%d results"}`)},
		"c/mi.json": {Data: []byte(`{"hello": "Kia ora"}`)},
	}, "c")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"mi", "hello", nil, "Kia ora"},
		{"mi", "count", []any{3}, "3 results"}, // falls back to English
		{"en", "missing", nil, "missing"},      // falls back to the key
	}
	for _, tc := range cases {
		if got := c.T(tc.lang, tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%s, %s) = %q, want %q", tc.lang, tc.key, got, tc.want)
		}
	}
	for accept, want := range map[string]string{"mi-NZ,en;q=0.8": "mi", "fr": "en", "": "en", "EN-au": "en"} {
		if got := c.Match(accept); got != want {
			t.Errorf("Match(%q) = %q, want %q", accept, got, want)
		}
	}
}
