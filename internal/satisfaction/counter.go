package satisfaction

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// Counter keeps the running counts (survey_counts) of responses the Committer writes
// uncounted. Writing a response's six to twelve count rows in the response's own transaction
// was most of the single SQLite writer's work; the Counter instead adds the counts of every
// response committed in the last half second in one transaction of its own, in which it also
// moves the mark (survey_count_mark) up to the highest response counted. Responses are
// acknowledged when they are committed, not when they are counted: if the process dies in
// between, CatchUp counts the deferred responses above the mark from their stored answers at
// the next start. Pages that must see every response (the dashboard, the results) call Flush
// first.
type Counter struct {
	DB       *db.DB
	Interval time.Duration
	Log      *slog.Logger

	mu      sync.Mutex
	pending map[countKey]int64
	upTo    int64 // the highest response id in pending
	flushMu sync.Mutex
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	started bool
}

// NewCounter builds a counter; CatchUp then Start run it.
func NewCounter(d *db.DB) *Counter {
	return &Counter{DB: d, Interval: 500 * time.Millisecond, Log: slog.Default(), pending: map[countKey]int64{},
		stop: make(chan struct{}), done: make(chan struct{})}
}

// Add takes the counts of the responses of one committed batch (those stored, not replays).
// Batches arrive in commit order, which on SQLite is id order.
func (c *Counter) Add(rs []Response, outs []Outcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, r := range rs {
		if outs[i].Err != nil || outs[i].Replayed || outs[i].ID <= 0 {
			continue
		}
		addCounts(c.pending, r)
		c.upTo = max(c.upTo, outs[i].ID)
	}
}

// Flush writes the pending counts and moves the mark, in one transaction. On failure the
// counts stay pending and are tried again.
func (c *Counter) Flush(ctx context.Context) error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	c.mu.Lock()
	counts, upTo := c.pending, c.upTo
	if len(counts) == 0 {
		c.mu.Unlock()
		return nil
	}
	c.pending = map[countKey]int64{}
	c.mu.Unlock()
	err := c.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := upsertCounts(ctx, tx, counts); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE survey_count_mark SET counted_to = ? WHERE id = 1 AND counted_to < ?", upTo, upTo)
		return err
	})
	if err != nil {
		c.mu.Lock()
		for k, n := range counts {
			c.pending[k] += n
		}
		c.mu.Unlock()
		return fmt.Errorf("count responses: %w", err)
	}
	return nil
}

// CatchUp counts the deferred responses above the mark: those a previous process committed
// but did not live to count. Call it before the Committer starts.
func (c *Counter) CatchUp(ctx context.Context) (int, error) {
	var mark int64
	if err := c.DB.QueryRow(ctx, "SELECT counted_to FROM survey_count_mark WHERE id = 1").Scan(&mark); err != nil {
		return 0, err
	}
	type version struct {
		survey int64
		v      int
	}
	questionnaires := map[version]*forms.Questionnaire{}
	var rs []Response
	var outs []Outcome
	err := db.Each(ctx, c.DB, `SELECT id, survey_id, version, submitted_at, channel, COALESCE(place_id, 0), answers
		FROM survey_responses WHERE id > ? AND deferred ORDER BY id`, []any{mark}, func(rows *sql.Rows) error {
		var r Response
		var raw string
		if err := rows.Scan(&r.ID, &r.SurveyID, &r.Version, &r.SubmittedAt, &r.Channel, &r.PlaceID, &raw); err != nil {
			return err
		}
		k := version{r.SurveyID, r.Version}
		q, ok := questionnaires[k]
		if !ok {
			qn, err := Store{}.Questionnaire(ctx, c.DB, r.SurveyID, r.Version)
			if err != nil {
				return err
			}
			q = &qn
			questionnaires[k] = q
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return fmt.Errorf("response %d: %w", r.ID, err)
		}
		r.Answers, _ = forms.ParseJSON(*q, m) // stored answers were valid when stored
		r.Questionnaire = q
		rs = append(rs, r)
		outs = append(outs, Outcome{ID: r.ID})
		return nil
	})
	if err != nil {
		return 0, err
	}
	c.Add(rs, outs)
	return len(rs), c.Flush(ctx)
}

// Start flushes every Interval until Stop.
func (c *Counter) Start() {
	c.started = true
	go func() {
		defer close(c.done)
		t := time.NewTicker(c.Interval)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				if err := c.Flush(context.Background()); err != nil {
					c.Log.Error("counting responses failed; will retry", "err", err)
				}
			}
		}
	}()
}

// Stop ends the flushing and writes what is pending. Stop the Committer first.
func (c *Counter) Stop() {
	c.once.Do(func() {
		close(c.stop)
		if c.started {
			<-c.done
		}
		if err := c.Flush(context.Background()); err != nil {
			c.Log.Error("counting responses at shutdown failed; they are counted at the next start", "err", err)
		}
	})
}
