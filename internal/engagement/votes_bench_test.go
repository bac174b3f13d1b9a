package engagement

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// voteEnv is an open engagement with an opinion map of 60 statements, served by the real
// router and middleware (as the app does, for an anonymous visitor), with the flood limits off.
type voteEnv struct {
	h          http.Handler
	path       string
	statements []int64
	svc        *Service
	d          *db.DB
}

func newVoteEnv(tb testing.TB) *voteEnv {
	tb.Helper()
	d := dbtest.SQLite(tb)
	ctx := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	s := NewService(d, dir)
	s.Flood = &FloodLimits{}
	tb.Cleanup(s.StopVotes)
	org, err := dir.CreateOrg(ctx, directory.OrgInput{Name: "Department of Benchmarks", Type: "government_agency"})
	if err != nil {
		tb.Fatal(err)
	}
	today := day(time.Now())
	e, err := s.Create(ctx, Input{OrgID: org.ID, Title: "Busy opinion map", Purpose: "To measure.", Decision: "None.", Influence: Consult,
		OpensOn: Date{today.AddDate(0, 0, -1)}, ClosesOn: Date{today.AddDate(0, 1, 0)}, ReportBackBy: Date{today.AddDate(0, 2, 0)}, HasMap: true})
	if err != nil {
		tb.Fatal(err)
	}
	if _, _, err := s.SetStatus(ctx, e.Key(), StatusOpen); err != nil {
		tb.Fatal(err)
	}
	env := &voteEnv{svc: s, d: d, path: API + "/" + strconv.FormatInt(e.ID, 10) + "/votes"}
	for i := range 60 {
		st, err := s.SeedStatement(ctx, e.Key(), fmt.Sprintf("Statement %d about the busy map.", i))
		if err != nil {
			tb.Fatal(err)
		}
		env.statements = append(env.statements, st.ID)
	}
	cat, err := locale.Load()
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rend, err := web.NewRenderer(cat, web.Site{Name: "Joined Up", Version: "test"}, log)
	if err != nil {
		tb.Fatal(err)
	}
	errs := &web.Errors{Render: rend, Log: log}
	rt := web.NewRouter(errs)
	if err := (&Web{Svc: s, Render: rend}).Routes(rt); err != nil {
		tb.Fatal(err)
	}
	inner := web.Chain(rt.Handler(), web.Observe(log, nil, false, errs), web.Secure(false))
	env.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r.WithContext(authz.With(r.Context(), authz.Anonymous)))
	})
	return env
}

// bareVote is the least a server can do for a vote: read the body, answer 201 with a small JSON.
func bareVote() http.Handler {
	var seq atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		b := strconv.AppendInt([]byte(`{"statement":`), seq.Add(1), 10)
		b = append(b, `,"vote":"agree","stored":true}`...)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(b)
	})
}

// voteLoad makes the votes, each agree, disagree or pass.
type voteLoad struct {
	statements []int64
	next       atomic.Int64
}

func (l *voteLoad) request(base, path string) *http.Request {
	n := l.next.Add(1)
	// 2,000 participants each go through the statements in turn (and then vote again, which
	// replaces their earlier votes).
	participant := fmt.Sprintf("bench-participant-%08d", n%2000)
	sid := l.statements[(n/2000)%int64(len(l.statements))]
	vote := [...]string{"agree", "disagree", "pass"}[n%3]
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(`{"statement":`+strconv.FormatInt(sid, 10)+`,"vote":"`+vote+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(ParticipantHeader, participant)
	return req
}

// BenchmarkVoteAPI posts votes through the real handler (router, middleware, caches, group
// committer) to SQLite in a temporary directory, from 64 concurrent clients. Each operation
// is one vote stored and committed.
func BenchmarkVoteAPI(b *testing.B) {
	env := newVoteEnv(b)
	load := &voteLoad{statements: env.statements}
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			env.h.ServeHTTP(rec, load.request("", env.path))
			if rec.Code != http.StatusCreated {
				b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
		}
	})
}

// BenchmarkVoteBare is the same load on the bare handler.
func BenchmarkVoteBare(b *testing.B) {
	h := bareVote()
	load := &voteLoad{statements: []int64{1, 2, 3}}
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, load.request("", "/votes"))
			if rec.Code != http.StatusCreated {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// driveHTTP sends votes over loopback HTTP from workers clients for d, and returns the rate
// of 201 answers per second.
func driveHTTP(tb testing.TB, url, path string, load *voteLoad, workers int, d time.Duration) (float64, int) {
	tb.Helper()
	tr := &http.Transport{MaxIdleConns: workers * 2, MaxIdleConnsPerHost: workers * 2, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var ok, bad atomic.Int64
	stop := time.Now().Add(d)
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for time.Now().Before(stop) {
				resp, err := client.Do(load.request(url, path))
				if err != nil {
					bad.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		}()
	}
	for range workers {
		<-done
	}
	return float64(ok.Load()) / d.Seconds(), int(bad.Load())
}

// TestVoteThroughput measures, in one run, the votes per second the real server acknowledges
// over loopback HTTP against the rate of a bare net/http handler under the same load, and
// logs both and their ratio. It runs only when JOINEDUP_VOTE_THROUGHPUT is set (a timing is
// never asserted); JOINEDUP_VOTE_THROUGHPUT=10s sets the length of each half.
func TestVoteThroughput(t *testing.T) {
	v := os.Getenv("JOINEDUP_VOTE_THROUGHPUT")
	if v == "" {
		t.Skip("set JOINEDUP_VOTE_THROUGHPUT=1 (or a duration such as 10s) to measure vote throughput against a bare handler")
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		d = 5 * time.Second
	}
	env := newVoteEnv(t)
	real := httptest.NewServer(env.h)
	defer real.Close()
	bare := httptest.NewServer(bareVote())
	defer bare.Close()
	const workers, rounds = 64, 5
	// Warm both (connections, caches, the first participants), then alternate short rounds so
	// that other work on the machine weighs on both alike.
	bl, rl := &voteLoad{statements: env.statements}, &voteLoad{statements: env.statements}
	driveHTTP(t, bare.URL, "/votes", bl, workers, d/5)
	driveHTTP(t, real.URL, env.path, rl, workers, d/5)
	var bareRate, realRate float64
	var bareBad, realBad int
	for range rounds {
		r, n := driveHTTP(t, bare.URL, "/votes", bl, workers, d/rounds)
		bareRate, bareBad = bareRate+r/rounds, bareBad+n
		r, n = driveHTTP(t, real.URL, env.path, rl, workers, d/rounds)
		realRate, realBad = realRate+r/rounds, realBad+n
	}
	var stored int
	if err := env.d.QueryRow(context.Background(), "SELECT COUNT(*) FROM engagement_votes").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	t.Logf("bare handler: %.0f responses/s (%d failed)", bareRate, bareBad)
	t.Logf("votes:        %.0f votes/s acknowledged after commit (%d failed); %d distinct votes stored", realRate, realBad, stored)
	t.Logf("ratio:        %.0f%% of the bare handler (target at least 50%%)", 100*realRate/bareRate)
	if realBad > 0 {
		t.Errorf("%d votes failed", realBad)
	}
}
