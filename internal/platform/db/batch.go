package db

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// ErrStopped is returned by Batcher.Submit once the server is shutting down.
var ErrStopped = errors.New("the service is shutting down; please try again shortly")

// Batcher writes items submitted concurrently by group commit: whatever arrives while one
// transaction is being written and synced goes into the next one. Submit returns only after
// the transaction holding its item has committed (SQLite runs with synchronous=FULL, so
// committed means on disk): a success answer built on it is never lost. It is how
// high-volume public writes (survey responses, opinion-map votes) reach the single SQLite
// writer without one fsync per request.
type Batcher[T, R any] struct {
	DB *DB
	// Write stores items in tx and returns one result per item, in order. An error rolls the
	// whole batch back and is returned to every item's Submit.
	Write func(ctx context.Context, tx *Tx, items []T) ([]R, error)
	// MaxBatch is the most items one transaction carries.
	MaxBatch int
	// Workers is how many transactions may be written at once: 1 on SQLite (one writer),
	// more on PostgreSQL.
	Workers int
	// Retry reports whether a failed batch should be written again (at most twice more),
	// e.g. a unique-key conflict between two PostgreSQL writers.
	Retry func(error) bool
	// OnCommit, if set, is called after each commit with the batch's items and their results.
	OnCommit func(items []T, results []R)
	Log      *slog.Logger

	queue  chan *batchItem[T, R]
	start  sync.Once
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

type batchItem[T, R any] struct {
	item T
	done chan batchResult[R]
}

type batchResult[R any] struct {
	r   R
	err error
}

// NewBatcher builds a batcher writing with write; Start runs it.
func NewBatcher[T, R any](d *DB, write func(ctx context.Context, tx *Tx, items []T) ([]R, error)) *Batcher[T, R] {
	workers := 1
	if d != nil && d.Dialect() == Postgres {
		workers = 4
	}
	return &Batcher[T, R]{DB: d, Write: write, MaxBatch: 2000, Workers: workers, Log: slog.Default(),
		queue: make(chan *batchItem[T, R], 8192)}
}

// Start runs the writers until Stop. It may be called more than once.
func (b *Batcher[T, R]) Start() {
	b.start.Do(func() {
		for range b.Workers {
			b.wg.Add(1)
			go b.run()
		}
	})
}

// Stop refuses new items, writes those queued and waits for the writers to finish.
func (b *Batcher[T, R]) Stop() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	close(b.queue)
	b.mu.Unlock()
	b.Start() // a batcher never started still answers what was queued
	b.wg.Wait()
}

// Submit stores one item and returns its result once it is committed. If ctx ends first,
// Submit returns ctx's error; the item may still be stored.
func (b *Batcher[T, R]) Submit(ctx context.Context, item T) (R, error) {
	p := &batchItem[T, R]{item: item, done: make(chan batchResult[R], 1)}
	var zero R
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return zero, ErrStopped
	}
	select {
	case b.queue <- p:
	case <-ctx.Done():
		b.mu.RUnlock()
		return zero, ctx.Err()
	}
	b.mu.RUnlock()
	select {
	case res := <-p.done:
		return res.r, res.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (b *Batcher[T, R]) run() {
	defer b.wg.Done()
	batch := make([]*batchItem[T, R], 0, b.MaxBatch)
	for {
		p, ok := <-b.queue
		if !ok {
			return
		}
		batch = append(batch[:0], p)
	drain:
		for len(batch) < b.MaxBatch {
			select {
			case p, ok := <-b.queue:
				if !ok {
					break drain
				}
				batch = append(batch, p)
			default:
				break drain
			}
		}
		b.write(batch)
	}
}

func (b *Batcher[T, R]) write(batch []*batchItem[T, R]) {
	items := make([]T, len(batch))
	for i, p := range batch {
		items[i] = p.item
	}
	var out []R
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = b.DB.InTx(context.Background(), func(tx *Tx) error {
			var e error
			out, e = b.Write(context.Background(), tx, items)
			return e
		})
		if err == nil && len(out) != len(items) {
			err = errors.New("batch writer returned the wrong number of results")
		}
		if err == nil || b.Retry == nil || !b.Retry(err) {
			break
		}
	}
	if err != nil {
		if b.Log != nil {
			b.Log.Error("batch write failed", "items", len(batch), "err", err)
		}
		for _, p := range batch {
			p.done <- batchResult[R]{err: err}
		}
		return
	}
	if b.OnCommit != nil {
		b.OnCommit(items, out)
	}
	for i, p := range batch {
		p.done <- batchResult[R]{r: out[i]}
	}
}
