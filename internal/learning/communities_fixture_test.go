package learning

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the tests need the IANA zones even where the system has none

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/mail"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// cpMailbox records the emails the service sends; fail makes Send fail for one address.
type cpMailbox struct {
	mu   sync.Mutex
	msgs []mail.Message
	fail string
}

func (m *cpMailbox) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != "" && strings.Contains(msg.To, m.fail) {
		return errors.New("mail server refused")
	}
	m.msgs = append(m.msgs, msg)
	return nil
}

// take returns the messages sent since the last take.
func (m *cpMailbox) take() []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.msgs
	m.msgs = nil
	return out
}

// cpFixture is a learning service over a fresh database with a fake clock and a mailbox:
// organisations A and B, people in them, people in neither (member1…member5, outsider), and
// a site admin.
type cpFixture struct {
	d      *db.DB
	s      *Service
	mail   *cpMailbox
	now    time.Time
	orgA   int64
	orgB   int64
	people map[string]authz.Principal
}

var cpPeople = []struct {
	name string
	org  string
	role authz.Role
}{
	{"viewer-a", "A", authz.Viewer},
	{"manager-a", "A", authz.Manager},
	{"manager-b", "B", authz.Manager},
	{"member1", "", ""},
	{"member2", "", ""},
	{"member3", "", ""},
	{"member4", "", ""},
	{"member5", "", ""},
	{"outsider", "", ""},
}

func newCPFixture(t *testing.T, d *db.DB) *cpFixture {
	t.Helper()
	ctx := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	f := &cpFixture{d: d, mail: &cpMailbox{}, now: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		people: map[string]authz.Principal{"anonymous": authz.Anonymous}}
	s := NewService(d, dir)
	s.Mail = f.mail
	s.Now = func() time.Time { return f.now }
	s.BaseURL = func() string { return "https://joinedup.example" }
	f.s = s
	a, err := dir.CreateOrg(ctx, directory.OrgInput{Name: "Organisation A", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := dir.CreateOrg(ctx, directory.OrgInput{Name: "Organisation B", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	f.orgA, f.orgB = a.ID, b.ID
	for _, pr := range cpPeople {
		email := pr.name + "@example.org"
		id, err := auth.InsertUser(ctx, d, auth.User{Email: email, Name: "Test " + pr.name})
		if err != nil {
			t.Fatal(err)
		}
		p := authz.Principal{UserID: id, Name: "Test " + pr.name, Email: email, Roles: map[int64]authz.Role{}}
		if pr.org != "" {
			org := f.orgA
			if pr.org == "B" {
				org = f.orgB
			}
			if err := dir.Store.SetMembership(ctx, d, id, org, pr.role); err != nil {
				t.Fatal(err)
			}
			p.Roles[org] = pr.role
		}
		f.people[pr.name] = p
	}
	id, err := auth.InsertUser(ctx, d, auth.User{Email: "site-admin@example.org", Name: "Test site-admin", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	f.people["site-admin"] = authz.Principal{UserID: id, Name: "Test site-admin", Email: "site-admin@example.org", SiteAdmin: true}
	return f
}

func (f *cpFixture) as(name string) context.Context {
	p, ok := f.people[name]
	if !ok {
		panic("no person " + name)
	}
	return authz.With(context.Background(), p)
}

// community creates a community of organisation A as manager-a (its first host) and lets the
// named people join (approved when it is by request).
func (f *cpFixture) community(t *testing.T, name, policy string, members ...string) CoP {
	t.Helper()
	c, err := f.s.CreateCommunity(f.as("manager-a"), CommunityInput{Name: name, JoinPolicy: policy, OrgID: f.orgA,
		Description: "People who *care* about " + name + "."})
	if err != nil {
		t.Fatalf("create community %s: %v", name, err)
	}
	for _, m := range members {
		mb, err := f.s.Join(f.as(m), c.Slug)
		if err != nil {
			t.Fatalf("%s joins: %v", m, err)
		}
		if mb.Status == StatusRequested {
			if _, err := f.s.UpdateMember(f.as("manager-a"), c.Slug, mb.UserID, MemberInput{Status: StatusActive}); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.mail.take()
	return c
}

// event adds an event to a community, starting in days at 10:00 in Adelaide, for two hours.
func (f *cpFixture) event(t *testing.T, c CoP, title string, days, capacity int) Event {
	t.Helper()
	day := f.now.In(mustZone(t, "Australia/Adelaide")).AddDate(0, 0, days).Format("2006-01-02")
	e, err := f.s.CreateEvent(f.as("manager-a"), c.Slug, EventInput{Title: title, Start: day + "T10:00", End: day + "T12:00",
		TimeZone: "Australia/Adelaide", Venue: "Adelaide", Capacity: capacity})
	if err != nil {
		t.Fatalf("create event: %v", err)
	}
	return e
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// handler serves learning's routes with the principal named by the X-Test-As header, as the
// app does after its authentication middleware.
func (f *cpFixture) handler(t *testing.T) http.Handler {
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
	h := rt.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(authz.With(r.Context(), f.people[r.Header.Get("X-Test-As")])))
	})
}

type cpResp struct {
	code int
	body string
	hdr  http.Header
}

func cpDo(t *testing.T, h http.Handler, who, method, path string, form url.Values) cpResp {
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
	return cpResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func cpJSON(t *testing.T, h http.Handler, who, method, path, body string) cpResp {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return cpResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func cpHas(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func cpLacks(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s should not contain %q", what, w)
		}
	}
}
