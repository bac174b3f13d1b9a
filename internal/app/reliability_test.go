package app

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/loadtest"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/satisfaction"
)

// TestReliabilityKillAndRestart is the promise of the collection route: an acknowledged
// response is never lost, and a retried one is never stored twice. It builds the real
// binary, serves a survey from a separate process, submits JSON responses from several
// goroutines, SIGKILLs the server after 2,000 acknowledgements, restarts it on the same
// database, retries every request that got no answer with the same Idempotency-Key, and then
// reads the database: every acknowledged id is there with its key, no key or response is
// stored twice, every request sent is stored once, and the running counts equal the rows.
// It runs on SQLite, and on PostgreSQL when JOINEDUP_TEST_POSTGRES is set.
func TestReliabilityKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("reliability test skipped in -short mode: it builds and runs the server")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("reliability test skipped: the go command is not on PATH, so the server binary cannot be built")
	}
	bin := filepath.Join(t.TempDir(), "joinedup")
	build := exec.Command(goBin, "build", "-o", bin, "github.com/joinedup/joinedup/cmd/joinedup")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) {
		killAndRestart(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "reliability.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		killAndRestart(t, bin, freshPostgres(t))
	})
}

// freshPostgres creates an empty PostgreSQL database for this test (dropped after it), as
// dbtest.Postgres does, and returns its address; it skips without JOINEDUP_TEST_POSTGRES.
func freshPostgres(t *testing.T) string {
	base := os.Getenv(dbtest.EnvPostgres)
	if base == "" {
		t.Skip("PostgreSQL reliability test skipped: set " + dbtest.EnvPostgres + " to run it")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "joinedup_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// server is a joinedup serve process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *lockedBuffer
	done chan error
}

// lockedBuffer holds the server's log: written by the process's copier, read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return tail(b.buf.String())
}

func startServer(t *testing.T, bin, dsn string) *server {
	t.Helper()
	// Every request of this test comes from one address, so it names a client of its own in
	// X-Forwarded-For (trusted with --trust-proxy), as many citizens behind a load balancer
	// would: the per-client submission limit does not apply.
	cmd := exec.Command(bin, "serve", "--database", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn", "--trust-proxy")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: logs, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.Index(line, "serving at http://"); i >= 0 {
				addr := strings.Fields(line[i+len("serving at "):])[0]
				select {
				case ready <- addr:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-s.done
		}
	})
	select {
	case s.url = <-ready:
	case err := <-s.done:
		t.Fatalf("the server stopped before serving: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start in 30 s")
	}
	return s
}

// submission is one request: its key and body, sent again as they were when retried.
type submission struct {
	key  string
	body []byte
}

func submit(ctx context.Context, c *http.Client, base, code string, s submission) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/s/"+code, bytes.NewReader(s.body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Idempotency-Key", s.key)
	req.Header.Set("X-Forwarded-For", clientFor(s.key))
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, err
	}
	return resp.StatusCode, loadtest.ParseID(b), nil
}

// clientFor is a client address of its own for each key: 10.x.y.z from the key's hash.
func clientFor(key string) string {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return fmt.Sprintf("10.%d.%d.%d", h>>16&255, h>>8&255, h&255)
}

func killAndRestart(t *testing.T, bin, dsn string) {
	ctx := context.Background()
	const code = "reliability"
	surveyID := createReliabilitySurvey(t, dsn, code)

	srv := startServer(t, bin, dsn)
	c := loadtest.NewClient(16, 10*time.Second)
	defer c.CloseIdleConnections()
	defB, err := getBody(c, srv.url+"/api/v1/surveys/"+code)
	if err != nil {
		t.Fatal(err)
	}
	def, err := loadtest.ParseDefinition(defB)
	if err != nil {
		t.Fatal(err)
	}

	const workers = 16
	const killAfter = 2000
	var (
		mu         sync.Mutex
		acked      = map[string]int64{} // key → id answered with 201
		ackedBody  = map[string][]byte{}
		unanswered []submission // requests with no answer
		unexpected []string
		nAcked     atomic.Int64
		killed     = make(chan struct{})
		wg         sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gen, err := loadtest.NewGenerator(def, uint64(w+1), loadtest.PageForm{})
			if err != nil {
				t.Error(err)
				return
			}
			for i := 0; ; i++ {
				s := submission{key: fmt.Sprintf("rel-%d-%d", w, i), body: gen.AppendJSON(nil)}
				status, id, err := submit(ctx, c, srv.url, code, s)
				mu.Lock()
				switch {
				case err != nil:
					unanswered = append(unanswered, s)
				case status == http.StatusCreated && id > 0:
					acked[s.key] = id
					ackedBody[s.key] = s.body
				default:
					unexpected = append(unexpected, fmt.Sprintf("%s: status %d id %d", s.key, status, id))
				}
				mu.Unlock()
				if err != nil || status != http.StatusCreated {
					return // the server is gone (or misbehaves): stop sending
				}
				if nAcked.Add(1) == killAfter {
					close(killed)
				}
				select {
				case <-killed:
					// Keep sending until the server dies, so that requests are in flight.
				default:
				}
			}
		}()
	}
	select {
	case <-killed:
	case <-time.After(40 * time.Second):
		t.Fatalf("only %d responses acknowledged in 40 s", nAcked.Load())
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	wg.Wait()
	c.CloseIdleConnections()
	if len(unexpected) > 0 {
		t.Fatalf("%d unexpected answers before the kill, first: %s\nserver log:\n%s", len(unexpected), unexpected[0], srv.logs.String())
	}
	t.Logf("killed the server after %d acknowledged responses with %d requests unanswered", len(acked), len(unanswered))

	// Restart on the same database and retry what got no answer, with the same keys.
	srv = startServer(t, bin, dsn)
	retried := map[string]int64{}
	for _, s := range unanswered {
		status, id, err := submit(ctx, c, srv.url, code, s)
		if err != nil || (status != http.StatusCreated && status != http.StatusOK) || id <= 0 {
			t.Fatalf("retry of %s: status %d id %d err %v\n%s", s.key, status, id, err, srv.logs.String())
		}
		retried[s.key] = id
	}
	// A retry of an acknowledged request is answered with the same id and stores nothing.
	for key, id := range acked {
		status, got, err := submit(ctx, c, srv.url, code, submission{key: key, body: ackedBody[key]})
		if err != nil || (status != http.StatusCreated && status != http.StatusOK) || got != id {
			t.Fatalf("replay of acknowledged %s (id %d): status %d id %d err %v", key, id, status, got, err)
		}
		break
	}
	c.CloseIdleConnections()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop within 30 s of SIGTERM")
	}

	// What is on disk.
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	stored := map[string]int64{}
	byID := map[int64]string{}
	rows := 0
	err = db.Each(ctx, d, "SELECT id, COALESCE(idem_key, '') FROM survey_responses WHERE survey_id = ?", []any{surveyID}, func(r *sql.Rows) error {
		var id int64
		var key string
		if err := r.Scan(&id, &key); err != nil {
			return err
		}
		rows++
		if key == "" {
			t.Errorf("response %d stored without its idempotency key", id)
		}
		if prev, dup := stored[key]; dup {
			t.Errorf("key %s stored twice: responses %d and %d", key, prev, id)
		}
		stored[key] = id
		byID[id] = key
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key, id := range acked {
		if byID[id] != key {
			t.Errorf("acknowledged response %d (key %s) is not on disk (found key %q)", id, key, byID[id])
		}
	}
	for key, id := range retried {
		if stored[key] != id {
			t.Errorf("retried %s was answered with id %d, stored as %d", key, id, stored[key])
		}
	}
	if want := len(acked) + len(retried); rows != want {
		t.Errorf("%d responses stored, want %d (%d acknowledged + %d retried)", rows, want, len(acked), len(retried))
	}
	var counted int64
	if err := d.QueryRow(ctx, "SELECT COALESCE(SUM(n), 0) FROM survey_counts WHERE survey_id = ? AND question = ''", surveyID).Scan(&counted); err != nil {
		t.Fatal(err)
	}
	if counted != int64(rows) {
		t.Errorf("running counts say %d responses, the table holds %d", counted, rows)
	}
	if len(acked) < killAfter {
		t.Errorf("only %d acknowledged before the kill", len(acked))
	}
}

// createReliabilitySurvey migrates the database and stores an organisation with one open
// core survey (every module) under code.
func createReliabilitySurvey(t *testing.T, dsn, code string) int64 {
	t.Helper()
	ctx := context.Background()
	d, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	now := db.Now()
	s := satisfaction.Survey{Code: code, Title: "Reliability", Status: satisfaction.StatusOpen,
		Unit: satisfaction.UnitInteraction, Modules: satisfaction.Modules}
	s.Questionnaire = satisfaction.BuildQuestionnaire(code, s.Title, "", s.Modules, nil)
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO organisations (name, type, created_at, updated_at) VALUES (?, 'agency', ?, ?) RETURNING id",
			"Reliability agency", now, now).Scan(&s.OrgID); err != nil {
			return err
		}
		id, err := satisfaction.Store{}.InsertSurvey(ctx, tx, s, now)
		s.ID = id
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

func getBody(c *http.Client, u string) ([]byte, error) {
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s\n%s", u, resp.Status, b)
	}
	return b, nil
}

func tail(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}
