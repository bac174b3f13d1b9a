package engagement

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// ---- the published report ----

type reportData struct {
	E       Detail
	R       Report
	Staff   bool // may see the draft
	Manage  bool
	Printed time.Time
}

// Share is a theme's share of the items tagged with any theme, as a whole percentage.
func (d reportData) Share(t Theme) string {
	total := 0
	for _, x := range d.R.Themes {
		total += x.Count()
	}
	if total == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(t.Count())/float64(total))
}

// Updated reports whether the report was changed after it was published.
func (d reportData) Updated() bool {
	return d.R.PublishedAt != nil && d.R.UpdatedAt.Sub(*d.R.PublishedAt) > time.Minute
}

// Late is how many days after the promised date the report was published (0: on time).
func (d reportData) Late() int {
	if d.R.PublishedAt == nil || d.E.ReportBackBy.IsZero() {
		return 0
	}
	n := int(day(*d.R.PublishedAt).Sub(day(d.E.ReportBackBy)).Hours() / 24)
	return max(n, 0)
}

func (h *Web) reportShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, rep, err := h.Svc.Report(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := authz.From(ctx)
	h.Render.OK(w, r, "engagement/report_show", web.Page{Title: "What we heard: " + d.Title,
		Data:        reportData{E: d, R: rep, Staff: CanSeeDraftReport(p, d.Engagement), Manage: CanManage(p, d.Engagement), Printed: h.Svc.Now()},
		Breadcrumbs: crumbs(d, "Report")})
	return nil
}

// ---- the editor ----

// newThemeRows is how many blank themes the editor offers at a time.
const newThemeRows = 3

// maxFormRows bounds the rows the editor's form may claim.
const maxFormRows = MaxThemes + MaxQuotes + 10

type themeRow struct {
	Index int   // the form index: field names end _Index
	ID    int64 // 0 for a blank row
	Name  string
	Count int
	Links string // the address that adds a link from the theme
	Theme Theme
}

type quoteRow struct {
	Index        int
	ID           int64
	SubmissionID int64
	Hidden       bool
}

type reportFormData struct {
	E          Detail
	R          Report
	Themes     []themeRow
	Quotes     []quoteRow
	ThemeOpts  []web.Option // existing themes, by ID, for quotes
	Consenting []submissionRow
	SubOpts    []web.Option
	CanPublish bool
	Problems   []string
	Notified   int
	Waiting    int
	LinkFrom   string
	ThemeCount int
	QuoteCount int
	Action     string
}

func (h *Web) reportFormPage(r *http.Request, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	d, rep, err := h.Svc.ReportForEditing(ctx, r.PathValue("id"))
	if err != nil {
		return web.Page{}, err
	}
	data := reportFormData{E: d, R: rep, Action: fmt.Sprintf("/engagements/%d/report", d.ID)}
	for i, t := range rep.Themes {
		data.Themes = append(data.Themes, themeRow{Index: i, ID: t.ID, Name: t.Name, Count: t.Count(), Theme: t,
			Links: linkFormURL(KindTheme, t.ID, fmt.Sprintf("/engagements/%d/report/edit", d.ID))})
		data.ThemeOpts = append(data.ThemeOpts, web.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	for i := range newThemeRows {
		data.Themes = append(data.Themes, themeRow{Index: len(rep.Themes) + i})
	}
	for j, q := range rep.Quotes {
		data.Quotes = append(data.Quotes, quoteRow{Index: j, ID: q.ID, SubmissionID: q.SubmissionID, Hidden: q.Hidden})
	}
	data.ThemeCount, data.QuoteCount = len(data.Themes), len(data.Quotes)
	subs, err := h.Svc.Store.Submissions(ctx, h.Svc.DB, d.ID, SubmissionFilter{Consented: true, Limit: 200})
	if err != nil {
		return web.Page{}, err
	}
	for _, s := range subs {
		if len(s.Texts()) == 0 {
			continue
		}
		data.Consenting = append(data.Consenting, submissionRow{Submission: s, Answers: answerPairs(d.Questionnaire, s)})
		data.SubOpts = append(data.SubOpts, web.Option{Value: strconv.FormatInt(s.ID, 10), Label: fmt.Sprintf("No. %d: %s", s.ID, s.Excerpt(70))})
	}
	data.CanPublish = d.Phase(h.Svc.Now()) == PhaseClosed || d.Status == StatusReported
	for _, k := range sortedKeys(ReportProblems(rep)) {
		data.Problems = append(data.Problems, ReportProblems(rep)[k])
	}
	if data.Notified, data.Waiting, err = h.Svc.Store.Notifications(ctx, h.Svc.DB, d.ID); err != nil {
		return web.Page{}, err
	}
	if h.Svc.Dir != nil && h.Svc.Dir.CanLinkFrom(ctx, KindEngagement, d.ID) {
		data.LinkFrom = linkFormURL(KindEngagement, d.ID, fmt.Sprintf("/engagements/%d/report/edit", d.ID))
	}
	if f == nil {
		f = reportForm(rep, data)
	}
	return web.Page{Title: "Write the report: " + d.Title, Data: data, Form: f, Breadcrumbs: crumbs(d, "Write the report")}, nil
}

// reportForm fills the editor's form from the saved report.
func reportForm(rep Report, data reportFormData) *web.Form {
	m := map[string]string{"we_asked": rep.WeAsked, "you_said": rep.YouSaid, "we_did": rep.WeDid,
		"theme_count": strconv.Itoa(data.ThemeCount), "quote_count": strconv.Itoa(data.QuoteCount)}
	for _, t := range data.Themes {
		i := strconv.Itoa(t.Index)
		m["theme_order_"+i] = strconv.Itoa(t.Index + 1)
		if t.ID == 0 {
			continue
		}
		m["theme_id_"+i] = strconv.FormatInt(t.ID, 10)
		m["theme_name_"+i] = t.Theme.Name
		m["theme_response_"+i] = t.Theme.Response
		m["theme_change_"+i] = t.Theme.Change
	}
	for j, q := range rep.Quotes {
		k := strconv.Itoa(j)
		m["quote_id_"+k] = strconv.FormatInt(q.ID, 10)
		m["quote_submission_"+k] = strconv.FormatInt(q.SubmissionID, 10)
		m["quote_text_"+k] = q.Text
		if q.ThemeID != 0 {
			m["quote_theme_"+k] = strconv.FormatInt(q.ThemeID, 10)
		}
	}
	return web.FormOf(m)
}

// reportInputOf reads the editor's form. It returns the input and, for each theme and quote
// of the input, the form field prefix its messages belong to.
func reportInputOf(f *web.Form, existing []Theme) (ReportInput, []string, []string, valid.Errors) {
	errs := valid.Errors{}
	count := func(name string) int {
		n, err := strconv.Atoi(f.Get(name))
		if err != nil || n < 0 || n > maxFormRows {
			return 0
		}
		return n
	}
	// A form without the counts (not the editor's) leaves themes and quotes as they are.
	in := ReportInput{WeAsked: f.Get("we_asked"), YouSaid: f.Get("you_said"), WeDid: f.Get("we_did")}
	if f.Get("theme_count") != "" {
		in.Themes = []ThemeInput{}
	}
	if f.Get("quote_count") != "" {
		in.Quotes = []QuoteInput{}
	}
	type ordered struct {
		order int
		index int
		t     ThemeInput
	}
	var rows []ordered
	finalName := map[int64]string{}
	known := map[int64]bool{}
	for _, t := range existing {
		known[t.ID] = true
	}
	for i := range count("theme_count") {
		k := strconv.Itoa(i)
		id := formID(f, "theme_id_"+k)
		if id < 0 || (id > 0 && !known[id]) {
			errs["theme_name_"+k] = "This theme is no longer part of the report: reload the page."
			continue
		}
		t := ThemeInput{ID: id, Name: f.Get("theme_name_" + k), Response: f.Get("theme_response_" + k), Change: f.Get("theme_change_" + k)}
		if f.Bool("theme_delete_" + k) {
			continue
		}
		if id == 0 && t.Name == "" && t.Response == "" && t.Change == "" {
			continue // a blank row
		}
		order, err := strconv.Atoi(f.Get("theme_order_" + k))
		if err != nil || order < 1 || order > 1000 {
			if f.Get("theme_order_"+k) != "" {
				errs["theme_order_"+k] = "Enter a position from 1 to 1000."
			}
			order = 1000 + i
		}
		rows = append(rows, ordered{order: order, index: i, t: t})
		if id > 0 {
			finalName[id] = t.Name
		}
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].order < rows[b].order })
	var themeFields []string
	for _, r := range rows {
		in.Themes = append(in.Themes, r.t)
		themeFields = append(themeFields, "theme_%s_"+strconv.Itoa(r.index))
	}
	var quoteFields []string
	themeOf := func(name string) string {
		id := formID(f, name)
		return finalName[id] // "" for none, or a theme deleted or unknown
	}
	if in.Themes == nil {
		for _, t := range existing {
			finalName[t.ID] = t.Name
		}
	}
	for j := range count("quote_count") {
		k := strconv.Itoa(j)
		if f.Bool("quote_delete_" + k) {
			continue
		}
		id := formID(f, "quote_id_"+k)
		sub := formID(f, "quote_submission_"+k)
		if id <= 0 || sub <= 0 {
			continue
		}
		in.Quotes = append(in.Quotes, QuoteInput{ID: id, SubmissionID: sub, Text: f.Get("quote_text_" + k), Theme: themeOf("quote_theme_" + k)})
		quoteFields = append(quoteFields, "quote_%s_"+k)
	}
	if (f.Get("new_quote_text") != "" || f.Get("new_quote_submission") != "") && in.Quotes != nil {
		sub := formID(f, "new_quote_submission")
		if sub <= 0 {
			errs["new_quote_submission"] = "Choose the submission the quote comes from."
		} else {
			in.Quotes = append(in.Quotes, QuoteInput{SubmissionID: sub, Text: f.Get("new_quote_text"), Theme: themeOf("new_quote_theme")})
			quoteFields = append(quoteFields, "new_quote_%s")
		}
	}
	if len(errs) == 0 {
		errs = nil
	}
	return in, themeFields, quoteFields, errs
}

var listKey = regexp.MustCompile(`^(themes|quotes)\[(\d+)\]\.(\w+)$`)

// formErrors turns the service's messages on themes[i].field and quotes[i].field into
// messages on the editor's fields.
func formErrors(err error, themeFields, quoteFields []string) error {
	ve, ok := valid.As(err)
	if !ok {
		return err
	}
	out := valid.Errors{}
	for k, v := range ve {
		m := listKey.FindStringSubmatch(k)
		if m == nil {
			out[k] = v
			continue
		}
		i, _ := strconv.Atoi(m[2])
		fields := themeFields
		if m[1] == "quotes" {
			fields = quoteFields
		}
		field := m[3]
		if field == "submission_id" {
			field = "submission"
		}
		if i < len(fields) {
			out[fmt.Sprintf(fields[i], field)] = v
		} else {
			out[""] = v
		}
	}
	return out
}

func (h *Web) reportEdit(w http.ResponseWriter, r *http.Request) error {
	page, err := h.reportFormPage(r, nil)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "engagement/report_form", page)
	return nil
}

func (h *Web) reportSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	key := r.PathValue("id")
	d, err := h.Svc.Engagement(ctx, key)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	if !CanManage(authz.From(ctx), d.Engagement) {
		_, err := h.Svc.SaveReport(ctx, key, ReportInput{}) // audits the refusal
		return err
	}
	existing, err := h.Svc.Store.Themes(ctx, h.Svc.DB, d.ID)
	if err != nil {
		return err
	}
	in, themeFields, quoteFields, bad := reportInputOf(f, existing)
	if bad == nil {
		_, err = h.Svc.SaveReport(ctx, key, in)
		err = formErrors(err, themeFields, quoteFields)
	} else {
		err = bad
	}
	if _, ok := valid.As(err); ok {
		page, perr := h.reportFormPage(r, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "engagement/report_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/engagements/%d/report/edit", d.ID), "The report is saved.")
}

func (h *Web) reportPublish(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	key := r.PathValue("id")
	d, err := h.Svc.Engagement(ctx, key)
	if err != nil {
		return err
	}
	_, err = h.Svc.PublishReport(ctx, key)
	if _, ok := valid.As(err); ok {
		page, perr := h.reportFormPage(r, nil)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "engagement/report_form", page, formErrors(err, themeFieldsOf(page), nil))
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, d.URL()+"/report", "The report is published. Everyone who asked to hear back is being emailed.")
}

// themeFieldsOf maps the saved themes to the editor's fields (for messages after a refused
// publication, which checks the saved report).
func themeFieldsOf(page web.Page) []string {
	data, ok := page.Data.(reportFormData)
	if !ok {
		return nil
	}
	var out []string
	for _, t := range data.Themes {
		if t.ID != 0 {
			out = append(out, "theme_%s_"+strconv.Itoa(t.Index))
		}
	}
	return out
}
