package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// TagSchemes are the vocabularies of the one tag system, in the order pages show them.
var TagSchemes = []web.Option{
	{Value: "theme", Label: "Themes"},
	{Value: "policy_area", Label: "Policy areas"},
	{Value: "ogp_value", Label: "OGP values"},
	{Value: "charter_principle", Label: "Charter principles"},
	{Value: "sdg", Label: "Sustainable Development Goals"},
	{Value: "other", Label: "Other"},
}

// MaxTagsPerRecord bounds how many tags one record may carry.
const MaxTagsPerRecord = 100

// Tag is a term of the taxonomy. Tags nest within their scheme.
type Tag struct {
	ID          int64     `json:"id"`
	Scheme      string    `json:"scheme"`
	Name        string    `json:"name"`
	ParentID    int64     `json:"parent_id,omitempty"`
	ParentName  string    `json:"parent_name,omitempty"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Archived    bool      `json:"archived"`
}

// SchemeLabel is the label of the tag's scheme.
func (t Tag) SchemeLabel() string { return Label(TagSchemes, t.Scheme) }

// TagInput is what a person submits to create or edit a tag.
type TagInput struct {
	Scheme      string `json:"scheme"`
	Name        string `json:"name"`
	ParentID    int64  `json:"parent_id"`
	Description string `json:"description"`
}

// Normalize trims the input.
func (in *TagInput) Normalize() {
	in.Scheme = strings.TrimSpace(in.Scheme)
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
}

// Validate checks the input.
func (in TagInput) Validate() error {
	var c valid.Checker
	c.OneOf("scheme", in.Scheme, values(TagSchemes), "a scheme")
	c.Text("name", in.Name, "the tag's name", 120)
	c.MaxLen("description", in.Description, 2000)
	c.Check(in.ParentID >= 0, "parent_id", "Choose a broader tag from the list.")
	return c.Err()
}

// TagNode is a tag with its narrower tags, for nested lists.
type TagNode struct {
	Tag      Tag
	Children []*TagNode
}

// TagGroup is one scheme's tags as a forest.
type TagGroup struct {
	Scheme web.Option
	Roots  []*TagNode
	Count  int
}

// TagTree groups tags by scheme (in TagSchemes order) and nests them under their parents;
// a tag whose parent is not among tags becomes a root.
func TagTree(tags []Tag) []TagGroup {
	nodes := make(map[int64]*TagNode, len(tags))
	for _, t := range tags {
		nodes[t.ID] = &TagNode{Tag: t}
	}
	roots := map[string][]*TagNode{}
	counts := map[string]int{}
	for _, t := range tags {
		n := nodes[t.ID]
		counts[t.Scheme]++
		if parent, ok := nodes[t.ParentID]; ok && t.ParentID != 0 && parent.Tag.Scheme == t.Scheme {
			parent.Children = append(parent.Children, n)
		} else {
			roots[t.Scheme] = append(roots[t.Scheme], n)
		}
	}
	byName := func(a, b *TagNode) int {
		if c := strings.Compare(strings.ToLower(a.Tag.Name), strings.ToLower(b.Tag.Name)); c != 0 {
			return c
		}
		return int(a.Tag.ID - b.Tag.ID)
	}
	for _, n := range nodes {
		slices.SortFunc(n.Children, byName)
	}
	var out []TagGroup
	for _, s := range TagSchemes {
		if len(roots[s.Value]) == 0 {
			continue
		}
		r := roots[s.Value]
		slices.SortFunc(r, byName)
		out = append(out, TagGroup{Scheme: s, Roots: r, Count: counts[s.Value]})
	}
	return out
}

// Tagging is one record that carries a tag.
type Tagging struct {
	Kind     string `json:"kind"`
	RecordID int64  `json:"record_id"`
}

// TaggedRecord is a tagged record as pages show it.
type TaggedRecord struct {
	Kind      string `json:"kind"`
	KindLabel string `json:"kind_label"`
	RecordID  int64  `json:"record_id"`
	Title     string `json:"title"`
	URL       string `json:"url"`
}

// ---- store ----

const tagColumns = `t.id, t.scheme, t.name, COALESCE(t.parent_id, 0), COALESCE(p.name, ''), t.description,
	t.created_at, t.updated_at, t.archived_at IS NOT NULL`

const tagFrom = ` FROM tags t LEFT JOIN tags p ON p.id = t.parent_id`

func scanTag(row interface{ Scan(...any) error }) (Tag, error) {
	var t Tag
	err := row.Scan(&t.ID, &t.Scheme, &t.Name, &t.ParentID, &t.ParentName, &t.Description, &t.CreatedAt, &t.UpdatedAt, &t.Archived)
	return t, db.MapError(err)
}

func collectTags(rows *sql.Rows) ([]Tag, error) {
	defer rows.Close()
	var out []Tag
	for rows.Next() {
		t, err := scanTag(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Tag loads one tag.
func (Store) Tag(ctx context.Context, q db.Q, id int64) (Tag, error) {
	return scanTag(q.QueryRow(ctx, "SELECT "+tagColumns+tagFrom+" WHERE t.id = ?", id))
}

// TagByName loads a tag of scheme by name, ignoring case.
func (Store) TagByName(ctx context.Context, q db.Q, scheme, name string) (Tag, error) {
	return scanTag(q.QueryRow(ctx, "SELECT "+tagColumns+tagFrom+" WHERE t.scheme = ? AND lower(t.name) = lower(?)", scheme, strings.TrimSpace(name)))
}

// Tags lists tags by scheme and name (Type filters the scheme).
func (Store) Tags(ctx context.Context, q db.Q, f ListFilter) ([]Tag, error) {
	var w where
	if f.Text != "" {
		w.add(`(lower(t.name) LIKE ? ESCAPE '\' OR lower(t.description) LIKE ? ESCAPE '\')`, like(f.Text), like(f.Text))
	}
	if f.Type != "" {
		w.add("t.scheme = ?", f.Type)
	}
	if f.ParentID != 0 {
		w.add("t.parent_id = ?", f.ParentID)
	}
	if !f.Archived {
		w.add("t.archived_at IS NULL")
	}
	if f.After != 0 {
		w.add("t.id > ?", f.After)
	}
	order := " ORDER BY t.scheme, lower(t.name), t.id"
	if f.After != 0 || f.Limit > 0 {
		order = " ORDER BY t.id"
	}
	rows, err := q.Query(ctx, "SELECT "+tagColumns+tagFrom+w.sql()+order+" LIMIT ?", append(w.args, f.limit())...)
	if err != nil {
		return nil, err
	}
	return collectTags(rows)
}

// InsertTag creates a tag.
func (Store) InsertTag(ctx context.Context, q db.Q, in TagInput) (int64, error) {
	now := db.Now()
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO tags (scheme, name, parent_id, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, in.Scheme, in.Name, nullID(in.ParentID), in.Description, now, now).Scan(&id)
	return id, db.MapError(err)
}

// UpdateTag saves a tag.
func (Store) UpdateTag(ctx context.Context, q db.Q, id int64, in TagInput) error {
	return db.Affected(q.Exec(ctx, `UPDATE tags SET scheme = ?, name = ?, parent_id = ?, description = ?, updated_at = ? WHERE id = ?`,
		in.Scheme, in.Name, nullID(in.ParentID), in.Description, db.Now(), id))
}

// IsAncestorTag reports whether anc is id or one of its ancestors (to refuse cycles).
func (Store) IsAncestorTag(ctx context.Context, q db.Q, id, anc int64) (bool, error) {
	return isAncestor(ctx, q, "tags", id, anc)
}

// CountChildTags counts the tags directly under id, archived or not.
func (Store) CountChildTags(ctx context.Context, q db.Q, id int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM tags WHERE parent_id = ?", id).Scan(&n)
	return n, err
}

// TagsOf lists the live tags a record carries, by scheme and name.
func (Store) TagsOf(ctx context.Context, q db.Q, kind string, recordID int64) ([]Tag, error) {
	rows, err := q.Query(ctx, "SELECT "+tagColumns+tagFrom+` JOIN taggings g ON g.tag_id = t.id
		WHERE g.kind = ? AND g.record_id = ? AND t.archived_at IS NULL ORDER BY t.scheme, lower(t.name), t.id`, kind, recordID)
	if err != nil {
		return nil, err
	}
	return collectTags(rows)
}

// TagIDsOf lists every tag ID a record carries, archived tags included.
func (Store) TagIDsOf(ctx context.Context, q db.Q, kind string, recordID int64) ([]int64, error) {
	rows, err := q.Query(ctx, "SELECT tag_id FROM taggings WHERE kind = ? AND record_id = ? ORDER BY tag_id", kind, recordID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ReplaceTaggings makes the record carry exactly tagIDs.
func (Store) ReplaceTaggings(ctx context.Context, q db.Q, kind string, recordID int64, tagIDs []int64) error {
	if _, err := q.Exec(ctx, "DELETE FROM taggings WHERE kind = ? AND record_id = ?", kind, recordID); err != nil {
		return err
	}
	for _, t := range tagIDs {
		if _, err := q.Exec(ctx, "INSERT INTO taggings (tag_id, kind, record_id) VALUES (?, ?, ?)", t, kind, recordID); err != nil {
			return db.MapError(err)
		}
	}
	return nil
}

// Taggings lists the records carrying a tag, by kind then record ID.
func (Store) Taggings(ctx context.Context, q db.Q, tagID int64, limit int) ([]Tagging, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := q.Query(ctx, "SELECT kind, record_id FROM taggings WHERE tag_id = ? ORDER BY kind, record_id LIMIT ?", tagID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tagging
	for rows.Next() {
		var g Tagging
		if err := rows.Scan(&g.Kind, &g.RecordID); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// ---- service ----

// CanEditTags reports whether the principal may create and edit tags: site admins and the
// managers (or admins) of any organisation.
func CanEditTags(p authz.Principal) bool { return p.SiteAdmin || p.CanAny(authz.Manage) }

// CanArchiveTags reports whether the principal may archive tags: site admins only.
func CanArchiveTags(p authz.Principal) bool { return p.SiteAdmin }

func tagDoc(t Tag) search.Doc {
	body := strings.Join([]string{t.SchemeLabel(), t.ParentName, t.Description}, " ")
	return search.Doc{Kind: "tag", RecordID: t.ID, Title: t.Name, Body: body, URL: fmt.Sprintf("/taxonomy/%d", t.ID), Public: !t.Archived}
}

func tagFields(t Tag) map[string]string {
	return map[string]string{"scheme": t.Scheme, "name": t.Name, "parent_id": fmt.Sprint(t.ParentID), "description": t.Description}
}

// Tag returns a tag the principal may see: archived tags only to those who edit the taxonomy.
func (s *Service) Tag(ctx context.Context, id int64) (Tag, error) {
	t, err := s.Store.Tag(ctx, s.DB, id)
	if err != nil {
		return t, err
	}
	if t.Archived && !CanEditTags(authz.From(ctx)) {
		return Tag{}, db.ErrNotFound
	}
	return t, nil
}

// Tags lists tags; archived ones only for those who edit the taxonomy and ask for them.
func (s *Service) Tags(ctx context.Context, f ListFilter) ([]Tag, error) {
	if f.Archived && !CanEditTags(authz.From(ctx)) {
		f.Archived = false
	}
	return s.Store.Tags(ctx, s.DB, f)
}

func (s *Service) checkTagParent(ctx context.Context, q db.Q, self int64, in TagInput) error {
	if in.ParentID == 0 {
		return nil
	}
	parent, err := s.Store.Tag(ctx, q, in.ParentID)
	if errors.Is(err, db.ErrNotFound) {
		return valid.Errors{"parent_id": "Choose a broader tag from the list."}
	} else if err != nil {
		return err
	}
	if parent.Scheme != in.Scheme {
		return valid.Errors{"parent_id": fmt.Sprintf("Choose a broader tag from the same scheme: %q is in %s.", parent.Name, parent.SchemeLabel())}
	}
	if parent.Archived {
		return valid.Errors{"parent_id": fmt.Sprintf("%q is archived: choose a broader tag that is in use.", parent.Name)}
	}
	if self != 0 {
		cyc, err := s.Store.IsAncestorTag(ctx, q, self, in.ParentID)
		if err != nil {
			return err
		}
		if cyc {
			return valid.Errors{"parent_id": "A tag cannot sit under itself or one of its own narrower tags."}
		}
	}
	return nil
}

const tagNameTaken = "A tag with this name already exists in this scheme."

// CreateTag creates a tag.
func (s *Service) CreateTag(ctx context.Context, in TagInput) (Tag, error) {
	if !CanEditTags(authz.From(ctx)) {
		return Tag{}, audit.Deny(ctx, s.DB, "tag.create", "tag", 0)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Tag{}, err
	}
	var t Tag
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkTagParent(ctx, tx, 0, in); err != nil {
			return err
		}
		id, err := s.Store.InsertTag(ctx, tx, in)
		if err != nil {
			return conflict(err, "name", tagNameTaken)
		}
		if t, err = s.Store.Tag(ctx, tx, id); err != nil {
			return err
		}
		if err := search.Index(ctx, tx, tagDoc(t)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "tag.create", TargetKind: "tag", TargetID: id, Target: t.Name, Detail: "scheme: " + t.Scheme})
	})
	return t, err
}

// UpdateTag edits a tag.
func (s *Service) UpdateTag(ctx context.Context, id int64, in TagInput) (Tag, error) {
	if !CanEditTags(authz.From(ctx)) {
		return Tag{}, audit.Deny(ctx, s.DB, "tag.update", "tag", id)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Tag{}, err
	}
	var t Tag
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.Store.Tag(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Scheme != old.Scheme {
			n, err := s.Store.CountChildTags(ctx, tx, id)
			if err != nil {
				return err
			}
			if n > 0 {
				return valid.Errors{"scheme": fmt.Sprintf("This tag has %d narrower tags: move them first, or keep the scheme.", n)}
			}
		}
		if in.ParentID != old.ParentID || in.Scheme != old.Scheme {
			if err := s.checkTagParent(ctx, tx, id, in); err != nil {
				return err
			}
		}
		if err := s.Store.UpdateTag(ctx, tx, id, in); err != nil {
			return conflict(err, "name", tagNameTaken)
		}
		if t, err = s.Store.Tag(ctx, tx, id); err != nil {
			return err
		}
		if err := search.Index(ctx, tx, tagDoc(t)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "tag.update", TargetKind: "tag", TargetID: id, Target: t.Name, Detail: changed(tagFields(old), tagFields(t))})
	})
	return t, err
}

// ArchiveTag archives (or restores) a tag: site admins only. Records keep their taggings; an
// archived tag is no longer shown on them nor offered for new ones.
func (s *Service) ArchiveTag(ctx context.Context, id int64, archive bool) error {
	action := archiveAction("tag", archive)
	if !CanArchiveTags(authz.From(ctx)) {
		return audit.Deny(ctx, s.DB, action, "tag", id)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetArchived(ctx, tx, "tags", id, archive); err != nil {
			return err
		}
		t, err := s.Store.Tag(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := search.Index(ctx, tx, tagDoc(t)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "tag", TargetID: id, Target: t.Name})
	})
}

// TagsOf lists the live tags of a record, for other capabilities to show.
func (s *Service) TagsOf(ctx context.Context, kind string, id int64) ([]Tag, error) {
	return s.Store.TagsOf(ctx, s.DB, kind, id)
}

// SetTags makes the record (kind, id) carry exactly tagIDs, in the caller's transaction tx.
// The caller has already checked that the principal may change the record, and audits the
// change as part of it. Unknown tags are refused; archived tags are refused unless the record
// already carries them. Field errors are reported on "tags".
func (s *Service) SetTags(ctx context.Context, tx db.Q, kind string, id int64, tagIDs []int64) error {
	if kind == "" || len(kind) > 40 || id <= 0 {
		return fmt.Errorf("directory: SetTags on %q %d", kind, id)
	}
	ids := slices.Clone(tagIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > MaxTagsPerRecord {
		return valid.Errors{"tags": fmt.Sprintf("Choose %d tags or fewer (this has %d).", MaxTagsPerRecord, len(ids))}
	}
	current, err := s.Store.TagIDsOf(ctx, tx, kind, id)
	if err != nil {
		return err
	}
	for _, tid := range ids {
		t, err := s.Store.Tag(ctx, tx, tid)
		if errors.Is(err, db.ErrNotFound) {
			return valid.Errors{"tags": fmt.Sprintf("There is no tag with the ID %d: choose tags from the list.", tid)}
		} else if err != nil {
			return err
		}
		if t.Archived && !slices.Contains(current, tid) {
			return valid.Errors{"tags": fmt.Sprintf("The tag %q is archived: choose tags that are in use.", t.Name)}
		}
	}
	if slices.Equal(current, ids) {
		return nil
	}
	return s.Store.ReplaceTaggings(ctx, tx, kind, id, ids)
}

// TagOptions lists live tags for a select or checkboxes, labelled "Scheme: Name".
func (s *Service) TagOptions(ctx context.Context) ([]web.Option, error) {
	tags, err := s.Store.Tags(ctx, s.DB, ListFilter{})
	if err != nil {
		return nil, err
	}
	var out []web.Option
	for _, g := range TagTree(tags) {
		var walk func(ns []*TagNode, prefix string)
		walk = func(ns []*TagNode, prefix string) {
			for _, n := range ns {
				label := prefix + n.Tag.Name
				out = append(out, web.Option{Value: id(n.Tag.ID), Label: g.Scheme.Label + ": " + label})
				walk(n.Children, label+" › ")
			}
		}
		walk(g.Roots, "")
	}
	return out, nil
}

// Tagged lists the records carrying a tag that the principal may see, with their titles.
func (s *Service) Tagged(ctx context.Context, tagID int64) ([]TaggedRecord, error) {
	gs, err := s.Store.Taggings(ctx, s.DB, tagID, 1000)
	if err != nil {
		return nil, err
	}
	var out []TaggedRecord
	for _, g := range gs {
		rec, label, err := s.resolve(ctx, s.DB, g.Kind, g.RecordID)
		if errors.Is(err, db.ErrNotFound) || errors.Is(err, errUnknownKind) {
			continue
		} else if err != nil {
			return nil, err
		}
		if !rec.Visible {
			continue
		}
		out = append(out, TaggedRecord{Kind: g.Kind, KindLabel: label, RecordID: g.RecordID, Title: rec.Title, URL: rec.URL})
	}
	return out, nil
}
