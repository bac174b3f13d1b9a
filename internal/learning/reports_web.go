package learning

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/export"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

var reportsCrumb = web.Crumb{Label: "Learning reports", URL: "/reports"}

func (h *Web) reportRoutes(rt *web.Router) {
	rt.Page("GET", "/reports", web.Public, h.reportIndex)
	rt.Page("GET", "/reports/new", web.SignedIn, h.reportNew)
	rt.Page("POST", "/reports", web.SignedIn, h.reportCreate)
	rt.Page("GET", "/reports/{id}", web.Public, h.reportShow)
	rt.Page("GET", "/reports/{id}/edit", web.SignedIn, h.reportEdit)
	rt.Page("POST", "/reports/{id}", web.SignedIn, h.reportSave)
	rt.Page("POST", "/reports/{id}/publish", web.SignedIn, h.reportPublish)
	rt.Page("GET", "/reports/{id}/export.json", web.Public, h.reportExportJSON)
	rt.Page("GET", "/reports/{id}/export.csv", web.Public, h.reportExportCSV)
	rt.Page("GET", "/reports/{id}/export.md", web.Public, h.reportExportMarkdown)
	rt.Page("GET", "/reports/{id}/recommendations/new", web.SignedIn, h.recommendationNew)
	rt.Page("POST", "/reports/{id}/recommendations", web.SignedIn, h.recommendationCreate)
	rt.Page("GET", "/recommendations/{id}", web.Public, h.recommendationShow)
	rt.Page("GET", "/recommendations/{id}/edit", web.SignedIn, h.recommendationEdit)
	rt.Page("POST", "/recommendations/{id}", web.SignedIn, h.recommendationUpdate)
}

// --- the list ---

type reportListData struct {
	Reports   []Report
	Next      string
	CanCreate bool
}

func (h *Web) reportIndex(w http.ResponseWriter, r *http.Request) error {
	var after int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		var err error
		if after, err = api.DecodeCursor(c); err != nil {
			return &api.BadRequest{Msg: "This page of reports does not exist: go back to the first page."}
		}
	}
	rs, err := h.Svc.Reports(r.Context(), after, 50)
	if err != nil {
		return err
	}
	d := reportListData{CanCreate: CanAddLearning(authz.From(r.Context()))}
	if len(rs) > 50 {
		rs = rs[:50]
		d.Next = "/reports?cursor=" + api.EncodeCursor(rs[len(rs)-1].ID)
	}
	d.Reports = rs
	h.Render.OK(w, r, "learning/report_list", web.Page{Title: "Learning reports", Data: d, Breadcrumbs: []web.Crumb{{Label: "Learning reports"}}})
	return nil
}

// --- a new report ---

type reportNewData struct {
	Orgs []web.Option
}

func (h *Web) reportNewPage(r *http.Request, f *web.Form) (web.Page, error) {
	orgs, err := h.Svc.lrOrgOptions(r.Context(), authz.Contribute)
	if err != nil {
		return web.Page{}, err
	}
	return web.Page{Title: "Compile a learning report", Form: f, Data: reportNewData{Orgs: orgs},
		Breadcrumbs: []web.Crumb{reportsCrumb, {Label: "Compile a report"}}}, nil
}

func (h *Web) reportNew(w http.ResponseWriter, r *http.Request) error {
	p := authz.From(r.Context())
	if !CanAddLearning(p) {
		return authz.ErrForbidden
	}
	f := &web.Form{Values: url.Values{}}
	if orgs := p.Orgs(authz.Contribute); len(orgs) == 1 {
		f.Values.Set("organisation_id", strconv.FormatInt(orgs[0], 10))
	}
	page, err := h.reportNewPage(r, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/report_new", page)
	return nil
}

func (h *Web) reportCreate(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	in := ReportInput{OrgID: lrFormID(f, "organisation_id"), Title: f.Get("title"), Introduction: f.Values.Get("introduction")}
	if t := f.Get("first_section"); t != "" {
		in.Sections = []SectionInput{{Title: t}}
	}
	rep, err := h.Svc.CreateReport(r.Context(), in)
	if ve, ok := valid.As(err); ok {
		if m, ok := ve["new-section-title"]; ok {
			ve["first_section"] = m
			delete(ve, "new-section-title")
		}
		page, perr := h.reportNewPage(r, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/report_new", page, ve)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, rep.URL()+"/edit", "The report is started: add sections and choose the learnings for each.")
}

// --- the report ---

type reportShowData struct {
	CompiledReport
	Intro    template.HTML
	Sections []reportSectionView
	Recs     []recommendationView
}

type reportSectionView struct {
	CompiledSection
	Number    int
	IntroHTML template.HTML
	Learnings []reportLearningView
}

type reportLearningView struct {
	Learning
	Number                                      string
	Situation, Action, Result, Insight, Context template.HTML
}

type recommendationView struct {
	Recommendation
	BodyHTML template.HTML
	Number   int
}

func reportView(cr CompiledReport) reportShowData {
	d := reportShowData{CompiledReport: cr, Intro: Markdown(cr.Introduction)}
	for i, sc := range cr.Compiled {
		sv := reportSectionView{CompiledSection: sc, Number: i + 1, IntroHTML: Markdown(sc.Intro)}
		for j, l := range sc.Learnings {
			sv.Learnings = append(sv.Learnings, reportLearningView{Learning: l, Number: fmt.Sprintf("%d.%d", i+1, j+1),
				Situation: Markdown(l.Situation), Action: Markdown(l.Action), Result: Markdown(l.Result), Insight: Markdown(l.Insight),
				Context: Markdown(l.Context)})
		}
		d.Sections = append(d.Sections, sv)
	}
	for i, m := range cr.Recommendations {
		d.Recs = append(d.Recs, recommendationView{Recommendation: m, BodyHTML: Markdown(m.Body), Number: i + 1})
	}
	return d
}

func (h *Web) reportShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	cr, err := h.Svc.CompileReport(r.Context(), id)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/report_show", web.Page{Title: cr.Title, Data: reportView(cr),
		Breadcrumbs: []web.Crumb{reportsCrumb, {Label: cr.Title}}})
	return nil
}

// --- the edit page ---

type reportEditData struct {
	Report     Report
	Sections   []editSection
	Choices    []web.Option
	Recs       []Recommendation
	CanPublish bool
	NotPublic  int
}

type editSection struct {
	Section
	Number int
	First  bool
	Last   bool
	Items  []editItem
}

type editItem struct {
	ID         int64
	Title      string
	URL        string
	Number     int
	First      bool
	Last       bool
	Visibility string
	Public     bool
	Hidden     bool // the editor may not see it (kept as it is)
}

func (h *Web) reportEditPage(r *http.Request, rep Report, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	d := reportEditData{Report: rep, CanPublish: CanPublishReport(authz.From(ctx), rep)}
	var err error
	if d.Choices, err = h.Svc.LearningChoices(ctx); err != nil {
		return web.Page{}, err
	}
	var ids []int64
	for _, sc := range rep.Sections {
		ids = append(ids, sc.LearningIDs...)
	}
	titles, err := h.Svc.learningTitles(ctx, ids)
	if err != nil {
		return web.Page{}, err
	}
	for i, sc := range rep.Sections {
		es := editSection{Section: sc, Number: i + 1, First: i == 0, Last: i == len(rep.Sections)-1}
		for j, lid := range sc.LearningIDs {
			it := editItem{ID: lid, Number: j + 1, First: j == 0, Last: j == len(sc.LearningIDs)-1, Hidden: true, Title: "A learning you may not see"}
			if t, ok := titles[lid]; ok {
				it.Title, it.URL, it.Visibility, it.Public, it.Hidden = t.Title, t.URL(), t.VisibilityLabel(), t.Visibility == Public && !t.Archived, false
			}
			if !it.Public {
				d.NotPublic++
			}
			es.Items = append(es.Items, it)
		}
		d.Sections = append(d.Sections, es)
	}
	if d.Recs, err = h.Svc.ReportRecommendations(ctx, rep.ID); err != nil {
		return web.Page{}, err
	}
	return web.Page{Title: "Compile “" + rep.Title + "”", Form: f, Data: d,
		Breadcrumbs: []web.Crumb{reportsCrumb, {Label: rep.Title, URL: rep.URL()}, {Label: "Compile"}}}, nil
}

// reportEditForm holds a report's values for its edit form.
func reportEditForm(rep Report) *web.Form {
	f := web.FormOf(map[string]string{"title": rep.Title, "introduction": rep.Introduction})
	for _, sc := range rep.Sections {
		f.Values.Set(sectionField(sc.ID, "title"), sc.Title)
		if sc.Intro != "" {
			f.Values.Set(sectionField(sc.ID, "intro"), sc.Intro)
		}
	}
	return f
}

func (h *Web) reportEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := h.Svc.ReportForEdit(r.Context(), id)
	if err != nil {
		return err
	}
	page, err := h.reportEditPage(r, rep, reportEditForm(rep))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/report_edit", page)
	return nil
}

func (h *Web) reportSave(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	rep, err := h.Svc.ReportForEdit(ctx, id)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	layout, op, err := ParseLayoutForm(f.Values)
	if err == nil {
		_, err = h.Svc.SaveReportLayout(ctx, id, layout)
	}
	if _, ok := valid.As(err); ok {
		page, perr := h.reportEditPage(r, rep, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/report_edit", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, rep.URL()+"/edit"+op.Anchor(), op.Message())
}

func (h *Web) reportPublish(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	publish := web.NewForm(r).Get("publish") != "false"
	rep, err := h.Svc.PublishReport(r.Context(), id, publish)
	if err != nil {
		return err
	}
	msg := "The report is published: everyone can read it."
	if !publish {
		msg = "The report is back to a draft: only your organisation's staff can read it."
	}
	return web.Redirect(w, r, rep.URL(), msg)
}

// --- exports ---

// ReportExport is a compiled report as the JSON export and the API give it.
type ReportExport struct {
	ID              int64                  `json:"id"`
	Title           string                 `json:"title"`
	Organisation    string                 `json:"organisation"`
	Status          string                 `json:"status"`
	PublishedAt     time.Time              `json:"published_at,omitzero"`
	URL             string                 `json:"url"`
	Introduction    string                 `json:"introduction"`
	Sections        []ExportSection        `json:"sections"`
	Recommendations []ExportRecommendation `json:"recommendations"`
}

// ExportSection is a section of an exported report.
type ExportSection struct {
	Number    int              `json:"number"`
	Title     string           `json:"title"`
	Intro     string           `json:"intro,omitempty"`
	Learnings []ExportLearning `json:"learnings"`
}

// ExportLearning is a learning of an exported report.
type ExportLearning struct {
	Number       string   `json:"number"`
	ID           int64    `json:"id"`
	Title        string   `json:"title"`
	Type         string   `json:"type"`
	Confidence   string   `json:"confidence"`
	Themes       []string `json:"themes"`
	Situation    string   `json:"situation,omitempty"`
	Action       string   `json:"action,omitempty"`
	Result       string   `json:"result,omitempty"`
	Insight      string   `json:"insight"`
	Context      string   `json:"context,omitempty"`
	Organisation string   `json:"organisation"`
	URL          string   `json:"url"`
}

// ExportRecommendation is a recommendation of an exported report.
type ExportRecommendation struct {
	Number      int           `json:"number"`
	ID          int64         `json:"id"`
	Title       string        `json:"title"`
	Body        string        `json:"body,omitempty"`
	Audience    string        `json:"audience,omitempty"`
	Priority    string        `json:"priority"`
	Status      string        `json:"status"`
	Learnings   []LearningRef `json:"learnings"`
	Commitments []LearningRef `json:"commitments"`
	URL         string        `json:"url"`
}

// ExportOf turns a compiled report into its export.
func ExportOf(cr CompiledReport) ReportExport {
	x := ReportExport{ID: cr.ID, Title: cr.Title, Organisation: cr.OrgName, Status: cr.Status, PublishedAt: cr.PublishedAt, URL: cr.URL(),
		Introduction: cr.Introduction, Sections: []ExportSection{}, Recommendations: []ExportRecommendation{}}
	for i, sc := range cr.Compiled {
		es := ExportSection{Number: i + 1, Title: sc.Title, Intro: sc.Intro, Learnings: []ExportLearning{}}
		for j, l := range sc.Learnings {
			themes := []string{}
			for _, t := range l.Themes {
				themes = append(themes, t.Title)
			}
			es.Learnings = append(es.Learnings, ExportLearning{Number: fmt.Sprintf("%d.%d", i+1, j+1), ID: l.ID, Title: l.Title, Type: l.TypeLabel(),
				Confidence: l.ConfidenceLabel(), Themes: themes, Situation: l.Situation, Action: l.Action, Result: l.Result, Insight: l.Insight,
				Context: l.Context, Organisation: l.OrgName, URL: l.URL()})
		}
		x.Sections = append(x.Sections, es)
	}
	for i, m := range cr.Recommendations {
		x.Recommendations = append(x.Recommendations, ExportRecommendation{Number: i + 1, ID: m.ID, Title: m.Title, Body: m.Body, Audience: m.Audience,
			Priority: m.PriorityLabel(), Status: m.StatusLabel(), Learnings: m.Learnings, Commitments: m.Commitments, URL: m.URL()})
	}
	return x
}

var unsafeFileChars = regexp.MustCompile(`[^a-z0-9]+`)

// exportFileName is a safe download name for a report.
func exportFileName(cr CompiledReport, ext string) string {
	base := strings.Trim(unsafeFileChars.ReplaceAllString(strings.ToLower(cr.Title), "-"), "-")
	if len(base) > 60 {
		base = strings.Trim(base[:60], "-")
	}
	if base == "" {
		base = "learning-report"
	}
	return fmt.Sprintf("%s-%d.%s", base, cr.ID, ext)
}

func (h *Web) compiled(r *http.Request) (CompiledReport, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return CompiledReport{}, err
	}
	return h.Svc.CompileReport(r.Context(), id)
}

func attachment(w http.ResponseWriter, contentType, name string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
}

func (h *Web) reportExportJSON(w http.ResponseWriter, r *http.Request) error {
	cr, err := h.compiled(r)
	if err != nil {
		return err
	}
	attachment(w, "application/json; charset=utf-8", exportFileName(cr, "json"))
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ExportOf(cr))
}

// reportCSVHeader is the header of the CSV export: one row per learning, then one per
// recommendation.
var reportCSVHeader = []string{"part", "section_number", "section", "number", "id", "title", "type", "confidence", "themes",
	"situation", "action", "result", "insight", "context", "organisation", "body", "audience", "priority", "status", "learnings",
	"commitments", "url"}

// WriteReportCSV writes the CSV export of a report.
func WriteReportCSV(w interface{ Write([]byte) (int, error) }, x ReportExport) error {
	c, err := export.NewCSV(w, reportCSVHeader...)
	if err != nil {
		return err
	}
	for _, sc := range x.Sections {
		for _, l := range sc.Learnings {
			if err := c.Row("learning", strconv.Itoa(sc.Number), sc.Title, l.Number, strconv.FormatInt(l.ID, 10), l.Title, l.Type, l.Confidence,
				strings.Join(l.Themes, "; "), l.Situation, l.Action, l.Result, l.Insight, l.Context, l.Organisation, "", "", "", "", "", "", l.URL); err != nil {
				return err
			}
		}
	}
	refs := func(rs []LearningRef) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Title)
		}
		return strings.Join(out, "; ")
	}
	for _, m := range x.Recommendations {
		if err := c.Row("recommendation", "", "", strconv.Itoa(m.Number), strconv.FormatInt(m.ID, 10), m.Title, "", "", "", "", "", "", "", "", "",
			m.Body, m.Audience, m.Priority, m.Status, refs(m.Learnings), refs(m.Commitments), m.URL); err != nil {
			return err
		}
	}
	return c.Close()
}

func (h *Web) reportExportCSV(w http.ResponseWriter, r *http.Request) error {
	cr, err := h.compiled(r)
	if err != nil {
		return err
	}
	attachment(w, "text/csv; charset=utf-8", exportFileName(cr, "csv"))
	return WriteReportCSV(w, ExportOf(cr))
}

// ReportMarkdown writes a report as one Markdown document.
func ReportMarkdown(x ReportExport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", oneLineText(x.Title))
	fmt.Fprintf(&b, "%s", oneLineText(x.Organisation))
	if !x.PublishedAt.IsZero() {
		fmt.Fprintf(&b, " · published %s", x.PublishedAt.Format("2 January 2006"))
	} else {
		b.WriteString(" · draft")
	}
	b.WriteString("\n\n")
	if x.Introduction != "" {
		b.WriteString(shiftHeadings(x.Introduction, 1) + "\n\n")
	}
	for _, sc := range x.Sections {
		fmt.Fprintf(&b, "## %d. %s\n\n", sc.Number, oneLineText(sc.Title))
		if sc.Intro != "" {
			b.WriteString(shiftHeadings(sc.Intro, 2) + "\n\n")
		}
		for _, l := range sc.Learnings {
			fmt.Fprintf(&b, "### %s %s\n\n", l.Number, oneLineText(l.Title))
			fmt.Fprintf(&b, "*%s · confidence %s · %s*", l.Type, strings.ToLower(l.Confidence), oneLineText(l.Organisation))
			if len(l.Themes) > 0 {
				fmt.Fprintf(&b, " · themes: %s", oneLineText(strings.Join(l.Themes, ", ")))
			}
			b.WriteString("\n\n")
			for _, part := range []struct{ label, text string }{{"Situation", l.Situation}, {"What was done", l.Action},
				{"Result", l.Result}, {"Insight", l.Insight}, {"Where it applies", l.Context}} {
				if part.text != "" {
					fmt.Fprintf(&b, "**%s.** %s\n\n", part.label, shiftHeadings(part.text, 3))
				}
			}
		}
	}
	if len(x.Recommendations) > 0 {
		b.WriteString("## Recommendations\n\n")
		for _, m := range x.Recommendations {
			fmt.Fprintf(&b, "### %d. %s\n\n", m.Number, oneLineText(m.Title))
			fmt.Fprintf(&b, "*Priority %s · %s", strings.ToLower(m.Priority), strings.ToLower(m.Status))
			if m.Audience != "" {
				fmt.Fprintf(&b, " · for %s", oneLineText(m.Audience))
			}
			b.WriteString("*\n\n")
			if m.Body != "" {
				b.WriteString(shiftHeadings(m.Body, 3) + "\n\n")
			}
			if len(m.Learnings) > 0 {
				b.WriteString("Learnings behind it:\n\n")
				for _, l := range m.Learnings {
					fmt.Fprintf(&b, "- %s\n", oneLineText(l.Title))
				}
				b.WriteString("\n")
			}
			if len(m.Commitments) > 0 {
				b.WriteString("Answered by:\n\n")
				for _, c := range m.Commitments {
					fmt.Fprintf(&b, "- %s\n", oneLineText(c.Title))
				}
				b.WriteString("\n")
			}
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// oneLineText keeps a title on one line in Markdown.
func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

// shiftHeadings moves the ATX headings of user Markdown down by n levels (at most ######),
// so that they sit under the export's own headings.
func shiftHeadings(md string, n int) string {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	fence := false
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
			continue
		}
		if fence || !strings.HasPrefix(t, "#") {
			continue
		}
		level := len(t) - len(strings.TrimLeft(t, "#"))
		if level > 6 || (len(t) > level && t[level] != ' ' && t[level] != '\t') {
			continue
		}
		lines[i] = strings.Repeat("#", min(6, level+n)) + t[level:]
	}
	return strings.Join(lines, "\n")
}

func (h *Web) reportExportMarkdown(w http.ResponseWriter, r *http.Request) error {
	cr, err := h.compiled(r)
	if err != nil {
		return err
	}
	attachment(w, "text/markdown; charset=utf-8", exportFileName(cr, "md"))
	_, err = w.Write([]byte(ReportMarkdown(ExportOf(cr))))
	return err
}

// --- recommendations ---

type recommendationFormData struct {
	Report         Report
	Recommendation Recommendation
	Priorities     []web.Option
	Statuses       []web.Option
	Learnings      []web.Option
	Action         string
}

// recommendationFormPage: the learnings offered are those of the report (and those already
// linked), as the editor may see them.
func (h *Web) recommendationFormPage(r *http.Request, rep Report, m Recommendation, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	d := recommendationFormData{Report: rep, Recommendation: m, Priorities: RecommendationPriorities, Statuses: RecommendationStatuses,
		Action: rep.URL() + "/recommendations"}
	var ids []int64
	for _, sc := range rep.Sections {
		ids = append(ids, sc.LearningIDs...)
	}
	ids = append(ids, m.LearningIDs...)
	titles, err := h.Svc.learningTitles(ctx, ids)
	if err != nil {
		return web.Page{}, err
	}
	for _, lid := range dedupeKeepOrder(ids) {
		if t, ok := titles[lid]; ok {
			d.Learnings = append(d.Learnings, web.Option{Value: strconv.FormatInt(lid, 10), Label: t.Title})
		}
	}
	title := "Add a recommendation"
	crumbs := []web.Crumb{reportsCrumb, {Label: rep.Title, URL: rep.URL()}, {Label: title}}
	if m.ID != 0 {
		d.Action = m.URL()
		title = "Edit the recommendation"
		crumbs = []web.Crumb{reportsCrumb, {Label: rep.Title, URL: rep.URL()}, {Label: m.Title, URL: m.URL()}, {Label: "Edit"}}
	}
	return web.Page{Title: title, Form: f, Data: d, Breadcrumbs: crumbs}, nil
}

func recommendationForm(m Recommendation) *web.Form {
	f := web.FormOf(map[string]string{"title": m.Title, "body": m.Body, "audience": m.Audience, "priority": m.Priority, "status": m.Status})
	if m.Position != 0 {
		f.Values.Set("position", strconv.Itoa(m.Position))
	}
	lrSetIDs(f, "learnings", m.LearningIDs)
	var refs []string
	for _, c := range m.Commitments {
		ref, _, _ := strings.Cut(c.Title, " ")
		if ref == "" {
			ref = strconv.FormatInt(c.ID, 10)
		}
		refs = append(refs, ref)
	}
	if len(refs) > 0 {
		f.Values.Set("commitments", strings.Join(refs, "\n"))
	}
	return f
}

// recommendationInputOf reads the form; the commitments box is turned into IDs through the
// links registry (errors on "commitments").
func (h *Web) recommendationInputOf(r *http.Request, f *web.Form, reportID int64) (RecommendationInput, error) {
	in := RecommendationInput{ReportID: reportID, Title: f.Get("title"), Body: f.Values.Get("body"), Audience: f.Get("audience"),
		Priority: f.Get("priority"), Status: f.Get("status"), LearningIDs: lrFormIDs(f, "learnings")}
	if s := f.Get("position"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return in, valid.Errors{"position": "Enter the position as a whole number, such as 2."}
		}
		in.Position = n
	}
	ids, err := h.Svc.FindCommitments(r.Context(), f.Values.Get("commitments"))
	in.CommitmentIDs = ids
	return in, err
}

func (h *Web) recommendationNew(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := h.Svc.ReportForEdit(r.Context(), id)
	if err != nil {
		return err
	}
	m := Recommendation{Priority: "medium", Status: "proposed"}
	page, err := h.recommendationFormPage(r, rep, m, recommendationForm(m))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/recommendation_form", page)
	return nil
}

func (h *Web) recommendationCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	rep, err := h.Svc.ReportForEdit(ctx, id)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in, err := h.recommendationInputOf(r, f, id)
	var m Recommendation
	if err == nil {
		m, err = h.Svc.CreateRecommendation(ctx, in)
	}
	if _, ok := valid.As(err); ok {
		page, perr := h.recommendationFormPage(r, rep, Recommendation{}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/recommendation_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, rep.URL()+"/edit#recommendations", "The recommendation “"+m.Title+"” is added.")
}

type recommendationShowData struct {
	Recommendation
	BodyHTML template.HTML
	CanEdit  bool
	Report   Report
}

func (h *Web) recommendationShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	m, err := h.Svc.Recommendation(ctx, id)
	if err != nil {
		return err
	}
	d := recommendationShowData{Recommendation: m, BodyHTML: Markdown(m.Body), CanEdit: CanEditRecommendation(authz.From(ctx), m)}
	if m.ReportID != 0 {
		if d.Report, err = h.Svc.Report(ctx, m.ReportID); err != nil {
			return err
		}
	}
	crumbs := []web.Crumb{reportsCrumb}
	if d.Report.ID != 0 {
		crumbs = append(crumbs, web.Crumb{Label: d.Report.Title, URL: d.Report.URL() + "#recommendations"})
	}
	h.Render.OK(w, r, "learning/recommendation_show", web.Page{Title: m.Title, Data: d, Breadcrumbs: append(crumbs, web.Crumb{Label: m.Title})})
	return nil
}

func (h *Web) recommendationEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	m, err := h.Svc.RecommendationForEdit(ctx, id)
	if err != nil {
		return err
	}
	rep, err := h.Svc.Report(ctx, m.ReportID)
	if err != nil {
		return err
	}
	page, err := h.recommendationFormPage(r, rep, m, recommendationForm(m))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/recommendation_form", page)
	return nil
}

func (h *Web) recommendationUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	old, err := h.Svc.RecommendationForEdit(ctx, id)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in, err := h.recommendationInputOf(r, f, old.ReportID)
	var m Recommendation
	if err == nil {
		m, err = h.Svc.UpdateRecommendation(ctx, id, in)
	}
	if _, ok := valid.As(err); ok {
		rep, rerr := h.Svc.Report(ctx, old.ReportID)
		if rerr != nil {
			return rerr
		}
		page, perr := h.recommendationFormPage(r, rep, old, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/recommendation_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, m.URL(), "The recommendation is saved.")
}
