package learning

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// communityRoutes registers the pages and API of communities of practice: communities with
// their members and workgroups, events (with .ics), threads, the library, and the digest.
// The gates here are coarse; the service decides per community (hosts, managers of the host
// organisation and site admins manage; members read and write threads and the library).
func (h *Web) communityRoutes(rt *web.Router) {
	rt.Page("GET", "/communities", web.Public, h.communityList)
	rt.Page("GET", "/communities/new", web.SignedIn, h.communityNew)
	rt.Page("POST", "/communities", web.SignedIn, h.communityCreate)
	rt.Page("GET", "/communities/{id}", web.Public, h.communityShow)
	rt.Page("GET", "/communities/{id}/edit", web.SignedIn, h.communityEdit)
	rt.Page("POST", "/communities/{id}", web.SignedIn, h.communityUpdate)
	rt.Page("POST", "/communities/{id}/archive", web.SignedIn, h.communityArchive)
	rt.Page("POST", "/communities/{id}/join", web.SignedIn, h.communityJoin)
	rt.Page("POST", "/communities/{id}/leave", web.SignedIn, h.communityLeave)
	rt.Page("POST", "/communities/{id}/digest", web.SignedIn, h.communityDigest)
	rt.Page("GET", "/communities/{id}/members", web.SignedIn, h.communityMembers)
	rt.Page("POST", "/communities/{id}/members/{user_id}", web.SignedIn, h.communityMemberUpdate)
	rt.Page("POST", "/communities/{id}/members/{user_id}/delete", web.SignedIn, h.communityMemberRemove)

	rt.Page("GET", "/communities/{id}/workgroups/new", web.SignedIn, h.workgroupNew)
	rt.Page("POST", "/communities/{id}/workgroups", web.SignedIn, h.workgroupCreate)
	rt.Page("GET", "/communities/{id}/workgroups/{workgroup_id}", web.Public, h.workgroupShow)
	rt.Page("GET", "/communities/{id}/workgroups/{workgroup_id}/edit", web.SignedIn, h.workgroupEdit)
	rt.Page("POST", "/communities/{id}/workgroups/{workgroup_id}", web.SignedIn, h.workgroupUpdate)
	rt.Page("POST", "/communities/{id}/workgroups/{workgroup_id}/join", web.SignedIn, h.workgroupJoin)
	rt.Page("POST", "/communities/{id}/workgroups/{workgroup_id}/leave", web.SignedIn, h.workgroupLeave)

	h.threadRoutes(rt)
	h.libraryRoutes(rt)
	h.eventRoutes(rt)
	rt.Page("POST", "/admin/digest/send", web.SiteAdmin, h.digestSend)
	h.communityAPIRoutes(rt)
}

// --- helpers ---

func cpOptions[T any](items []T, f func(T) (string, string)) []web.Option {
	out := make([]web.Option, 0, len(items))
	for _, it := range items {
		v, l := f(it)
		out = append(out, web.Option{Value: v, Label: l})
	}
	return out
}

func policyOptions() []web.Option {
	return cpOptions(JoinPolicies, func(p struct{ Value, Label string }) (string, string) { return p.Value, p.Label })
}

func communityCrumbs(c CoP, more ...web.Crumb) []web.Crumb {
	crumbs := []web.Crumb{{Label: "Communities", URL: "/communities"}, {Label: c.Name, URL: c.URL()}}
	if len(more) == 0 {
		crumbs[1].URL = ""
	}
	return append(crumbs, more...)
}

// formInt reads an optional whole number from a form, adding a message on failure.
func cpFormInt(errs valid.Errors, f *web.Form, name, msg string) int64 {
	s := f.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		errs[name] = msg
		return 0
	}
	return n
}

// mergeErrors adds the errors of err (field errors) to errs and returns them, or err itself
// when it carries no field errors.
func cpMergeErrors(errs valid.Errors, err error) error {
	if err == nil {
		if len(errs) > 0 {
			return errs
		}
		return nil
	}
	ve, ok := valid.As(err)
	if !ok {
		return err
	}
	for k, v := range ve {
		if _, has := errs[k]; !has {
			errs[k] = v
		}
	}
	return errs
}

// refusal turns a refused action on a button (registration closed, archived community) into
// a flash message on the page it came from; other errors pass through.
func cpRefusal(w http.ResponseWriter, r *http.Request, back string, err error) error {
	var bad *api.BadRequest
	if errors.As(err, &bad) && bad.Status == http.StatusConflict {
		web.SetFlash(w, r, web.Flash{Kind: "error", Message: bad.Msg})
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	if ve, ok := valid.As(err); ok && ve[""] != "" {
		web.SetFlash(w, r, web.Flash{Kind: "error", Message: ve[""]})
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	return err
}

// --- list ---

type communityListData struct {
	Communities []CoP
	Mine        map[int64]string
	CanCreate   bool
	SiteAdmin   bool
}

func (h *Web) communityList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cs, err := h.Svc.Communities(ctx)
	if err != nil {
		return err
	}
	mine, err := h.Svc.MyCommunities(ctx)
	if err != nil {
		return err
	}
	p := authz.From(ctx)
	h.Render.OK(w, r, "learning/community_list", web.Page{Title: "Communities of practice",
		Data:        communityListData{Communities: cs, Mine: mine, CanCreate: CanCreateCommunity(p), SiteAdmin: p.SiteAdmin},
		Breadcrumbs: []web.Crumb{{Label: "Communities"}}})
	return nil
}

// --- create and edit ---

type communityFormData struct {
	Community CoP // zero when new
	Orgs      []web.Option
	Policies  []web.Option
	SiteAdmin bool
}

func (h *Web) communityFormPage(w http.ResponseWriter, r *http.Request, status int, c CoP, form *web.Form) error {
	if c.ID == 0 && !CanCreateCommunity(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	orgs, err := h.Svc.ManagedOrgs(r.Context())
	if err != nil {
		return err
	}
	opts := cpOptions(orgs, func(o OrgOption) (string, string) { return o.Value, o.Label })
	if c.OrgID != 0 {
		// Keep the current host in the list even when the editor does not manage it.
		found := false
		for _, o := range opts {
			found = found || o.Value == strconv.FormatInt(c.OrgID, 10)
		}
		if !found {
			opts = append(opts, web.Option{Value: strconv.FormatInt(c.OrgID, 10), Label: c.OrgName})
		}
	}
	title, crumbs := "Create a community of practice", []web.Crumb{{Label: "Communities", URL: "/communities"}, {Label: "New"}}
	if c.ID != 0 {
		title, crumbs = "Edit "+c.Name, communityCrumbs(c, web.Crumb{Label: "Edit"})
	}
	h.Render.Render(w, r, status, "learning/community_form", web.Page{Title: title, Form: form, Breadcrumbs: crumbs,
		Data: communityFormData{Community: c, Orgs: opts, Policies: policyOptions(), SiteAdmin: authz.From(r.Context()).SiteAdmin}})
	return nil
}

func communityInputOf(f *web.Form, errs valid.Errors) CommunityInput {
	return CommunityInput{Name: f.Get("name"), Slug: f.Get("slug"), Description: f.Get("description"), JoinPolicy: f.Get("join_policy"),
		OrgID: cpFormInt(errs, f, "organisation_id", "Choose an organisation from the list.")}
}

func (h *Web) communityNew(w http.ResponseWriter, r *http.Request) error {
	form := web.FormOf(map[string]string{"join_policy": JoinOpen})
	if orgs := authz.From(r.Context()).Orgs(authz.Manage); len(orgs) == 1 {
		form.Values.Set("organisation_id", strconv.FormatInt(orgs[0], 10))
	}
	return h.communityFormPage(w, r, http.StatusOK, CoP{}, form)
}

func (h *Web) communityCreate(w http.ResponseWriter, r *http.Request) error {
	form := web.NewForm(r)
	errs := valid.Errors{}
	in := communityInputOf(form, errs)
	if len(errs) > 0 {
		if !CanCreateCommunity(authz.From(r.Context())) {
			return authz.ErrForbidden
		}
		form.Errors = errs
		return h.communityFormPage(w, r, http.StatusUnprocessableEntity, CoP{}, form)
	}
	c, err := h.Svc.CreateCommunity(r.Context(), in)
	if ve, ok := valid.As(err); ok {
		form.Errors = ve
		return h.communityFormPage(w, r, http.StatusUnprocessableEntity, CoP{}, form)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, c.URL(), "The community is created, and you are its first host.")
}

func (h *Web) communityEdit(w http.ResponseWriter, r *http.Request) error {
	a, err := h.Svc.Community(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !a.Manage {
		return authz.ErrForbidden
	}
	c := a.Community
	form := web.FormOf(map[string]string{"name": c.Name, "slug": c.Slug, "description": c.Description, "join_policy": c.JoinPolicy})
	if c.OrgID != 0 {
		form.Values.Set("organisation_id", strconv.FormatInt(c.OrgID, 10))
	}
	return h.communityFormPage(w, r, http.StatusOK, c, form)
}

func (h *Web) communityUpdate(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("id")
	a, err := h.Svc.Community(r.Context(), ref)
	if err != nil {
		return err
	}
	if !a.Manage {
		return authz.ErrForbidden
	}
	form := web.NewForm(r)
	errs := valid.Errors{}
	in := communityInputOf(form, errs)
	var c CoP
	if len(errs) == 0 {
		c, err = h.Svc.UpdateCommunity(r.Context(), ref, in)
	}
	if err = cpMergeErrors(errs, err); err != nil {
		if ve, ok := valid.As(err); ok {
			form.Errors = ve
			return h.communityFormPage(w, r, http.StatusUnprocessableEntity, a.Community, form)
		}
		return err
	}
	return web.Redirect(w, r, c.URL(), "The community is saved.")
}

func (h *Web) communityArchive(w http.ResponseWriter, r *http.Request) error {
	form := web.NewForm(r)
	c, err := h.Svc.ArchiveCommunity(r.Context(), r.PathValue("id"), form.Bool("archived"))
	if err != nil {
		return err
	}
	if c.ArchivedAt != nil {
		return web.Redirect(w, r, c.URL(), "The community is archived: it no longer shows in the list or the search.")
	}
	return web.Redirect(w, r, c.URL(), "The community is active again.")
}

// --- the community's page ---

type communityShowData struct {
	A           Access
	Description template.HTML
	Hosts       []string
	Workgroups  []Workgroup
	Upcoming    []Event
	Past        []Event
	Threads     []Thread
	Library     []LibraryItem
	Requests    int
	SiteAdmin   bool
}

func (h *Web) communityShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := h.Svc.Community(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	c := a.Community
	d := communityShowData{A: a, Description: Markdown(c.Description), SiteAdmin: authz.From(ctx).SiteAdmin}
	if d.Hosts, err = h.Svc.Hosts(ctx, c.ID); err != nil {
		return err
	}
	if d.Workgroups, err = h.Svc.Workgroups(ctx, c.ID); err != nil {
		return err
	}
	now := h.Svc.Now()
	if d.Upcoming, err = h.Svc.Events(ctx, c.ID, true, now, 10); err != nil {
		return err
	}
	if d.Past, err = h.Svc.Events(ctx, c.ID, false, now, 5); err != nil {
		return err
	}
	if a.Inside() {
		if _, d.Threads, err = h.Svc.Threads(ctx, c.Slug, 0, 5); err != nil {
			return err
		}
		if _, d.Library, err = h.Svc.Library(ctx, c.Slug, 5); err != nil {
			return err
		}
	}
	if a.Manage {
		if err := h.Svc.DB.QueryRow(ctx, "SELECT COUNT(*) FROM community_members WHERE community_id = ? AND status = 'requested'", c.ID).Scan(&d.Requests); err != nil {
			return err
		}
	}
	h.Render.OK(w, r, "learning/community_show", web.Page{Title: c.Name, Data: d, Breadcrumbs: communityCrumbs(c)})
	return nil
}

// --- membership ---

func (h *Web) communityJoin(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("id")
	m, err := h.Svc.Join(r.Context(), ref)
	if err != nil {
		return cpRefusal(w, r, "/communities/"+url.PathEscape(ref), err)
	}
	a, err := h.Svc.Community(r.Context(), ref)
	if err != nil {
		return err
	}
	if m.Status == StatusRequested {
		return web.Redirect(w, r, a.Community.URL(), "Your request to join is sent. A host will look at it, and you will get an email when it is approved.")
	}
	return web.Redirect(w, r, a.Community.URL(), "Welcome: you are a member of "+a.Community.Name+".")
}

func (h *Web) communityLeave(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("id")
	a, err := h.Svc.Community(r.Context(), ref)
	if err != nil {
		return err
	}
	if err := h.Svc.Leave(r.Context(), ref); err != nil {
		return err
	}
	msg := "You have left " + a.Community.Name + "."
	if a.Requested() {
		msg = "Your request to join is withdrawn."
	} else if a.Me.UserID == 0 {
		msg = "You are not a member of " + a.Community.Name + "."
	}
	return web.Redirect(w, r, a.Community.URL(), msg)
}

func (h *Web) communityDigest(w http.ResponseWriter, r *http.Request) error {
	form := web.NewForm(r)
	m, err := h.Svc.SetDigest(r.Context(), r.PathValue("id"), form.Bool("digest"))
	if err != nil {
		return err
	}
	a, err := h.Svc.Community(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	msg := "You will no longer get the email digest of this community."
	if m.Digest {
		msg = "You will get an email digest of what is new in this community."
	}
	return web.Redirect(w, r, a.Community.URL(), msg)
}

type membersData struct {
	A       Access
	Members []Member
}

func (h *Web) communityMembers(w http.ResponseWriter, r *http.Request) error {
	a, ms, err := h.Svc.Members(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/community_members", web.Page{Title: "Members of " + a.Community.Name, Data: membersData{A: a, Members: ms},
		Breadcrumbs: communityCrumbs(a.Community, web.Crumb{Label: "Members"})})
	return nil
}

func (h *Web) communityMemberUpdate(w http.ResponseWriter, r *http.Request) error {
	uid, err := web.PathID(r, "user_id")
	if err != nil {
		return err
	}
	form := web.NewForm(r)
	m, err := h.Svc.UpdateMember(r.Context(), r.PathValue("id"), uid, MemberInput{Status: form.Get("status"), Role: form.Get("role")})
	back := "/communities/" + url.PathEscape(r.PathValue("id")) + "/members"
	if err != nil {
		return cpRefusal(w, r, back, err)
	}
	msg := m.Name + " is now a member."
	if m.Host() {
		msg = m.Name + " is now a host."
	}
	return web.Redirect(w, r, back, msg)
}

func (h *Web) communityMemberRemove(w http.ResponseWriter, r *http.Request) error {
	uid, err := web.PathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := h.Svc.RemoveMember(r.Context(), r.PathValue("id"), uid); err != nil {
		return err
	}
	return web.Redirect(w, r, "/communities/"+url.PathEscape(r.PathValue("id"))+"/members", "Removed from the community.")
}

// --- workgroups ---

type workgroupFormData struct {
	A         Access
	Workgroup Workgroup
}

func (h *Web) workgroupFormPage(w http.ResponseWriter, r *http.Request, status int, a Access, wg Workgroup, form *web.Form) error {
	if !a.Manage {
		return authz.ErrForbidden
	}
	title := "New workgroup"
	crumbs := communityCrumbs(a.Community, web.Crumb{Label: "New workgroup"})
	if wg.ID != 0 {
		title = "Edit " + wg.Name
		crumbs = communityCrumbs(a.Community, web.Crumb{Label: wg.Name, URL: wg.URL()}, web.Crumb{Label: "Edit"})
	}
	h.Render.Render(w, r, status, "learning/community_workgroup_form", web.Page{Title: title, Form: form, Breadcrumbs: crumbs,
		Data: workgroupFormData{A: a, Workgroup: wg}})
	return nil
}

func (h *Web) workgroupNew(w http.ResponseWriter, r *http.Request) error {
	a, err := h.Svc.Community(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.workgroupFormPage(w, r, http.StatusOK, a, Workgroup{}, web.FormOf(nil))
}

func (h *Web) workgroupCreate(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("id")
	form := web.NewForm(r)
	wg, err := h.Svc.CreateWorkgroup(r.Context(), ref, WorkgroupInput{Name: form.Get("name"), Description: form.Get("description")})
	if ve, ok := valid.As(err); ok {
		a, err := h.Svc.Community(r.Context(), ref)
		if err != nil {
			return err
		}
		form.Errors = ve
		return h.workgroupFormPage(w, r, http.StatusUnprocessableEntity, a, Workgroup{}, form)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, wg.URL(), "The workgroup is created.")
}

func (h *Web) workgroupRef(r *http.Request) (string, int64, error) {
	id, err := web.PathID(r, "workgroup_id")
	return r.PathValue("id"), id, err
}

type workgroupShowData struct {
	V           WorkgroupView
	Description template.HTML
	Threads     []Thread
	Upcoming    []Event
}

func (h *Web) workgroupShow(w http.ResponseWriter, r *http.Request) error {
	ref, id, err := h.workgroupRef(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v, err := h.Svc.Workgroup(ctx, ref, id)
	if err != nil {
		return err
	}
	d := workgroupShowData{V: v, Description: Markdown(v.Workgroup.Description)}
	if v.Access.Inside() {
		if _, d.Threads, err = h.Svc.Threads(ctx, ref, id, 20); err != nil {
			return err
		}
	}
	evs, err := listEvents(ctx, h.Svc.DB, "e.workgroup_id = ? AND e.ends_at > ?", []any{id, h.Svc.Now()}, "e.starts_at, e.id", 10)
	if err != nil {
		return err
	}
	d.Upcoming = evs
	h.Render.OK(w, r, "learning/community_workgroup", web.Page{Title: v.Workgroup.Name, Data: d,
		Breadcrumbs: communityCrumbs(v.Access.Community, web.Crumb{Label: v.Workgroup.Name})})
	return nil
}

func (h *Web) workgroupEdit(w http.ResponseWriter, r *http.Request) error {
	ref, id, err := h.workgroupRef(r)
	if err != nil {
		return err
	}
	v, err := h.Svc.Workgroup(r.Context(), ref, id)
	if err != nil {
		return err
	}
	form := web.FormOf(map[string]string{"name": v.Workgroup.Name, "description": v.Workgroup.Description})
	return h.workgroupFormPage(w, r, http.StatusOK, v.Access, v.Workgroup, form)
}

func (h *Web) workgroupUpdate(w http.ResponseWriter, r *http.Request) error {
	ref, id, err := h.workgroupRef(r)
	if err != nil {
		return err
	}
	form := web.NewForm(r)
	wg, err := h.Svc.UpdateWorkgroup(r.Context(), ref, id, WorkgroupInput{Name: form.Get("name"), Description: form.Get("description")})
	if ve, ok := valid.As(err); ok {
		v, err := h.Svc.Workgroup(r.Context(), ref, id)
		if err != nil {
			return err
		}
		form.Errors = ve
		return h.workgroupFormPage(w, r, http.StatusUnprocessableEntity, v.Access, v.Workgroup, form)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, wg.URL(), "The workgroup is saved.")
}

func (h *Web) workgroupJoin(w http.ResponseWriter, r *http.Request) error {
	return h.workgroupMembership(w, r, true)
}
func (h *Web) workgroupLeave(w http.ResponseWriter, r *http.Request) error {
	return h.workgroupMembership(w, r, false)
}

func (h *Web) workgroupMembership(w http.ResponseWriter, r *http.Request, join bool) error {
	ref, id, err := h.workgroupRef(r)
	if err != nil {
		return err
	}
	if err := h.Svc.JoinWorkgroup(r.Context(), ref, id, join); err != nil {
		return err
	}
	v, err := h.Svc.Workgroup(r.Context(), ref, id)
	if err != nil {
		return err
	}
	msg := "You have left the workgroup."
	if join {
		msg = "You are in the workgroup " + v.Workgroup.Name + "."
	}
	return web.Redirect(w, r, v.Workgroup.URL(), msg)
}
