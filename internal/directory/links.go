package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Relation is a named kind of link, read forwards from the "from" record ("responds to") and
// backwards from the "to" record ("responded to by").
type Relation struct {
	Value   string
	Label   string
	Inverse string
}

// LinkRelations are the relations a link may carry.
var LinkRelations = []Relation{
	{Value: "responds_to", Label: "Responds to", Inverse: "Responded to by"},
	{Value: "implements", Label: "Implements", Inverse: "Implemented by"},
	{Value: "evidence_for", Label: "Evidence for", Inverse: "Evidence from"},
	{Value: "learned_from", Label: "Learned from", Inverse: "Lessons taken up by"},
	{Value: "part_of", Label: "Part of", Inverse: "Includes"},
	{Value: "funds", Label: "Funds", Inverse: "Funded by"},
	{Value: "delivers", Label: "Delivers", Inverse: "Delivered by"},
	{Value: "partner_in", Label: "Partner in", Inverse: "Partners"},
	{Value: "related_to", Label: "Related to", Inverse: "Related to"},
}

func relation(v string) (Relation, bool) {
	for _, r := range LinkRelations {
		if r.Value == v {
			return r, true
		}
	}
	return Relation{}, false
}

// RelationOptions lists the relations for a select.
func RelationOptions() []web.Option {
	out := make([]web.Option, len(LinkRelations))
	for i, r := range LinkRelations {
		out[i] = web.Option{Value: r.Value, Label: r.Label}
	}
	return out
}

// ---- the registry of record kinds ----

// LinkRecord is what a kind's resolver tells about one record.
type LinkRecord struct {
	Title string
	URL   string
	// Visible reports whether the principal in ctx may see the record.
	Visible bool
	// Owners are the organisations whose contributors may link from the record. None means a
	// shared record (a place, a tag), from which any manager may link.
	Owners []int64
}

// Resolver looks up one record of a kind for the principal in ctx, returning db.ErrNotFound
// when no record has the ID. q is the database or the caller's transaction.
type Resolver func(ctx context.Context, q db.Q, id int64) (LinkRecord, error)

type recordKind struct {
	kind    string
	label   string
	resolve Resolver
}

// kindRegistry holds the kinds of record that links and taggings can name. Its zero value is
// ready: the directory's own kinds are registered on first use.
type kindRegistry struct {
	once  sync.Once
	mu    sync.RWMutex
	kinds map[string]recordKind
	order []string
}

var errUnknownKind = errors.New("unknown record kind")

var kindName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func (s *Service) registry() *kindRegistry {
	r := &s.kinds
	r.once.Do(func() {
		r.kinds = map[string]recordKind{}
		for _, k := range s.directoryKinds() {
			r.put(k)
		}
	})
	return r
}

func (r *kindRegistry) put(k recordKind) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.kinds[k.kind]; !ok {
		r.order = append(r.order, k.kind)
	}
	r.kinds[k.kind] = k
}

func (r *kindRegistry) get(kind string) (recordKind, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.kinds[kind]
	return k, ok
}

// RegisterKind makes a kind of record linkable and taggable: label names it for people ("Commitment")
// and resolve finds its records. Capabilities call it once at start-up. Registering a kind
// again replaces the earlier resolver, so that the package owning a kind can refine the one the
// directory registers. It panics on a malformed kind name, an empty label or a nil resolver.
func (s *Service) RegisterKind(kind, label string, resolve Resolver) {
	if !kindName.MatchString(kind) || strings.TrimSpace(label) == "" || resolve == nil {
		panic(fmt.Sprintf("directory: RegisterKind(%q, %q): needs a lower-case kind, a label and a resolver", kind, label))
	}
	s.registry().put(recordKind{kind: kind, label: label, resolve: resolve})
}

// LinkKinds lists the registered kinds, in the order they were registered, for a select.
func (s *Service) LinkKinds() []web.Option {
	r := s.registry()
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]web.Option, 0, len(r.order))
	for _, k := range r.order {
		out = append(out, web.Option{Value: k, Label: r.kinds[k].label})
	}
	return out
}

// KindLabel is the label of a registered kind (or the kind itself).
func (s *Service) KindLabel(kind string) string {
	if k, ok := s.registry().get(kind); ok {
		return k.label
	}
	return kind
}

func (s *Service) resolve(ctx context.Context, q db.Q, kind string, id int64) (LinkRecord, string, error) {
	k, ok := s.registry().get(kind)
	if !ok {
		return LinkRecord{}, "", errUnknownKind
	}
	rec, err := k.resolve(ctx, q, id)
	return rec, k.label, err
}

// Resolve finds a record of a registered kind for the principal in ctx: db.ErrNotFound when
// the kind is unknown, no record has the ID, or the principal may not see it.
func (s *Service) Resolve(ctx context.Context, kind string, id int64) (LinkRecord, error) {
	rec, _, err := s.resolve(ctx, s.DB, kind, id)
	if errors.Is(err, errUnknownKind) || (err == nil && !rec.Visible) {
		return LinkRecord{}, db.ErrNotFound
	}
	return rec, err
}

// directoryKinds are the directory's own kinds. Places, services and programs are read from
// their tables here so that links do not depend on the code that edits them.
func (s *Service) directoryKinds() []recordKind {
	return []recordKind{
		{kind: "organisation", label: "Organisation", resolve: func(ctx context.Context, q db.Q, id int64) (LinkRecord, error) {
			var name string
			var archived bool
			if err := q.QueryRow(ctx, "SELECT name, archived_at IS NOT NULL FROM organisations WHERE id = ?", id).Scan(&name, &archived); err != nil {
				return LinkRecord{}, db.MapError(err)
			}
			return LinkRecord{Title: name, URL: fmt.Sprintf("/organisations/%d", id), Owners: []int64{id},
				Visible: !archived || canSeeArchived(authz.From(ctx), id)}, nil
		}},
		{kind: "place", label: "Place", resolve: func(ctx context.Context, q db.Q, id int64) (LinkRecord, error) {
			var name string
			var archived bool
			if err := q.QueryRow(ctx, "SELECT name, archived_at IS NOT NULL FROM places WHERE id = ?", id).Scan(&name, &archived); err != nil {
				return LinkRecord{}, db.MapError(err)
			}
			return LinkRecord{Title: name, URL: fmt.Sprintf("/places/%d", id), Visible: !archived || authz.From(ctx).SiteAdmin}, nil
		}},
		{kind: "service", label: "Service", resolve: func(ctx context.Context, q db.Q, id int64) (LinkRecord, error) {
			var name string
			var org int64
			var archived bool
			if err := q.QueryRow(ctx, "SELECT name, organisation_id, archived_at IS NOT NULL FROM services WHERE id = ?", id).Scan(&name, &org, &archived); err != nil {
				return LinkRecord{}, db.MapError(err)
			}
			return LinkRecord{Title: name, URL: fmt.Sprintf("/services/%d", id), Owners: []int64{org},
				Visible: !archived || canSeeArchived(authz.From(ctx), org)}, nil
		}},
		{kind: "program", label: "Program", resolve: func(ctx context.Context, q db.Q, id int64) (LinkRecord, error) {
			var name string
			var lead int64
			var archived bool
			if err := q.QueryRow(ctx, "SELECT name, lead_organisation_id, archived_at IS NOT NULL FROM programs WHERE id = ?", id).Scan(&name, &lead, &archived); err != nil {
				return LinkRecord{}, db.MapError(err)
			}
			owners := []int64{lead}
			rows, err := q.Query(ctx, "SELECT organisation_id FROM program_partners WHERE program_id = ? ORDER BY organisation_id", id)
			if err != nil {
				return LinkRecord{}, err
			}
			defer rows.Close()
			for rows.Next() {
				var o int64
				if err := rows.Scan(&o); err != nil {
					return LinkRecord{}, err
				}
				if !slices.Contains(owners, o) {
					owners = append(owners, o)
				}
			}
			if err := rows.Err(); err != nil {
				return LinkRecord{}, err
			}
			p := authz.From(ctx)
			visible := !archived || slices.ContainsFunc(owners, func(o int64) bool { return canSeeArchived(p, o) })
			return LinkRecord{Title: name, URL: fmt.Sprintf("/programs/%d", id), Owners: owners, Visible: visible}, nil
		}},
		{kind: "tag", label: "Tag", resolve: func(ctx context.Context, q db.Q, id int64) (LinkRecord, error) {
			var name string
			var archived bool
			if err := q.QueryRow(ctx, "SELECT name, archived_at IS NOT NULL FROM tags WHERE id = ?", id).Scan(&name, &archived); err != nil {
				return LinkRecord{}, db.MapError(err)
			}
			return LinkRecord{Title: name, URL: fmt.Sprintf("/taxonomy/%d", id), Visible: !archived || CanEditTags(authz.From(ctx))}, nil
		}},
	}
}

// canLinkFrom: contributors of an organisation owning the record, any manager for a shared
// record, and site admins.
func canLinkFrom(p authz.Principal, from LinkRecord) bool {
	if p.SiteAdmin {
		return true
	}
	if !p.SignedIn() {
		return false
	}
	if len(from.Owners) == 0 {
		return p.CanAny(authz.Manage)
	}
	return slices.ContainsFunc(from.Owners, func(o int64) bool { return p.Can(authz.Contribute, o) })
}

// ---- model ----

// Link is a typed link from one record to another.
type Link struct {
	ID            int64     `json:"id"`
	FromKind      string    `json:"from_kind"`
	FromID        int64     `json:"from_id"`
	FromTitle     string    `json:"from_title,omitempty"`
	FromURL       string    `json:"from_url,omitempty"`
	Relation      string    `json:"relation"`
	RelationLabel string    `json:"relation_label"`
	InverseLabel  string    `json:"inverse_label"`
	ToKind        string    `json:"to_kind"`
	ToID          int64     `json:"to_id"`
	ToTitle       string    `json:"to_title,omitempty"`
	ToURL         string    `json:"to_url,omitempty"`
	Note          string    `json:"note,omitempty"`
	CreatedBy     int64     `json:"created_by,omitempty"`
	CreatedAt     time.Time `json:"created_at"`

	// Filled in for pages.
	FromKindLabel string `json:"-"`
	ToKindLabel   string `json:"-"`
	CanDelete     bool   `json:"-"`
}

func (l *Link) labels() {
	if r, ok := relation(l.Relation); ok {
		l.RelationLabel, l.InverseLabel = r.Label, r.Inverse
	} else {
		l.RelationLabel, l.InverseLabel = l.Relation, l.Relation
	}
}

// LinkSet is a record's links: those it makes and those made to it.
type LinkSet struct {
	Outgoing []Link `json:"outgoing"`
	Incoming []Link `json:"incoming"`
}

// Empty reports whether there are no links.
func (ls LinkSet) Empty() bool { return len(ls.Outgoing) == 0 && len(ls.Incoming) == 0 }

// LinkInput is what a person submits to link two records.
type LinkInput struct {
	FromKind string `json:"from_kind"`
	FromID   int64  `json:"from_id"`
	Relation string `json:"relation"`
	ToKind   string `json:"to_kind"`
	ToID     int64  `json:"to_id"`
	Note     string `json:"note"`
}

// Normalize trims the input.
func (in *LinkInput) Normalize() {
	in.FromKind = strings.TrimSpace(in.FromKind)
	in.Relation = strings.TrimSpace(in.Relation)
	in.ToKind = strings.TrimSpace(in.ToKind)
	in.Note = strings.TrimSpace(in.Note)
}

func (s *Service) validateLink(in LinkInput) error {
	var c valid.Checker
	kinds := values(s.LinkKinds())
	c.OneOf("from_kind", in.FromKind, kinds, "the kind of record the link starts from")
	c.Check(in.FromID > 0, "from_id", "Give the ID of the record the link starts from.")
	c.OneOf("relation", in.Relation, values(RelationOptions()), "a relation")
	c.OneOf("to_kind", in.ToKind, kinds, "the kind of the linked record")
	c.Check(in.ToID > 0, "to_id", "Give the ID or the name of the linked record.")
	c.MaxLen("note", in.Note, 1000)
	if in.FromKind == in.ToKind && in.FromID == in.ToID && in.FromID > 0 {
		c.Add("to_id", "A record cannot link to itself: choose another record.")
	}
	return c.Err()
}

// ---- store ----

const linkColumns = `id, from_kind, from_id, relation, to_kind, to_id, note, COALESCE(created_by, 0), created_at`

func scanLink(row interface{ Scan(...any) error }) (Link, error) {
	var l Link
	err := row.Scan(&l.ID, &l.FromKind, &l.FromID, &l.Relation, &l.ToKind, &l.ToID, &l.Note, &l.CreatedBy, &l.CreatedAt)
	l.labels()
	return l, db.MapError(err)
}

func collectLinks(rows *sql.Rows) ([]Link, error) {
	defer rows.Close()
	var out []Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Link loads one link.
func (Store) Link(ctx context.Context, q db.Q, id int64) (Link, error) {
	return scanLink(q.QueryRow(ctx, "SELECT "+linkColumns+" FROM links WHERE id = ?", id))
}

// LinksFrom lists the links a record makes.
func (Store) LinksFrom(ctx context.Context, q db.Q, kind string, id int64) ([]Link, error) {
	rows, err := q.Query(ctx, "SELECT "+linkColumns+" FROM links WHERE from_kind = ? AND from_id = ? ORDER BY relation, to_kind, id LIMIT 1000", kind, id)
	if err != nil {
		return nil, err
	}
	return collectLinks(rows)
}

// LinksTo lists the links made to a record.
func (Store) LinksTo(ctx context.Context, q db.Q, kind string, id int64) ([]Link, error) {
	rows, err := q.Query(ctx, "SELECT "+linkColumns+" FROM links WHERE to_kind = ? AND to_id = ? ORDER BY relation, from_kind, id LIMIT 1000", kind, id)
	if err != nil {
		return nil, err
	}
	return collectLinks(rows)
}

// InsertLink creates a link; ErrConflict when the same link exists.
func (Store) InsertLink(ctx context.Context, q db.Q, in LinkInput, createdBy int64) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO links (from_kind, from_id, relation, to_kind, to_id, note, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.FromKind, in.FromID, in.Relation, in.ToKind, in.ToID, in.Note, nullID(createdBy), db.Now()).Scan(&id)
	return id, db.MapError(err)
}

// DeleteLink removes a link.
func (Store) DeleteLink(ctx context.Context, q db.Q, id int64) error {
	return db.Affected(q.Exec(ctx, "DELETE FROM links WHERE id = ?", id))
}

// ---- service ----

// linkEnd resolves one end of a new link, as a field error when it is missing or hidden.
func (s *Service) linkEnd(ctx context.Context, q db.Q, end, kind string, id int64) (LinkRecord, error) {
	rec, label, err := s.resolve(ctx, q, kind, id)
	if errors.Is(err, errUnknownKind) {
		return rec, valid.Errors{end + "_kind": "Choose a kind of record from the list."}
	}
	if errors.Is(err, db.ErrNotFound) || (err == nil && !rec.Visible) {
		return rec, valid.Errors{end + "_id": fmt.Sprintf("There is no %s with the ID %d.", strings.ToLower(label), id)}
	}
	return rec, err
}

// CanLinkFrom reports whether the principal may add links from the record.
func (s *Service) CanLinkFrom(ctx context.Context, kind string, id int64) bool {
	p := authz.From(ctx)
	if !p.SignedIn() && !p.SiteAdmin {
		return false
	}
	rec, _, err := s.resolve(ctx, s.DB, kind, id)
	return err == nil && rec.Visible && canLinkFrom(p, rec)
}

// LinksOf lists a record's links both ways, leaving out records the principal may not see.
func (s *Service) LinksOf(ctx context.Context, kind string, id int64) (LinkSet, error) {
	p := authz.From(ctx)
	self, label, err := s.resolve(ctx, s.DB, kind, id)
	if errors.Is(err, errUnknownKind) {
		return LinkSet{}, valid.Errors{"kind": "Use a kind of record that links know: " + strings.Join(values(s.LinkKinds()), ", ") + "."}
	} else if err != nil {
		return LinkSet{}, err
	}
	if !self.Visible {
		return LinkSet{}, db.ErrNotFound
	}
	canSelf := canLinkFrom(p, self)
	set := LinkSet{Outgoing: []Link{}, Incoming: []Link{}}
	out, err := s.Store.LinksFrom(ctx, s.DB, kind, id)
	if err != nil {
		return set, err
	}
	for _, l := range out {
		to, toLabel, err := s.resolve(ctx, s.DB, l.ToKind, l.ToID)
		if errors.Is(err, errUnknownKind) || errors.Is(err, db.ErrNotFound) || (err == nil && !to.Visible) {
			continue
		} else if err != nil {
			return set, err
		}
		l.FromTitle, l.FromURL, l.FromKindLabel = self.Title, self.URL, label
		l.ToTitle, l.ToURL, l.ToKindLabel = to.Title, to.URL, toLabel
		l.CanDelete = canSelf
		set.Outgoing = append(set.Outgoing, l)
	}
	in, err := s.Store.LinksTo(ctx, s.DB, kind, id)
	if err != nil {
		return set, err
	}
	for _, l := range in {
		from, fromLabel, err := s.resolve(ctx, s.DB, l.FromKind, l.FromID)
		if errors.Is(err, errUnknownKind) || errors.Is(err, db.ErrNotFound) || (err == nil && !from.Visible) {
			continue
		} else if err != nil {
			return set, err
		}
		l.FromTitle, l.FromURL, l.FromKindLabel = from.Title, from.URL, fromLabel
		l.ToTitle, l.ToURL, l.ToKindLabel = self.Title, self.URL, label
		l.CanDelete = canLinkFrom(p, from)
		set.Incoming = append(set.Incoming, l)
	}
	if !p.SignedIn() {
		for i := range set.Outgoing {
			set.Outgoing[i].CreatedBy = 0
		}
		for i := range set.Incoming {
			set.Incoming[i].CreatedBy = 0
		}
	}
	return set, nil
}

// FindRecord turns what a person typed for a record of kind (an ID, or part of its name) into
// an ID, using the search index; field errors are reported on "to_id".
func (s *Service) FindRecord(ctx context.Context, kind, text string) (int64, error) {
	text = strings.TrimSpace(text)
	if n, err := strconv.ParseInt(strings.TrimPrefix(text, "#"), 10, 64); err == nil {
		return n, nil
	}
	if _, ok := s.registry().get(kind); !ok {
		return 0, valid.Errors{"to_kind": "Choose the kind of the linked record from the list."}
	}
	if text == "" {
		return 0, valid.Errors{"to_id": "Give the ID or the name of the linked record."}
	}
	label := strings.ToLower(s.KindLabel(kind))
	hits, err := search.Search(ctx, s.DB, search.Query{Text: text, Kinds: []string{kind}, Limit: 8})
	if err != nil {
		return 0, err
	}
	var exact []search.Hit
	for _, h := range hits {
		if strings.EqualFold(strings.TrimSpace(h.Title), text) {
			exact = append(exact, h)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0].RecordID, nil
	case len(hits) == 1:
		return hits[0].RecordID, nil
	case len(hits) == 0:
		return 0, valid.Errors{"to_id": fmt.Sprintf("No %s matches %q: enter its ID, or another part of its name.", label, text)}
	}
	names := make([]string, 0, len(hits))
	for _, h := range hits {
		names = append(names, fmt.Sprintf("%s (ID %d)", h.Title, h.RecordID))
	}
	return 0, valid.Errors{"to_id": fmt.Sprintf("More than one %s matches %q: %s. Enter the ID of the one you mean.", label, text, strings.Join(names, "; "))}
}

// CreateLink links two records. Contributors of the organisation owning the "from" record may
// link from it; from a shared record (a place, a tag) any manager may; site admins always.
func (s *Service) CreateLink(ctx context.Context, in LinkInput) (Link, error) {
	p := authz.From(ctx)
	if !p.SignedIn() && !p.SiteAdmin {
		return Link{}, audit.Deny(ctx, s.DB, "link.create", "link", 0)
	}
	in.Normalize()
	if err := s.validateLink(in); err != nil {
		return Link{}, err
	}
	from, err := s.linkEnd(ctx, s.DB, "from", in.FromKind, in.FromID)
	if err != nil {
		return Link{}, err
	}
	if !canLinkFrom(p, from) {
		return Link{}, audit.Deny(ctx, s.DB, "link.create", in.FromKind, in.FromID)
	}
	var l Link
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		from, err := s.linkEnd(ctx, tx, "from", in.FromKind, in.FromID)
		if err != nil {
			return err
		}
		to, err := s.linkEnd(ctx, tx, "to", in.ToKind, in.ToID)
		if err != nil {
			return err
		}
		id, err := s.Store.InsertLink(ctx, tx, in, p.UserID)
		if err != nil {
			return conflict(err, "to_id", "These records are already linked this way.")
		}
		if l, err = s.Store.Link(ctx, tx, id); err != nil {
			return err
		}
		l.FromTitle, l.FromURL, l.FromKindLabel = from.Title, from.URL, s.KindLabel(l.FromKind)
		l.ToTitle, l.ToURL, l.ToKindLabel = to.Title, to.URL, s.KindLabel(l.ToKind)
		return audit.Record(ctx, tx, audit.Entry{Action: "link.create", TargetKind: "link", TargetID: id,
			Target: from.Title + " → " + to.Title, Detail: linkDetail(l)})
	})
	return l, err
}

func linkDetail(l Link) string {
	return fmt.Sprintf("%s %d %s %s %d", l.FromKind, l.FromID, l.Relation, l.ToKind, l.ToID)
}

// DeleteLink removes a link and returns what it was: the people who may create it, and site
// admins.
func (s *Service) DeleteLink(ctx context.Context, id int64) (Link, error) {
	p := authz.From(ctx)
	l, err := s.Store.Link(ctx, s.DB, id)
	if err != nil {
		return Link{}, err
	}
	from, _, err := s.resolve(ctx, s.DB, l.FromKind, l.FromID)
	if err != nil && !errors.Is(err, errUnknownKind) && !errors.Is(err, db.ErrNotFound) {
		return Link{}, err
	}
	if !p.SiteAdmin && (err != nil || !from.Visible || !canLinkFrom(p, from)) {
		return Link{}, audit.Deny(ctx, s.DB, "link.delete", "link", id)
	}
	l.FromTitle, l.FromURL = from.Title, from.URL
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.DeleteLink(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "link.delete", TargetKind: "link", TargetID: id, Target: from.Title, Detail: linkDetail(l)})
	})
	return l, err
}

// LinksPanel is what the _links.html partial draws on a record's page.
type LinksPanel struct {
	Kind      string
	ID        int64
	Title     string
	Back      string // the page to return to after adding or deleting a link
	Links     LinkSet
	CanAdd    bool
	Relations []web.Option
	Kinds     []web.Option
	Form      *web.Form
}

// LinksPanelFor gathers a record's links and, for those allowed, what the form to add one needs.
func (s *Service) LinksPanelFor(ctx context.Context, kind string, id int64, back string) (LinksPanel, error) {
	set, err := s.LinksOf(ctx, kind, id)
	if err != nil {
		return LinksPanel{}, err
	}
	lp := LinksPanel{Kind: kind, ID: id, Back: back, Links: set, Form: &web.Form{}}
	if s.CanLinkFrom(ctx, kind, id) {
		lp.CanAdd = true
		lp.Relations = RelationOptions()
		lp.Kinds = s.LinkKinds()
	}
	return lp, nil
}
