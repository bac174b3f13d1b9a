package satisfaction

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// insightApp serves the satisfaction routes with the principal of people named by the
// X-Test-As header, as the app does after its authentication middleware.
func insightApp(t *testing.T, s *Service, people map[string]context.Context) http.Handler {
	t.Helper()
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rend, err := web.NewRenderer(cat, web.Site{Name: "Joined Up", Version: "test"}, log)
	if err != nil {
		t.Fatal(err)
	}
	rt := web.NewRouter(&web.Errors{Render: rend, Log: log})
	if err := (&Web{Svc: s, Render: rend}).Routes(rt); err != nil {
		t.Fatal(err)
	}
	h := rt.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := authz.Anonymous
		if c, ok := people[r.Header.Get("X-Test-As")]; ok {
			p = authz.From(c)
		}
		h.ServeHTTP(w, r.WithContext(authz.With(r.Context(), p)))
	})
}

func insightDo(h http.Handler, who, method, path string, form url.Values) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestInsightPages(t *testing.T) {
	d := dbtest.SQLite(t)
	sv, ids := commentSurvey(t, d, "pages")
	people := insPeople(t, d, sv.OrgID)
	s := NewService(d, nil)
	h := insightApp(t, s, people)
	base := "/surveys/" + strconv.FormatInt(sv.ID, 10)
	rid := strconv.FormatInt(ids[5], 10)

	// Comments: members read; contributors get the tag forms; others 404.
	rec := insightDo(h, "viewer", "GET", base+"/comments", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Comment number 119 about the waiting time") ||
		strings.Contains(rec.Body.String(), "Add a theme") || !strings.Contains(rec.Body.String(), `href="`+base+`/comments?q=waiting&#43;time"`) {
		t.Errorf("viewer comments: %d", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), `href="`+base+`/comments?before=`) {
		t.Error("no link to older comments")
	}
	if rec := insightDo(h, "contributor", "GET", base+"/comments?q=100%25", nil); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), "Add a theme") || !strings.Contains(rec.Body.String(), "Got 100% of what I needed") ||
		strings.Contains(rec.Body.String(), "Comment number") {
		t.Errorf("contributor search: %d", rec.Code)
	}
	if rec := insightDo(h, "other", "GET", base+"/comments", nil); rec.Code != 404 {
		t.Errorf("other organisation: %d", rec.Code)
	}
	if rec := insightDo(h, "", "GET", base+"/comments", nil); rec.Code != http.StatusSeeOther {
		t.Errorf("anonymous: %d", rec.Code)
	}

	// Tagging.
	if rec := insightDo(h, "viewer", "POST", base+"/comments/"+rid+"/themes", url.Values{"theme": {"Waiting"}}); rec.Code != 403 {
		t.Errorf("viewer tags: %d", rec.Code)
	}
	rec = insightDo(h, "contributor", "POST", base+"/comments/"+rid+"/themes", url.Values{"theme": {"Waiting"}, "f_q": {"number"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != base+"/comments?q=number#c-"+rid {
		t.Errorf("tag: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	long := strings.Repeat("x", 61)
	rec = insightDo(h, "contributor", "POST", base+"/comments/"+rid+"/themes", url.Values{"theme": {long}})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Use 60 characters or fewer") || !strings.Contains(rec.Body.String(), `value="`+long+`"`) ||
		!strings.Contains(rec.Body.String(), `id="f-theme"`) {
		t.Errorf("long theme: %d", rec.Code)
	}
	rec = insightDo(h, "contributor", "GET", base+"/comments?theme=Waiting", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Waiting</a>: 1 comment<") || strings.Count(rec.Body.String(), `<article class="c-box"`) != 1 {
		t.Errorf("theme filter: %d", rec.Code)
	}
	rec = insightDo(h, "contributor", "POST", base+"/comments/"+rid+"/themes/remove", url.Values{"theme": {"Waiting"}})
	if rec.Code != http.StatusSeeOther {
		t.Errorf("untag: %d", rec.Code)
	}
	if rec := insightDo(h, "contributor", "POST", base+"/comments/"+strconv.FormatInt(ids[4], 10)+"/themes", url.Values{"theme": {"X"}}); rec.Code != 404 {
		t.Errorf("response without a comment: %d", rec.Code)
	}

	// Drivers: not computed yet, then computed.
	rec = insightDo(h, "viewer", "GET", base+"/drivers", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Not computed yet") || !s.Analyses.Dirty(sv.ID) {
		t.Errorf("drivers before: %d", rec.Code)
	}
	sv2 := testSurvey(t, d, "pages-drivers")
	insStore(t, d, sv2, planted(400, 11))
	now := time.Now()
	a := newTestAnalyses(d, &now)
	a.Replicates = 30
	if err := a.Compute(context.Background(), sv2.ID); err != nil {
		t.Fatal(err)
	}
	people2 := insPeople(t, d, sv2.OrgID)
	h2 := insightApp(t, s, people2)
	rec = insightDo(h2, "viewer", "GET", "/surveys/"+strconv.FormatInt(sv2.ID, 10)+"/drivers", nil)
	body := rec.Body.String()
	for _, want := range []string{"<svg", "Fix first", "Timeliness: It took a reasonable amount of time", "LMG (Shapley)", "30 replicates", "of all 3"} {
		if !strings.Contains(body, want) {
			t.Errorf("drivers page lacks %q", want)
		}
	}
	if rec := insightDo(h2, "other", "GET", "/surveys/"+strconv.FormatInt(sv2.ID, 10)+"/drivers", nil); rec.Code != 404 {
		t.Errorf("drivers, other organisation: %d", rec.Code)
	}

	// Exports.
	rec = insightDo(h, "contributor", "GET", base+"/responses.csv", nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "id,submitted_at,version,channel,place,overall,") ||
		strings.Count(rec.Body.String(), "\n") != 121 || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), "survey-pages-responses.csv") {
		t.Errorf("CSV: %d %q", rec.Code, rec.Header())
	}
	if rec := insightDo(h, "viewer", "GET", base+"/responses.csv", nil); rec.Code != 403 {
		t.Errorf("viewer CSV: %d", rec.Code)
	}
	rec = insightDo(h, "manager", "GET", base+"/responses.json", nil)
	var rows []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &rows); rec.Code != 200 || err != nil || len(rows) != 120 {
		t.Errorf("JSON: %d %v %d", rec.Code, err, len(rows))
	}
	rec = insightDo(h, "site", "GET", "/api/v1/surveys/pages/responses", nil)
	rows = nil
	if err := json.Unmarshal(rec.Body.Bytes(), &rows); rec.Code != 200 || err != nil || len(rows) != 120 || rows[0]["overall"] != 1.0 {
		t.Errorf("API: %d %v %d", rec.Code, err, len(rows))
	}
	if rec := insightDo(h, "other", "GET", "/api/v1/surveys/pages/responses", nil); rec.Code != 404 ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
		t.Errorf("API, other organisation: %d", rec.Code)
	}
	if n := auditRows(t, d, "survey.responses.export", "success"); n != 3 {
		t.Errorf("%d export audit rows, want 3", n)
	}
}
