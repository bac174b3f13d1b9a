// Package authz holds who is asking (the Principal), the roles people hold in organisations,
// and the checks every service makes before it reads or changes an object.
package authz

import (
	"context"
	"errors"
	"slices"
)

// ErrForbidden is returned when the principal may not do what it asked. Handlers answer 403
// (or send anonymous visitors to sign in).
var ErrForbidden = errors.New("forbidden")

// Role is a person's role in one organisation.
type Role string

const (
	Viewer      Role = "viewer"
	Contributor Role = "contributor"
	Reviewer    Role = "reviewer"
	Manager     Role = "manager"
	Admin       Role = "admin"
)

// Roles lists the roles from least to most able.
var Roles = []Role{Viewer, Contributor, Reviewer, Manager, Admin}

// RoleNames is Roles as strings, for validation.
func RoleNames() []string {
	out := make([]string, len(Roles))
	for i, r := range Roles {
		out[i] = string(r)
	}
	return out
}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case Viewer:
		return "Viewer"
	case Contributor:
		return "Contributor"
	case Reviewer:
		return "Reviewer"
	case Manager:
		return "Manager"
	case Admin:
		return "Organisation admin"
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Permission is something a role may do within its organisation.
type Permission int

const (
	// Read lets a member see the organisation's unpublished records.
	Read Permission = iota
	// Contribute lets a member create records and edit drafts.
	Contribute
	// Review lets a member record independent assessments.
	Review
	// Manage lets a member edit, publish and archive the organisation's records.
	Manage
	// Administer lets a member manage the organisation itself and its members.
	Administer
)

var grants = map[Role][]Permission{
	Viewer:      {Read},
	Contributor: {Read, Contribute},
	Reviewer:    {Read, Review},
	Manager:     {Read, Contribute, Review, Manage},
	Admin:       {Read, Contribute, Review, Manage, Administer},
}

// Grants reports whether role r carries permission p.
func (r Role) Grants(p Permission) bool { return slices.Contains(grants[r], p) }

// Principal is who is asking: anonymous (ID 0), or a signed-in person with their roles.
type Principal struct {
	UserID    int64
	Name      string
	Email     string
	SiteAdmin bool
	Roles     map[int64]Role // organisation ID → role
	// Via is how the principal authenticated: "session", "token" or "" (anonymous / CLI).
	Via string
}

// Anonymous is the public.
var Anonymous = Principal{}

// System is the principal of the command line and the demo loader: a site administrator.
var System = Principal{Name: "system", SiteAdmin: true}

// SignedIn reports whether the principal is a person who signed in.
func (p Principal) SignedIn() bool { return p.UserID != 0 }

// Can reports whether the principal holds permission perm in organisation org. Site admins
// can do everything.
func (p Principal) Can(perm Permission, org int64) bool {
	if p.SiteAdmin {
		return true
	}
	r, ok := p.Roles[org]
	return ok && r.Grants(perm)
}

// CanAny reports whether the principal holds perm in at least one organisation.
func (p Principal) CanAny(perm Permission) bool {
	if p.SiteAdmin {
		return true
	}
	for _, r := range p.Roles {
		if r.Grants(perm) {
			return true
		}
	}
	return false
}

// Orgs lists the organisations in which the principal holds perm.
func (p Principal) Orgs(perm Permission) []int64 {
	var out []int64
	for id, r := range p.Roles {
		if r.Grants(perm) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

type ctxKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in ctx; anonymous when none.
func From(ctx context.Context) Principal {
	p, _ := ctx.Value(ctxKey{}).(Principal)
	return p
}

// Require returns ErrForbidden unless ok.
func Require(ok bool) error {
	if ok {
		return nil
	}
	return ErrForbidden
}
