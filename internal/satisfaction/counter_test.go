package satisfaction

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// TestCounterDeferredAndCatchUp: the committer writes responses uncounted and the counter
// counts them on Flush; responses committed but never counted (the process died) are counted
// by CatchUp at the next start, exactly once; responses written with their counts (the
// generator) are never counted again.
func TestCounterDeferredAndCatchUp(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	s := testSurvey(t, d, "deferred")
	counted := func() (rows, n int64) {
		t.Helper()
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM survey_responses").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, "SELECT COALESCE(SUM(n), 0) FROM survey_counts WHERE question = ''").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return rows, n
	}
	submit := func(c *Committer, n int, key string) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := Response{SurveyID: s.ID, Version: 1, SubmittedAt: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), Channel: "phone",
					IdemKey: fmt.Sprintf("%s-%d", key, i), Answers: answers(t, s.Questionnaire, map[string]any{QOverall: float64(1 + i%5)}),
					Questionnaire: &s.Questionnaire}
				if _, err := c.Submit(ctx, r); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}

	// A run that counts: 40 responses, flushed.
	first := NewCounter(d)
	c := NewCommitter(d, Store{})
	c.Counter = first
	c.Start()
	submit(c, 40, "a")
	if rows, n := counted(); rows != 40 || n != 0 {
		t.Fatalf("before the flush: %d rows, %d counted; want 40, 0", rows, n)
	}
	if err := first.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if rows, n := counted(); rows != 40 || n != 40 {
		t.Fatalf("after the flush: %d rows, %d counted", rows, n)
	}
	// 25 more acknowledged, then the process "dies" before counting them.
	submit(c, 25, "b")
	c.Stop()
	// Meanwhile the generator writes 10 responses with their counts.
	gen := make([]Response, 10)
	for i := range gen {
		gen[i] = Response{SurveyID: s.ID, Version: 1, SubmittedAt: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC),
			Answers: answers(t, s.Questionnaire, map[string]any{QOverall: 3.0}), Questionnaire: &s.Questionnaire}
	}
	if err := d.InTx(ctx, func(tx *db.Tx) error { _, err := (Store{}).InsertResponses(ctx, tx, gen); return err }); err != nil {
		t.Fatal(err)
	}
	if rows, n := counted(); rows != 75 || n != 50 {
		t.Fatalf("after the crash: %d rows, %d counted; want 75, 50", rows, n)
	}
	// The next start counts the 25, and a second catch-up finds nothing.
	next := NewCounter(d)
	if got, err := next.CatchUp(ctx); err != nil || got != 25 {
		t.Fatalf("CatchUp counted %d (%v), want 25", got, err)
	}
	if got, err := NewCounter(d).CatchUp(ctx); err != nil || got != 0 {
		t.Fatalf("second CatchUp counted %d (%v), want 0", got, err)
	}
	if rows, n := counted(); rows != 75 || n != 75 {
		t.Fatalf("after catching up: %d rows, %d counted; want 75 each", rows, n)
	}
	var overall int64
	if err := d.QueryRow(ctx, "SELECT SUM(n) FROM survey_counts WHERE question = ?", QOverall).Scan(&overall); err != nil || overall != 75 {
		t.Fatalf("overall counted %d times (%v), want 75", overall, err)
	}
	// Stop without Start flushes and returns.
	next.Stop()
}
