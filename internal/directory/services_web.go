package directory

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// serviceRoutes registers the services pages and API.
func (h *Web) serviceRoutes(rt *web.Router) {
	h.Render.AddNav(web.NavItem{Label: "Services", URL: "/services"})

	rt.Page("GET", "/services", web.Public, h.serviceList)
	rt.Page("GET", "/services/new", web.SignedIn, h.serviceNew)
	rt.Page("POST", "/services", web.SignedIn, h.serviceCreate)
	rt.Page("GET", "/services/{id}", web.Public, h.serviceShow)
	rt.Page("GET", "/services/{id}/edit", web.SignedIn, h.serviceEdit)
	rt.Page("POST", "/services/{id}", web.SignedIn, h.serviceUpdate)
	rt.Page("POST", "/services/{id}/archive", web.SignedIn, h.serviceArchive)

	rt.API("GET", "/api/v1/services", web.Public, "Services", "List services (filters: q, organisation_id, place_id, channel; cursor pagination)", h.apiServiceList, web.Body(nil, api.List[PublicService]{}))
	rt.API("POST", "/api/v1/services", web.SignedIn, "Services", "Create a service", api.Create(h.Svc.CreateService, func(v PublicService) string { return "/api/v1/services/" + id(v.ID) }), web.Body(ServiceInput{}, PublicService{}))
	rt.API("GET", "/api/v1/services/{id}", web.Public, "Services", "Get a service", api.Get(h.Svc.PublicService), web.Body(nil, PublicService{}))
	rt.API("PUT", "/api/v1/services/{id}", web.SignedIn, "Services", "Update a service", api.Update(h.Svc.UpdateService), web.Body(ServiceInput{}, PublicService{}))
	rt.API("POST", "/api/v1/services/{id}/archive", web.SignedIn, "Services", "Archive or restore a service", api.Archive(h.Svc.ArchiveService, h.Svc.PublicService), web.Body(api.ArchiveBody{}, PublicService{}))
}

type serviceListData struct {
	Services  []PublicService
	Orgs      []web.Option
	Places    []web.Option
	Channels  []web.Option
	CanCreate bool
}

// serviceFilter reads the list filters shared by the page and the API.
func serviceFilter(q url.Values) ListFilter {
	return ListFilter{Text: strings.TrimSpace(q.Get("q")), OrgID: queryID(q, "organisation_id"), PlaceID: queryID(q, "place_id"), Type: q.Get("channel")}
}

func (h *Web) serviceList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := serviceFilter(q)
	f.Archived = q.Get("archived") == "on"
	svcs, err := h.Svc.Services(ctx, f)
	if err != nil {
		return err
	}
	d := serviceListData{Services: svcs, Channels: ServiceChannels, CanCreate: CanCreateService(authz.From(ctx))}
	if d.Orgs, err = h.orgOptions(r, nil); err != nil {
		return err
	}
	if d.Places, err = h.placeOptions(ctx, nil, 0); err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/service_list", web.Page{Title: "Services", Breadcrumbs: []web.Crumb{{Label: "Services"}}, Data: d})
	return nil
}

type serviceData struct {
	Service PublicService
	CanEdit bool
	Links   LinksPanel
}

func (h *Web) serviceShow(w http.ResponseWriter, r *http.Request) error {
	sid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	ps, err := h.Svc.PublicService(ctx, sid)
	if err != nil {
		return err
	}
	d := serviceData{Service: ps, CanEdit: authz.From(ctx).Can(authz.Manage, ps.OrgID)}
	if d.Links, err = h.Svc.LinksPanelFor(ctx, "service", sid, r.URL.Path); err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/service_show", web.Page{Title: ps.Name, Data: d,
		Breadcrumbs: []web.Crumb{{Label: "Services", URL: "/services"}, {Label: ps.Name}}})
	return nil
}

type serviceFormData struct {
	Service  PublicService
	Orgs     []web.Option
	Channels []web.Option
	Places   []web.Option
}

func (h *Web) serviceFormPage(r *http.Request, ps PublicService, f *web.Form) (web.Page, error) {
	p := authz.From(r.Context())
	// A new service may belong to any organisation the person contributes to; an existing one
	// may move to another organisation they manage.
	orgs, err := h.orgOptions(r, func(o Organisation) bool {
		if ps.ID == 0 {
			return p.Can(authz.Contribute, o.ID)
		}
		return o.ID == ps.OrgID || p.Can(authz.Manage, o.ID)
	})
	if err != nil {
		return web.Page{}, err
	}
	places, err := h.placeOptions(r.Context(), placeRefIDs(ps.Places), 0)
	if err != nil {
		return web.Page{}, err
	}
	title, crumbs := "New service", []web.Crumb{{Label: "Services", URL: "/services"}, {Label: "New"}}
	if ps.ID != 0 {
		title = "Edit " + ps.Name
		crumbs = []web.Crumb{{Label: "Services", URL: "/services"}, {Label: ps.Name, URL: "/services/" + id(ps.ID)}, {Label: "Edit"}}
	}
	return web.Page{Title: title, Form: f, Breadcrumbs: crumbs,
		Data: serviceFormData{Service: ps, Orgs: orgs, Channels: ServiceChannels, Places: places}}, nil
}

func serviceInputFrom(f *web.Form) ServiceInput {
	return ServiceInput{OrgID: formInt(f, "organisation_id"), Name: f.Get("name"), Description: f.Get("description"),
		Channels: f.All("channels"), PlaceIDs: formIDs(f, "place_ids")}
}

func serviceForm(ps PublicService) *web.Form {
	v := url.Values{}
	v.Set("organisation_id", id(ps.OrgID))
	v.Set("name", ps.Name)
	if ps.Description != "" {
		v.Set("description", ps.Description)
	}
	v["channels"] = slices.Clone(ps.Channels)
	v["place_ids"] = idStrings(placeRefIDs(ps.Places))
	return &web.Form{Values: v}
}

func (h *Web) serviceNew(w http.ResponseWriter, r *http.Request) error {
	if !CanCreateService(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	q := r.URL.Query()
	f := web.FormOf(map[string]string{"organisation_id": id(queryID(q, "organisation_id"))})
	if pid := queryID(q, "place_id"); pid != 0 {
		f.Values.Set("place_ids", id(pid))
	}
	page, err := h.serviceFormPage(r, PublicService{}, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/service_form", page)
	return nil
}

func (h *Web) serviceCreate(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	ps, err := h.Svc.CreateService(r.Context(), serviceInputFrom(f))
	if _, ok := valid.As(err); ok {
		page, perr := h.serviceFormPage(r, PublicService{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/service_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/services/"+id(ps.ID), ps.Name+" is added.")
}

func (h *Web) serviceEdit(w http.ResponseWriter, r *http.Request) error {
	sid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ps, err := h.Svc.PublicService(r.Context(), sid)
	if err != nil {
		return err
	}
	if !authz.From(r.Context()).Can(authz.Manage, ps.OrgID) {
		return authz.ErrForbidden
	}
	page, err := h.serviceFormPage(r, ps, serviceForm(ps))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/service_form", page)
	return nil
}

func (h *Web) serviceUpdate(w http.ResponseWriter, r *http.Request) error {
	sid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	ps, err := h.Svc.UpdateService(r.Context(), sid, serviceInputFrom(f))
	if _, ok := valid.As(err); ok {
		cur, cerr := h.Svc.PublicService(r.Context(), sid)
		if cerr != nil {
			return cerr
		}
		page, perr := h.serviceFormPage(r, cur, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/service_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/services/"+id(ps.ID), "Your changes are saved.")
}

func (h *Web) serviceArchive(w http.ResponseWriter, r *http.Request) error {
	sid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	archive := r.PostFormValue("restore") == ""
	if err := h.Svc.ArchiveService(r.Context(), sid, archive); err != nil {
		return err
	}
	msg := "The service is archived."
	if !archive {
		msg = "The service is restored."
	}
	return web.Redirect(w, r, "/services/"+id(sid), msg)
}

func (h *Web) apiServiceList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := serviceFilter(q)
	if f.OrgID, err = apiQueryID(q, "organisation_id"); err != nil {
		return err
	}
	if f.PlaceID, err = apiQueryID(q, "place_id"); err != nil {
		return err
	}
	if f.Type != "" && !slices.Contains(values(ServiceChannels), f.Type) {
		return &api.BadRequest{Msg: "channel must be one of: " + strings.Join(values(ServiceChannels), ", ") + ".",
			Errors: map[string]string{"channel": "Use one of " + strings.Join(values(ServiceChannels), ", ") + "."}}
	}
	f.After, f.Limit = pg.After, pg.Limit+1
	svcs, err := h.Svc.Services(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(svcs, pg.Limit, func(s PublicService) int64 { return s.ID }))
}
