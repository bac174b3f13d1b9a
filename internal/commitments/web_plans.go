package commitments

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

var plansCrumb = web.Crumb{Label: "Action plans", URL: "/plans"}

type planIndexData struct {
	Plans     []planView
	CanCreate bool
}

func (h *Web) planIndex(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	plans, err := h.Svc.Plans(ctx)
	if err != nil {
		return err
	}
	d := planIndexData{CanCreate: CanCreatePlan(authz.From(ctx))}
	for _, p := range plans {
		d.Plans = append(d.Plans, planView{Plan: p, Completion: completionRows(p.ByCompletion)})
	}
	h.Render.OK(w, r, "commitments/plans", web.Page{Title: "Action plans", Data: d, Breadcrumbs: []web.Crumb{{Label: "Action plans"}}})
	return nil
}

// planFilter is the plan page's query string: ?status=active&area=12&lead=3&starred=on.
type planFilter struct {
	Status  string
	Area    int64
	Lead    int64
	Starred bool
}

func readPlanFilter(q url.Values) planFilter {
	f := planFilter{Area: queryID(q, "area"), Lead: queryID(q, "lead"), Starred: q.Get("starred") == "on"}
	if s := strings.TrimSpace(q.Get("status")); has(CommitmentStatuses, s) {
		f.Status = s
	}
	return f
}

func (f planFilter) Any() bool { return f.Status != "" || f.Area != 0 || f.Lead != 0 || f.Starred }

// AreaValue and LeadValue are the filter's values as the selects compare them.
func (f planFilter) AreaValue() string { return idStr(f.Area) }
func (f planFilter) LeadValue() string { return idStr(f.Lead) }

type planShowData struct {
	Plan        planView
	Commitments []commitmentRow
	Filter      planFilter
	Statuses    []web.Option
	Areas       []web.Option
	Leads       []web.Option
	// Described says what the filter shows, e.g. "Active commitments in Capacity Building".
	Described        string
	CanEdit          bool
	CanAdd           bool
	FeedURL          string
	CSVURL           string
	MilestonesCSVURL string
}

func (h *Web) planShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	pl, all, err := h.Svc.Plan(ctx, id)
	if err != nil {
		return err
	}
	p := authz.From(ctx)
	d := planShowData{Plan: planView{Plan: pl, Completion: completionRows(pl.ByCompletion)}, Filter: readPlanFilter(r.URL.Query()),
		Statuses: CommitmentStatuses, CanEdit: CanEditPlan(p, pl), CanAdd: p.Can(authz.Contribute, pl.OrgID),
		FeedURL: "/plans/" + idStr(pl.ID) + "/feed.atom", CSVURL: csvURL(pl.ID), MilestonesCSVURL: milestonesCSVURL(pl.ID)}
	// The choices are the policy areas and lead institutions of the plan's own commitments.
	areas, leads := map[int64]string{}, map[int64]string{}
	for _, c := range all {
		for _, a := range c.PolicyAreas {
			areas[a.ID] = a.Name
		}
		if c.LeadOrgID != 0 {
			leads[c.LeadOrgID] = c.LeadOrgName
		}
	}
	d.Areas, d.Leads = sortedOptions(areas), sortedOptions(leads)
	cs := all
	if d.Filter.Any() {
		if cs, err = h.Svc.Commitments(ctx, Filter{PlanID: pl.ID, Status: d.Filter.Status, PolicyArea: d.Filter.Area,
			LeadOrgID: d.Filter.Lead, Starred: d.Filter.Starred}); err != nil {
			return err
		}
		d.Described = describeFilter(d.Filter, areas, leads)
	}
	d.Commitments = rows(cs)
	h.Render.OK(w, r, "commitments/plan_show", web.Page{Title: pl.Title, Data: d,
		Breadcrumbs: []web.Crumb{plansCrumb, {Label: pl.Title}}})
	return nil
}

func sortedOptions(m map[int64]string) []web.Option {
	out := make([]web.Option, 0, len(m))
	for id, name := range m {
		out = append(out, web.Option{Value: idStr(id), Label: name})
	}
	slices.SortFunc(out, func(a, b web.Option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	return out
}

func describeFilter(f planFilter, areas, leads map[int64]string) string {
	var parts []string
	if f.Status != "" {
		parts = append(parts, "status “"+Label(CommitmentStatuses, f.Status)+"”")
	}
	if f.Area != 0 {
		parts = append(parts, "policy area “"+orID(areas, f.Area)+"”")
	}
	if f.Lead != 0 {
		parts = append(parts, "led by "+orID(leads, f.Lead))
	}
	if f.Starred {
		parts = append(parts, "starred")
	}
	return strings.Join(parts, ", ")
}

func orID(m map[int64]string, id int64) string {
	if s, ok := m[id]; ok {
		return s
	}
	return "#" + idStr(id)
}

// --- Staff: create and edit plans ---

type planFormData struct {
	Plan     Plan
	Orgs     []web.Option
	Statuses []web.Option
}

func (h *Web) planFormPage(r *http.Request, pl Plan, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	p := authz.From(ctx)
	orgs, err := h.Svc.Dir.Orgs(ctx, directory.ListFilter{})
	if err != nil {
		return web.Page{}, err
	}
	// A new plan belongs to an organisation the person contributes to; an existing one may
	// pass to another organisation they manage.
	var opts []web.Option
	for _, o := range orgs {
		if (pl.ID == 0 && p.Can(authz.Contribute, o.ID)) || (pl.ID != 0 && (o.ID == pl.OrgID || p.Can(authz.Manage, o.ID))) {
			opts = append(opts, web.Option{Value: idStr(o.ID), Label: o.DisplayName()})
		}
	}
	title, crumbs := "New action plan", []web.Crumb{plansCrumb, {Label: "New"}}
	if pl.ID != 0 {
		title = "Edit " + pl.Title
		crumbs = []web.Crumb{plansCrumb, {Label: pl.Title, URL: "/plans/" + idStr(pl.ID)}, {Label: "Edit"}}
	}
	return web.Page{Title: title, Form: f, Breadcrumbs: crumbs, Data: planFormData{Plan: pl, Orgs: opts, Statuses: PlanStatuses}}, nil
}

// planInputFrom reads the plan form; the error holds what could not be read.
func planInputFrom(f *web.Form) (PlanInput, error) {
	fr := &formReader{f: f}
	in := PlanInput{OrgID: formID(f, "organisation_id"), Title: f.Get("title"), Country: f.Get("country"), Locality: f.Get("locality"),
		Number: fr.int("plan_number", "Enter a plan number from 0 to 999."), Cycle: f.Get("cycle"),
		Start: fr.date("start_date"), End: fr.date("end_date"), Status: f.Get("status"), Description: f.Get("description")}
	if in.OrgID < 0 {
		in.OrgID = 0
	}
	return in, fr.result(func() error { c := in; return c.Validate() })
}

func planForm(pl Plan) *web.Form {
	f := web.FormOf(map[string]string{"organisation_id": idStr(pl.OrgID), "title": pl.Title, "country": pl.Country, "locality": pl.Locality,
		"cycle": pl.Cycle, "start_date": pl.Start.String(), "end_date": pl.End.String(), "status": pl.Status, "description": pl.Description})
	if pl.Number != 0 {
		f.Values.Set("plan_number", strconv.Itoa(pl.Number))
	}
	return f
}

func (h *Web) planNew(w http.ResponseWriter, r *http.Request) error {
	if !CanCreatePlan(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	page, err := h.planFormPage(r, Plan{}, web.FormOf(map[string]string{"status": "draft"}))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "commitments/plan_form", page)
	return nil
}

func (h *Web) planCreate(w http.ResponseWriter, r *http.Request) error {
	if !CanCreatePlan(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	f := web.NewForm(r)
	in, err := planInputFrom(f)
	var pl Plan
	if err == nil {
		pl, err = h.Svc.CreatePlan(r.Context(), in)
	}
	if _, ok := valid.As(err); ok {
		page, perr := h.planFormPage(r, Plan{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "commitments/plan_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/plans/"+idStr(pl.ID), pl.Title+" is created.")
}

// editablePlan loads a plan the principal may see and edit.
func (h *Web) editablePlan(r *http.Request) (Plan, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return Plan{}, err
	}
	pl, err := h.Svc.Store.Plan(r.Context(), h.Svc.DB, id)
	if err != nil {
		return Plan{}, err
	}
	p := authz.From(r.Context())
	if !canSeePlan(p, pl) {
		return Plan{}, db.ErrNotFound
	}
	if !CanEditPlan(p, pl) {
		return Plan{}, authz.ErrForbidden
	}
	return pl, nil
}

func (h *Web) planEdit(w http.ResponseWriter, r *http.Request) error {
	pl, err := h.editablePlan(r)
	if err != nil {
		return err
	}
	page, err := h.planFormPage(r, pl, planForm(pl))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "commitments/plan_form", page)
	return nil
}

func (h *Web) planUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := h.editablePlan(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in, err := planInputFrom(f)
	var pl Plan
	if err == nil {
		pl, err = h.Svc.UpdatePlan(r.Context(), old.ID, in)
	}
	if _, ok := valid.As(err); ok {
		page, perr := h.planFormPage(r, old, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "commitments/plan_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/plans/"+idStr(pl.ID), "Your changes are saved.")
}
