package search

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// A private program belongs to this organisation.
const privateOrg = 7

var docs = []Doc{
	{Kind: "organisation", RecordID: 1, Title: "Department of Social Services", Body: "Families, housing and communities across the country.", URL: "/organisations/1", Public: true, OrgID: 1},
	{Kind: "place", RecordID: 2, Title: "Logan", Body: "A city south of Brisbane with a large social services sector: social enterprise, social housing and social workers.", URL: "/places/2", Public: true},
	{Kind: "service", RecordID: 3, Title: "Social housing", Body: "", URL: "/services/3", Public: true, OrgID: 1},
	{Kind: "program", RecordID: 4, Title: "Youth justice pilot", Body: "A confidential social program under design.", URL: "/programs/4", Public: false, OrgID: privateOrg},
	{Kind: "tag", RecordID: 5, Title: "Employment & <b>skills</b>", Body: "Jobs <script>alert(1)</script> and training for social mobility.", URL: "/taxonomy/5", Public: true},
}

func seed(t testing.TB, d *db.DB) {
	t.Helper()
	for _, doc := range docs {
		if err := Index(context.Background(), d, doc); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(hits []Hit) []int64 {
	var out []int64
	for _, h := range hits {
		out = append(out, h.RecordID)
	}
	return out
}

func has(hits []Hit, id int64) bool {
	for _, h := range hits {
		if h.RecordID == id {
			return true
		}
	}
	return false
}

var (
	anonymous = context.Background()
	member    = authz.With(context.Background(), authz.Principal{UserID: 10, Roles: map[int64]authz.Role{privateOrg: authz.Viewer}})
	outsider  = authz.With(context.Background(), authz.Principal{UserID: 11, Roles: map[int64]authz.Role{99: authz.Admin}})
	siteAdmin = authz.With(context.Background(), authz.Principal{UserID: 12, SiteAdmin: true})
)

// syntax holds queries made of the query syntax of FTS5 and tsquery, and other oddities.
var syntax = []string{
	`"`, `""`, `"social`, `social"`, `*`, `soc*`, `*soc`, `:`, `title:social`, `social:*`, `&`, `social & services`, `&&`,
	`(`, `)`, `(social`, `social)`, `NEAR`, `NEAR(social services, 2)`, `near/2`, `-`, `-social`, `social -services`, `--`,
	`AND`, `OR`, `NOT`, `social OR`, `NOT social`, `|`, `!social`, `<->`, `social <-> services`, `'`, `'social'`, `\`, `\"`,
	`^social`, `{social}`, `[social]`, `+social`, `%`, `_`, `social%`, `?`, `$1`, `;`, `; DROP TABLE search_documents; --`,
	"\x00", "social\x00services", "\xff\xfe", "🙂", "соціальні", "社会", "ǅ", "ﬁ", "a" + strings.Repeat("b", 500),
	strings.Repeat("social ", 50), strings.Repeat(`"* `, 100), "the", "the and of", "and", "a", "1", "2078",
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seed(t, d)
		ctx := anonymous

		// Title matches come before body matches, each group best first.
		hits, err := Search(ctx, d, Query{Text: "social"})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 4 {
			t.Fatalf("social: want 4 public hits, got %v", ids(hits))
		}
		for i, h := range hits[:2] {
			if h.RecordID != 1 && h.RecordID != 3 {
				t.Errorf("social: hit %d is %d (%q), want a title match first; all: %v", i, h.RecordID, h.Title, ids(hits))
			}
		}
		for i, h := range hits {
			if h.Rank <= 0 {
				t.Errorf("hit %d has no rank: %+v", i, h)
			}
		}
		if hits[2].Rank < hits[3].Rank {
			t.Errorf("body matches not best first: %+v", hits[2:])
		}
		if hits[0].URL == "" || hits[0].Updated.IsZero() || hits[0].Kind == "" {
			t.Errorf("hit not filled: %+v", hits[0])
		}
		// A body match has a snippet with the word marked.
		for _, h := range hits {
			if h.RecordID == 2 && !strings.Contains(strings.ToLower(h.Snippet), MarkStart+"social"+MarkEnd) {
				t.Errorf("snippet of a body match: %q", h.Snippet)
			}
		}

		// The last word also matches the beginning of longer words; every word must match.
		hits, err = Search(ctx, d, Query{Text: "soci"})
		if err != nil || len(hits) != 4 {
			t.Errorf("prefix soci: %v %v", err, ids(hits))
		}
		hits, err = Search(ctx, d, Query{Text: "Social Hous"})
		if err != nil || !has(hits, 3) || !has(hits, 1) || has(hits, 5) {
			t.Errorf("social hous: %v %v", err, ids(hits))
		}
		if hits, err := Search(ctx, d, Query{Text: "soci housing"}); err != nil || len(hits) != 0 {
			t.Errorf("soci housing: only the last word is a beginning: %v %v", err, ids(hits))
		}
		hits, err = Search(ctx, d, Query{Text: "social zebra"})
		if err != nil || len(hits) != 0 {
			t.Errorf("social zebra: want nothing, got %v %v", err, ids(hits))
		}

		// Kinds filter; limit and offset page through.
		hits, err = Search(ctx, d, Query{Text: "social", Kinds: []string{"place", "tag"}})
		if err != nil || len(hits) != 2 || !has(hits, 2) || !has(hits, 5) {
			t.Errorf("kinds: %v %v", err, ids(hits))
		}
		all, _ := Search(ctx, d, Query{Text: "social"})
		p1, err1 := Search(ctx, d, Query{Text: "social", Limit: 2})
		p2, err2 := Search(ctx, d, Query{Text: "social", Limit: 2, Offset: 2})
		if err1 != nil || err2 != nil || len(p1) != 2 || len(p2) != 2 || p1[0].RecordID != all[0].RecordID || p2[0].RecordID != all[2].RecordID {
			t.Errorf("paging: %v %v / %v %v / %v", err1, ids(p1), err2, ids(p2), ids(all))
		}
		counts, err := Counts(ctx, d, "social")
		if err != nil || counts["organisation"] != 1 || counts["place"] != 1 || counts["service"] != 1 || counts["tag"] != 1 || counts["program"] != 0 {
			t.Errorf("counts: %v %v", err, counts)
		}

		// Query syntax of either engine is never an error.
		for _, q := range syntax {
			if _, err := Search(ctx, d, Query{Text: q}); err != nil {
				t.Errorf("Search(%q): %v", q, err)
			}
			if _, err := Counts(siteAdmin, d, q); err != nil {
				t.Errorf("Counts(%q): %v", q, err)
			}
		}
		if hits, err := Search(ctx, d, Query{Text: `"Social" (services*) -housing: &`}); err != nil || !has(hits, 1) {
			t.Errorf("syntax is read as words: %v %v", err, ids(hits))
		}

		// Private documents: members of their organisation and site admins only.
		for _, c := range []struct {
			name string
			ctx  context.Context
			want bool
		}{{"anonymous", anonymous, false}, {"member", member, true}, {"member of another org", outsider, false}, {"site admin", siteAdmin, true}} {
			hits, err := Search(c.ctx, d, Query{Text: "confidential"})
			if err != nil || has(hits, 4) != c.want {
				t.Errorf("%s finds the private program: %v, want %v (%v)", c.name, has(hits, 4), c.want, err)
			}
			counts, err := Counts(c.ctx, d, "social")
			if err != nil || (counts["program"] == 1) != c.want {
				t.Errorf("%s counts the private program: %v, want %v (%v)", c.name, counts, c.want, err)
			}
		}

		// Index replaces the record's document.
		if err := Index(ctx, d, Doc{Kind: "place", RecordID: 2, Title: "Logan City", Body: "Renamed and rewritten.", URL: "/places/2", Public: true}); err != nil {
			t.Fatal(err)
		}
		if hits, _ := Search(ctx, d, Query{Text: "enterprise"}); len(hits) != 0 {
			t.Errorf("old body still found: %v", ids(hits))
		}
		hits, _ = Search(ctx, d, Query{Text: "rewritten"})
		if len(hits) != 1 || hits[0].Title != "Logan City" {
			t.Errorf("new body: %+v", hits)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT count(*) FROM search_documents WHERE kind = 'place' AND record_id = 2").Scan(&n); err != nil || n != 1 {
			t.Errorf("documents of place 2: %d %v", n, err)
		}
		// Making it private hides it.
		if err := Index(ctx, d, Doc{Kind: "place", RecordID: 2, Title: "Logan City", Body: "Renamed and rewritten.", URL: "/places/2", OrgID: privateOrg}); err != nil {
			t.Fatal(err)
		}
		if hits, _ := Search(ctx, d, Query{Text: "rewritten"}); len(hits) != 0 {
			t.Errorf("private after re-index, still public: %v", ids(hits))
		}

		// Remove deletes the document and only it; removing what is not there is no error.
		if err := Remove(ctx, d, "service", 3); err != nil {
			t.Fatal(err)
		}
		if hits, _ := Search(siteAdmin, d, Query{Text: "housing"}); has(hits, 3) || !has(hits, 1) {
			t.Errorf("after Remove: %v", ids(hits))
		}
		if err := Remove(ctx, d, "service", 3); err != nil {
			t.Errorf("second Remove: %v", err)
		}
	})
}

func TestTerms(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"Social Services", "social services"},
		{`"soci*" AND (x:y) -z NEAR/2`, "soci and x y z near 2"},
		{"  ", ""},
		{"Māori ōrite", "māori ōrite"},
		{strings.Repeat("w ", 20), strings.TrimSpace(strings.Repeat("w ", 12))},
	} {
		if got := strings.Join(Terms(c.in), " "); got != c.want {
			t.Errorf("Terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Terms(strings.Repeat("x", 100)); len(got) != 1 || utf8.RuneCountInString(got[0]) != 64 {
		t.Errorf("long word: %v", got)
	}
}

func TestHighlight(t *testing.T) {
	got := Highlight("a <<x>> " + MarkStart + "b" + MarkEnd + " c " + MarkEnd + MarkStart + "d")
	want := []Part{{Text: "a <<x>> "}, {Text: "b", Mark: true}, {Text: " c "}, {Text: "d", Mark: true}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("part %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if Highlight("") != nil {
		t.Error("empty snippet has parts")
	}
}

// renderer is the site's renderer for tests.
func renderer(t *testing.T) (*locale.Catalogues, *web.Renderer, *slog.Logger) {
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
	return cat, rend, log
}

// serve serves the routes of h with the principal of ctx.
func serve(t *testing.T, h *Web) func(ctx context.Context, target string) *httptest.ResponseRecorder {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt := web.NewRouter(&web.Errors{Render: h.Render, Log: log})
	if err := h.Routes(rt); err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, target string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		rt.Handler().ServeHTTP(w, httptest.NewRequestWithContext(ctx, "GET", target, nil))
		return w
	}
}

// server serves the search routes with the principal of ctx.
func server(t *testing.T, d *db.DB) func(ctx context.Context, target string) *httptest.ResponseRecorder {
	t.Helper()
	_, rend, _ := renderer(t)
	return serve(t, NewWeb(d, rend, map[string]string{"commitment": "Commitment"}))
}

func TestWeb(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seed(t, d)
		get := server(t, d)

		w := get(anonymous, "/search?q=social")
		body := w.Body.String()
		if w.Code != 200 {
			t.Fatalf("page: %d %s", w.Code, body)
		}
		for _, s := range []string{
			`<h1>4 results for “social”`, `<ol class="results"`, `<a href="/organisations/1">Department of Social Services</a>`,
			`<span class="kind">Place</span>`, `<mark>social</mark>`, `Employment &amp; &lt;b&gt;skills&lt;/b&gt;`,
			`All kinds (4)`, `href="/search?kind=place&amp;q=social">Place (1)</a>`, `aria-current="page">All kinds`,
		} {
			if !strings.Contains(body, s) {
				t.Errorf("page lacks %s", s)
			}
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>skills") || strings.Contains(body, "Youth justice") || strings.Contains(body, "&lt;&lt;") {
			t.Errorf("page shows what it should not:\n%s", body)
		}
		// The member sees the private program, with its count.
		if body := get(member, "/search?q=social").Body.String(); !strings.Contains(body, "5 results") || !strings.Contains(body, "Program (1)") {
			t.Errorf("member's page lacks the private program")
		}
		// Kind filter and labels from the map.
		body = get(anonymous, "/search?q=social&kind=place").Body.String()
		if !strings.Contains(body, "1 result for") || !strings.Contains(body, `aria-current="page">Place (1)`) || strings.Contains(body, "/organisations/1\"") {
			t.Errorf("kind filter page:\n%s", body)
		}
		if body := get(anonymous, "/search?q=social&kind=commitment").Body.String(); !strings.Contains(body, "0 results") || !strings.Contains(body, "Commitment records") {
			t.Errorf("a registered kind with no results:\n%s", body)
		}
		// A kind indexed before its label is registered can still be filtered on.
		if w := get(anonymous, "/api/v1/search?q=social&kind=survey_wave"); w.Code != 200 || !strings.Contains(w.Body.String(), `"total":0`) {
			t.Errorf("unregistered kind: %d %s", w.Code, w.Body.String())
		}
		// No results: advice.
		body = get(anonymous, "/search?q=zebra").Body.String()
		if !strings.Contains(body, "0 results") || !strings.Contains(body, "Check the spelling") || !strings.Contains(body, "sign in") {
			t.Errorf("no-results page lacks advice:\n%s", body)
		}
		// Only syntax characters: no words, no error.
		w = get(anonymous, "/search?q="+url.QueryEscape(`"*`))
		if w.Code != 200 || !strings.Contains(w.Body.String(), "has no words to search for") {
			t.Errorf(`q="*: %d %s`, w.Code, w.Body.String())
		}
		// No query: the form.
		if w := get(anonymous, "/search"); w.Code != 200 || !strings.Contains(w.Body.String(), `id="f-q"`) {
			t.Errorf("empty search page: %d", w.Code)
		}
		// Too long: a 400 with the message beside the field, keeping what was typed.
		long := strings.Repeat("a", MaxQuery+1)
		w = get(anonymous, "/search?q="+long)
		if w.Code != 400 || !strings.Contains(w.Body.String(), `id="f-q-error"`) || !strings.Contains(w.Body.String(), `value="`+long+`"`) {
			t.Errorf("long query page: %d %s", w.Code, w.Body.String())
		}
		if w := get(anonymous, "/search?q=social&kind=Bad+Kind%21"); w.Code != 400 || !strings.Contains(w.Body.String(), `id="f-kind-error"`) {
			t.Errorf("unknown kind page: %d", w.Code)
		}
		if w := get(anonymous, "/search?q=social&page=x"); w.Code != 400 {
			t.Errorf("bad page number: %d", w.Code)
		}
		// Paging past the end.
		if w := get(anonymous, "/search?q=social&page=3"); w.Code != 200 || !strings.Contains(w.Body.String(), "no more results") {
			t.Errorf("past the end: %d %s", w.Code, w.Body.String())
		}

		// The API.
		w = get(anonymous, "/api/v1/search?q=social&limit=2")
		var res Results
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || w.Code != 200 {
			t.Fatalf("api: %d %v %s", w.Code, err, w.Body.String())
		}
		if res.Query != "social" || res.Total != 4 || len(res.Items) != 2 || res.NextOffset != 2 || res.Items[0].URL == "" {
			t.Errorf("api: %+v", res)
		}
		w = get(member, "/api/v1/search?q=social&kind=program&kind=place")
		res.NextOffset = 0
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || res.Total != 2 || len(res.Items) != 2 || res.NextOffset != 0 {
			t.Errorf("api kinds for a member: %+v %v", res, err)
		}
		if body := get(anonymous, "/api/v1/search?q=zebra").Body.String(); !strings.Contains(body, `"items":[]`) {
			t.Errorf("api with no results: %s", body)
		}
		for _, c := range []struct{ target, field string }{
			{"/api/v1/search", "q"},
			{"/api/v1/search?q=%20%20", "q"},
			{"/api/v1/search?q=" + long, "q"},
			{"/api/v1/search?q=x&kind=Bad+Kind%21", "kind"},
			{"/api/v1/search?q=x&kind=place&kind=" + strings.Repeat("k", 41), "kind"},
			{"/api/v1/search?q=x&limit=0", "limit"},
			{"/api/v1/search?q=x&limit=101", "limit"},
			{"/api/v1/search?q=x&offset=-1", "offset"},
			{"/api/v1/search?q=x&offset=x", "offset"},
		} {
			w := get(anonymous, c.target)
			var p struct {
				Status int               `json:"status"`
				Errors map[string]string `json:"errors"`
			}
			_ = json.Unmarshal(w.Body.Bytes(), &p)
			if w.Code != 400 || w.Header().Get("Content-Type") != "application/problem+json" || p.Errors[c.field] == "" {
				t.Errorf("%s: %d %s, want 400 with an error on %s", c.target, w.Code, w.Body.String(), c.field)
			}
		}
		if w := get(anonymous, "/api/v1/search?q="+url.QueryEscape(`" * : & ( NEAR -`)); w.Code != 200 {
			t.Errorf("api with syntax only: %d %s", w.Code, w.Body.String())
		}
	})
}

func TestLabel(t *testing.T) {
	h := NewWeb(nil, nil, map[string]string{"organisation": "Agency", "commitment": "Commitment"})
	for kind, want := range map[string]string{"organisation": "Agency", "place": "Place", "commitment": "Commitment", "survey_wave": "Survey wave", "": ""} {
		if got := h.Label(kind); got != want {
			t.Errorf("Label(%q) = %q, want %q", kind, got, want)
		}
	}
	if len(DefaultKinds()) != 5 {
		t.Error("default kinds")
	}
}

func FuzzTerms(f *testing.F) {
	for _, s := range syntax {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms := Terms(s)
		if len(terms) > 12 {
			t.Fatalf("%d terms", len(terms))
		}
		for _, w := range terms {
			if w == "" || utf8.RuneCountInString(w) > 64 {
				t.Fatalf("term %q", w)
			}
			for _, r := range w {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Fatalf("term %q holds %q", w, r)
				}
			}
		}
	})
}

func FuzzSearchQuery(f *testing.F) {
	for _, s := range syntax {
		f.Add(s)
	}
	d := dbtest.SQLite(f)
	seed(f, d)
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := Search(member, d, Query{Text: s, Kinds: []string{"place", s}}); err != nil {
			t.Fatalf("Search(%q): %v", s, err)
		}
		if _, err := Counts(anonymous, d, s); err != nil {
			t.Fatalf("Counts(%q): %v", s, err)
		}
	})
}
