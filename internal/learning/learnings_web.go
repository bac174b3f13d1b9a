package learning

import (
	"context"
	"database/sql"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

var learningsCrumb = web.Crumb{Label: "Learnings", URL: "/learnings"}

// learningRevisions describes learnings for the history pages.
func (h *Web) learningRevisions() RevisionKind {
	return RevisionKind{Kind: KindLearning, Label: "learning", Base: "/learnings", Crumb: learningsCrumb,
		Fields: learningRevisionFields, Title: func(ctx context.Context, id int64) (string, error) {
			l, err := h.Svc.Learning(ctx, id)
			return l.Title, err
		}}
}

// learningRoutes registers the pages and API of learnings, evidence, learning reports and
// recommendations. Pages are public where the service decides who sees what; changes need a
// signed-in person, then the service's rules (404 for what they may not see, 403 for what
// they may see but not change).
func (h *Web) learningRoutes(rt *web.Router) {
	rt.Page("GET", "/learnings", web.Public, h.learningIndex)
	rt.Page("GET", "/learnings/new", web.SignedIn, h.learningNew)
	rt.Page("POST", "/learnings", web.SignedIn, h.learningCreate)
	rt.Page("GET", "/learnings/{id}", web.Public, h.learningShow)
	rt.Page("GET", "/learnings/{id}/edit", web.SignedIn, h.learningEdit)
	rt.Page("POST", "/learnings/{id}", web.SignedIn, h.learningUpdate)
	rt.Page("POST", "/learnings/{id}/archive", web.SignedIn, archivePage(h.Svc.ArchiveLearning, "/learnings/", "The learning is archived: it no longer shows in lists or search.", "The learning is restored."))
	rt.Page("POST", "/learnings/{id}/endorse", web.SignedIn, h.learningEndorse)
	rt.Page("POST", "/learnings/{id}/withdraw-endorsement", web.SignedIn, h.learningUnendorse)
	h.revisionRoutes(rt, h.learningRevisions())
	h.evidenceRoutes(rt)
	h.reportRoutes(rt)
	h.learningAPIRoutes(rt)
}

// --- form helpers ---

// lrFormID reads an optional positive ID from a form (0 when absent or malformed).
func lrFormID(f *web.Form, name string) int64 {
	n, err := strconv.ParseInt(f.Get(name), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// lrFormIDs reads every positive ID of a repeated form field.
func lrFormIDs(f *web.Form, name string) []int64 {
	var out []int64
	for _, s := range f.All(name) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// lrQueryID reads an optional positive ID from the query string.
func lrQueryID(q url.Values, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(q.Get(name)), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

func lrIDString(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// lrSetIDs puts ids in the form's repeated field name.
func lrSetIDs(f *web.Form, name string, ids []int64) {
	for _, id := range ids {
		f.Values.Add(name, strconv.FormatInt(id, 10))
	}
}

// --- the list ---

type learningListData struct {
	Form        *web.Form
	Learnings   []learningCard
	Types       []web.Option
	Themes      []web.Option
	Places      []web.Option
	Orgs        []web.Option
	Confidences []web.Option
	Filtered    bool
	Next        string
	CanCreate   bool
}

type learningCard struct {
	Learning
	InsightText string
}

func (h *Web) learningIndex(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := LearningFilter{Type: strings.TrimSpace(q.Get("type")), Confidence: strings.TrimSpace(q.Get("confidence")),
		ThemeID: lrQueryID(q, "theme"), PlaceID: lrQueryID(q, "place"), OrgID: lrQueryID(q, "organisation"),
		Text: strings.TrimSpace(q.Get("q")), Limit: 50}
	if len(f.Text) > 200 {
		f.Text = f.Text[:200]
	}
	if c := q.Get("cursor"); c != "" {
		after, err := api.DecodeCursor(c)
		if err != nil {
			return &api.BadRequest{Msg: "This page of learnings does not exist: go back to the first page."}
		}
		f.After = after
	}
	ls, err := h.Svc.Learnings(ctx, f)
	if err != nil {
		return err
	}
	d := learningListData{Form: &web.Form{Values: q}, Types: LearningTypes, Confidences: confidenceWords(),
		CanCreate: CanAddLearning(authz.From(ctx))}
	d.Filtered = f.Type != "" || f.Confidence != "" || f.ThemeID != 0 || f.PlaceID != 0 || f.OrgID != 0 || f.Text != ""
	if len(ls) > f.Limit {
		ls = ls[:f.Limit]
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", api.EncodeCursor(ls[len(ls)-1].ID))
		d.Next = "/learnings?" + nq.Encode()
	}
	for _, l := range ls {
		d.Learnings = append(d.Learnings, learningCard{Learning: l, InsightText: clipText(MarkdownText(l.Insight), 300)})
	}
	if d.Themes, err = h.Svc.lrThemeOptions(ctx); err != nil {
		return err
	}
	if d.Places, err = h.Svc.learningPlaceOptions(ctx); err != nil {
		return err
	}
	if d.Orgs, err = h.Svc.learningOrgOptions(ctx); err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/learning_list", web.Page{Title: "Learnings", Data: d, Breadcrumbs: []web.Crumb{{Label: "Learnings"}}})
	return nil
}

func confidenceWords() []web.Option {
	out := make([]web.Option, len(LearningConfidences))
	for i, o := range LearningConfidences {
		out[i] = web.Option{Value: o.Value, Label: ConfidenceWord(o.Value)}
	}
	return out
}

// clipText shortens s to at most n characters, ending with an ellipsis when cut.
func clipText(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// --- one learning ---

type learningShowData struct {
	LearningDetail
	Situation, Action, Result, Insight, Context template.HTML
	Endorse                                     *web.Form
	LinksPanelURL                               string
}

func (h *Web) learningShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.Svc.LearningPage(r.Context(), id)
	if err != nil {
		return err
	}
	h.renderLearning(w, r, http.StatusOK, d, nil)
	return nil
}

func (h *Web) renderLearning(w http.ResponseWriter, r *http.Request, status int, d LearningDetail, endorse *web.Form) {
	sd := learningShowData{LearningDetail: d, Situation: Markdown(d.Situation), Action: Markdown(d.Action), Result: Markdown(d.Result),
		Insight: Markdown(d.Insight), Context: Markdown(d.Context), Endorse: endorse}
	if sd.Endorse == nil {
		sd.Endorse = &web.Form{Values: url.Values{}}
		if d.MyEndorsement != nil {
			sd.Endorse.Values.Set("note", d.MyEndorsement.Note)
		}
	}
	page := web.Page{Title: d.Title, Data: sd, Form: sd.Endorse, Breadcrumbs: []web.Crumb{learningsCrumb, {Label: d.Title}}}
	h.Render.Render(w, r, status, "learning/learning_show", page)
}

// --- the form ---

type learningFormData struct {
	Learning    Learning
	Orgs        []web.Option
	Types       []web.Option
	Confidences []web.Option
	Themes      []web.Option
	CaseStudies []web.Option
	Evidence    []web.Option
	Visibility  []web.Option
	Communities []web.Option
	Action      string
}

func (h *Web) learningFormPage(r *http.Request, l Learning, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	d := learningFormData{Learning: l, Types: LearningTypes, Confidences: LearningConfidences, Visibility: lrVisibilityOptions(), Action: "/learnings"}
	var err error
	if d.Orgs, err = h.Svc.lrOrgOptions(ctx, authz.Contribute); err != nil {
		return web.Page{}, err
	}
	if d.Themes, err = h.Svc.lrThemeOptions(ctx); err != nil {
		return web.Page{}, err
	}
	if d.CaseStudies, err = h.Svc.lrCaseStudyOptions(ctx); err != nil {
		return web.Page{}, err
	}
	if d.Evidence, err = h.Svc.evidenceOptions(ctx); err != nil {
		return web.Page{}, err
	}
	if d.Communities, err = h.Svc.lrCommunityOptions(ctx); err != nil {
		return web.Page{}, err
	}
	title, crumbs := "Share a learning", []web.Crumb{learningsCrumb, {Label: "Share a learning"}}
	if l.ID != 0 {
		d.Action = l.URL()
		title, crumbs = "Edit the learning", []web.Crumb{learningsCrumb, {Label: l.Title, URL: l.URL()}, {Label: "Edit"}}
	}
	return web.Page{Title: title, Form: f, Data: d, Breadcrumbs: crumbs}, nil
}

func learningForm(l Learning) *web.Form {
	f := web.FormOf(map[string]string{"organisation_id": lrIDString(l.OrgID), "type": l.Type, "title": l.Title,
		"situation": l.Situation, "action": l.Action, "result": l.Result, "insight": l.Insight, "context": l.Context,
		"confidence": l.Confidence, "visibility": l.Visibility, "community_id": lrIDString(l.CommunityID)})
	lrSetIDs(f, "themes", lrThemeIDs(l.Themes))
	lrSetIDs(f, "case_studies", l.CaseStudyIDs)
	lrSetIDs(f, "evidence", l.EvidenceIDs)
	return f
}

func learningInputOf(f *web.Form) LearningInput {
	return LearningInput{OrgID: lrFormID(f, "organisation_id"), Type: f.Get("type"), Title: f.Get("title"),
		Situation: f.Values.Get("situation"), Action: f.Values.Get("action"), Result: f.Values.Get("result"),
		Insight: f.Values.Get("insight"), Context: f.Values.Get("context"), Confidence: f.Get("confidence"),
		Visibility: f.Get("visibility"), CommunityID: lrFormID(f, "community_id"), ThemeIDs: lrFormIDs(f, "themes"),
		CaseStudyIDs: lrFormIDs(f, "case_studies"), EvidenceIDs: lrFormIDs(f, "evidence"), Note: f.Get("note")}
}

func (h *Web) learningNew(w http.ResponseWriter, r *http.Request) error {
	if !CanAddLearning(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	l := Learning{Confidence: "medium", Visibility: Public}
	f := learningForm(l)
	// Open the form from a case study's or evidence's page with it ticked already.
	if id := lrQueryID(r.URL.Query(), "case_study"); id != 0 {
		f.Values.Add("case_studies", strconv.FormatInt(id, 10))
	}
	if id := lrQueryID(r.URL.Query(), "evidence"); id != 0 {
		f.Values.Add("evidence", strconv.FormatInt(id, 10))
	}
	if orgs := authz.From(r.Context()).Orgs(authz.Contribute); len(orgs) == 1 {
		f.Values.Set("organisation_id", strconv.FormatInt(orgs[0], 10))
	}
	page, err := h.learningFormPage(r, l, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/learning_form", page)
	return nil
}

func (h *Web) learningCreate(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	l, err := h.Svc.CreateLearning(r.Context(), learningInputOf(f))
	if _, ok := valid.As(err); ok {
		page, perr := h.learningFormPage(r, Learning{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/learning_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, l.URL(), "The learning is shared.")
}

func (h *Web) learningEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	l, err := h.Svc.LearningForEdit(r.Context(), id)
	if err != nil {
		return err
	}
	page, err := h.learningFormPage(r, l, learningForm(l))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/learning_form", page)
	return nil
}

func (h *Web) learningUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	l, err := h.Svc.UpdateLearning(r.Context(), id, learningInputOf(f))
	if _, ok := valid.As(err); ok {
		old, lerr := h.Svc.LearningForEdit(r.Context(), id)
		if lerr != nil {
			return lerr
		}
		page, perr := h.learningFormPage(r, old, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/learning_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, l.URL(), "The learning is saved.")
}

func (h *Web) learningEndorse(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	_, err = h.Svc.Endorse(r.Context(), id, f.Values.Get("note"))
	if ve, ok := valid.As(err); ok {
		d, lerr := h.Svc.LearningPage(r.Context(), id)
		if lerr != nil {
			return lerr
		}
		f.Errors = ve
		h.renderLearning(w, r, http.StatusUnprocessableEntity, d, f)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/learnings/"+strconv.FormatInt(id, 10)+"#endorsements", "Thank you: your endorsement is recorded.")
}

func (h *Web) learningUnendorse(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Svc.WithdrawEndorsement(r.Context(), id); err != nil {
		return err
	}
	return web.Redirect(w, r, "/learnings/"+strconv.FormatInt(id, 10)+"#endorsements", "Your endorsement is withdrawn.")
}

// --- options for the list's filters ---

// learningPlaceOptions lists the places of the case studies that learnings are linked to.
func (s *Service) learningPlaceOptions(ctx context.Context) ([]web.Option, error) {
	var out []web.Option
	err := db.Each(ctx, s.DB, `SELECT DISTINCT p.id, p.name FROM places p JOIN case_study_places cp ON cp.place_id = p.id
		JOIN learning_case_studies lc ON lc.case_study_id = cp.case_study_id WHERE p.archived_at IS NULL ORDER BY p.name, p.id LIMIT 500`, nil,
		func(rows *sql.Rows) error {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			out = append(out, web.Option{Value: strconv.FormatInt(id, 10), Label: name})
			return nil
		})
	return out, err
}

// learningOrgOptions lists the organisations that have learnings the principal may see.
func (s *Service) learningOrgOptions(ctx context.Context) ([]web.Option, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return nil, err
	}
	cond, args := v.VisibleSQL("l")
	var out []web.Option
	err = db.Each(ctx, s.DB, `SELECT o.id, o.name FROM organisations o WHERE EXISTS (SELECT 1 FROM learnings l
		WHERE l.organisation_id = o.id AND l.archived_at IS NULL AND `+cond+`) ORDER BY o.name, o.id LIMIT 500`, args,
		func(rows *sql.Rows) error {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			out = append(out, web.Option{Value: strconv.FormatInt(id, 10), Label: name})
			return nil
		})
	return out, err
}
