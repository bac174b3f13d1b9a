package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

func TestBatcher(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, "CREATE TABLE batch_items (n INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		batches := 0
		b := db.NewBatcher(d, func(ctx context.Context, tx *db.Tx, items []int) ([]int, error) {
			out := make([]int, len(items))
			for i, n := range items {
				if n < 0 {
					return nil, errors.New("negative")
				}
				if _, err := tx.Exec(ctx, "INSERT INTO batch_items (n) VALUES (?)", n); err != nil {
					return nil, err
				}
				out[i] = n * 2
			}
			return out, nil
		})
		b.OnCommit = func(items, results []int) { mu.Lock(); batches++; mu.Unlock() }
		b.Start()
		var wg sync.WaitGroup
		for i := 1; i <= 200; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := b.Submit(ctx, i)
				if err != nil || r != 2*i {
					t.Errorf("Submit(%d) = %d, %v", i, r, err)
				}
			}()
		}
		wg.Wait()
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM batch_items").Scan(&n); err != nil || n != 200 {
			t.Fatalf("stored %d, %v; want 200", n, err)
		}
		if batches < 1 || batches > 200 {
			t.Fatalf("%d commits", batches)
		}
		// A failing item fails its batch, and nothing of it is stored.
		if _, err := b.Submit(ctx, -1); err == nil {
			t.Fatal("a failing write was acknowledged")
		}
		b.Stop()
		if _, err := b.Submit(ctx, 500); !errors.Is(err, db.ErrStopped) {
			t.Fatalf("after Stop: %v", err)
		}
	})
}
