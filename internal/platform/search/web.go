package search

import (
	"embed"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/api"
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
	// MaxPage is the last page /search will show (Search reads at most 10,000 results in).
	MaxPage = 10000 / PageSize
	// MaxAPILimit and MaxAPIOffset bound the API's limit and offset.
	MaxAPILimit  = 100
	MaxAPIOffset = 10000
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
}

// NewWeb makes the search handlers with DefaultKinds plus extra (which may relabel a default).
func NewWeb(q db.Q, render *web.Renderer, extra map[string]string) *Web {
	kinds := DefaultKinds()
	maps.Copy(kinds, extra)
	return &Web{DB: q, Render: render, Kinds: kinds}
}

// Routes registers GET /search and GET /api/v1/search, both public: what each principal finds
// is decided by Search.
func (h *Web) Routes(rt *web.Router) error {
	if err := h.Render.Add("search", templates, "templates"); err != nil {
		return err
	}
	rt.Page("GET", "/search", web.Public, h.page)
	rt.API("GET", "/api/v1/search", web.Public, "Search",
		"Search everything you may see, best first (q: the words, required, at most 200 characters; kind: repeatable filter; limit: 1–100, default 20; offset: 0–10000). Snippets mark matched words with << and >>.",
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
	for _, k := range kinds {
		if _, ok := h.Kinds[k]; !ok && !kindName.MatchString(k) {
			c.Addf("kind", "Choose a kind from the list: %s.", strings.Join(slices.Sorted(maps.Keys(h.Kinds)), ", "))
			return
		}
	}
}

// options lists the kinds for the filter: every registered kind and every kind found.
func (h *Web) options(found map[string]int) []web.Option {
	kinds := maps.Clone(h.Kinds)
	if kinds == nil {
		kinds = map[string]string{}
	}
	for k := range found {
		kinds[k] = h.Label(k)
	}
	var out []web.Option
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		out = append(out, web.Option{Value: k, Label: kinds[k]})
	}
	slices.SortStableFunc(out, func(a, b web.Option) int { return strings.Compare(a.Label, b.Label) })
	return out
}

// kindCount is one filter link.
type kindCount struct {
	Kind, Label string
	Count       int
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
	Total      int // results of the kind shown (or of every kind)
	All        int // results of every kind
	Kinds      []kindCount
	Options    []web.Option
	Results    []result
	Start      int // the number of the first result on this page
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	FirstURL   string
}

func (h *Web) pageURL(q, kind string, page int) string {
	v := url.Values{}
	v.Set("q", q)
	if kind != "" {
		v.Set("kind", kind)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "/search?" + v.Encode()
}

func (h *Web) page(w http.ResponseWriter, r *http.Request) error {
	qv := r.URL.Query()
	q := strings.TrimSpace(qv.Get("q"))
	kind := strings.TrimSpace(qv.Get("kind"))
	d := resultsData{Query: q, Kind: kind, Page: 1}
	form := &web.Form{Values: url.Values{"q": {q}, "kind": {kind}}}
	title := "Search"
	crumbs := []web.Crumb{{Label: "Search"}}
	if q == "" {
		d.Options = h.options(nil)
		h.Render.OK(w, r, "search/results", web.Page{Title: title, Breadcrumbs: crumbs, Form: form, Data: d})
		return nil
	}
	var c valid.Checker
	checkQuery(&c, q)
	var kinds []string
	if kind != "" {
		kinds = []string{kind}
		h.checkKinds(&c, kinds)
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
	d.KindLabel = h.Label(kind)
	d.Searchable = len(Terms(q)) > 0
	title = "Search: " + q
	ctx := r.Context()
	counts, err := Counts(ctx, h.DB, q)
	if err != nil {
		return err
	}
	for k, n := range counts {
		d.All += n
		d.Kinds = append(d.Kinds, kindCount{Kind: k, Label: h.Label(k), Count: n})
	}
	if kind != "" && counts[kind] == 0 {
		d.Kinds = append(d.Kinds, kindCount{Kind: kind, Label: d.KindLabel})
	}
	slices.SortFunc(d.Kinds, func(a, b kindCount) int {
		if c := strings.Compare(a.Label, b.Label); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	d.Options = h.options(counts)
	d.Total = d.All
	if kind != "" {
		d.Total = counts[kind]
	}
	d.Pages = (d.Total + PageSize - 1) / PageSize
	offset := (d.Page - 1) * PageSize
	d.Start = offset + 1
	if offset < d.Total {
		hits, err := Search(ctx, h.DB, Query{Text: q, Kinds: kinds, Limit: PageSize, Offset: offset})
		if err != nil {
			return err
		}
		for _, hit := range hits {
			d.Results = append(d.Results, result{Hit: hit, Label: h.Label(hit.Kind), Parts: Highlight(hit.Snippet)})
		}
	}
	if d.Page > 1 {
		d.PrevURL = h.pageURL(q, kind, min(d.Page-1, max(d.Pages, 1)))
		d.FirstURL = h.pageURL(q, kind, 1)
	}
	if d.Page < d.Pages && d.Page < MaxPage {
		d.NextURL = h.pageURL(q, kind, d.Page+1)
	}
	h.Render.OK(w, r, "search/results", web.Page{Title: title, Breadcrumbs: crumbs, Form: form, Data: d})
	return nil
}

// Results is the body of GET /api/v1/search.
type Results struct {
	Query string `json:"query"`
	// Total counts every match of the kinds asked for that the caller may see.
	Total int   `json:"total"`
	Items []Hit `json:"items"`
	// NextOffset is the offset of the next page, when there is one.
	NextOffset int `json:"next_offset,omitempty"`
}

func (h *Web) api(w http.ResponseWriter, r *http.Request) error {
	qv := r.URL.Query()
	q := strings.TrimSpace(qv.Get("q"))
	var kinds []string
	for _, k := range qv["kind"] {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	var c valid.Checker
	checkQuery(&c, q)
	h.checkKinds(&c, kinds)
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
	res := Results{Query: q, Items: []Hit{}}
	counts, err := Counts(ctx, h.DB, q)
	if err != nil {
		return err
	}
	for k, n := range counts {
		if len(kinds) == 0 || slices.Contains(kinds, k) {
			res.Total += n
		}
	}
	if offset < res.Total {
		hits, err := Search(ctx, h.DB, Query{Text: q, Kinds: kinds, Limit: limit, Offset: offset})
		if err != nil {
			return err
		}
		if hits != nil {
			res.Items = hits
		}
	}
	if next := offset + len(res.Items); len(res.Items) > 0 && next < res.Total && next <= MaxAPIOffset {
		res.NextOffset = next
	}
	return api.JSON(w, http.StatusOK, res)
}
