package directory

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// programRoutes registers the programs pages and API.
func (h *Web) programRoutes(rt *web.Router) {
	h.Render.AddNav(web.NavItem{Label: "Programs", URL: "/programs"})

	rt.Page("GET", "/programs", web.Public, h.programList)
	rt.Page("GET", "/programs/new", web.SignedIn, h.programNew)
	rt.Page("POST", "/programs", web.SignedIn, h.programCreate)
	rt.Page("GET", "/programs/{id}", web.Public, h.programShow)
	rt.Page("GET", "/programs/{id}/edit", web.SignedIn, h.programEdit)
	rt.Page("POST", "/programs/{id}", web.SignedIn, h.programUpdate)
	rt.Page("POST", "/programs/{id}/archive", web.SignedIn, h.programArchive)

	rt.API("GET", "/api/v1/programs", web.Public, "Programs", "List programs (filters: q, organisation_id (lead or partner), place_id; cursor pagination)", h.apiProgramList, web.Body(nil, api.List[Program]{}))
	rt.API("POST", "/api/v1/programs", web.SignedIn, "Programs", "Create a program", api.Create(h.Svc.CreateProgram, func(v Program) string { return "/api/v1/programs/" + id(v.ID) }), web.Body(ProgramInput{}, Program{}))
	rt.API("GET", "/api/v1/programs/{id}", web.Public, "Programs", "Get a program", api.Get(h.Svc.Program), web.Body(nil, Program{}))
	rt.API("PUT", "/api/v1/programs/{id}", web.SignedIn, "Programs", "Update a program", api.Update(h.Svc.UpdateProgram), web.Body(ProgramInput{}, Program{}))
	rt.API("POST", "/api/v1/programs/{id}/archive", web.SignedIn, "Programs", "Archive or restore a program", api.Archive(h.Svc.ArchiveProgram, h.Svc.Program), web.Body(api.ArchiveBody{}, Program{}))
}

type programListData struct {
	Programs  []Program
	Orgs      []web.Option
	Places    []web.Option
	CanCreate bool
}

func programFilter(q url.Values) ListFilter {
	return ListFilter{Text: strings.TrimSpace(q.Get("q")), OrgID: queryID(q, "organisation_id"), PlaceID: queryID(q, "place_id")}
}

func (h *Web) programList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := programFilter(q)
	f.Archived = q.Get("archived") == "on"
	progs, err := h.Svc.Programs(ctx, f)
	if err != nil {
		return err
	}
	d := programListData{Programs: progs, CanCreate: CanCreateProgram(authz.From(ctx))}
	if d.Orgs, err = h.orgOptions(r, nil); err != nil {
		return err
	}
	if d.Places, err = h.placeOptions(ctx, nil, 0); err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/program_list", web.Page{Title: "Programs and initiatives", Breadcrumbs: []web.Crumb{{Label: "Programs"}}, Data: d})
	return nil
}

type programData struct {
	Program Program
	CanEdit bool
	Links   LinksPanel
}

func (h *Web) programShow(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	prog, err := h.Svc.Program(ctx, pid)
	if err != nil {
		return err
	}
	d := programData{Program: prog, CanEdit: authz.From(ctx).Can(authz.Manage, prog.LeadOrgID)}
	if d.Links, err = h.Svc.LinksPanelFor(ctx, "program", pid, r.URL.Path); err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/program_show", web.Page{Title: prog.Name, Data: d,
		Breadcrumbs: []web.Crumb{{Label: "Programs", URL: "/programs"}, {Label: prog.Name}}})
	return nil
}

type programFormData struct {
	Program  Program
	Leads    []web.Option
	Partners []web.Option
	Places   []web.Option
}

func (h *Web) programFormPage(r *http.Request, prog Program, f *web.Form) (web.Page, error) {
	p := authz.From(r.Context())
	// A new program may be led by any organisation the person contributes to; an existing one
	// may pass to another organisation they manage.
	leads, err := h.orgOptions(r, func(o Organisation) bool {
		if prog.ID == 0 {
			return p.Can(authz.Contribute, o.ID)
		}
		return o.ID == prog.LeadOrgID || p.Can(authz.Manage, o.ID)
	})
	if err != nil {
		return web.Page{}, err
	}
	partners, err := h.orgOptions(r, nil)
	if err != nil {
		return web.Page{}, err
	}
	for _, o := range prog.Partners {
		if o.Archived {
			partners = append(partners, web.Option{Value: id(o.ID), Label: o.Name + " – archived"})
		}
	}
	places, err := h.placeOptions(r.Context(), placeRefIDs(prog.Places), 0)
	if err != nil {
		return web.Page{}, err
	}
	title, crumbs := "New program", []web.Crumb{{Label: "Programs", URL: "/programs"}, {Label: "New"}}
	if prog.ID != 0 {
		title = "Edit " + prog.Name
		crumbs = []web.Crumb{{Label: "Programs", URL: "/programs"}, {Label: prog.Name, URL: "/programs/" + id(prog.ID)}, {Label: "Edit"}}
	}
	return web.Page{Title: title, Form: f, Breadcrumbs: crumbs,
		Data: programFormData{Program: prog, Leads: leads, Partners: partners, Places: places}}, nil
}

func programInputFrom(f *web.Form) ProgramInput {
	return ProgramInput{Name: f.Get("name"), Description: f.Get("description"), LeadOrgID: formInt(f, "lead_organisation_id"),
		PartnerIDs: formIDs(f, "partner_ids"), PlaceIDs: formIDs(f, "place_ids"),
		StartDate: f.Get("start_date"), EndDate: f.Get("end_date"), Website: f.Get("website")}
}

func programForm(prog Program) *web.Form {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("name", prog.Name)
	set("description", prog.Description)
	set("lead_organisation_id", id(prog.LeadOrgID))
	set("start_date", prog.StartDate)
	set("end_date", prog.EndDate)
	set("website", prog.Website)
	v["partner_ids"] = idStrings(prog.PartnerIDs())
	v["place_ids"] = idStrings(placeRefIDs(prog.Places))
	return &web.Form{Values: v}
}

func (h *Web) programNew(w http.ResponseWriter, r *http.Request) error {
	if !CanCreateProgram(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	q := r.URL.Query()
	f := web.FormOf(map[string]string{"lead_organisation_id": id(queryID(q, "organisation_id"))})
	if pid := queryID(q, "place_id"); pid != 0 {
		f.Values.Set("place_ids", id(pid))
	}
	page, err := h.programFormPage(r, Program{}, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/program_form", page)
	return nil
}

func (h *Web) programCreate(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	prog, err := h.Svc.CreateProgram(r.Context(), programInputFrom(f))
	if _, ok := valid.As(err); ok {
		page, perr := h.programFormPage(r, Program{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/program_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/programs/"+id(prog.ID), prog.Name+" is added.")
}

func (h *Web) programEdit(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	prog, err := h.Svc.Program(r.Context(), pid)
	if err != nil {
		return err
	}
	if !authz.From(r.Context()).Can(authz.Manage, prog.LeadOrgID) {
		return authz.ErrForbidden
	}
	page, err := h.programFormPage(r, prog, programForm(prog))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/program_form", page)
	return nil
}

func (h *Web) programUpdate(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	prog, err := h.Svc.UpdateProgram(r.Context(), pid, programInputFrom(f))
	if _, ok := valid.As(err); ok {
		cur, cerr := h.Svc.Program(r.Context(), pid)
		if cerr != nil {
			return cerr
		}
		page, perr := h.programFormPage(r, cur, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/program_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/programs/"+id(prog.ID), "Your changes are saved.")
}

func (h *Web) programArchive(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	archive := r.PostFormValue("restore") == ""
	if err := h.Svc.ArchiveProgram(r.Context(), pid, archive); err != nil {
		return err
	}
	msg := "The program is archived."
	if !archive {
		msg = "The program is restored."
	}
	return web.Redirect(w, r, "/programs/"+id(pid), msg)
}

func (h *Web) apiProgramList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := programFilter(q)
	if f.OrgID, err = apiQueryID(q, "organisation_id"); err != nil {
		return err
	}
	if f.PlaceID, err = apiQueryID(q, "place_id"); err != nil {
		return err
	}
	f.After, f.Limit = pg.After, pg.Limit+1
	progs, err := h.Svc.Programs(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(progs, pg.Limit, func(p Program) int64 { return p.ID }))
}
