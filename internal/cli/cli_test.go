package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := RunEnv(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestHelpForEveryCommand(t *testing.T) {
	code, out, _ := run(t, nil, "help")
	if code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "backup") {
		t.Fatalf("help: %d %q", code, out)
	}
	for _, c := range commands() {
		args := []string{c.name, "--help"}
		if c.name == "user" || c.name == "token" {
			args = []string{c.name, "create", "--help"}
		}
		code, out, errs := run(t, nil, args...)
		if code != 0 || !strings.Contains(out, "Usage") && c.name != "version" {
			t.Errorf("%v: exit %d, out %q, err %q", args, code, out, errs)
		}
	}
	if code, _, errs := run(t, nil, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errs)
	}
	if code, _, _ := run(t, nil, "serve", "--no-such-flag"); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}

func TestUserTokenBackupMigrate(t *testing.T) {
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "ju.db")
	env := map[string]string{"JOINEDUP_DATABASE": dbURL} // read from the environment

	code, out, errs := run(t, env, "user", "create", "--email", "ana@example.gov.au", "--name", "Ana Smith", "--admin")
	if code != 0 || !regexp.MustCompile(`Password \(shown only now\): \S{20,}`).MatchString(out) {
		t.Fatalf("user create: %d %q %q", code, out, errs)
	}
	// The same email again is refused with a clear message.
	code, _, errs = run(t, env, "user", "create", "--email", "ANA@example.gov.au", "--name", "Ana")
	if code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("duplicate user: %d %q", code, errs)
	}
	// A password from a file; too short is refused.
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("short\n"), 0o600)
	code, _, errs = run(t, env, "user", "create", "--email", "bo@example.gov.au", "--name", "Bo", "--password-file", pw)
	if code != 1 || !strings.Contains(errs, "12 characters") {
		t.Fatalf("short password: %d %q", code, errs)
	}
	code, _, errs = run(t, env, "user", "create", "--email", "not-an-email", "--name", "X")
	if code != 1 || !strings.Contains(errs, "email") {
		t.Fatalf("bad email: %d %q", code, errs)
	}

	code, out, errs = run(t, env, "token", "create", "--email", "ana@example.gov.au")
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "ju_") {
		t.Fatalf("token create: %d %q %q", code, out, errs)
	}
	if code, _, errs = run(t, env, "token", "create", "--email", "nobody@example.gov.au"); code != 1 || !strings.Contains(errs, "no account") {
		t.Fatalf("token for unknown: %d %q", code, errs)
	}

	code, out, _ = run(t, env, "migrate", "status")
	if code != 0 || !strings.Contains(out, "00001_platform.sql") || strings.Contains(out, "pending") {
		t.Fatalf("migrate status: %d %q", code, out)
	}
	if code, out, _ = run(t, env, "migrate"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate up: %d %q", code, out)
	}

	backup := filepath.Join(dir, "backup.db")
	if code, out, errs = run(t, env, "backup", "--out", backup); code != 0 {
		t.Fatalf("backup: %d %q %q", code, out, errs)
	}
	// The backup is a working database holding the account.
	code, _, errs = run(t, map[string]string{"JOINEDUP_DATABASE": "sqlite:" + backup}, "user", "create", "--email", "ana@example.gov.au", "--name", "Ana")
	if code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("backup lacks the account: %d %q", code, errs)
	}
	if code, _, errs = run(t, env, "backup", "--out", backup); code != 1 || !strings.Contains(errs, "exists") {
		t.Fatalf("backup over an existing file: %d %q", code, errs)
	}
}

func TestDemoTwice(t *testing.T) {
	env := map[string]string{"JOINEDUP_DATABASE": "sqlite:" + filepath.Join(t.TempDir(), "demo.db")}
	code, out, errs := run(t, env, "demo")
	if code != 0 || !strings.Contains(out, "admin@demo.joinedup.example") || !strings.Contains(out, "password:") {
		t.Fatalf("demo: %d %q %q", code, out, errs)
	}
	if code, _, errs = run(t, env, "demo"); code != 1 || !strings.Contains(errs, "already holds data") {
		t.Fatalf("second demo: %d %q", code, errs)
	}
}

// TestServeGracefulShutdown starts the server, makes a request, and stops it with SIGTERM's
// context cancellation.
func TestServeGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	env := map[string]string{"JOINEDUP_DATABASE": "sqlite:" + filepath.Join(t.TempDir(), "s.db"), "JOINEDUP_ADDR": "127.0.0.1:0"}
	go func() {
		done <- RunEnv(ctx, []string{"serve"}, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	}()
	re := regexp.MustCompile(`serving at (http://\S+) `)
	var base string
	for i := 0; i < 100 && base == ""; i++ {
		time.Sleep(50 * time.Millisecond)
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not start: %q %q", out.String(), errb.String())
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop")
	}
}
