package engagement

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// pages serves the engagement routes as the app does after its authentication middleware,
// with the principal named by the X-Test-As header.
func pages(t *testing.T, f *fixture, sections ...Section) http.Handler {
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
	h := &Web{Svc: f.s, Render: rend}
	if err := h.Routes(rt); err != nil {
		t.Fatal(err)
	}
	for _, s := range sections {
		h.AddSection(s)
	}
	mux := rt.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := r.Header.Get("X-Test-As")
		if who == "" {
			who = "anonymous"
		}
		mux.ServeHTTP(w, r.WithContext(authz.With(r.Context(), f.people[who])))
	})
}

type resp struct {
	code int
	body string
	loc  string
}

func do(t *testing.T, h http.Handler, who, method, path string, form url.Values) resp {
	t.Helper()
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
	return resp{code: rec.Code, body: rec.Body.String(), loc: rec.Header().Get("Location")}
}

func has(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func hasNot(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s should not contain %q", what, w)
		}
	}
}

func TestRegisterPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		open := f.published(t, f.input("Open in Logan"))
		cape := f.input("Upcoming in Cape York")
		cape.OpensOn, cape.ClosesOn, cape.ReportBackBy, cape.PlaceIDs = Date{d0("2025-04-01")}, Date{d0("2025-04-30")}, Date{d0("2025-05-31")}, []int64{f.cape}
		f.published(t, cape)
		late := f.input("Late in Logan")
		late.OpensOn, late.ClosesOn, late.ReportBackBy = Date{d0("2025-01-01")}, Date{d0("2025-01-31")}, Date{d0("2025-02-28")}
		od := f.published(t, late)
		if _, err := f.s.Create(f.as("manager-a"), f.input("Secret draft")); err != nil {
			t.Fatal(err)
		}
		reported := f.reported(t, "Reported in Logan")
		h := pages(t, f)

		r := do(t, h, "anonymous", "GET", "/engagements", nil)
		if r.code != 200 {
			t.Fatalf("register: %d", r.code)
		}
		has(t, "the register", r.body, "Open in Logan", "Upcoming in Cape York", "Late in Logan", "Reported in Logan", "4 engagements",
			"We will listen to you", "Report overdue", "Hear back by 30 Apr 2025", `href="/engagements/overdue"`)
		hasNot(t, "the public register", r.body, "Secret draft")
		r = do(t, h, "viewer-a", "GET", "/engagements", nil)
		has(t, "a member's register", r.body, "Secret draft", "Draft")

		for _, c := range []struct {
			query     string
			want, not []string
		}{
			{"place=" + fmt.Sprint(f.cape), []string{"Upcoming in Cape York", "1 engagement,"}, []string{"Open in Logan"}},
			{"place=" + fmt.Sprint(f.qld) + "&status=open", []string{"Open in Logan"}, []string{"Upcoming in Cape York", "Late in Logan"}},
			{"status=overdue", []string{"Late in Logan"}, []string{"Open in Logan", "Reported in Logan"}},
			{"theme=Local+decisions", []string{"Reported in Logan"}, []string{"Open in Logan"}},
			{"organisation=" + fmt.Sprint(f.orgC), []string{"No engagement matches these filters"}, []string{"Open in Logan"}},
			{"from=2025-04-02", []string{"Upcoming in Cape York"}, []string{"Late in Logan", "Open in Logan"}},
		} {
			r := do(t, h, "anonymous", "GET", "/engagements?"+c.query, nil)
			if r.code != 200 {
				t.Errorf("%s: %d", c.query, r.code)
			}
			has(t, c.query, r.body, c.want...)
			hasNot(t, c.query, r.body, c.not...)
		}
		r = do(t, h, "anonymous", "GET", "/engagements?status=bogus&from=soon", nil)
		if r.code != http.StatusUnprocessableEntity {
			t.Errorf("a bad filter: %d", r.code)
		}
		has(t, "a bad filter", r.body, "Choose a status from the list.", "Enter a date as YYYY-MM-DD", `href="#f-from"`)

		// The overdue list.
		r = do(t, h, "anonymous", "GET", "/engagements/overdue", nil)
		if r.code != 200 {
			t.Fatalf("overdue: %d", r.code)
		}
		has(t, "the overdue list", r.body, "Late in Logan", "28 Feb 2025", "<td class=\"num\">15</td>", "1 overdue report")
		hasNot(t, "the overdue list", r.body, "Open in Logan", "Reported in Logan", "Secret draft")

		// The consultation load.
		r = do(t, h, "anonymous", "GET", "/engagements/load", nil)
		if r.code != 200 {
			t.Fatalf("load: %d", r.code)
		}
		has(t, "the load", r.body, "Logan", "Cape York", "Open now", "Closed in the last 90 days")

		// The engagement page, by ID and slug; the overdue banner; drafts hidden.
		r = do(t, h, "anonymous", "GET", od.URL(), nil)
		if r.code != 200 {
			t.Fatalf("engagement page: %d", r.code)
		}
		has(t, "the overdue engagement", r.body, "The report is overdue", "15 days ago", "How much say you have", "Consult.", "Logan")
		r = do(t, h, "anonymous", "GET", open.URL(), nil)
		hasNot(t, "an engagement on time", r.body, "The report is overdue", "For staff")
		r = do(t, h, "manager-a", "GET", open.URL(), nil)
		has(t, "the page for a manager", r.body, "For staff", "Close the engagement", "/engagements/"+fmt.Sprint(open.ID)+"/report/edit")
		r = do(t, h, "anonymous", "GET", reported.URL(), nil)
		has(t, "a reported engagement", r.body, "We asked, you said, we did", "/report")
		r = do(t, h, "anonymous", "GET", "/engagements/no-such-slug", nil)
		if r.code != 404 {
			t.Errorf("an unknown slug: %d", r.code)
		}
		// The public report: quotes, themes, counts.
		r = do(t, h, "anonymous", "GET", reported.URL()+"/report", nil)
		if r.code != 200 {
			t.Fatalf("report: %d", r.code)
		}
		has(t, "the report", r.body, "We asked", "You said", "We did", "Local decisions", "made in Logan", "Our response", "What changed", "Print")
		r = do(t, h, "anonymous", "GET", open.URL()+"/report", nil)
		if r.code != 404 {
			t.Errorf("the public reads an unwritten report: %d", r.code)
		}
	})
}

func TestEngagementFormsAndSections(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var seen []string
		h := pages(t, f, Section{Name: "test", Load: func(r *http.Request, pg *EngagementPage) (any, error) {
			seen = append(seen, pg.E.Title)
			return "data", nil
		}})
		if r := do(t, h, "viewer-a", "GET", "/engagements/new", nil); r.code != http.StatusForbidden {
			t.Errorf("a viewer's new form: %d", r.code)
		}
		r := do(t, h, "contributor-a", "GET", "/engagements/new", nil)
		if r.code != 200 {
			t.Fatalf("new form: %d", r.code)
		}
		has(t, "the new form", r.body, `name="title"`, `type="radio"`, "Involve: We will work with you", `name="place_ids"`)
		// A refused form keeps what was typed.
		form := url.Values{"organisation_id": {fmt.Sprint(f.orgA)}, "title": {"My engagement"}, "opens_on": {"2025-13-01"}, "slug": {"Bad Slug"}}
		r = do(t, h, "contributor-a", "POST", "/engagements", form)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d", r.code)
		}
		has(t, "the refused form", r.body, `value="My engagement"`, "f-opens_on", "f-slug")
		form = url.Values{"organisation_id": {fmt.Sprint(f.orgA)}, "title": {"My engagement"}, "slug": {"my-engagement"},
			"place_ids": {fmt.Sprint(f.logan)}, "influence": {"consult"}}
		r = do(t, h, "contributor-a", "POST", "/engagements", form)
		if r.code != http.StatusSeeOther || r.loc != "/engagements/my-engagement" {
			t.Fatalf("create: %d %s", r.code, r.loc)
		}
		// Publishing without the checks shows the edit form with what is missing.
		r = do(t, h, "manager-a", "POST", "/engagements/my-engagement/status", url.Values{"status": {"open"}})
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("publishing an incomplete draft: %d", r.code)
		}
		has(t, "the refused publication", r.body, "Say what the engagement is for before you publish it.", "f-report_back_by")
		// Save and publish in one go.
		e, err := f.s.Engagement(f.as("manager-a"), "my-engagement")
		if err != nil {
			t.Fatal(err)
		}
		edit := url.Values{"organisation_id": {fmt.Sprint(f.orgA)}, "title": {"My engagement"}, "slug": {"my-engagement"}, "purpose": {"Why"},
			"decision": {"What"}, "influence": {"involve"}, "opens_on": {"2025-03-01"}, "closes_on": {"2025-03-30"}, "report_back_by": {"2025-04-30"},
			"place_ids": {fmt.Sprint(f.logan)}, "moderation": {"post"}, "report_threshold": {"3"}, "statement_limit": {"10"}, "publish": {"1"}}
		r = do(t, h, "contributor-a", "POST", fmt.Sprintf("/engagements/%d", e.ID), edit)
		if r.code != http.StatusSeeOther {
			t.Fatalf("a contributor saves the draft: %d", r.code)
		}
		if got, _ := f.s.Engagement(f.as("manager-a"), "my-engagement"); got.Status != StatusDraft {
			t.Errorf("a contributor's save and publish published: %s", got.Status)
		}
		r = do(t, h, "manager-a", "POST", fmt.Sprintf("/engagements/%d", e.ID), edit)
		if r.code != http.StatusSeeOther {
			t.Fatalf("save and publish: %d %s", r.code, r.body)
		}
		if got, _ := f.s.Engagement(f.as("anonymous"), "my-engagement"); got.Status != StatusOpen || got.Influence != Involve {
			t.Errorf("after save and publish: %+v", got)
		}
		// The page draws the sections' data.
		seen = nil
		if r := do(t, h, "anonymous", "GET", "/engagements/my-engagement", nil); r.code != 200 || len(seen) != 1 || seen[0] != "My engagement" {
			t.Errorf("page with a section: %d, loaded %v", r.code, seen)
		}
		// Who edits: not a viewer, not another organisation.
		for _, who := range []string{"viewer-a", "admin-c", "contributor-a"} {
			if r := do(t, h, who, "GET", fmt.Sprintf("/engagements/%d/edit", e.ID), nil); r.code != http.StatusForbidden {
				t.Errorf("%s edits a published engagement: %d", who, r.code)
			}
		}
	})
}

func TestReportEditorAndTagging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := f.input("Closing the loop")
		in.ClosesOn = Date{d0("2025-03-14")}
		e := f.published(t, in)
		subs := f.submit(t, e, []string{"Buses should run after 7pm.", "Parks need shade."}, []bool{true, true}, []string{"", ""})
		h := pages(t, f)
		base := fmt.Sprintf("/engagements/%d", e.ID)

		if r := do(t, h, "viewer-a", "GET", base+"/submissions", nil); r.code != http.StatusForbidden {
			t.Errorf("a viewer reads submissions: %d", r.code)
		}
		r := do(t, h, "contributor-a", "GET", base+"/submissions", nil)
		if r.code != 200 {
			t.Fatalf("submissions: %d", r.code)
		}
		has(t, "the submissions", r.body, "Buses should run after 7pm.", "Agreed to be quoted", "No themes yet")
		r = do(t, h, "contributor-a", "POST", base+"/themes", url.Values{"name": {""}})
		if r.code != http.StatusUnprocessableEntity {
			t.Errorf("an empty theme: %d", r.code)
		}
		r = do(t, h, "contributor-a", "POST", base+"/themes", url.Values{"name": {"Transport"}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("add a theme: %d", r.code)
		}
		_, themes, err := f.s.Themes(f.as("contributor-a"), e.Key())
		if err != nil || len(themes) != 1 {
			t.Fatalf("themes: %v %v", themes, err)
		}
		r = do(t, h, "contributor-a", "POST", fmt.Sprintf("%s/submissions/%d/themes", base, subs[0]), url.Values{"theme_id": {fmt.Sprint(themes[0].ID)}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("tag: %d", r.code)
		}
		r = do(t, h, "contributor-a", "GET", base+"/submissions?untagged=1", nil)
		has(t, "untagged submissions", r.body, "Parks need shade.", "1 submission.")
		hasNot(t, "untagged submissions", r.body, "Buses should run")

		// The editor: a contributor may not; a manager fills in a new theme and a quote.
		if r := do(t, h, "contributor-a", "GET", base+"/report/edit", nil); r.code != http.StatusForbidden {
			t.Errorf("a contributor opens the editor: %d", r.code)
		}
		r = do(t, h, "manager-a", "GET", base+"/report/edit", nil)
		if r.code != 200 {
			t.Fatalf("editor: %d", r.code)
		}
		has(t, "the editor", r.body, "Theme: Transport (1 tagged)", `name="theme_name_1"`, "No. "+fmt.Sprint(subs[1]))
		form := url.Values{"theme_count": {"4"}, "quote_count": {"0"}, "we_asked": {"What should change"}, "you_said": {"Buses and shade"},
			"we_did":     {"Later buses"},
			"theme_id_0": {fmt.Sprint(themes[0].ID)}, "theme_name_0": {"Transport"}, "theme_response_0": {"Buses run later"}, "theme_order_0": {"2"},
			"theme_name_1": {"Parks"}, "theme_response_1": {"Shade sails"}, "theme_order_1": {"1"},
			"new_quote_submission": {fmt.Sprint(subs[1])}, "new_quote_text": {"Parks need shade"}, "new_quote_theme": {fmt.Sprint(themes[0].ID)}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("new_quote_text", "Parks need more money")
		r = do(t, h, "manager-a", "POST", base+"/report", bad)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("a made-up quote: %d", r.code)
		}
		has(t, "the refused report", r.body, "Quote the words of submission", `href="#f-new_quote_text"`, "Parks need more money")
		r = do(t, h, "manager-a", "POST", base+"/report", form)
		if r.code != http.StatusSeeOther {
			t.Fatalf("save the report: %d %s", r.code, r.body)
		}
		_, rep, err := f.s.ReportForEditing(f.as("manager-a"), e.Key())
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Themes) != 2 || rep.Themes[0].Name != "Parks" || rep.Themes[1].Name != "Transport" || len(rep.Quotes) != 1 || rep.Quotes[0].Theme != "Transport" {
			t.Fatalf("saved from the form: %+v", rep)
		}
		// Publish through the page, then read it over the API.
		if _, _, err := f.s.SetStatus(f.as("manager-a"), e.Key(), StatusClosed); err != nil {
			t.Fatal(err)
		}
		r = do(t, h, "manager-a", "POST", base+"/report/publish", url.Values{})
		if r.code != http.StatusSeeOther || r.loc != e.URL()+"/report" {
			t.Fatalf("publish: %d %s", r.code, r.loc)
		}
		f.s.Wait()
		r = do(t, h, "anonymous", "GET", "/api/v1/engagements/"+fmt.Sprint(e.ID)+"/report", nil)
		var got Report
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.code != 200 || !got.Published() || len(got.Themes) != 2 {
			t.Errorf("API report: %d %v %s", r.code, err, r.body)
		}
		r = do(t, h, "anonymous", "GET", "/api/v1/engagements?status=reported", nil)
		if r.code != 200 || !strings.Contains(r.body, `"title":"Closing the loop"`) || !strings.Contains(r.body, `"phase":"reported"`) {
			t.Errorf("API list: %d %s", r.code, r.body)
		}
		r = do(t, h, "anonymous", "GET", "/api/v1/engagements?status=nope", nil)
		if r.code != 400 || !strings.Contains(r.body, `"status"`) {
			t.Errorf("API list with a bad status: %d %s", r.code, r.body)
		}
	})
}

func FuzzReportForm(f *testing.F) {
	f.Add("theme_count=2&theme_id_0=5&theme_name_0=A&theme_order_0=2&theme_name_1=B&quote_count=1&quote_id_0=3&quote_submission_0=4&quote_text_0=x&quote_theme_0=5")
	f.Add("theme_count=99999&quote_count=-1&new_quote_text=x")
	f.Add("theme_count=1&theme_id_0=x&theme_order_0=1e9")
	f.Add("we_asked=a")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		in, themeFields, quoteFields, errs := reportInputOf(&web.Form{Values: v}, []Theme{{ID: 5, Name: "A"}})
		if len(in.Themes) != len(themeFields) || len(in.Quotes) != len(quoteFields) {
			t.Fatalf("%q: %d themes for %d fields, %d quotes for %d fields", raw, len(in.Themes), len(themeFields), len(in.Quotes), len(quoteFields))
		}
		if len(in.Themes) > maxFormRows || len(in.Quotes) > maxFormRows+1 {
			t.Fatalf("%q: %d themes, %d quotes", raw, len(in.Themes), len(in.Quotes))
		}
		for _, th := range in.Themes {
			if th.ID != 0 && th.ID != 5 {
				t.Fatalf("%q: theme %d is not the engagement's", raw, th.ID)
			}
		}
		for _, q := range in.Quotes {
			if q.SubmissionID <= 0 {
				t.Fatalf("%q: quote of submission %d", raw, q.SubmissionID)
			}
		}
		for k, m := range errs {
			if m == "" {
				t.Fatalf("%q: empty message on %s", raw, k)
			}
		}
		_ = formErrors(valid.Errors{"themes[0].name": "x", "quotes[3].text": "y", "we_asked": "z"}, themeFields, quoteFields)
	})
}
