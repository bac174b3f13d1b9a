package learning

import (
	"context"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// Place results are linked, through the directory's links, to the learnings that say what
// works and to the commitments of the action plan; they and their indicators are searchable.
func init() {
	SearchKinds[ResultKind] = "Place result"
	SearchKinds[IndicatorKind] = "Indicator"
	registerKinds(func(s *Service) {
		s.Dir.RegisterKind(ResultKind, "Place result", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
			r, err := loadResult(ctx, q, id)
			if err != nil {
				return directory.LinkRecord{}, err
			}
			rec := directory.LinkRecord{Title: r.Title + " (" + r.PlaceName + ")", URL: r.URL(),
				Visible: !r.placeArchived || authz.From(ctx).SiteAdmin}
			if r.OrgID != 0 {
				rec.Owners = []int64{r.OrgID}
			}
			return rec, nil
		})
	})
}
