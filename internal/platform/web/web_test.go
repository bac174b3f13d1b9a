package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// syncBuffer collects log lines written from server goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var testPages = fstest.MapFS{
	"t/page.html": {Data: []byte(`{{define "content"}}<h1>{{.Title}}</h1><p>{{.Data}}</p>{{end}}`)},
	"t/form.html": {Data: []byte(`{{define "content"}}<h1>Form</h1>{{template "errorsummary" .Form}}
<form method="post" action="/form">{{template "input" (field .Form "name" "Name" "required" true)}}
{{template "input" (field .Form "email" "Email" "type" "email" "hint" "At work")}}
{{template "checkbox" (field .Form "agree" "I agree")}}</form>{{end}}`)},
}

type env struct {
	h    http.Handler
	logs *syncBuffer
	// ran counts the handler runs by path.
	mu  sync.Mutex
	ran map[string]int
}

func (e *env) mark(r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ran[r.URL.Path]++
}

func (e *env) runs(path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ran[path]
}

// newEnv builds the platform's middleware and router around test handlers. The principal is
// chosen by the X-Test-User header: "" anonymous, "user" signed in, "admin" a site admin.
func newEnv(t *testing.T) *env {
	t.Helper()
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{logs: &syncBuffer{}, ran: map[string]int{}}
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	rend, err := NewRenderer(cat, Site{Name: "Joined Up", Version: "test"}, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := rend.Add("t", testPages, "t"); err != nil {
		t.Fatal(err)
	}
	rend.AddNav(NavItem{Label: "Organisations", URL: "/organisations"}, NavItem{Label: "Admin only", URL: "/admin", Access: SiteAdmin})
	errs := &Errors{Render: rend, Log: log}
	rt := NewRouter(errs)

	rt.Page("GET", "/page", Public, func(w http.ResponseWriter, r *http.Request) error {
		e.mark(r)
		rend.OK(w, r, "t/page", Page{Title: "Test page", Data: "Hello"})
		return nil
	})
	rt.Handle(Route{Method: "GET", Path: "/embed", Access: Public, Frameable: true}, func(w http.ResponseWriter, r *http.Request) error {
		rend.OK(w, r, "t/page", Page{Title: "Embedded", Data: "Hello"})
		return nil
	})
	rt.Page("POST", "/things", SignedIn, func(w http.ResponseWriter, r *http.Request) error {
		e.mark(r)
		f := NewForm(r)
		return Redirect(w, r, "/page", "Saved "+f.Get("name")+".")
	})
	rt.Page("POST", "/public-things", Public, func(w http.ResponseWriter, r *http.Request) error {
		e.mark(r)
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	rt.Page("POST", "/form", Public, func(w http.ResponseWriter, r *http.Request) error {
		e.mark(r)
		f := NewForm(r)
		var c valid.Checker
		c.Required("name", f.Get("name"), "your name")
		c.MaxLen("name", f.Get("name"), 10)
		if f.Get("email") != "" {
			c.Email("email", f.Get("email"))
		}
		if err := c.Err(); err != nil {
			rend.Invalid(w, r, "t/form", Page{Title: "Form", Form: f}, err)
			return nil
		}
		return Redirect(w, r, "/page", "")
	})
	rt.Page("GET", "/missing", Public, func(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound })
	rt.Page("GET", "/private", Public, func(w http.ResponseWriter, r *http.Request) error { return authz.ErrForbidden })
	rt.Page("POST", "/private", Public, func(w http.ResponseWriter, r *http.Request) error { return authz.ErrForbidden })
	rt.Page("GET", "/conflict", Public, func(w http.ResponseWriter, r *http.Request) error { return db.ErrConflict })
	rt.Page("GET", "/panic", Public, func(w http.ResponseWriter, r *http.Request) error { panic("boom at the handler") })
	rt.Page("GET", "/admin", SiteAdmin, func(w http.ResponseWriter, r *http.Request) error {
		e.mark(r)
		_, err := io.WriteString(w, "admin ok")
		return err
	})
	rt.API("GET", "/api/v1/private", Public, "Test", "Private", func(w http.ResponseWriter, r *http.Request) error { return authz.ErrForbidden })
	rt.API("GET", "/api/v1/missing", Public, "Test", "Missing", func(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound })
	rt.API("GET", "/api/v1/panic", Public, "Test", "Panic", func(w http.ResponseWriter, r *http.Request) error { panic("boom at the API") })
	rt.API("POST", "/api/v1/things", Public, "Test", "Create", func(w http.ResponseWriter, r *http.Request) error {
		e.mark(r)
		var in struct {
			Name string `json:"name"`
		}
		if err := api.Decode(r, &in); err != nil {
			return err
		}
		if in.Name == "" {
			return valid.Errors{"name": "Enter a name."}
		}
		return api.JSON(w, http.StatusCreated, in)
	})
	rt.API("GET", "/api/v1/admin", SiteAdmin, "Test", "Admin", func(w http.ResponseWriter, r *http.Request) error {
		return api.JSON(w, http.StatusOK, map[string]bool{"ok": true})
	})

	principal := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := authz.Anonymous
			switch r.Header.Get("X-Test-User") {
			case "user":
				p = authz.Principal{UserID: 2, Name: "Ana"}
			case "admin":
				p = authz.Principal{UserID: 1, Name: "Admin", SiteAdmin: true}
			}
			next.ServeHTTP(w, r.WithContext(authz.With(r.Context(), p)))
		})
	}
	e.h = Chain(rt.Handler(), Observe(log, nil, false, errs), Secure(false), principal)
	return e
}

func (e *env) do(method, target, user string, body io.Reader, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	if user != "" {
		r.Header.Set("X-Test-User", user)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

const formCT = "application/x-www-form-urlencoded"

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, target := range []string{"/page", "/missing", "/api/v1/missing"} {
		w := e.do("GET", target, "", nil)
		h := w.Header()
		csp := h.Get("Content-Security-Policy")
		directives := map[string]string{}
		for _, d := range strings.Split(csp, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
			directives[name] = value
		}
		if s, ok := directives["script-src"]; !ok || strings.Contains(s, "'unsafe-inline'") || strings.Contains(s, "'unsafe-eval'") || strings.Contains(s, "*") {
			t.Errorf("%s: script-src %q", target, s)
		}
		if directives["frame-ancestors"] != "'none'" || directives["object-src"] != "'none'" || directives["base-uri"] != "'none'" {
			t.Errorf("%s: CSP %q", target, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", target, h)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS without TLS", target)
		}
		if h.Get("X-Request-ID") == "" {
			t.Errorf("%s: no request ID", target)
		}
	}
	// A page that may be embedded says so, and only it.
	w := e.do("GET", "/embed", "", nil)
	if !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors *") || w.Header().Get("X-Frame-Options") != "" {
		t.Errorf("frameable page: %v", w.Header())
	}
	// Over TLS, HSTS.
	h := Secure(true)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !strings.HasPrefix(rec.Header().Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS over TLS")
	}
}

func TestCrossOrigin(t *testing.T) {
	e := newEnv(t)
	body := func() io.Reader { return strings.NewReader("name=x") }
	for _, c := range []struct {
		name   string
		header []string
	}{
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site", "Content-Type", formCT}},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site", "Content-Type", formCT}},
		{"Origin of another site", []string{"Origin", "https://evil.example", "Content-Type", formCT}},
	} {
		for _, target := range []string{"/things", "/public-things"} {
			w := e.do("POST", target, "user", body(), c.header...)
			if w.Code != http.StatusForbidden {
				t.Errorf("%s %s: %d", c.name, target, w.Code)
			}
		}
	}
	if n := e.runs("/things") + e.runs("/public-things"); n != 0 {
		t.Fatalf("handlers ran %d times for cross-origin requests", n)
	}
	// Same origin, or no browser headers at all (a script), is allowed.
	if w := e.do("POST", "/things", "user", body(), "Sec-Fetch-Site", "same-origin", "Content-Type", formCT); w.Code != http.StatusSeeOther {
		t.Errorf("same-origin: %d", w.Code)
	}
	if w := e.do("POST", "http://example.com/things", "user", body(), "Origin", "http://example.com", "Content-Type", formCT); w.Code != http.StatusSeeOther {
		t.Errorf("same Origin: %d", w.Code)
	}
	if w := e.do("POST", "/things", "user", body(), "Content-Type", formCT); w.Code != http.StatusSeeOther {
		t.Errorf("no browser headers: %d", w.Code)
	}
	// Reading is never refused.
	if w := e.do("GET", "/page", "", nil, "Sec-Fetch-Site", "cross-site"); w.Code != 200 {
		t.Errorf("cross-site GET: %d", w.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t)
	big := "name=" + strings.Repeat("x", MaxFormBody)
	w := e.do("POST", "/things", "user", strings.NewReader(big), "Content-Type", formCT)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Header().Get("Content-Type"), "text/html") {
		t.Errorf("form over the limit: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if e.runs("/things") != 0 {
		t.Error("the handler ran for an oversize form")
	}
	// Without Content-Length (chunked) too.
	r := httptest.NewRequest("POST", "/things", io.MultiReader(strings.NewReader(big)))
	r.ContentLength = -1
	r.Header.Set("Content-Type", formCT)
	r.Header.Set("X-Test-User", "user")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge || e.runs("/things") != 0 {
		t.Errorf("chunked form over the limit: %d", rec.Code)
	}
	// JSON over the API's limit: a 413 problem.
	w = e.do("POST", "/api/v1/things", "", strings.NewReader(`{"name":"`+strings.Repeat("x", api.MaxBody)+`"}`), "Content-Type", "application/json")
	if w.Code != http.StatusRequestEntityTooLarge || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("JSON over the limit: %d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	// A form just under the limit is read.
	w = e.do("POST", "/things", "user", strings.NewReader("name=ok&pad="+strings.Repeat("x", MaxFormBody-20)), "Content-Type", formCT)
	if w.Code != http.StatusSeeOther {
		t.Errorf("form under the limit: %d", w.Code)
	}
	// A malformed form is a 400, not an empty form.
	if w := e.do("POST", "/form", "", strings.NewReader("name=%zz"), "Content-Type", formCT); w.Code != http.StatusBadRequest || e.runs("/form") != 0 {
		t.Errorf("malformed form: %d", w.Code)
	}
}

type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail"`
	Instance  string            `json:"instance"`
	RequestID string            `json:"request_id"`
	Errors    map[string]string `json:"errors"`
}

func readProblem(t *testing.T, w *httptest.ResponseRecorder) problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem: %v %s", err, w.Body.String())
	}
	if p.Status != w.Code || p.Title == "" || p.Type == "" {
		t.Errorf("problem %+v for status %d", p, w.Code)
	}
	return p
}

func TestErrors(t *testing.T) {
	e := newEnv(t)

	w := e.do("GET", "/missing", "", nil)
	if w.Code != 404 || !strings.Contains(w.Body.String(), "Page not found") || !strings.Contains(w.Header().Get("Content-Type"), "text/html") {
		t.Errorf("not found page: %d", w.Code)
	}
	p := readProblem(t, e.do("GET", "/api/v1/missing", "", nil))
	if p.Status != 404 || p.Instance != "/api/v1/missing" || p.RequestID == "" {
		t.Errorf("not found problem: %+v", p)
	}

	// Forbidden: anonymous visitors are sent to sign in (coming back where they were) ...
	w = e.do("GET", "/private?x=1&y=2", "", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signin?next="+url.QueryEscape("/private?x=1&y=2") {
		t.Errorf("anonymous forbidden: %d %q", w.Code, w.Header().Get("Location"))
	}
	// ... except after a POST, which cannot be repeated by a redirect.
	if w := e.do("POST", "/private", "", strings.NewReader("a=1"), "Content-Type", formCT); w.Code != 403 {
		t.Errorf("anonymous forbidden POST: %d", w.Code)
	}
	w = e.do("GET", "/api/v1/private", "", nil)
	if w.Code != 401 || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("anonymous API: %d %v", w.Code, w.Header())
	}
	if p := readProblem(t, w); p.Detail == "" {
		t.Error("401 problem without detail")
	}
	w = e.do("GET", "/private", "user", nil)
	if w.Code != 403 || !strings.Contains(w.Body.String(), "You cannot see this page") {
		t.Errorf("signed-in forbidden: %d", w.Code)
	}
	w = e.do("GET", "/api/v1/private", "user", nil)
	if w.Code != 403 || w.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("signed-in API forbidden: %d", w.Code)
	}
	readProblem(t, w)

	// Field errors in the API: 422 with the messages by field.
	w = e.do("POST", "/api/v1/things", "", strings.NewReader(`{"name":""}`), "Content-Type", "application/json")
	if p := readProblem(t, w); w.Code != 422 || p.Errors["name"] != "Enter a name." {
		t.Errorf("validation problem: %d %+v", w.Code, p)
	}
	w = e.do("POST", "/api/v1/things", "", strings.NewReader(`{"nom":"x"}`), "Content-Type", "application/json")
	if p := readProblem(t, w); w.Code != 400 || p.Errors["nom"] == "" {
		t.Errorf("unknown field problem: %d %+v", w.Code, p)
	}
	if w := e.do("POST", "/api/v1/things", "", strings.NewReader(`{"name":"Ana"}`), "Content-Type", "application/json"); w.Code != 201 {
		t.Errorf("valid create: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("GET", "/conflict", "", nil); w.Code != 409 {
		t.Errorf("conflict: %d", w.Code)
	}

	// A panic: the 500 page quotes the request ID, and the panic is logged with its stack.
	w = e.do("GET", "/panic", "", nil)
	id := w.Header().Get("X-Request-ID")
	if w.Code != 500 || id == "" || !strings.Contains(w.Body.String(), "<code>"+id+"</code>") || !strings.Contains(w.Body.String(), "Something went wrong") {
		t.Errorf("panic page: %d %s", w.Code, w.Body.String())
	}
	if strings.Contains(w.Body.String(), "boom") {
		t.Error("the panic value is shown to the visitor")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "boom at the handler") || !strings.Contains(logs, "request_id="+id) || !strings.Contains(logs, "stack=") {
		t.Errorf("panic not logged:\n%s", logs)
	}
	w = e.do("GET", "/api/v1/panic", "", nil)
	if p := readProblem(t, w); w.Code != 500 || p.RequestID != w.Header().Get("X-Request-ID") || strings.Contains(w.Body.String(), "boom") {
		t.Errorf("panic problem: %d %+v", w.Code, p)
	}
	// A request ID sent by a proxy is kept; a malformed one is replaced.
	if w := e.do("GET", "/page", "", nil, "X-Request-ID", "abc-123"); w.Header().Get("X-Request-ID") != "abc-123" {
		t.Error("request ID not kept")
	}
	if w := e.do("GET", "/page", "", nil, "X-Request-ID", "bad id"); w.Header().Get("X-Request-ID") == "bad id" {
		t.Error("malformed request ID kept")
	}
}

func TestAccessGates(t *testing.T) {
	e := newEnv(t)
	if w := e.do("GET", "/admin", "user", nil); w.Code != 403 || strings.Contains(w.Body.String(), "admin ok") {
		t.Errorf("non-admin: %d", w.Code)
	}
	if w := e.do("GET", "/admin", "", nil); w.Code != http.StatusSeeOther {
		t.Errorf("anonymous: %d", w.Code)
	}
	if e.runs("/admin") != 0 {
		t.Fatal("admin handler ran for a non-admin")
	}
	if w := e.do("GET", "/admin", "admin", nil); w.Code != 200 || w.Body.String() != "admin ok" {
		t.Errorf("admin: %d", w.Code)
	}
	if w := e.do("GET", "/api/v1/admin", "user", nil); w.Code != 403 {
		t.Errorf("non-admin API: %d", w.Code)
	}
	if w := e.do("GET", "/api/v1/admin", "", nil); w.Code != 401 {
		t.Errorf("anonymous admin API: %d", w.Code)
	}
	if w := e.do("POST", "/things", "", strings.NewReader("name=x"), "Content-Type", formCT); w.Code != 403 || e.runs("/things") != 0 {
		t.Errorf("anonymous POST to a signed-in route: %d", w.Code)
	}
	// Navigation shows admin entries to admins only.
	if body := e.do("GET", "/page", "user", nil).Body.String(); strings.Contains(body, `href="/admin"`) || !strings.Contains(body, `href="/organisations"`) {
		t.Error("nav for a user")
	}
	if body := e.do("GET", "/page", "admin", nil).Body.String(); !strings.Contains(body, `href="/admin"`) {
		t.Error("nav for an admin")
	}
}

func TestFlash(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Test-User", "user")
		e.h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(srv.URL+"/things", url.Values{"name": {"<the plan>"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Request.URL.Path != "/page" || !strings.Contains(string(b), `role="status">Saved &lt;the plan&gt;.</div>`) {
		t.Fatalf("after the redirect: %s\n%s", res.Request.URL, b)
	}
	res, err = c.Get(srv.URL + "/page")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(b), "Saved") {
		t.Error("the flash is shown twice")
	}
	// A forged flash cookie cannot inject markup or a kind.
	r := httptest.NewRequest("GET", "/page", nil)
	forged, _ := json.Marshal(Flash{Kind: `x" onclick="alert(1)`, Message: "<script>alert(1)</script>"})
	r.AddCookie(&http.Cookie{Name: flashCookie, Value: b64(forged)})
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if body := w.Body.String(); strings.Contains(body, "<script>alert") || strings.Contains(body, "onclick") || !strings.Contains(body, "flash-info") {
		t.Errorf("forged flash: %s", body)
	}
}

func TestFormKeepsInput(t *testing.T) {
	e := newEnv(t)
	typed := url.Values{"name": {`<Ana "Tui">`}, "email": {"not-an-email"}, "agree": {"on"}}
	w := e.do("POST", "/form", "", strings.NewReader(typed.Encode()), "Content-Type", formCT)
	body := w.Body.String()
	if w.Code != 422 {
		t.Fatalf("status %d", w.Code)
	}
	for _, s := range []string{
		`value="&lt;Ana &#34;Tui&#34;&gt;"`, `value="not-an-email"`, `name="agree" value="on" checked`,
		`id="f-name-error"`, `Use 10 characters or fewer`, `aria-describedby="f-email-hint f-email-error"`, `aria-invalid="true"`,
		`class="error-summary"`, `<a href="#f-email">`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("form page lacks %s", s)
		}
	}
	if strings.Contains(body, `<Ana`) {
		t.Error("typed text not escaped")
	}
}

func TestLayout(t *testing.T) {
	e := newEnv(t)
	w := e.do("GET", "/page", "", nil, "Accept-Language", "fr-CA, en;q=0.5")
	body := w.Body.String()
	for _, s := range []string{
		`<html lang="en">`, `<a class="skip" href="#main">`, `<main id="main"`, `<nav class="main-nav" aria-label="Main">`,
		`<title>Test page – Joined Up</title>`, `role="search"`, `<label for="site-search"`, `<footer`, `<header`,
		`<script src="/static/app.js?v=test" defer></script>`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("layout lacks %s", s)
		}
	}
	if strings.Count(body, "<h1>") != 1 {
		t.Error("want exactly one h1")
	}
	if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("page headers: %v", w.Header())
	}
}

func TestPathID(t *testing.T) {
	for v, ok := range map[string]bool{"1": true, "42": true, "0": false, "-1": false, "x": false, "": false, "1.5": false, "99999999999999999999": false} {
		r := httptest.NewRequest("GET", "/", nil)
		r.SetPathValue("id", v)
		id, err := PathID(r, "id")
		if (err == nil) != ok || (!ok && err != db.ErrNotFound) || (ok && id <= 0) {
			t.Errorf("PathID(%q) = %d, %v", v, id, err)
		}
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// TestSecureBehindLoadBalancer: with --tls the site is HTTPS even though the balancer speaks
// plain HTTP to it, so the cookies it sets are Secure.
func TestSecureBehindLoadBalancer(t *testing.T) {
	for _, tls := range []bool{false, true} {
		h := Secure(tls)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if HTTPS(r) != tls {
				t.Errorf("tls=%v: HTTPS(r) = %v", tls, HTTPS(r))
			}
			SetFlash(w, r, Flash{Kind: "info", Message: "hello"})
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		cs := w.Result().Cookies()
		if len(cs) != 1 || cs[0].Secure != tls {
			t.Errorf("tls=%v: cookies %+v", tls, cs)
		}
	}
}
