package satisfaction

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// BenchmarkCommitter submits responses from many goroutines at once (64 on 2 cores, like 64
// connections to the server) through the group committer to SQLite in a temporary
// directory, each with its own idempotency key, as the collection routes do. ns/op is the
// wall time per stored response; responses/s the throughput.
//
//	go test -run '^$' -bench BenchmarkCommitter -benchtime 20000x ./internal/satisfaction/
func BenchmarkCommitter(b *testing.B) {
	for _, par := range []int{1, 32} {
		b.Run("goroutines="+strconv.Itoa(par*2), func(b *testing.B) {
			d := dbtest.SQLite(b)
			s := testSurvey(b, d, "bench")
			c := NewCommitter(d, Store{})
			c.Start()
			defer c.Stop()
			// A few realistic answer sets, parsed once: the benchmark measures the committer.
			var sets []forms.Answers
			for i := range 16 {
				sets = append(sets, answers(b, s.Questionnaire, map[string]any{
					QOverall: float64(1 + i%5), QTimely: float64(1 + (i+1)%5), QKnowledge: "na",
					QCourtesy: float64(1 + (i+2)%5), QRecommend: float64(i % 11), QComment: "Quick and friendly.",
				}))
			}
			when := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
			var seq atomic.Int64
			ctx := context.Background()
			b.SetParallelism(par)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := seq.Add(1)
					r := Response{SurveyID: s.ID, Version: 1, SubmittedAt: when, Channel: "online",
						Answers: sets[n%16], Questionnaire: &s.Questionnaire, IdemKey: "bench-" + strconv.FormatInt(n, 10)}
					if _, err := c.Submit(ctx, r); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
			var stored int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM survey_responses").Scan(&stored); err != nil {
				b.Fatal(err)
			}
			if stored != b.N {
				b.Fatalf("stored %d responses, submitted %d", stored, b.N)
			}
		})
	}
}
