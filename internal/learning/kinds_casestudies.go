package learning

import (
	"context"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// SearchKinds labels the search documents of learning. Each area adds its kinds from an init
// function in its kinds_<area>.go (SearchKinds["learning"] = "Learning").
var SearchKinds = map[string]string{CaseStudyKind: "Case study"}

// kindRegistrations register learning's kinds of record with the directory's links and
// taggings. Each area appends its own from an init function (registerKinds); RegisterKinds
// runs them all.
var kindRegistrations []func(s *Service)

// registerKinds adds an area's registration (call it from init).
func registerKinds(f func(s *Service)) { kindRegistrations = append(kindRegistrations, f) }

// RegisterKinds lets the directory's links and taggings name learning's records. The
// application calls it once after NewService (LoadDemo calls it too).
func (s *Service) RegisterKinds() {
	if s.Dir == nil {
		return
	}
	for _, f := range kindRegistrations {
		f(s)
	}
}

func init() {
	registerKinds(func(s *Service) {
		s.Dir.RegisterKind(CaseStudyKind, "Case study", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
			c, err := scanCaseStudy(q.QueryRow(ctx, "SELECT "+csColumns+csFrom+" WHERE cs.id = ?", id))
			if err != nil {
				return directory.LinkRecord{}, err
			}
			v := Viewer{P: authz.From(ctx), Communities: map[int64]bool{}}
			if c.Visibility == Community && c.CommunityID != 0 && v.P.UserID != 0 {
				member, err := IsCommunityMember(ctx, q, c.CommunityID, v.P.UserID)
				if err != nil {
					return directory.LinkRecord{}, err
				}
				v.Communities[c.CommunityID] = member
			}
			return directory.LinkRecord{Title: c.Title, URL: c.URL(), Visible: canSeeCaseStudy(v, c), Owners: []int64{c.OrgID}}, nil
		})
	})
}
