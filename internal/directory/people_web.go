package directory

import (
	"context"
	"net/http"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

func (h *Web) peopleRoutes(rt *web.Router) {
	h.Render.AddNav(web.NavItem{Label: "People", URL: "/people", Access: web.SignedIn})

	rt.Page("GET", "/people", web.SignedIn, h.peopleList)
	rt.Page("GET", "/people/new", web.SignedIn, h.personNew)
	rt.Page("POST", "/people", web.SignedIn, h.personCreate)
	rt.Page("GET", "/people/{id}", web.SignedIn, h.personShow)
	rt.Page("GET", "/people/{id}/edit", web.SignedIn, h.personEdit)
	rt.Page("POST", "/people/{id}", web.SignedIn, h.personUpdate)
	rt.Page("POST", "/people/{id}/memberships", web.SignedIn, h.personMembershipSet)
	rt.Page("POST", "/people/{id}/memberships/{org_id}/delete", web.SignedIn, h.personMembershipRemove)
	rt.Page("GET", "/organisations/{id}/members", web.SignedIn, h.orgMembers)
	rt.Page("POST", "/organisations/{id}/members", web.SignedIn, h.orgMemberAdd)
	rt.Page("POST", "/organisations/{id}/members/{user_id}", web.SignedIn, h.orgMemberSet)
	rt.Page("POST", "/organisations/{id}/members/{user_id}/delete", web.SignedIn, h.orgMemberRemove)

	rt.API("GET", "/api/v1/people", web.SignedIn, "People", "List people (site admins: everyone; organisation admins: their members; filter q; cursor pagination)", h.apiPeopleList, web.Body(nil, api.List[Person]{}))
	rt.API("POST", "/api/v1/people", web.SignedIn, "People", "Add a person (site admins; organisation admins with a role in their organisation)", h.apiPersonCreate, web.Body(PersonInput{}, NewPerson{}))
	rt.API("GET", "/api/v1/people/{id}", web.SignedIn, "People", "Get a person with their memberships", h.apiPersonGet, web.Body(nil, Person{}))
	rt.API("PUT", "/api/v1/people/{id}", web.SignedIn, "People", "Change a person's name, email, site-admin flag or disabled state (fields left out are kept)", h.apiPersonUpdate, web.Body(PersonUpdate{}, Person{}))
	rt.API("GET", "/api/v1/organisations/{id}/members", web.SignedIn, "People", "List an organisation's members (its members and site admins)", h.apiMembers, web.Body(nil, api.List[Membership]{}))
	rt.API("PUT", "/api/v1/organisations/{id}/members/{user_id}", web.SignedIn, "People", "Give a person a role in an organisation (its admins)", h.apiMemberSet, web.Body(MemberInput{}, Membership{}))
	rt.API("DELETE", "/api/v1/organisations/{id}/members/{user_id}", web.SignedIn, "People", "Remove a person from an organisation (its admins)", h.apiMemberRemove)
}

// rowErrors turns the field errors of a one-line form (a row of a table) into a message about
// the whole form, since its fields have no place in the page's own form.
func rowErrors(err error) error {
	ve, ok := valid.As(err)
	if !ok {
		return err
	}
	msgs := make([]string, 0, len(ve))
	for _, k := range sortedKeys(ve) {
		msgs = append(msgs, ve[k])
	}
	return valid.Errors{"": strings.Join(msgs, " ")}
}

// administeredOrgs lists the organisations the principal administers, for a select.
func (h *Web) administeredOrgs(r *http.Request) ([]web.Option, error) {
	p := authz.From(r.Context())
	return h.orgOptions(r, func(o Organisation) bool { return p.Can(authz.Administer, o.ID) })
}

// ---- list ----

type peopleListData struct {
	People      []Person
	Memberships map[int64][]Membership
	ManageOrgs  []web.Option
	CanCreate   bool
	Scoped      bool
}

func (h *Web) peopleList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := authz.From(ctx)
	people, err := h.Svc.People(ctx, PeopleFilter{Text: r.URL.Query().Get("q")})
	if err != nil {
		return err
	}
	d := peopleListData{People: people, CanCreate: CanCreatePerson(p), Scoped: !p.SiteAdmin}
	ids := make([]int64, len(people))
	for i, x := range people {
		ids[i] = x.ID
	}
	if d.Memberships, err = h.Svc.Store.MembershipsOfPeople(ctx, h.Svc.DB, ids); err != nil {
		return err
	}
	if !p.SiteAdmin {
		if d.ManageOrgs, err = h.administeredOrgs(r); err != nil {
			return err
		}
	}
	h.Render.OK(w, r, "directory/people_list", web.Page{Title: "People", Breadcrumbs: []web.Crumb{{Label: "People"}}, Data: d})
	return nil
}

// ---- create ----

type personFormData struct {
	Orgs         []web.Option
	Roles        []web.Option
	OrgRequired  bool
	CanSiteAdmin bool
}

func (h *Web) personFormPage(r *http.Request, f *web.Form) (web.Page, error) {
	p := authz.From(r.Context())
	orgs, err := h.administeredOrgs(r)
	if err != nil {
		return web.Page{}, err
	}
	return web.Page{Title: "Add a person", Form: f, Breadcrumbs: []web.Crumb{{Label: "People", URL: "/people"}, {Label: "Add a person"}},
		Data: personFormData{Orgs: orgs, Roles: RoleOptions(), OrgRequired: !p.SiteAdmin, CanSiteAdmin: p.SiteAdmin}}, nil
}

func (h *Web) personNew(w http.ResponseWriter, r *http.Request) error {
	if !CanCreatePerson(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	page, err := h.personFormPage(r, web.FormOf(map[string]string{"organisation_id": r.URL.Query().Get("organisation_id"), "role": string(authz.Contributor)}))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/people_form", page)
	return nil
}

func (h *Web) personCreate(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	in := PersonInput{Email: f.Get("email"), Name: f.Get("name"), OrgID: formInt(f, "organisation_id"), Role: authz.Role(f.Get("role")),
		SiteAdmin: f.Bool("site_admin"), TemporaryPassword: f.Bool("temporary_password")}
	if in.OrgID == 0 {
		in.Role = ""
	}
	np, err := h.Svc.CreatePerson(r.Context(), in)
	if _, ok := valid.As(err); ok {
		page, perr := h.personFormPage(r, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/people_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	if np.TemporaryPassword == "" {
		return web.Redirect(w, r, "/people/"+id(np.ID), np.Name+" is added. They have no password yet: they sign in with single sign-on, or set a password with “Forgotten your password?”.")
	}
	// The temporary password is shown on this response only: it is not stored anywhere readable.
	page, err := h.personPage(r, np.ID, nil)
	if err != nil {
		return err
	}
	d := page.Data.(personShowData)
	d.TemporaryPassword = np.TemporaryPassword
	page.Data = d
	h.Render.Render(w, r, http.StatusCreated, "directory/people_show", page)
	return nil
}

// ---- show ----

type personShowData struct {
	Person            Person
	Self              bool
	Rights            PersonRights
	CanMember         map[int64]bool // organisation ID → the principal may change this membership
	AddOrgs           []web.Option
	Roles             []web.Option
	TemporaryPassword string
}

func (h *Web) personPage(r *http.Request, pid int64, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	person, err := h.Svc.Person(ctx, pid)
	if err != nil {
		return web.Page{}, err
	}
	p := authz.From(ctx)
	d := personShowData{Person: person, Self: p.UserID == person.ID, Rights: h.Svc.Rights(ctx, person), CanMember: map[int64]bool{}, Roles: RoleOptions()}
	for _, m := range person.Memberships {
		d.CanMember[m.OrgID] = p.Can(authz.Administer, m.OrgID)
	}
	if d.AddOrgs, err = h.administeredOrgs(r); err != nil {
		return web.Page{}, err
	}
	if f == nil {
		f = &web.Form{}
	}
	crumbs := []web.Crumb{{Label: person.Name}}
	if CanListPeople(p) {
		crumbs = append([]web.Crumb{{Label: "People", URL: "/people"}}, crumbs...)
	}
	return web.Page{Title: person.Name, Form: f, Breadcrumbs: crumbs, Data: d}, nil
}

func (h *Web) personShow(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	page, err := h.personPage(r, pid, nil)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/people_show", page)
	return nil
}

// ---- edit ----

type personEditData struct {
	Person Person
	Rights PersonRights
}

func (h *Web) personEditPage(ctx context.Context, person Person, f *web.Form) web.Page {
	return web.Page{Title: "Edit " + person.Name, Form: f,
		Breadcrumbs: []web.Crumb{{Label: "People", URL: "/people"}, {Label: person.Name, URL: "/people/" + id(person.ID)}, {Label: "Edit"}},
		Data:        personEditData{Person: person, Rights: h.Svc.Rights(ctx, person)}}
}

func (h *Web) personEdit(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	person, err := h.Svc.Person(ctx, pid)
	if err != nil {
		return err
	}
	if !h.Svc.Rights(ctx, person).Any() {
		return authz.ErrForbidden
	}
	vals := map[string]string{"name": person.Name, "email": person.Email}
	if person.SiteAdmin {
		vals["site_admin"] = "on"
	}
	if person.Disabled {
		vals["disabled"] = "on"
	}
	h.Render.OK(w, r, "directory/people_edit", h.personEditPage(ctx, person, web.FormOf(vals)))
	return nil
}

func (h *Web) personUpdate(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	person, err := h.Svc.Person(ctx, pid)
	if err != nil {
		return err
	}
	rights := h.Svc.Rights(ctx, person)
	f := web.NewForm(r)
	var in PersonUpdate
	if rights.EditName {
		name := f.Get("name")
		in.Name = &name
	}
	if rights.EditEmail {
		email := f.Get("email")
		in.Email = &email
	}
	if rights.EditAdmin {
		admin := f.Bool("site_admin")
		in.SiteAdmin = &admin
	}
	if rights.EditDisabled {
		disabled := f.Bool("disabled")
		in.Disabled = &disabled
	}
	updated, err := h.Svc.UpdatePerson(ctx, pid, in)
	if _, ok := valid.As(err); ok {
		h.Render.Invalid(w, r, "directory/people_edit", h.personEditPage(ctx, person, f), err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/people/"+id(updated.ID), "Your changes are saved.")
}

// ---- memberships from the person's page ----

func (h *Web) personMembershipSet(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if !authz.From(r.Context()).CanAny(authz.Administer) {
		return authz.ErrForbidden
	}
	f := web.NewForm(r)
	orgID := formInt(f, "organisation_id")
	var m Membership
	if orgID <= 0 {
		err = valid.Errors{"organisation_id": "Choose an organisation from the list."}
	} else {
		m, err = h.Svc.SetMember(r.Context(), orgID, pid, authz.Role(f.Get("role")))
	}
	if _, ok := valid.As(err); ok {
		if f.Get("row") != "" {
			err = rowErrors(err)
			f = &web.Form{}
		}
		page, perr := h.personPage(r, pid, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/people_show", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/people/"+id(pid), m.UserName+" is now "+strings.ToLower(m.Role.Label())+" in "+m.OrgName+".")
}

func (h *Web) personMembershipRemove(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	orgID, err := web.PathID(r, "org_id")
	if err != nil {
		return err
	}
	err = h.Svc.RemoveMember(r.Context(), orgID, pid)
	if _, ok := valid.As(err); ok {
		page, perr := h.personPage(r, pid, nil)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/people_show", page, rowErrors(err))
		return nil
	} else if err != nil {
		return err
	}
	// The person may no longer be visible to the one who removed them.
	to := "/people/" + id(pid)
	if _, err := h.Svc.Person(r.Context(), pid); err != nil {
		to = "/organisations/" + id(orgID) + "/members"
	}
	return web.Redirect(w, r, to, "The membership is removed.")
}

// ---- an organisation's members ----

type orgMembersData struct {
	Org     Organisation
	Members []Membership
	Roles   []web.Option
}

func (h *Web) orgMembersPage(r *http.Request, f *web.Form) (web.Page, error) {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return web.Page{}, err
	}
	ctx := r.Context()
	o, err := h.Svc.Org(ctx, oid)
	if err != nil {
		return web.Page{}, err
	}
	if !authz.From(ctx).Can(authz.Administer, o.ID) {
		return web.Page{}, authz.ErrForbidden
	}
	members, err := h.Svc.Members(ctx, o.ID)
	if err != nil {
		return web.Page{}, err
	}
	if f == nil {
		f = web.FormOf(map[string]string{"role": string(authz.Contributor)})
	}
	return web.Page{Title: "Members of " + o.Name, Form: f,
		Breadcrumbs: []web.Crumb{{Label: "Organisations", URL: "/organisations"}, {Label: o.Name, URL: "/organisations/" + id(o.ID)}, {Label: "Members"}},
		Data:        orgMembersData{Org: o, Members: members, Roles: RoleOptions()}}, nil
}

func (h *Web) orgMembers(w http.ResponseWriter, r *http.Request) error {
	page, err := h.orgMembersPage(r, nil)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "directory/people_members", page)
	return nil
}

func (h *Web) orgMemberAdd(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	m, err := h.Svc.AddMemberByEmail(r.Context(), oid, f.Get("email"), authz.Role(f.Get("role")))
	if _, ok := valid.As(err); ok {
		page, perr := h.orgMembersPage(r, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/people_members", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/organisations/"+id(oid)+"/members", m.UserName+" is now "+strings.ToLower(m.Role.Label())+" in "+m.OrgName+".")
}

func (h *Web) orgMemberSet(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	uid, err := web.PathID(r, "user_id")
	if err != nil {
		return err
	}
	m, err := h.Svc.SetMember(r.Context(), oid, uid, authz.Role(r.PostFormValue("role")))
	if _, ok := valid.As(err); ok {
		page, perr := h.orgMembersPage(r, nil)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/people_members", page, rowErrors(err))
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/organisations/"+id(oid)+"/members", m.UserName+" is now "+strings.ToLower(m.Role.Label())+".")
}

func (h *Web) orgMemberRemove(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	uid, err := web.PathID(r, "user_id")
	if err != nil {
		return err
	}
	err = h.Svc.RemoveMember(r.Context(), oid, uid)
	if _, ok := valid.As(err); ok {
		page, perr := h.orgMembersPage(r, nil)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "directory/people_members", page, rowErrors(err))
		return nil
	} else if err != nil {
		return err
	}
	to := "/organisations/" + id(oid) + "/members"
	if !authz.From(r.Context()).Can(authz.Administer, oid) || uid == authz.From(r.Context()).UserID {
		to = "/organisations/" + id(oid)
	}
	return web.Redirect(w, r, to, "The member is removed.")
}

// ---- API ----

func (h *Web) apiPeopleList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	people, err := h.Svc.People(r.Context(), PeopleFilter{Text: r.URL.Query().Get("q"), After: pg.After, Limit: pg.Limit + 1})
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(people, pg.Limit, func(p Person) int64 { return p.ID }))
}

func (h *Web) apiPersonGet(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	person, err := h.Svc.Person(r.Context(), pid)
	if err != nil {
		return err
	}
	if person.Memberships == nil {
		person.Memberships = []Membership{}
	}
	return api.JSON(w, http.StatusOK, person)
}

func (h *Web) apiPersonCreate(w http.ResponseWriter, r *http.Request) error {
	var in PersonInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	np, err := h.Svc.CreatePerson(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/people/"+id(np.ID))
	return api.JSON(w, http.StatusCreated, np)
}

func (h *Web) apiPersonUpdate(w http.ResponseWriter, r *http.Request) error {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in PersonUpdate
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	person, err := h.Svc.UpdatePerson(r.Context(), pid, in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, person)
}

func (h *Web) apiMembers(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ms, err := h.Svc.Members(r.Context(), oid)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(ms, len(ms), func(m Membership) int64 { return m.UserID }))
}

func (h *Web) apiMemberSet(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	uid, err := web.PathID(r, "user_id")
	if err != nil {
		return err
	}
	var in MemberInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	m, err := h.Svc.SetMember(r.Context(), oid, uid, in.Role)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, m)
}

func (h *Web) apiMemberRemove(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	uid, err := web.PathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := h.Svc.RemoveMember(r.Context(), oid, uid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
