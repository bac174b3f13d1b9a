package commitments

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// commitmentPath is the public address of a commitment.
func commitmentPath(ref string) string { return "/commitments/" + url.PathEscape(ref) }

// commitmentData is the commitment page.
type commitmentData struct {
	C           Commitment
	Plan        planView
	Period      string
	Independent *assessmentView // the latest independent review
	Self        *assessmentView // the latest self-assessment
	History     []assessmentView
	Milestones  []milestoneView
	Updates     []updateView
	// Milestone choices for the update form.
	MilestoneOptions []web.Option
	Statuses         []web.Option
	CanEdit          bool
	CanOverride      bool
	CanAssess        bool
	FeedURL          string
	JSONURL          string
	CSVURL           string
	MilestonesCSVURL string
	Today            string
	// Links are the records linked to the commitment: engagements that informed it,
	// recommendations it answers, outcomes it works towards…
	Links directory.LinksPanel
}

func (d commitmentData) ProgressText() string {
	return strconv.FormatFloat(round1(d.C.Progress), 'f', -1, 64)
}

// ValuesText lists the OGP values the commitment says it is relevant to.
func (d commitmentData) ValuesText() []string { return d.C.Values.Labels() }

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

// commitmentPage loads everything the commitment page shows, or db.ErrNotFound when the
// principal may not see the commitment.
func (h *Web) commitmentPage(r *http.Request, ref string) (web.Page, error) {
	ctx := r.Context()
	c, err := h.Svc.Commitment(ctx, ref)
	if err != nil {
		return web.Page{}, err
	}
	pl, err := h.Svc.Store.Plan(ctx, h.Svc.DB, c.PlanID)
	if err != nil {
		return web.Page{}, err
	}
	p := authz.From(ctx)
	path := commitmentPath(c.Reference)
	d := commitmentData{C: c, Plan: planView{Plan: pl}, Period: period(c.Start, c.End, monthYear), Statuses: MilestoneStatuses,
		CanEdit: CanEditCommitment(p, c), CanOverride: CanOverride(p, c), CanAssess: CanAssess(p, c, "self") || CanAssess(p, c, "independent"),
		FeedURL: path + "/feed.atom", JSONURL: "/api/v1/commitments/" + url.PathEscape(c.Reference), CSVURL: csvURL(c.PlanID), MilestonesCSVURL: milestonesCSVURL(c.PlanID),
		Today: h.Svc.Now().UTC().Format(time.DateOnly)}
	if d.Links, err = h.Svc.Dir.LinksPanelFor(ctx, "commitment", c.ID, path); err != nil {
		return web.Page{}, err
	}
	names := map[int64]string{}
	for _, m := range c.Milestones {
		names[m.ID] = m.Activity
		d.Milestones = append(d.Milestones, milestoneView{Milestone: m, Warning: OutsidePeriod(MilestoneInput{Start: m.Start, End: m.End}, c)})
		d.MilestoneOptions = append(d.MilestoneOptions, web.Option{Value: idStr(m.ID), Label: m.Activity})
	}
	as, err := h.Svc.Assessments(ctx, c)
	if err != nil {
		return web.Page{}, err
	}
	// Oldest first from the store: the last of each kind is the latest; the history table
	// shows the newest first.
	for i := range as {
		a := assessmentView{as[i]}
		if a.Kind == "independent" {
			d.Independent = &a
		} else {
			d.Self = &a
		}
		d.History = append([]assessmentView{a}, d.History...)
	}
	us, err := h.Svc.Updates(ctx, c)
	if err != nil {
		return web.Page{}, err
	}
	for _, u := range us {
		d.Updates = append(d.Updates, updateView{Update: u, Milestone: names[u.MilestoneID]})
	}
	return web.Page{Title: c.Name() + " (" + c.Reference + ")", Data: d,
		Breadcrumbs: []web.Crumb{plansCrumb, {Label: pl.Title, URL: "/plans/" + idStr(pl.ID)}, {Label: c.Reference}}}, nil
}

// csvURL is the open-data CSV of the commitments of a plan (the API's download).
func csvURL(planID int64) string { return "/api/v1/commitments?plan=" + idStr(planID) + "&format=csv" }

// milestonesCSVURL is the open-data CSV of the milestones of a plan.
func milestonesCSVURL(planID int64) string {
	return "/api/v1/milestones?plan=" + idStr(planID) + "&format=csv"
}

// pageForms is the empty state of the forms on the commitment page.
func pageForms(d commitmentData) *web.Form {
	f := web.FormOf(map[string]string{"reported_on": d.Today, "override_reason": d.C.OverrideReason})
	if d.C.Override != nil {
		f.Values.Set("override_progress", fmtFloat(*d.C.Override))
	}
	return f
}

func (h *Web) commitmentShow(w http.ResponseWriter, r *http.Request) error {
	page, err := h.commitmentPage(r, r.PathValue("ref"))
	if err != nil {
		return err
	}
	page.Form = pageForms(page.Data.(commitmentData))
	h.Render.OK(w, r, "commitments/commitment", page)
	return nil
}

// commitmentInvalid shows the commitment page again with 422 and the messages of one of its
// forms (the others keep their empty state).
func (h *Web) commitmentInvalid(w http.ResponseWriter, r *http.Request, ref string, f *web.Form, err error) error {
	page, perr := h.commitmentPage(r, ref)
	if perr != nil {
		return perr
	}
	base := pageForms(page.Data.(commitmentData))
	for k, v := range f.Values {
		base.Values[k] = v
	}
	page.Form = base
	h.Render.Invalid(w, r, "commitments/commitment", page, err)
	return nil
}

// visibleCommitment loads the commitment in the path if the principal may see it and
// allowed says they may act on it.
func (h *Web) visibleCommitment(r *http.Request, allowed func(authz.Principal, Commitment) bool) (Commitment, error) {
	c, err := h.Svc.Commitment(r.Context(), r.PathValue("ref"))
	if err != nil {
		return Commitment{}, err
	}
	if !allowed(authz.From(r.Context()), c) {
		return Commitment{}, authz.ErrForbidden
	}
	return c, nil
}

// --- Progress updates and progress set by hand, from forms on the commitment page ---

func (h *Web) updateCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := h.visibleCommitment(r, CanEditCommitment)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	fr := &formReader{f: f}
	in := UpdateInput{MilestoneID: formID(f, "milestone_id"), ReportedOn: fr.date("reported_on"), Body: f.Get("text"),
		Evidence: fr.lines("evidence"), Progress: fr.optInt("progress", "Enter progress as a whole number from 0 to 100."),
		Status: f.Get("milestone_status")}
	err = fr.result(func() error { c := in; return c.Validate(h.Svc.Now()) })
	if err == nil {
		_, err = h.Svc.AddUpdate(r.Context(), c.Reference, in)
	}
	if _, ok := valid.As(err); ok {
		return h.commitmentInvalid(w, r, c.Reference, f, err)
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, commitmentPath(c.Reference)+"#updates", "Your progress update is published.")
}

func (h *Web) progressOverride(w http.ResponseWriter, r *http.Request) error {
	c, err := h.visibleCommitment(r, CanOverride)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	reason := f.Get("override_reason")
	var value *float64
	if f.Get("action") != "clear" {
		fr := &formReader{f: f}
		value = fr.optFloat("override_progress", "Enter progress as a number from 0 to 100.")
		if value == nil && len(fr.errs) == 0 {
			fr.add("override_progress", "Enter progress from 0 to 100, or choose “Clear” to roll progress up from the milestones.")
		}
		if len(fr.errs) > 0 {
			return h.commitmentInvalid(w, r, c.Reference, f, fr.errs)
		}
	}
	err = h.Svc.SetOverride(r.Context(), c.Reference, value, reason)
	if ve, ok := valid.As(err); ok {
		mapped := valid.Errors{}
		for k, v := range ve {
			switch k {
			case "progress":
				k = "override_progress"
			case "reason":
				k = "override_reason"
			}
			mapped[k] = v
		}
		return h.commitmentInvalid(w, r, c.Reference, f, mapped)
	} else if err != nil {
		return err
	}
	msg := "Progress now rolls up from the milestones."
	if value != nil {
		msg = "Progress is set by hand to " + fmtFloat(*value) + "%."
	}
	return web.Redirect(w, r, commitmentPath(c.Reference)+"#progress", msg)
}

// --- Staff: create and edit commitments ---

type commitmentFormData struct {
	C           Commitment
	Plan        Plan
	Plans       []web.Option
	Statuses    []web.Option
	Orgs        []web.Option
	Values      []web.Option
	PolicyAreas []web.Option
	Places      []web.Option
	Programs    []web.Option
	Action      string
	Cancel      string
}

func (h *Web) commitmentFormPage(r *http.Request, pl Plan, c Commitment, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	p := authz.From(ctx)
	d := commitmentFormData{C: c, Plan: pl, Statuses: CommitmentStatuses, Values: OGPValues,
		Action: "/plans/" + idStr(pl.ID) + "/commitments", Cancel: "/plans/" + idStr(pl.ID)}
	if c.ID != 0 {
		d.Action, d.Cancel = commitmentPath(c.Reference), commitmentPath(c.Reference)
	}
	orgs, err := h.Svc.Dir.Orgs(ctx, directory.ListFilter{})
	if err != nil {
		return web.Page{}, err
	}
	for _, o := range orgs {
		d.Orgs = append(d.Orgs, web.Option{Value: idStr(o.ID), Label: o.DisplayName()})
	}
	tags, err := h.Svc.Dir.Tags(ctx, directory.ListFilter{Type: "policy_area"})
	if err != nil {
		return web.Page{}, err
	}
	seen := map[string]bool{}
	for _, t := range tags {
		d.PolicyAreas = append(d.PolicyAreas, web.Option{Value: idStr(t.ID), Label: t.Name})
		seen[idStr(t.ID)] = true
	}
	// Areas the commitment already has stay choosable even if since archived.
	for _, a := range c.PolicyAreas {
		if !seen[idStr(a.ID)] {
			d.PolicyAreas = append(d.PolicyAreas, web.Option{Value: idStr(a.ID), Label: a.Name + " (archived)"})
		}
	}
	places, err := h.Svc.Dir.Places(ctx, directory.ListFilter{})
	if err != nil {
		return web.Page{}, err
	}
	for _, pc := range places {
		label := pc.Name
		if pc.ParentName != "" {
			label += " (" + pc.ParentName + ")"
		}
		d.Places = append(d.Places, web.Option{Value: idStr(pc.ID), Label: label})
	}
	progs, err := h.Svc.Dir.Programs(ctx, directory.ListFilter{})
	if err != nil {
		return web.Page{}, err
	}
	for _, pg := range progs {
		d.Programs = append(d.Programs, web.Option{Value: idStr(pg.ID), Label: pg.Name})
	}
	title := "New commitment in " + pl.Title
	crumbs := []web.Crumb{plansCrumb, {Label: pl.Title, URL: "/plans/" + idStr(pl.ID)}, {Label: "New commitment"}}
	if c.ID != 0 {
		title = "Edit " + c.Reference
		crumbs = []web.Crumb{plansCrumb, {Label: pl.Title, URL: "/plans/" + idStr(pl.ID)}, {Label: c.Reference, URL: commitmentPath(c.Reference)}, {Label: "Edit"}}
		// A commitment may move to another plan of an organisation the person contributes to.
		plans, err := h.Svc.Plans(ctx)
		if err != nil {
			return web.Page{}, err
		}
		for _, x := range plans {
			if x.ID == c.PlanID || p.Can(authz.Contribute, x.OrgID) {
				d.Plans = append(d.Plans, web.Option{Value: idStr(x.ID), Label: x.Title})
			}
		}
	}
	return web.Page{Title: title, Form: f, Breadcrumbs: crumbs, Data: d}, nil
}

func commitmentInputFrom(f *web.Form, planID int64) (CommitmentInput, error) {
	fr := &formReader{f: f}
	in := CommitmentInput{PlanID: planID, Reference: f.Get("reference"), Number: fr.int("number", "Enter a commitment number from 0 to 99999."),
		Title: f.Get("title"), ShortTitle: f.Get("short_title"), Status: f.Get("status"), LeadOrgID: formID(f, "lead_organisation_id"),
		SupporterIDs: formIDs(f, "supporting_organisation_ids"), OtherGovernment: f.Get("other_actors_government"),
		OtherCivil: f.Get("other_actors_civil_society"), Values: fr.values("ogp_values"), PolicyAreaIDs: formIDs(f, "policy_area_ids"),
		PlaceIDs: formIDs(f, "place_ids"), ProgramIDs: formIDs(f, "program_ids"), Problem: f.Get("problem"), Description: f.Get("description"),
		Contribution: f.Get("contribution"), Relevance: f.Get("relevance"), AdditionalInfo: f.Get("additional_information"),
		Start: fr.date("start_date"), End: fr.date("end_date"), Contacts: f.Get("contacts"), URL: f.Get("url")}
	if v := formID(f, "plan_id"); v != 0 {
		in.PlanID = v
	}
	return in, fr.result(func() error { c := in; return c.Validate() })
}

func commitmentForm(c Commitment) *web.Form {
	f := web.FormOf(map[string]string{"plan_id": idStr(c.PlanID), "reference": c.Reference, "title": c.Title, "short_title": c.ShortTitle,
		"status": c.Status, "lead_organisation_id": idStr(c.LeadOrgID), "other_actors_government": c.OtherGovernment,
		"other_actors_civil_society": c.OtherCivil, "problem": c.Problem, "description": c.Description, "contribution": c.Contribution,
		"relevance": c.Relevance, "additional_information": c.AdditionalInfo, "start_date": c.Start.String(), "end_date": c.End.String(),
		"contacts": c.Contacts, "url": c.URL})
	if c.Number != 0 {
		f.Values.Set("number", strconv.Itoa(c.Number))
	}
	f.Values["supporting_organisation_ids"] = idStrings(refIDs(c.Supporters))
	f.Values["policy_area_ids"] = idStrings(refIDs(c.PolicyAreas))
	f.Values["place_ids"] = idStrings(refIDs(c.Places))
	f.Values["program_ids"] = idStrings(refIDs(c.Programs))
	f.Values["ogp_values"] = valueStrings(c.Values)
	return f
}

// contributablePlan loads the plan in the path if the principal may add commitments to it.
func (h *Web) contributablePlan(r *http.Request) (Plan, error) {
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
	if !p.Can(authz.Contribute, pl.OrgID) {
		return Plan{}, authz.ErrForbidden
	}
	return pl, nil
}

func (h *Web) commitmentNew(w http.ResponseWriter, r *http.Request) error {
	pl, err := h.contributablePlan(r)
	if err != nil {
		return err
	}
	f := web.FormOf(map[string]string{"status": "not_started", "lead_organisation_id": idStr(pl.OrgID),
		"start_date": pl.Start.String(), "end_date": pl.End.String()})
	page, err := h.commitmentFormPage(r, pl, Commitment{}, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "commitments/commitment_form", page)
	return nil
}

func (h *Web) commitmentCreate(w http.ResponseWriter, r *http.Request) error {
	pl, err := h.contributablePlan(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	f.Values.Del("plan_id") // the plan is the one in the path
	in, err := commitmentInputFrom(f, pl.ID)
	var c Commitment
	if err == nil {
		c, err = h.Svc.CreateCommitment(r.Context(), in)
	}
	if _, ok := valid.As(err); ok {
		page, perr := h.commitmentFormPage(r, pl, Commitment{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "commitments/commitment_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, commitmentPath(c.Reference), c.Reference+" is added to "+pl.Title+".")
}

func (h *Web) commitmentEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := h.visibleCommitment(r, CanEditCommitment)
	if err != nil {
		return err
	}
	pl, err := h.Svc.Store.Plan(r.Context(), h.Svc.DB, c.PlanID)
	if err != nil {
		return err
	}
	page, err := h.commitmentFormPage(r, pl, c, commitmentForm(c))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "commitments/commitment_form", page)
	return nil
}

func (h *Web) commitmentUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := h.visibleCommitment(r, CanEditCommitment)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in, err := commitmentInputFrom(f, old.PlanID)
	var c Commitment
	if err == nil {
		c, err = h.Svc.UpdateCommitment(r.Context(), old.Reference, in)
	}
	if _, ok := valid.As(err); ok {
		pl, perr := h.Svc.Store.Plan(r.Context(), h.Svc.DB, old.PlanID)
		if perr != nil {
			return perr
		}
		page, perr := h.commitmentFormPage(r, pl, old, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "commitments/commitment_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, commitmentPath(c.Reference), "Your changes are saved.")
}
