package satisfaction

import (
	"context"
	"encoding/json"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/loadtest"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// BenchmarkCommitter submits responses through the group committer to SQLite in a temporary
// directory, each with its own idempotency key, as the collection routes do: from 2
// goroutines (one at a time per core: a commit per response) and from 64 (like 64
// connections to the server: commits shared), into an empty survey and into one that
// already holds 50,000 responses over 24 months (bigger indexes and running counts, as in
// the demo). The answers are the load generator's (realistic values, some "not
// applicable", comments, six channels) to the demo survey's questions, parsed before the
// timer starts: the benchmark measures the committer and the SQL, not the parsing. ns/op is
// wall time per stored response; cpu-µs/op the process's CPU time per response, which other
// work on a shared machine stretches less.
//
//	go test -run '^$' -bench BenchmarkCommitter -benchtime 20000x ./internal/satisfaction/
func BenchmarkCommitter(b *testing.B) {
	for _, c := range []struct {
		name     string
		par      int // goroutines per core
		existing int // responses already stored, spread over 24 months
	}{
		{"goroutines=2", 1, 0},
		{"goroutines=64", 32, 0},
		{"goroutines=64/stored=50000", 32, 50000},
	} {
		b.Run(c.name, func(b *testing.B) { benchCommitter(b, c.par, c.existing) })
	}
}

func benchCommitter(b *testing.B, par, existing int) {
	ctx := context.Background()
	d := dbtest.SQLite(b)
	s := testSurvey(b, d, "bench")
	s.Modules = Modules
	s.Questionnaire = DemoQuestionnaire()
	s.Questionnaire.ID = "bench"
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := Store{}.SetQuestionnaire(ctx, tx, s.ID, s.Questionnaire, time.Now())
		return err
	}); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	if existing > 0 {
		if _, err := GenerateResponses(ctx, d, s, existing, GenOptions{Seed: 1, To: now}); err != nil {
			b.Fatal(err)
		}
	}
	sets := generatedAnswers(b, s.Questionnaire, 512)
	c := NewCommitter(d, Store{})
	c.Start()
	defer c.Stop()
	var seq atomic.Int64
	b.SetParallelism(par)
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			g := sets[n%int64(len(sets))]
			r := Response{SurveyID: s.ID, Version: 1, SubmittedAt: now, Channel: g.channel,
				Answers: g.answers, Questionnaire: &s.Questionnaire, IdemKey: "bench-" + strconv.FormatInt(n, 10)}
			if _, err := c.Submit(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/1e3, "cpu-µs/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
	var stored int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM survey_responses").Scan(&stored); err != nil {
		b.Fatal(err)
	}
	if stored != b.N+existing {
		b.Fatalf("stored %d responses, want %d", stored, b.N+existing)
	}
}

type answerSet struct {
	answers forms.Answers
	channel string
}

// generatedAnswers parses n submissions of the load generator to q.
func generatedAnswers(b *testing.B, q forms.Questionnaire, n int) []answerSet {
	g, err := loadtest.NewGenerator(loadtest.Definition{Code: q.ID, Questions: q.Questions}, 1, loadtest.PageForm{})
	if err != nil {
		b.Fatal(err)
	}
	out := make([]answerSet, n)
	for i := range out {
		var sub Submission
		if err := json.Unmarshal(g.AppendJSON(nil), &sub); err != nil {
			b.Fatal(err)
		}
		out[i] = answerSet{answers: answers(b, q, sub.Answers), channel: sub.Channel}
	}
	return out
}

// processCPU is the process's user and system CPU time in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
