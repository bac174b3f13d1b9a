package directory

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Helpers shared by the taxonomy, links and people tests.

func tlpAs(p authz.Principal) context.Context { return authz.With(context.Background(), p) }

func tlpMember(userID, org int64, role authz.Role) authz.Principal {
	return authz.Principal{UserID: userID, Name: "user " + id(userID), Email: "user" + id(userID) + "@test.example", Roles: map[int64]authz.Role{org: role}}
}

func tlpOrg(t *testing.T, s *Service, name string) int64 {
	t.Helper()
	o, err := s.CreateOrg(tlpAs(authz.System), OrgInput{Name: name, Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

func tlpUser(t *testing.T, d *db.DB, email string) int64 {
	t.Helper()
	uid, err := auth.InsertUser(context.Background(), d, auth.User{Email: email, Name: strings.Split(email, "@")[0]})
	if err != nil {
		t.Fatal(err)
	}
	return uid
}

func tlpWantField(t *testing.T, err error, field string) {
	t.Helper()
	if ve, ok := valid.As(err); !ok || ve[field] == "" {
		t.Fatalf("want an error on %s, got %v", field, err)
	}
}

func tlpWantAudit(t *testing.T, d *db.DB, prefix string, want map[string]int) {
	t.Helper()
	rows, err := audit.List(context.Background(), d, audit.Filter{Action: prefix, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range rows {
		got[r.Action+"/"+r.Outcome]++
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("audit %s: got %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

// tlpHarness serves the directory's routes as principal p.
func tlpHarness(t *testing.T, d *db.DB, p authz.Principal) http.Handler {
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
	if err := (&Web{Svc: NewService(d), Render: rend}).Routes(rt); err != nil {
		t.Fatal(err)
	}
	h := rt.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(authz.With(r.Context(), p)))
	})
}

func tlpGet(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

// tlpPost posts a form and returns the status and the redirect target (or the body).
func tlpPost(t *testing.T, h http.Handler, path string, form url.Values) (int, string) {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if loc := rec.Header().Get("Location"); loc != "" {
		return rec.Code, loc
	}
	return rec.Code, rec.Body.String()
}

// tlpJSON sends a JSON request and returns the status and body.
func tlpJSON(t *testing.T, h http.Handler, method, path, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestPeople(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := NewService(d)
		admin := tlpAs(authz.System)
		pmc := tlpOrg(t, s, "Department of the Prime Minister and Cabinet")
		ssa := tlpOrg(t, s, "Service SA")
		join := func(uid, org int64, r authz.Role) {
			t.Helper()
			if _, err := s.SetMember(admin, org, uid, r); err != nil {
				t.Fatal(err)
			}
		}
		aPMC := tlpUser(t, d, "admin@pmc.example")
		aSSA := tlpUser(t, d, "admin@ssa.example")
		vPMC := tlpUser(t, d, "viewer@pmc.example")
		mPMC := tlpUser(t, d, "manager@pmc.example")
		both := tlpUser(t, d, "both@example.gov.au")
		join(aPMC, pmc, authz.Admin)
		join(aSSA, ssa, authz.Admin)
		join(vPMC, pmc, authz.Viewer)
		join(mPMC, pmc, authz.Manager)
		join(both, pmc, authz.Contributor)
		join(both, ssa, authz.Contributor)
		adminPMC := tlpAs(tlpMember(aPMC, pmc, authz.Admin))
		adminSSA := tlpAs(tlpMember(aSSA, ssa, authz.Admin))
		viewer := tlpAs(tlpMember(vPMC, pmc, authz.Viewer))

		// Who sees the list: site admins everyone, organisation admins their members, others nobody.
		if _, err := s.People(viewer, PeopleFilter{}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("viewer lists people: %v", err)
		}
		if _, err := s.People(context.Background(), PeopleFilter{}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("anonymous lists people: %v", err)
		}
		if all, err := s.People(admin, PeopleFilter{}); err != nil || len(all) != 5 {
			t.Fatalf("site admin list: %v %d", err, len(all))
		}
		mine, err := s.People(adminPMC, PeopleFilter{})
		if err != nil || len(mine) != 4 {
			t.Fatalf("organisation admin list: %v %+v", err, mine)
		}
		for _, p := range mine {
			if p.ID == aSSA {
				t.Fatal("an organisation admin sees another organisation's admin")
			}
		}
		if found, _ := s.People(adminPMC, PeopleFilter{Text: "VIEWER@"}); len(found) != 1 || found[0].ID != vPMC {
			t.Fatalf("filter: %+v", found)
		}

		// Who sees a person: themselves, site admins, admins of an organisation they belong to.
		if p, err := s.Person(viewer, vPMC); err != nil || p.Email != "viewer@pmc.example" || len(p.Memberships) != 1 {
			t.Fatalf("self: %v %+v", err, p)
		}
		if _, err := s.Person(viewer, aPMC); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("viewer sees a colleague: %v", err)
		}
		if _, err := s.Person(adminSSA, vPMC); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("another organisation's admin sees a person: %v", err)
		}
		if p, err := s.Person(adminSSA, both); err != nil || len(p.Memberships) != 2 {
			t.Fatalf("admin of one of the person's organisations: %v %+v", err, p)
		}

		// Adding people.
		np, err := s.CreatePerson(adminPMC, PersonInput{Email: "new@pmc.example", Name: "New Person", OrgID: pmc, Role: authz.Contributor})
		if err != nil {
			t.Fatal(err)
		}
		if np.HasPassword || np.TemporaryPassword != "" || len(np.Memberships) != 1 || np.Memberships[0].Role != authz.Contributor {
			t.Fatalf("new person: %+v", np)
		}
		_, err = s.CreatePerson(adminPMC, PersonInput{Email: "x@ssa.example", Name: "X", OrgID: ssa, Role: authz.Viewer})
		tlpWantField(t, err, "organisation_id")
		_, err = s.CreatePerson(adminPMC, PersonInput{Email: "x@pmc.example", Name: "X"})
		tlpWantField(t, err, "organisation_id")
		_, err = s.CreatePerson(adminPMC, PersonInput{Email: "NEW@pmc.example", Name: "Again", OrgID: pmc, Role: authz.Viewer})
		tlpWantField(t, err, "email")
		_, err = s.CreatePerson(adminPMC, PersonInput{Email: "not an email", Name: "", OrgID: pmc, Role: "boss"})
		tlpWantField(t, err, "email")
		tlpWantField(t, err, "name")
		tlpWantField(t, err, "role")
		if _, err := s.CreatePerson(adminPMC, PersonInput{Email: "root@pmc.example", Name: "Root", OrgID: pmc, Role: authz.Admin, SiteAdmin: true}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("organisation admin makes a site admin: %v", err)
		}
		if _, err := s.CreatePerson(viewer, PersonInput{Email: "v@pmc.example", Name: "V", OrgID: pmc, Role: authz.Viewer}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("viewer adds a person: %v", err)
		}
		sa, err := s.CreatePerson(admin, PersonInput{Email: "root@example.gov.au", Name: "Root", SiteAdmin: true, TemporaryPassword: true})
		if err != nil {
			t.Fatal(err)
		}
		u, err := auth.UserByID(context.Background(), d, sa.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := auth.CheckPassword(u.PasswordHash, sa.TemporaryPassword); !ok || !sa.HasPassword || !sa.SiteAdmin || len(sa.TemporaryPassword) != 23 {
			t.Fatalf("temporary password: %q %+v", sa.TemporaryPassword, sa.Person)
		}

		// Memberships: another organisation's admin cannot manage this one's members.
		if _, err := s.SetMember(adminSSA, pmc, vPMC, authz.Manager); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("another organisation's admin sets a role: %v", err)
		}
		if err := s.RemoveMember(adminSSA, pmc, vPMC); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("another organisation's admin removes a member: %v", err)
		}
		if _, err := s.AddMemberByEmail(adminSSA, pmc, "viewer@pmc.example", authz.Admin); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("another organisation's admin adds a member: %v", err)
		}
		if _, err := s.Members(adminSSA, pmc); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("another organisation's admin lists members: %v", err)
		}
		if m, err := s.SetMember(adminPMC, pmc, vPMC, authz.Reviewer); err != nil || m.Role != authz.Reviewer {
			t.Fatalf("promote: %v %+v", err, m)
		}
		_, err = s.SetMember(adminPMC, pmc, vPMC, "boss")
		tlpWantField(t, err, "role")
		if m, err := s.AddMemberByEmail(adminSSA, ssa, "Viewer@PMC.example", authz.Viewer); err != nil || m.UserID != vPMC || m.OrgID != ssa {
			t.Fatalf("add by email: %v %+v", err, m)
		}
		_, err = s.AddMemberByEmail(adminSSA, ssa, "nobody@ssa.example", authz.Viewer)
		tlpWantField(t, err, "email")

		// The last admin rule: an admin cannot demote or remove themselves as the only admin.
		_, err = s.SetMember(adminPMC, pmc, aPMC, authz.Manager)
		tlpWantField(t, err, "role")
		tlpWantField(t, s.RemoveMember(adminPMC, pmc, aPMC), "role")
		if _, err := s.SetMember(adminPMC, pmc, mPMC, authz.Admin); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveMember(adminPMC, pmc, aPMC); err != nil {
			t.Fatalf("leaving when another admin remains: %v", err)
		}
		mgrNowAdmin := tlpAs(tlpMember(mPMC, pmc, authz.Admin))
		_, err = s.SetMember(mgrNowAdmin, pmc, mPMC, authz.Viewer)
		tlpWantField(t, err, "role")
		// A site admin may leave an organisation without an admin.
		if _, err := s.SetMember(admin, pmc, mPMC, authz.Viewer); err != nil {
			t.Fatalf("site admin demotes the last admin: %v", err)
		}
		if n, _ := s.Store.CountAdmins(context.Background(), d, pmc); n != 0 {
			t.Fatalf("admins: %d", n)
		}
		join(aPMC, pmc, authz.Admin)

		// Accounts: a person changes their own name only.
		name := "Sam Taylor"
		if p, err := s.UpdatePerson(viewer, vPMC, PersonUpdate{Name: &name}); err != nil || p.Name != name {
			t.Fatalf("own name: %v %+v", err, p)
		}
		email := "sam@pmc.example"
		yes := true
		if _, err := s.UpdatePerson(viewer, vPMC, PersonUpdate{Email: &email}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("own email: %v", err)
		}
		if _, err := s.UpdatePerson(viewer, vPMC, PersonUpdate{SiteAdmin: &yes}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("own site admin flag: %v", err)
		}
		// An organisation admin manages people only in their organisations, and never the flag.
		if _, err := s.UpdatePerson(adminPMC, both, PersonUpdate{Email: &email}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("organisation admin edits someone also in another organisation: %v", err)
		}
		if _, err := s.UpdatePerson(adminPMC, np.ID, PersonUpdate{SiteAdmin: &yes}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("organisation admin sets the flag: %v", err)
		}
		_, err = s.UpdatePerson(adminPMC, np.ID, PersonUpdate{Email: new("nope")})
		tlpWantField(t, err, "email")
		_, err = s.UpdatePerson(adminPMC, np.ID, PersonUpdate{Email: new("admin@ssa.example")})
		tlpWantField(t, err, "email")
		if p, err := s.UpdatePerson(adminPMC, np.ID, PersonUpdate{Email: new("renamed@pmc.example"), Name: new("Renamed")}); err != nil || p.Email != "renamed@pmc.example" {
			t.Fatalf("organisation admin edits a member: %v %+v", err, p)
		}
		// Disabling ends the person's sessions, which do not come back when it is enabled again.
		authSvc := auth.New(d, s.RoleSource, auth.Config{})
		nu, _ := auth.UserByID(context.Background(), d, np.ID)
		token, err := authSvc.StartSession(context.Background(), nu, "password", "test")
		if err != nil {
			t.Fatal(err)
		}
		if p, err := s.UpdatePerson(adminPMC, np.ID, PersonUpdate{Disabled: &yes}); err != nil || !p.Disabled {
			t.Fatalf("disable: %v %+v", err, p)
		}
		if p, err := s.UpdatePerson(adminPMC, np.ID, PersonUpdate{Disabled: new(false)}); err != nil || p.Disabled {
			t.Fatalf("enable: %v %+v", err, p)
		}
		if p, _, err := authSvc.Authenticate(context.Background(), token); err != nil || p.SignedIn() {
			t.Fatalf("the session survived disabling: %v %+v", err, p)
		}
		_, err = s.UpdatePerson(adminPMC, aPMC, PersonUpdate{Disabled: &yes})
		tlpWantField(t, err, "disabled")
		// The last enabled site admin keeps the flag.
		_, err = s.UpdatePerson(admin, sa.ID, PersonUpdate{SiteAdmin: new(false)})
		tlpWantField(t, err, "site_admin")
		if _, err := s.UpdatePerson(admin, vPMC, PersonUpdate{SiteAdmin: &yes}); err != nil {
			t.Fatal(err)
		}
		if p, err := s.UpdatePerson(admin, sa.ID, PersonUpdate{SiteAdmin: new(false)}); err != nil || p.SiteAdmin {
			t.Fatalf("remove the flag when another site admin exists: %v %+v", err, p)
		}

		tlpWantAudit(t, d, "person.", map[string]int{"person.create/success": 2, "person.create/denied": 2, "person.update/success": 4,
			"person.update/denied": 4, "person.disable/success": 1, "person.enable/success": 1})
		tlpWantAudit(t, d, "membership.", map[string]int{"membership.set/denied": 2, "membership.remove/denied": 1, "membership.remove/success": 1})
	})
}

func TestPeopleHTTP(t *testing.T) {
	d := dbtest.SQLite(t)
	s := NewService(d)
	pmc := tlpOrg(t, s, "Department of the Prime Minister and Cabinet")
	hash, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	adminID, err := auth.InsertUser(context.Background(), d, auth.User{Email: "admin@example.gov.au", Name: "Admin", IsAdmin: true, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	vid := tlpUser(t, d, "viewer@pmc.example")
	if _, err := s.SetMember(tlpAs(authz.System), pmc, vid, authz.Viewer); err != nil {
		t.Fatal(err)
	}
	viewer := tlpHarness(t, d, tlpMember(vid, pmc, authz.Viewer))
	admin := tlpHarness(t, d, authz.Principal{UserID: adminID, Name: "Admin", Email: "admin@example.gov.au", SiteAdmin: true})

	// A viewer may not list people, on the page or through the API; the public is sent to sign in.
	if code, _ := tlpGet(t, viewer, "/people"); code != http.StatusForbidden {
		t.Fatalf("viewer /people: %d", code)
	}
	if code, body := tlpGet(t, viewer, "/api/v1/people"); code != http.StatusForbidden || !strings.Contains(body, `"status":403`) {
		t.Fatalf("viewer API: %d %s", code, body)
	}
	if code, _ := tlpGet(t, tlpHarness(t, d, authz.Anonymous), "/people/"+id(vid)); code != http.StatusSeeOther {
		t.Fatalf("anonymous person page: %d", code)
	}
	if code, _ := tlpGet(t, viewer, "/people/"+id(vid)); code != http.StatusOK {
		t.Fatalf("viewer's own page: %d", code)
	}

	// The API never shows a password hash.
	for _, path := range []string{"/api/v1/people", "/api/v1/people/" + id(adminID), "/api/v1/organisations/" + id(pmc) + "/members"} {
		code, body := tlpGet(t, admin, path)
		if code != http.StatusOK || strings.Contains(body, "argon2") || strings.Contains(body, "password_hash") || strings.Contains(body, hash) {
			t.Fatalf("%s: %d %s", path, code, body)
		}
	}
	code, body := tlpJSON(t, admin, "POST", "/api/v1/people", `{"email":"new@pmc.example","name":"New","organisation_id":`+id(pmc)+`,"role":"manager","temporary_password":true}`)
	var np NewPerson
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &np) != nil || np.TemporaryPassword == "" || strings.Contains(body, "argon2") {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := tlpJSON(t, admin, "POST", "/api/v1/people", `{"email":"bad","name":""}`); code != http.StatusUnprocessableEntity || !strings.Contains(body, `"email"`) {
		t.Fatalf("invalid create: %d %s", code, body)
	}
	if code, body := tlpJSON(t, admin, "PUT", "/api/v1/people/"+id(np.ID), `{"name":"Renamed","disabled":true}`); code != http.StatusOK || !strings.Contains(body, `"disabled":true`) {
		t.Fatalf("update: %d %s", code, body)
	}
	// Members through the API.
	if code, body := tlpJSON(t, admin, "PUT", "/api/v1/organisations/"+id(pmc)+"/members/"+id(vid), `{"role":"admin"}`); code != http.StatusOK || !strings.Contains(body, `"role":"admin"`) {
		t.Fatalf("set member: %d %s", code, body)
	}
	if code, body := tlpJSON(t, viewer, "PUT", "/api/v1/organisations/"+id(pmc)+"/members/"+id(np.ID), `{"role":"admin"}`); code != http.StatusForbidden {
		t.Fatalf("viewer sets a member: %d %s", code, body)
	}
	if code, _ := tlpJSON(t, admin, "DELETE", "/api/v1/organisations/"+id(pmc)+"/members/"+id(np.ID), ""); code != http.StatusNoContent {
		t.Fatalf("remove member: %d", code)
	}

	// Pages: the list, the form keeping what was typed, the temporary password shown once.
	if code, body := tlpGet(t, admin, "/people"); code != http.StatusOK || !strings.Contains(body, "viewer@pmc.example") {
		t.Fatalf("list page: %d", code)
	}
	code, body = tlpPost(t, admin, "/people", url.Values{"email": {"bad"}, "name": {"Typed Name"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `value="Typed Name"`) || !strings.Contains(body, `id="f-email-error"`) {
		t.Fatalf("invalid form: %d", code)
	}
	code, body = tlpPost(t, admin, "/people", url.Values{"email": {"temp@pmc.example"}, "name": {"Temp"}, "organisation_id": {id(pmc)}, "role": {"viewer"}, "temporary_password": {"on"}})
	if code != http.StatusCreated || !strings.Contains(body, "temporary password is <code>") {
		t.Fatalf("create with a temporary password: %d", code)
	}
	code, loc := tlpPost(t, admin, "/people", url.Values{"email": {"nopw@pmc.example"}, "name": {"No Password"}, "organisation_id": {id(pmc)}, "role": {"viewer"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/people/") {
		t.Fatalf("create without a password: %d %s", code, loc)
	}
	// The members page: adding by email, and the last admin rule shown as a message.
	vAdmin := tlpHarness(t, d, tlpMember(vid, pmc, authz.Admin))
	if code, body := tlpGet(t, vAdmin, "/organisations/"+id(pmc)+"/members"); code != http.StatusOK || !strings.Contains(body, "Add a member") {
		t.Fatalf("members page: %d", code)
	}
	if code, loc := tlpPost(t, vAdmin, "/organisations/"+id(pmc)+"/members", url.Values{"email": {"nopw@pmc.example"}, "role": {"manager"}}); code != http.StatusSeeOther {
		t.Fatalf("add member: %d %s", code, loc)
	}
	code, body = tlpPost(t, vAdmin, "/organisations/"+id(pmc)+"/members/"+id(vid)+"/delete", nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "at least one admin") {
		t.Fatalf("removing the last admin: %d", code)
	}
	if code, _ := tlpGet(t, viewer, "/organisations/"+id(pmc)+"/members"); code != http.StatusForbidden {
		t.Fatalf("viewer on the members page: %d", code)
	}
}
