package learning

import (
	"bytes"
	"encoding/json"
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
	"github.com/joinedup/joinedup/internal/platform/web"
)

// csApp serves learning's routes as the app does after its authentication middleware; the
// principal is the fixture's person named in the X-Test-As header.
func csApp(t *testing.T, f *csFixture) http.Handler {
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
	if err := (&Web{Svc: f.s, Render: rend}).Routes(rt); err != nil {
		t.Fatal(err)
	}
	h := web.Chain(rt.Handler(), web.Secure(false))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := r.Header.Get("X-Test-As")
		if who == "" {
			who = "anonymous"
		}
		h.ServeHTTP(w, r.WithContext(authz.With(r.Context(), f.people[who])))
	})
}

type csResp struct {
	code int
	body string
	hdr  http.Header
}

func csDo(t *testing.T, h http.Handler, who, method, path string, body io.Reader, ct string) csResp {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return csResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func csGet(t *testing.T, h http.Handler, who, path string) csResp {
	t.Helper()
	return csDo(t, h, who, "GET", path, nil, "")
}

func csPost(t *testing.T, h http.Handler, who, path string, form url.Values) csResp {
	t.Helper()
	return csDo(t, h, who, "POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func csWant(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func csWantNot(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s should not contain %q", what, w)
		}
	}
}

func TestCaseStudyPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCSFixture(t, d)
		h := csApp(t, f)
		pub := f.create(t, "Logan Together", Public)
		in := f.input("Members' notes", Members)
		in.Body = "<script>alert(1)</script>\n\n[click](javascript:alert(1)) and **bold**"
		mem, err := f.s.CreateCaseStudy(f.as("contributor-a"), in)
		if err != nil {
			t.Fatal(err)
		}
		// The list: the public see the public one; the filter narrows.
		r := csGet(t, h, "anonymous", "/case-studies")
		if r.code != 200 {
			t.Fatalf("list: %d", r.code)
		}
		csWant(t, "the public list", r.body, "Logan Together", "1 case study")
		csWantNot(t, "the public list", r.body, "Members&#39; notes", "Write a case study")
		r = csGet(t, h, "outsider", "/case-studies?influence=collaborate&place="+csID(f.places[0]))
		csWant(t, "a member's filtered list", r.body, "Logan Together", "Members&#39; notes", "2 of 2 case studies in Logan", "Not public")
		r = csGet(t, h, "contributor-a", "/case-studies?influence=empower")
		csWant(t, "an empty filter", r.body, "No case study matches these filters", "Write a case study")

		// One case study: Markdown rendered safely, facts, the page of a hidden one is 404.
		r = csGet(t, h, "outsider", mem.URL())
		if r.code != 200 {
			t.Fatalf("members' case study as a member: %d", r.code)
		}
		csWant(t, "the page", r.body, "<strong>bold</strong>", "<!-- raw HTML omitted -->", "Collaborate: the public helps decide", "1 July 2018 to 30 June 2020")
		csWantNot(t, "the page", r.body, "<script>alert", "javascript:alert", "Edit the case study")
		if r := csGet(t, h, "anonymous", mem.URL()); r.code != 404 {
			t.Errorf("members' case study as anonymous: %d, want 404", r.code)
		}
		r = csGet(t, h, "contributor-a", pub.URL())
		csWant(t, "the creator's page", r.body, "Edit the case study", `enctype="multipart/form-data"`)
		csWantNot(t, "the creator's page", r.body, ">Archive<")
		csWant(t, "the manager's page", csGet(t, h, "manager-a", pub.URL()).body, ">Archive<")

		// Create: bad input is kept with its messages (422) and saves nothing.
		form := url.Values{"organisation_id": {csID(f.orgA)}, "title": {""}, "summary": {"Kept summary"}, "visibility": {Public},
			"place_ids": {csID(f.places[1])}, "theme_ids": {csID(f.themes[1])}, "period_start": {"2020-05-01"}, "period_end": {"2019-01-01"}}
		r = csPost(t, h, "contributor-a", "/case-studies", form)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("invalid create: %d", r.code)
		}
		csWant(t, "the invalid form", r.body, "There is a problem", "Kept summary", "Enter a title.", "The end (1 January 2019) is before the start")
		if !strings.Contains(r.body, `value="`+csID(f.themes[1])+`" checked`) {
			t.Error("the invalid form lost the chosen theme")
		}
		form.Set("title", "Papakura")
		form.Set("period_end", "2021-01-01")
		r = csPost(t, h, "contributor-a", "/case-studies", form)
		if r.code != http.StatusSeeOther {
			t.Fatalf("create: %d %s", r.code, r.body)
		}
		loc := r.hdr.Get("Location")
		if r := csPost(t, h, "viewer-a", "/case-studies", form); r.code != http.StatusForbidden {
			t.Errorf("a viewer creates: %d", r.code)
		}

		// Edit as a new revision, then the history and the diff.
		r = csGet(t, h, "contributor-a", loc+"/edit")
		csWant(t, "the edit form", r.body, `name="revision" value="1"`, "What did you change?", `value="Papakura"`)
		form.Set("summary", "Kept summary\nwith a second line")
		form.Set("note", "Said more")
		form.Set("revision", "1")
		if r := csPost(t, h, "contributor-a", loc, form); r.code != http.StatusSeeOther {
			t.Fatalf("update: %d %s", r.code, r.body)
		}
		if r := csPost(t, h, "contributor-a", loc, form); r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Someone saved a newer version (revision 2)") {
			t.Errorf("a stale update: %d", r.code)
		}
		if r := csPost(t, h, "contributor2-a", loc, form); r.code != http.StatusForbidden {
			t.Errorf("another contributor edits: %d", r.code)
		}
		r = csGet(t, h, "anonymous", loc+"/history")
		csWant(t, "the history", r.body, "Revision 2", "(current)", "Said more (Changed: Summary)", "Test contributor-a", `href="`+loc+`/diff?from=1&amp;to=2"`)
		r = csGet(t, h, "anonymous", loc+"/diff?from=1&to=2")
		if r.code != 200 {
			t.Fatalf("diff: %d", r.code)
		}
		csWant(t, "the diff", r.body, "<ins>", "Added: </span>with a second line</ins>", "1 field changed", "Summary")
		csWantNot(t, "the diff", r.body, "<del>")
		r = csGet(t, h, "anonymous", loc+"/history/1")
		csWant(t, "revision 1", r.body, "This is an earlier revision", "Kept summary")
		for _, bad := range []string{loc + "/history/9", loc + "/history/x", loc + "/diff?from=1&to=9"} {
			if r := csGet(t, h, "anonymous", bad); r.code != 404 {
				t.Errorf("%s: %d, want 404", bad, r.code)
			}
		}
		if r := csGet(t, h, "anonymous", loc+"/diff?from=x"); r.code != 400 {
			t.Errorf("a malformed diff: %d, want 400", r.code)
		}
		if r := csGet(t, h, "anonymous", mem.URL()+"/history"); r.code != 404 {
			t.Errorf("the history of a hidden case study: %d, want 404", r.code)
		}

		// Archive: managers only; then hidden from the public.
		if r := csPost(t, h, "contributor-a", loc+"/archive", url.Values{"archived": {"true"}}); r.code != http.StatusForbidden {
			t.Errorf("the creator archives: %d", r.code)
		}
		if r := csPost(t, h, "manager-a", loc+"/archive", url.Values{"archived": {"true"}}); r.code != http.StatusSeeOther {
			t.Errorf("the manager archives: %d", r.code)
		}
		if r := csGet(t, h, "anonymous", loc); r.code != 404 {
			t.Errorf("an archived case study for the public: %d", r.code)
		}
	})
}

func TestCaseStudyUploadAndDownload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCSFixture(t, d)
		h := csApp(t, f)
		c := f.create(t, "With files", Members)
		upload := func(who, name string, data []byte) csResp {
			body, ct := multipartBody(t, "file", name, data, nil)
			return csDo(t, h, who, "POST", c.URL()+"/files", body, ct)
		}
		if r := upload("contributor-a", "notes.txt", []byte("Meeting notes, 2019.\n")); r.code != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", r.code, r.body)
		}
		r := upload("contributor-a", "big.txt", bytes.Repeat([]byte("a"), MaxFileBytes+1))
		if r.code != http.StatusRequestEntityTooLarge {
			t.Errorf("too large: %d", r.code)
		}
		csWant(t, "the too-large page", r.body, "The file is too large: choose a file of 10 MB or less.", `aria-invalid="true"`)
		r = upload("contributor-a", "page.html", []byte("<script>alert(1)</script>"))
		if r.code != http.StatusUnprocessableEntity {
			t.Errorf("a refused type: %d", r.code)
		}
		csWant(t, "the refused-type page", r.body, "Files of this type cannot be uploaded")
		if r := upload("contributor-b", "notes.txt", []byte("x")); r.code != http.StatusForbidden {
			t.Errorf("another organisation uploads: %d", r.code)
		}
		if r := upload("anonymous", "notes.txt", []byte("x")); r.code == http.StatusSeeOther {
			t.Errorf("anonymous uploads: %d", r.code)
		}
		cur, err := f.s.CaseStudy(f.as("contributor-a"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(cur.Files) != 1 || cur.Revision != 2 {
			t.Fatalf("files %v, revision %d; want one file, revision 2", cur.Files, cur.Revision)
		}
		file := cur.Files[0].URL()
		r = csGet(t, h, "outsider", file)
		if r.code != 200 || r.body != "Meeting notes, 2019.\n" {
			t.Fatalf("download: %d %q", r.code, r.body)
		}
		for k, want := range map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff",
			"Content-Disposition": `attachment; filename="notes.txt"; filename*=UTF-8''notes.txt`} {
			if got := r.hdr.Get(k); got != want {
				t.Errorf("%s: %q, want %q", k, got, want)
			}
		}
		if r := csGet(t, h, "anonymous", file); r.code != 404 {
			t.Errorf("anonymous downloads a members' file: %d", r.code)
		}
		if r := csGet(t, h, "anonymous", "/files/99999"); r.code != 404 {
			t.Errorf("no such file: %d", r.code)
		}
		// Detached: no longer downloadable by members (the uploader still may not, as it is
		// owned by nothing now… but the staff see it through nothing either).
		if r := csPost(t, h, "contributor-a", c.URL()+"/files/"+csID(cur.Files[0].ID)+"/delete", url.Values{}); r.code != http.StatusSeeOther {
			t.Fatalf("detach: %d", r.code)
		}
		if r := csGet(t, h, "outsider", file); r.code != 404 {
			t.Errorf("a detached file: %d", r.code)
		}
	})
}

func TestCaseStudyAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCSFixture(t, d)
		h := csApp(t, f)
		in := f.input("From the API", Public)
		b, _ := json.Marshal(in)
		r := csDo(t, h, "contributor-a", "POST", "/api/v1/case-studies", bytes.NewReader(b), "application/json")
		if r.code != http.StatusCreated {
			t.Fatalf("create: %d %s", r.code, r.body)
		}
		var c CaseStudy
		if err := json.Unmarshal([]byte(r.body), &c); err != nil {
			t.Fatal(err)
		}
		if c.Title != "From the API" || c.Revision != 1 || r.hdr.Get("Location") != "/api/v1/case-studies/"+csID(c.ID) || len(c.Places) != 1 {
			t.Errorf("created %+v at %s", c, r.hdr.Get("Location"))
		}
		// Invalid: 422 with the field.
		bad := in
		bad.Visibility = "secret"
		b, _ = json.Marshal(bad)
		r = csDo(t, h, "contributor-a", "POST", "/api/v1/case-studies", bytes.NewReader(b), "application/json")
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"visibility"`) {
			t.Errorf("invalid: %d %s", r.code, r.body)
		}
		// Update from an old revision: 422; from the current one: revision 2.
		in.Title, in.Revision = "From the API, edited", 1
		b, _ = json.Marshal(in)
		r = csDo(t, h, "manager-a", "PUT", "/api/v1/case-studies/"+csID(c.ID), bytes.NewReader(b), "application/json")
		if r.code != 200 || !strings.Contains(r.body, `"revision":2`) {
			t.Fatalf("update: %d %s", r.code, r.body)
		}
		r = csDo(t, h, "manager-a", "PUT", "/api/v1/case-studies/"+csID(c.ID), bytes.NewReader(b), "application/json")
		if r.code != http.StatusUnprocessableEntity {
			t.Errorf("a stale update: %d", r.code)
		}
		// List with a filter, and paging.
		f.create(t, "Second", Public)
		r = csGet(t, h, "anonymous", "/api/v1/case-studies?limit=1")
		var page struct {
			Items      []CaseStudy `json:"items"`
			NextCursor string      `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(r.body), &page); err != nil || len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("page 1: %v %s", err, r.body)
		}
		r = csGet(t, h, "anonymous", "/api/v1/case-studies?limit=1&cursor="+page.NextCursor)
		page.NextCursor = ""
		if err := json.Unmarshal([]byte(r.body), &page); err != nil || len(page.Items) != 1 || page.Items[0].Title != "Second" || page.NextCursor != "" {
			t.Fatalf("page 2: %v %s", err, r.body)
		}
		if r := csGet(t, h, "anonymous", "/api/v1/case-studies?influence=loud"); r.code != 400 {
			t.Errorf("a bad filter: %d", r.code)
		}
		// Revisions, newest first, with snapshots.
		r = csGet(t, h, "anonymous", "/api/v1/case-studies/"+csID(c.ID)+"/revisions")
		var revs struct {
			Items []Revision `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.body), &revs); err != nil || len(revs.Items) != 2 || revs.Items[0].Revision != 2 ||
			!strings.Contains(string(revs.Items[0].Snapshot), "From the API, edited") || revs.Items[1].Summary != "Created" {
			t.Errorf("revisions: %v %s", err, r.body)
		}
		// Archive through the API: the manager only.
		r = csDo(t, h, "contributor-a", "POST", "/api/v1/case-studies/"+csID(c.ID)+"/archive", strings.NewReader(`{"archived":true}`), "application/json")
		if r.code != http.StatusForbidden {
			t.Errorf("the creator archives: %d", r.code)
		}
		r = csDo(t, h, "manager-a", "POST", "/api/v1/case-studies/"+csID(c.ID)+"/archive", strings.NewReader(`{"archived":true}`), "application/json")
		if r.code != 200 || !strings.Contains(r.body, `"archived":true`) {
			t.Errorf("the manager archives: %d %s", r.code, r.body)
		}
		if r := csGet(t, h, "anonymous", "/api/v1/case-studies/"+csID(c.ID)); r.code != 404 {
			t.Errorf("an archived case study through the API: %d", r.code)
		}
	})
}
