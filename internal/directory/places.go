package directory

import (
	"context"
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

// PlaceKinds are the kinds of place, from the largest to the smallest.
var PlaceKinds = []web.Option{
	{Value: "country", Label: "Country"},
	{Value: "state", Label: "State or territory"},
	{Value: "region", Label: "Region"},
	{Value: "lga", Label: "Local government area"},
	{Value: "community", Label: "Community"},
	{Value: "other", Label: "Other"},
}

// placeLevel is how large each kind of place is: a place sits inside a larger one. Regions and
// local government areas share a level (a region may group local government areas, and a region
// may lie within one); "other" has no level and fits anywhere.
var placeLevel = map[string]int{"country": 1, "state": 2, "region": 3, "lga": 3, "community": 4}

// PlaceFits reports whether a place of kind child may sit inside a place of kind parent: never
// inside a smaller kind (a state inside a local government area), nor inside its own kind,
// except that regions may nest and regions and local government areas may hold each other.
func PlaceFits(child, parent string) bool {
	c, p := placeLevel[child], placeLevel[parent]
	switch {
	case c == 0 || p == 0:
		return true
	case c != p:
		return c > p
	}
	return child == "region" || parent == "region"
}

// Place is a country, state or territory, region, local government area or community.
type Place struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Code        string    `json:"code,omitempty"`
	ParentID    int64     `json:"parent_id,omitempty"`
	ParentName  string    `json:"parent_name,omitempty"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Archived    bool      `json:"archived"`
}

// KindLabel is the kind's label.
func (p Place) KindLabel() string { return Label(PlaceKinds, p.Kind) }

// PlaceRef names a place tied to a service or program.
type PlaceRef struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Archived bool   `json:"archived,omitempty"`
}

// KindLabel is the kind's label.
func (p PlaceRef) KindLabel() string { return Label(PlaceKinds, p.Kind) }

func placeRefNames(refs []PlaceRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Name
	}
	return out
}

func placeRefIDs(refs []PlaceRef) []int64 {
	out := make([]int64, len(refs))
	for i, r := range refs {
		out[i] = r.ID
	}
	return out
}

// PlaceInput is what a person submits to create or edit a place.
type PlaceInput struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Code        string `json:"code"`
	ParentID    int64  `json:"parent_id"`
	Description string `json:"description"`
}

// Normalize trims the input.
func (in *PlaceInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Kind = strings.TrimSpace(in.Kind)
	in.Code = strings.TrimSpace(in.Code)
	in.Description = strings.TrimSpace(in.Description)
}

// Validate checks the input.
func (in PlaceInput) Validate() error {
	var c valid.Checker
	c.Text("name", in.Name, "the place's name", 200)
	c.OneOf("kind", in.Kind, values(PlaceKinds), "a kind of place")
	c.MaxLen("code", in.Code, 40)
	c.Check(!strings.ContainsAny(in.Code, " \t\r\n"), "code", "Enter the code without spaces, e.g. 34590.")
	c.MaxLen("description", in.Description, 5000)
	c.Check(in.ParentID >= 0, "parent_id", "Choose the place this one sits in from the list.")
	return c.Err()
}

// dedupeIDs drops repeated IDs, keeping the first occurrence of each.
func dedupeIDs(ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// placeWithin is the condition "column names placeID or a place within it", for filters.
const placeWithin = `IN (WITH RECURSIVE within(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT pw.id FROM places pw JOIN within ON pw.parent_id = within.id) SELECT id FROM within)`

const placeColumns = `pl.id, pl.name, pl.kind, pl.code, COALESCE(pl.parent_id, 0), COALESCE(pp.name, ''), pl.description,
	pl.created_at, pl.updated_at, pl.archived_at IS NOT NULL`

const placeFrom = ` FROM places pl LEFT JOIN places pp ON pp.id = pl.parent_id`

func scanPlace(row interface{ Scan(...any) error }) (Place, error) {
	var p Place
	err := row.Scan(&p.ID, &p.Name, &p.Kind, &p.Code, &p.ParentID, &p.ParentName, &p.Description, &p.CreatedAt, &p.UpdatedAt, &p.Archived)
	return p, db.MapError(err)
}

// Place loads one place.
func (Store) Place(ctx context.Context, q db.Q, id int64) (Place, error) {
	return scanPlace(q.QueryRow(ctx, "SELECT "+placeColumns+placeFrom+" WHERE pl.id = ?", id))
}

// PlaceByName loads the first place with this name (ignoring case), optionally of a kind.
func (Store) PlaceByName(ctx context.Context, q db.Q, name, kind string) (Place, error) {
	return scanPlace(q.QueryRow(ctx, "SELECT "+placeColumns+placeFrom+" WHERE lower(pl.name) = lower(?) AND (? = '' OR pl.kind = ?) ORDER BY pl.id LIMIT 1", name, kind, kind))
}

// Places lists places by name (Text matches the name or code, Type the kind).
func (Store) Places(ctx context.Context, q db.Q, f ListFilter) ([]Place, error) {
	var w where
	if f.Text != "" {
		w.add(`(lower(pl.name) LIKE ? ESCAPE '\' OR lower(pl.code) LIKE ? ESCAPE '\')`, like(f.Text), like(f.Text))
	}
	if f.Type != "" {
		w.add("pl.kind = ?", f.Type)
	}
	if f.ParentID != 0 {
		w.add("pl.parent_id = ?", f.ParentID)
	}
	if f.PlaceID != 0 {
		w.add("pl.id "+placeWithin, f.PlaceID)
	}
	if !f.Archived {
		w.add("pl.archived_at IS NULL")
	}
	if f.After != 0 {
		w.add("pl.id > ?", f.After)
	}
	order := " ORDER BY lower(pl.name), pl.id"
	if f.After != 0 || f.Limit > 0 {
		order = " ORDER BY pl.id"
	}
	rows, err := q.Query(ctx, "SELECT "+placeColumns+placeFrom+w.sql()+order+" LIMIT ?", append(w.args, f.limit())...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Place
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PlaceChain lists the places that id sits in, the largest first (id itself not included).
func (s Store) PlaceChain(ctx context.Context, q db.Q, id int64) ([]Place, error) {
	p, err := s.Place(ctx, q, id)
	if err != nil {
		return nil, err
	}
	var chain []Place
	seen := map[int64]bool{p.ID: true}
	for cur := p.ParentID; cur != 0 && !seen[cur] && len(chain) < 64; {
		seen[cur] = true
		anc, err := s.Place(ctx, q, cur)
		if err != nil {
			return nil, err
		}
		chain = append(chain, anc)
		cur = anc.ParentID
	}
	slices.Reverse(chain)
	return chain, nil
}

// PlaceDescendants lists the IDs of every place within id, at any depth.
func (Store) PlaceDescendants(ctx context.Context, q db.Q, id int64) ([]int64, error) {
	rows, err := q.Query(ctx, "SELECT id FROM places WHERE id <> ? AND id "+placeWithin+" ORDER BY id", id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// InsertPlace creates a place.
func (Store) InsertPlace(ctx context.Context, q db.Q, in PlaceInput) (int64, error) {
	now := db.Now()
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO places (name, kind, code, parent_id, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.Name, in.Kind, in.Code, nullID(in.ParentID), in.Description, now, now).Scan(&id)
	return id, db.MapError(err)
}

// UpdatePlace saves a place.
func (Store) UpdatePlace(ctx context.Context, q db.Q, id int64, in PlaceInput) error {
	return db.Affected(q.Exec(ctx, `UPDATE places SET name = ?, kind = ?, code = ?, parent_id = ?, description = ?, updated_at = ? WHERE id = ?`,
		in.Name, in.Kind, in.Code, nullID(in.ParentID), in.Description, db.Now(), id))
}

// IsAncestorPlace reports whether anc is id or a place that id sits in, at any depth.
func (Store) IsAncestorPlace(ctx context.Context, q db.Q, id, anc int64) (bool, error) {
	return isAncestor(ctx, q, "places", id, anc)
}

// linkedPlaces loads the places tied to each record of a link table (service_places or
// program_places), by name.
func (Store) linkedPlaces(ctx context.Context, q db.Q, table, col string, ids []int64) (map[int64][]PlaceRef, error) {
	out := map[int64][]PlaceRef{}
	if len(ids) == 0 {
		return out, nil
	}
	switch table + "." + col {
	case "service_places.service_id", "program_places.program_id":
	default:
		panic("directory: linkedPlaces on " + table)
	}
	ph, args := db.In(ids)
	rows, err := q.Query(ctx, "SELECT x."+col+", pl.id, pl.name, pl.kind, pl.archived_at IS NOT NULL FROM "+table+" x JOIN places pl ON pl.id = x.place_id WHERE x."+col+" IN ("+ph+") ORDER BY lower(pl.name), pl.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rec int64
		var r PlaceRef
		if err := rows.Scan(&rec, &r.ID, &r.Name, &r.Kind, &r.Archived); err != nil {
			return nil, err
		}
		out[rec] = append(out[rec], r)
	}
	return out, rows.Err()
}

// setLinkedPlaces replaces the places tied to one record of a link table.
func (Store) setLinkedPlaces(ctx context.Context, q db.Q, table, col string, rec int64, placeIDs []int64) error {
	switch table + "." + col {
	case "service_places.service_id", "program_places.program_id":
	default:
		panic("directory: setLinkedPlaces on " + table)
	}
	if _, err := q.Exec(ctx, "DELETE FROM "+table+" WHERE "+col+" = ?", rec); err != nil {
		return db.MapError(err)
	}
	for _, pid := range placeIDs {
		if _, err := q.Exec(ctx, "INSERT INTO "+table+" ("+col+", place_id) VALUES (?, ?)", rec, pid); err != nil {
			return db.MapError(err)
		}
	}
	return nil
}

// recordsAtPlace lists the records of a link table tied to a place.
func (Store) recordsAtPlace(ctx context.Context, q db.Q, table, col string, placeID int64) ([]int64, error) {
	switch table + "." + col {
	case "service_places.service_id", "program_places.program_id":
	default:
		panic("directory: recordsAtPlace on " + table)
	}
	rows, err := q.Query(ctx, "SELECT "+col+" FROM "+table+" WHERE place_id = ? ORDER BY "+col, placeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// CanEditPlaces reports whether the principal may add and edit places: places are reference
// data shared by everyone, kept by site admins and by the managers and admins of any
// organisation.
func CanEditPlaces(p authz.Principal) bool { return p.SiteAdmin || p.CanAny(authz.Manage) }

// CanArchivePlaces reports whether the principal may archive and restore places (site admins:
// other organisations' records point at them).
func CanArchivePlaces(p authz.Principal) bool { return p.SiteAdmin }

// Place returns a place the principal may see: archived places only for site admins.
func (s *Service) Place(ctx context.Context, id int64) (Place, error) {
	p, err := s.Store.Place(ctx, s.DB, id)
	if err != nil {
		return p, err
	}
	if p.Archived && !authz.From(ctx).SiteAdmin {
		return Place{}, db.ErrNotFound
	}
	return p, nil
}

// Places lists places; archived ones only for site admins who ask for them. ListFilter.Type is
// the kind; PlaceID limits the list to that place and the places within it.
func (s *Service) Places(ctx context.Context, f ListFilter) ([]Place, error) {
	if f.Archived && !authz.From(ctx).SiteAdmin {
		f.Archived = false
	}
	return s.Store.Places(ctx, s.DB, f)
}

// PlaceChain lists the places that id sits in, the largest first, leaving out archived ones
// for people who may not see them.
func (s *Service) PlaceChain(ctx context.Context, id int64) ([]Place, error) {
	chain, err := s.Store.PlaceChain(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if authz.From(ctx).SiteAdmin {
		return chain, nil
	}
	return slices.DeleteFunc(chain, func(p Place) bool { return p.Archived }), nil
}

func placeDoc(p Place, chain []Place) search.Doc {
	parts := []string{p.KindLabel(), p.Code}
	for _, c := range chain {
		parts = append(parts, c.Name)
	}
	parts = append(parts, p.Description)
	return search.Doc{Kind: "place", RecordID: p.ID, Title: p.Name, Body: strings.Join(parts, " "),
		URL: fmt.Sprintf("/places/%d", p.ID), Public: !p.Archived}
}

func (s *Service) indexPlace(ctx context.Context, q db.Q, id int64) (Place, error) {
	p, err := s.Store.Place(ctx, q, id)
	if err != nil {
		return p, err
	}
	chain, err := s.Store.PlaceChain(ctx, q, id)
	if err != nil {
		return p, err
	}
	return p, search.Index(ctx, q, placeDoc(p, chain))
}

func kindPhrase(kind string) string { return strings.ToLower(Label(PlaceKinds, kind)) }

// checkPlace checks the parent (it exists, is live unless unchanged, fits the kind, makes no
// cycle) and, when editing, that the places already inside still fit the kind.
func (s *Service) checkPlace(ctx context.Context, q db.Q, self int64, old Place, in PlaceInput) error {
	if in.ParentID != 0 {
		parent, err := s.Store.Place(ctx, q, in.ParentID)
		if err != nil {
			return valid.Errors{"parent_id": "Choose the place this one sits in from the list."}
		}
		if parent.Archived && in.ParentID != old.ParentID {
			return valid.Errors{"parent_id": parent.Name + " is archived: choose another place."}
		}
		if !PlaceFits(in.Kind, parent.Kind) {
			return valid.Errors{"parent_id": fmt.Sprintf("A %s cannot sit inside a %s (%s): choose a larger place, or another kind.",
				kindPhrase(in.Kind), kindPhrase(parent.Kind), parent.Name)}
		}
		if self != 0 {
			cyc, err := s.Store.IsAncestorPlace(ctx, q, self, in.ParentID)
			if err != nil {
				return err
			}
			if cyc {
				return valid.Errors{"parent_id": "A place cannot sit inside itself or one of the places within it."}
			}
		}
	}
	if self != 0 && in.Kind != old.Kind {
		children, err := s.Store.Places(ctx, q, ListFilter{ParentID: self, Archived: true})
		if err != nil {
			return err
		}
		for _, c := range children {
			if !PlaceFits(c.Kind, in.Kind) {
				return valid.Errors{"kind": fmt.Sprintf("%s (a %s) sits inside this place and cannot sit inside a %s: move it first, or choose another kind.",
					c.Name, kindPhrase(c.Kind), kindPhrase(in.Kind))}
			}
		}
	}
	return nil
}

// CreatePlace adds a place.
func (s *Service) CreatePlace(ctx context.Context, in PlaceInput) (Place, error) {
	if !CanEditPlaces(authz.From(ctx)) {
		return Place{}, audit.Deny(ctx, s.DB, "place.create", "place", 0)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Place{}, err
	}
	var p Place
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkPlace(ctx, tx, 0, Place{}, in); err != nil {
			return err
		}
		id, err := s.Store.InsertPlace(ctx, tx, in)
		if err != nil {
			return conflict(err, "code", "Another "+kindPhrase(in.Kind)+" already has this code.")
		}
		if p, err = s.indexPlace(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "place.create", TargetKind: "place", TargetID: id, Target: p.Name})
	})
	return p, err
}

// UpdatePlace edits a place. A new name or parent is carried into the search documents of the
// places within it (their chain changes) and of the services and programs tied to it.
func (s *Service) UpdatePlace(ctx context.Context, id int64, in PlaceInput) (Place, error) {
	if !CanEditPlaces(authz.From(ctx)) {
		return Place{}, audit.Deny(ctx, s.DB, "place.update", "place", id)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Place{}, err
	}
	var p Place
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.Store.Place(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.checkPlace(ctx, tx, id, old, in); err != nil {
			return err
		}
		if err := s.Store.UpdatePlace(ctx, tx, id, in); err != nil {
			return conflict(err, "code", "Another "+kindPhrase(in.Kind)+" already has this code.")
		}
		if p, err = s.indexPlace(ctx, tx, id); err != nil {
			return err
		}
		if old.Name != p.Name || old.ParentID != p.ParentID {
			if err := s.reindexAroundPlace(ctx, tx, id, old.Name != p.Name); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "place.update", TargetKind: "place", TargetID: id, Target: p.Name,
			Detail: changed(placeFields(old), placeFields(p))})
	})
	return p, err
}

// reindexAroundPlace rewrites the search documents that name the place: those of the places
// within it and, when renamed, of the services and programs tied to it.
func (s *Service) reindexAroundPlace(ctx context.Context, q db.Q, id int64, renamed bool) error {
	within, err := s.Store.PlaceDescendants(ctx, q, id)
	if err != nil {
		return err
	}
	for _, d := range within {
		if _, err := s.indexPlace(ctx, q, d); err != nil {
			return err
		}
	}
	if !renamed {
		return nil
	}
	svcs, err := s.Store.recordsAtPlace(ctx, q, "service_places", "service_id", id)
	if err != nil {
		return err
	}
	for _, sid := range svcs {
		if _, err := s.indexService(ctx, q, sid); err != nil {
			return err
		}
	}
	progs, err := s.Store.recordsAtPlace(ctx, q, "program_places", "program_id", id)
	if err != nil {
		return err
	}
	for _, pid := range progs {
		if _, err := s.indexProgram(ctx, q, pid); err != nil {
			return err
		}
	}
	return nil
}

// ArchivePlace archives (or restores) a place: site admins only. Services and programs keep
// their ties to it.
func (s *Service) ArchivePlace(ctx context.Context, id int64, archive bool) error {
	action := archiveAction("place", archive)
	if !CanArchivePlaces(authz.From(ctx)) {
		return audit.Deny(ctx, s.DB, action, "place", id)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetArchived(ctx, tx, "places", id, archive); err != nil {
			return err
		}
		p, err := s.indexPlace(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "place", TargetID: id, Target: p.Name})
	})
}

func placeFields(p Place) map[string]string {
	return map[string]string{"name": p.Name, "kind": p.Kind, "code": p.Code, "parent_id": fmt.Sprint(p.ParentID), "description": p.Description}
}

// checkPlaceIDs checks that each place exists and is live (or was already tied: keep).
func (s *Service) checkPlaceIDs(ctx context.Context, q db.Q, ids, keep []int64) error {
	for _, pid := range ids {
		p, err := s.Store.Place(ctx, q, pid)
		if err != nil {
			return valid.Errors{"place_ids": "Choose places from the list."}
		}
		if p.Archived && !slices.Contains(keep, pid) {
			return valid.Errors{"place_ids": p.Name + " is archived: choose another place."}
		}
	}
	return nil
}
