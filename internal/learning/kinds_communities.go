package learning

import (
	"context"
	"strconv"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// The kinds of record of communities of practice, for search documents and the directory's
// links: communities and their events are public.
const (
	CommunityKind = "community"
	EventKind     = "event"
	ThreadKind    = "thread"       // found by the community's members only
	LibraryKind   = "library_item" // found by the community's members only
)

func init() {
	SearchKinds[CommunityKind] = "Community of practice"
	SearchKinds[EventKind] = "Event"
	SearchKinds[ThreadKind] = "Discussion"
	SearchKinds[LibraryKind] = "Library item"
	registerKinds(func(s *Service) {
		s.Dir.RegisterKind(CommunityKind, "Community of practice", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
			a, err := s.access(ctx, q, strconv.FormatInt(id, 10))
			if err != nil {
				return directory.LinkRecord{}, err
			}
			c := a.Community
			var owners []int64
			if c.OrgID != 0 {
				owners = []int64{c.OrgID}
			}
			return directory.LinkRecord{Title: c.Name, URL: c.URL(), Visible: c.ArchivedAt == nil || a.Manage, Owners: owners}, nil
		})
		s.Dir.RegisterKind(EventKind, "Event", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
			e, err := eventByID(ctx, q, id)
			if err != nil {
				return directory.LinkRecord{}, err
			}
			var owners []int64
			if e.OrgID != 0 {
				owners = []int64{e.OrgID}
			}
			return directory.LinkRecord{Title: e.Title, URL: e.URL(), Visible: true, Owners: owners}, nil
		})
	})
}
