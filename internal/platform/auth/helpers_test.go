package auth

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/mail"
	"github.com/joinedup/joinedup/internal/platform/web"
)

const testPassword = "correct horse battery staple"

// testHash is computed once: argon2id takes tens of milliseconds.
var testHash = sync.OnceValue(func() string {
	h, err := HashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// clock is a settable time source, safe to read from server goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: db.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mailbox is a mail.Sender that keeps what it is given.
type mailbox struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (m *mailbox) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

func (m *mailbox) all() []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mail.Message(nil), m.msgs...)
}

func newService(t *testing.T, d *db.DB, cfg Config) (*Service, *clock) {
	t.Helper()
	s := New(d, nil, cfg)
	c := newClock()
	s.Now = c.Now
	return s, c
}

func addUser(t *testing.T, d *db.DB, email, name string, withPassword bool) User {
	t.Helper()
	u := User{Email: email, Name: name}
	if withPassword {
		u.PasswordHash = testHash()
	}
	id, err := InsertUser(context.Background(), d, u)
	if err != nil {
		t.Fatal(err)
	}
	u, err = UserByID(context.Background(), d, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// site serves the auth pages the way the app does: observe, secure headers, session middleware.
type site struct {
	svc   *Service
	web   *Web
	srv   *httptest.Server
	mail  *mailbox
	clock *clock
	mux   http.Handler
}

// newSite starts a server for the pages; configure may set Reset and OIDC (it receives the
// server's URL) before the routes are registered.
func newSite(t *testing.T, d *db.DB, configure func(s *site, baseURL string)) *site {
	t.Helper()
	s := &site{mail: &mailbox{}}
	s.svc, s.clock = newService(t, d, Config{})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }))
	t.Cleanup(s.srv.Close)
	log := slog.New(slog.DiscardHandler)
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	rend, err := web.NewRenderer(cat, web.Site{Name: "Joined Up", Version: "test"}, log)
	if err != nil {
		t.Fatal(err)
	}
	errs := &web.Errors{Render: rend, Log: log}
	rt := web.NewRouter(errs)
	s.web = &Web{Svc: s.svc, Render: rend}
	if configure != nil {
		configure(s, s.srv.URL)
	}
	if err := s.web.Routes(rt); err != nil {
		t.Fatal(err)
	}
	s.mux = web.Chain(rt.Handler(), web.Observe(log, nil, false, errs), web.Secure(false), s.svc.Middleware)
	return s
}

// browser is an http.Client with a cookie jar that follows redirects.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

type page struct {
	status int
	body   string
	url    *url.URL
	header http.Header
}

func get(t *testing.T, c *http.Client, u string) page {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) page {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, body: string(b), url: resp.Request.URL, header: resp.Header}
}

// mainContent is the page between <main> and </main>, without per-request details.
func mainContent(body string) string {
	_, after, _ := strings.Cut(body, "<main")
	before, _, _ := strings.Cut(after, "</main>")
	return before
}

func auditRows(t *testing.T, d *db.DB, f audit.Filter) []audit.Entry {
	t.Helper()
	rows, err := audit.List(context.Background(), d, f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func sessionCookie(c *http.Client, u string) string {
	pu, _ := url.Parse(u)
	for _, ck := range c.Jar.Cookies(pu) {
		if ck.Name == SessionCookie {
			return ck.Value
		}
	}
	return ""
}
