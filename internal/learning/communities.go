package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/mail"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Communities of practice: people who do the same kind of work, across organisations, who
// share tools, strategies and "a helping hand when needed". A community has members (open to
// anyone signed in, or by request), hosts who run it, workgroups inside it, events, discussion
// threads and a library. Its about page and events are public; its threads and library are for
// its members (and those who manage it).
//
// Who manages a community: its hosts (members with the host role), managers of its host
// organisation, and site admins. Site admins and managers of an organisation create them.

// Join policies.
const (
	JoinOpen    = "open"    // anyone signed in joins at once
	JoinRequest = "request" // a host approves each request
)

// JoinPolicies lists them for forms.
var JoinPolicies = []struct{ Value, Label string }{
	{JoinOpen, "Open: anyone signed in can join"},
	{JoinRequest, "By request: a host approves each member"},
}

// Member roles and statuses.
const (
	RoleMember      = "member"
	RoleHost        = "host"
	StatusActive    = "active"
	StatusRequested = "requested"
)

// Limits of community fields.
const (
	maxCommunityName = 200
	maxSlug          = 60
	maxDescription   = 20_000
)

// CoP is a community of practice.
type CoP struct {
	ID          int64      `json:"id"`
	Slug        string     `json:"slug"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	JoinPolicy  string     `json:"join_policy"`
	OrgID       int64      `json:"organisation_id,omitempty"`
	OrgName     string     `json:"organisation_name,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ArchivedAt  *time.Time `json:"archived_at,omitempty"`
	Members     int        `json:"member_count"`
	Workgroups  int        `json:"workgroup_count"`
}

// URL is the community's page.
func (c CoP) URL() string { return "/communities/" + c.Slug }

// PolicyLabel names the join policy for people.
func (c CoP) PolicyLabel() string {
	if c.JoinPolicy == JoinRequest {
		return "By request"
	}
	return "Open"
}

// CommunityInput is what a form or the API sends to create or change a community.
type CommunityInput struct {
	Name        string `json:"name"`
	Slug        string `json:"slug,omitempty"`
	Description string `json:"description"`
	JoinPolicy  string `json:"join_policy"`
	OrgID       int64  `json:"organisation_id,omitempty"`
}

// Member is a person's membership of a community.
type Member struct {
	CommunityID  int64      `json:"community_id"`
	UserID       int64      `json:"user_id"`
	Name         string     `json:"name"`
	Email        string     `json:"email,omitempty"`
	Role         string     `json:"role"`
	Status       string     `json:"status"`
	Digest       bool       `json:"digest"`
	JoinedAt     time.Time  `json:"joined_at"`
	DigestSentAt *time.Time `json:"digest_sent_at,omitempty"`
}

// Active reports whether the membership is active (not a request).
func (m Member) Active() bool { return m.Status == StatusActive }

// Host reports whether the member hosts the community.
func (m Member) Host() bool { return m.Active() && m.Role == RoleHost }

// MemberInput changes a membership: approve a request (status active) or change the role.
type MemberInput struct {
	Status string `json:"status,omitempty"`
	Role   string `json:"role,omitempty"`
}

// Access is what the asking person may do in one community.
type Access struct {
	Community CoP
	Me        Member // zero when not a member
	Manage    bool   // hosts, managers of the host organisation, site admins
}

// Member reports whether the person is an active member.
func (a Access) Member() bool { return a.Me.Active() }

// Requested reports whether the person's request to join waits for a host.
func (a Access) Requested() bool { return a.Me.Status == StatusRequested }

// Inside reports whether the person may read and write the members' parts (threads, library,
// workgroups): active members and those who manage the community.
func (a Access) Inside() bool { return a.Member() || a.Manage }

// CanCreateCommunity reports whether p may create a community: site admins and managers of
// at least one organisation.
func CanCreateCommunity(p authz.Principal) bool { return p.SiteAdmin || p.CanAny(authz.Manage) }

// --- store ---

const communityColumns = `c.id, c.slug, c.name, c.description, c.join_policy, COALESCE(c.organisation_id, 0), COALESCE(o.name, ''),
	c.created_at, c.updated_at, c.archived_at,
	(SELECT COUNT(*) FROM community_members m WHERE m.community_id = c.id AND m.status = 'active'),
	(SELECT COUNT(*) FROM workgroups w WHERE w.community_id = c.id)`

const communityFrom = ` FROM communities c LEFT JOIN organisations o ON o.id = c.organisation_id`

func scanCommunity(row interface{ Scan(...any) error }) (CoP, error) {
	var c CoP
	var archived sql.NullTime
	err := row.Scan(&c.ID, &c.Slug, &c.Name, &c.Description, &c.JoinPolicy, &c.OrgID, &c.OrgName,
		&c.CreatedAt, &c.UpdatedAt, &archived, &c.Members, &c.Workgroups)
	if archived.Valid {
		t := archived.Time
		c.ArchivedAt = &t
	}
	return c, db.MapError(err)
}

// communityByRef finds a community by its slug or its numeric ID.
func communityByRef(ctx context.Context, q db.Q, ref string) (CoP, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if id <= 0 {
			return CoP{}, db.ErrNotFound
		}
		return scanCommunity(q.QueryRow(ctx, "SELECT "+communityColumns+communityFrom+" WHERE c.id = ?", id))
	}
	if ref == "" || len(ref) > maxSlug {
		return CoP{}, db.ErrNotFound
	}
	return scanCommunity(q.QueryRow(ctx, "SELECT "+communityColumns+communityFrom+" WHERE c.slug = ?", ref))
}

const memberColumns = `m.community_id, m.user_id, u.name, u.email, m.role, m.status, m.digest, m.joined_at, m.digest_sent_at`

func scanMember(row interface{ Scan(...any) error }) (Member, error) {
	var m Member
	var sent sql.NullTime
	err := row.Scan(&m.CommunityID, &m.UserID, &m.Name, &m.Email, &m.Role, &m.Status, &m.Digest, &m.JoinedAt, &sent)
	if sent.Valid {
		t := sent.Time
		m.DigestSentAt = &t
	}
	return m, db.MapError(err)
}

func membership(ctx context.Context, q db.Q, communityID, userID int64) (Member, error) {
	if userID == 0 {
		return Member{}, db.ErrNotFound
	}
	return scanMember(q.QueryRow(ctx, "SELECT "+memberColumns+` FROM community_members m JOIN users u ON u.id = m.user_id
		WHERE m.community_id = ? AND m.user_id = ?`, communityID, userID))
}

// access loads a community and what the person in ctx may do in it.
func (s *Service) access(ctx context.Context, q db.Q, ref string) (Access, error) {
	c, err := communityByRef(ctx, q, ref)
	if err != nil {
		return Access{}, err
	}
	return s.accessTo(ctx, q, c)
}

func (s *Service) accessTo(ctx context.Context, q db.Q, c CoP) (Access, error) {
	p := authz.From(ctx)
	a := Access{Community: c}
	m, err := membership(ctx, q, c.ID, p.UserID)
	switch {
	case err == nil:
		a.Me = m
	case !errors.Is(err, db.ErrNotFound):
		return a, err
	}
	a.Manage = p.SiteAdmin || (c.OrgID != 0 && p.Can(authz.Manage, c.OrgID)) || a.Me.Host()
	return a, nil
}

// accessByID is access for a community known by ID (events, threads).
func (s *Service) accessByID(ctx context.Context, q db.Q, id int64) (Access, error) {
	return s.access(ctx, q, strconv.FormatInt(id, 10))
}

// --- reading ---

// Communities lists the communities that are not archived, by name.
func (s *Service) Communities(ctx context.Context) ([]CoP, error) {
	var out []CoP
	err := db.Each(ctx, s.DB, "SELECT "+communityColumns+communityFrom+" WHERE c.archived_at IS NULL ORDER BY lower(c.name), c.id", nil,
		func(rows *sql.Rows) error {
			c, err := scanCommunity(rows)
			out = append(out, c)
			return err
		})
	return out, err
}

// MyCommunities lists the IDs of the communities the person in ctx belongs to, with their
// membership status (active or requested).
func (s *Service) MyCommunities(ctx context.Context) (map[int64]string, error) {
	out := map[int64]string{}
	p := authz.From(ctx)
	if p.UserID == 0 {
		return out, nil
	}
	err := db.Each(ctx, s.DB, "SELECT community_id, status FROM community_members WHERE user_id = ?", []any{p.UserID},
		func(rows *sql.Rows) error {
			var id int64
			var st string
			if err := rows.Scan(&id, &st); err != nil {
				return err
			}
			out[id] = st
			return nil
		})
	return out, err
}

// Community loads a community (by slug or ID) with what the person in ctx may do in it.
// Everyone may read a community's about page; an archived one only those who manage it.
func (s *Service) Community(ctx context.Context, ref string) (Access, error) {
	a, err := s.access(ctx, s.DB, ref)
	if err != nil {
		return a, err
	}
	if a.Community.ArchivedAt != nil && !a.Manage {
		return Access{}, db.ErrNotFound
	}
	return a, nil
}

// Members lists a community's members and requests (requests first, then hosts, then by
// name), for those who manage it.
func (s *Service) Members(ctx context.Context, ref string) (Access, []Member, error) {
	a, err := s.Community(ctx, ref)
	if err != nil {
		return a, nil, err
	}
	if !a.Manage {
		return a, nil, authz.ErrForbidden
	}
	var out []Member
	err = db.Each(ctx, s.DB, "SELECT "+memberColumns+` FROM community_members m JOIN users u ON u.id = m.user_id
		WHERE m.community_id = ?
		ORDER BY CASE WHEN m.status = 'requested' THEN 0 WHEN m.role = 'host' THEN 1 ELSE 2 END, lower(u.name), m.user_id`,
		[]any{a.Community.ID}, func(rows *sql.Rows) error {
			m, err := scanMember(rows)
			out = append(out, m)
			return err
		})
	return a, out, err
}

// Hosts lists the names of a community's hosts (public: people need to know who runs it).
func (s *Service) Hosts(ctx context.Context, communityID int64) ([]string, error) {
	var out []string
	err := db.Each(ctx, s.DB, `SELECT u.name FROM community_members m JOIN users u ON u.id = m.user_id
		WHERE m.community_id = ? AND m.role = 'host' AND m.status = 'active' ORDER BY lower(u.name)`, []any{communityID},
		func(rows *sql.Rows) error {
			var n string
			err := rows.Scan(&n)
			out = append(out, n)
			return err
		})
	return out, err
}

// ManagedOrgs lists the organisations (ID and name) the person in ctx may host a community
// for: every organisation for site admins, those they manage for others.
func (s *Service) ManagedOrgs(ctx context.Context) ([]OrgOption, error) {
	p := authz.From(ctx)
	query := "SELECT id, name FROM organisations WHERE archived_at IS NULL"
	var args []any
	if !p.SiteAdmin {
		orgs := p.Orgs(authz.Manage)
		ph, a := db.In(orgs)
		query += " AND id IN (" + ph + ")"
		args = a
	}
	var out []OrgOption
	err := db.Each(ctx, s.DB, query+" ORDER BY lower(name)", args, func(rows *sql.Rows) error {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		out = append(out, OrgOption{Value: strconv.FormatInt(id, 10), Label: name})
		return nil
	})
	return out, err
}

// OrgOption is a choice in a form (value and label).
type OrgOption struct{ Value, Label string }

// --- changes ---

// Slugify makes an address name from a community's name: lower-case ASCII letters and digits
// joined by hyphens, at most 60 bytes; never all digits (that would read as an ID).
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '’' || r == '\'':
			// "O’Brien" → "obrien"
		default:
			if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
				dash = true
			}
		}
		if b.Len() >= maxSlug {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > maxSlug {
		s = strings.TrimRight(s[:maxSlug], "-")
	}
	if s == "" || cpDigits(s) {
		s = "community-" + s
		s = strings.TrimSuffix(s, "-")
	}
	return s
}

func cpDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// reservedSlugs are addresses under /communities/ that are not communities.
var reservedSlugs = []string{"new"}

func checkSlug(c *valid.Checker, slug string) {
	switch {
	case len(slug) > maxSlug:
		c.Addf("slug", "Use %d characters or fewer.", maxSlug)
	case slug != Slugify(slug) || cpDigits(slug) || slices.Contains(reservedSlugs, slug):
		c.Add("slug", "Use lower-case letters, digits and single hyphens, for example citizen-cop; not only digits.")
	}
}

func (in *CommunityInput) clean() {
	in.Name = strings.TrimSpace(in.Name)
	in.Slug = strings.TrimSpace(in.Slug)
	in.Description = strings.TrimSpace(in.Description)
	in.JoinPolicy = strings.TrimSpace(in.JoinPolicy)
}

func (in CommunityInput) check(p authz.Principal, old *CoP) error {
	var c valid.Checker
	c.Text("name", in.Name, "the community's name", maxCommunityName)
	if in.Slug != "" {
		checkSlug(&c, in.Slug)
	}
	c.MaxLen("description", in.Description, maxDescription)
	c.OneOf("join_policy", in.JoinPolicy, []string{JoinOpen, JoinRequest}, "how people join")
	switch {
	case in.OrgID < 0:
		c.Add("organisation_id", "Choose an organisation from the list.")
	case in.OrgID == 0 && !p.SiteAdmin && (old == nil || old.OrgID != 0):
		c.Add("organisation_id", "Choose the organisation that hosts the community.")
	case in.OrgID != 0 && !p.SiteAdmin && !p.Can(authz.Manage, in.OrgID) && (old == nil || old.OrgID != in.OrgID):
		c.Add("organisation_id", "Choose an organisation you manage.")
	}
	return c.Err()
}

// uniqueSlug returns slug, or slug-2, slug-3… when another community (not self) has it.
func uniqueSlug(ctx context.Context, q db.Q, slug string, self int64) (string, error) {
	base := slug
	for n := 2; ; n++ {
		var id int64
		err := q.QueryRow(ctx, "SELECT id FROM communities WHERE slug = ?", slug).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && id == self) {
			return slug, nil
		}
		if err != nil {
			return "", err
		}
		suffix := "-" + strconv.Itoa(n)
		slug = strings.TrimRight(base[:min(len(base), maxSlug-len(suffix))], "-") + suffix
		if n > 1000 {
			return "", valid.Errors{"slug": "Choose another address: this one is taken."}
		}
	}
}

func checkOrgExists(ctx context.Context, q db.Q, orgID int64) error {
	if orgID == 0 {
		return nil
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM organisations WHERE id = ? AND archived_at IS NULL", orgID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return valid.Errors{"organisation_id": "Choose an organisation from the list."}
	}
	return nil
}

func indexCommunity(ctx context.Context, q db.Q, c CoP) error {
	if c.ArchivedAt != nil {
		return search.Remove(ctx, q, CommunityKind, c.ID)
	}
	return search.Index(ctx, q, search.Doc{Kind: CommunityKind, RecordID: c.ID, Title: c.Name,
		Body: MarkdownText(c.Description), URL: c.URL(), Public: true, Visibility: search.VisPublic, OrgID: c.OrgID})
}

// CreateCommunity creates a community hosted by in.OrgID; its creator becomes its first host.
func (s *Service) CreateCommunity(ctx context.Context, in CommunityInput) (CoP, error) {
	p := authz.From(ctx)
	if !CanCreateCommunity(p) {
		return CoP{}, audit.Deny(ctx, s.DB, "community.create", "community", 0)
	}
	in.clean()
	if err := in.check(p, nil); err != nil {
		return CoP{}, err
	}
	if in.Slug == "" {
		in.Slug = Slugify(in.Name)
	}
	var c CoP
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := checkOrgExists(ctx, tx, in.OrgID); err != nil {
			return err
		}
		slug, err := uniqueSlug(ctx, tx, in.Slug, 0)
		if err != nil {
			return err
		}
		now := s.Now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO communities (slug, name, description, join_policy, organisation_id, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, slug, in.Name, in.Description, in.JoinPolicy, cpNullID(in.OrgID), cpNullID(p.UserID), now, now).Scan(&id); err != nil {
			return db.MapError(err)
		}
		if p.UserID != 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO community_members (community_id, user_id, role, status, digest, joined_at)
				VALUES (?, ?, 'host', 'active', ?, ?)`, id, p.UserID, true, now); err != nil {
				return err
			}
		}
		if c, err = communityByRef(ctx, tx, strconv.FormatInt(id, 10)); err != nil {
			return err
		}
		if err := indexCommunity(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "community.create", TargetKind: "community", TargetID: id, Target: c.Name})
	})
	return c, err
}

// UpdateCommunity changes a community (those who manage it).
func (s *Service) UpdateCommunity(ctx context.Context, ref string, in CommunityInput) (CoP, error) {
	p := authz.From(ctx)
	a, err := s.Community(ctx, ref)
	if err != nil {
		return CoP{}, err
	}
	if !a.Manage {
		return CoP{}, audit.Deny(ctx, s.DB, "community.update", "community", a.Community.ID)
	}
	in.clean()
	old := a.Community
	if err := in.check(p, &old); err != nil {
		return CoP{}, err
	}
	if in.Slug == "" {
		in.Slug = old.Slug
	}
	var c CoP
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if in.OrgID != old.OrgID {
			if err := checkOrgExists(ctx, tx, in.OrgID); err != nil {
				return err
			}
		}
		if in.Slug != old.Slug {
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM communities WHERE slug = ? AND id <> ?", in.Slug, old.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return valid.Errors{"slug": "Another community has this address: choose another."}
			}
		}
		if err := db.Affected(tx.Exec(ctx, `UPDATE communities SET slug = ?, name = ?, description = ?, join_policy = ?, organisation_id = ?, updated_at = ?
			WHERE id = ?`, in.Slug, in.Name, in.Description, in.JoinPolicy, cpNullID(in.OrgID), s.Now(), old.ID)); err != nil {
			return err
		}
		if c, err = communityByRef(ctx, tx, strconv.FormatInt(old.ID, 10)); err != nil {
			return err
		}
		if err := indexCommunity(ctx, tx, c); err != nil {
			return err
		}
		// Events carry their community's name in their search documents.
		if c.Name != old.Name {
			if err := reindexEvents(ctx, tx, c); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "community.update", TargetKind: "community", TargetID: c.ID, Target: c.Name,
			Detail: cpChanged(map[string][2]string{"name": {old.Name, c.Name}, "slug": {old.Slug, c.Slug},
				"join_policy": {old.JoinPolicy, c.JoinPolicy}, "organisation_id": {strconv.FormatInt(old.OrgID, 10), strconv.FormatInt(c.OrgID, 10)},
				"description": {old.Description, c.Description}})})
	})
	return c, err
}

// ArchiveCommunity archives (or restores) a community: it leaves the list and the search, and
// only those who manage it still see it.
func (s *Service) ArchiveCommunity(ctx context.Context, ref string, archived bool) (CoP, error) {
	a, err := s.access(ctx, s.DB, ref)
	if err != nil {
		return CoP{}, err
	}
	if !a.Manage {
		if a.Community.ArchivedAt != nil {
			return CoP{}, db.ErrNotFound
		}
		return CoP{}, audit.Deny(ctx, s.DB, "community.archive", "community", a.Community.ID)
	}
	var c CoP
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var at any
		if archived {
			at = s.Now()
		}
		if err := db.Affected(tx.Exec(ctx, "UPDATE communities SET archived_at = ?, updated_at = ? WHERE id = ?", at, s.Now(), a.Community.ID)); err != nil {
			return err
		}
		if c, err = communityByRef(ctx, tx, strconv.FormatInt(a.Community.ID, 10)); err != nil {
			return err
		}
		if err := indexCommunity(ctx, tx, c); err != nil {
			return err
		}
		action := "community.restore"
		if archived {
			action = "community.archive"
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "community", TargetID: c.ID, Target: c.Name})
	})
	return c, err
}

// changedFields names the fields whose values differ, for an audit detail.
func cpChanged(f map[string][2]string) string {
	var names []string
	for k, v := range f {
		if v[0] != v[1] {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "no change"
	}
	return "changed: " + strings.Join(names, ", ")
}

func cpNullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Join makes the person in ctx a member of an open community, or asks to join one by request
// (the hosts are told by email). Joining again changes nothing.
func (s *Service) Join(ctx context.Context, ref string) (Member, error) {
	p := authz.From(ctx)
	if !p.SignedIn() {
		return Member{}, authz.ErrForbidden
	}
	a, err := s.Community(ctx, ref)
	if err != nil {
		return Member{}, err
	}
	if a.Me.UserID != 0 {
		return a.Me, nil
	}
	c := a.Community
	if c.ArchivedAt != nil {
		return Member{}, valid.Errors{"": "This community is archived: it takes no new members."}
	}
	status := StatusActive
	if c.JoinPolicy == JoinRequest && !a.Manage {
		status = StatusRequested
	}
	var m Member
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO community_members (community_id, user_id, role, status, digest, joined_at)
			VALUES (?, ?, 'member', ?, ?, ?) ON CONFLICT (community_id, user_id) DO NOTHING`, c.ID, p.UserID, status, true, s.Now()); err != nil {
			return err
		}
		if m, err = membership(ctx, tx, c.ID, p.UserID); err != nil {
			return err
		}
		action := "community.join"
		if m.Status == StatusRequested {
			action = "community.request"
			if err := s.mailHosts(ctx, tx, c, m); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "community", TargetID: c.ID, Target: c.Name})
	})
	return m, err
}

// mailHosts tells a community's hosts (after the commit) that someone asks to join.
func (s *Service) mailHosts(ctx context.Context, tx *db.Tx, c CoP, m Member) error {
	if s.Mail == nil {
		return nil
	}
	var msgs []mail.Message
	err := db.Each(ctx, tx, `SELECT u.name, u.email FROM community_members hm JOIN users u ON u.id = hm.user_id
		WHERE hm.community_id = ? AND hm.role = 'host' AND hm.status = 'active' AND u.disabled_at IS NULL`, []any{c.ID},
		func(rows *sql.Rows) error {
			var name, email string
			if err := rows.Scan(&name, &email); err != nil {
				return err
			}
			msgs = append(msgs, mail.Message{To: cpMailAddress(name, email), Subject: "Request to join " + cpOneLine(c.Name),
				Text: fmt.Sprintf("Hello %s,\n\n%s asks to join %s.\n\nApprove or decline the request on the members page:\n%s\n",
					name, m.Name, c.Name, s.link(c.URL()+"/members"))})
			return nil
		})
	if err != nil {
		return err
	}
	s.sendAfter(ctx, tx, msgs...)
	return nil
}

// sendAfter sends messages once tx has committed; a failure is logged, not returned (the
// change stands).
func (s *Service) sendAfter(ctx context.Context, tx *db.Tx, msgs ...mail.Message) {
	if s.Mail == nil || len(msgs) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	tx.AfterCommit(func() {
		for _, m := range msgs {
			if err := s.Mail.Send(ctx, m); err != nil {
				slog.Default().ErrorContext(ctx, "community mail not sent", "to", m.To, "subject", m.Subject, "err", err)
			}
		}
	})
}

// mailAddress is "Name <email>" with the name quoted as an address needs.
func cpMailAddress(name, email string) string {
	name = cpOneLine(name)
	if name == "" {
		return email
	}
	return fmt.Sprintf("%q <%s>", name, email)
}

// oneLine removes line breaks (and other control characters) from a header value.
func cpOneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsControl(r) }), " ")
}

// link is the absolute address of a path on the site, for emails (the path alone when the
// site's address is not known).
func (s *Service) link(path string) string {
	if s.BaseURL != nil {
		if b := strings.TrimRight(s.BaseURL(), "/"); b != "" {
			return b + path
		}
	}
	return path
}

// Leave ends the membership of the person in ctx (or withdraws their request), with their
// workgroup memberships. Leaving a community one is not in changes nothing.
func (s *Service) Leave(ctx context.Context, ref string) error {
	p := authz.From(ctx)
	if !p.SignedIn() {
		return authz.ErrForbidden
	}
	a, err := s.Community(ctx, ref)
	if err != nil {
		return err
	}
	if a.Me.UserID == 0 {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.removeMember(ctx, tx, a.Community, p.UserID, "community.leave")
	})
}

func (s *Service) removeMember(ctx context.Context, tx *db.Tx, c CoP, userID int64, action string) error {
	if err := db.Affected(tx.Exec(ctx, "DELETE FROM community_members WHERE community_id = ? AND user_id = ?", c.ID, userID)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM workgroup_members WHERE user_id = ? AND workgroup_id IN (SELECT id FROM workgroups WHERE community_id = ?)", userID, c.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "community", TargetID: c.ID, Target: c.Name,
		Detail: fmt.Sprintf("user %d", userID)})
}

// SetDigest turns the email digest on or off for the person in ctx in one community.
func (s *Service) SetDigest(ctx context.Context, ref string, on bool) (Member, error) {
	a, err := s.Community(ctx, ref)
	if err != nil {
		return Member{}, err
	}
	if a.Me.UserID == 0 {
		return Member{}, authz.ErrForbidden
	}
	var m Member
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := db.Affected(tx.Exec(ctx, "UPDATE community_members SET digest = ? WHERE community_id = ? AND user_id = ?", on, a.Community.ID, a.Me.UserID)); err != nil {
			return err
		}
		m, err = membership(ctx, tx, a.Community.ID, a.Me.UserID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "community.digest", TargetKind: "community", TargetID: a.Community.ID,
			Target: a.Community.Name, Detail: fmt.Sprintf("digest %v", on)})
	})
	return m, err
}

// UpdateMember approves a request (status active) or changes a member's role (host or
// member), for those who manage the community. An approved person is told by email.
func (s *Service) UpdateMember(ctx context.Context, ref string, userID int64, in MemberInput) (Member, error) {
	a, err := s.Community(ctx, ref)
	if err != nil {
		return Member{}, err
	}
	if !a.Manage {
		return Member{}, audit.Deny(ctx, s.DB, "community.member", "community", a.Community.ID)
	}
	in.Status, in.Role = strings.TrimSpace(in.Status), strings.TrimSpace(in.Role)
	var c valid.Checker
	if in.Status != "" {
		c.OneOf("status", in.Status, []string{StatusActive}, "active (to approve a request)")
	}
	if in.Role != "" {
		c.OneOf("role", in.Role, []string{RoleMember, RoleHost}, "member or host")
	}
	if in.Status == "" && in.Role == "" {
		c.Add("", "Say what to change: status active approves a request; role host or member changes the role.")
	}
	if err := c.Err(); err != nil {
		return Member{}, err
	}
	cm := a.Community
	var m Member
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := membership(ctx, tx, cm.ID, userID)
		if err != nil {
			return err
		}
		if in.Role == RoleHost && !old.Active() && in.Status != StatusActive {
			return valid.Errors{"role": "Approve the request before making this person a host."}
		}
		status, role := old.Status, old.Role
		if in.Status != "" {
			status = in.Status
		}
		if in.Role != "" {
			role = in.Role
		}
		if _, err := tx.Exec(ctx, "UPDATE community_members SET status = ?, role = ? WHERE community_id = ? AND user_id = ?", status, role, cm.ID, userID); err != nil {
			return err
		}
		if m, err = membership(ctx, tx, cm.ID, userID); err != nil {
			return err
		}
		if old.Status == StatusRequested && m.Active() {
			s.sendAfter(ctx, tx, mail.Message{To: cpMailAddress(m.Name, m.Email), Subject: "Welcome to " + cpOneLine(cm.Name),
				Text: fmt.Sprintf("Hello %s,\n\nYour request to join %s was approved. You can now take part in its discussions, library and events:\n%s\n\n"+
					"You will get an email digest of what is new; turn it off on the community's page.\n", m.Name, cm.Name, s.link(cm.URL()))})
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "community.member", TargetKind: "community", TargetID: cm.ID, Target: cm.Name,
			Detail: fmt.Sprintf("user %d: %s %s → %s %s", userID, old.Status, old.Role, m.Status, m.Role)})
	})
	return m, err
}

// RemoveMember removes a member (or declines a request), for those who manage the community.
func (s *Service) RemoveMember(ctx context.Context, ref string, userID int64) error {
	a, err := s.Community(ctx, ref)
	if err != nil {
		return err
	}
	if !a.Manage {
		return audit.Deny(ctx, s.DB, "community.member.remove", "community", a.Community.ID)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.removeMember(ctx, tx, a.Community, userID, "community.member.remove")
	})
}
