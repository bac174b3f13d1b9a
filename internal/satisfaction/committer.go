package satisfaction

import (
	"context"
	"errors"

	"github.com/joinedup/joinedup/internal/platform/db"
)

// ErrStopped is returned when the server is shutting down and takes no more responses.
var ErrStopped = db.ErrStopped

// Committer writes responses by group commit (db.Batcher): whatever responses arrive while
// one transaction is being written and synced go together in the next one. Submit returns
// only after the transaction holding the response has committed (SQLite runs with
// synchronous=FULL, so committed means on disk), so a success answer is never lost.
type Committer struct {
	*db.Batcher[Response, Outcome]
	Store Store
	// OnCommit, if set, is called after each commit with the surveys that got responses.
	OnCommit func(surveys []int64)
	// Counter, if set, takes the running counts off the write path: responses are written
	// uncounted and handed to it after each commit (SQLite; see counter.go).
	Counter *Counter
}

// NewCommitter builds a committer for d: one writer on SQLite, several on PostgreSQL, where
// two writers storing the same idempotency key at once conflict and the batch is retried
// (the retry finds the key). Start runs it.
func NewCommitter(d *db.DB, st Store) *Committer {
	c := &Committer{Store: st}
	c.Batcher = db.NewBatcher(d, c.write)
	c.Retry = func(err error) bool { return errors.Is(db.MapError(err), db.ErrConflict) }
	c.Batcher.OnCommit = c.committed
	return c
}

func (c *Committer) write(ctx context.Context, tx *db.Tx, rs []Response) ([]Outcome, error) {
	if c.Counter != nil {
		return c.Store.InsertResponsesUncounted(ctx, tx, rs)
	}
	return c.Store.InsertResponses(ctx, tx, rs)
}

func (c *Committer) committed(rs []Response, outs []Outcome) {
	if c.Counter != nil {
		c.Counter.Add(rs, outs)
	}
	if c.OnCommit == nil {
		return
	}
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
