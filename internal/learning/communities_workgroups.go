package learning

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Workgroups inside a community: smaller groups of members working on one topic. Their names
// and purposes are public with the community; their members, threads and events are the
// community's.

// Workgroup is a workgroup of a community.
type Workgroup struct {
	ID            int64     `json:"id"`
	CommunityID   int64     `json:"community_id"`
	CommunitySlug string    `json:"community_slug"`
	Name          string    `json:"name"`
	Description   string    `json:"description"`
	CreatedAt     time.Time `json:"created_at"`
	Members       int       `json:"member_count"`
}

// URL is the workgroup's page.
func (w Workgroup) URL() string {
	return "/communities/" + w.CommunitySlug + "/workgroups/" + cpItoa(w.ID)
}

// WorkgroupInput creates or changes a workgroup.
type WorkgroupInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// WorkgroupView is a workgroup with its community and, for those inside, its members.
type WorkgroupView struct {
	Access    Access
	Workgroup Workgroup
	Mine      bool     // the asker is in the workgroup
	Members   []string // names, for those inside the community
}

const workgroupColumns = `w.id, w.community_id, c.slug, w.name, w.description, w.created_at,
	(SELECT COUNT(*) FROM workgroup_members wm WHERE wm.workgroup_id = w.id)`

const workgroupFrom = ` FROM workgroups w JOIN communities c ON c.id = w.community_id`

func scanWorkgroup(row interface{ Scan(...any) error }) (Workgroup, error) {
	var w Workgroup
	err := row.Scan(&w.ID, &w.CommunityID, &w.CommunitySlug, &w.Name, &w.Description, &w.CreatedAt, &w.Members)
	return w, db.MapError(err)
}

func cpItoa(n int64) string { return strconv.FormatInt(n, 10) }

// Workgroups lists a community's workgroups by name (public, with the community).
func (s *Service) Workgroups(ctx context.Context, communityID int64) ([]Workgroup, error) {
	var out []Workgroup
	err := db.Each(ctx, s.DB, "SELECT "+workgroupColumns+workgroupFrom+" WHERE w.community_id = ? ORDER BY lower(w.name), w.id", []any{communityID},
		func(rows *sql.Rows) error {
			w, err := scanWorkgroup(rows)
			out = append(out, w)
			return err
		})
	return out, err
}

// Workgroup loads a workgroup of a community; its members' names only for those inside.
func (s *Service) Workgroup(ctx context.Context, ref string, id int64) (WorkgroupView, error) {
	a, err := s.Community(ctx, ref)
	if err != nil {
		return WorkgroupView{}, err
	}
	w, err := scanWorkgroup(s.DB.QueryRow(ctx, "SELECT "+workgroupColumns+workgroupFrom+" WHERE w.id = ? AND w.community_id = ?", id, a.Community.ID))
	if err != nil {
		return WorkgroupView{}, err
	}
	v := WorkgroupView{Access: a, Workgroup: w}
	if !a.Inside() {
		return v, nil
	}
	uid := authz.From(ctx).UserID
	err = db.Each(ctx, s.DB, `SELECT u.id, u.name FROM workgroup_members wm JOIN users u ON u.id = wm.user_id
		WHERE wm.workgroup_id = ? ORDER BY lower(u.name), u.id`, []any{id}, func(rows *sql.Rows) error {
		var mid int64
		var name string
		if err := rows.Scan(&mid, &name); err != nil {
			return err
		}
		v.Mine = v.Mine || mid == uid
		v.Members = append(v.Members, name)
		return nil
	})
	return v, err
}

func (in *WorkgroupInput) check() error {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	var c valid.Checker
	c.Text("name", in.Name, "the workgroup's name", maxCommunityName)
	c.MaxLen("description", in.Description, maxDescription)
	return c.Err()
}

// CreateWorkgroup adds a workgroup to a community (those who manage it).
func (s *Service) CreateWorkgroup(ctx context.Context, ref string, in WorkgroupInput) (Workgroup, error) {
	a, err := s.Community(ctx, ref)
	if err != nil {
		return Workgroup{}, err
	}
	if !a.Manage {
		return Workgroup{}, audit.Deny(ctx, s.DB, "workgroup.create", "community", a.Community.ID)
	}
	if err := in.check(); err != nil {
		return Workgroup{}, err
	}
	var w Workgroup
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, "INSERT INTO workgroups (community_id, name, description, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			a.Community.ID, in.Name, in.Description, s.Now()).Scan(&id)
		if errors.Is(db.MapError(err), db.ErrConflict) {
			return valid.Errors{"name": "The community has a workgroup of this name already."}
		}
		if err != nil {
			return err
		}
		if w, err = scanWorkgroup(tx.QueryRow(ctx, "SELECT "+workgroupColumns+workgroupFrom+" WHERE w.id = ?", id)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "workgroup.create", TargetKind: "workgroup", TargetID: id, Target: w.Name})
	})
	return w, err
}

// UpdateWorkgroup changes a workgroup (those who manage its community).
func (s *Service) UpdateWorkgroup(ctx context.Context, ref string, id int64, in WorkgroupInput) (Workgroup, error) {
	v, err := s.Workgroup(ctx, ref, id)
	if err != nil {
		return Workgroup{}, err
	}
	if !v.Access.Manage {
		return Workgroup{}, audit.Deny(ctx, s.DB, "workgroup.update", "workgroup", id)
	}
	if err := in.check(); err != nil {
		return Workgroup{}, err
	}
	var w Workgroup
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		err := db.Affected(tx.Exec(ctx, "UPDATE workgroups SET name = ?, description = ? WHERE id = ?", in.Name, in.Description, id))
		if errors.Is(err, db.ErrConflict) {
			return valid.Errors{"name": "The community has a workgroup of this name already."}
		}
		if err != nil {
			return err
		}
		if w, err = scanWorkgroup(tx.QueryRow(ctx, "SELECT "+workgroupColumns+workgroupFrom+" WHERE w.id = ?", id)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "workgroup.update", TargetKind: "workgroup", TargetID: id, Target: w.Name,
			Detail: cpChanged(map[string][2]string{"name": {v.Workgroup.Name, w.Name}, "description": {v.Workgroup.Description, w.Description}})})
	})
	return w, err
}

// JoinWorkgroup adds the person in ctx to a workgroup (active members of its community), or
// takes them out of it (join false). Doing it twice changes nothing.
func (s *Service) JoinWorkgroup(ctx context.Context, ref string, id int64, join bool) error {
	p := authz.From(ctx)
	v, err := s.Workgroup(ctx, ref, id)
	if err != nil {
		return err
	}
	if !p.SignedIn() {
		return authz.ErrForbidden
	}
	if join && !v.Access.Member() {
		return audit.Deny(ctx, s.DB, "workgroup.join", "workgroup", id)
	}
	if join == v.Mine {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		action := "workgroup.join"
		if join {
			if _, err := tx.Exec(ctx, "INSERT INTO workgroup_members (workgroup_id, user_id, joined_at) VALUES (?, ?, ?) ON CONFLICT (workgroup_id, user_id) DO NOTHING",
				id, p.UserID, s.Now()); err != nil {
				return err
			}
		} else {
			action = "workgroup.leave"
			if _, err := tx.Exec(ctx, "DELETE FROM workgroup_members WHERE workgroup_id = ? AND user_id = ?", id, p.UserID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "workgroup", TargetID: id, Target: v.Workgroup.Name})
	})
}
