package commitments

import (
	"context"
	"errors"
	"sync"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// Paged lists for the API and the exports: by ID after a cursor, keeping to what the
// principal may see.

// visibility is what the principal in ctx may see.
func (s *Service) visibility(ctx context.Context) Visibility {
	all, orgs := s.filterVisibility(authz.From(ctx))
	return Visibility{AllVisible: all, VisibleOrgs: orgs}
}

// PlansPage lists the visible plans with IDs above after, at most limit, each with its
// summary (count, progress, completion).
func (s *Service) PlansPage(ctx context.Context, after int64, limit int) ([]Plan, error) {
	v := s.visibility(ctx)
	plans, err := s.Store.Plans(ctx, s.DB, PlanFilter{AllVisible: v.AllVisible, VisibleOrgs: v.VisibleOrgs, After: after, Limit: limit})
	if err != nil {
		return nil, err
	}
	for i := range plans {
		cs, err := s.Commitments(ctx, Filter{PlanID: plans[i].ID})
		if err != nil {
			return nil, err
		}
		summarise(&plans[i], cs)
	}
	return plans, nil
}

// CommitmentsPage lists the visible commitments matching f with IDs above f.After, at most
// f.Limit (which must be set). With f.Starred it reads on until it has f.Limit starred ones
// or there are no more, so that a short page means the end.
func (s *Service) CommitmentsPage(ctx context.Context, f Filter) ([]Commitment, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if !f.Starred {
		return s.Commitments(ctx, f)
	}
	want := f.Limit
	batch := f
	batch.Starred = false
	batch.Limit = max(want, 200)
	var out []Commitment
	for len(out) < want {
		cs, err := s.Commitments(ctx, batch)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Starred {
				out = append(out, c)
			}
		}
		if len(cs) < batch.Limit {
			break
		}
		batch.After = cs[len(cs)-1].ID
	}
	if len(out) > want {
		out = out[:want]
	}
	return out, nil
}

// MilestonesPage lists visible milestones with IDs above after (of one plan when planID is
// set), with their commitment's reference.
func (s *Service) MilestonesPage(ctx context.Context, planID, after int64, limit int) ([]MilestoneRow, error) {
	return s.Store.MilestonesPage(ctx, s.DB, s.visibility(ctx), planID, after, limit)
}

// AssessmentsPage lists visible assessments with IDs above after (of one plan when planID is
// set), with their commitment's reference.
func (s *Service) AssessmentsPage(ctx context.Context, planID, after int64, limit int) ([]AssessmentRow, error) {
	return s.Store.AssessmentsPage(ctx, s.DB, s.visibility(ctx), planID, after, limit)
}

// together runs reads that do not depend on each other: at once on the database's pool of
// readers, one after the other inside a transaction (which is one connection).
func together(q db.Q, fns ...func() error) error {
	if _, inTx := q.(*db.Tx); inTx {
		for _, f := range fns {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Go(func() { errs[i] = f() })
	}
	wg.Wait()
	return errors.Join(errs...)
}
