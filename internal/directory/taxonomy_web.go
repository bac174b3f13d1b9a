package directory

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

func (h *Web) taxonomyRoutes(rt *web.Router) {
	h.Render.AddNav(web.NavItem{Label: "Taxonomy", URL: "/taxonomy"})

	rt.Page("GET", "/taxonomy", web.Public, h.tagList)
	rt.Page("GET", "/taxonomy/new", web.SignedIn, h.tagNew)
	rt.Page("POST", "/taxonomy", web.SignedIn, h.tagCreate)
	rt.Page("GET", "/taxonomy/{id}", web.Public, h.tagShow)
	rt.Page("GET", "/taxonomy/{id}/edit", web.SignedIn, h.tagEdit)
	rt.Page("POST", "/taxonomy/{id}", web.SignedIn, h.tagUpdate)
	rt.Page("POST", "/taxonomy/{id}/archive", web.SignedIn, h.tagArchive)

	rt.API("GET", "/api/v1/tags", web.Public, "Taxonomy", "List tags (filters: scheme, q, parent_id; cursor pagination)", h.apiTagList, web.Body(nil, api.List[Tag]{}))
	rt.API("POST", "/api/v1/tags", web.SignedIn, "Taxonomy", "Create a tag (site admins and managers)", api.Create(h.Svc.CreateTag, func(v Tag) string { return "/api/v1/tags/" + id(v.ID) }), web.Body(TagInput{}, Tag{}))
	rt.API("GET", "/api/v1/tags/{id}", web.Public, "Taxonomy", "Get a tag", api.Get(h.Svc.Tag), web.Body(nil, Tag{}))
	rt.API("PUT", "/api/v1/tags/{id}", web.SignedIn, "Taxonomy", "Update a tag (site admins and managers)", api.Update(h.Svc.UpdateTag), web.Body(TagInput{}, Tag{}))
	rt.API("POST", "/api/v1/tags/{id}/archive", web.SignedIn, "Taxonomy", "Archive or restore a tag (site admins)", api.Archive(h.Svc.ArchiveTag, h.Svc.Tag), web.Body(api.ArchiveBody{}, Tag{}))
}

type tagListData struct {
	Groups   []TagGroup
	Schemes  []web.Option
	Scheme   string
	Total    int
	CanEdit  bool
	Archived bool
}

func (h *Web) tagList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ctx := r.Context()
	p := authz.From(ctx)
	f := ListFilter{Text: q.Get("q"), Type: q.Get("scheme"), Archived: q.Get("archived") == "on" && CanEditTags(p)}
	tags, err := h.Svc.Tags(ctx, f)
	if err != nil {
		return err
	}
	if f.Text != "" {
		// Keep the broader tags of each match so that the tree still reads.
		all, err := h.Svc.Tags(ctx, ListFilter{Type: f.Type, Archived: f.Archived})
		if err != nil {
			return err
		}
		tags = withAncestors(tags, all)
	}
	h.Render.OK(w, r, "directory/tag_list", web.Page{Title: "Taxonomy", Breadcrumbs: []web.Crumb{{Label: "Taxonomy"}},
		Data: tagListData{Groups: TagTree(tags), Schemes: TagSchemes, Scheme: f.Type, Total: len(tags), CanEdit: CanEditTags(p), Archived: f.Archived}})
	return nil
}

// withAncestors adds to matches the ancestors found in all.
func withAncestors(matches, all []Tag) []Tag {
	byID := make(map[int64]Tag, len(all))
	for _, t := range all {
		byID[t.ID] = t
	}
	seen := map[int64]bool{}
	var out []Tag
	for _, t := range matches {
		for cur, ok := t, true; ok && !seen[cur.ID]; cur, ok = byID[cur.ParentID] {
			seen[cur.ID] = true
			out = append(out, cur)
		}
	}
	return out
}

type tagShowData struct {
	Tag        Tag
	Trail      []Tag
	Children   []Tag
	Tagged     []TaggedRecord
	Links      LinksPanel
	CanEdit    bool
	CanArchive bool
}

func (h *Web) tagShow(w http.ResponseWriter, r *http.Request) error {
	tid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	t, err := h.Svc.Tag(ctx, tid)
	if err != nil {
		return err
	}
	p := authz.From(ctx)
	d := tagShowData{Tag: t, CanEdit: CanEditTags(p), CanArchive: CanArchiveTags(p)}
	for cur := t; cur.ParentID != 0 && len(d.Trail) < 64; {
		if cur, err = h.Svc.Store.Tag(ctx, h.Svc.DB, cur.ParentID); err != nil {
			return err
		}
		d.Trail = append([]Tag{cur}, d.Trail...)
	}
	if d.Children, err = h.Svc.Tags(ctx, ListFilter{ParentID: t.ID, Archived: d.CanEdit}); err != nil {
		return err
	}
	if d.Tagged, err = h.Svc.Tagged(ctx, t.ID); err != nil {
		return err
	}
	if d.Links, err = h.Svc.LinksPanelFor(ctx, "tag", t.ID, r.URL.Path); err != nil {
		return err
	}
	crumbs := []web.Crumb{{Label: "Taxonomy", URL: "/taxonomy"}}
	for _, a := range d.Trail {
		crumbs = append(crumbs, web.Crumb{Label: a.Name, URL: "/taxonomy/" + id(a.ID)})
	}
	crumbs = append(crumbs, web.Crumb{Label: t.Name})
	h.Render.OK(w, r, "directory/tag_show", web.Page{Title: t.Name, Data: d, Breadcrumbs: crumbs})
	return nil
}

type tagFormData struct {
	Tag     Tag
	Schemes []web.Option
	Parents []web.Option
}

func (h *Web) tagFormPage(r *http.Request, t Tag, f *web.Form) (web.Page, error) {
	all, err := h.Svc.Tags(r.Context(), ListFilter{Archived: true})
	if err != nil {
		return web.Page{}, err
	}
	// Live tags, and the current parent even if it is archived, so that saving keeps it.
	var tags []Tag
	for _, x := range all {
		if !x.Archived || x.ID == t.ParentID {
			tags = append(tags, x)
		}
	}
	var parents []web.Option
	for _, g := range TagTree(tags) {
		var walk func(ns []*TagNode, prefix string)
		walk = func(ns []*TagNode, prefix string) {
			for _, n := range ns {
				if n.Tag.ID == t.ID {
					continue // neither itself nor its narrower tags
				}
				label := prefix + n.Tag.Name
				parents = append(parents, web.Option{Value: id(n.Tag.ID), Label: g.Scheme.Label + ": " + label})
				walk(n.Children, label+" › ")
			}
		}
		walk(g.Roots, "")
	}
	title, crumbs := "New tag", []web.Crumb{{Label: "Taxonomy", URL: "/taxonomy"}, {Label: "New tag"}}
	if t.ID != 0 {
		title = "Edit " + t.Name
		crumbs = []web.Crumb{{Label: "Taxonomy", URL: "/taxonomy"}, {Label: t.Name, URL: "/taxonomy/" + id(t.ID)}, {Label: "Edit"}}
	}
	return web.Page{Title: title, Form: f, Breadcrumbs: crumbs, Data: tagFormData{Tag: t, Schemes: TagSchemes, Parents: parents}}, nil
}

func tagInputFrom(f *web.Form) TagInput {
	return TagInput{Scheme: f.Get("scheme"), Name: f.Get("name"), ParentID: formInt(f, "parent_id"), Description: f.Get("description")}
}

func (h *Web) tagNew(w http.ResponseWriter, r *http.Request) error {
	if !CanEditTags(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	f := web.FormOf(map[string]string{"scheme": r.URL.Query().Get("scheme"), "parent_id": r.URL.Query().Get("parent_id")})
	page, err := h.tagFormPage(r, Tag{}, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/tag_form", page)
	return nil
}

func (h *Web) tagCreate(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	t, err := h.Svc.CreateTag(r.Context(), tagInputFrom(f))
	if _, ok := valid.As(err); ok {
		page, perr := h.tagFormPage(r, Tag{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/tag_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/taxonomy/"+id(t.ID), "The tag "+t.Name+" is created.")
}

func (h *Web) tagEdit(w http.ResponseWriter, r *http.Request) error {
	tid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	t, err := h.Svc.Tag(r.Context(), tid)
	if err != nil {
		return err
	}
	if !CanEditTags(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	f := web.FormOf(map[string]string{"scheme": t.Scheme, "name": t.Name, "parent_id": id(t.ParentID), "description": t.Description})
	page, err := h.tagFormPage(r, t, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/tag_form", page)
	return nil
}

func (h *Web) tagUpdate(w http.ResponseWriter, r *http.Request) error {
	tid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	t, err := h.Svc.UpdateTag(r.Context(), tid, tagInputFrom(f))
	if _, ok := valid.As(err); ok {
		cur, cerr := h.Svc.Tag(r.Context(), tid)
		if cerr != nil {
			return cerr
		}
		page, perr := h.tagFormPage(r, cur, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/tag_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/taxonomy/"+id(t.ID), "Your changes are saved.")
}

func (h *Web) tagArchive(w http.ResponseWriter, r *http.Request) error {
	tid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	archive := r.PostFormValue("restore") == ""
	if err := h.Svc.ArchiveTag(r.Context(), tid, archive); err != nil {
		return err
	}
	msg := "The tag is archived."
	if !archive {
		msg = "The tag is restored."
	}
	return web.Redirect(w, r, "/taxonomy/"+id(tid), msg)
}

func (h *Web) apiTagList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := ListFilter{Text: q.Get("q"), Type: q.Get("scheme"), After: pg.After, Limit: pg.Limit + 1}
	if s := q.Get("scheme"); s != "" && !slices.Contains(values(TagSchemes), s) {
		return &api.BadRequest{Msg: "Unknown scheme.", Errors: map[string]string{"scheme": "Use one of: theme, policy_area, ogp_value, charter_principle, sdg, other."}}
	}
	if s := q.Get("parent_id"); s != "" {
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || n <= 0 {
			return &api.BadRequest{Msg: "parent_id must be a tag ID.", Errors: map[string]string{"parent_id": "Use a tag ID."}}
		}
		f.ParentID = n
	}
	tags, err := h.Svc.Tags(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(tags, pg.Limit, func(t Tag) int64 { return t.ID }))
}
