package maturity

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

var assessmentsCrumb = web.Crumb{Label: "Self-assessments", URL: "/assessments"}

// assessmentRoutes registers the pages and API of assessments. Every route needs an account;
// the service checks each assessment (those who may not see one get 404).
func (h *Web) assessmentRoutes(rt *web.Router) {
	rt.Page("GET", "/assessments", web.SignedIn, h.assessmentList)
	rt.Page("GET", "/assessments/new", web.SignedIn, h.assessmentNew)
	rt.Page("POST", "/assessments", web.SignedIn, h.assessmentCreate)
	rt.Page("GET", "/assessments/{id}", web.SignedIn, h.assessmentShow)
	rt.Page("POST", "/assessments/{id}/respondents", web.SignedIn, h.assessmentInvite)
	rt.Page("POST", "/assessments/{id}/respondents/{user_id}/delete", web.SignedIn, h.assessmentUninvite)
	rt.Page("GET", "/assessments/{id}/respond", web.SignedIn, h.respondForm)
	rt.Page("POST", "/assessments/{id}/respond", web.SignedIn, h.respondSave)
	rt.Page("POST", "/assessments/{id}/submit", web.SignedIn, h.respondSubmit)
	rt.Page("GET", "/assessments/{id}/reconcile", web.SignedIn, h.reconcilePage)
	rt.Page("POST", "/assessments/{id}/agreed", web.SignedIn, h.agreedSave)
	rt.Page("POST", "/assessments/{id}/status", web.SignedIn, h.assessmentStatus)
	rt.Page("POST", "/assessments/{id}/benchmark", web.SignedIn, h.assessmentBenchmark)
	h.assessmentAPIRoutes(rt)
}

func assessmentURL(id int64, rest ...string) string {
	return "/assessments/" + strconv.FormatInt(id, 10) + strings.Join(rest, "")
}

func assessmentCrumbs(a Assessment, here string) []web.Crumb {
	if here == "" {
		return []web.Crumb{assessmentsCrumb, {Label: a.Title}}
	}
	return []web.Crumb{assessmentsCrumb, {Label: a.Title, URL: assessmentURL(a.ID)}, {Label: here}}
}

// StatusLabel names a status for people.
func StatusLabel(s string) string {
	switch s {
	case StatusOpen:
		return "Open for answers"
	case StatusReconciling:
		return "Reconciling"
	case StatusClosed:
		return "Closed"
	}
	return s
}

// PeriodText is the assessment's period for people: "1 Jul 2024 – 30 Jun 2025".
func (a Assessment) PeriodText() string {
	f := func(t interface{ Format(string) string }) string { return t.Format("2 Jan 2006") }
	switch {
	case a.PeriodStart.IsZero() && a.PeriodEnd.IsZero():
		return ""
	case a.PeriodEnd.IsZero():
		return "from " + f(a.PeriodStart)
	case a.PeriodStart.IsZero():
		return "to " + f(a.PeriodEnd)
	}
	return f(a.PeriodStart) + " – " + f(a.PeriodEnd)
}

// StatusLabel is the status for people.
func (a Assessment) StatusLabel() string { return StatusLabel(a.Status) }

// --- list ---

type assessmentRow struct {
	Assessment
	Role     string // what the viewer does in it
	Progress string
}

type assessmentListData struct {
	Rows      []assessmentRow
	CanCreate bool
}

func (h *Web) assessmentList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := authz.From(ctx)
	list, err := h.Svc.Assessments(ctx, AssessmentFilter{})
	if err != nil {
		return err
	}
	mine, err := h.Svc.Store.MyRespondents(ctx, h.Svc.DB, p.UserID)
	if err != nil {
		return err
	}
	d := assessmentListData{CanCreate: p.CanAny(authz.Manage)}
	for _, a := range list {
		row := assessmentRow{Assessment: a}
		var roles []string
		if a.FacilitatorID == p.UserID {
			roles = append(roles, "Facilitator")
		}
		if rs, ok := mine[a.ID]; ok {
			roles = append(roles, "Respondent")
			switch {
			case rs.Submitted():
				row.Progress = fmt.Sprintf("Done: %d answered", rs.Answered)
			default:
				row.Progress = fmt.Sprintf("%d answered", rs.Answered)
			}
		}
		if len(roles) == 0 {
			if CanFacilitate(p, a) {
				roles = append(roles, "Manager")
			} else {
				roles = append(roles, "Member")
			}
		}
		row.Role = strings.Join(roles, ", ")
		d.Rows = append(d.Rows, row)
	}
	h.Render.OK(w, r, "maturity/assessment_list", web.Page{Title: "Self-assessments", Data: d,
		Breadcrumbs: []web.Crumb{{Label: "Self-assessments"}}})
	return nil
}

// --- new ---

type assessmentFormData struct {
	Orgs         []web.Option
	Frameworks   []web.Option
	SubjectKinds []web.Option
}

var subjectKindOptions = []web.Option{
	{Value: "organisation", Label: "The whole organisation"},
	{Value: "program", Label: "A program or initiative"},
	{Value: "engagement", Label: "An engagement"},
}

func (h *Web) assessmentFormPage(ctx context.Context, f *web.Form) (web.Page, error) {
	p := authz.From(ctx)
	d := assessmentFormData{SubjectKinds: subjectKindOptions}
	orgs, err := h.Svc.Dir.Orgs(ctx, directory.ListFilter{})
	if err != nil {
		return web.Page{}, err
	}
	for _, o := range orgs {
		if CanCreateAssessment(p, o.ID) {
			d.Orgs = append(d.Orgs, web.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.DisplayName()})
		}
	}
	fws, err := h.Svc.Frameworks(ctx)
	if err != nil {
		return web.Page{}, err
	}
	for _, fw := range fws {
		label := fw.Title + " (version " + fw.Version + ")"
		if fw.Pack != nil {
			label += fmt.Sprintf(", %d items", len(fw.Pack.Items()))
		}
		d.Frameworks = append(d.Frameworks, web.Option{Value: strconv.FormatInt(fw.ID, 10), Label: label})
	}
	if f.Get("organisation_id") == "" && len(d.Orgs) == 1 {
		f.Values.Set("organisation_id", d.Orgs[0].Value)
	}
	return web.Page{Title: "Start a self-assessment", Form: f, Data: d,
		Breadcrumbs: []web.Crumb{assessmentsCrumb, {Label: "Start a self-assessment"}}}, nil
}

func (h *Web) assessmentNew(w http.ResponseWriter, r *http.Request) error {
	if !authz.From(r.Context()).CanAny(authz.Manage) {
		return authz.ErrForbidden
	}
	page, err := h.assessmentFormPage(r.Context(), web.FormOf(map[string]string{"subject_kind": "organisation"}))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "maturity/assessment_form", page)
	return nil
}

// assessmentFormID reads an optional ID; anything but a positive whole number is an error on field.
func assessmentFormID(f *web.Form, name string, c *valid.Checker, msg string) int64 {
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

func (h *Web) assessmentCreate(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	var c valid.Checker
	in := AssessmentInput{
		OrgID:       assessmentFormID(f, "organisation_id", &c, "Choose an organisation from the list."),
		FrameworkID: assessmentFormID(f, "framework_id", &c, "Choose a framework from the list."),
		Title:       f.Get("title"), SubjectKind: f.Get("subject_kind"),
		SubjectID:   assessmentFormID(f, "subject_id", &c, "Enter the number of the program or engagement, a whole number."),
		PeriodStart: f.Get("period_start"), PeriodEnd: f.Get("period_end"), Facilitator: f.Get("facilitator"),
	}
	err := c.Err()
	var a Assessment
	if err == nil {
		a, err = h.Svc.CreateAssessment(r.Context(), in)
	}
	if _, ok := valid.As(err); ok {
		page, perr := h.assessmentFormPage(r.Context(), f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "maturity/assessment_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, assessmentURL(a.ID), a.Title+" is started. Invite the respondents next.")
}

// --- overview ---

type assessmentShowData struct {
	A              Assessment
	Framework      Framework
	Items          int
	Respondents    []Respondent
	Me             *Respondent
	Submitted      int
	CanFacilitate  bool
	CanBenchmark   bool
	MaySeeResults  bool
	ResultsURL     string
	ShowEmails     bool
	NextDimension  string // where the respondent resumes
	InviteForm     *web.Form
	StatusForm     *web.Form
	MissingAgreed  int
	Disagreements  int
	Reconciliation bool
}

func (h *Web) assessmentShowPage(r *http.Request, id int64) (web.Page, error) {
	ctx := r.Context()
	a, err := h.Svc.Assessment(ctx, id)
	if err != nil {
		return web.Page{}, err
	}
	p := authz.From(ctx)
	fw, err := h.Svc.Framework(ctx, a.FrameworkID)
	if err != nil {
		return web.Page{}, err
	}
	rs, err := h.Svc.Respondents(ctx, a)
	if err != nil {
		return web.Page{}, err
	}
	d := assessmentShowData{A: a, Framework: fw, Respondents: rs, CanFacilitate: CanFacilitate(p, a), CanBenchmark: CanSetBenchmark(p, a),
		ResultsURL: assessmentURL(a.ID, "/results")}
	d.ShowEmails = d.CanFacilitate
	if fw.Pack != nil {
		d.Items = len(fw.Pack.Items())
	}
	for i := range rs {
		if rs[i].Submitted() {
			d.Submitted++
		}
		if rs[i].UserID == p.UserID {
			d.Me = &rs[i]
		}
	}
	if d.MaySeeResults, err = h.Svc.MaySeeResults(ctx, a); err != nil {
		return web.Page{}, err
	}
	if d.Me != nil && fw.Pack != nil {
		mine, err := h.Svc.Store.Answers(ctx, h.Svc.DB, a.ID, p.UserID)
		if err != nil {
			return web.Page{}, err
		}
		d.NextDimension = respondResumeDimension(fw.Pack, mine)
	}
	if d.CanFacilitate && a.Status != StatusOpen {
		rec, err := h.Svc.Reconciliation(ctx, a.ID)
		if err != nil {
			return web.Page{}, err
		}
		d.Reconciliation, d.MissingAgreed, d.Disagreements = true, len(rec.Missing()), rec.Disagreements
	}
	return web.Page{Title: a.Title, Data: &d, Breadcrumbs: assessmentCrumbs(a, "")}, nil
}

// respondResumeDimension is the first top dimension with an unanswered item ("" when all answered).
func respondResumeDimension(p *Pack, mine map[string]Answer) string {
	for _, it := range p.Items() {
		if mine[it.ID].Current == "" && len(it.Path) > 0 {
			return it.Path[0]
		}
	}
	return ""
}

func (h *Web) assessmentShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	page, err := h.assessmentShowPage(r, id)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "maturity/assessment_show", page)
	return nil
}

// showInvalid renders the overview again with a form's errors (invite, status).
func (h *Web) showInvalid(w http.ResponseWriter, r *http.Request, id int64, f *web.Form, which string, err error) error {
	page, perr := h.assessmentShowPage(r, id)
	if perr != nil {
		return perr
	}
	ve, _ := valid.As(err)
	f.Errors = ve
	d := page.Data.(*assessmentShowData)
	switch which {
	case "invite":
		d.InviteForm = f
	case "status":
		d.StatusForm = f
	}
	page.Form = f
	h.Render.Render(w, r, http.StatusUnprocessableEntity, "maturity/assessment_show", page)
	return nil
}

func (h *Web) assessmentInvite(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	rs, err := h.Svc.InviteRespondent(r.Context(), id, f.Get("email"))
	if _, ok := valid.As(err); ok {
		return h.showInvalid(w, r, id, f, "invite", err)
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, assessmentURL(id)+"#respondents", rs.Name+" is invited.")
}

func (h *Web) assessmentUninvite(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	userID, err := web.PathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := h.Svc.RemoveRespondent(r.Context(), id, userID); err != nil {
		return err
	}
	return web.Redirect(w, r, assessmentURL(id)+"#respondents", "The respondent is removed, with their answers.")
}

func (h *Web) assessmentStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	a, err := h.Svc.SetStatus(r.Context(), id, f.Get("status"))
	if _, ok := valid.As(err); ok {
		return h.showInvalid(w, r, id, f, "status", err)
	} else if err != nil {
		return err
	}
	msg := map[string]string{
		StatusOpen:        "The assessment is open again: respondents can change their answers.",
		StatusReconciling: "Respondents can no longer change their answers: agree an answer for each item.",
		StatusClosed:      "The assessment is closed: its results are final.",
	}[a.Status]
	return web.Redirect(w, r, assessmentURL(id), msg)
}

func (h *Web) assessmentBenchmark(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	a, err := h.Svc.SetBenchmark(r.Context(), id, f.Bool("opt_in"))
	if err != nil {
		return err
	}
	msg := "These results are kept out of benchmarks."
	if a.BenchmarkOptIn {
		msg = "These results may count, without the organisation's name, in benchmarks of five or more organisations."
	}
	return web.Redirect(w, r, assessmentURL(id), msg)
}

// --- respond ---

// respondChoice is one radio button.
type respondChoice struct {
	ID, Value, Label, Descriptor string
	Checked                      bool
	Special                      bool // not applicable, don't know, unanswered
}

// respondItem is one item of the respond form.
type respondItem struct {
	ID, Number, Statement, Guidance string
	Checklist                       []string
	Current, Target                 []respondChoice
	Evidence, Links                 string
	NeedsImprovement                bool
	Errors                          map[string]string // field → message
	// Read-only rendering: the chosen labels.
	CurrentLabel, TargetLabel string
}

// Field is the form name of one of the item's fields.
func (it respondItem) Field(name string) string { return AnswerField(it.ID, name) }

// Err is the message of one of the item's fields.
func (it respondItem) Err(name string) string { return it.Errors[name] }

// HasErrors reports whether any of the item's fields has a message.
func (it respondItem) HasErrors() bool { return len(it.Errors) > 0 }

type respondSection struct {
	ID, Title, Description string
	Sub                    bool
	Items                  []respondItem
}

type respondTab struct {
	ID, Title, URL  string
	Number          int
	Answered, Total int
	Current         bool
}

type respondData struct {
	A         Assessment
	Dims      []respondTab
	Dim       respondTab
	Next      *respondTab
	Prev      *respondTab
	Sections  []respondSection
	ItemIDs   []string
	Answered  int
	Total     int
	Submitted bool
	ReadOnly  bool
	Reason    string // why the answers cannot be changed
}

// ChoiceLabel names a choice of an answer set for people.
func ChoiceLabel(set AnswerSet, choice string) string {
	switch choice {
	case "":
		return "Not answered"
	case NotApplicable:
		return "Not applicable"
	case DontKnow:
		return "Don't know"
	}
	for _, o := range set.Options {
		if o.Key() == choice {
			return o.Label
		}
	}
	return choice
}

// respondChoiceViews builds an item's radio buttons for field, checked from the form.
// targetLabel names a target choice: an unset target is "Not set".
func targetLabel(set AnswerSet, choice string) string {
	if choice == "" {
		return "Not set"
	}
	return ChoiceLabel(set, choice)
}

func respondChoiceViews(it Item, set AnswerSet, field string, f *web.Form, descriptors bool, target bool) []respondChoice {
	chosen := f.Get(field)
	var out []respondChoice
	for i, o := range set.Options {
		c := respondChoice{Value: o.Key(), Label: o.Label, Checked: chosen == o.Key()}
		if descriptors && i < len(it.Descriptors) {
			c.Descriptor = it.Descriptors[i]
		}
		out = append(out, c)
	}
	if set.NotApplicable {
		d := "This does not apply here; it is left out of the score."
		if target {
			d = ""
		}
		out = append(out, respondChoice{Value: NotApplicable, Label: "Not applicable", Descriptor: d, Checked: chosen == NotApplicable, Special: true})
	}
	if set.DontKnow && !target {
		d := "You cannot say; it is left out of the score."
		out = append(out, respondChoice{Value: DontKnow, Label: "Don't know", Descriptor: d, Checked: chosen == DontKnow, Special: true})
	}
	unanswered := "Not answered yet"
	if target {
		unanswered = "No target set"
	}
	out = append(out, respondChoice{Value: "", Label: unanswered, Checked: chosen == "" || !respondValidChoice(set, chosen), Special: true})
	for i := range out {
		// The first radio carries the field's ID, so that the error summary's link lands on it.
		out[i].ID = "f-" + field
		if i > 0 {
			out[i].ID += "-" + strconv.Itoa(i)
		}
	}
	return out
}

func respondValidChoice(set AnswerSet, c string) bool {
	for _, x := range answerSetChoices(set) {
		if x == c {
			return true
		}
	}
	return false
}

// respondAnswerForm fills a form with saved answers.
func respondAnswerForm(answers map[string]Answer) *web.Form {
	v := url.Values{}
	for k, a := range answers {
		v.Set(AnswerField(k, "current"), a.Current)
		v.Set(AnswerField(k, "target"), a.Target)
		v.Set(AnswerField(k, "evidence"), a.Evidence)
		v.Set(AnswerField(k, "links"), strings.Join(a.Links, "\n"))
		if a.NeedsImprovement {
			v.Set(AnswerField(k, "needs_improvement"), "on")
		}
	}
	return &web.Form{Values: v}
}

// respondTopDimension finds a top-level dimension by ID (the first when id is "").
func respondTopDimension(p *Pack, id string) (Dimension, int, bool) {
	for i, d := range p.Dimensions {
		if id == "" || d.ID == id {
			return d, i, true
		}
	}
	return Dimension{}, 0, false
}

// respondPage builds the respond form for one dimension from f (saved or submitted values).
func (h *Web) respondPage(ctx context.Context, a Assessment, dimID string, f *web.Form) (web.Page, error) {
	pk, err := h.Svc.Pack(ctx, a)
	if err != nil {
		return web.Page{}, err
	}
	mine, err := h.Svc.MyAnswers(ctx, a)
	if err != nil {
		return web.Page{}, err
	}
	dim, idx, ok := respondTopDimension(pk, dimID)
	if !ok {
		return web.Page{}, &api.BadRequest{Status: http.StatusNotFound, Msg: "This framework has no such dimension."}
	}
	if f == nil {
		f = respondAnswerForm(mine.Answers)
	}
	d := respondData{A: a, Submitted: mine.Respondent.Submitted()}
	switch {
	case a.Status != StatusOpen:
		d.ReadOnly, d.Reason = true, "The assessment is "+strings.ToLower(a.StatusLabel())+": answers can no longer change."
	case d.Submitted:
		d.ReadOnly, d.Reason = true, "You have marked your answers done. Reopen them to change anything."
	}
	// Tabs: one per top dimension, with its progress.
	for i, td := range pk.Dimensions {
		t := respondTab{ID: td.ID, Title: td.Title, Number: i + 1, URL: assessmentURL(a.ID, "/respond?dimension="+url.QueryEscape(td.ID)), Current: i == idx}
		for _, it := range (&Pack{Dimensions: []Dimension{td}}).Items() {
			t.Total++
			if mine.Answers[it.ID].Current != "" {
				t.Answered++
			}
		}
		d.Answered += t.Answered
		d.Total += t.Total
		d.Dims = append(d.Dims, t)
	}
	d.Dim = d.Dims[idx]
	if idx > 0 {
		d.Prev = &d.Dims[idx-1]
	}
	if idx+1 < len(d.Dims) {
		d.Next = &d.Dims[idx+1]
	}
	n := 0
	var walk func(ds Dimension, sub bool)
	walk = func(ds Dimension, sub bool) {
		sec := respondSection{ID: ds.ID, Title: ds.Title, Description: ds.Description, Sub: sub}
		for _, it := range ds.Items {
			n++
			set, _ := pk.AnswerSetOf(it)
			iv := respondItem{ID: it.ID, Number: fmt.Sprintf("%d.%d", idx+1, n), Statement: it.Statement, Guidance: it.Guidance,
				Checklist: it.Evidence, Errors: map[string]string{}}
			iv.Current = respondChoiceViews(it, set, iv.Field("current"), f, true, false)
			iv.Target = respondChoiceViews(it, set, iv.Field("target"), f, false, true)
			iv.Evidence = f.Values.Get(iv.Field("evidence"))
			iv.Links = f.Values.Get(iv.Field("links"))
			iv.NeedsImprovement = f.Bool(iv.Field("needs_improvement"))
			iv.CurrentLabel = ChoiceLabel(set, f.Get(iv.Field("current")))
			iv.TargetLabel = targetLabel(set, f.Get(iv.Field("target")))
			for _, name := range []string{"current", "target", "evidence", "links", "needs_improvement"} {
				if msg := f.Error(iv.Field(name)); msg != "" {
					iv.Errors[name] = msg
				}
			}
			sec.Items = append(sec.Items, iv)
			d.ItemIDs = append(d.ItemIDs, it.ID)
		}
		if len(sec.Items) > 0 || len(ds.Dimensions) == 0 {
			d.Sections = append(d.Sections, sec)
		}
		for _, sd := range ds.Dimensions {
			walk(sd, true)
		}
	}
	walk(dim, false)
	title := fmt.Sprintf("%s: %s", a.Title, dim.Title)
	return web.Page{Title: title, Form: f, Data: &d, Breadcrumbs: assessmentCrumbs(a, "Your answers")}, nil
}

func (h *Web) respondForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	a, err := h.Svc.Assessment(r.Context(), id)
	if err != nil {
		return err
	}
	page, err := h.respondPage(r.Context(), a, r.URL.Query().Get("dimension"), nil)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "maturity/respond", page)
	return nil
}

// answersFromForm reads the answers to the items named in the form's "item" fields.
func answersFromForm(f *web.Form) map[string]Answer {
	out := map[string]Answer{}
	for _, id := range f.All("item") {
		if len(out) >= maxAnswersPut {
			break
		}
		out[id] = Answer{
			Current:          f.Get(AnswerField(id, "current")),
			Target:           f.Get(AnswerField(id, "target")),
			Evidence:         f.Values.Get(AnswerField(id, "evidence")),
			Links:            []string{f.Values.Get(AnswerField(id, "links"))},
			NeedsImprovement: f.Bool(AnswerField(id, "needs_improvement")),
		}
	}
	return out
}

func (h *Web) respondSave(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	a, err := h.Svc.Assessment(ctx, id)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	dimID := f.Get("dimension")
	err = h.Svc.SaveAnswers(ctx, id, answersFromForm(f))
	if ve, ok := valid.As(err); ok {
		f.Errors = ve
		page, perr := h.respondPage(ctx, a, dimID, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "maturity/respond", page, ve)
		return nil
	} else if err != nil {
		return err
	}
	pk, err := h.Svc.Pack(ctx, a)
	if err != nil {
		return err
	}
	dim, idx, ok := respondTopDimension(pk, dimID)
	if !ok {
		return web.Redirect(w, r, assessmentURL(id), "Your answers are saved.")
	}
	if f.Get("go") == "next" {
		if idx+1 < len(pk.Dimensions) {
			next := pk.Dimensions[idx+1]
			return web.Redirect(w, r, assessmentURL(id, "/respond?dimension="+url.QueryEscape(next.ID)), "Your answers to “"+dim.Title+"” are saved.")
		}
		return web.Redirect(w, r, assessmentURL(id)+"#my-answers", "Your answers are saved. When you are ready, mark them done.")
	}
	return web.Redirect(w, r, assessmentURL(id, "/respond?dimension="+url.QueryEscape(dim.ID)), "Your answers to “"+dim.Title+"” are saved.")
}

func (h *Web) respondSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	done := f.Get("done") != "no"
	if err := h.Svc.Submit(r.Context(), id, done); err != nil {
		return err
	}
	if done {
		return web.Redirect(w, r, assessmentURL(id)+"#my-answers", "Your answers are marked done. The facilitator can see them; you can reopen them while the assessment is open.")
	}
	return web.Redirect(w, r, assessmentURL(id, "/respond"), "Your answers are open again: change them, then mark them done.")
}

// --- reconcile ---

type answerCell struct {
	Name, Current, Target, Evidence string
	Links                           []string
	NeedsImprovement, Answered      bool
}

type reconcileItem struct {
	Comparison
	Number         string
	Cells          []answerCell
	SpreadText     string
	CurrentOptions []web.Option
	TargetOptions  []web.Option
	Form           *web.Form
	AgreedCurrent  string
	AgreedTarget   string
	ReasonHint     string
}

// Field is the form name of one of the item's agreed fields.
func (it reconcileItem) Field(name string) string { return AnswerField(it.Item.ID, name) }

type reconcileGroup struct {
	ID, Title, Intro string
	Items            []reconcileItem
}

type reconcileData struct {
	Rec      Reconciliation
	Groups   []reconcileGroup
	CanAgree bool
	Common   int // items respondents agree on, not yet agreed
	Missing  int
	Form     *web.Form
}

func (h *Web) reconcilePageData(ctx context.Context, id int64, posted *web.Form) (web.Page, error) {
	rec, err := h.Svc.Reconciliation(ctx, id)
	if err != nil {
		return web.Page{}, err
	}
	p := authz.From(ctx)
	d := reconcileData{Rec: rec, CanAgree: rec.Assessment.Status == StatusReconciling && CanFacilitate(p, rec.Assessment),
		Missing: len(rec.Missing()), Form: posted}
	numbers := map[string]string{}
	for i, td := range rec.Pack.Dimensions {
		for j, it := range (&Pack{Dimensions: []Dimension{td}}).Items() {
			numbers[it.ID] = fmt.Sprintf("%d.%d", i+1, j+1)
		}
	}
	groups := []reconcileGroup{
		{ID: "disagree", Title: "Where respondents disagree", Intro: "Widest spread first. A reason is required for the agreed answer."},
		{ID: "agree", Title: "Where respondents agree"},
		{ID: "unanswered", Title: "Not answered by any respondent"},
	}
	items := append([]Comparison(nil), rec.Items...)
	SortDisagreementsFirst(items)
	for _, c := range items {
		ri := reconcileItem{Comparison: c, Number: numbers[c.Item.ID]}
		for i, r := range rec.Respondents {
			a := c.Answers[i]
			ri.Cells = append(ri.Cells, answerCell{Name: r.Name, Current: ChoiceLabel(c.Set, a.Current), Target: targetLabel(c.Set, a.Target),
				Evidence: a.Evidence, Links: a.Links, NeedsImprovement: a.NeedsImprovement, Answered: a.Current != ""})
		}
		if c.Spread > 0 {
			ri.SpreadText = fmt.Sprintf("%.0f points", c.Spread)
		}
		ri.CurrentOptions, ri.TargetOptions = reconcileOptions(c.Set)
		ri.ReasonHint = "Why this is the agreed answer, in a sentence or two. Required if it differs from every respondent's level."
		if c.Disagree {
			ri.ReasonHint = "Required, since respondents disagreed: why this is the agreed answer, in a sentence or two."
		}
		if c.HasAgreed {
			ri.AgreedCurrent, ri.AgreedTarget = ChoiceLabel(c.Set, c.Agreed.Current), targetLabel(c.Set, c.Agreed.Target)
		}
		// The item's form: what was just posted for it, else the agreed answer, else the
		// respondents' common answer.
		switch {
		case posted != nil && posted.Get("item") == c.Item.ID:
			ri.Form = posted
		case c.HasAgreed:
			ri.Form = reconcileForm(c.Agreed)
		case c.HasCommon && c.Common.Current != DontKnow:
			ri.Form = reconcileForm(c.Common)
		default:
			ri.Form = &web.Form{Values: url.Values{}}
		}
		if !c.HasAgreed && c.HasCommon && c.Common.Current != DontKnow {
			d.Common++
		}
		switch {
		case c.Disagree:
			groups[0].Items = append(groups[0].Items, ri)
		case c.Answered > 0:
			groups[1].Items = append(groups[1].Items, ri)
		default:
			groups[2].Items = append(groups[2].Items, ri)
		}
	}
	for _, g := range groups {
		if len(g.Items) > 0 {
			d.Groups = append(d.Groups, g)
		}
	}
	a := rec.Assessment
	return web.Page{Title: "Reconcile: " + a.Title, Data: &d, Form: posted, Breadcrumbs: assessmentCrumbs(a, "Reconcile")}, nil
}

// reconcileOptions are the choices of the agreed answer's selects.
func reconcileOptions(set AnswerSet) (current, target []web.Option) {
	for _, o := range set.Options {
		current = append(current, web.Option{Value: o.Key(), Label: o.Label})
	}
	target = append(target, current...)
	if set.NotApplicable {
		current = append(current, web.Option{Value: NotApplicable, Label: "Not applicable"})
		target = append(target, web.Option{Value: NotApplicable, Label: "Not applicable"})
	}
	return current, target
}

func reconcileForm(a Answer) *web.Form {
	v := url.Values{}
	v.Set(AnswerField(a.ItemKey, "current"), a.Current)
	v.Set(AnswerField(a.ItemKey, "target"), a.Target)
	v.Set(AnswerField(a.ItemKey, "reason"), a.Reason)
	if a.NeedsImprovement {
		v.Set(AnswerField(a.ItemKey, "needs_improvement"), "on")
	}
	return &web.Form{Values: v}
}

func (h *Web) reconcilePage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	page, err := h.reconcilePageData(r.Context(), id, nil)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "maturity/assessment_reconcile", page)
	return nil
}

func (h *Web) agreedSave(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	f := web.NewForm(r)
	if f.Get("all") == "common" {
		n, err := h.Svc.AgreeCommon(ctx, id)
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("%d items where respondents agree now have that answer agreed.", n)
		if n == 1 {
			msg = "1 item where respondents agree now has that answer agreed."
		}
		return web.Redirect(w, r, assessmentURL(id, "/reconcile"), msg)
	}
	item := f.Get("item")
	var in map[string]Answer
	if item != "" {
		in = map[string]Answer{item: {
			Current:          f.Get(AnswerField(item, "current")),
			Target:           f.Get(AnswerField(item, "target")),
			NeedsImprovement: f.Bool(AnswerField(item, "needs_improvement")),
			Reason:           f.Values.Get(AnswerField(item, "reason")),
		}}
	}
	err = h.Svc.Agree(ctx, id, in)
	if ve, ok := valid.As(err); ok {
		page, perr := h.reconcilePageData(ctx, id, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "maturity/assessment_reconcile", page, ve)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, assessmentURL(id, "/reconcile")+"#item-"+url.PathEscape(item), "The agreed answer to "+item+" is saved.")
}
