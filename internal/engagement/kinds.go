package engagement

import (
	"context"
	"fmt"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// Kinds of record engagements add to the directory's links.
const (
	KindEngagement = "engagement"
	// KindTheme is a theme of an engagement's report, so that each theme can link to the
	// commitments, programs and decisions it fed into.
	KindTheme = "engagement_theme"
)

// SearchKinds labels the search documents of engagements.
var SearchKinds = map[string]string{KindEngagement: "Engagement"}

// registerKinds lets the directory's links name engagements and the themes of their reports:
// links from an engagement or a theme are added by the owner's contributors; a theme is seen
// by those who may see its report.
func (s *Service) registerKinds() {
	if s.Dir == nil {
		return
	}
	s.Dir.RegisterKind(KindEngagement, "Engagement", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
		e, err := s.Store.Engagement(ctx, q, id)
		if err != nil {
			return directory.LinkRecord{}, err
		}
		return directory.LinkRecord{Title: e.Title, URL: e.URL(), Visible: CanSee(authz.From(ctx), e), Owners: []int64{e.OrgID}}, nil
	})
	s.Dir.RegisterKind(KindTheme, "Engagement theme", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
		t, err := s.Store.Theme(ctx, q, id)
		if err != nil {
			return directory.LinkRecord{}, err
		}
		e, err := s.Store.Engagement(ctx, q, t.EngagementID)
		if err != nil {
			return directory.LinkRecord{}, err
		}
		p := authz.From(ctx)
		visible := CanSee(p, e) && (e.Status == StatusReported || CanSeeDraftReport(p, e))
		return directory.LinkRecord{Title: fmt.Sprintf("%s (%s)", t.Name, e.Title), URL: fmt.Sprintf("%s/report#theme-%d", e.URL(), t.ID),
			Visible: visible, Owners: []int64{e.OrgID}}, nil
	})
}
