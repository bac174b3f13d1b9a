package search

import (
	"context"
	"embed"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Limits of a search request.
const (
	// MaxQuery is the longest query accepted, in characters.
	MaxQuery = 200
	// PageSize is the number of results on a page of /search.
	PageSize = 20
	// MaxPage is the last page /search shows (the best MaxTotal results).
	MaxPage = MaxTotal / PageSize
	// MaxAPILimit and MaxAPIOffset bound the API's limit and offset.
	MaxAPILimit  = 100
	MaxAPIOffset = MaxTotal
	// MaxFilterValues is how many values of one facet a request may filter on.
	MaxFilterValues = 20
)

// DefaultKinds returns the labels of the kinds the directory indexes. Capabilities add theirs
// (kind → label) when they build the Web.
func DefaultKinds() map[string]string {
	return map[string]string{
		"organisation": "Organisation",
		"place":        "Place",
		"service":      "Service",
		"program":      "Program",
		"tag":          "Tag",
	}
}

// Web serves the search page and the search API.
type Web struct {
	DB     db.Q
	Render *web.Renderer
	// Kinds maps each kind of document to its label; a kind not in it cannot be filtered on.
	Kinds map[string]string
	// Communities, when set, returns the communities of practice the signed-in person in ctx
	// is an active member of, so that the documents shared with them are found. The platform
	// knows no communities: the capability that has them sets this when the app is wired.
	Communities func(ctx context.Context) ([]int64, error)
}

// NewWeb makes the search handlers with DefaultKinds plus extra (which may relabel a default).
func NewWeb(q db.Q, render *web.Renderer, extra map[string]string) *Web {
	kinds := DefaultKinds()
	maps.Copy(kinds, extra)
	return &Web{DB: q, Render: render, Kinds: kinds}
}

// Routes registers GET /search and GET /api/v1/search, both public: what each principal finds
// is decided by Find.
func (h *Web) Routes(rt *web.Router) error {
	if err := h.Render.Add("search", templates, "templates"); err != nil {
		return err
	}
	rt.Page("GET", "/search", web.Public, h.page)
	rt.API("GET", "/api/v1/search", web.Public, "Search",
		"Search everything you may see: case studies, learnings, evidence, engagements, commitments, services, places and the rest. "+
			"Query parameters: q (the words, required, at most 200 characters: every word must match, the last one also as the beginning of a longer word); "+
			"kind, theme, place, organisation (filters, each repeatable: kinds by name, the others by id; a result has one of the values of each filter given); "+
			"limit (1–100, default 20); offset (0–1000). "+
			"Results come best first: those whose title holds every word, then the others (newest first when more than 1,000 match). "+
			"Only the best 1,000 are counted and reached (more: true says there are others). "+
			"facets counts, for each facet, its values among the best 1,000 matches (a facet's own filter left out). "+
			"highlights splits each snippet into parts; mark: true is a word searched for.",
		h.api, web.Body(nil, Results{}))
	return nil
}

// Label is the label of kind (the kind itself, capitalised, when none is registered).
func (h *Web) Label(kind string) string {
	if l, ok := h.Kinds[kind]; ok {
		return l
	}
	s := strings.ReplaceAll(kind, "_", " ")
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

// checkQuery validates the text of a query (required, at most MaxQuery characters).
func checkQuery(c *valid.Checker, q string) {
	if q == "" {
		c.Add("q", "Enter words to search for.")
		return
	}
	if n := utf8.RuneCountInString(q); n > MaxQuery {
		c.Addf("q", "Use %d characters or fewer (this has %d).", MaxQuery, n)
	}
}

// kindName is the form of a kind: a capability may index a kind before it registers a label.
var kindName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// checkKinds validates the kind filter: a registered kind, or at least a well-formed one.
func (h *Web) checkKinds(c *valid.Checker, kinds []string) {
	if len(kinds) > MaxFilterValues {
		c.Addf("kind", "Choose %d kinds or fewer.", MaxFilterValues)
		return
	}
	for _, k := range kinds {
		if _, ok := h.Kinds[k]; !ok && !kindName.MatchString(k) {
			c.Addf("kind", "Choose a kind from the list: %s.", strings.Join(slices.Sorted(maps.Keys(h.Kinds)), ", "))
			return
		}
	}
}

// idFacets are the facets filtered on by id, with the names of their parameters and how
// the page calls them.
var idFacets = []struct{ Facet, Label string }{
	{FacetTheme, "Theme"},
	{FacetPlace, "Place"},
	{FacetOrganisation, "Organisation"},
}

// request is a search request as read from the URL.
type request struct {
	Q     string
	Kinds []string
	IDs   map[string][]int64 // theme, place, organisation
}

// parse reads q and the filters from v, with messages about what is wrong.
func (h *Web) parse(v url.Values, c *valid.Checker) request {
	r := request{Q: strings.TrimSpace(v.Get("q")), IDs: map[string][]int64{}}
	checkQuery(c, r.Q)
	for _, k := range v["kind"] {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(r.Kinds, k) {
			r.Kinds = append(r.Kinds, k)
		}
	}
	h.checkKinds(c, r.Kinds)
	for _, f := range idFacets {
		for _, s := range v[f.Facet] {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id < 1 {
				c.Addf(f.Facet, "Choose a %s from the list (a whole number id).", strings.ToLower(f.Label))
				break
			}
			if !slices.Contains(r.IDs[f.Facet], id) {
				r.IDs[f.Facet] = append(r.IDs[f.Facet], id)
			}
		}
		if len(r.IDs[f.Facet]) > MaxFilterValues {
			c.Addf(f.Facet, "Choose %d or fewer.", MaxFilterValues)
		}
	}
	return r
}

// query is the Query of r for the person asking.
func (h *Web) query(ctx context.Context, r request) (Query, error) {
	sq := Query{Text: r.Q, Kinds: r.Kinds, Themes: r.IDs[FacetTheme], Places: r.IDs[FacetPlace], Orgs: r.IDs[FacetOrganisation]}
	if h.Communities != nil && authz.From(ctx).SignedIn() {
		ids, err := h.Communities(ctx)
		if err != nil {
			return sq, err
		}
		sq.Communities = ids
	}
	return sq, nil
}

// values is r as URL values (for links), with kind set to kinds and page when above 1.
func (r request) values(kinds []string, page int) url.Values {
	v := url.Values{}
	v.Set("q", r.Q)
	for _, k := range kinds {
		v.Add("kind", k)
	}
	for _, f := range idFacets {
		for _, id := range r.IDs[f.Facet] {
			v.Add(f.Facet, strconv.FormatInt(id, 10))
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v
}

func (r request) url(kinds []string, page int) string {
	return "/search?" + r.values(kinds, page).Encode()
}

// options lists the kinds for the filter: every registered kind and every kind found.
func (h *Web) options(found []FacetValue) []web.Option {
	kinds := maps.Clone(h.Kinds)
	if kinds == nil {
		kinds = map[string]string{}
	}
	for _, v := range found {
		kinds[v.Value] = h.Label(v.Value)
	}
	var out []web.Option
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		out = append(out, web.Option{Value: k, Label: kinds[k]})
	}
	slices.SortStableFunc(out, func(a, b web.Option) int { return strings.Compare(a.Label, b.Label) })
	return out
}

// kindCount is one kind link.
type kindCount struct {
	Kind, Label, URL string
	Count            int
	Current          bool
}

// facetBox is the checkboxes of one facet.
type facetBox struct {
	Name, Label string
	Options     []web.Option // label: the value's label and count
	Open        bool         // a value is chosen
}

// result is one hit as the page shows it.
type result struct {
	Hit
	Label string
	Parts []Part
}

type resultsData struct {
	Query     string
	Kind      string
	KindLabel string
	// Searchable is false when the query holds no words (only punctuation, say).
	Searchable bool
	Total      int  // results with every filter (at most MaxTotal)
	All        int  // results whatever their kind (MaxTotal+1: more)
	More       bool // more than MaxTotal match
	Capped     bool // facet counts cover the best MaxCounted
	Kinds      []kindCount
	AllURL     string
	Facets     []facetBox
	Filtered   bool // a theme, place or organisation is chosen
	ClearURL   string
	Hidden     []web.Option // the parameters the filter form carries (name, value)
	Options    []web.Option
	Results    []result
	Start      int // the number of the first result on this page
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	FirstURL   string
	MaxTotal   int
}

func (h *Web) page(w http.ResponseWriter, r *http.Request) error {
	qv := r.URL.Query()
	d := resultsData{Page: 1, MaxTotal: MaxTotal}
	form := &web.Form{Values: url.Values{}}
	for k, v := range qv {
		form.Values[k] = slices.Clone(v)
	}
	form.Values.Set("q", strings.TrimSpace(qv.Get("q")))
	crumbs := []web.Crumb{{Label: "Search"}}
	if strings.TrimSpace(qv.Get("q")) == "" && len(qv["kind"]) <= 1 && qv.Get("theme")+qv.Get("place")+qv.Get("organisation")+qv.Get("page") == "" {
		d.Kind = qv.Get("kind")
		d.Options = h.options(nil)
		h.Render.OK(w, r, "search/results", web.Page{Title: "Search", Breadcrumbs: crumbs, Form: form, Data: d})
		return nil
	}
	var c valid.Checker
	req := h.parse(qv, &c)
	d.Query = req.Q
	if len(req.Kinds) == 1 {
		d.Kind = req.Kinds[0]
	}
	if s := qv.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPage {
			return &api.BadRequest{Msg: fmt.Sprintf("The page number must be a whole number from 1 to %d.", MaxPage),
				Errors: map[string]string{"page": fmt.Sprintf("Use 1 to %d.", MaxPage)}}
		}
		d.Page = n
	}
	if err := c.Err(); err != nil {
		d.Options = h.options(nil)
		form.Errors, _ = valid.As(err)
		h.Render.Render(w, r, http.StatusBadRequest, "search/results", web.Page{Title: "Search", Breadcrumbs: crumbs, Form: form, Data: d})
		return nil
	}
	d.KindLabel = strings.Join(h.labels(req.Kinds), ", ")
	d.Searchable = len(Terms(req.Q)) > 0
	ctx := r.Context()
	sq, err := h.query(ctx, req)
	if err != nil {
		return err
	}
	offset := (d.Page - 1) * PageSize
	sq.Limit, sq.Offset = PageSize, offset
	res, err := Find(ctx, h.DB, sq)
	if err != nil {
		return err
	}
	d.Total, d.More = min(res.Total, MaxTotal), res.Total > MaxTotal
	d.All, d.Capped = res.KindTotal, res.Capped
	d.AllURL = req.url(nil, 1)
	for _, v := range res.Facets[FacetKind] {
		if v.Count > 0 || slices.Contains(req.Kinds, v.Value) {
			d.Kinds = append(d.Kinds, kindCount{Kind: v.Value, Label: h.Label(v.Value), Count: v.Count,
				URL: req.url([]string{v.Value}, 1), Current: len(req.Kinds) == 1 && req.Kinds[0] == v.Value})
		}
	}
	for _, k := range req.Kinds {
		if !slices.ContainsFunc(d.Kinds, func(kc kindCount) bool { return kc.Kind == k }) {
			d.Kinds = append(d.Kinds, kindCount{Kind: k, Label: h.Label(k), URL: req.url([]string{k}, 1), Current: len(req.Kinds) == 1})
		}
	}
	slices.SortFunc(d.Kinds, func(a, b kindCount) int {
		if c := strings.Compare(a.Label, b.Label); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	for _, f := range idFacets {
		box := facetBox{Name: f.Facet, Label: f.Label, Open: len(req.IDs[f.Facet]) > 0}
		for _, v := range res.Facets[f.Facet] {
			box.Options = append(box.Options, web.Option{Value: v.Value, Label: fmt.Sprintf("%s (%d)", v.Label, v.Count)})
		}
		if len(box.Options) > 0 {
			d.Facets = append(d.Facets, box)
		}
		d.Filtered = d.Filtered || box.Open
	}
	d.ClearURL = request{Q: req.Q}.url(req.Kinds, 1)
	d.Hidden = append(d.Hidden, web.Option{Value: "q", Label: req.Q})
	for _, k := range req.Kinds {
		d.Hidden = append(d.Hidden, web.Option{Value: "kind", Label: k})
	}
	d.Options = h.options(res.Facets[FacetKind])
	d.Pages = (d.Total + PageSize - 1) / PageSize
	d.Start = offset + 1
	for _, hit := range res.Hits {
		d.Results = append(d.Results, result{Hit: hit, Label: h.Label(hit.Kind), Parts: Highlight(hit.Snippet)})
	}
	if d.Page > 1 {
		d.PrevURL = req.url(req.Kinds, min(d.Page-1, max(d.Pages, 1)))
		d.FirstURL = req.url(req.Kinds, 1)
	}
	if d.Page < d.Pages && d.Page < MaxPage {
		d.NextURL = req.url(req.Kinds, d.Page+1)
	}
	h.Render.OK(w, r, "search/results", web.Page{Title: "Search: " + req.Q, Breadcrumbs: crumbs, Form: form, Data: d})
	return nil
}

// labels are the labels of kinds.
func (h *Web) labels(kinds []string) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = h.Label(k)
	}
	return out
}

// Results is the body of GET /api/v1/search.
type Results struct {
	Query string `json:"query"`
	// Total counts the matches the caller may see, with every filter, up to 1,000.
	Total int `json:"total"`
	// More is true when more than Total match: only the best 1,000 are counted and reached.
	More  bool   `json:"more,omitempty"`
	Items []Item `json:"items"`
	// NextOffset is the offset of the next page, when there is one.
	NextOffset int `json:"next_offset,omitempty"`
	// Facets holds, for kind, theme, place and organisation, the values found among the best
	// 1,000 matches (at most 20 each, most frequent first, with any filtered on), counted with
	// the other facets' filters but not their own.
	Facets map[string][]FacetValue `json:"facets"`
	// FacetsCapped is true when the counts cover only the best 1,000 matches.
	FacetsCapped bool `json:"facets_capped,omitempty"`
}

// Item is one result of the API.
type Item struct {
	Kind  string `json:"kind"`
	ID    int64  `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url"`
	// Snippet is a passage of the record's text; Highlights is the same passage in parts,
	// the words searched for marked.
	Snippet    string    `json:"snippet"`
	Highlights []Part    `json:"highlights"`
	Rank       float64   `json:"rank"`
	Updated    time.Time `json:"updated_at"`
}

func (h *Web) api(w http.ResponseWriter, r *http.Request) error {
	qv := r.URL.Query()
	var c valid.Checker
	req := h.parse(qv, &c)
	limit, offset := 20, 0
	if s := qv.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxAPILimit {
			c.Addf("limit", "Use a whole number from 1 to %d.", MaxAPILimit)
		}
		limit = n
	}
	if s := qv.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > MaxAPIOffset {
			c.Addf("offset", "Use a whole number from 0 to %d.", MaxAPIOffset)
		}
		offset = n
	}
	if err := c.Err(); err != nil {
		ve, _ := valid.As(err)
		return &api.BadRequest{Msg: "Some query parameters need attention: see errors.", Errors: ve}
	}
	ctx := r.Context()
	sq, err := h.query(ctx, req)
	if err != nil {
		return err
	}
	sq.Limit, sq.Offset = limit, offset
	found, err := Find(ctx, h.DB, sq)
	if err != nil {
		return err
	}
	res := Results{Query: req.Q, Items: []Item{}, Total: min(found.Total, MaxTotal), More: found.Total > MaxTotal,
		Facets: map[string][]FacetValue{}, FacetsCapped: found.Capped}
	for _, f := range FacetNames() {
		res.Facets[f] = []FacetValue{}
		for _, v := range found.Facets[f] {
			if f == FacetKind {
				v.Label = h.Label(v.Value)
			}
			res.Facets[f] = append(res.Facets[f], v)
		}
	}
	for _, hit := range found.Hits {
		parts := Highlight(hit.Snippet)
		if parts == nil {
			parts = []Part{}
		}
		res.Items = append(res.Items, Item{Kind: hit.Kind, ID: hit.RecordID, Title: hit.Title, URL: hit.URL,
			Snippet: Plain(hit.Snippet), Highlights: parts, Rank: hit.Rank, Updated: hit.Updated})
	}
	if next := offset + len(res.Items); len(res.Items) > 0 && next < res.Total && next < MaxAPIOffset {
		res.NextOffset = next
	}
	return api.JSON(w, http.StatusOK, res)
}
