package directory

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// ListFilter narrows a list.
type ListFilter struct {
	Text     string // substring of the name
	Type     string // organisation type, place kind, tag scheme…
	ParentID int64
	OrgID    int64 // owning organisation (services) or lead/partner (programs)
	PlaceID  int64
	Archived bool // include archived records
	After    int64
	Limit    int
}

func (f ListFilter) limit() int {
	if f.Limit <= 0 || f.Limit > 1000 {
		return 1000
	}
	return f.Limit
}

// like makes a LIKE pattern for a substring, escaping the wildcards.
func like(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(strings.TrimSpace(s))) + "%"
}

// where builds a WHERE clause from conditions.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func archivedAt(archive bool) any {
	if archive {
		return db.Now()
	}
	return nil
}

const orgColumns = `o.id, o.name, o.short_name, o.type, o.jurisdiction, COALESCE(o.parent_id, 0), COALESCE(p.name, ''),
	o.description, o.website, o.created_at, o.updated_at, o.archived_at IS NOT NULL`

func scanOrg(row interface{ Scan(...any) error }) (Organisation, error) {
	var o Organisation
	err := row.Scan(&o.ID, &o.Name, &o.ShortName, &o.Type, &o.Jurisdiction, &o.ParentID, &o.ParentName,
		&o.Description, &o.Website, &o.CreatedAt, &o.UpdatedAt, &o.Archived)
	return o, db.MapError(err)
}

// Store is the directory's SQL.
type Store struct{}

// Org loads one organisation.
func (Store) Org(ctx context.Context, q db.Q, id int64) (Organisation, error) {
	return scanOrg(q.QueryRow(ctx, "SELECT "+orgColumns+" FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id WHERE o.id = ?", id))
}

// OrgByName loads an organisation by its name or short name, ignoring case.
func (Store) OrgByName(ctx context.Context, q db.Q, name string) (Organisation, error) {
	return scanOrg(q.QueryRow(ctx, "SELECT "+orgColumns+" FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id WHERE lower(o.name) = lower(?) OR (o.short_name <> '' AND lower(o.short_name) = lower(?)) ORDER BY o.id LIMIT 1", name, name))
}

// Orgs lists organisations by name.
func (Store) Orgs(ctx context.Context, q db.Q, f ListFilter) ([]Organisation, error) {
	var w where
	if f.Text != "" {
		w.add(`(lower(o.name) LIKE ? ESCAPE '\' OR lower(o.short_name) LIKE ? ESCAPE '\')`, like(f.Text), like(f.Text))
	}
	if f.Type != "" {
		w.add("o.type = ?", f.Type)
	}
	if f.ParentID != 0 {
		w.add("o.parent_id = ?", f.ParentID)
	}
	if !f.Archived {
		w.add("o.archived_at IS NULL")
	}
	if f.After != 0 {
		w.add("o.id > ?", f.After)
	}
	order := " ORDER BY lower(o.name), o.id"
	if f.After != 0 || f.Limit > 0 {
		order = " ORDER BY o.id"
	}
	rows, err := q.Query(ctx, "SELECT "+orgColumns+" FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id"+w.sql()+order+" LIMIT ?", append(w.args, f.limit())...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Organisation
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// InsertOrg creates an organisation.
func (Store) InsertOrg(ctx context.Context, q db.Q, in OrgInput) (int64, error) {
	now := db.Now()
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO organisations (name, short_name, type, jurisdiction, parent_id, description, website, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.Name, in.ShortName, in.Type, in.Jurisdiction, nullID(in.ParentID), in.Description, in.Website, now, now).Scan(&id)
	return id, db.MapError(err)
}

// UpdateOrg saves an organisation.
func (Store) UpdateOrg(ctx context.Context, q db.Q, id int64, in OrgInput) error {
	return db.Affected(q.Exec(ctx, `UPDATE organisations SET name = ?, short_name = ?, type = ?, jurisdiction = ?, parent_id = ?, description = ?, website = ?, updated_at = ?
		WHERE id = ?`, in.Name, in.ShortName, in.Type, in.Jurisdiction, nullID(in.ParentID), in.Description, in.Website, db.Now(), id))
}

// SetArchived archives or restores a record of table.
func (Store) SetArchived(ctx context.Context, q db.Q, table string, id int64, archive bool) error {
	switch table {
	case "organisations", "places", "services", "programs", "tags":
	default:
		panic("directory: SetArchived on " + table)
	}
	return db.Affected(q.Exec(ctx, "UPDATE "+table+" SET archived_at = ?, updated_at = ? WHERE id = ?", archivedAt(archive), db.Now(), id))
}

// IsAncestorOrg reports whether anc is id or one of its ancestors (to refuse cycles).
func (Store) IsAncestorOrg(ctx context.Context, q db.Q, id, anc int64) (bool, error) {
	return isAncestor(ctx, q, "organisations", id, anc)
}

func isAncestor(ctx context.Context, q db.Q, table string, id, anc int64) (bool, error) {
	cur := anc
	for i := 0; i < 64 && cur != 0; i++ {
		if cur == id {
			return true, nil
		}
		var parent sql.NullInt64
		if err := q.QueryRow(ctx, "SELECT parent_id FROM "+table+" WHERE id = ?", cur).Scan(&parent); err != nil {
			return false, db.MapError(err)
		}
		cur = parent.Int64
	}
	return false, nil
}

// Membership is a person's role in an organisation.
type Membership struct {
	UserID    int64      `json:"user_id"`
	UserName  string     `json:"user_name"`
	UserEmail string     `json:"user_email,omitempty"`
	OrgID     int64      `json:"organisation_id"`
	OrgName   string     `json:"organisation_name"`
	Role      authz.Role `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
}

const memberColumns = `m.user_id, u.name, u.email, m.organisation_id, o.name, m.role, m.created_at`
const memberFrom = ` FROM memberships m JOIN users u ON u.id = m.user_id JOIN organisations o ON o.id = m.organisation_id`

func (Store) memberships(ctx context.Context, q db.Q, cond string, arg any) ([]Membership, error) {
	rows, err := q.Query(ctx, "SELECT "+memberColumns+memberFrom+" WHERE "+cond+" ORDER BY lower(o.name), lower(u.name)", arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		var m Membership
		if err := rows.Scan(&m.UserID, &m.UserName, &m.UserEmail, &m.OrgID, &m.OrgName, &m.Role, &m.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MembersOf lists an organisation's members.
func (s Store) MembersOf(ctx context.Context, q db.Q, orgID int64) ([]Membership, error) {
	return s.memberships(ctx, q, "m.organisation_id = ?", orgID)
}

// MembershipsOf lists a person's memberships.
func (s Store) MembershipsOf(ctx context.Context, q db.Q, userID int64) ([]Membership, error) {
	return s.memberships(ctx, q, "m.user_id = ?", userID)
}

// Roles maps organisation ID to the person's role: the auth.RoleSource.
func (Store) Roles(ctx context.Context, q db.Q, userID int64) (map[int64]authz.Role, error) {
	rows, err := q.Query(ctx, "SELECT organisation_id, role FROM memberships WHERE user_id = ?", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]authz.Role{}
	for rows.Next() {
		var id int64
		var r authz.Role
		if err := rows.Scan(&id, &r); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

// SetMembership adds or changes a person's role in an organisation.
func (Store) SetMembership(ctx context.Context, q db.Q, userID, orgID int64, role authz.Role) error {
	_, err := q.Exec(ctx, `INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, organisation_id) DO UPDATE SET role = excluded.role`, userID, orgID, string(role), db.Now())
	return db.MapError(err)
}

// RemoveMembership removes a person from an organisation.
func (Store) RemoveMembership(ctx context.Context, q db.Q, userID, orgID int64) error {
	return db.Affected(q.Exec(ctx, "DELETE FROM memberships WHERE user_id = ? AND organisation_id = ?", userID, orgID))
}

// Counts is how many live records of each kind the directory holds.
type Counts struct {
	Organisations, Places, Programs, Services, People int
}

// Counts counts records that are not archived.
func (Store) Counts(ctx context.Context, q db.Q) (Counts, error) {
	var c Counts
	err := q.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM organisations WHERE archived_at IS NULL),
		(SELECT COUNT(*) FROM places WHERE archived_at IS NULL),
		(SELECT COUNT(*) FROM programs WHERE archived_at IS NULL),
		(SELECT COUNT(*) FROM services WHERE archived_at IS NULL),
		(SELECT COUNT(*) FROM users WHERE disabled_at IS NULL)`).Scan(&c.Organisations, &c.Places, &c.Programs, &c.Services, &c.People)
	return c, err
}
