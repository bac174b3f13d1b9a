package satisfaction

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/joinedup/joinedup/internal/platform/db"
)

// ErrStopped is returned when the server is shutting down and takes no more responses.
var ErrStopped = errors.New("the service is shutting down; please try again shortly")

// Committer writes responses by group commit: whatever responses arrive while one
// transaction is being written and synced go together in the next one. Submit returns only
// after the transaction holding the response has committed (SQLite runs with
// synchronous=FULL, so committed means on disk), so a success answer is never lost.
type Committer struct {
	DB    *db.DB
	Store Store
	// MaxBatch is the most responses one transaction carries.
	MaxBatch int
	// Workers is how many transactions may be written at once: 1 on SQLite (one writer),
	// more on PostgreSQL.
	Workers int
	// OnCommit, if set, is called after each commit with the surveys that got responses.
	OnCommit func(surveys []int64)
	// Counter, if set, takes the running counts off the write path: responses are written
	// uncounted and handed to it after each commit (SQLite; see counter.go).
	Counter *Counter
	Log     *slog.Logger

	queue   chan *pending
	start   sync.Once
	stopped chan struct{}
	mu      sync.RWMutex
	closed  bool
	wg      sync.WaitGroup
}

type pending struct {
	r    Response
	done chan result
}

type result struct {
	out Outcome
	err error
}

// NewCommitter builds a committer for d; Start runs it.
func NewCommitter(d *db.DB, st Store) *Committer {
	workers := 1
	if d != nil && d.Dialect() == db.Postgres {
		workers = 4
	}
	return &Committer{DB: d, Store: st, MaxBatch: 2000, Workers: workers, Log: slog.Default(),
		queue: make(chan *pending, 8192), stopped: make(chan struct{})}
}

// Start runs the writers until Stop. It may be called more than once.
func (c *Committer) Start() {
	c.start.Do(func() {
		for range c.Workers {
			c.wg.Add(1)
			go c.run()
		}
	})
}

// Stop refuses new responses, writes those queued and waits for the writers to finish.
func (c *Committer) Stop() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.queue)
	c.mu.Unlock()
	c.Start() // so that a committer never started still answers what was queued
	c.wg.Wait()
}

// Submit stores one response and returns its outcome once it is committed. If ctx ends
// first, Submit returns ctx's error; the response may still be stored (a retry with the same
// idempotency key then finds it).
func (c *Committer) Submit(ctx context.Context, r Response) (Outcome, error) {
	p := &pending{r: r, done: make(chan result, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return Outcome{}, ErrStopped
	}
	select {
	case c.queue <- p:
	case <-ctx.Done():
		c.mu.RUnlock()
		return Outcome{}, ctx.Err()
	}
	c.mu.RUnlock()
	select {
	case res := <-p.done:
		return res.out, res.err
	case <-ctx.Done():
		return Outcome{}, ctx.Err()
	}
}

func (c *Committer) run() {
	defer c.wg.Done()
	batch := make([]*pending, 0, c.MaxBatch)
	for {
		p, ok := <-c.queue
		if !ok {
			return
		}
		batch = append(batch[:0], p)
	drain:
		for len(batch) < c.MaxBatch {
			select {
			case p, ok := <-c.queue:
				if !ok {
					break drain
				}
				batch = append(batch, p)
			default:
				break drain
			}
		}
		c.write(batch)
	}
}

// write commits one batch and answers each response in it. A conflict (two PostgreSQL
// writers storing the same idempotency key at once) is retried: the retry finds the key.
func (c *Committer) write(batch []*pending) {
	rs := make([]Response, len(batch))
	for i, p := range batch {
		rs[i] = p.r
	}
	var outs []Outcome
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = c.DB.InTx(context.Background(), func(tx *db.Tx) error {
			var e error
			if c.Counter != nil {
				outs, e = c.Store.InsertResponsesUncounted(context.Background(), tx, rs)
			} else {
				outs, e = c.Store.InsertResponses(context.Background(), tx, rs)
			}
			return e
		})
		if !errors.Is(db.MapError(err), db.ErrConflict) {
			break
		}
	}
	if err != nil {
		c.Log.Error("storing responses failed", "responses", len(batch), "err", err)
		for _, p := range batch {
			p.done <- result{err: err}
		}
		return
	}
	if c.Counter != nil {
		c.Counter.Add(rs, outs)
	}
	if c.OnCommit != nil {
		seen := map[int64]bool{}
		var surveys []int64
		for _, r := range rs {
			if !seen[r.SurveyID] {
				seen[r.SurveyID] = true
				surveys = append(surveys, r.SurveyID)
			}
		}
		c.OnCommit(surveys)
	}
	for i, p := range batch {
		p.done <- result{out: outs[i]}
	}
}
