package directory

import (
	"embed"
	"net/http"
	"strconv"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Web serves the directory's pages.
type Web struct {
	Svc    *Service
	Render *web.Renderer
}

func formInt(f *web.Form, name string) int64 {
	n, _ := strconv.ParseInt(f.Get(name), 10, 64)
	return n
}

func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// orgOptions lists organisations for a select.
func (h *Web) orgOptions(r *http.Request, only func(Organisation) bool) ([]web.Option, error) {
	orgs, err := h.Svc.Orgs(r.Context(), ListFilter{})
	if err != nil {
		return nil, err
	}
	var out []web.Option
	for _, o := range orgs {
		if only == nil || only(o) {
			out = append(out, web.Option{Value: id(o.ID), Label: o.DisplayName()})
		}
	}
	return out, nil
}

type orgListData struct {
	Orgs      []Organisation
	Types     []web.Option
	CanCreate bool
}

func (h *Web) orgList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	orgs, err := h.Svc.Orgs(r.Context(), ListFilter{Text: q.Get("q"), Type: q.Get("type"), Archived: q.Get("archived") == "on"})
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/org_list", web.Page{Title: "Organisations", Breadcrumbs: []web.Crumb{{Label: "Organisations"}},
		Data: orgListData{Orgs: orgs, Types: OrgTypes, CanCreate: CanCreateOrg(authz.From(r.Context()))}})
	return nil
}

type orgData struct {
	Org       Organisation
	Children  []Organisation
	Members   []Membership
	CanEdit   bool
	CanAdmin  bool
	CanMember bool
	Links     LinksPanel
	// Services are the services it delivers; Programs those it leads or is a partner in.
	Services      []PublicService
	Programs      []Program
	CanContribute bool
}

func (h *Web) orgShow(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	o, err := h.Svc.Org(ctx, oid)
	if err != nil {
		return err
	}
	p := authz.From(ctx)
	d := orgData{Org: o, CanEdit: p.Can(authz.Manage, o.ID), CanAdmin: p.Can(authz.Administer, o.ID), CanMember: p.Can(authz.Read, o.ID)}
	if d.Children, err = h.Svc.Orgs(ctx, ListFilter{ParentID: o.ID}); err != nil {
		return err
	}
	if d.CanMember {
		if d.Members, err = h.Svc.Store.MembersOf(ctx, h.Svc.DB, o.ID); err != nil {
			return err
		}
	}
	if d.Links, err = h.Svc.LinksPanelFor(ctx, "organisation", o.ID, r.URL.Path); err != nil {
		return err
	}
	d.CanContribute = p.Can(authz.Contribute, o.ID) && !o.Archived
	if d.Services, err = h.Svc.Services(ctx, ListFilter{OrgID: o.ID, Archived: d.CanMember}); err != nil {
		return err
	}
	if d.Programs, err = h.Svc.Programs(ctx, ListFilter{OrgID: o.ID, Archived: d.CanMember}); err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/org_show", web.Page{Title: o.Name, Data: d,
		Breadcrumbs: []web.Crumb{{Label: "Organisations", URL: "/organisations"}, {Label: o.Name}}})
	return nil
}

type orgFormData struct {
	Org     Organisation
	Types   []web.Option
	Parents []web.Option
}

func (h *Web) orgFormPage(r *http.Request, o Organisation, f *web.Form) (web.Page, error) {
	p := authz.From(r.Context())
	parents, err := h.orgOptions(r, func(x Organisation) bool { return x.ID != o.ID && p.Can(authz.Administer, x.ID) })
	if err != nil {
		return web.Page{}, err
	}
	title, crumbs := "New organisation", []web.Crumb{{Label: "Organisations", URL: "/organisations"}, {Label: "New"}}
	if o.ID != 0 {
		title = "Edit " + o.Name
		crumbs = []web.Crumb{{Label: "Organisations", URL: "/organisations"}, {Label: o.Name, URL: "/organisations/" + id(o.ID)}, {Label: "Edit"}}
	}
	return web.Page{Title: title, Form: f, Breadcrumbs: crumbs, Data: orgFormData{Org: o, Types: OrgTypes, Parents: parents}}, nil
}

func orgInputFrom(f *web.Form) OrgInput {
	return OrgInput{Name: f.Get("name"), ShortName: f.Get("short_name"), Type: f.Get("type"), Jurisdiction: f.Get("jurisdiction"),
		ParentID: formInt(f, "parent_id"), Description: f.Get("description"), Website: f.Get("website")}
}

func (h *Web) orgNew(w http.ResponseWriter, r *http.Request) error {
	if !CanCreateOrg(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	page, err := h.orgFormPage(r, Organisation{}, &web.Form{})
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/org_form", page)
	return nil
}

func (h *Web) orgCreate(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	o, err := h.Svc.CreateOrg(r.Context(), orgInputFrom(f))
	if _, ok := valid.As(err); ok {
		page, perr := h.orgFormPage(r, Organisation{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/org_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/organisations/"+id(o.ID), o.Name+" is created.")
}

func (h *Web) orgEdit(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	o, err := h.Svc.Org(r.Context(), oid)
	if err != nil {
		return err
	}
	if !authz.From(r.Context()).Can(authz.Manage, o.ID) {
		return authz.ErrForbidden
	}
	f := web.FormOf(map[string]string{"name": o.Name, "short_name": o.ShortName, "type": o.Type, "jurisdiction": o.Jurisdiction,
		"parent_id": id(o.ParentID), "description": o.Description, "website": o.Website})
	page, err := h.orgFormPage(r, o, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/org_form", page)
	return nil
}

func (h *Web) orgUpdate(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	o, err := h.Svc.UpdateOrg(r.Context(), oid, orgInputFrom(f))
	if _, ok := valid.As(err); ok {
		cur, cerr := h.Svc.Org(r.Context(), oid)
		if cerr != nil {
			return cerr
		}
		page, perr := h.orgFormPage(r, cur, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/org_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/organisations/"+id(o.ID), "Your changes are saved.")
}

func (h *Web) orgArchive(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	archive := r.PostFormValue("restore") == ""
	if err := h.Svc.ArchiveOrg(r.Context(), oid, archive); err != nil {
		return err
	}
	msg := "The organisation is archived."
	if !archive {
		msg = "The organisation is restored."
	}
	return web.Redirect(w, r, "/organisations/"+id(oid), msg)
}
