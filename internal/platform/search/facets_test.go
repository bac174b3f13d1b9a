package search

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// The directory documents that label facet values, and records of the learning kinds.
var facetDocs = []Doc{
	{Kind: "place", RecordID: 50, Title: "Logan", URL: "/places/50", Public: true},
	{Kind: "place", RecordID: 51, Title: "Papakura", URL: "/places/51", Public: true},
	{Kind: "tag", RecordID: 60, Title: "Accountability", Body: "Theme", URL: "/taxonomy/60", Public: true},
	{Kind: "tag", RecordID: 61, Title: "Local planning", Body: "Theme", URL: "/taxonomy/61", Public: true},
	{Kind: "organisation", RecordID: 70, Title: "Department of the Prime Minister", URL: "/organisations/70", Public: true, OrgID: 70},
	{Kind: "organisation", RecordID: 71, Title: "Logan Together", URL: "/organisations/71", Public: true, OrgID: 71},

	{Kind: "learning", RecordID: 1, Title: "Shared accountability works", Body: "Partners agreed who answers for what.", URL: "/learnings/1",
		Visibility: VisPublic, OrgID: 70, Places: []int64{50}, Themes: []int64{60}},
	{Kind: "learning", RecordID: 2, Title: "Members only learning", Body: "Accountability to the community, for members.", URL: "/learnings/2",
		Visibility: VisMembers, OrgID: 70, Places: []int64{50, 51}, Themes: []int64{60, 61}},
	{Kind: "learning", RecordID: 3, Title: "Community of practice learning", Body: "Accountability in the workgroup.", URL: "/learnings/3",
		Visibility: VisCommunity, CommunityID: 5, OrgID: 70, Themes: []int64{60}},
	{Kind: "case_study", RecordID: 4, Title: "Logan Together case study", Body: "Place-based accountability and local planning.", URL: "/case-studies/4",
		Visibility: VisPublic, OrgID: 71, Orgs: []int64{70}, Places: []int64{50}, Themes: []int64{60, 61, 60}},
	{Kind: "evidence", RecordID: 5, Title: "Culturally sensitive evidence", Body: "Accountability stories told in confidence.", URL: "/evidence/5",
		Visibility: VisOrg, OrgID: 71, Places: []int64{51}},
	{Kind: "commitment", RecordID: 6, Title: "AU0019 place-based approaches", Body: "Accountability for place-based outcomes.", URL: "/commitments/6",
		Public: true, OrgID: 70},
	{Kind: "evidence", RecordID: 7, Title: "Community without community", Body: "Accountability shared with no community at all.", URL: "/evidence/7",
		Visibility: VisCommunity, OrgID: 71},
}

func seedFacets(t testing.TB, d *db.DB) {
	t.Helper()
	err := d.InTx(context.Background(), func(tx *db.Tx) error {
		for _, doc := range facetDocs {
			if err := Index(context.Background(), tx, doc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func values(vs []FacetValue) string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%s:%s=%d", v.Value, v.Label, v.Count))
	}
	return strings.Join(out, " ")
}

func TestVisibility(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seedFacets(t, d)
		signedIn := authz.With(context.Background(), authz.Principal{UserID: 20})
		staff71 := authz.With(context.Background(), authz.Principal{UserID: 21, Roles: map[int64]authz.Role{71: authz.Viewer}})
		for _, c := range []struct {
			name        string
			ctx         context.Context
			communities []int64
			want        []int64 // learnings, case studies, evidence and commitments found
		}{
			{"anonymous", anonymous, nil, []int64{1, 4, 6}},
			{"anonymous claiming a community", anonymous, []int64{5}, []int64{1, 4, 6}},
			{"signed in", signedIn, nil, []int64{1, 2, 4, 6}},
			{"member of another community", signedIn, []int64{4}, []int64{1, 2, 4, 6}},
			{"member of the community", signedIn, []int64{5}, []int64{1, 2, 3, 4, 6}},
			{"staff of the evidence's organisation", staff71, nil, []int64{1, 2, 4, 5, 6, 7}},
			{"site admin", siteAdmin, nil, []int64{1, 2, 3, 4, 5, 6, 7}},
		} {
			res, err := Find(c.ctx, d, Query{Text: "accountability", Communities: c.communities, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, h := range res.Hits {
				if h.Kind != "tag" {
					got = append(got, h.RecordID)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s finds %v, want %v", c.name, got, c.want)
			}
			// The counts never count what is not shown.
			kinds := 0
			for _, v := range res.Facets[FacetKind] {
				kinds += v.Count
			}
			if res.Total != len(res.Hits) || kinds != res.Total {
				t.Errorf("%s: total %d, kind counts %d, hits %d", c.name, res.Total, kinds, len(res.Hits))
			}
		}
		// The columns say the same.
		var vis string
		var community, public any
		if err := d.QueryRow(context.Background(), "SELECT visibility, community_id, public FROM search_documents WHERE kind = 'learning' AND record_id = 3").Scan(&vis, &community, &public); err != nil {
			t.Fatal(err)
		}
		if vis != VisCommunity || fmt.Sprint(community) != "5" || fmt.Sprint(public) == "true" || fmt.Sprint(public) == "1" {
			t.Errorf("columns of a community document: %s %v %v", vis, community, public)
		}
		if err := d.QueryRow(context.Background(), "SELECT visibility FROM search_documents WHERE kind = 'evidence' AND record_id = 7").Scan(&vis); err != nil || vis != VisOrg {
			t.Errorf("community visibility without a community: %q %v", vis, err)
		}
	})
}

func TestFacets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seedFacets(t, d)
		ctx := siteAdmin
		res, err := Find(ctx, d, Query{Text: "accountability", Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		// Title group first: the theme tag "Accountability" and learning 1, in either order.
		first := []string{res.Hits[0].Kind, res.Hits[1].Kind}
		slices.Sort(first)
		if len(res.Hits) != 8 || !slices.Equal(first, []string{"learning", "tag"}) || res.Capped || res.Total != 8 || res.KindTotal != 8 {
			t.Fatalf("hits %v total %d/%d capped %v", ids(res.Hits), res.Total, res.KindTotal, res.Capped)
		}
		for facet, want := range map[string]string{
			FacetKind:         "evidence:=2 learning:=3 case_study:=1 commitment:=1 tag:=1",
			FacetTheme:        "60:Accountability=4 61:Local planning=2",
			FacetPlace:        "50:Logan=3 51:Papakura=2",
			FacetOrganisation: "70:Department of the Prime Minister=5 71:Logan Together=3",
		} {
			got := values(res.Facets[facet])
			if facet == FacetKind {
				// Most frequent first, then by value.
				want = "learning:=3 evidence:=2 case_study:=1 commitment:=1 tag:=1"
			}
			if got != want {
				t.Errorf("%s: %s, want %s", facet, got, want)
			}
		}

		// Filters: one of the values of each facet given. A facet's own values are counted
		// without its filter; the others with it.
		res, err = Find(ctx, d, Query{Text: "accountability", Places: []int64{50}, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(res.Hits); !slices.Equal(got, []int64{1, 2, 4}) && !slices.Equal(got, []int64{1, 4, 2}) {
			t.Errorf("place 50: %v", got)
		}
		if res.Total != 3 || res.KindTotal != 3 {
			t.Errorf("place 50 totals: %d %d", res.Total, res.KindTotal)
		}
		if got := values(res.Facets[FacetPlace]); got != "50:Logan=3 51:Papakura=2" {
			t.Errorf("place counts with a place filter: %s", got)
		}
		if got := values(res.Facets[FacetKind]); got != "learning:=2 case_study:=1" {
			t.Errorf("kind counts with a place filter: %s", got)
		}
		res, err = Find(ctx, d, Query{Text: "accountability", Kinds: []string{"learning"}, Themes: []int64{61}, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(res.Hits); !slices.Equal(got, []int64{2}) || res.Total != 1 || res.KindTotal != 2 {
			t.Errorf("learning with theme 61: %v total %d, whatever the kind %d", got, res.Total, res.KindTotal)
		}
		if got := values(res.Facets[FacetKind]); got != "case_study:=1 learning:=1" {
			t.Errorf("kind counts, kind filtered: %s", got)
		}
		if got := values(res.Facets[FacetTheme]); got != "60:Accountability=3 61:Local planning=1" {
			t.Errorf("theme counts, theme filtered: %s", got)
		}
		// Organisations count partners too; filtering on one finds its partners' records.
		res, err = Find(ctx, d, Query{Text: "accountability", Orgs: []int64{70}, Kinds: []string{"case_study"}, Limit: 20})
		if err != nil || len(res.Hits) != 1 || res.Hits[0].RecordID != 4 {
			t.Errorf("partner organisation: %v %v", err, ids(res.Hits))
		}
		// A value filtered on that nothing has is listed with 0; an unknown id has its id
		// for a label.
		res, err = Find(ctx, d, Query{Text: "accountability", Places: []int64{999}, Limit: 20})
		if err != nil || len(res.Hits) != 0 || res.Total != 0 {
			t.Errorf("unknown place: %v %v", err, ids(res.Hits))
		}
		if got := values(res.Facets[FacetPlace]); got != "50:Logan=3 51:Papakura=2 999:999=0" {
			t.Errorf("unknown place counts: %s", got)
		}
		// Kinds of any spelling are words, not syntax.
		for _, k := range []string{"", "x y", `"`, "zzx", "case_study OR learning", "\x00"} {
			if _, err := Find(ctx, d, Query{Text: "accountability", Kinds: []string{k}}); err != nil {
				t.Errorf("kind %q: %v", k, err)
			}
		}
		// Counts only.
		res, err = Find(ctx, d, Query{Text: "accountability"})
		if err != nil || res.Hits != nil || res.Total != 8 {
			t.Errorf("counts only: %v %v %d", err, ids(res.Hits), res.Total)
		}
		// Re-indexing replaces facets and visibility; the marker characters are removed.
		err = Index(ctx, d, Doc{Kind: "learning", RecordID: 1, Title: "Shared " + MarkStart + "accountability" + MarkEnd, Body: "x\x00y", URL: "/learnings/1",
			Visibility: VisMembers, OrgID: 70, Places: []int64{51}})
		if err != nil {
			t.Fatal(err)
		}
		res, err = Find(anonymous, d, Query{Text: "accountability", Places: []int64{51}, Limit: 20})
		if err != nil || len(res.Hits) != 0 {
			t.Errorf("re-indexed as members only, still public: %v %v", err, ids(res.Hits))
		}
		res, err = Find(ctx, d, Query{Text: "shared", Places: []int64{51}, Limit: 20})
		if err != nil || len(res.Hits) != 1 || strings.ContainsAny(res.Hits[0].Title, MarkStart+MarkEnd) {
			t.Errorf("re-indexed: %v %+v", err, res.Hits)
		}
	})
}

// TestMany covers a search finding more than MaxTotal: the count stops, the title group comes
// first, the others newest first, and the facet counts say they are of the best MaxTotal.
func TestMany(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		n := MaxTotal + 200
		err := d.InTx(context.Background(), func(tx *db.Tx) error {
			for i := 1; i <= n; i++ {
				doc := Doc{Kind: "learning", RecordID: int64(i), Title: fmt.Sprintf("Learning %d", i), Body: "Some words about delivery.",
					URL: fmt.Sprintf("/learnings/%d", i), Public: true, Places: []int64{int64(1 + i%3)}}
				if i%100 == 0 {
					doc.Title = fmt.Sprintf("Delivery learning %d", i)
				}
				if err := Index(context.Background(), tx, doc); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Find(anonymous, d, Query{Text: "delivery", Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != MaxTotal+1 || !res.Capped || len(res.Hits) != 20 {
			t.Fatalf("total %d capped %v hits %d", res.Total, res.Capped, len(res.Hits))
		}
		// Twelve title matches, best first, then the newest of the others.
		for i, h := range res.Hits[:12] {
			if !strings.HasPrefix(h.Title, "Delivery") {
				t.Errorf("hit %d is not a title match: %q", i, h.Title)
			}
		}
		want := int64(n)
		for i, h := range res.Hits[12:] {
			if want%100 == 0 {
				want--
			}
			if h.RecordID != want || h.Rank != 0 {
				t.Errorf("hit %d: %d (rank %v), want %d newest first", 12+i, h.RecordID, h.Rank, want)
			}
			want--
		}
		counted := 0
		for _, v := range res.Facets[FacetPlace] {
			counted += v.Count
		}
		if counted != MaxCounted {
			t.Errorf("place counts cover %d, want %d", counted, MaxCounted)
		}
		// The last page reached, and beyond it nothing.
		res, err = Find(anonymous, d, Query{Text: "delivery", Limit: 20, Offset: MaxTotal - 20})
		if err != nil || len(res.Hits) != 20 {
			t.Errorf("last page: %v %d", err, len(res.Hits))
		}
		res, err = Find(anonymous, d, Query{Text: "delivery", Limit: 20, Offset: MaxTotal})
		if err != nil || len(res.Hits) != 0 {
			t.Errorf("beyond the last page: %v %d", err, len(res.Hits))
		}
		// Pages do not overlap.
		seen := map[int64]bool{}
		for off := 0; off < 100; off += 20 {
			hits, err := Search(anonymous, d, Query{Text: "delivery", Limit: 20, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				if seen[h.RecordID] {
					t.Errorf("record %d on two pages", h.RecordID)
				}
				seen[h.RecordID] = true
			}
		}
	})
}

func TestSnippet(t *testing.T) {
	for _, c := range []struct {
		text  string
		terms []string
		want  string
	}{
		{"Communities and a community plan.", []string{"communities"}, "\ue000Communities\ue001 and a \ue000community\ue001 plan."},
		{"Social housing in Māori communities", []string{"maori", "hous"}, "Social \ue000housing\ue001 in \ue000Māori\ue001 communities"},
		{"Planning plans: the planner plans.", []string{"plan"}, "\ue000Planning\ue001 \ue000plans\ue001: the \ue000planner\ue001 \ue000plans\ue001."},
		{"Planning plans: the planner plans.", []string{"plan", "the"}, "\ue000Planning\ue001 \ue000plans\ue001: \ue000the\ue001 planner \ue000plans\ue001."},
		{"No match here.", []string{"zebra"}, "No match here."},
		{"", []string{"x"}, ""},
		{"<b>bold</b> & <<b>>", []string{"b"}, "<\ue000b\ue001>\ue000bold\ue001</\ue000b\ue001> & <<\ue000b\ue001>>"},
	} {
		if got := snippet(c.text, c.terms); got != c.want {
			t.Errorf("snippet(%q, %q) = %q, want %q", c.text, c.terms, got, c.want)
		}
	}
	// A long text: the window around the words, with ellipses.
	long := strings.Repeat("filler words here ", 40) + "the accountability framework " + strings.Repeat("more filler ", 40)
	got := snippet(long, []string{"accountability"})
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") || !strings.Contains(got, MarkStart+"accountability"+MarkEnd) || len(strings.Fields(got)) > snippetWords+2 {
		t.Errorf("long snippet: %q", got)
	}
	// The window with both words beats an earlier one with one.
	two := "accountability alone. " + strings.Repeat("x ", 60) + "local accountability together"
	if got := snippet(two, []string{"local", "accountability"}); !strings.Contains(got, MarkStart+"local"+MarkEnd+" "+MarkStart+"accountability") {
		t.Errorf("best window: %q", got)
	}
}

func FuzzSnippet(f *testing.F) {
	f.Add("Social housing in Māori communities", "maori hous")
	f.Add(MarkStart+"x"+MarkEnd, "x")
	f.Add("\xff\xfe social", "social")
	f.Fuzz(func(t *testing.T, text, q string) {
		text = clean(text)
		terms := Terms(q)
		if len(terms) == 0 {
			return
		}
		s := snippet(text, terms)
		if !utf8.ValidString(text) {
			return
		}
		// Marks come in pairs, never nested; without them the passage is a piece of the text.
		depth := 0
		for _, p := range strings.SplitAfter(s, MarkEnd) {
			if strings.Count(p, MarkStart) > 1 || strings.Count(p, MarkEnd) > 1 {
				t.Fatalf("nested marks in %q", s)
			}
		}
		_ = depth
		if plain := strings.Trim(Plain(s), "…"); !strings.Contains(text, plain) {
			t.Fatalf("snippet %q is not from %q", s, text)
		}
		var b strings.Builder
		for _, p := range Highlight(s) {
			b.WriteString(p.Text)
		}
		if b.String() != Plain(s) {
			t.Fatalf("Highlight loses text: %q", s)
		}
	})
}

func FuzzHighlight(f *testing.F) {
	f.Add("a " + MarkStart + "b" + MarkEnd + " c")
	f.Add(MarkEnd + MarkStart + MarkStart + "x")
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range Highlight(s) {
			if p.Text == "" || strings.ContainsAny(p.Text, MarkStart+MarkEnd) {
				t.Fatalf("part %+v of %q", p, s)
			}
		}
	})
}

func TestWebFacets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seedFacets(t, d)
		cat, rend, log := renderer(t)
		_ = cat
		_ = log
		h := NewWeb(d, rend, map[string]string{"learning": "Learning", "case_study": "Case study", "commitment": "Commitment", "evidence": "Evidence"})
		calls := 0
		h.Communities = func(ctx context.Context) ([]int64, error) {
			calls++
			return []int64{5}, nil
		}
		get := serve(t, h)
		member5 := authz.With(context.Background(), authz.Principal{UserID: 30})

		body := get(anonymous, "/search?q=accountability").Body.String()
		for _, s := range []string{
			`<h1>4 results for “accountability”`, `Learning (1)`, `Case study (1)`, `Commitment (1)`,
			`<summary>Place</summary>`, `name="place" value="50"`, `Logan (2)`, `Accountability (2)`, `Department of the Prime Minister (3)`,
			`<input type="hidden" name="q" value="accountability">`, `Apply filters`,
		} {
			if !strings.Contains(body, s) {
				t.Errorf("page lacks %s", s)
			}
		}
		if calls != 0 {
			t.Errorf("communities asked for the anonymous: %d", calls)
		}
		// A member of community 5 finds its learning.
		if body := get(member5, "/search?q=accountability&kind=learning").Body.String(); !strings.Contains(body, "Community of practice learning") || calls != 1 {
			t.Errorf("community member's page (%d calls):\n%s", calls, body)
		}
		// Filters by place keep the kind links and the other filters.
		body = get(anonymous, "/search?q=accountability&place=50").Body.String()
		if !strings.Contains(body, `<h1>2 results`) || !strings.Contains(body, `href="/search?kind=learning&amp;place=50&amp;q=accountability"`) ||
			!strings.Contains(body, `name="place" value="50" checked`) || !strings.Contains(body, `<a href="/search?q=accountability">Clear these filters</a>`) || !strings.Contains(body, `<details open>`) {
			t.Errorf("place filter page:\n%s", body)
		}
		if w := get(anonymous, "/search?q=accountability&place=x"); w.Code != 400 || !strings.Contains(w.Body.String(), `id="f-place-error"`) {
			t.Errorf("bad place: %d", w.Code)
		}
		// The API: facets with labels, highlights, filters.
		w := get(anonymous, "/api/v1/search?q=accountability&theme=61")
		var res Results
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || w.Code != 200 {
			t.Fatalf("api: %d %v %s", w.Code, err, w.Body.String())
		}
		if res.Total != 1 || len(res.Items) != 1 || res.Items[0].ID != 4 || res.FacetsCapped {
			t.Errorf("api theme 61: %+v", res)
		}
		if got := values(res.Facets[FacetKind]); got != "case_study:Case study=1" {
			t.Errorf("api kinds: %s", got)
		}
		if got := values(res.Facets[FacetTheme]); got != "60:Accountability=2 61:Local planning=1" {
			t.Errorf("api themes: %s", got)
		}
		it := res.Items[0]
		if strings.ContainsAny(it.Snippet, MarkStart+MarkEnd) || !slices.Contains(it.Highlights, Part{Text: "accountability", Mark: true}) {
			t.Errorf("api item: %+v", it)
		}
		many := "place=1"
		for i := 2; i <= MaxFilterValues+1; i++ {
			many += fmt.Sprintf("&place=%d", i)
		}
		for _, bad := range []string{"theme=0", "place=-1", "organisation=abc", many} {
			if w := get(anonymous, "/api/v1/search?q=x&"+bad); w.Code != 400 {
				t.Errorf("%s: %d", bad, w.Code)
			}
		}
		if w := get(anonymous, "/api/v1/search?q=x&"+strings.TrimSuffix(strings.Repeat("kind=learning&", 21), "&")); w.Code != 200 {
			t.Errorf("repeated kind: %d", w.Code)
		}
		h.Communities = func(ctx context.Context) ([]int64, error) { return nil, fmt.Errorf("down") }
		if w := get(member5, "/api/v1/search?q=x"); w.Code != 500 {
			t.Errorf("communities failing: %d", w.Code)
		}
	})
}

// TestFindInTx searches inside a caller's transaction, which goes on afterwards.
func TestFindInTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seedFacets(t, d)
		err := d.InTx(siteAdmin, func(tx *db.Tx) error {
			res, err := Find(siteAdmin, tx, Query{Text: "accountability", Places: []int64{50}, Limit: 5})
			if err != nil {
				return err
			}
			if res.Total != 3 || len(res.Hits) != 3 {
				t.Errorf("in a transaction: total %d, hits %v", res.Total, ids(res.Hits))
			}
			return Index(siteAdmin, tx, Doc{Kind: "learning", RecordID: 99, Title: "Written after a search", URL: "/learnings/99", Public: true})
		})
		if err != nil {
			t.Fatal(err)
		}
		if hits, err := Search(anonymous, d, Query{Text: "written"}); err != nil || len(hits) != 1 {
			t.Errorf("after the transaction: %v %v", err, ids(hits))
		}
	})
}
