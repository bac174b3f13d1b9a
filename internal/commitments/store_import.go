package commitments

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/db"
)

// CommitmentsByRefs loads the commitments with these public references (any case), in
// batches of 500.
func (Store) CommitmentsByRefs(ctx context.Context, q db.Q, refs []string) ([]Commitment, error) {
	var out []Commitment
	seen := map[string]bool{}
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := queryEach(ctx, q, "SELECT "+commitmentColumns+commitmentFrom+" WHERE upper(c.reference) IN ("+placeholders(len(batch))+")", batch,
			func(rows *sql.Rows) error {
				c, err := scanCommitment(rows)
				out = append(out, c)
				return err
			})
		batch = batch[:0]
		return err
	}
	for _, r := range refs {
		r = NormalizeReference(r)
		if r == "" || seen[r] {
			continue
		}
		seen[r] = true
		batch = append(batch, r)
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// PlanTitleTaken reports whether a plan already has this title (ignoring case).
func (Store) PlanTitleTaken(ctx context.Context, q db.Q, title string) (bool, error) {
	var one int
	err := db.MapError(q.QueryRow(ctx, "SELECT 1 FROM action_plans WHERE lower(title) = lower(?)", strings.TrimSpace(title)).Scan(&one))
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
