package cli

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeCollector answers like the collection routes: the definition, and 201 {"id":"N"} for
// each JSON submission with an Idempotency-Key.
func fakeCollector(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v1/surveys/demo":
			io.WriteString(w, `{"code":"demo","title":"Demo","questions":[{"id":"overall","type":"scale","required":true,"min":1,"max":5},
				{"id":"comment","type":"textarea","max_length":2000}],"channels":[{"value":"online","label":"Online"},{"value":"phone","label":"Phone"}]}`)
		case r.URL.Path == "/s/demo" && r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") != "":
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"id":"%d"}`, n.Add(1))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestLoadtestCommand(t *testing.T) {
	srv, stored := fakeCollector(t)
	ids := filepath.Join(t.TempDir(), "ids.txt")
	code, out, errs := run(t, nil, "loadtest", "--url", srv.URL, "--survey", "demo", "--duration", "300ms", "--warmup", "100ms",
		"--connections", "2", "--baseline", "--ids", ids)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	for _, want := range []string{"Bare handler", "Server", "p99", "ratio ", "of bare handler", "acknowledged ids written"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(ids)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(b))
	if int64(len(lines)) != stored.Load() || len(lines) == 0 {
		t.Fatalf("%d ids written, the server stored %d", len(lines), stored.Load())
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if _, err := strconv.ParseInt(l, 10, 64); err != nil || seen[l] {
			t.Fatalf("id %q not a number or repeated", l)
		}
		seen[l] = true
	}
}

func TestLoadtestCommandErrors(t *testing.T) {
	srv, _ := fakeCollector(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--url", srv.URL}, 1, "--survey"},
		{[]string{"--url", "localhost:8080", "--survey", "demo"}, 1, "not a server address"},
		{[]string{"--url", srv.URL, "--survey", "demo", "--form", "--page"}, 1, "choose one of --form and --page"},
		{[]string{"--url", srv.URL, "--survey", "demo", "--connections", "0"}, 1, "connections must be"},
		{[]string{"--url", srv.URL, "--survey", "demo", "--duration", "0s"}, 1, "duration must be positive"},
		{[]string{"--url", srv.URL, "--survey", "demo", "--page", "--ids", "x"}, 1, "--ids is for submissions"},
		{[]string{"--url", srv.URL, "--survey", "demo", "--duration", "soon"}, 2, "invalid value"},
		{[]string{"--url", srv.URL, "--survey", "nosuch"}, 1, `no open survey "nosuch"`},
		{[]string{"--url", down, "--survey", "demo"}, 1, "is the server running?"},
	} {
		code, out, errs := run(t, nil, append([]string{"loadtest"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q (stdout %q); want exit %d and %q", c.args, code, errs, out, c.code, c.want)
		}
	}
}
