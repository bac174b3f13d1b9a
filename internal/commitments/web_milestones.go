package commitments

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

type milestoneFormData struct {
	C         Commitment
	M         Milestone
	Period    string
	Statuses  []web.Option
	Action    string
	CommitURL string
}

func (h *Web) milestoneFormPage(c Commitment, m Milestone, f *web.Form) web.Page {
	path := commitmentPath(c.Reference)
	d := milestoneFormData{C: c, M: m, Period: period(c.Start, c.End, dayMonth), Statuses: MilestoneStatuses,
		Action: path + "/milestones", CommitURL: path}
	title, last := "New milestone for "+c.Reference, "New milestone"
	if m.ID != 0 {
		d.Action = path + "/milestones/" + idStr(m.ID)
		title, last = "Edit a milestone of "+c.Reference, "Edit milestone"
	}
	return web.Page{Title: title, Form: f, Data: d, Breadcrumbs: []web.Crumb{plansCrumb,
		{Label: c.PlanTitle, URL: "/plans/" + idStr(c.PlanID)}, {Label: c.Reference, URL: path}, {Label: last}}}
}

func milestoneInputFrom(f *web.Form) (MilestoneInput, error) {
	fr := &formReader{f: f}
	in := MilestoneInput{Activity: f.Get("activity"), Deliverable: f.Get("deliverable"), Start: fr.date("start_date"), End: fr.date("end_date"),
		Status: f.Get("status"), Progress: fr.int("progress", "Enter progress as a whole number from 0 to 100."),
		Weight: fr.optFloat("weight", "Enter a weight as a number above 0, or leave it empty for equal weights."), Evidence: fr.lines("evidence")}
	return in, fr.result(func() error { c := in; return c.Validate() })
}

func milestoneForm(m Milestone) *web.Form {
	f := web.FormOf(map[string]string{"activity": m.Activity, "deliverable": m.Deliverable, "start_date": m.Start.String(),
		"end_date": m.End.String(), "status": m.Status, "evidence": strings.Join(m.Evidence, "\n")})
	f.Values.Set("progress", strconv.Itoa(m.Progress))
	if m.Weight != nil {
		f.Values.Set("weight", fmtFloat(*m.Weight))
	}
	return f
}

// milestoneOf finds the milestone in the path among the commitment's.
func milestoneOf(r *http.Request, c Commitment) (Milestone, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return Milestone{}, err
	}
	for _, m := range c.Milestones {
		if m.ID == id {
			return m, nil
		}
	}
	return Milestone{}, db.ErrNotFound
}

func (h *Web) milestoneNew(w http.ResponseWriter, r *http.Request) error {
	c, err := h.visibleCommitment(r, CanEditCommitment)
	if err != nil {
		return err
	}
	f := web.FormOf(map[string]string{"status": "not_started", "progress": "0"})
	h.Render.OK(w, r, "commitments/milestone_form", h.milestoneFormPage(c, Milestone{}, f))
	return nil
}

func (h *Web) milestoneEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := h.visibleCommitment(r, CanEditCommitment)
	if err != nil {
		return err
	}
	m, err := milestoneOf(r, c)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "commitments/milestone_form", h.milestoneFormPage(c, m, milestoneForm(m)))
	return nil
}

func (h *Web) milestoneCreate(w http.ResponseWriter, r *http.Request) error {
	return h.milestoneSave(w, r, false)
}

func (h *Web) milestoneUpdate(w http.ResponseWriter, r *http.Request) error {
	return h.milestoneSave(w, r, true)
}

// milestoneSave adds or edits a milestone. One outside the commitment's period is saved, and
// the commitment page says so.
func (h *Web) milestoneSave(w http.ResponseWriter, r *http.Request, edit bool) error {
	c, err := h.visibleCommitment(r, CanEditCommitment)
	if err != nil {
		return err
	}
	var m Milestone
	if edit {
		if m, err = milestoneOf(r, c); err != nil {
			return err
		}
	}
	f := web.NewForm(r)
	in, err := milestoneInputFrom(f)
	var saved Milestone
	var warning string
	if err == nil {
		if edit {
			saved, warning, err = h.Svc.UpdateMilestone(r.Context(), c.Reference, m.ID, in)
		} else {
			saved, warning, err = h.Svc.AddMilestone(r.Context(), c.Reference, in)
		}
	}
	if _, ok := valid.As(err); ok {
		h.Render.Invalid(w, r, "commitments/milestone_form", h.milestoneFormPage(c, m, f), err)
		return nil
	} else if err != nil {
		return err
	}
	to := commitmentPath(c.Reference) + "#milestone-" + idStr(saved.ID)
	msg := "The milestone is saved."
	if !edit {
		msg = "The milestone is added."
	}
	if warning != "" {
		return redirectInfo(w, r, to, msg+" Please check its dates: "+warning)
	}
	return web.Redirect(w, r, to, msg)
}

// --- Assessments ---

type assessFormData struct {
	C          Commitment
	Kinds      []web.Option
	Verifiable []web.Option
	Values     []web.Option
	Impacts    []web.Option
	Results    []web.Option
	Completion []web.Option
	OTG        []web.Option
	CommitURL  string
}

var yesNo = []web.Option{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}

func (h *Web) assessPage(r *http.Request, c Commitment, f *web.Form) web.Page {
	p := authz.From(r.Context())
	var kinds []web.Option
	for _, k := range AssessmentKinds {
		if CanAssess(p, c, k.Value) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 1 && f.Get("kind") == "" {
		f.Values.Set("kind", kinds[0].Value)
	}
	path := commitmentPath(c.Reference)
	return web.Page{Title: "Assess " + c.Reference + ": " + c.Name(), Form: f,
		Data: assessFormData{C: c, Kinds: kinds, Verifiable: yesNo, Values: OGPValues, Impacts: PotentialImpacts, Results: PotentialResults,
			Completion: Completions, OTG: OpenedGovernment, CommitURL: path},
		Breadcrumbs: []web.Crumb{plansCrumb, {Label: c.PlanTitle, URL: "/plans/" + idStr(c.PlanID)}, {Label: c.Reference, URL: path}, {Label: "Assess"}}}
}

func canAssessAny(p authz.Principal, c Commitment) bool {
	return CanAssess(p, c, "self") || CanAssess(p, c, "independent")
}

func (h *Web) assessNew(w http.ResponseWriter, r *http.Request) error {
	c, err := h.visibleCommitment(r, canAssessAny)
	if err != nil {
		return err
	}
	f := web.FormOf(map[string]string{"assessed_on": h.Svc.Now().UTC().Format("2006-01-02")})
	h.Render.OK(w, r, "commitments/assess_form", h.assessPage(r, c, f))
	return nil
}

func assessmentInputFrom(f *web.Form) (AssessmentInput, valid.Errors) {
	fr := &formReader{f: f}
	in := AssessmentInput{Kind: f.Get("kind"), AssessedOn: fr.date("assessed_on"), Relevance: fr.values("relevance"),
		PotentialImpact: f.Get("potential_impact"), PotentialResults: f.Get("potential_results"), Completion: f.Get("completion"),
		OTGOverall: f.Get("did_it_open_government"), OTG: OTG{AccessInfo: f.Get("otg_access_info"), CivicParticipation: f.Get("otg_civic_participation"),
			Accountability: f.Get("otg_accountability"), Technology: f.Get("otg_technology")}, Summary: f.Get("summary"), Source: f.Get("source")}
	switch v := f.Get("verifiable"); v {
	case "":
	case "yes", "no":
		b := v == "yes"
		in.Verifiable = &b
	default:
		fr.add("verifiable", "Choose yes or no, or leave it empty if not assessed.")
	}
	return in, fr.errs
}

func (h *Web) assessCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := h.visibleCommitment(r, canAssessAny)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in, perrs := assessmentInputFrom(f)
	if len(perrs) > 0 {
		fr := &formReader{errs: perrs}
		err = fr.result(func() error { x := in; return x.Validate(h.Svc.Now()) })
	} else {
		_, err = h.Svc.AddAssessment(r.Context(), c.Reference, in)
	}
	if _, ok := valid.As(err); ok {
		h.Render.Invalid(w, r, "commitments/assess_form", h.assessPage(r, c, f), err)
		return nil
	} else if err != nil {
		return err
	}
	kind := "independent review"
	if in.Kind == "self" {
		kind = "self-assessment"
	}
	return web.Redirect(w, r, commitmentPath(c.Reference)+"#review", "Your "+kind+" is recorded.")
}
