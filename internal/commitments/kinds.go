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
