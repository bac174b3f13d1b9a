package satisfaction

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// insightRoutes registers the staff pages of the slow analyses and the text: the driver
// analysis, the open comments and their themes, and the exports of responses. Every route
// needs an account; the service checks the survey (members of its organisation with Read see
// the pages; others get 404; tagging needs Contribute, exporting Contribute).
func (h *Web) insightRoutes(rt *web.Router) {
	rt.Page("GET", "/surveys/{id}/drivers", web.SignedIn, h.driversPage)
	rt.Page("GET", "/surveys/{id}/comments", web.SignedIn, h.commentsPage)
	rt.Page("POST", "/surveys/{id}/comments/{response_id}/themes", web.SignedIn, h.commentTag)
	rt.Page("POST", "/surveys/{id}/comments/{response_id}/themes/remove", web.SignedIn, h.commentUntag)
	h.exportRoutes(rt)
}

// surveyCrumbs lead from the survey list to a page of a survey.
func surveyCrumbs(sv Survey, here string) []web.Crumb {
	return []web.Crumb{{Label: "Surveys", URL: "/surveys"}, {Label: sv.Title, URL: sv.URL()}, {Label: here}}
}

// commentsData is what survey_comments.html shows.
type commentsData struct {
	L CommentList
	// ThemeOptions are the survey's themes for the filter and the tag forms.
	ThemeOptions []web.Option
	Filtered     bool
	// ErrorFor is the comment whose tag form failed; Typed what was typed there.
	ErrorFor int64
	Typed    string
}

// URL is the comments page with the filter, optionally with another cursor and search.
func (d commentsData) URL(before int64) string {
	return commentsURL(d.L.Survey.ID, d.L.Filter.Theme, d.L.Filter.Search, before)
}

// NextURL is the page of older comments, "" on the last page.
func (d commentsData) NextURL() string {
	if d.L.Next == 0 {
		return ""
	}
	return d.URL(d.L.Next)
}

// TermURL filters the comments by a frequent term (keeping the theme).
func (d commentsData) TermURL(term string) string {
	return commentsURL(d.L.Survey.ID, d.L.Filter.Theme, term, 0)
}

// ThemeURL filters the comments by a theme.
func (d commentsData) ThemeURL(theme string) string {
	return commentsURL(d.L.Survey.ID, theme, "", 0)
}

// ClearURL drops the filters.
func (d commentsData) ClearURL() string { return commentsURL(d.L.Survey.ID, "", "", 0) }

func commentsURL(surveyID int64, theme, search string, before int64) string {
	v := url.Values{}
	if theme != "" {
		v.Set("theme", theme)
	}
	if search != "" {
		v.Set("q", search)
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	u := "/surveys/" + strconv.FormatInt(surveyID, 10) + "/comments"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// filterOf reads the comment filter from values: theme, q, before (a malformed cursor
// starts from the newest).
func filterOf(v url.Values) CommentFilter {
	f := CommentFilter{Theme: v.Get("theme"), Search: v.Get("q")}
	if n, err := strconv.ParseInt(v.Get("before"), 10, 64); err == nil && n > 0 {
		f.Before = n
	}
	return f
}

func (h *Web) commentsPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderComments(w, r, id, filterOf(r.URL.Query()), nil, 0, "")
}

// renderComments shows the comments page; with err (a validation error of the tag form of
// comment errorFor) it answers 422 with the message beside that form.
func (h *Web) renderComments(w http.ResponseWriter, r *http.Request, surveyID int64, f CommentFilter, formErr error, errorFor int64, typed string) error {
	if formErr != nil {
		// Start the page at the comment whose form failed, so that its message shows.
		f.Before = errorFor + 1
	}
	l, err := h.Svc.Comments(r.Context(), surveyID, f)
	if err != nil {
		return err
	}
	d := commentsData{L: l, Filtered: l.Filter.Theme != "" || l.Filter.Search != "", ErrorFor: errorFor, Typed: typed}
	for _, t := range l.Themes {
		d.ThemeOptions = append(d.ThemeOptions, web.Option{Value: t.Theme, Label: t.Theme})
	}
	page := web.Page{Title: "Comments: " + l.Survey.Title, Data: d, Breadcrumbs: surveyCrumbs(l.Survey, "Comments")}
	if formErr != nil {
		page.Form = &web.Form{Values: url.Values{"theme": {typed}}}
		h.Render.Invalid(w, r, "satisfaction/survey_comments", page, formErr)
		return nil
	}
	h.Render.OK(w, r, "satisfaction/survey_comments", page)
	return nil
}

// tagTarget reads the survey, the response and the filter to return to from a tag form.
func tagTarget(r *http.Request) (int64, int64, CommentFilter, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return 0, 0, CommentFilter{}, err
	}
	rid, err := web.PathID(r, "response_id")
	if err != nil {
		return 0, 0, CommentFilter{}, err
	}
	f := web.NewForm(r)
	back := url.Values{"theme": {f.Get("f_theme")}, "q": {f.Get("f_q")}, "before": {f.Get("f_before")}}
	return id, rid, filterOf(back), nil
}

func (h *Web) commentTag(w http.ResponseWriter, r *http.Request) error {
	id, rid, back, err := tagTarget(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	theme := f.Get("theme")
	if theme == "" {
		theme = f.Get("existing")
	}
	got, err := h.Svc.TagComment(r.Context(), id, rid, theme)
	if _, ok := valid.As(err); ok {
		return h.renderComments(w, r, id, back, err, rid, f.Values.Get("theme"))
	}
	if err != nil {
		return err
	}
	to := commentsURL(id, back.Theme, back.Search, back.Before) + "#c-" + strconv.FormatInt(rid, 10)
	return web.Redirect(w, r, to, "The comment is tagged “"+got+"”.")
}

func (h *Web) commentUntag(w http.ResponseWriter, r *http.Request) error {
	id, rid, back, err := tagTarget(r)
	if err != nil {
		return err
	}
	theme := web.NewForm(r).Get("theme")
	err = h.Svc.UntagComment(r.Context(), id, rid, theme)
	if _, ok := valid.As(err); ok {
		return h.renderComments(w, r, id, back, err, rid, "")
	}
	if err != nil {
		return err
	}
	to := commentsURL(id, back.Theme, back.Search, back.Before) + "#c-" + strconv.FormatInt(rid, 10)
	return web.Redirect(w, r, to, "The theme “"+normaliseTheme(theme)+"” is removed from the comment.")
}
