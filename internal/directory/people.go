package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Person is an account as the directory shows it: never its password hash.
type Person struct {
	ID          int64        `json:"id"`
	Email       string       `json:"email"`
	Name        string       `json:"name"`
	SiteAdmin   bool         `json:"site_admin"`
	Disabled    bool         `json:"disabled"`
	HasPassword bool         `json:"has_password"`
	SSO         bool         `json:"single_sign_on"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	Memberships []Membership `json:"memberships,omitempty"`
}

func personOf(u auth.User) Person {
	return Person{ID: u.ID, Email: u.Email, Name: u.Name, SiteAdmin: u.IsAdmin, Disabled: u.Disabled(),
		HasPassword: u.PasswordHash != "", SSO: u.OIDCSubject != "", CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// RoleOptions lists the organisation roles for a select, least able first.
func RoleOptions() []web.Option {
	out := make([]web.Option, len(authz.Roles))
	for i, r := range authz.Roles {
		out[i] = web.Option{Value: string(r), Label: r.Label()}
	}
	return out
}

// PersonInput is what a person submits to add someone.
type PersonInput struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	// OrgID and Role give the new person a membership; organisation admins must name one of
	// their organisations.
	OrgID     int64      `json:"organisation_id"`
	Role      authz.Role `json:"role"`
	SiteAdmin bool       `json:"site_admin"`
	// TemporaryPassword asks for a generated password, returned once to the creator. Without
	// it the account has no password: the person signs in with single sign-on or sets one
	// through "forgotten password".
	TemporaryPassword bool `json:"temporary_password"`
}

// Normalize trims the input.
func (in *PersonInput) Normalize() {
	in.Email = strings.TrimSpace(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	in.Role = authz.Role(strings.TrimSpace(string(in.Role)))
}

// Validate checks the input.
func (in PersonInput) Validate() error {
	var c valid.Checker
	c.Email("email", in.Email)
	c.Text("name", in.Name, "the person's name", 200)
	c.Check(in.OrgID >= 0, "organisation_id", "Choose an organisation from the list.")
	if in.OrgID > 0 || in.Role != "" {
		c.Check(in.OrgID > 0, "organisation_id", "Choose the organisation the role is in.")
		c.OneOf("role", string(in.Role), authz.RoleNames(), "a role")
	}
	return c.Err()
}

// PersonUpdate is a change to an account. Nil fields are left as they are.
type PersonUpdate struct {
	Email     *string `json:"email,omitempty"`
	Name      *string `json:"name,omitempty"`
	SiteAdmin *bool   `json:"site_admin,omitempty"`
	Disabled  *bool   `json:"disabled,omitempty"`
}

// NewPerson is a created account, with its temporary password when one was asked for (shown
// this once and never again).
type NewPerson struct {
	Person
	TemporaryPassword string `json:"temporary_password,omitempty"`
}

// PeopleFilter narrows the list of people.
type PeopleFilter struct {
	Text string
	// OrgIDs, when Scoped, keeps only members of these organisations.
	OrgIDs []int64
	Scoped bool
	After  int64
	Limit  int
}

// MemberInput is a role given through the API.
type MemberInput struct {
	Role authz.Role `json:"role"`
}

// ---- store ----

const personColumns = `u.id, u.email, u.name, u.is_admin, u.password_hash <> '', u.oidc_subject <> '', u.created_at, u.updated_at, u.disabled_at IS NOT NULL`

// People lists accounts (never their password hashes) by name, or by ID when paging.
func (Store) People(ctx context.Context, q db.Q, f PeopleFilter) ([]Person, error) {
	var w where
	if f.Scoped {
		if len(f.OrgIDs) == 0 {
			return nil, nil
		}
		args := make([]any, len(f.OrgIDs))
		for i, o := range f.OrgIDs {
			args[i] = o
		}
		w.add("u.id IN (SELECT user_id FROM memberships WHERE organisation_id IN ("+db.Placeholders(len(args))+"))", args...)
	}
	if f.Text != "" {
		w.add(`(lower(u.name) LIKE ? ESCAPE '\' OR lower(u.email) LIKE ? ESCAPE '\')`, like(f.Text), like(f.Text))
	}
	if f.After != 0 {
		w.add("u.id > ?", f.After)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	order := " ORDER BY lower(u.name), u.id"
	if f.After != 0 || f.Limit > 0 {
		order = " ORDER BY u.id"
	}
	rows, err := q.Query(ctx, "SELECT "+personColumns+" FROM users u"+w.sql()+order+" LIMIT ?", append(w.args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Email, &p.Name, &p.SiteAdmin, &p.HasPassword, &p.SSO, &p.CreatedAt, &p.UpdatedAt, &p.Disabled); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MembershipsOfPeople maps each of the people to their memberships.
func (Store) MembershipsOfPeople(ctx context.Context, q db.Q, userIDs []int64) (map[int64][]Membership, error) {
	out := map[int64][]Membership{}
	for start := 0; start < len(userIDs); start += 500 {
		batch := userIDs[start:min(start+500, len(userIDs))]
		args := make([]any, len(batch))
		for i, u := range batch {
			args[i] = u
		}
		rows, err := q.Query(ctx, "SELECT "+memberColumns+memberFrom+" WHERE m.user_id IN ("+db.Placeholders(len(args))+") ORDER BY lower(o.name)", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var m Membership
			if err := rows.Scan(&m.UserID, &m.UserName, &m.UserEmail, &m.OrgID, &m.OrgName, &m.Role, &m.CreatedAt); err != nil {
				rows.Close()
				return nil, err
			}
			out[m.UserID] = append(out[m.UserID], m)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CountAdmins counts an organisation's admins.
func (Store) CountAdmins(ctx context.Context, q db.Q, orgID int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM memberships WHERE organisation_id = ? AND role = ?", orgID, string(authz.Admin)).Scan(&n)
	return n, err
}

// CountSiteAdmins counts the site administrators whose accounts are enabled.
func (Store) CountSiteAdmins(ctx context.Context, q db.Q) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE is_admin AND disabled_at IS NULL").Scan(&n)
	return n, err
}

// ---- service ----

// CanListPeople reports whether the principal may open the list of people: site admins see
// everyone, organisation admins the members of the organisations they administer.
func CanListPeople(p authz.Principal) bool { return p.SiteAdmin || p.CanAny(authz.Administer) }

// CanCreatePerson reports whether the principal may add people (site admins, and
// organisation admins for their organisations).
func CanCreatePerson(p authz.Principal) bool { return CanListPeople(p) }

// canSeePerson: themselves, site admins, and admins of an organisation the person belongs to.
func canSeePerson(p authz.Principal, id int64, ms []Membership) bool {
	if p.SiteAdmin || (p.SignedIn() && p.UserID == id) {
		return true
	}
	return slices.ContainsFunc(ms, func(m Membership) bool { return p.Can(authz.Administer, m.OrgID) })
}

// canManageAccount: site admins, and organisation admins for a person who is not a site admin
// and all of whose memberships are in organisations they administer (so that no admin can
// lock someone out of another organisation's work).
func canManageAccount(p authz.Principal, person Person, ms []Membership) bool {
	if p.SiteAdmin {
		return true
	}
	if person.SiteAdmin || len(ms) == 0 || !p.SignedIn() {
		return false
	}
	for _, m := range ms {
		if !p.Can(authz.Administer, m.OrgID) {
			return false
		}
	}
	return true
}

// PersonRights says what the principal may do to one person's account.
type PersonRights struct {
	EditName, EditEmail, EditAdmin, EditDisabled bool
}

// Any reports whether any change is allowed.
func (r PersonRights) Any() bool { return r.EditName || r.EditEmail || r.EditAdmin || r.EditDisabled }

func personRights(p authz.Principal, person Person, ms []Membership) PersonRights {
	self := p.SignedIn() && p.UserID == person.ID
	manage := canManageAccount(p, person, ms)
	return PersonRights{
		EditName:     self || manage,
		EditEmail:    manage,
		EditAdmin:    p.SiteAdmin,
		EditDisabled: manage && !self,
	}
}

// People lists the people the principal may see.
func (s *Service) People(ctx context.Context, f PeopleFilter) ([]Person, error) {
	p := authz.From(ctx)
	if !CanListPeople(p) {
		return nil, authz.ErrForbidden
	}
	f.Scoped, f.OrgIDs = false, nil
	if !p.SiteAdmin {
		f.Scoped, f.OrgIDs = true, p.Orgs(authz.Administer)
	}
	return s.Store.People(ctx, s.DB, f)
}

// Person returns one person with their memberships, for those who may see them.
func (s *Service) Person(ctx context.Context, id int64) (Person, error) {
	p := authz.From(ctx)
	if !p.SignedIn() && !p.SiteAdmin {
		return Person{}, authz.ErrForbidden
	}
	u, err := auth.UserByID(ctx, s.DB, id)
	if err != nil {
		return Person{}, err
	}
	ms, err := s.Store.MembershipsOf(ctx, s.DB, id)
	if err != nil {
		return Person{}, err
	}
	if !canSeePerson(p, id, ms) {
		return Person{}, authz.ErrForbidden
	}
	person := personOf(u)
	person.Memberships = ms
	return person, nil
}

// Rights returns what the principal may change on a person loaded with Person.
func (s *Service) Rights(ctx context.Context, person Person) PersonRights {
	return personRights(authz.From(ctx), person, person.Memberships)
}

// newTemporaryPassword makes a random password that is easy to type: four groups of five
// letters and digits (about 119 bits).
func newTemporaryPassword() string {
	t := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return 'x'
		}
		return r
	}, auth.NewToken())
	return t[0:5] + "-" + t[5:10] + "-" + t[10:15] + "-" + t[15:20]
}

// CreatePerson adds an account: site admins anyone, organisation admins a person with a role
// in one of their organisations. Only site admins make site admins.
func (s *Service) CreatePerson(ctx context.Context, in PersonInput) (NewPerson, error) {
	p := authz.From(ctx)
	if !CanCreatePerson(p) || (in.SiteAdmin && !p.SiteAdmin) {
		return NewPerson{}, audit.Deny(ctx, s.DB, "person.create", "user", 0)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return NewPerson{}, err
	}
	if !p.SiteAdmin {
		if in.OrgID == 0 {
			return NewPerson{}, valid.Errors{"organisation_id": "Choose the organisation you are adding this person to."}
		}
		if !p.Can(authz.Administer, in.OrgID) {
			return NewPerson{}, valid.Errors{"organisation_id": "Choose an organisation you administer."}
		}
	}
	var out NewPerson
	hash := ""
	if in.TemporaryPassword {
		out.TemporaryPassword = newTemporaryPassword()
		h, err := auth.HashPassword(out.TemporaryPassword)
		if err != nil {
			return NewPerson{}, err
		}
		hash = h
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var org Organisation
		if in.OrgID != 0 {
			var err error
			if org, err = s.Store.Org(ctx, tx, in.OrgID); errors.Is(err, db.ErrNotFound) {
				return valid.Errors{"organisation_id": "Choose an organisation from the list."}
			} else if err != nil {
				return err
			}
		}
		id, err := auth.InsertUser(ctx, tx, auth.User{Email: in.Email, Name: in.Name, IsAdmin: in.SiteAdmin, PasswordHash: hash})
		if err != nil {
			return conflict(err, "email", "An account with this email address already exists: add them to the organisation from its members page instead.")
		}
		detail := "no password: single sign-on or password reset"
		if hash != "" {
			detail = "temporary password issued"
		}
		if in.SiteAdmin {
			detail += "; site admin"
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "person.create", TargetKind: "user", TargetID: id, Target: in.Email, Detail: detail}); err != nil {
			return err
		}
		if in.OrgID != 0 {
			if err := s.Store.SetMembership(ctx, tx, id, in.OrgID, in.Role); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, audit.Entry{Action: "membership.set", TargetKind: "organisation", TargetID: org.ID, Target: org.Name,
				Detail: fmt.Sprintf("%s (user %d): none → %s", in.Email, id, in.Role)}); err != nil {
				return err
			}
		}
		u, err := auth.UserByID(ctx, tx, id)
		if err != nil {
			return err
		}
		out.Person = personOf(u)
		out.Memberships, err = s.Store.MembershipsOf(ctx, tx, id)
		return err
	})
	if err != nil {
		return NewPerson{}, err
	}
	return out, nil
}

// UpdatePerson changes an account. A person may change their own name; site admins, and
// organisation admins for people only in their organisations, change name, email and whether
// the account is disabled; only site admins change the site-admin flag. Nobody disables
// themselves, and the last enabled site admin keeps the flag.
func (s *Service) UpdatePerson(ctx context.Context, id int64, in PersonUpdate) (Person, error) {
	p := authz.From(ctx)
	if !p.SignedIn() && !p.SiteAdmin {
		return Person{}, audit.Deny(ctx, s.DB, "person.update", "user", id)
	}
	u, err := auth.UserByID(ctx, s.DB, id)
	if err != nil {
		return Person{}, err
	}
	ms, err := s.Store.MembershipsOf(ctx, s.DB, id)
	if err != nil {
		return Person{}, err
	}
	if !canSeePerson(p, id, ms) {
		return Person{}, audit.Deny(ctx, s.DB, "person.update", "user", id)
	}
	old := personOf(u)
	rights := personRights(p, old, ms)
	var c valid.Checker
	if in.Name != nil {
		*in.Name = strings.TrimSpace(*in.Name)
		if *in.Name != u.Name {
			if !rights.EditName {
				return Person{}, audit.Deny(ctx, s.DB, "person.update", "user", id)
			}
			c.Text("name", *in.Name, "the person's name", 200)
		}
	}
	if in.Email != nil {
		*in.Email = strings.TrimSpace(*in.Email)
		if *in.Email != u.Email {
			if !rights.EditEmail {
				return Person{}, audit.Deny(ctx, s.DB, "person.update", "user", id)
			}
			c.Email("email", *in.Email)
		}
	}
	if in.SiteAdmin != nil && *in.SiteAdmin != u.IsAdmin && !rights.EditAdmin {
		return Person{}, audit.Deny(ctx, s.DB, "person.update", "user", id)
	}
	if in.Disabled != nil && *in.Disabled != u.Disabled() {
		if p.UserID == id && *in.Disabled {
			c.Add("disabled", "You cannot disable your own account.")
		} else if !rights.EditDisabled {
			return Person{}, audit.Deny(ctx, s.DB, "person.update", "user", id)
		}
	}
	if err := c.Err(); err != nil {
		return Person{}, err
	}
	var person Person
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		u, err := auth.UserByID(ctx, tx, id)
		if err != nil {
			return err
		}
		before := personOf(u)
		if in.Name != nil {
			u.Name = *in.Name
		}
		if in.Email != nil {
			u.Email = *in.Email
		}
		if in.SiteAdmin != nil {
			u.IsAdmin = *in.SiteAdmin
		}
		disabling, enabling := false, false
		if in.Disabled != nil && *in.Disabled != u.Disabled() {
			if *in.Disabled {
				u.DisabledAt.V, u.DisabledAt.Valid = db.Now(), true
				disabling = true
			} else {
				u.DisabledAt.Valid = false
				enabling = true
			}
		}
		if before.SiteAdmin && before.Enabled() && (!u.IsAdmin || disabling) {
			n, err := s.Store.CountSiteAdmins(ctx, tx)
			if err != nil {
				return err
			}
			if n <= 1 {
				field := "site_admin"
				if disabling {
					field = "disabled"
				}
				return valid.Errors{field: "This is the last site administrator: make someone else a site administrator first."}
			}
		}
		if err := auth.UpdateUser(ctx, tx, u); err != nil {
			return conflict(err, "email", "Another account already has this email address.")
		}
		if disabling {
			// Sessions die with the account; re-enabling it does not bring them back.
			if err := auth.New(s.DB, nil, auth.Config{}).RevokeAllSessions(ctx, tx, id, ""); err != nil {
				return err
			}
		}
		after, err := auth.UserByID(ctx, tx, id)
		if err != nil {
			return err
		}
		person = personOf(after)
		action := "person.update"
		switch {
		case disabling:
			action = "person.disable"
		case enabling:
			action = "person.enable"
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "user", TargetID: id, Target: after.Email,
			Detail: changed(personFields(before), personFields(person))})
	})
	if err != nil {
		return Person{}, err
	}
	person.Memberships = ms
	return person, nil
}

// Enabled reports whether the account may sign in.
func (p Person) Enabled() bool { return !p.Disabled }

func personFields(p Person) map[string]string {
	return map[string]string{"email": p.Email, "name": p.Name, "site_admin": fmt.Sprint(p.SiteAdmin), "disabled": fmt.Sprint(p.Disabled)}
}

// Members lists an organisation's members, for its members and site admins.
func (s *Service) Members(ctx context.Context, orgID int64) ([]Membership, error) {
	if _, err := s.Org(ctx, orgID); err != nil {
		return nil, err
	}
	if !authz.From(ctx).Can(authz.Read, orgID) {
		return nil, authz.ErrForbidden
	}
	return s.Store.MembersOf(ctx, s.DB, orgID)
}

const lastAdminMsg = "An organisation needs at least one admin: make someone else its admin first."

// SetMember gives a person a role in an organisation (adding them, or changing their role):
// the organisation's admins and site admins. An organisation keeps at least one admin unless
// a site admin acts.
func (s *Service) SetMember(ctx context.Context, orgID, userID int64, role authz.Role) (Membership, error) {
	p := authz.From(ctx)
	if !p.Can(authz.Administer, orgID) {
		return Membership{}, audit.Deny(ctx, s.DB, "membership.set", "organisation", orgID)
	}
	role = authz.Role(strings.TrimSpace(string(role)))
	if !role.Valid() {
		return Membership{}, valid.Errors{"role": "Choose a role from the list."}
	}
	var m Membership
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		org, err := s.Store.Org(ctx, tx, orgID)
		if err != nil {
			return err
		}
		u, err := auth.UserByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		roles, err := s.Store.Roles(ctx, tx, userID)
		if err != nil {
			return err
		}
		cur, had := roles[orgID]
		if had && cur == role {
			m, err = s.membership(ctx, tx, orgID, userID)
			return err
		}
		if cur == authz.Admin && !p.SiteAdmin {
			n, err := s.Store.CountAdmins(ctx, tx, orgID)
			if err != nil {
				return err
			}
			if n <= 1 {
				return valid.Errors{"role": lastAdminMsg}
			}
		}
		if err := s.Store.SetMembership(ctx, tx, userID, orgID, role); err != nil {
			return err
		}
		from := "none"
		if had {
			from = string(cur)
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "membership.set", TargetKind: "organisation", TargetID: orgID, Target: org.Name,
			Detail: fmt.Sprintf("%s (user %d): %s → %s", u.Email, userID, from, role)}); err != nil {
			return err
		}
		m, err = s.membership(ctx, tx, orgID, userID)
		return err
	})
	return m, err
}

func (s *Service) membership(ctx context.Context, q db.Q, orgID, userID int64) (Membership, error) {
	ms, err := s.Store.MembershipsOf(ctx, q, userID)
	if err != nil {
		return Membership{}, err
	}
	for _, m := range ms {
		if m.OrgID == orgID {
			return m, nil
		}
	}
	return Membership{}, db.ErrNotFound
}

// AddMemberByEmail gives the account with email a role in an organisation; field errors are
// reported on "email" and "role".
func (s *Service) AddMemberByEmail(ctx context.Context, orgID int64, email string, role authz.Role) (Membership, error) {
	if !authz.From(ctx).Can(authz.Administer, orgID) {
		return Membership{}, audit.Deny(ctx, s.DB, "membership.set", "organisation", orgID)
	}
	var c valid.Checker
	c.Email("email", email)
	c.OneOf("role", strings.TrimSpace(string(role)), authz.RoleNames(), "a role")
	if err := c.Err(); err != nil {
		return Membership{}, err
	}
	u, err := auth.UserByEmail(ctx, s.DB, email)
	if errors.Is(err, db.ErrNotFound) {
		return Membership{}, valid.Errors{"email": "No account has this email address: add the person first."}
	} else if err != nil {
		return Membership{}, err
	}
	return s.SetMember(ctx, orgID, u.ID, role)
}

// RemoveMember takes a person out of an organisation: its admins and site admins. The
// organisation keeps at least one admin unless a site admin acts, so an admin cannot remove
// their own last admin role.
func (s *Service) RemoveMember(ctx context.Context, orgID, userID int64) error {
	p := authz.From(ctx)
	if !p.Can(authz.Administer, orgID) {
		return audit.Deny(ctx, s.DB, "membership.remove", "organisation", orgID)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		org, err := s.Store.Org(ctx, tx, orgID)
		if err != nil {
			return err
		}
		u, err := auth.UserByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		roles, err := s.Store.Roles(ctx, tx, userID)
		if err != nil {
			return err
		}
		cur, had := roles[orgID]
		if !had {
			return db.ErrNotFound
		}
		if cur == authz.Admin && !p.SiteAdmin {
			n, err := s.Store.CountAdmins(ctx, tx, orgID)
			if err != nil {
				return err
			}
			if n <= 1 {
				return valid.Errors{"role": lastAdminMsg}
			}
		}
		if err := s.Store.RemoveMembership(ctx, tx, userID, orgID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "membership.remove", TargetKind: "organisation", TargetID: orgID, Target: org.Name,
			Detail: fmt.Sprintf("%s (user %d): %s → none", u.Email, userID, cur)})
	})
}
