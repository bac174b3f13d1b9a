package engagement

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// ---- the engagement page ----

func (h *Web) engagementShow(w http.ResponseWriter, r *http.Request) error {
	return h.ShowEngagement(w, r, r.PathValue("id"), nil, nil)
}

// ---- create and edit ----

type engagementFormData struct {
	E          *Detail // nil for a new engagement
	Orgs       []web.Option
	Partners   []web.Option
	Places     []web.Option
	Programs   []web.Option
	Influence  []web.Option
	Moderation []web.Option
	CanPublish bool
	Action     string
	Cancel     string
	Note       string // why the form is shown again (a refused publication)
}

var moderationOptions = []web.Option{
	{Value: ModeratePost, Label: "Show statements at once; moderators hide those reported or out of place"},
	{Value: ModeratePre, Label: "Show statements once a moderator accepts them"},
}

func (h *Web) formPage(r *http.Request, d *Detail, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	p := authz.From(ctx)
	data := engagementFormData{E: d, Influence: InfluenceOptions(), Moderation: moderationOptions, Action: "/engagements", Cancel: "/engagements"}
	orgs, err := h.Svc.Dir.Orgs(ctx, directory.ListFilter{})
	if err != nil {
		return web.Page{}, err
	}
	for _, o := range orgs {
		opt := web.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.DisplayName()}
		data.Partners = append(data.Partners, opt)
		if p.Can(authz.Contribute, o.ID) || (d != nil && d.OrgID == o.ID) {
			data.Orgs = append(data.Orgs, opt)
		}
	}
	places, err := h.Svc.Dir.Places(ctx, directory.ListFilter{})
	if err != nil {
		return web.Page{}, err
	}
	for _, pl := range places {
		data.Places = append(data.Places, web.Option{Value: strconv.FormatInt(pl.ID, 10), Label: pl.Name})
	}
	progs, err := h.Svc.Dir.Programs(ctx, directory.ListFilter{})
	if err != nil {
		return web.Page{}, err
	}
	for _, pr := range progs {
		data.Programs = append(data.Programs, web.Option{Value: strconv.FormatInt(pr.ID, 10), Label: pr.Name})
	}
	title := "New engagement"
	crumb := []web.Crumb{registerCrumb, {Label: title}}
	if d != nil {
		title = "Edit " + d.Title
		crumb = crumbs(*d, "Edit")
		data.Action, data.Cancel = "/engagements/"+strconv.FormatInt(d.ID, 10), d.URL()
		data.CanPublish = d.Status == StatusDraft && CanManage(p, d.Engagement)
	} else if f.Get("organisation_id") == "" && len(data.Orgs) == 1 {
		f.Values.Set("organisation_id", data.Orgs[0].Value)
	}
	return web.Page{Title: title, Form: f, Data: data, Breadcrumbs: crumb}, nil
}

// formOf is the edit form of an engagement.
func formOf(e Engagement) *web.Form {
	f := web.FormOf(map[string]string{
		"organisation_id": strconv.FormatInt(e.OrgID, 10), "slug": e.Slug, "title": e.Title, "summary": e.Summary, "purpose": e.Purpose,
		"decision": e.Decision, "not_open_to_influence": e.NotNegotiable, "influence": e.Influence, "affected": e.Affected,
		"opens_on": web.DateString(e.OpensOn), "closes_on": web.DateString(e.ClosesOn), "report_back_by": web.DateString(e.ReportBackBy),
		"moderation": e.Moderation, "report_threshold": strconv.Itoa(e.ReportThreshold), "statement_limit": strconv.Itoa(e.StatementLimit),
	})
	if e.HasMap {
		f.Values.Set("has_map", "on")
	}
	for name, q := range map[string]*forms.Questionnaire{"questionnaire": e.Questionnaire, "demographics": e.Demographics} {
		if q != nil {
			b, _ := json.MarshalIndent(q, "", "  ")
			f.Values.Set(name, string(b))
		}
	}
	f.Values["partner_ids"] = idStrings(e.PartnerIDs)
	f.Values["place_ids"] = idStrings(e.PlaceIDs)
	f.Values["program_ids"] = idStrings(e.ProgramIDs)
	return f
}

// inputOf reads the engagement form, with a message per field it cannot read.
func inputOf(f *web.Form) (Input, valid.Errors) {
	var c valid.Checker
	in := Input{OrgID: formID(f, "organisation_id"), Slug: f.Get("slug"), Title: f.Get("title"), Summary: f.Get("summary"),
		Purpose: f.Get("purpose"), Decision: f.Get("decision"), NotNegotiable: f.Get("not_open_to_influence"), Influence: f.Get("influence"),
		Affected: f.Get("affected"), Moderation: f.Get("moderation"), HasMap: f.Bool("has_map"),
		PartnerIDs: formIDs(f, "partner_ids"), PlaceIDs: formIDs(f, "place_ids"), ProgramIDs: formIDs(f, "program_ids")}
	in.OpensOn = Date{c.ParseDate("opens_on", f.Get("opens_on"))}
	in.ClosesOn = Date{c.ParseDate("closes_on", f.Get("closes_on"))}
	in.ReportBackBy = Date{c.ParseDate("report_back_by", f.Get("report_back_by"))}
	num := func(name, msg string) int {
		s := f.Get(name)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			c.Add(name, msg)
			return 0
		}
		return n
	}
	in.ReportThreshold = num("report_threshold", "Enter a whole number of reports, for example 3.")
	in.StatementLimit = num("statement_limit", "Enter a whole number of statements, for example 10.")
	for _, q := range []struct {
		name string
		dst  **forms.Questionnaire
	}{{"questionnaire", &in.Questionnaire}, {"demographics", &in.Demographics}} {
		s := f.Get(q.name)
		if s == "" {
			continue
		}
		var qn forms.Questionnaire
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&qn); err != nil {
			c.Add(q.name, "Write the form as JSON with a title and questions (see the hint): "+err.Error()+".")
			continue
		}
		*q.dst = &qn
	}
	if ve, ok := valid.As(c.Err()); ok {
		return in, ve
	}
	return in, nil
}

// merge adds the input's own messages to those about what could not be read, so that a
// person sees every message at once.
func merge(read valid.Errors, in Input) valid.Errors {
	all := valid.Errors{}
	n := in
	n.Normalize()
	if ve, ok := valid.As(n.Validate()); ok {
		for k, v := range ve {
			all[k] = v
		}
	}
	for k, v := range read {
		all[k] = v
	}
	return all
}

func (h *Web) engagementNew(w http.ResponseWriter, r *http.Request) error {
	if !CanCreate(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	page, err := h.formPage(r, nil, web.FormOf(map[string]string{"influence": Consult, "moderation": ModeratePost, "report_threshold": "3", "statement_limit": "10"}))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "engagement/engagement_form", page)
	return nil
}

func (h *Web) engagementCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !CanCreate(authz.From(ctx)) {
		_, err := h.Svc.Create(ctx, Input{}) // audits the refusal
		return err
	}
	f := web.NewForm(r)
	in, bad := inputOf(f)
	var d Detail
	var err error
	if bad != nil {
		err = merge(bad, in)
	} else {
		d, err = h.Svc.Create(ctx, in)
	}
	if _, ok := valid.As(err); ok {
		page, perr := h.formPage(r, nil, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "engagement/engagement_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, d.URL(), "The engagement is saved as a draft. Publish it when its purpose, decision, influence and dates are settled.")
}

func (h *Web) editable(r *http.Request) (Detail, error) {
	d, err := h.Svc.Engagement(r.Context(), r.PathValue("id"))
	if err != nil {
		return Detail{}, err
	}
	if !CanEdit(authz.From(r.Context()), d.Engagement) {
		return Detail{}, authz.ErrForbidden
	}
	return d, nil
}

func (h *Web) engagementEdit(w http.ResponseWriter, r *http.Request) error {
	d, err := h.editable(r)
	if err != nil {
		return err
	}
	page, err := h.formPage(r, &d, formOf(d.Engagement))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "engagement/engagement_form", page)
	return nil
}

func (h *Web) engagementUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	key := r.PathValue("id")
	old, err := h.Svc.Engagement(ctx, key)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in, bad := inputOf(f)
	var d Detail
	if bad != nil && CanEdit(authz.From(ctx), old.Engagement) {
		err = merge(bad, in)
	} else {
		d, err = h.Svc.Update(ctx, key, in)
	}
	invalid := func(err error, note string) error {
		page, perr := h.formPage(r, &old, f)
		if perr != nil {
			return perr
		}
		page.Data = withNote(page.Data, note)
		h.Render.Invalid(w, r, "engagement/engagement_form", page, err)
		return nil
	}
	if _, ok := valid.As(err); ok {
		return invalid(err, "")
	} else if err != nil {
		return err
	}
	if f.Get("publish") == "" {
		return web.Redirect(w, r, d.URL(), "The engagement is saved.")
	}
	if !CanManage(authz.From(ctx), d.Engagement) {
		return web.Redirect(w, r, d.URL(), "The engagement is saved. A manager of "+d.OrgName+" publishes it.")
	}
	d2, warning, err := h.Svc.SetStatus(ctx, strconv.FormatInt(d.ID, 10), StatusOpen)
	if _, ok := valid.As(err); ok {
		old = d
		return invalid(err, "Your changes are saved, but the engagement is still a draft: fill in what is missing, then save and publish.")
	} else if err != nil {
		return err
	}
	return h.published(w, r, d2, warning)
}

func withNote(data any, note string) any {
	if d, ok := data.(engagementFormData); ok {
		d.Note = note
		return d
	}
	return data
}

func (h *Web) published(w http.ResponseWriter, r *http.Request, d Detail, warning string) error {
	if warning != "" {
		setFlash(w, r, "info", "The engagement is published. "+warning)
		http.Redirect(w, r, d.URL(), http.StatusSeeOther)
		return nil
	}
	return web.Redirect(w, r, d.URL(), "The engagement is published.")
}

// engagementStatus publishes, closes or reopens. A refused publication shows the edit form
// with what is missing beside each field.
func (h *Web) engagementStatus(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	key := r.PathValue("id")
	prev, err := h.Svc.Engagement(ctx, key)
	if err != nil {
		return err
	}
	d, warning, err := h.Svc.SetStatus(ctx, key, r.PostFormValue("status"))
	if ve, ok := valid.As(err); ok {
		if ve["status"] != "" {
			setFlash(w, r, "error", ve["status"])
			http.Redirect(w, r, prev.URL(), http.StatusSeeOther)
			return nil
		}
		page, perr := h.formPage(r, &prev, formOf(prev.Engagement))
		if perr != nil {
			return perr
		}
		page.Data = withNote(page.Data, "The engagement cannot change status yet: fill in what is missing, save, then try again.")
		h.Render.Invalid(w, r, "engagement/engagement_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	switch {
	case prev.Status == StatusDraft:
		return h.published(w, r, d, warning)
	case d.Status == StatusClosed:
		return web.Redirect(w, r, d.URL(), "The engagement is closed. Sort what you heard into themes and write the report.")
	}
	return web.Redirect(w, r, d.URL(), "The engagement is open again.")
}

func (h *Web) engagementArchive(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	key := r.PathValue("id")
	archive := r.PostFormValue("archived") != "false"
	d, err := h.Svc.Archive(ctx, key, archive)
	if ve, ok := valid.As(err); ok {
		old, lerr := h.Svc.Engagement(ctx, key)
		if lerr != nil {
			return lerr
		}
		setFlash(w, r, "error", ve["archived"])
		http.Redirect(w, r, old.URL(), http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	if archive {
		return web.Redirect(w, r, d.URL(), "The engagement is archived: it has left the register and search.")
	}
	return web.Redirect(w, r, d.URL(), "The engagement is restored.")
}

// ---- sorting submissions into themes ----

const submissionsPerPage = 50

type submissionsData struct {
	E          Detail
	Themes     []Theme
	Rows       []submissionRow
	Total      int
	ThemeID    int64
	Untagged   bool
	Page       int
	Prev, Next string
	Back       string
	ThemeOpts  []web.Option
	AddForm    *web.Form
}

// Tagged reports whether the submission carries the theme with ID themeID (as in a form).
func (d submissionsData) Tagged(s submissionRow, themeID string) bool {
	id, err := strconv.ParseInt(themeID, 10, 64)
	return err == nil && s.HasTheme(id)
}

type submissionRow struct {
	Submission
	Answers []qaPair
}

type qaPair struct{ Question, Answer string }

// answerPairs puts each answer beside its question, as people read them.
func answerPairs(q *forms.Questionnaire, s Submission) []qaPair {
	var out []qaPair
	for _, a := range s.Answers {
		label := a.Question
		var qu forms.Question
		ok := false
		if q != nil {
			qu, ok = q.Question(a.Question)
			if ok {
				label = qu.Text
			}
		}
		var text string
		switch {
		case a.Text != "":
			text = a.Text
		case a.NA:
			text = forms.NALabel
		case ok && len(qu.Options) > 0:
			var labels []string
			for _, v := range a.Values {
				l := v
				for _, o := range qu.Options {
					if o.Value == v {
						l = o.Label
					}
				}
				labels = append(labels, l)
			}
			text = strings.Join(labels, "; ")
		case ok && qu.Type == forms.Consent:
			text = "Yes"
		default:
			text = strings.Join(a.Values, "; ")
		}
		out = append(out, qaPair{Question: label, Answer: text})
	}
	return out
}

func (h *Web) submissionList(w http.ResponseWriter, r *http.Request) error {
	return h.submissionPage(w, r, &web.Form{}, nil)
}

func (h *Web) submissionPage(w http.ResponseWriter, r *http.Request, add *web.Form, addErr error) error {
	ctx := r.Context()
	key := r.PathValue("id")
	d, themes, err := h.Svc.Themes(ctx, key)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	sf := SubmissionFilter{Untagged: q.Get("untagged") == "1", Limit: submissionsPerPage + 1}
	if t, err := strconv.ParseInt(q.Get("theme"), 10, 64); err == nil && t > 0 {
		sf.ThemeID = t
	}
	pageNo := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n <= MaxPage {
		pageNo = n
	}
	sf.Offset = (pageNo - 1) * submissionsPerPage
	subs, total, err := h.Svc.Submissions(ctx, key, sf)
	if err != nil {
		return err
	}
	data := submissionsData{E: d, Themes: themes, Total: total, ThemeID: sf.ThemeID, Untagged: sf.Untagged, Page: pageNo, Back: r.URL.RequestURI(), AddForm: add}
	base := "/engagements/" + strconv.FormatInt(d.ID, 10) + "/submissions"
	link := func(page int) string {
		v := url.Values{}
		if sf.ThemeID > 0 {
			v.Set("theme", strconv.FormatInt(sf.ThemeID, 10))
		}
		if sf.Untagged {
			v.Set("untagged", "1")
		}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	}
	if len(subs) > submissionsPerPage {
		subs = subs[:submissionsPerPage]
		data.Next = link(pageNo + 1)
	}
	if pageNo > 1 {
		data.Prev = link(pageNo - 1)
	}
	for _, s := range subs {
		data.Rows = append(data.Rows, submissionRow{Submission: s, Answers: answerPairs(d.Questionnaire, s)})
	}
	for _, t := range themes {
		data.ThemeOpts = append(data.ThemeOpts, web.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	page := web.Page{Title: "Sort submissions into themes: " + d.Title, Data: data, Form: add, Breadcrumbs: crumbs(d, "Submissions")}
	if addErr != nil {
		h.Render.Invalid(w, r, "engagement/engagement_submissions", page, addErr)
		return nil
	}
	h.Render.OK(w, r, "engagement/engagement_submissions", page)
	return nil
}

func (h *Web) submissionThemes(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := h.Svc.Engagement(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	sid, err := web.PathID(r, "submission_id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	err = h.Svc.SetItemThemes(ctx, d.ID, ItemSubmission, sid, formIDs(f, "theme_id"))
	back := safeBack(f.Get("back"))
	if back == "" {
		back = "/engagements/" + strconv.FormatInt(d.ID, 10) + "/submissions"
	}
	if ve, ok := valid.As(err); ok {
		msg := ""
		for _, k := range sortedKeys(ve) {
			msg = ve[k]
			break
		}
		setFlash(w, r, "error", msg)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, back+fmt.Sprintf("#submission-%d", sid), fmt.Sprintf("The themes of submission %d are saved.", sid))
}

func (h *Web) themeCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	key := r.PathValue("id")
	f := web.NewForm(r)
	t, err := h.Svc.CreateTheme(ctx, key, f.Get("name"))
	if _, ok := valid.As(err); ok {
		return h.submissionPage(w, r, f, err)
	} else if err != nil {
		return err
	}
	back := safeBack(f.Get("back"))
	if back == "" {
		back = "/engagements/" + strconv.FormatInt(t.EngagementID, 10) + "/submissions"
	}
	return web.Redirect(w, r, back, fmt.Sprintf("The theme %q is added.", t.Name))
}
