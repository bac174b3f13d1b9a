package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// The roles of the permission matrix, in this order in every rule.
var matrixRoles = []string{"anonymous", "viewer", "contributor", "manager", "admin", "other-admin", "site-admin"}

// permissionRules says, for every route, who gets through (Y) and who is refused (-): a
// refusal is 401, 403, 404 or a redirect to the sign-in page. Roles are held in organisation A,
// which owns the records in the path; "other-admin" administers organisation B. A route added
// without a rule here fails TestPermissionMatrix.
var permissionRules = map[string]string{
	// Platform.
	"GET /{$}":                 "YYYYYYY",
	"GET /static/":             "YYYYYYY",
	"GET /healthz":             "YYYYYYY",
	"GET /readyz":              "YYYYYYY",
	"GET /metrics":             "YYYYYYY",
	"GET /api/v1/openapi.json": "YYYYYYY",
	"GET /search":              "YYYYYYY",
	"GET /api/v1/search":       "YYYYYYY",
	"GET /admin/audit":         "------Y",
	"GET /admin/audit.csv":     "------Y",
	"GET /api/v1/audit":        "------Y",

	// Accounts.
	"GET /signin":                        "YYYYYYY",
	"POST /signin":                       "YYYYYYY",
	"POST /signout":                      "YYYYYYY",
	"GET /account":                       "-YYYYYY",
	"POST /account/password":             "-YYYYYY",
	"POST /account/sessions/{id}/revoke": "----Y-Y", // the session of A's admin: only its owner and site admins
	"POST /account/tokens":               "-YYYYYY",
	"POST /account/tokens/{id}/revoke":   "----Y-Y", // the token of A's admin
	"GET /password/forgot":               "YYYYYYY",
	"POST /password/forgot":              "YYYYYYY",
	"GET /password/reset":                "YYYYYYY",
	"POST /password/reset":               "YYYYYYY",

	// Organisations: public to read; A's managers edit; A's admins archive; site admins and
	// organisation admins (for divisions) create.
	"GET /organisations":                      "YYYYYYY",
	"GET /organisations/new":                  "----YYY",
	"POST /organisations":                     "----YYY",
	"GET /organisations/{id}":                 "YYYYYYY",
	"GET /organisations/{id}/edit":            "---YY-Y",
	"POST /organisations/{id}":                "---YY-Y",
	"POST /organisations/{id}/archive":        "----Y-Y",
	"GET /api/v1/organisations":               "YYYYYYY",
	"POST /api/v1/organisations":              "----YYY",
	"GET /api/v1/organisations/{id}":          "YYYYYYY",
	"PUT /api/v1/organisations/{id}":          "---YY-Y",
	"POST /api/v1/organisations/{id}/archive": "----Y-Y",

	// Places: shared reference data; managers of any organisation edit; site admins archive.
	"GET /places":                      "YYYYYYY",
	"GET /places/new":                  "---YYYY",
	"POST /places":                     "---YYYY",
	"GET /places/{id}":                 "YYYYYYY",
	"GET /places/{id}/edit":            "---YYYY",
	"POST /places/{id}":                "---YYYY",
	"POST /places/{id}/archive":        "------Y",
	"GET /api/v1/places":               "YYYYYYY",
	"POST /api/v1/places":              "---YYYY",
	"GET /api/v1/places/{id}":          "YYYYYYY",
	"PUT /api/v1/places/{id}":          "---YYYY",
	"POST /api/v1/places/{id}/archive": "------Y",

	// Services and programs: owned by organisation A; its contributors create (for an
	// organisation they contribute to — B's admin may create for B), its managers edit.
	"GET /services":                      "YYYYYYY",
	"GET /services/new":                  "--YYYYY",
	"POST /services":                     "--YYYYY",
	"GET /services/{id}":                 "YYYYYYY",
	"GET /services/{id}/edit":            "---YY-Y",
	"POST /services/{id}":                "---YY-Y",
	"POST /services/{id}/archive":        "---YY-Y",
	"GET /api/v1/services":               "YYYYYYY",
	"POST /api/v1/services":              "--YYYYY",
	"GET /api/v1/services/{id}":          "YYYYYYY",
	"PUT /api/v1/services/{id}":          "---YY-Y",
	"POST /api/v1/services/{id}/archive": "---YY-Y",
	"GET /programs":                      "YYYYYYY",
	"GET /programs/new":                  "--YYYYY",
	"POST /programs":                     "--YYYYY",
	"GET /programs/{id}":                 "YYYYYYY",
	"GET /programs/{id}/edit":            "---YY-Y",
	"POST /programs/{id}":                "---YY-Y",
	"POST /programs/{id}/archive":        "---YY-Y",
	"GET /api/v1/programs":               "YYYYYYY",
	"POST /api/v1/programs":              "--YYYYY",
	"GET /api/v1/programs/{id}":          "YYYYYYY",
	"PUT /api/v1/programs/{id}":          "---YY-Y",
	"POST /api/v1/programs/{id}/archive": "---YY-Y",

	// Taxonomy: shared; managers of any organisation edit; site admins archive.
	"GET /taxonomy":                  "YYYYYYY",
	"GET /taxonomy/new":              "---YYYY",
	"POST /taxonomy":                 "---YYYY",
	"GET /taxonomy/{id}":             "YYYYYYY",
	"GET /taxonomy/{id}/edit":        "---YYYY",
	"POST /taxonomy/{id}":            "---YYYY",
	"POST /taxonomy/{id}/archive":    "------Y",
	"GET /api/v1/tags":               "YYYYYYY",
	"POST /api/v1/tags":              "---YYYY",
	"GET /api/v1/tags/{id}":          "YYYYYYY",
	"PUT /api/v1/tags/{id}":          "---YYYY",
	"POST /api/v1/tags/{id}/archive": "------Y",

	// Links: any signed-in person may try (the form says what they may link from); a link
	// from A's record is deleted by A's contributors and up.
	"GET /links/new":            "-YYYYYY",
	"POST /links":               "-YYYYYY",
	"POST /links/{id}/delete":   "--YYY-Y",
	"GET /api/v1/links":         "YYYYYYY",
	"POST /api/v1/links":        "-YYYYYY",
	"DELETE /api/v1/links/{id}": "--YYY-Y",

	// People are not public: site admins and organisation admins manage them; a person sees
	// themselves (the fixture's person is A's viewer).
	"GET /people":                   "----YYY",
	"GET /people/new":               "----YYY",
	"POST /people":                  "----YYY",
	"GET /people/{id}":              "-Y--Y-Y",
	"GET /people/{id}/edit":         "-Y--Y-Y",
	"POST /people/{id}":             "-Y--Y-Y",
	"POST /people/{id}/memberships": "----Y-Y",
	"POST /people/{id}/memberships/{org_id}/delete":       "----Y-Y",
	"GET /api/v1/people":                                  "----YYY",
	"POST /api/v1/people":                                 "----YYY",
	"GET /api/v1/people/{id}":                             "-Y--Y-Y",
	"PUT /api/v1/people/{id}":                             "-Y--Y-Y",
	"GET /organisations/{id}/members":                     "----Y-Y",
	"POST /organisations/{id}/members":                    "----Y-Y",
	"POST /organisations/{id}/members/{user_id}":          "----Y-Y",
	"POST /organisations/{id}/members/{user_id}/delete":   "----Y-Y",
	"GET /api/v1/organisations/{id}/members":              "-YYYY-Y",
	"PUT /api/v1/organisations/{id}/members/{user_id}":    "----Y-Y",
	"DELETE /api/v1/organisations/{id}/members/{user_id}": "----Y-Y",
}

// matrixFixture is a fresh application with organisations A and B, a person in A for each
// role, an admin of B, a site admin, and a record of each kind owned by A.
type matrixFixture struct {
	app     *App
	srv     *httptest.Server
	cookies map[string]string // role → session secret
	ids     map[string]string // path wildcard context → value
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	ctx := authz.With(context.Background(), authz.System)
	d := dbtest.SQLite(t)
	a, err := New(context.Background(), Config{Addr: "127.0.0.1:0"}, d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	f := &matrixFixture{app: a, cookies: map[string]string{}, ids: map[string]string{}}
	orgA, err := a.Dir.CreateOrg(ctx, orgInput("Organisation A"))
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := a.Dir.CreateOrg(ctx, orgInput("Organisation B"))
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]auth.User{}
	for _, role := range matrixRoles[1:] {
		id, err := auth.InsertUser(ctx, d, auth.User{Email: role + "@example.org", Name: "Test " + role, IsAdmin: role == "site-admin"})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := auth.UserByID(ctx, d, id)
		users[role] = u
		switch role {
		case "other-admin":
			err = a.Dir.Store.SetMembership(ctx, d, id, orgB.ID, authz.Admin)
		case "site-admin":
		default:
			err = a.Dir.Store.SetMembership(ctx, d, id, orgA.ID, authz.Role(role))
		}
		if err != nil {
			t.Fatal(err)
		}
		tok, err := a.Auth.StartSession(ctx, u, "test", "matrix")
		if err != nil {
			t.Fatal(err)
		}
		f.cookies[role] = tok
	}
	f.ids["organisations"] = fmt.Sprint(orgA.ID)
	f.ids["account/sessions"] = f.cookies["admin"] // hashed below
	f.ids["account/sessions"] = auth.HashToken(f.cookies["admin"])
	adminCtx := authz.With(context.Background(), authz.Principal{UserID: users["admin"].ID, SiteAdmin: false})
	tok, err := a.Auth.CreateToken(adminCtx, users["admin"].ID, "matrix")
	if err != nil {
		t.Fatal(err)
	}
	_ = tok
	var tokID int64
	if err := d.QueryRow(ctx, "SELECT id FROM api_tokens WHERE user_id = ?", users["admin"].ID).Scan(&tokID); err != nil {
		t.Fatal(err)
	}
	f.ids["account/tokens"] = fmt.Sprint(tokID)
	matrixExtraFixtures(t, ctx, f, orgA.ID, users)
	f.srv = httptest.NewServer(a.Handler)
	t.Cleanup(f.srv.Close)
	return f
}

var wildcard = regexp.MustCompile(`\{[a-z_]+(\.\.\.)?\}`)

// path fills the route's wildcards with the fixture's records: the record kind is the path
// before the wildcard (e.g. "/organisations/{id}" → ids["organisations"]).
func (f *matrixFixture) path(t *testing.T, route string) string {
	_, p, _ := strings.Cut(route, " ")
	p = strings.TrimSuffix(p, "{$}")
	for {
		loc := wildcard.FindStringIndex(p)
		if loc == nil {
			return p
		}
		prefix := strings.Trim(strings.TrimPrefix(p[:loc[0]], "/api/v1"), "/")
		// The nearest known context: "organisations/1/members" → "organisations/members".
		key := prefix
		if _, ok := f.ids[key]; !ok {
			parts := strings.Split(prefix, "/")
			key = parts[len(parts)-1]
			if len(parts) > 2 {
				key = parts[0] + "/" + parts[len(parts)-1]
			}
		}
		v, ok := f.ids[key]
		if !ok {
			t.Fatalf("no fixture for %s in %s: add one to the matrix fixture", p[loc[0]:loc[1]], route)
		}
		p = p[:loc[0]] + v + p[loc[1]:]
	}
}

func (f *matrixFixture) do(t *testing.T, role, route string) *http.Response {
	t.Helper()
	method, _, _ := strings.Cut(route, " ")
	url := f.srv.URL + f.path(t, route)
	var body io.Reader
	ct := ""
	if method != "GET" && method != "HEAD" && method != "DELETE" {
		if strings.Contains(route, "/api/") {
			body, ct = strings.NewReader("{}"), "application/json"
		} else {
			body, ct = strings.NewReader(""), "application/x-www-form-urlencoded"
		}
	}
	req, _ := http.NewRequest(method, url, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c := f.cookies[role]; c != "" {
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: c})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func refused(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return true
	}
	return resp.StatusCode/100 == 3 && strings.HasPrefix(resp.Header.Get("Location"), "/signin")
}

// TestPermissionMatrix requests every registered route as every role and compares who gets
// through with permissionRules. Routes that change state run on a fresh fixture each, least
// able role first.
func TestPermissionMatrix(t *testing.T) {
	shared := newMatrixFixture(t)
	routes := shared.app.Router.Routes()
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		seen[key] = true
		rule, ok := permissionRules[key]
		if !ok {
			t.Errorf("route %s has no rule in permissionRules: say who may use it", key)
			continue
		}
		if len(rule) != len(matrixRoles) {
			t.Errorf("rule for %s has %d roles, want %d", key, len(rule), len(matrixRoles))
			continue
		}
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			f := shared
			if r.Method != "GET" {
				f = newMatrixFixture(t)
			}
			// A removal can succeed once: each role gets its own record to remove.
			removal := r.Method == "DELETE" || strings.HasSuffix(r.Path, "/delete")
			for i, role := range matrixRoles {
				if removal && i > 0 {
					f = newMatrixFixture(t)
				}
				resp := f.do(t, role, key)
				if resp.StatusCode >= 500 {
					t.Errorf("%s as %s: status %d", key, role, resp.StatusCode)
					continue
				}
				want := rule[i] == 'Y'
				if got := !refused(resp); got != want {
					t.Errorf("%s as %s: status %d (Location %q); want allowed=%v", key, role, resp.StatusCode, resp.Header.Get("Location"), want)
				}
			}
		})
	}
	for key := range permissionRules {
		if !seen[key] {
			t.Errorf("permissionRules has %s, which is not a route", key)
		}
	}
}
