// Package learning is capability E: case studies, learnings, evidence, learning reports with
// recommendations, place outcomes (results-based accountability: turn the curve), and
// communities of practice — the structured learning from place-based work that the OGP
// commitment AU0019 promises ("capture learnings", "provide Government with recommendations").
package learning

import (
	"context"
	"database/sql"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/mail"
)

// Service holds the rules of learning: who sees and changes what, one transaction per
// change, each change audited.
type Service struct {
	DB   *db.DB
	Dir  *directory.Service
	Mail mail.Sender
	Now  func() time.Time
	// BaseURL is the site's public address, for links in emails ("" or nil gives paths only).
	BaseURL func() string
}

// NewService builds the service.
func NewService(d *db.DB, dir *directory.Service) *Service {
	return &Service{DB: d, Dir: dir, Now: db.Now}
}

// Visibility of a case study, learning or evidence record.
const (
	Public    = "public"    // everyone, signed in or not
	Members   = "members"   // anyone signed in
	Community = "community" // the members of one community of practice
)

// Visibilities lists them for forms.
var Visibilities = []struct{ Value, Label string }{
	{Public, "Everyone"},
	{Members, "Signed-in members"},
	{Community, "One community of practice"},
}

// Viewer is what visibility checks need to know about who is asking.
type Viewer struct {
	P authz.Principal
	// Communities are the communities the viewer is an active member of.
	Communities map[int64]bool
}

// ViewerOf loads the viewer of a request: the principal and their communities.
func (s *Service) ViewerOf(ctx context.Context) (Viewer, error) {
	p := authz.From(ctx)
	v := Viewer{P: p, Communities: map[int64]bool{}}
	if p.UserID == 0 {
		return v, nil
	}
	err := db.Each(ctx, s.DB, "SELECT community_id FROM community_members WHERE user_id = ? AND status = 'active'", []any{p.UserID},
		func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			v.Communities[id] = true
			return nil
		})
	return v, err
}

// CanSee reports whether the viewer may see a record with this visibility, owned by orgID
// and (for community visibility) shared with communityID. Staff of the owning organisation
// and site admins see everything of theirs.
func (v Viewer) CanSee(visibility string, orgID, communityID int64) bool {
	switch {
	case v.P.SiteAdmin, orgID != 0 && v.P.Can(authz.Read, orgID):
		return true
	case visibility == Public:
		return true
	case visibility == Members:
		return v.P.UserID != 0
	case visibility == Community:
		return communityID != 0 && v.Communities[communityID]
	}
	return false
}

// VisibleSQL is a WHERE condition (with its arguments) that keeps the rows of table alias t
// (columns visibility, organisation_id, community_id) the viewer may see.
func (v Viewer) VisibleSQL(t string) (string, []any) {
	if v.P.SiteAdmin {
		return "1=1", nil
	}
	cond := t + ".visibility = 'public'"
	var args []any
	if v.P.UserID != 0 {
		cond += " OR " + t + ".visibility = 'members'"
		if len(v.Communities) > 0 {
			ids := make([]int64, 0, len(v.Communities))
			for id := range v.Communities {
				ids = append(ids, id)
			}
			ph, a := db.In(ids)
			cond += " OR (" + t + ".visibility = 'community' AND " + t + ".community_id IN (" + ph + "))"
			args = append(args, a...)
		}
		if orgs := v.P.Orgs(authz.Read); len(orgs) > 0 {
			ph, a := db.In(orgs)
			cond += " OR " + t + ".organisation_id IN (" + ph + ")"
			args = append(args, a...)
		}
	}
	return "(" + cond + ")", args
}
