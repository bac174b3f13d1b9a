package commitments

import (
	"context"
	"fmt"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// SearchKinds labels the search documents of commitments.
var SearchKinds = map[string]string{"plan": "Action plan", "commitment": "Commitment", "milestone": "Milestone"}

// registerKinds lets the directory's links and taggings name plans and commitments.
func (s *Service) registerKinds() {
	if s.Dir == nil {
		return
	}
	s.Dir.RegisterKind("plan", "Action plan", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
		pl, err := s.Store.Plan(ctx, q, id)
		if err != nil {
			return directory.LinkRecord{}, err
		}
		return directory.LinkRecord{Title: pl.Title, URL: fmt.Sprintf("/plans/%d", pl.ID),
			Visible: canSeePlan(authz.From(ctx), pl), Owners: []int64{pl.OrgID}}, nil
	})
	s.Dir.RegisterKind("commitment", "Commitment", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
		c, err := s.Store.Commitment(ctx, q, id)
		if err != nil {
			return directory.LinkRecord{}, err
		}
		owners := []int64{c.PlanOrgID}
		if c.LeadOrgID != 0 && c.LeadOrgID != c.PlanOrgID {
			owners = append(owners, c.LeadOrgID)
		}
		return directory.LinkRecord{Title: c.Reference + " " + c.Title, URL: "/commitments/" + c.Reference,
			Visible: canSeePlan(authz.From(ctx), Plan{OrgID: c.PlanOrgID, Status: c.PlanStatus}), Owners: owners}, nil
	})
}

// Counts is how many published action plans and commitments there are, for the home page.
func (s *Service) Counts(ctx context.Context) (plans, commitments int, err error) {
	err = s.DB.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM action_plans WHERE status <> 'draft'),
		(SELECT COUNT(*) FROM commitments c JOIN action_plans p ON p.id = c.plan_id WHERE p.status <> 'draft')`).Scan(&plans, &commitments)
	return plans, commitments, err
}
