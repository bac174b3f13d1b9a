package satisfaction

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// manageRoutes registers the staff pages that build and run a survey. Every page needs an
// account; the service checks each survey (members of its organisation see it, its managers
// change it, others are told it does not exist).
func (h *Web) manageRoutes(rt *web.Router) {
	rt.Page("GET", "/surveys", web.SignedIn, h.surveyList)
	rt.Page("GET", "/surveys/new", web.SignedIn, h.surveyNew)
	rt.Page("POST", "/surveys", web.SignedIn, h.surveyCreate)
	rt.Page("GET", "/surveys/{id}", web.SignedIn, h.surveyShow)
	rt.Page("GET", "/surveys/{id}/edit", web.SignedIn, h.surveyEdit)
	rt.Page("POST", "/surveys/{id}", web.SignedIn, h.surveyUpdate)
	rt.Page("POST", "/surveys/{id}/status", web.SignedIn, h.surveyStatus)
	rt.Page("POST", "/surveys/{id}/archive", web.SignedIn, h.surveyArchive)

	rt.Page("GET", "/surveys/{id}/questions", web.SignedIn, h.questionsPage)
	rt.Page("POST", "/surveys/{id}/questions", web.SignedIn, h.questionAdd)
	rt.Page("GET", "/surveys/{id}/questions/{question_id}/edit", web.SignedIn, h.questionEdit)
	rt.Page("POST", "/surveys/{id}/questions/{question_id}", web.SignedIn, h.questionSave)
	rt.Page("POST", "/surveys/{id}/questions/{question_id}/move", web.SignedIn, h.questionMove)
	rt.Page("POST", "/surveys/{id}/questions/{question_id}/delete", web.SignedIn, h.questionDelete)

	rt.Page("GET", "/surveys/{id}/targets", web.SignedIn, h.targetsPage)
	rt.Page("POST", "/surveys/{id}/targets", web.SignedIn, h.targetAdd)
	rt.Page("GET", "/surveys/{id}/targets/{target_id}/edit", web.SignedIn, h.targetEdit)
	rt.Page("POST", "/surveys/{id}/targets/{target_id}", web.SignedIn, h.targetSave)
	rt.Page("POST", "/surveys/{id}/targets/{target_id}/delete", web.SignedIn, h.targetDelete)

	rt.Page("GET", "/surveys/{id}/publishing", web.SignedIn, h.publishingPage)
	rt.Page("POST", "/surveys/{id}/publishing", web.SignedIn, h.publishingSave)
	rt.Page("GET", "/surveys/{id}/weighting", web.SignedIn, h.weightingPage)
	rt.Page("POST", "/surveys/{id}/weighting", web.SignedIn, h.weightingSave)
	h.manageAPIRoutes(rt)
}

var surveysCrumb = web.Crumb{Label: "Surveys", URL: "/surveys"}

// manageCrumbs leads to a page of survey sv ("" for the survey's own page).
func manageCrumbs(sv Survey, here string) []web.Crumb {
	if here == "" {
		return []web.Crumb{surveysCrumb, {Label: sv.Title}}
	}
	return []web.Crumb{surveysCrumb, {Label: sv.Title, URL: sv.URL()}, {Label: here}}
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// formID reads an optional positive whole number; anything else adds msg under name.
func formID(f *web.Form, name string, c *valid.Checker, msg string) int64 {
	s := f.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		c.Add(name, msg)
		return 0
	}
	return n
}

// formNumber reads an optional number (a decimal comma is accepted); nil when empty.
func formNumber(s string) (*float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	if !strings.Contains(s, ".") && strings.Count(s, ",") == 1 {
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || len(s) > 30 {
		return nil, false
	}
	return &f, true
}

// merge puts the messages of extra over those of err (both field errors).
func merge(err error, extra valid.Errors) error {
	ve, _ := valid.As(err)
	out := valid.Errors{}
	for k, v := range ve {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	if len(out) == 0 {
		return err
	}
	return out
}

// --- list ---

type surveyRow struct {
	Survey
	Responses int64
}

type surveyListData struct {
	Rows      []surveyRow
	Orgs      []web.Option
	Services  []web.Option
	Statuses  []web.Option
	CanCreate bool
	Filtered  bool
	Total     int
}

func (h *Web) surveyList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := authz.From(ctx)
	q := r.URL.Query()
	f := &web.Form{Values: url.Values{}}
	for _, k := range []string{"organisation", "service", "status", "archived"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			f.Values.Set(k, v)
		}
	}
	var c valid.Checker
	filter := SurveyFilter{Archived: f.Bool("archived")}
	filter.OrgID = formID(f, "organisation", &c, "Choose an organisation from the list.")
	service := formID(f, "service", &c, "Choose a service from the list.")
	status := f.Get("status")
	if status != "" && !slices.Contains(optionValues(SurveyStatuses), status) {
		c.Add("status", "Choose a status from the list.")
		status = ""
	}
	all, err := h.Svc.ListSurveys(ctx, filter)
	if err != nil {
		return err
	}
	d := surveyListData{CanCreate: p.CanAny(authz.Manage), Statuses: SurveyStatuses, Total: len(all),
		Filtered: filter.OrgID != 0 || service != 0 || status != "" || filter.Archived}
	orgs, err := h.Svc.Dir.Orgs(ctx, directory.ListFilter{})
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if p.Can(authz.Read, o.ID) {
			d.Orgs = append(d.Orgs, web.Option{Value: idString(o.ID), Label: o.DisplayName()})
		}
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, sv := range all {
		if sv.ServiceID != 0 && !seen[sv.ServiceID] {
			seen[sv.ServiceID] = true
			d.Services = append(d.Services, web.Option{Value: idString(sv.ServiceID), Label: sv.ServiceName + " (" + sv.OrgName + ")"})
		}
		if (service == 0 || sv.ServiceID == service) && (status == "" || sv.Status == status) {
			d.Rows = append(d.Rows, surveyRow{Survey: sv})
			ids = append(ids, sv.ID)
		}
	}
	slices.SortFunc(d.Services, func(a, b web.Option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	totals, err := h.Svc.Store.ResponseTotals(ctx, h.Svc.DB, ids)
	if err != nil {
		return err
	}
	for i := range d.Rows {
		d.Rows[i].Responses = totals[d.Rows[i].ID]
	}
	page := web.Page{Title: "Surveys", Data: d, Form: f, Breadcrumbs: []web.Crumb{{Label: "Surveys"}}}
	if err := c.Err(); err != nil {
		h.Render.Invalid(w, r, "satisfaction/survey_list", page, err)
		return nil
	}
	h.Render.OK(w, r, "satisfaction/survey_list", page)
	return nil
}

// --- create and edit ---

type surveyFormData struct {
	New        bool
	S          Survey
	Orgs       []web.Option
	Services   []web.Option
	Modules    []web.Option
	Modes      []web.Option
	Units      []web.Option
	CodeLocked bool
	Action     string
}

func (h *Web) surveyFormPage(ctx context.Context, sv *Survey, f *web.Form) (web.Page, error) {
	p := authz.From(ctx)
	d := surveyFormData{New: sv == nil, Modules: ModuleOptions, Modes: SurveyModes, Units: SurveyUnits, Action: "/surveys"}
	if sv != nil {
		d.S, d.Action, d.CodeLocked = *sv, sv.URL(), sv.Status != StatusDraft
	} else {
		orgs, err := h.Svc.Dir.Orgs(ctx, directory.ListFilter{})
		if err != nil {
			return web.Page{}, err
		}
		for _, o := range orgs {
			if p.Can(authz.Manage, o.ID) {
				d.Orgs = append(d.Orgs, web.Option{Value: idString(o.ID), Label: o.DisplayName()})
			}
		}
		if f.Get("organisation_id") == "" && len(d.Orgs) == 1 {
			f.Values.Set("organisation_id", d.Orgs[0].Value)
		}
	}
	var filter directory.ListFilter
	if sv != nil {
		filter.OrgID = sv.OrgID
	}
	services, err := h.Svc.Dir.Services(ctx, filter)
	if err != nil {
		return web.Page{}, err
	}
	for _, ps := range services {
		if sv != nil || p.Can(authz.Manage, ps.OrgID) {
			label := ps.Name
			if sv == nil {
				label += " (" + ps.OrgName + ")"
			}
			d.Services = append(d.Services, web.Option{Value: idString(ps.ID), Label: label})
		}
	}
	if sv != nil && sv.ServiceID != 0 && !slices.ContainsFunc(d.Services, func(o web.Option) bool { return o.Value == idString(sv.ServiceID) }) {
		d.Services = append(d.Services, web.Option{Value: idString(sv.ServiceID), Label: sv.ServiceName + " (archived)"})
	}
	// Without JavaScript, the code is suggested when the form comes back.
	if f.Get("code") == "" && f.Get("title") != "" && f.HasErrors() && (sv == nil || !d.CodeLocked) {
		f.Values.Set("code", SuggestCode(f.Get("title")))
	}
	title, crumbs := "Create a survey", []web.Crumb{surveysCrumb, {Label: "Create a survey"}}
	if sv != nil {
		title, crumbs = "Edit "+sv.Title, manageCrumbs(*sv, "Edit")
	}
	return web.Page{Title: title, Form: f, Data: d, Breadcrumbs: crumbs}, nil
}

func surveyInputOf(f *web.Form, c *valid.Checker) SurveyInput {
	return SurveyInput{
		OrgID:     formID(f, "organisation_id", c, "Choose an organisation from the list."),
		ServiceID: formID(f, "service_id", c, "Choose a service from the list."),
		Code:      f.Get("code"), Title: f.Get("title"), Intro: f.Values.Get("intro"), Modules: f.All("modules"),
		Mode: f.Get("mode"), FieldStart: f.Get("field_start"), FieldEnd: f.Get("field_end"),
		Population: f.Get("target_population"), Unit: f.Get("unit"), RequireToken: f.Bool("require_token"),
	}
}

func surveyFormOf(sv Survey) *web.Form {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("organisation_id", idString(sv.OrgID))
	if sv.ServiceID != 0 {
		set("service_id", idString(sv.ServiceID))
	}
	set("code", sv.Code)
	set("title", sv.Title)
	set("intro", sv.Intro)
	v["modules"] = append([]string(nil), sv.Modules...)
	set("mode", sv.Mode)
	set("field_start", web.DateString(sv.FieldStart))
	set("field_end", web.DateString(sv.FieldEnd))
	set("target_population", sv.Population)
	set("unit", sv.Unit)
	if sv.RequireToken {
		set("require_token", "on")
	}
	return &web.Form{Values: v}
}

func (h *Web) surveyNew(w http.ResponseWriter, r *http.Request) error {
	if !authz.From(r.Context()).CanAny(authz.Manage) {
		return authz.ErrForbidden
	}
	page, err := h.surveyFormPage(r.Context(), nil, web.FormOf(map[string]string{"unit": UnitInteraction, "mode": "online"}))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "satisfaction/survey_form", page)
	return nil
}

func (h *Web) surveyCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !authz.From(ctx).CanAny(authz.Manage) {
		return authz.ErrForbidden
	}
	f := web.NewForm(r)
	var c valid.Checker
	in := surveyInputOf(f, &c)
	var sv Survey
	err := c.Err() // unreadable numbers: nothing is saved
	if err == nil {
		sv, err = h.Svc.CreateSurvey(ctx, in)
	}
	if _, ok := valid.As(err); ok {
		f.Errors, _ = valid.As(err)
		page, perr := h.surveyFormPage(ctx, nil, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "satisfaction/survey_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, sv.URL(), sv.Title+" is created as a draft. Add your own questions, then open it.")
}

func (h *Web) surveyEdit(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.pathSurvey(r, true)
	if err != nil {
		return err
	}
	page, err := h.surveyFormPage(r.Context(), &sv, surveyFormOf(sv))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "satisfaction/survey_form", page)
	return nil
}

func (h *Web) surveyUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	f := web.NewForm(r)
	var c valid.Checker
	in := surveyInputOf(f, &c)
	in.OrgID = 0 // the organisation stays
	before, err := h.Svc.SurveyForStaff(ctx, id)
	if err != nil {
		return err
	}
	var sv Survey
	if err = c.Err(); err != nil { // unreadable numbers: nothing is saved, if the change is allowed at all
		if _, merr := h.Svc.manageable(ctx, id, "survey.update"); merr != nil {
			return merr
		}
	} else {
		sv, err = h.Svc.UpdateSurvey(ctx, id, in)
	}
	if _, ok := valid.As(err); ok {
		f.Errors, _ = valid.As(err)
		page, perr := h.surveyFormPage(ctx, &before, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "satisfaction/survey_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	msg := "The survey is saved."
	if sv.Version > before.Version {
		msg += fmt.Sprintf(" The questions changed after responses came in, so they are now version %d; earlier responses keep the version they answered.", sv.Version)
	}
	return web.Redirect(w, r, sv.URL(), msg)
}

// pathSurvey loads the survey of the path's {id}: those who may not see it get 404; with
// manage, those who may see but not change it get 403.
func (h *Web) pathSurvey(r *http.Request, manage bool) (Survey, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return Survey{}, err
	}
	sv, err := h.Svc.SurveyForStaff(r.Context(), id)
	if err != nil {
		return Survey{}, err
	}
	if manage && !CanManageSurvey(authz.From(r.Context()), sv) {
		return Survey{}, authz.ErrForbidden
	}
	return sv, nil
}

// --- the survey's page ---

type statusMove struct {
	Status, Label, Note string
}

type surveyShowData struct {
	S         Survey
	CanManage bool
	Versions  []VersionInfo
	Responses int64
	Custom    int
	Targets   int
	Weighted  bool
	Moves     []statusMove
}

func (h *Web) surveyShowPage(r *http.Request, id int64) (web.Page, error) {
	ctx := r.Context()
	sv, err := h.Svc.SurveyForStaff(ctx, id)
	if err != nil {
		return web.Page{}, err
	}
	d := &surveyShowData{S: sv, CanManage: CanManageSurvey(authz.From(ctx), sv), Custom: len(CustomQuestions(sv.Questionnaire))}
	if d.Versions, err = h.Svc.Store.SurveyVersions(ctx, h.Svc.DB, id); err != nil {
		return web.Page{}, err
	}
	totals, err := h.Svc.Store.ResponseTotals(ctx, h.Svc.DB, []int64{id})
	if err != nil {
		return web.Page{}, err
	}
	d.Responses = totals[id]
	if d.Targets, err = h.Svc.Store.CountTargets(ctx, h.Svc.DB, id); err != nil {
		return web.Page{}, err
	}
	if _, d.Weighted, err = h.Svc.Store.WeightingOf(ctx, h.Svc.DB, id); err != nil {
		return web.Page{}, err
	}
	if !sv.Archived() {
		switch sv.Status {
		case StatusDraft:
			d.Moves = []statusMove{{StatusOpen, "Open the survey", "Opening makes the public form live at its address. The code can no longer change."}}
		case StatusOpen:
			d.Moves = []statusMove{{StatusClosed, "Close the survey", "Closing stops new responses; the results stay."}}
		case StatusClosed:
			d.Moves = []statusMove{{StatusOpen, "Reopen the survey", "Reopening takes responses again at the same address."}}
		}
	}
	return web.Page{Title: sv.Title, Data: d, Breadcrumbs: manageCrumbs(sv, "")}, nil
}

func (h *Web) surveyShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	page, err := h.surveyShowPage(r, id)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "satisfaction/survey_show", page)
	return nil
}

func (h *Web) surveyStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	sv, err := h.Svc.SetSurveyStatus(r.Context(), id, f.Get("status"))
	if _, ok := valid.As(err); ok {
		page, perr := h.surveyShowPage(r, id)
		if perr != nil {
			return perr
		}
		page.Form = f
		h.Render.Invalid(w, r, "satisfaction/survey_show", page, err)
		return nil
	} else if err != nil {
		return err
	}
	msg := map[string]string{
		StatusOpen:   "The survey is open: the public form takes responses at " + sv.PublicURL() + ".",
		StatusClosed: "The survey is closed: it takes no more responses. Its results stay.",
	}[sv.Status]
	return web.Redirect(w, r, sv.URL(), msg)
}

func (h *Web) surveyArchive(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	archive := r.PostFormValue("restore") == ""
	if err := h.Svc.ArchiveSurvey(r.Context(), id, archive); err != nil {
		return err
	}
	msg := "The survey is archived: it is closed and no longer listed."
	if !archive {
		msg = "The survey is restored. It stays closed until you reopen it."
	}
	return web.Redirect(w, r, "/surveys/"+idString(id), msg)
}

// --- questions ---

type questionRow struct {
	N           int
	Q           forms.Question
	Core        bool
	Index       int // among the custom questions; −1 for core, module and comment questions
	First, Last bool
	TypeLabel   string
	Details     []string
}

type questionsData struct {
	S             Survey
	CanManage     bool
	Rows          []questionRow
	CustomCount   int
	Types         []web.Option
	ShowIfOptions []web.Option
	Preview       template.HTML
	HasResponses  bool
	// Editing is the ID of the question being edited ("" when adding); EditN its number.
	Editing string
	EditN   int
	Action  string
}

// answerValues describes the answers a show-if may name for qu.
func answerValues(qu forms.Question) string {
	var vs []string
	switch qu.Type {
	case forms.Scale:
		vs = append(vs, fmt.Sprintf("%d to %d", qu.Min, qu.Max))
	case forms.Single, forms.Multiple:
		for _, o := range qu.Options {
			vs = append(vs, o.Value)
		}
	}
	if qu.NotApplicable {
		vs = append(vs, forms.NA)
	}
	return clipText(strings.Join(vs, ", "), 80)
}

func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func questionDetails(qu forms.Question) []string {
	var out []string
	switch qu.Type {
	case forms.Scale:
		d := fmt.Sprintf("Points %d to %d", qu.Min, qu.Max)
		if qu.Labels.Low != "" || qu.Labels.High != "" {
			d += fmt.Sprintf(" (%s … %s)", qu.Labels.Low, qu.Labels.High)
		}
		out = append(out, d)
	case forms.Single, forms.Multiple:
		var labels []string
		for _, o := range qu.Options {
			labels = append(labels, o.Label)
		}
		out = append(out, fmt.Sprintf("%d options: %s", len(qu.Options), clipText(strings.Join(labels, "; "), 120)))
	case forms.Number:
		if qu.Max > qu.Min {
			out = append(out, fmt.Sprintf("A number from %d to %d", qu.Min, qu.Max))
		}
	}
	if qu.NotApplicable {
		out = append(out, "Offers “Not applicable”")
	}
	if qu.IsRequired() {
		out = append(out, "Required")
	}
	if c := qu.ShowIf; c != nil {
		out = append(out, fmt.Sprintf("Shown only if %s is %s", c.Question, strings.Join(c.Equals, " or ")))
	}
	return out
}

// showIfOptions lists the questions before position n (from 0) that a show-if may name.
func showIfOptions(q forms.Questionnaire, n int) []web.Option {
	var out []web.Option
	for i, qu := range q.Questions {
		if i >= n {
			break
		}
		switch qu.Type {
		case forms.Single, forms.Multiple, forms.Scale:
			out = append(out, web.Option{Value: qu.ID, Label: fmt.Sprintf("%d. %s (answers: %s)", i+1, clipText(qu.Text, 60), answerValues(qu))})
		}
	}
	return out
}

func (h *Web) questionsPageData(ctx context.Context, sv Survey, editing string) (*questionsData, error) {
	d := &questionsData{S: sv, CanManage: CanManageSurvey(authz.From(ctx), sv), Types: CustomTypes, Editing: editing,
		Action: sv.URL() + "/questions"}
	offset := customOffset(sv)
	custom := CustomQuestions(sv.Questionnaire)
	d.CustomCount = len(custom)
	ci := 0
	for i, qu := range sv.Questionnaire.Questions {
		row := questionRow{N: i + 1, Q: qu, Core: IsCore(qu.ID), Index: -1, TypeLabel: optionLabel(CustomTypes, string(qu.Type)), Details: questionDetails(qu)}
		if !row.Core {
			row.Index, row.First, row.Last = ci, ci == 0, ci == len(custom)-1
			ci++
		}
		if qu.ID == editing {
			d.EditN = i + 1
		}
		d.Rows = append(d.Rows, row)
	}
	n := offset + len(custom) // a new question goes here
	if editing != "" {
		n = d.EditN - 1
		d.Action = sv.URL() + "/questions/" + editing
	}
	d.ShowIfOptions = showIfOptions(sv.Questionnaire, n)
	d.Preview = forms.Render(sv.Questionnaire, nil, nil)
	vs, err := h.Svc.Store.SurveyVersions(ctx, h.Svc.DB, sv.ID)
	if err != nil {
		return nil, err
	}
	if len(vs) > 0 && vs[0].Responses > 0 {
		d.HasResponses = true
	}
	return d, nil
}

// renderQuestions draws the questions page; with errors, status 422.
func (h *Web) renderQuestions(w http.ResponseWriter, r *http.Request, sv Survey, editing string, f *web.Form, err error) error {
	d, derr := h.questionsPageData(r.Context(), sv, editing)
	if derr != nil {
		return derr
	}
	here := "Questions"
	if editing != "" {
		here = "Edit question " + editing
	}
	page := web.Page{Title: here + " – " + sv.Title, Data: d, Form: f, Breadcrumbs: manageCrumbs(sv, here)}
	if editing != "" {
		page.Breadcrumbs = []web.Crumb{surveysCrumb, {Label: sv.Title, URL: sv.URL()}, {Label: "Questions", URL: sv.URL() + "/questions"}, {Label: "Edit " + editing}}
	}
	if err != nil {
		h.Render.Invalid(w, r, "satisfaction/survey_questions", page, err)
		return nil
	}
	h.Render.OK(w, r, "satisfaction/survey_questions", page)
	return nil
}

func (h *Web) questionsPage(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.pathSurvey(r, false)
	if err != nil {
		return err
	}
	return h.renderQuestions(w, r, sv, "", web.FormOf(map[string]string{"q.type": string(forms.Single)}), nil)
}

// The editor's fields are named "q.…": question IDs are lower case without dots, so the
// preview's fields (named by question ID) never clash with them.
var editorFields = map[string]string{
	"id": "q.id", "type": "q.type", "text": "q.text", "help": "q.help", "options": "q.options", "min": "q.min", "max": "q.max",
	"not_applicable": "q.na", "labels": "q.low", "show_if": "q.show_if", "max_length": "q.text", "required": "q.required",
}

// editorErrors keys the service's messages about custom question index by the editor's
// fields; other messages go to the top of the form.
func editorErrors(err error, index int) error {
	ve, ok := valid.As(err)
	if !ok {
		return err
	}
	out := valid.Errors{}
	prefix := fmt.Sprintf("questions[%d].", index)
	for k, m := range ve {
		if index >= 0 && strings.HasPrefix(k, prefix) {
			if f, ok := editorFields[strings.TrimPrefix(k, prefix)]; ok {
				out[f] = ownMessage(m)
				continue
			}
		}
		if strings.HasPrefix(k, "q.") {
			out[k] = m
			continue
		}
		out[""] = strings.TrimSpace(out[""] + " " + m)
	}
	return out
}

var numbered = regexp.MustCompile(`^(Custom q|Q)uestion \d+(: |, )`)

// ownMessage drops "Question 12: " from a message shown beside the question's own field
// (the number a new question will have is not on the page yet).
func ownMessage(m string) string {
	if loc := numbered.FindStringIndex(m); loc != nil {
		rest := m[loc[1]:]
		if rest != "" {
			r, n := utf8.DecodeRuneInString(rest)
			return string(unicode.ToUpper(r)) + rest[n:]
		}
	}
	return m
}

// questionOfForm reads the editor's form. id is the fixed ID of the question being edited, or
// "" to take (or suggest) one; earlier holds the questions before it (for show-if labels).
func questionOfForm(f *web.Form, id string, earlier forms.Questionnaire, taken func(string) bool) (forms.Question, valid.Errors) {
	errs := valid.Errors{}
	qu := forms.Question{Type: forms.Type(f.Get("q.type")), Text: f.Values.Get("q.text"), Help: f.Get("q.help"), Required: f.Bool("q.required")}
	if qu.ID = id; id == "" {
		qu.ID = strings.ToLower(f.Get("q.id"))
		if qu.ID == "" && strings.TrimSpace(qu.Text) != "" {
			qu.ID = SuggestQuestionID(qu.Text, taken)
		}
		if qu.ID == "" {
			errs["q.id"] = "Enter an ID, or the question's text to make one from."
		}
	}
	number := func(name string) (int, bool) {
		s := f.Get(name)
		if s == "" {
			return 0, false
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < -1000000 || n > 1000000 {
			errs[name] = "Enter a whole number, like 1 or 5."
		}
		return n, true
	}
	minV, hasMin := number("q.min")
	maxV, hasMax := number("q.max")
	switch qu.Type {
	case forms.Single, forms.Multiple:
		opts, msg := ParseOptions(f.Values.Get("q.options"))
		if msg != "" {
			errs["q.options"] = msg
		}
		qu.Options = opts
		qu.NotApplicable = f.Bool("q.na")
		if qu.Type == forms.Multiple {
			qu.Min, qu.Max = minV, maxV
		}
	case forms.Scale:
		qu.Min, qu.Max = minV, maxV
		if !hasMin && !hasMax {
			qu.Min, qu.Max = 1, 5
		}
		qu.NotApplicable = f.Bool("q.na")
		qu.Labels = forms.Anchors{Low: f.Get("q.low"), High: f.Get("q.high")}
	case forms.Number:
		qu.Min, qu.Max = minV, maxV
	}
	if ref := f.Get("q.show_if"); ref != "" {
		cond := &forms.Condition{Question: ref}
		refQ, _ := earlier.Question(ref)
		for _, v := range strings.FieldsFunc(f.Values.Get("q.show_values"), func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			// A label stands for its option's value.
			for _, o := range refQ.Options {
				if strings.EqualFold(o.Label, v) {
					v = o.Value
				}
			}
			if strings.EqualFold(v, forms.NALabel) {
				v = forms.NA
			}
			if !slices.Contains(cond.Equals, v) {
				cond.Equals = append(cond.Equals, v)
			}
		}
		qu.ShowIf = cond
	}
	if len(errs) == 0 {
		errs = nil
	}
	return qu, errs
}

// questionForm fills the editor from a question.
func questionForm(qu forms.Question) *web.Form {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q.type", string(qu.Type))
	set("q.id", qu.ID)
	set("q.text", qu.Text)
	set("q.help", qu.Help)
	if qu.Required {
		set("q.required", "on")
	}
	if len(qu.Options) > 0 {
		set("q.options", FormatOptions(qu.Options))
	}
	if qu.Min != 0 || qu.Max != 0 {
		set("q.min", strconv.Itoa(qu.Min))
		set("q.max", strconv.Itoa(qu.Max))
	}
	if qu.NotApplicable {
		set("q.na", "on")
	}
	set("q.low", qu.Labels.Low)
	set("q.high", qu.Labels.High)
	if qu.ShowIf != nil {
		set("q.show_if", qu.ShowIf.Question)
		set("q.show_values", strings.Join(qu.ShowIf.Equals, ", "))
	}
	return &web.Form{Values: v}
}

func versionNote(before, after Survey) string {
	if after.Version > before.Version {
		return fmt.Sprintf(" The survey already had responses, so its questions are now version %d; earlier responses keep the version they answered.", after.Version)
	}
	return ""
}

func (h *Web) questionAdd(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.pathSurvey(r, false)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	offset := customOffset(sv)
	n := offset + len(CustomQuestions(sv.Questionnaire))
	earlier := sv.Questionnaire
	earlier.Questions = earlier.Questions[:n]
	taken := func(id string) bool { _, ok := sv.Questionnaire.Question(id); return ok }
	qu, perrs := questionOfForm(f, "", earlier, taken)
	var after Survey
	if perrs != nil { // unreadable numbers: nothing is saved, if the change is allowed at all
		if _, err = h.Svc.manageable(r.Context(), sv.ID, "survey.questions"); err != nil {
			return err
		}
		err = perrs
	} else if after, err = h.Svc.AddQuestion(r.Context(), sv.ID, qu); err != nil {
		err = editorErrors(err, n-offset)
	}
	if _, ok := valid.As(err); ok {
		return h.renderQuestions(w, r, sv, "", f, err)
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, sv.URL()+"/questions#q-"+qu.ID, "The question “"+qu.ID+"” is added."+versionNote(sv, after))
}

func (h *Web) questionEdit(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.pathSurvey(r, true)
	if err != nil {
		return err
	}
	qid := r.PathValue("question_id")
	qu, ok := sv.Questionnaire.Question(qid)
	if !ok || IsCore(qid) {
		return db.ErrNotFound
	}
	return h.renderQuestions(w, r, sv, qid, questionForm(qu), nil)
}

func (h *Web) questionSave(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.pathSurvey(r, false)
	if err != nil {
		return err
	}
	qid := r.PathValue("question_id")
	custom := CustomQuestions(sv.Questionnaire)
	index := indexOf(custom, qid)
	if index < 0 {
		return db.ErrNotFound
	}
	f := web.NewForm(r)
	offset := customOffset(sv)
	earlier := sv.Questionnaire
	earlier.Questions = earlier.Questions[:offset+index]
	qu, perrs := questionOfForm(f, qid, earlier, func(string) bool { return false })
	var after Survey
	if perrs != nil { // unreadable numbers: nothing is saved, if the change is allowed at all
		if _, err = h.Svc.manageable(r.Context(), sv.ID, "survey.questions"); err != nil {
			return err
		}
		err = perrs
	} else if after, err = h.Svc.UpdateQuestion(r.Context(), sv.ID, qid, qu); err != nil {
		err = editorErrors(err, index)
	}
	if _, ok := valid.As(err); ok {
		f.Values.Set("q.id", qid)
		return h.renderQuestions(w, r, sv, qid, f, err)
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, sv.URL()+"/questions#q-"+qid, "The question “"+qid+"” is saved."+versionNote(sv, after))
}

func (h *Web) questionMove(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.pathSurvey(r, false)
	if err != nil {
		return err
	}
	qid := r.PathValue("question_id")
	delta := 0
	switch r.PostFormValue("direction") {
	case "up":
		delta = -1
	case "down":
		delta = 1
	}
	after, err := h.Svc.MoveQuestion(r.Context(), sv.ID, qid, delta)
	if _, ok := valid.As(err); ok {
		return h.renderQuestions(w, r, sv, "", web.FormOf(map[string]string{"q.type": string(forms.Single)}), editorErrors(err, -1))
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, sv.URL()+"/questions#q-"+qid, "The question “"+qid+"” is moved."+versionNote(sv, after))
}

func (h *Web) questionDelete(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.pathSurvey(r, false)
	if err != nil {
		return err
	}
	qid := r.PathValue("question_id")
	after, err := h.Svc.DeleteQuestion(r.Context(), sv.ID, qid)
	if _, ok := valid.As(err); ok {
		return h.renderQuestions(w, r, sv, "", web.FormOf(map[string]string{"q.type": string(forms.Single)}), editorErrors(err, -1))
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, sv.URL()+"/questions", "The question “"+qid+"” is deleted."+versionNote(sv, after))
}

// --- targets ---

type targetRow struct {
	Target
	QuestionText string
	Gone         bool
	Range        string
}

type targetsData struct {
	S         Survey
	CanManage bool
	Rows      []targetRow
	Questions []web.Option
	Metrics   []web.Option
	Editing   int64
	Action    string
}

func metricQuestions(q forms.Questionnaire) []web.Option {
	var out []web.Option
	for i, qu := range q.Questions {
		ms := MetricsOf(qu)
		if len(ms) == 0 {
			continue
		}
		names := make([]string, len(ms))
		for j, m := range ms {
			names[j] = string(m)
		}
		out = append(out, web.Option{Value: qu.ID, Label: fmt.Sprintf("%d. %s (%s)", i+1, clipText(qu.Text, 70), strings.Join(names, ", "))})
	}
	return out
}

func (h *Web) renderTargets(w http.ResponseWriter, r *http.Request, id, editing int64, f *web.Form, err error) error {
	ctx := r.Context()
	sv, ts, lerr := h.Svc.TargetsOf(ctx, id)
	if lerr != nil {
		return lerr
	}
	d := &targetsData{S: sv, CanManage: CanManageSurvey(authz.From(ctx), sv), Questions: metricQuestions(sv.Questionnaire),
		Metrics: MetricOptions, Editing: editing, Action: sv.URL() + "/targets"}
	if editing != 0 {
		d.Action = sv.URL() + "/targets/" + idString(editing)
	}
	for _, t := range ts {
		row := targetRow{Target: t}
		lo, hi := MetricRange(t.Metric)
		row.Range = formatNumber(lo) + " to " + formatNumber(hi)
		if qu, ok := sv.Questionnaire.Question(t.Question); ok {
			row.QuestionText = qu.Text
		} else {
			row.Gone = true
		}
		d.Rows = append(d.Rows, row)
	}
	here := "Targets"
	crumbs := manageCrumbs(sv, here)
	if editing != 0 {
		crumbs = []web.Crumb{surveysCrumb, {Label: sv.Title, URL: sv.URL()}, {Label: "Targets", URL: sv.URL() + "/targets"}, {Label: "Edit target"}}
	}
	page := web.Page{Title: here + " – " + sv.Title, Data: d, Form: f, Breadcrumbs: crumbs}
	if err != nil {
		h.Render.Invalid(w, r, "satisfaction/survey_targets", page, err)
		return nil
	}
	h.Render.OK(w, r, "satisfaction/survey_targets", page)
	return nil
}

func (h *Web) targetsPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderTargets(w, r, id, 0, web.FormOf(map[string]string{"question": QOverall, "metric": string(MetricIndex)}), nil)
}

func targetInputOf(f *web.Form) (TargetInput, valid.Errors) {
	errs := valid.Errors{}
	in := TargetInput{Label: f.Get("label"), Metric: f.Get("metric"), Question: f.Get("question"),
		BaselinePeriod: f.Get("baseline_period"), Due: f.Get("due")}
	var ok bool
	if in.Baseline, ok = formNumber(f.Get("baseline")); !ok {
		errs["baseline"] = "Enter the baseline as a number, like 72.5."
	}
	if in.Target, ok = formNumber(f.Get("target")); !ok {
		errs["target"] = "Enter the target as a number, like 80."
	}
	if len(errs) == 0 {
		errs = nil
	}
	return in, errs
}

func targetForm(t Target) *web.Form {
	return web.FormOf(map[string]string{"label": t.Label, "metric": string(t.Metric), "question": t.Question,
		"baseline": formatNumber(t.Baseline), "baseline_period": t.BaselinePeriod, "target": formatNumber(t.Target),
		"due": web.DateString(t.Due)})
}

func (h *Web) targetAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in, perrs := targetInputOf(f)
	t, err := h.Svc.AddTarget(r.Context(), id, in)
	if _, ok := valid.As(err); ok {
		return h.renderTargets(w, r, id, 0, f, merge(err, perrs))
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/surveys/"+idString(id)+"/targets", "The target “"+t.Label+"” is added.")
}

func (h *Web) pathTarget(r *http.Request) (int64, int64, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	tid, err := web.PathID(r, "target_id")
	return id, tid, err
}

func (h *Web) targetEdit(w http.ResponseWriter, r *http.Request) error {
	id, tid, err := h.pathTarget(r)
	if err != nil {
		return err
	}
	if _, err := h.pathSurvey(r, true); err != nil {
		return err
	}
	t, err := h.Svc.Store.TargetByID(r.Context(), h.Svc.DB, id, tid)
	if err != nil {
		return err
	}
	return h.renderTargets(w, r, id, tid, targetForm(t), nil)
}

func (h *Web) targetSave(w http.ResponseWriter, r *http.Request) error {
	id, tid, err := h.pathTarget(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in, perrs := targetInputOf(f)
	t, err := h.Svc.UpdateTarget(r.Context(), id, tid, in)
	if _, ok := valid.As(err); ok {
		return h.renderTargets(w, r, id, tid, f, merge(err, perrs))
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/surveys/"+idString(id)+"/targets", "The target “"+t.Label+"” is saved.")
}

func (h *Web) targetDelete(w http.ResponseWriter, r *http.Request) error {
	id, tid, err := h.pathTarget(r)
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteTarget(r.Context(), id, tid); err != nil {
		return err
	}
	return web.Redirect(w, r, "/surveys/"+idString(id)+"/targets", "The target is deleted.")
}

// --- publishing ---

type publishingData struct {
	S         Survey
	CanManage bool
	Questions []web.Option
	Withheld  []string // questions never published
	MinCell   int
}

func (h *Web) renderPublishing(w http.ResponseWriter, r *http.Request, sv Survey, f *web.Form, err error) error {
	d := &publishingData{S: sv, CanManage: CanManageSurvey(authz.From(r.Context()), sv), MinCell: MinCell}
	for i, qu := range sv.Questionnaire.Questions {
		if Publishable(qu) {
			d.Questions = append(d.Questions, web.Option{Value: qu.ID, Label: fmt.Sprintf("%d. %s", i+1, qu.Text)})
		} else {
			d.Withheld = append(d.Withheld, fmt.Sprintf("%d. %s", i+1, qu.Text))
		}
	}
	page := web.Page{Title: "Public results – " + sv.Title, Data: d, Form: f, Breadcrumbs: manageCrumbs(sv, "Public results")}
	if err != nil {
		h.Render.Invalid(w, r, "satisfaction/survey_publishing", page, err)
		return nil
	}
	h.Render.OK(w, r, "satisfaction/survey_publishing", page)
	return nil
}

func (h *Web) publishingPage(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.pathSurvey(r, false)
	if err != nil {
		return err
	}
	v := url.Values{"published_questions": sv.PublishedQuestions}
	if sv.PublishResults {
		v.Set("publish_results", "on")
	}
	return h.renderPublishing(w, r, sv, &web.Form{Values: v}, nil)
}

func (h *Web) publishingSave(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.pathSurvey(r, false)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	after, err := h.Svc.SetPublishing(r.Context(), sv.ID, PublishingInput{Publish: f.Bool("publish_results"), Questions: f.All("published_questions")})
	if _, ok := valid.As(err); ok {
		return h.renderPublishing(w, r, sv, f, err)
	} else if err != nil {
		return err
	}
	msg := "The results are not published."
	if after.PublishResults {
		msg = fmt.Sprintf("The results of %d questions are published at %s/results, with groups under %d responses withheld.", len(after.PublishedQuestions), after.PublicURL(), MinCell)
	}
	return web.Redirect(w, r, sv.URL(), msg)
}

// --- weighting ---

type weightCell struct {
	ID, Name, Label, Value string
}

type weightVarView struct {
	ID, Label, Kind, Error string
	Index                  int
	Used                   bool
	Cells                  []weightCell
}

type weightingData struct {
	S         Survey
	CanManage bool
	Vars      []weightVarView
	Set       bool
	UpdatedAt time.Time
	MinCell   int
}

// weightingForm is the form of a stored weighting.
func weightingForm(wt Weighting, set bool) *web.Form {
	v := url.Values{}
	v.Set("trim", formatNumber(wt.Trim))
	if !set {
		return &web.Form{Values: v}
	}
	for _, m := range wt.Margins {
		v.Add("use", m.Variable)
		v.Set("kind."+m.Variable, m.Entered)
		for _, c := range m.Categories {
			x := c.Population
			if m.Entered == "counts" {
				x = c.Count
			}
			v.Set("v."+m.Variable+"."+c.Value, strconv.FormatFloat(x, 'f', -1, 64))
		}
	}
	return &web.Form{Values: v}
}

func (h *Web) renderWeighting(w http.ResponseWriter, r *http.Request, id int64, f *web.Form, err error) error {
	ctx := r.Context()
	sv, wt, set, vars, lerr := h.Svc.WeightingFor(ctx, id)
	if lerr != nil {
		return lerr
	}
	if f == nil {
		f = weightingForm(wt, set)
	}
	ve, _ := valid.As(err)
	d := &weightingData{S: sv, CanManage: CanManageSurvey(authz.From(ctx), sv), Set: set, UpdatedAt: wt.UpdatedAt, MinCell: MinCell}
	for i, v := range vars {
		view := weightVarView{ID: v.ID, Label: v.Label, Index: i, Used: f.Has("use", v.ID), Kind: f.Get("kind." + v.ID), Error: ve[MarginError(v.ID)]}
		if view.Kind != "counts" {
			view.Kind = "shares"
		}
		for j, c := range v.Categories {
			name := "v." + v.ID + "." + c.Value
			view.Cells = append(view.Cells, weightCell{ID: fmt.Sprintf("f-w%d-%d", i, j), Name: name, Label: c.Label, Value: f.Values.Get(name)})
		}
		d.Vars = append(d.Vars, view)
	}
	page := web.Page{Title: "Weighting – " + sv.Title, Data: d, Form: f, Breadcrumbs: manageCrumbs(sv, "Weighting")}
	if err != nil {
		h.Render.Invalid(w, r, "satisfaction/survey_weighting", page, err)
		return nil
	}
	h.Render.OK(w, r, "satisfaction/survey_weighting", page)
	return nil
}

func (h *Web) weightingPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderWeighting(w, r, id, nil, nil)
}

func (h *Web) weightingSave(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	sv, _, _, vars, err := h.Svc.WeightingFor(ctx, id)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	perrs := valid.Errors{}
	var in WeightingInput
	if t, ok := formNumber(f.Get("trim")); !ok {
		perrs["trim"] = "Enter the trimming cap as a number, like 5."
	} else {
		in.Trim = t
	}
	for _, v := range vars {
		if !f.Has("use", v.ID) {
			continue
		}
		values := map[string]float64{}
		for _, c := range v.Categories {
			x, ok := formNumber(f.Get("v." + v.ID + "." + c.Value))
			switch {
			case !ok:
				perrs[MarginError(v.ID)] = fmt.Sprintf("%s: enter numbers, like 12.5, or leave a category empty.", v.Label)
			case x != nil:
				values[c.Value] = *x
			}
		}
		m := WeightMarginInput{Variable: v.ID}
		if f.Get("kind."+v.ID) == "counts" {
			m.Counts = values
		} else {
			m.Shares = values
		}
		in.Margins = append(in.Margins, m)
	}
	var wt Weighting
	if len(perrs) > 0 { // unreadable numbers: nothing is saved, if the change is allowed at all
		if _, err = h.Svc.manageable(ctx, id, "survey.weighting"); err != nil {
			return err
		}
		err = perrs
	} else {
		wt, err = h.Svc.SetWeighting(ctx, id, in)
	}
	if _, ok := valid.As(err); ok {
		return h.renderWeighting(w, r, id, f, err)
	} else if err != nil {
		return err
	}
	msg := "The survey is no longer weighted: its figures are unweighted."
	if len(wt.Margins) > 0 {
		msg = fmt.Sprintf("The weighting is saved: responses are weighted to %d population margins, with weights capped at %s × the mean.", len(wt.Margins), formatNumber(wt.Trim))
	}
	return web.Redirect(w, r, sv.URL()+"/weighting", msg)
}
