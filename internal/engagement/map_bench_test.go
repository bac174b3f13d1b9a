package engagement

// Benchmarks of the map worker's whole computation on SQLite: reading the statements and
// streaming the votes from the read pool, building the map with one goroutine, and storing
// the result. The votes (planted groups, as stats.BenchmarkOpinionMap*) are written before
// the timer starts.
//
//	go test -run '^$' -bench 'MapRecompute1M' -benchtime 3x ./internal/engagement/
//	go test -c -o /tmp/engagement.test ./internal/engagement/ &&
//	  /usr/bin/time -v /tmp/engagement.test -test.run '^$' -test.bench 'MapRecompute10M' -test.benchtime 1x

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// benchMapEngagement writes an engagement with statements statements and participants
// participants in 4 planted groups, each voting on seen statements (30% noise).
func benchMapEngagement(b testing.TB, participants, statements, seen int) (*Service, Engagement) {
	b.Helper()
	d := dbtest.SQLite(b)
	ctx := context.Background()
	s := NewService(d, nil)
	var org int64
	if err := d.QueryRow(ctx, "INSERT INTO organisations (name, type, created_at, updated_at) VALUES ('Bench', 'government_agency', ?, ?) RETURNING id",
		db.Now(), db.Now()).Scan(&org); err != nil {
		b.Fatal(err)
	}
	id, err := s.Store.InsertEngagement(ctx, d, Input{OrgID: org, Title: "Bench map", HasMap: true, Moderation: ModeratePost, StatementLimit: 10, ReportThreshold: 3})
	if err != nil {
		b.Fatal(err)
	}
	e := Engagement{ID: id}
	rng := rand.New(rand.NewPCG(1, 2))
	const groups = 4
	stance := make([][]int, groups)
	for g := range stance {
		stance[g] = make([]int, statements)
		for j := range stance[g] {
			stance[g][j] = 1 - 2*rng.IntN(2)
		}
	}
	at := db.Now()
	err = d.InTx(ctx, func(tx *db.Tx) error {
		var sb strings.Builder
		var args []any
		exec := func() error {
			if len(args) == 0 {
				return nil
			}
			_, err := tx.Exec(ctx, sb.String(), args...)
			sb.Reset()
			args = args[:0]
			return err
		}
		add := func(head, row string, vals ...any) error {
			if sb.Len() == 0 {
				sb.WriteString(head)
			} else {
				sb.WriteString(", ")
			}
			sb.WriteString(row)
			args = append(args, vals...)
			if len(args) >= 10_000 {
				return exec()
			}
			return nil
		}
		for j := range statements {
			if err := add("INSERT INTO engagement_statements (engagement_id, text, status, created_at) VALUES ", "(?, ?, 'visible', ?)",
				e.ID, fmt.Sprintf("Statement %d", j+1), at); err != nil {
				return err
			}
		}
		if err := exec(); err != nil {
			return err
		}
		for p := range participants {
			if err := add("INSERT INTO engagement_participants (engagement_id, token_hash, email, created_at) VALUES ", "(?, ?, '', ?)",
				e.ID, fmt.Sprintf("bench-%d", p), at); err != nil {
				return err
			}
		}
		if err := exec(); err != nil {
			return err
		}
		var sid0, pid0 int64
		if err := tx.QueryRow(ctx, "SELECT MIN(id) FROM engagement_statements WHERE engagement_id = ?", e.ID).Scan(&sid0); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT MIN(id) FROM engagement_participants WHERE engagement_id = ?", e.ID).Scan(&pid0); err != nil {
			return err
		}
		order := make([]int, statements)
		for j := range order {
			order[j] = j
		}
		for p := range participants {
			g := p % groups
			for k := range seen {
				r := k + rng.IntN(statements-k)
				order[k], order[r] = order[r], order[k]
				v := stance[g][order[k]]
				if rng.Float64() < 0.3 {
					v = rng.IntN(3) - 1
				}
				if err := add("INSERT INTO engagement_votes (statement_id, participant_id, engagement_id, vote, voted_at) VALUES ", "(?, ?, ?, ?, ?)",
					sid0+int64(order[k]), pid0+int64(p), e.ID, v, at); err != nil {
					return err
				}
			}
		}
		return exec()
	})
	if err != nil {
		b.Fatal(err)
	}
	return s, e
}

func benchMapRecompute(b *testing.B, participants, statements, seen int) {
	s, e := benchMapEngagement(b, participants, statements, seen)
	defer s.StopVotes()
	ctx := context.Background()
	var st *storedMap
	var peak uint64
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := mapProcessCPU()
	for b.Loop() {
		var err error
		st, err = s.recompute(ctx, e.ID)
		if err != nil {
			b.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.StopTimer()
	b.ReportMetric(float64(mapProcessCPU()-cpu0)/float64(b.N)/1e9, "cpu-s/op")
	if st.Votes != participants*seen || len(st.Groups) != 4 {
		b.Fatalf("%d votes, %d groups", st.Votes, len(st.Groups))
	}
	// The read alone, once more, for the split between reading and computing.
	sts, err := s.statementsOnShow(ctx, e.ID)
	if err != nil {
		b.Fatal(err)
	}
	index := map[int64]int32{}
	for j, x := range sts {
		index[x.id] = int32(j)
	}
	start := time.Now()
	if _, err := s.readVotes(ctx, e.ID, index, st.Votes); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(start).Seconds(), "read-s")
	b.ReportMetric(float64(st.Votes), "votes")
	b.ReportMetric(float64(len(st.Groups)), "groups")
	b.ReportMetric(float64(peak)/(1<<20), "heap-MB-after")
}

// mapProcessCPU is the CPU time the process has used (user and system).
func mapProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMapRecompute1M: 10,000 participants × 500 statements, 100 votes each.
func BenchmarkMapRecompute1M(b *testing.B) { benchMapRecompute(b, 10_000, 500, 100) }

// BenchmarkMapRecompute10M: 100,000 participants × 1,500 statements, 100 votes each.
func BenchmarkMapRecompute10M(b *testing.B) { benchMapRecompute(b, 100_000, 1_500, 100) }

// BenchmarkMapReadVotes1M: only the streaming read of 1 million votes.
func BenchmarkMapReadVotes1M(b *testing.B) {
	s, e := benchMapEngagement(b, 10_000, 500, 100)
	defer s.StopVotes()
	ctx := context.Background()
	sts, err := s.statementsOnShow(ctx, e.ID)
	if err != nil {
		b.Fatal(err)
	}
	index := map[int64]int32{}
	for j, st := range sts {
		index[st.id] = int32(j)
	}
	b.ResetTimer()
	for b.Loop() {
		mv, err := s.readVotes(ctx, e.ID, index, 1_000_000)
		if err != nil || len(mv.votes) != 1_000_000 {
			b.Fatalf("%d votes, %v", len(mv.votes), err)
		}
	}
}
