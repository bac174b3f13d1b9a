package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// recorder keeps the errors that CheckA11y reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestAxeFindsViolations makes sure the accessibility check can fail: a page with an
// unlabelled input and an image without alternative text must be reported.
func TestAxeFindsViolations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/good" {
			fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Good</h1>
<label for="a">Name</label><input id="a"></main></body></html>`)
			return
		}
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>
<input type="text"><img src="/x.png"></main></body></html>`)
	}))
	defer srv.Close()
	b := New(t, srv.URL)
	rec := &recorder{TB: t}
	b.t = rec
	b.Visit("/bad")
	if len(rec.errs) == 0 || !strings.Contains(strings.Join(rec.errs, "\n"), "label") {
		t.Fatalf("axe did not report the unlabelled input: %v", rec.errs)
	}
	rec.errs = nil
	b.Visit("/good")
	if len(rec.errs) != 0 {
		t.Fatalf("axe reported a good page: %v", rec.errs)
	}
}
