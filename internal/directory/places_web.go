package directory

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// placeRoutes registers the places pages and API.
func (h *Web) placeRoutes(rt *web.Router) {
	h.Render.AddNav(web.NavItem{Label: "Places", URL: "/places"})

	rt.Page("GET", "/places", web.Public, h.placeList)
	rt.Page("GET", "/places/new", web.SignedIn, h.placeNew)
	rt.Page("POST", "/places", web.SignedIn, h.placeCreate)
	rt.Page("GET", "/places/{id}", web.Public, h.placeShow)
	rt.Page("GET", "/places/{id}/edit", web.SignedIn, h.placeEdit)
	rt.Page("POST", "/places/{id}", web.SignedIn, h.placeUpdate)
	rt.Page("POST", "/places/{id}/archive", web.SignedIn, h.placeArchive)

	rt.API("GET", "/api/v1/places", web.Public, "Places", "List places (filters: q, kind, parent_id, within; cursor pagination)", h.apiPlaceList, web.Body(nil, api.List[Place]{}))
	rt.API("POST", "/api/v1/places", web.SignedIn, "Places", "Create a place", api.Create(h.Svc.CreatePlace, func(v Place) string { return "/api/v1/places/" + id(v.ID) }), web.Body(PlaceInput{}, Place{}))
	rt.API("GET", "/api/v1/places/{id}", web.Public, "Places", "Get a place", api.Get(h.Svc.Place), web.Body(nil, Place{}))
	rt.API("PUT", "/api/v1/places/{id}", web.SignedIn, "Places", "Update a place", api.Update(h.Svc.UpdatePlace), web.Body(PlaceInput{}, Place{}))
	rt.API("POST", "/api/v1/places/{id}/archive", web.SignedIn, "Places", "Archive or restore a place (site admins)", api.Archive(h.Svc.ArchivePlace, h.Svc.Place), web.Body(api.ArchiveBody{}, Place{}))
}

// formIDs reads a list of IDs from a form; anything that is not an ID becomes -1, which
// validation refuses.
func formIDs(f *web.Form, name string) []int64 {
	var out []int64
	for _, s := range f.All(name) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			n = -1
		}
		out = append(out, n)
	}
	return out
}

// queryID reads an optional ID from a query string (0 when absent or malformed, for pages).
func queryID(q url.Values, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(q.Get(name)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// apiQueryID reads an optional ID from a query string, refusing a malformed one.
func apiQueryID(q url.Values, name string) (int64, error) {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, &api.BadRequest{Msg: name + " must be a record ID.", Errors: map[string]string{name: "Use a whole number above 0."}}
	}
	return n, nil
}

func idStrings(ids []int64) []string {
	out := make([]string, len(ids))
	for i, n := range ids {
		out[i] = id(n)
	}
	return out
}

// placePaths labels every place with its chain, e.g. "Australia › Queensland › Logan".
func placePaths(all []Place) map[int64]string {
	byID := make(map[int64]Place, len(all))
	for _, p := range all {
		byID[p.ID] = p
	}
	out := make(map[int64]string, len(all))
	for _, p := range all {
		names := []string{p.Name}
		seen := map[int64]bool{p.ID: true}
		for cur := p.ParentID; cur != 0 && !seen[cur]; {
			seen[cur] = true
			anc, ok := byID[cur]
			if !ok {
				break
			}
			names = append(names, anc.Name)
			cur = anc.ParentID
		}
		slices.Reverse(names)
		out[p.ID] = strings.Join(names, " › ")
	}
	return out
}

// placeOptions lists live places for a select, labelled with their chain and sorted by it.
// Places in keep are listed even when archived (they are already chosen); skip leaves out
// a place and everything within it (a place's own parent list).
func (h *Web) placeOptions(ctx context.Context, keep []int64, skip int64) ([]web.Option, error) {
	all, err := h.Svc.Store.Places(ctx, h.Svc.DB, ListFilter{Archived: true})
	if err != nil {
		return nil, err
	}
	paths := placePaths(all)
	parent := make(map[int64]int64, len(all))
	for _, p := range all {
		parent[p.ID] = p.ParentID
	}
	within := func(pid int64) bool {
		for cur, i := pid, 0; cur != 0 && i < 64; cur, i = parent[cur], i+1 {
			if cur == skip {
				return true
			}
		}
		return false
	}
	var out []web.Option
	for _, p := range all {
		if p.Archived && !slices.Contains(keep, p.ID) {
			continue
		}
		if skip != 0 && within(p.ID) {
			continue
		}
		label := paths[p.ID] + " (" + p.KindLabel() + ")"
		if p.Archived {
			label += " – archived"
		}
		out = append(out, web.Option{Value: id(p.ID), Label: label})
	}
	slices.SortFunc(out, func(a, b web.Option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	return out, nil
}

// PlaceNode is a place with the places within it, for the tree on the places page.
type PlaceNode struct {
	Place
	Children []*PlaceNode
}

// placeTree arranges places as a tree; a place whose parent is not in the list is a root.
func placeTree(places []Place) []*PlaceNode {
	nodes := make(map[int64]*PlaceNode, len(places))
	for _, p := range places {
		nodes[p.ID] = &PlaceNode{Place: p}
	}
	var roots []*PlaceNode
	for _, p := range places {
		n := nodes[p.ID]
		if parent, ok := nodes[p.ParentID]; ok && p.ParentID != p.ID {
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

type placeListData struct {
	Tree      []*PlaceNode
	Places    []Place
	Filtered  bool
	Truncated bool
	Kinds     []web.Option
	CanCreate bool
}

const placeTreeLimit = 1000

func (h *Web) placeList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := ListFilter{Text: strings.TrimSpace(q.Get("q")), Type: q.Get("kind"), Archived: q.Get("archived") == "on"}
	places, err := h.Svc.Places(r.Context(), f)
	if err != nil {
		return err
	}
	d := placeListData{Kinds: PlaceKinds, CanCreate: CanEditPlaces(authz.From(r.Context())), Truncated: len(places) >= placeTreeLimit}
	if f.Text != "" || f.Type != "" {
		d.Filtered, d.Places = true, places
	} else {
		d.Tree = placeTree(places)
	}
	h.Render.OK(w, r, "directory/place_list", web.Page{Title: "Places", Breadcrumbs: []web.Crumb{{Label: "Places"}}, Data: d})
	return nil
}

type placeData struct {
	Place    Place
	Chain    []Place
	Children []Place
	Services []PublicService
	Programs []Program
	// WiderServices and WiderPrograms are tied to a larger place that includes this one.
	WiderServices []PublicService
	WiderPrograms []Program
	CanEdit       bool
	CanArchive    bool
	Links         LinksPanel
}

func placeCrumbs(chain []Place, last Place, more ...web.Crumb) []web.Crumb {
	crumbs := []web.Crumb{{Label: "Places", URL: "/places"}}
	for _, c := range chain {
		crumbs = append(crumbs, web.Crumb{Label: c.Name, URL: "/places/" + id(c.ID)})
	}
	if len(more) == 0 {
		return append(crumbs, web.Crumb{Label: last.Name})
	}
	crumbs = append(crumbs, web.Crumb{Label: last.Name, URL: "/places/" + id(last.ID)})
	return append(crumbs, more...)
}

func (h *Web) placeShow(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	pl, err := h.Svc.Place(ctx, pid)
	if err != nil {
		return err
	}
	p := authz.From(ctx)
	d := placeData{Place: pl, CanEdit: CanEditPlaces(p), CanArchive: CanArchivePlaces(p)}
	if d.Chain, err = h.Svc.PlaceChain(ctx, pid); err != nil {
		return err
	}
	if d.Children, err = h.Svc.Places(ctx, ListFilter{ParentID: pid}); err != nil {
		return err
	}
	if d.Services, err = h.Svc.Services(ctx, ListFilter{PlaceID: pid}); err != nil {
		return err
	}
	if d.Programs, err = h.Svc.Programs(ctx, ListFilter{PlaceID: pid}); err != nil {
		return err
	}
	chainIDs := make([]int64, len(d.Chain))
	for i, c := range d.Chain {
		chainIDs[i] = c.ID
	}
	if d.WiderServices, err = h.Svc.ServicesAt(ctx, chainIDs); err != nil {
		return err
	}
	if d.WiderPrograms, err = h.Svc.ProgramsAt(ctx, chainIDs); err != nil {
		return err
	}
	if d.Links, err = h.Svc.LinksPanelFor(ctx, "place", pid, r.URL.Path); err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/place_show", web.Page{Title: pl.Name, Data: d, Breadcrumbs: placeCrumbs(d.Chain, pl)})
	return nil
}

type placeFormData struct {
	Place   Place
	Kinds   []web.Option
	Parents []web.Option
}

func (h *Web) placeFormPage(r *http.Request, pl Place, f *web.Form) (web.Page, error) {
	var keep []int64
	if pl.ParentID != 0 {
		keep = []int64{pl.ParentID}
	}
	parents, err := h.placeOptions(r.Context(), keep, pl.ID)
	if err != nil {
		return web.Page{}, err
	}
	title, crumbs := "New place", []web.Crumb{{Label: "Places", URL: "/places"}, {Label: "New"}}
	if pl.ID != 0 {
		chain, err := h.Svc.PlaceChain(r.Context(), pl.ID)
		if err != nil {
			return web.Page{}, err
		}
		title, crumbs = "Edit "+pl.Name, placeCrumbs(chain, pl, web.Crumb{Label: "Edit"})
	}
	return web.Page{Title: title, Form: f, Breadcrumbs: crumbs, Data: placeFormData{Place: pl, Kinds: PlaceKinds, Parents: parents}}, nil
}

func placeInputFrom(f *web.Form) PlaceInput {
	parent := formInt(f, "parent_id")
	if f.Get("parent_id") != "" && parent <= 0 {
		parent = -1
	}
	return PlaceInput{Name: f.Get("name"), Kind: f.Get("kind"), Code: f.Get("code"), ParentID: parent, Description: f.Get("description")}
}

func (h *Web) placeNew(w http.ResponseWriter, r *http.Request) error {
	if !CanEditPlaces(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	q := r.URL.Query()
	f := web.FormOf(map[string]string{"parent_id": id(queryID(q, "parent_id")), "kind": q.Get("kind")})
	page, err := h.placeFormPage(r, Place{}, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/place_form", page)
	return nil
}

func (h *Web) placeCreate(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	pl, err := h.Svc.CreatePlace(r.Context(), placeInputFrom(f))
	if _, ok := valid.As(err); ok {
		page, perr := h.placeFormPage(r, Place{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/place_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/places/"+id(pl.ID), pl.Name+" is added.")
}

func (h *Web) placeEdit(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pl, err := h.Svc.Place(r.Context(), pid)
	if err != nil {
		return err
	}
	if !CanEditPlaces(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	f := web.FormOf(map[string]string{"name": pl.Name, "kind": pl.Kind, "code": pl.Code, "parent_id": id(pl.ParentID), "description": pl.Description})
	page, err := h.placeFormPage(r, pl, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/place_form", page)
	return nil
}

func (h *Web) placeUpdate(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	pl, err := h.Svc.UpdatePlace(r.Context(), pid, placeInputFrom(f))
	if _, ok := valid.As(err); ok {
		cur, cerr := h.Svc.Place(r.Context(), pid)
		if cerr != nil {
			return cerr
		}
		page, perr := h.placeFormPage(r, cur, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/place_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/places/"+id(pl.ID), "Your changes are saved.")
}

func (h *Web) placeArchive(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	archive := r.PostFormValue("restore") == ""
	if err := h.Svc.ArchivePlace(r.Context(), pid, archive); err != nil {
		return err
	}
	msg := "The place is archived."
	if !archive {
		msg = "The place is restored."
	}
	return web.Redirect(w, r, "/places/"+id(pid), msg)
}

func (h *Web) apiPlaceList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := ListFilter{Text: q.Get("q"), Type: q.Get("kind"), After: pg.After, Limit: pg.Limit + 1}
	if f.ParentID, err = apiQueryID(q, "parent_id"); err != nil {
		return err
	}
	if f.PlaceID, err = apiQueryID(q, "within"); err != nil {
		return err
	}
	places, err := h.Svc.Places(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(places, pg.Limit, func(p Place) int64 { return p.ID }))
}
