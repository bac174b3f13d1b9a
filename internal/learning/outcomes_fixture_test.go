package learning

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// ocFixture is a learning service over a fresh database with organisations A and B, people in
// them, places with codes (Queensland 3, Logan 34590, an archived place), and a program led by A.
type ocFixture struct {
	d       *db.DB
	s       *Service
	orgA    int64
	orgB    int64
	qld     int64
	logan   int64
	old     int64 // archived
	program int64
	people  map[string]authz.Principal
}

var ocPeople = []struct {
	name string
	org  string
	role authz.Role
}{
	{"viewer-a", "A", authz.Viewer},
	{"contributor-a", "A", authz.Contributor},
	{"manager-a", "A", authz.Manager},
	{"admin-a", "A", authz.Admin},
	{"manager-b", "B", authz.Manager},
	{"outsider", "", ""},
}

func newOCFixture(t *testing.T, d *db.DB) *ocFixture {
	t.Helper()
	ctx := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	s := NewService(d, dir)
	s.RegisterKinds()
	f := &ocFixture{d: d, s: s, people: map[string]authz.Principal{"anonymous": authz.Anonymous}}
	a, err := dir.CreateOrg(ctx, directory.OrgInput{Name: "Organisation A", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := dir.CreateOrg(ctx, directory.OrgInput{Name: "Organisation B", Type: "community_organisation"})
	if err != nil {
		t.Fatal(err)
	}
	f.orgA, f.orgB = a.ID, b.ID
	for _, pr := range ocPeople {
		id, err := auth.InsertUser(ctx, d, auth.User{Email: pr.name + "@example.org", Name: "Test " + pr.name})
		if err != nil {
			t.Fatal(err)
		}
		p := authz.Principal{UserID: id, Name: "Test " + pr.name, Email: pr.name + "@example.org", Roles: map[int64]authz.Role{}}
		if pr.org != "" {
			org := map[string]int64{"A": f.orgA, "B": f.orgB}[pr.org]
			if err := dir.Store.SetMembership(ctx, d, id, org, pr.role); err != nil {
				t.Fatal(err)
			}
			p.Roles[org] = pr.role
		}
		f.people[pr.name] = p
	}
	admin, err := auth.InsertUser(ctx, d, auth.User{Email: "site-admin@example.org", Name: "Test site admin", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	f.people["site-admin"] = authz.Principal{UserID: admin, Name: "Test site admin", Email: "site-admin@example.org", SiteAdmin: true}
	qld, err := dir.CreatePlace(ctx, directory.PlaceInput{Name: "Queensland", Kind: "state", Code: "3"})
	if err != nil {
		t.Fatal(err)
	}
	logan, err := dir.CreatePlace(ctx, directory.PlaceInput{Name: "Logan", Kind: "lga", Code: "34590", ParentID: qld.ID})
	if err != nil {
		t.Fatal(err)
	}
	old, err := dir.CreatePlace(ctx, directory.PlaceInput{Name: "Old Shire", Kind: "lga", Code: "99999", ParentID: qld.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.ArchivePlace(ctx, old.ID, true); err != nil {
		t.Fatal(err)
	}
	f.qld, f.logan, f.old = qld.ID, logan.ID, old.ID
	prog, err := dir.CreateProgram(ctx, directory.ProgramInput{Name: "Logan Together", LeadOrgID: f.orgA, PlaceIDs: []int64{logan.ID}})
	if err != nil {
		t.Fatal(err)
	}
	f.program = prog.ID
	return f
}

// as is a context carrying the named person.
func (f *ocFixture) as(name string) context.Context {
	p, ok := f.people[name]
	if !ok {
		panic("no person " + name)
	}
	return authz.With(context.Background(), p)
}

// result makes a result at Logan owned by A, with one yearly indicator.
func (f *ocFixture) result(t *testing.T) (Result, Indicator) {
	t.Helper()
	r, err := f.s.CreateResult(f.as("manager-a"), ResultInput{PlaceID: f.logan, Title: "Children in Logan are ready for school", OrgID: f.orgA,
		Story: "Many families are **new** to Logan.", Partners: "Logan Together\n- Logan City Council"})
	if err != nil {
		t.Fatal(err)
	}
	target := 65.0
	ind, err := f.s.CreateIndicator(f.as("manager-a"), r.ID, IndicatorInput{Name: "% of children on track on all five domains", Unit: "%",
		Source: "Australian Early Development Census", GeographyLevel: "lga", TargetValue: &target, TargetPeriod: "2030", PeriodFormat: PeriodYear})
	if err != nil {
		t.Fatal(err)
	}
	return r, ind
}

// ocApp serves the learning routes as the app does after its authentication middleware, with
// the principal named by the X-Test-As header.
func ocApp(t *testing.T, f *ocFixture) http.Handler {
	t.Helper()
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(ocLogTo(t), nil))
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

type ocResp struct {
	code int
	body string
	hdr  http.Header
}

func ocDo(t *testing.T, h http.Handler, who, method, path string, form url.Values) ocResp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return ocServe(h, req, who)
}

func ocRaw(t *testing.T, h http.Handler, who, method, path, contentType, body string) ocResp {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	return ocServe(h, req, who)
}

func ocServe(h http.Handler, req *http.Request, who string) ocResp {
	req.Header.Set("X-Test-As", who)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return ocResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func ocHas(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func ocLacks(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s should not contain %q", what, w)
		}
	}
}

// ocLogTo sends the application's log to the test's log, so that a failed page says why.
func ocLogTo(t *testing.T) io.Writer { return ocTestWriter{t} }

type ocTestWriter struct{ t *testing.T }

func (w ocTestWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
