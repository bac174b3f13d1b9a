package directory

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// spineAuditCounts counts audit rows by "action/outcome" for actions starting with prefix.
func spineAuditCounts(t *testing.T, d *db.DB, prefix string) map[string]int {
	t.Helper()
	rows, err := audit.List(context.Background(), d, audit.Filter{Action: prefix, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range rows {
		got[r.Action+"/"+r.Outcome]++
	}
	return got
}

func spineWantAudit(t *testing.T, got, want map[string]int) {
	t.Helper()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("audit %s: got %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

// spineSearch returns the "kind:id" of each hit for text, as ctx's principal sees them.
func spineSearch(t *testing.T, ctx context.Context, d *db.DB, text string, kinds ...string) []string {
	t.Helper()
	hits, err := search.Search(ctx, d, search.Query{Text: text, Kinds: kinds})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.Kind+":"+id(h.RecordID))
	}
	return out
}

func spineWantField(t *testing.T, err error, field, contains string) {
	t.Helper()
	ve, ok := valid.As(err)
	if !ok || ve[field] == "" {
		t.Fatalf("want an error on %s, got %v", field, err)
	}
	if contains != "" && !strings.Contains(ve[field], contains) {
		t.Fatalf("error on %s: %q does not say %q", field, ve[field], contains)
	}
}

func spineAs(p authz.Principal) context.Context { return authz.With(context.Background(), p) }

func spineMember(userID, org int64, role authz.Role) authz.Principal {
	return authz.Principal{UserID: userID, Name: "user " + id(userID), Roles: map[int64]authz.Role{org: role}}
}

func TestPlaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := NewService(d)
		admin := spineAs(authz.System)
		org, err := s.CreateOrg(admin, OrgInput{Name: "Logan City Council", Type: "local_government"})
		if err != nil {
			t.Fatal(err)
		}
		au, err := s.CreatePlace(admin, PlaceInput{Name: "Australia", Kind: "country", Code: "AU"})
		if err != nil {
			t.Fatal(err)
		}
		qld, err := s.CreatePlace(admin, PlaceInput{Name: "Queensland", Kind: "state", Code: "3", ParentID: au.ID})
		if err != nil {
			t.Fatal(err)
		}
		// A manager of any organisation may add a place.
		mgr := spineAs(spineMember(10, org.ID, authz.Manager))
		logan, err := s.CreatePlace(mgr, PlaceInput{Name: " Logan ", Kind: "lga", Code: "34590", ParentID: qld.ID})
		if err != nil {
			t.Fatal(err)
		}
		if logan.Name != "Logan" || logan.ParentName != "Queensland" {
			t.Fatalf("logan: %+v", logan)
		}

		// Bad input: a kind not in the list, a blank name, a code with spaces.
		_, err = s.CreatePlace(admin, PlaceInput{Name: "", Kind: "suburb", Code: "1 2"})
		for _, f := range []string{"name", "kind", "code"} {
			spineWantField(t, err, f, "")
		}
		// An unknown parent.
		_, err = s.CreatePlace(admin, PlaceInput{Name: "Nowhere", Kind: "community", ParentID: 99999})
		spineWantField(t, err, "parent_id", "from the list")
		// A state inside a local government area ranks above its parent.
		_, err = s.CreatePlace(admin, PlaceInput{Name: "New State", Kind: "state", ParentID: logan.ID})
		spineWantField(t, err, "parent_id", "cannot sit inside a local government area")
		// A country inside a country.
		_, err = s.CreatePlace(admin, PlaceInput{Name: "Norfolk", Kind: "country", ParentID: au.ID})
		spineWantField(t, err, "parent_id", "cannot sit inside a country")
		// Regions nest, and hold local government areas; "other" fits anywhere.
		seq, err := s.CreatePlace(admin, PlaceInput{Name: "South East Queensland", Kind: "region", ParentID: qld.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreatePlace(admin, PlaceInput{Name: "Logan corridor", Kind: "region", ParentID: seq.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreatePlace(admin, PlaceInput{Name: "Logan Hospital catchment", Kind: "other", ParentID: logan.ID}); err != nil {
			t.Fatal(err)
		}
		// The same code for the same kind is a field error.
		_, err = s.CreatePlace(admin, PlaceInput{Name: "Logan again", Kind: "lga", Code: "34590", ParentID: qld.ID})
		spineWantField(t, err, "code", "already has this code")

		// A cycle is refused: Australia inside Logan (the kind check would also refuse it, so
		// make the kinds fit first by using "other" places).
		a, err := s.CreatePlace(admin, PlaceInput{Name: "Area A", Kind: "other"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.CreatePlace(admin, PlaceInput{Name: "Area B", Kind: "other", ParentID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.UpdatePlace(admin, a.ID, PlaceInput{Name: "Area A", Kind: "other", ParentID: b.ID})
		spineWantField(t, err, "parent_id", "itself or one of the places within it")
		_, err = s.UpdatePlace(admin, a.ID, PlaceInput{Name: "Area A", Kind: "other", ParentID: a.ID})
		spineWantField(t, err, "parent_id", "itself")
		// Changing a kind so that a place inside no longer fits is refused.
		_, err = s.UpdatePlace(admin, qld.ID, PlaceInput{Name: "Queensland", Kind: "community", Code: "3", ParentID: au.ID})
		spineWantField(t, err, "kind", "Logan")

		// Permissions: anonymous, a viewer and a contributor may not add or edit places; only
		// site admins archive.
		for _, ctx := range []context.Context{context.Background(), spineAs(spineMember(11, org.ID, authz.Viewer)), spineAs(spineMember(12, org.ID, authz.Contributor))} {
			if _, err := s.CreatePlace(ctx, PlaceInput{Name: "X", Kind: "other"}); !errors.Is(err, authz.ErrForbidden) {
				t.Fatalf("create by %+v: %v", authz.From(ctx), err)
			}
			if _, err := s.UpdatePlace(ctx, logan.ID, PlaceInput{Name: "X", Kind: "lga"}); !errors.Is(err, authz.ErrForbidden) {
				t.Fatalf("update by %+v: %v", authz.From(ctx), err)
			}
		}
		if err := s.ArchivePlace(mgr, logan.ID, true); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("manager archiving a place: %v", err)
		}

		// The chain and the search document: a search for Queensland finds Logan too.
		chain, err := s.PlaceChain(context.Background(), logan.ID)
		if err != nil || len(chain) != 2 || chain[0].ID != au.ID || chain[1].ID != qld.ID {
			t.Fatalf("chain: %v %+v", err, chain)
		}
		if hits := spineSearch(t, context.Background(), d, "logan", "place"); !slices.Contains(hits, "place:"+id(logan.ID)) {
			t.Fatalf("search logan: %v", hits)
		}
		// Renaming a place carries into the documents of the places within it.
		if _, err := s.UpdatePlace(mgr, qld.ID, PlaceInput{Name: "Queensland State", Kind: "state", Code: "3", ParentID: au.ID}); err != nil {
			t.Fatal(err)
		}
		if hits := spineSearch(t, context.Background(), d, "queensland state", "place"); !slices.Contains(hits, "place:"+id(logan.ID)) {
			t.Fatalf("after renaming the parent, search does not find Logan by it: %v", hits)
		}

		// Archiving hides the place from the public (page, list, search) but not from site admins.
		if err := s.ArchivePlace(admin, logan.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Place(context.Background(), logan.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("archived place visible to the public: %v", err)
		}
		if _, err := s.Place(admin, logan.ID); err != nil {
			t.Fatalf("archived place hidden from site admins: %v", err)
		}
		list, err := s.Places(context.Background(), ListFilter{Text: "logan", Archived: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range list {
			if p.ID == logan.ID {
				t.Fatal("archived place listed for the public")
			}
		}
		if hits := spineSearch(t, context.Background(), d, "logan", "place"); slices.Contains(hits, "place:"+id(logan.ID)) {
			t.Fatalf("archived place found by the public: %v", hits)
		}
		if hits := spineSearch(t, admin, d, "logan", "place"); !slices.Contains(hits, "place:"+id(logan.ID)) {
			t.Fatalf("archived place not found by site admins: %v", hits)
		}
		if err := s.ArchivePlace(admin, logan.ID, false); err != nil {
			t.Fatal(err)
		}

		spineWantAudit(t, spineAuditCounts(t, d, "place."), map[string]int{
			"place.create/success": 8, "place.create/denied": 3, "place.update/success": 1, "place.update/denied": 3,
			"place.archive/success": 1, "place.archive/denied": 1, "place.restore/success": 1,
		})
	})
}

func TestPlaceFits(t *testing.T) {
	for _, c := range []struct {
		child, parent string
		ok            bool
	}{
		{"state", "country", true}, {"lga", "state", true}, {"region", "state", true}, {"community", "lga", true},
		{"lga", "region", true}, {"region", "lga", true}, {"region", "region", true}, {"community", "country", true},
		{"other", "community", true}, {"country", "other", true},
		{"country", "country", false}, {"state", "state", false}, {"lga", "lga", false}, {"community", "community", false},
		{"state", "lga", false}, {"country", "state", false}, {"region", "community", false},
	} {
		if got := PlaceFits(c.child, c.parent); got != c.ok {
			t.Errorf("PlaceFits(%s, %s) = %v, want %v", c.child, c.parent, got, c.ok)
		}
	}
}

// spineHarness serves the directory's routes with the principal p, as the app does after its
// authentication middleware.
func spineHarness(t *testing.T, d *db.DB, p authz.Principal) http.Handler {
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

// spinePost sends a form to h and returns the status and body.
func spinePost(t *testing.T, h http.Handler, path string, form url.Values) (int, string) {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func spineGet(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

func TestPlaceFormHTTP(t *testing.T) {
	d := dbtest.SQLite(t)
	s := NewService(d)
	admin := spineAs(authz.System)
	au, err := s.CreatePlace(admin, PlaceInput{Name: "Australia", Kind: "country"})
	if err != nil {
		t.Fatal(err)
	}
	qld, err := s.CreatePlace(admin, PlaceInput{Name: "Queensland", Kind: "state", ParentID: au.ID})
	if err != nil {
		t.Fatal(err)
	}
	h := spineHarness(t, d, authz.Principal{UserID: 1, Name: "Admin", SiteAdmin: true})

	// A bad kind: 422, the message beside the field, what was typed kept.
	code, body := spinePost(t, h, "/places", url.Values{"name": {"Wairoa"}, "kind": {"suburb"}, "code": {"AB1"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", code)
	}
	for _, want := range []string{`id="f-kind-error"`, "Choose a kind of place from the list.", `value="Wairoa"`, `value="AB1"`, `href="#f-kind"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the re-rendered form lacks %q", want)
		}
	}
	// A state under a state: the message is on the parent field.
	code, body = spinePost(t, h, "/places", url.Values{"name": {"Inner State"}, "kind": {"state"}, "parent_id": {id(qld.ID)}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-parent_id-error"`) {
		t.Fatalf("state under a state: status %d", code)
	}
	// A good one redirects to the new place, whose page shows its chain.
	code, _ = spinePost(t, h, "/places", url.Values{"name": {"Logan"}, "kind": {"lga"}, "parent_id": {id(qld.ID)}})
	if code != http.StatusSeeOther {
		t.Fatalf("create: status %d", code)
	}
	logan, err := s.Store.PlaceByName(context.Background(), d, "Logan", "lga")
	if err != nil {
		t.Fatal(err)
	}
	code, body = spineGet(t, h, "/places/"+id(logan.ID))
	if code != http.StatusOK || !strings.Contains(body, `href="/places/`+id(qld.ID)+`"`) || !strings.Contains(body, "Local government area") {
		t.Fatalf("place page: status %d", code)
	}
	// The list is a tree: Logan is inside Queensland's list item.
	code, body = spineGet(t, h, "/places")
	if code != http.StatusOK {
		t.Fatalf("list: status %d", code)
	}
	if i, j := strings.Index(body, ">Queensland</a>"), strings.Index(body, ">Logan</a>"); i < 0 || j < i {
		t.Fatalf("tree order: Queensland at %d, Logan at %d", i, j)
	}
	// The public may not reach the form.
	anon := spineHarness(t, d, authz.Anonymous)
	if code, _ := spinePost(t, anon, "/places", url.Values{"name": {"X"}, "kind": {"other"}}); code != http.StatusForbidden {
		t.Fatalf("anonymous post: status %d", code)
	}
}
