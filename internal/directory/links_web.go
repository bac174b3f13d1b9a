package directory

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

func (h *Web) linkRoutes(rt *web.Router) {
	rt.Page("GET", "/links/new", web.SignedIn, h.linkNew)
	rt.Page("POST", "/links", web.SignedIn, h.linkCreate)
	rt.Page("POST", "/links/{id}/delete", web.SignedIn, h.linkDelete)

	rt.API("GET", "/api/v1/links", web.Public, "Links", "List a record's links both ways (query: kind, id)", h.apiLinkList, web.Body(nil, LinkSet{}))
	rt.API("POST", "/api/v1/links", web.SignedIn, "Links", "Link two records", h.apiLinkCreate, web.Body(LinkInput{}, Link{}))
	rt.API("DELETE", "/api/v1/links/{id}", web.SignedIn, "Links", "Delete a link", h.apiLinkDelete)
}

// safeBack keeps a return address on this site.
func safeBack(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, `/\`) || strings.ContainsAny(s, "\r\n") {
		return ""
	}
	return s
}

type linkFormData struct {
	From      LinkRecord
	KindLabel string
	Back      string
	Panel     LinksPanel // what the "linkform" partial needs
}

func (h *Web) linkFormPage(r *http.Request, kind string, fromID int64, back string, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	from, err := h.Svc.Resolve(ctx, kind, fromID)
	if err != nil {
		return web.Page{}, err
	}
	if !h.Svc.CanLinkFrom(ctx, kind, fromID) {
		return web.Page{}, authz.ErrForbidden
	}
	if back == "" {
		back = from.URL
	}
	return web.Page{Title: "Link " + from.Title + " to another record", Form: f,
		Breadcrumbs: []web.Crumb{{Label: from.Title, URL: from.URL}, {Label: "Add a link"}},
		Data: linkFormData{From: from, KindLabel: h.Svc.KindLabel(kind), Back: back,
			Panel: LinksPanel{Kind: kind, ID: fromID, Back: back, CanAdd: true, Relations: RelationOptions(), Kinds: h.Svc.LinkKinds(), Form: f}}}, nil
}

func (h *Web) linkNew(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	fromID, err := strconv.ParseInt(q.Get("from_id"), 10, 64)
	if err != nil || fromID <= 0 {
		return &api.BadRequest{Msg: "Open this page from the record you want to link from."}
	}
	page, err := h.linkFormPage(r, q.Get("from_kind"), fromID, safeBack(q.Get("back")), &web.Form{})
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/link_form", page)
	return nil
}

func (h *Web) linkCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := web.NewForm(r)
	in := LinkInput{FromKind: f.Get("from_kind"), FromID: formInt(f, "from_id"), Relation: f.Get("relation"), ToKind: f.Get("to_kind"), Note: f.Get("note")}
	back := safeBack(f.Get("back"))
	var err error
	if in.FromID <= 0 {
		return &api.BadRequest{Msg: "Open the form from the record you want to link from."}
	}
	in.ToID, err = h.Svc.FindRecord(ctx, in.ToKind, f.Get("to_id"))
	var l Link
	if err == nil {
		l, err = h.Svc.CreateLink(ctx, in)
	}
	if ve, ok := valid.As(err); ok {
		if ve["from_kind"] != "" || ve["from_id"] != "" {
			return err
		}
		page, perr := h.linkFormPage(r, in.FromKind, in.FromID, back, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/link_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	if back == "" {
		back = l.FromURL
	}
	return web.Redirect(w, r, back, "The link to "+l.ToTitle+" is added.")
}

func (h *Web) linkDelete(w http.ResponseWriter, r *http.Request) error {
	lid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	l, err := h.Svc.DeleteLink(r.Context(), lid)
	if err != nil {
		return err
	}
	back := safeBack(r.PostFormValue("back"))
	if back == "" {
		back = l.FromURL
	}
	if back == "" {
		back = "/"
	}
	return web.Redirect(w, r, back, "The link is removed.")
}

func (h *Web) apiLinkList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rid, err := strconv.ParseInt(q.Get("id"), 10, 64)
	if q.Get("kind") == "" || err != nil || rid <= 0 {
		return &api.BadRequest{Msg: "Name the record: ?kind=organisation&id=1.",
			Errors: map[string]string{"kind": "Give the kind of record.", "id": "Give the record's ID."}}
	}
	set, err := h.Svc.LinksOf(r.Context(), q.Get("kind"), rid)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, set)
}

func (h *Web) apiLinkCreate(w http.ResponseWriter, r *http.Request) error {
	var in LinkInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	l, err := h.Svc.CreateLink(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/links?kind="+l.FromKind+"&id="+id(l.FromID))
	return api.JSON(w, http.StatusCreated, l)
}

func (h *Web) apiLinkDelete(w http.ResponseWriter, r *http.Request) error {
	lid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Svc.DeleteLink(r.Context(), lid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
