package maturity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// fwFixture: organisations A and B, and one person per role.
type fwFixture struct {
	d      *db.DB
	s      *Service
	orgA   int64
	people map[string]authz.Principal
}

func newFWFixture(t *testing.T, d *db.DB) *fwFixture {
	t.Helper()
	sys := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	f := &fwFixture{d: d, s: NewService(d, dir), people: map[string]authz.Principal{"anonymous": authz.Anonymous}}
	a, err := dir.CreateOrg(sys, directory.OrgInput{Name: "Department of Frameworks", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := dir.CreateOrg(sys, directory.OrgInput{Name: "Other Agency", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	f.orgA = a.ID
	for name, p := range map[string]struct {
		site  bool
		roles map[int64]authz.Role
	}{
		"viewer":      {false, map[int64]authz.Role{a.ID: authz.Viewer}},
		"contributor": {false, map[int64]authz.Role{a.ID: authz.Contributor}},
		"manager":     {false, map[int64]authz.Role{a.ID: authz.Manager}},
		"admin-b":     {false, map[int64]authz.Role{b.ID: authz.Admin}},
		"site-admin":  {true, nil},
	} {
		id, err := auth.InsertUser(context.Background(), d, auth.User{Email: name + "@example.org", Name: "Test " + name, IsAdmin: p.site})
		if err != nil {
			t.Fatal(err)
		}
		f.people[name] = authz.Principal{UserID: id, Name: "Test " + name, Email: name + "@example.org", SiteAdmin: p.site, Roles: p.roles, Via: "session"}
	}
	return f
}

func (f *fwFixture) as(who string) context.Context {
	return authz.With(context.Background(), f.people[who])
}

// useFramework records an assessment of organisation A against framework id.
func (f *fwFixture) useFramework(t *testing.T, id int64) {
	t.Helper()
	now := db.Now()
	if _, err := f.d.Exec(context.Background(), `INSERT INTO maturity_assessments (organisation_id, framework_id, title, subject_kind, status, created_at, updated_at)
		VALUES (?, ?, ?, 'organisation', 'open', ?, ?)`, f.orgA, id, "Test assessment", now, now); err != nil {
		t.Fatal(err)
	}
}

func TestFrameworkImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFWFixture(t, d)
		ctx := context.Background()
		data := readPackFile(t, "good_nested.yaml")

		// Viewers and contributors may not load packs; the refusal is audited.
		for _, who := range []string{"anonymous", "viewer", "contributor"} {
			if _, err := f.s.Import(f.as(who), "good_nested.yaml", data); !errors.Is(err, authz.ErrForbidden) {
				t.Fatalf("%s: %v", who, err)
			}
		}
		denied, err := audit.List(ctx, d, audit.Filter{Action: "framework.import", Outcome: audit.Denied})
		if err != nil || len(denied) != 3 {
			t.Fatalf("denials audited: %d %v", len(denied), err)
		}

		// A manager of any organisation may.
		res, err := f.s.Import(f.as("manager"), "good_nested.yaml", data)
		if err != nil || res.AlreadyLoaded {
			t.Fatalf("import: %+v %v", res, err)
		}
		fw := res.Framework
		if fw.ID == 0 || fw.Key != "nested-example" || fw.Version != "2.1.0-beta" || fw.Subject != "program" || fw.Builtin || fw.InUse ||
			fw.Pack == nil || len(fw.Pack.Items()) != 4 || fw.Licence != "CC BY 4.0, Joined Up contributors" {
			t.Fatalf("framework: %+v", fw)
		}
		rows, err := audit.List(ctx, d, audit.Filter{Action: "framework.import", Outcome: audit.Success})
		if err != nil || len(rows) != 1 || rows[0].TargetID != fw.ID || rows[0].ActorID != f.people["manager"].UserID ||
			!strings.Contains(rows[0].Detail, "nested-example 2.1.0-beta: 4 items") {
			t.Fatalf("audit: %+v %v", rows, err)
		}

		// Readable by everyone, by ID or by key and version; the original file is kept.
		got, err := f.s.Framework(ctx, fw.ID)
		if err != nil || got.Pack.Dimensions[0].Dimensions[0].Items[0].Guidance == "" {
			t.Fatalf("get: %+v %v", got, err)
		}
		if byKey, err := f.s.FrameworkByKey(ctx, "nested-example", "2.1.0-beta"); err != nil || byKey.ID != fw.ID {
			t.Fatalf("by key: %+v %v", byKey, err)
		}
		if _, err := f.s.FrameworkByKey(ctx, "nested-example", "9"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("missing version: %v", err)
		}
		if _, text, err := f.s.FrameworkOriginal(ctx, fw.ID); err != nil || text != string(data) {
			t.Fatalf("original: %v", err)
		}
		if _, err := f.s.Framework(ctx, fw.ID+100); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}

		// Found by search, by everyone.
		hits, err := search.Search(ctx, d, search.Query{Text: "nested"})
		if err != nil || len(hits) != 1 || hits[0].Kind != "framework" || hits[0].URL != "/frameworks/"+itoa64(fw.ID) {
			t.Fatalf("search: %+v %v", hits, err)
		}

		// The same pack again (reformatted as JSON) changes nothing.
		asJSON, _ := json.Marshal(fw.Pack)
		again, err := f.s.Import(f.as("site-admin"), "again.json", asJSON)
		if err != nil || !again.AlreadyLoaded || again.Framework.ID != fw.ID {
			t.Fatalf("identical: %+v %v", again, err)
		}

		// A changed pack under the same version is refused, naming the version line.
		changed := bytes.Replace(data, []byte("Staff are trained."), []byte("Staff are well trained."), 1)
		_, err = f.s.Import(f.as("manager"), "changed.yaml", changed)
		pe, ok := AsPackErrors(err)
		if !ok || len(pe) != 1 || pe[0].Line != 2 || pe[0].Path != "version" || !strings.Contains(pe[0].Problem, "already loaded with different content") {
			t.Fatalf("changed: %v", err)
		}
		// With a new version it is a new framework; both stay.
		bumped := bytes.Replace(changed, []byte("version: 2.1.0-beta"), []byte("version: 2.1.0"), 1)
		nv, err := f.s.Import(f.as("admin-b"), "bumped.yaml", bumped)
		if err != nil || nv.Framework.ID == fw.ID || nv.Framework.Version != "2.1.0" {
			t.Fatalf("new version: %+v %v", nv, err)
		}
		if latest, err := f.s.FrameworkByKey(ctx, "nested-example", ""); err != nil || latest.ID != nv.Framework.ID {
			t.Fatalf("latest: %+v %v", latest, err)
		}
		all, err := f.s.Frameworks(ctx)
		if err != nil || len(all) != 2 || all[0].Version != "2.1.0" || all[1].Version != "2.1.0-beta" {
			t.Fatalf("list: %+v %v", all, err)
		}

		// A broken pack changes nothing and says where.
		_, err = f.s.Import(f.as("manager"), "bad_answer_set_ref.yaml", readPackFile(t, "bad_answer_set_ref.yaml"))
		if pe, ok := AsPackErrors(err); !ok || pe[0].Line != 22 {
			t.Fatalf("broken: %v", err)
		}
		if all, _ := f.s.Frameworks(ctx); len(all) != 2 {
			t.Fatalf("a broken pack was stored: %d", len(all))
		}
	})
}

func TestFrameworkInUse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFWFixture(t, d)
		ctx := context.Background()
		data := readPackFile(t, "good_minimal.yaml")
		res, err := f.s.Import(f.as("site-admin"), "good_minimal.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		id := res.Framework.ID
		if used, err := f.s.InUse(ctx, id); err != nil || used {
			t.Fatalf("unused: %v %v", used, err)
		}
		f.useFramework(t, id)
		if used, err := f.s.InUse(ctx, id); err != nil || !used {
			t.Fatalf("used: %v %v", used, err)
		}
		if got, _ := f.s.Framework(ctx, id); !got.InUse {
			t.Fatalf("framework not marked in use: %+v", got)
		}
		if _, err := f.s.InUse(ctx, id+1); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		// In use, the version can never change: the refusal says so.
		changed := bytes.Replace(data, []byte("We do the thing."), []byte("We do the thing well."), 1)
		_, err = f.s.Import(f.as("site-admin"), "good_minimal.yaml", changed)
		pe, ok := AsPackErrors(err)
		if !ok || pe[0].Line != 3 || !strings.Contains(pe[0].Problem, "used by 1 assessments and can never change") {
			t.Fatalf("changed in use: %v", err)
		}
		// The stored pack is untouched.
		if got, _ := f.s.Framework(ctx, id); got.Pack.Dimensions[0].Items[0].Statement != "We do the thing." {
			t.Fatalf("stored pack changed: %+v", got.Pack)
		}
		// Identical is still fine.
		if again, err := f.s.Import(f.as("site-admin"), "good_minimal.yaml", data); err != nil || !again.AlreadyLoaded {
			t.Fatalf("identical: %+v %v", again, err)
		}
	})
}

func TestEnsureBuiltins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFWFixture(t, d)
		ctx := context.Background() // anonymous: the application calls it at start
		for range 2 {
			if err := f.s.EnsureBuiltins(ctx); err != nil {
				t.Fatal(err)
			}
		}
		all, err := f.s.Frameworks(ctx)
		if err != nil || len(all) != 3 {
			t.Fatalf("builtins: %d %v", len(all), err)
		}
		for _, fw := range all {
			if !fw.Builtin || fw.Pack == nil || len(fw.Pack.Items()) < 10 {
				t.Errorf("builtin: %+v", fw)
			}
		}
		charter, err := f.s.FrameworkByKey(ctx, "charter-engagement", "")
		if err != nil || charter.Title != "Charter engagement maturity" || len(charter.Pack.Dimensions) != 6 {
			t.Fatalf("charter: %+v %v", charter, err)
		}
		rows, err := audit.List(ctx, d, audit.Filter{Action: "framework.import"})
		if err != nil || len(rows) != 3 || rows[0].Actor != "system" || !strings.Contains(rows[0].Detail, "(built in)") {
			t.Fatalf("audit: %+v %v", rows, err)
		}
		// Importing a built-in file by hand is "already loaded"; loaded by hand first, it still counts as built in.
		data, _ := BuiltinPack("charter.yaml")
		if res, err := f.s.Import(f.as("manager"), "charter.yaml", data); err != nil || !res.AlreadyLoaded || res.Framework.ID != charter.ID {
			t.Fatalf("re-import builtin: %+v %v", res, err)
		}
		f2 := newFWFixture(t, dbtest.SQLite(t))
		if res, err := f2.s.Import(f2.as("manager"), "charter.yaml", data); err != nil || !res.Framework.Builtin {
			t.Fatalf("builtin loaded by hand: %+v %v", res.Framework, err)
		}
	})
}

// --- HTTP ---

func fwApp(t *testing.T, f *fwFixture) http.Handler {
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

func fwDo(h http.Handler, who, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func fwUpload(t *testing.T, h http.Handler, who, filename string, data []byte) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return fwDo(h, who, "POST", "/frameworks/import", mw.FormDataContentType(), buf.Bytes())
}

func fwWant(t *testing.T, what string, rec *httptest.ResponseRecorder, code int, wants ...string) {
	t.Helper()
	if rec.Code != code {
		t.Errorf("%s: status %d, want %d\n%.2000s", what, rec.Code, code, rec.Body.String())
		return
	}
	for _, w := range wants {
		if !strings.Contains(rec.Body.String(), w) {
			t.Errorf("%s: body lacks %q\n%.3000s", what, w, rec.Body.String())
		}
	}
}

func TestFrameworkPages(t *testing.T) {
	f := newFWFixture(t, dbtest.SQLite(t))
	if err := f.s.EnsureBuiltins(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := fwApp(t, f)
	charter, _ := f.s.FrameworkByKey(context.Background(), "charter-engagement", "1.0")
	id := itoa64(charter.ID)

	fwWant(t, "list", fwDo(h, "anonymous", "GET", "/frameworks", "", nil), 200,
		"Charter engagement maturity", "Engagement project check", "Joined-up services", "CC BY 4.0, Joined Up contributors", "Not yet")
	if strings.Contains(fwDo(h, "anonymous", "GET", "/frameworks", "", nil).Body.String(), `href="/frameworks/import"`) {
		t.Error("the public is offered the import page")
	}
	fwWant(t, "list as manager", fwDo(h, "manager", "GET", "/frameworks", "", nil), 200, `href="/frameworks/import"`)
	fwWant(t, "pack page", fwDo(h, "anonymous", "GET", "/frameworks/"+id, "", nil), 200,
		"Be open", "Be collaborative", "We involve the people affected before the important choices are made.",
		"What each answer looks like in practice", "Evidence to look for", "How to do better", "Leading", "Not applicable",
		`href="/frameworks/`+id+`/download"`)
	fwWant(t, "missing pack", fwDo(h, "anonymous", "GET", "/frameworks/999", "", nil), 404)
	fwWant(t, "bad id", fwDo(h, "anonymous", "GET", "/frameworks/x", "", nil), 404)

	dl := fwDo(h, "anonymous", "GET", "/frameworks/"+id+"/download", "", nil)
	fwWant(t, "download", dl, 200, "id: charter-engagement")
	if cd := dl.Header().Get("Content-Disposition"); cd != `attachment; filename="charter-engagement-1.0.yaml"` {
		t.Errorf("download header: %s", cd)
	}

	// The upload page: for managers and site admins.
	fwWant(t, "import page anonymous", fwDo(h, "anonymous", "GET", "/frameworks/import", "", nil), 303)
	fwWant(t, "import page viewer", fwDo(h, "viewer", "GET", "/frameworks/import", "", nil), 403)
	fwWant(t, "import page manager", fwDo(h, "manager", "GET", "/frameworks/import", "", nil), 200, `enctype="multipart/form-data"`)
	fwWant(t, "upload viewer", fwUpload(t, h, "viewer", "good_minimal.yaml", readPackFile(t, "good_minimal.yaml")), 403)

	// A broken pack: the problems listed with their lines.
	fwWant(t, "upload broken", fwUpload(t, h, "manager", "bad_descriptors.yaml", readPackFile(t, "bad_descriptors.yaml")), 422,
		"bad_descriptors.yaml was not loaded", "<td class=\"num\">24</td>", "dimensions[0].items[0].descriptors", "has 3 descriptors")
	fwWant(t, "upload wrong type", fwUpload(t, h, "manager", "pack.csv", []byte("a,b")), 422, "ending in .yaml, .yml or .json")
	big := append([]byte("id: big\ndescription: "), bytes.Repeat([]byte("x"), MaxPackBytes+10)...)
	fwWant(t, "upload too large", fwUpload(t, h, "manager", "big.yaml", big), 413, "larger than 1 MiB")

	// A good one: loaded, then the same again is "already loaded".
	rec := fwUpload(t, h, "manager", "good_minimal.yaml", readPackFile(t, "good_minimal.yaml"))
	if rec.Code != 303 || !strings.HasPrefix(rec.Header().Get("Location"), "/frameworks/") {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
	}
	if rec := fwUpload(t, h, "manager", "good_minimal.yaml", readPackFile(t, "good_minimal.yaml")); rec.Code != 303 {
		t.Fatalf("upload again: %d", rec.Code)
	}
	if all, _ := f.s.Frameworks(context.Background()); len(all) != 4 {
		t.Fatalf("frameworks: %d", len(all))
	}
}

func TestFrameworkAPI(t *testing.T) {
	f := newFWFixture(t, dbtest.SQLite(t))
	if err := f.s.EnsureBuiltins(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := fwApp(t, f)
	rec := fwDo(h, "anonymous", "GET", "/api/v1/frameworks", "", nil)
	var list struct {
		Items []FrameworkSummary `json:"items"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &list) != nil || len(list.Items) != 3 {
		t.Fatalf("list: %d %s", rec.Code, rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), `"dimensions":[`) || list.Items[0].Items == 0 || list.Items[0].URL == "" {
		t.Errorf("list items carry whole packs or lack counts: %.500s", rec.Body.String())
	}
	rec = fwDo(h, "anonymous", "GET", "/api/v1/frameworks/"+itoa64(list.Items[0].ID), "", nil)
	var got FrameworkDetail
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got.Dimensions) == 0 || len(got.Levels) < 2 || len(got.AnswerSets) == 0 || got.Items == 0 {
		t.Fatalf("get: %d %.500s", rec.Code, rec.Body.String())
	}
	fwWant(t, "get missing", fwDo(h, "anonymous", "GET", "/api/v1/frameworks/999", "", nil), 404)

	// Loading: JSON body, YAML body, errors as 422 with lines.
	fwWant(t, "post anonymous", fwDo(h, "anonymous", "POST", "/api/v1/frameworks", "application/json", readPackFile(t, "good.json")), 401)
	fwWant(t, "post viewer", fwDo(h, "viewer", "POST", "/api/v1/frameworks", "application/json", readPackFile(t, "good.json")), 403)
	rec = fwDo(h, "manager", "POST", "/api/v1/frameworks", "application/json", readPackFile(t, "good.json"))
	var ir ImportResponse
	if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &ir) != nil || ir.AlreadyLoaded || ir.Framework.Key != "json-pack" || len(ir.Framework.Dimensions) != 1 {
		t.Fatalf("post json: %d %s", rec.Code, rec.Body.String())
	}
	if loc := rec.Header().Get("Location"); loc != "/api/v1/frameworks/"+itoa64(ir.Framework.ID) {
		t.Errorf("location: %s", loc)
	}
	rec = fwDo(h, "manager", "POST", "/api/v1/frameworks", "application/json", readPackFile(t, "good.json"))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"already_loaded":true`) {
		t.Fatalf("post again: %d %s", rec.Code, rec.Body.String())
	}
	fwWant(t, "post yaml", fwDo(h, "site-admin", "POST", "/api/v1/frameworks", "application/yaml", readPackFile(t, "good_minimal.yaml")), 201, `"key":"minimal"`)
	fwWant(t, "post broken", fwDo(h, "manager", "POST", "/api/v1/frameworks", "application/yaml", readPackFile(t, "bad_answer_set_ref.yaml")), 422,
		`"dimensions[0].items[0].answer_set":"line 22: \"five\" is not an answer set of this pack"`)
	fwWant(t, "post wrong type", fwDo(h, "manager", "POST", "/api/v1/frameworks", "text/csv", []byte("a,b")), 415)
	fwWant(t, "post too large", fwDo(h, "manager", "POST", "/api/v1/frameworks", "application/yaml",
		append([]byte("id: x\ndescription: "), bytes.Repeat([]byte("x"), MaxPackBytes)...)), 413)
}

func itoa64(n int64) string { b, _ := json.Marshal(n); return string(b) }
