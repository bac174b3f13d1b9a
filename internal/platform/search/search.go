// Package search is the one search box over everything: each capability writes a document for
// each searchable record (in the record's own transaction); SQLite answers with FTS5 and
// PostgreSQL with its full-text search.
//
// A document says who may find it (Doc.Visibility: everyone, anyone signed in, one community
// of practice, or the staff of its organisation) and what it is about (its facets: kind,
// organisation, places, themes). Find returns the best matches with a snippet whose matched
// words are marked, the number of matches, and how many of them have each facet value.
//
// Visibility and facets are stored as words of their own (Doc.tags) in a column indexed
// beside the title and body, so that the full-text index answers "which of the matches may
// this person see, of these kinds, in this place" without reading a row per match: the cost
// of a search depends on how many results it shows, not how many it finds.
package search

import (
	"context"
	"database/sql"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// Visibility of a document: who finds it besides the staff of its organisation (Doc.OrgID) and
// site administrators, who always do.
const (
	VisPublic    = "public"    // everyone, signed in or not
	VisMembers   = "members"   // anyone signed in
	VisCommunity = "community" // the members of one community of practice (Doc.CommunityID)
	VisOrg       = "org"       // the staff of Doc.OrgID only
)

// The facets a document is counted and filtered by. The values of FacetKind are kinds; those
// of the others are ids of organisations, places and theme tags — search documents
// themselves, whose titles label the values.
const (
	FacetKind         = "kind"
	FacetTheme        = "theme"
	FacetPlace        = "place"
	FacetOrganisation = "organisation"
)

// FacetNames lists the facets in the order pages show them.
func FacetNames() []string {
	return []string{FacetKind, FacetTheme, FacetPlace, FacetOrganisation}
}

// Limits.
const (
	// MaxCounted is how many of the best matches facet counts cover: counting the facets of
	// every match of a broad word would cost more than the rest of the search. Pages say so
	// when it applies (Result.Capped).
	MaxCounted = 1000
	// MaxTotal is how far matches are counted: a total above it reads "more than MaxTotal"
	// (paging stops at offset 10,000 anyway).
	MaxTotal = 10000
	// MaxRanked is the most matches of one group (see Find) ranked by relevance; a larger
	// group comes newest first.
	MaxRanked = 2000
	// maxFacetValues bounds the values of one facet a document may carry.
	maxFacetValues = 100
)

// Doc is one searchable record.
type Doc struct {
	Kind     string // "organisation", "place", "commitment", "learning", …
	RecordID int64
	Title    string
	Body     string
	URL      string
	// Public documents are found by everyone; others only by the staff of OrgID (and site
	// admins). Visibility, when set, takes precedence over Public.
	Public bool
	OrgID  int64
	// Visibility is VisPublic, VisMembers, VisCommunity (with CommunityID) or VisOrg; empty
	// means VisPublic when Public is set and VisOrg otherwise. An unknown value, or
	// VisCommunity without a community, is read as VisOrg.
	Visibility  string
	CommunityID int64
	// Facets: the places the record is about (directory place ids), its themes (directory
	// tag ids, scheme "theme"), and organisations besides OrgID (partners). Kind and OrgID
	// are facet values of every document.
	Places []int64
	Themes []int64
	Orgs   []int64
}

// visibility is the document's effective visibility.
func (d Doc) visibility() string {
	switch d.Visibility {
	case "":
		if d.Public {
			return VisPublic
		}
		return VisOrg
	case VisPublic, VisMembers, VisOrg:
		return d.Visibility
	case VisCommunity:
		if d.CommunityID > 0 {
			return VisCommunity
		}
	}
	return VisOrg
}

// The words of Doc.tags: lower-case letters and digits (one token for both engines' word
// splitting), each beginning with "z" and a code and ending with "x" (which no stemmer
// touches). Ids are decimal, kinds hexadecimal.
const (
	tagPublic    = "zvpx"
	tagMembers   = "zvmx"
	tagCommunity = "zvc" // + id: shared with this community
	tagOwner     = "zo"  // + id: staff of this organisation see it
	tagKind      = "zk"  // + hex(kind)
	tagOrg       = "zf"  // + id: organisation facet
	tagPlace     = "zp"  // + id
	tagTheme     = "zt"  // + id
)

// facetTag is the code of each facet's words.
var facetTag = map[string]string{FacetKind: tagKind, FacetOrganisation: tagOrg, FacetPlace: tagPlace, FacetTheme: tagTheme}

func idTag(code string, id int64) string { return code + strconv.FormatInt(id, 10) + "x" }

func kindTag(kind string) string { return tagKind + hex.EncodeToString([]byte(kind)) + "x" }

// valueTag is the word of a facet value (a kind, or an id as text); "" when it is not one.
func valueTag(facet, value string) string {
	if facet == FacetKind {
		return kindTag(value)
	}
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || id <= 0 {
		return ""
	}
	return idTag(facetTag[facet], id)
}

// tags returns the words of d's visibility and facets.
func (d Doc) tags() string {
	t := []string{kindTag(d.Kind)}
	switch d.visibility() {
	case VisPublic:
		t = append(t, tagPublic)
	case VisMembers:
		t = append(t, tagMembers)
	case VisCommunity:
		t = append(t, idTag(tagCommunity, d.CommunityID))
	}
	if d.OrgID > 0 {
		t = append(t, idTag(tagOwner, d.OrgID))
	}
	add := func(code string, ids []int64) {
		var seen []int64
		for _, id := range ids {
			if id > 0 && !slices.Contains(seen, id) && len(seen) < maxFacetValues {
				seen = append(seen, id)
				t = append(t, idTag(code, id))
			}
		}
	}
	add(tagOrg, append([]int64{d.OrgID}, d.Orgs...))
	add(tagPlace, d.Places)
	add(tagTheme, d.Themes)
	return strings.Join(t, " ")
}

// parseTags adds the facet values in tags to counts (facet → value → count).
func parseTags(tags string, counts map[string]map[string]int, facets []string) {
	for _, w := range strings.Fields(tags) {
		if len(w) < 4 || w[0] != 'z' || w[len(w)-1] != 'x' {
			continue
		}
		for _, f := range facets {
			code := facetTag[f]
			if !strings.HasPrefix(w, code) {
				continue
			}
			v := w[len(code) : len(w)-1]
			if f == FacetKind {
				b, err := hex.DecodeString(v)
				if err != nil {
					break
				}
				v = string(b)
			}
			if counts[f] == nil {
				counts[f] = map[string]int{}
			}
			counts[f][v]++
			break
		}
	}
}

// Markers of the matched words in Hit.Snippet: characters of Unicode's private use area,
// which Index removes from what it indexes, so that no text can fake or break a mark.
const (
	MarkStart = "\ue000"
	MarkEnd   = "\ue001"
)

// clean makes text safe to index: no marker characters, no NUL (which PostgreSQL refuses).
func clean(s string) string {
	if !strings.ContainsAny(s, MarkStart+MarkEnd+"\x00") {
		return s
	}
	return strings.NewReplacer(MarkStart, "\ufffd", MarkEnd, "\ufffd", "\x00", "").Replace(s)
}

// Index writes or replaces d (call it in the record's transaction).
func Index(ctx context.Context, q db.Q, d Doc) error {
	var org, community any
	if d.OrgID != 0 {
		org = d.OrgID
	}
	vis := d.visibility()
	if vis == VisCommunity {
		community = d.CommunityID
	}
	_, err := q.Exec(ctx, `INSERT INTO search_documents (kind, record_id, title, body, url, public, visibility, community_id, org_id, tags, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, record_id) DO UPDATE SET title = excluded.title, body = excluded.body, url = excluded.url,
			public = excluded.public, visibility = excluded.visibility, community_id = excluded.community_id,
			org_id = excluded.org_id, tags = excluded.tags, updated_at = excluded.updated_at`,
		d.Kind, d.RecordID, clean(d.Title), clean(d.Body), d.URL, vis == VisPublic, vis, community, org, d.tags(), db.Now())
	return err
}

// Remove deletes the document of a record (archived or deleted).
func Remove(ctx context.Context, q db.Q, kind string, recordID int64) error {
	_, err := q.Exec(ctx, "DELETE FROM search_documents WHERE kind = ? AND record_id = ?", kind, recordID)
	return err
}

// Hit is one result.
type Hit struct {
	Kind     string `json:"kind"`
	RecordID int64  `json:"id"`
	Title    string `json:"title"`
	// Snippet is a passage of the body with the matched words between MarkStart and MarkEnd:
	// split it with Highlight, or strip the marks with Plain.
	Snippet string `json:"snippet"`
	URL     string `json:"url"`
	// Rank is the relevance score (bm25 or ts_rank, higher is better); results come in the
	// order Find explains, which is not always by Rank.
	Rank    float64   `json:"rank"`
	Updated time.Time `json:"updated_at"`
}

// Query is a search request.
type Query struct {
	Text string
	// Filters: a document must have one of the values of each facet given (empty: any).
	Kinds  []string
	Places []int64
	Themes []int64
	Orgs   []int64
	// Communities are the communities of practice the asker is an active member of: the
	// documents shared with one of them are found too (signed-in askers only). The search
	// page fills it through Web.Communities.
	Communities []int64
	Limit       int // results wanted: 1–100 (default 20); Find accepts 0 for counts only
	Offset      int // 0–10,000
}

// filters returns the query's facet filters as facet → values.
func (sq Query) filters() map[string][]string {
	f := map[string][]string{}
	if len(sq.Kinds) > 0 {
		f[FacetKind] = sq.Kinds
	}
	for facet, ids := range map[string][]int64{FacetPlace: sq.Places, FacetTheme: sq.Themes, FacetOrganisation: sq.Orgs} {
		for _, id := range ids {
			f[facet] = append(f[facet], strconv.FormatInt(id, 10))
		}
	}
	return f
}

// Terms turns free text into the words searched for: letters and digits only, so that no
// query syntax of either engine can be injected.
func Terms(text string) []string {
	f := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(f) > 12 {
		f = f[:12]
	}
	out := f[:0]
	for _, w := range f {
		if len([]rune(w)) > 64 {
			w = string([]rune(w)[:64])
		}
		out = append(out, w)
	}
	return out
}

// FacetValue is one value of a facet with the number of matches that have it.
type FacetValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// Result is the answer to a query.
type Result struct {
	Hits []Hit
	// Total is the number of matches of the query with all its filters, and KindTotal the
	// number whatever their kind; both stop at MaxTotal+1 (read: more than MaxTotal).
	Total, KindTotal int
	// Facets holds, for each facet, its values among the matches, most frequent first. The
	// values of a facet are counted with the filters of the other facets but not its own,
	// so that a filter can be widened. Kinds are left unlabelled (the caller's labels).
	Facets map[string][]FacetValue
	// Capped says that the counts cover only the best MaxCounted matches of a search.
	Capped bool
}

// Find returns what the principal in ctx may see that matches sq: the page of hits asked
// for, the totals, and the facet counts.
//
// Order: the documents whose title holds every word come first, then the others. Within
// each group, the best match first (bm25 on SQLite, ts_rank on PostgreSQL; a title word
// weighs more than a body word) — or, in a group of more than MaxRanked matches, the newest
// first (ranking tens of thousands of matches of a common word would cost most of the time
// of the search, and the user will narrow it anyway).
func Find(ctx context.Context, q db.Q, sq Query) (Result, error) {
	return find(ctx, q, sq, true)
}

// Search returns the page of hits of sq, as Find without the counts.
func Search(ctx context.Context, q db.Q, sq Query) ([]Hit, error) {
	if sq.Limit <= 0 {
		sq.Limit = 20
	}
	r, err := find(ctx, q, sq, false)
	return r.Hits, err
}

// Counts returns, per kind, how many documents the principal in ctx may see match text
// (whatever the kind) — of the best MaxCounted when there are more.
func Counts(ctx context.Context, q db.Q, text string) (map[string]int, error) {
	out := map[string]int{}
	r, err := find(ctx, q, Query{Text: text}, true)
	for _, v := range r.Facets[FacetKind] {
		out[v.Value] = v.Count
	}
	return out, err
}

func find(ctx context.Context, q db.Q, sq Query, facets bool) (Result, error) {
	res := Result{Facets: map[string][]FacetValue{}}
	terms := Terms(sq.Text)
	if len(terms) == 0 {
		return res, nil
	}
	if sq.Limit < 0 || sq.Limit > 100 {
		sq.Limit = 20
	}
	if sq.Offset < 0 || sq.Offset > 10000 {
		sq.Offset = 0
	}
	p := authz.From(ctx)
	filters := sq.filters()
	base := newPlan(q.Dialect(), p, terms, sq, filters, "")
	n1, n2, err := base.counts(ctx, q)
	if err != nil {
		return res, err
	}
	res.Total = min(n1+n2, MaxTotal+1)
	if len(filters[FacetKind]) == 0 {
		res.KindTotal = res.Total
	}
	// The entries of the page and, for the counts, of the best MaxCounted.
	want := sq.Offset + sq.Limit
	var counted int
	if facets {
		counted = min(res.Total, MaxCounted)
		want = max(want, counted)
	}
	if sq.Limit == 0 && !facets {
		return res, nil
	}
	entries, err := base.window(ctx, q, n1, n2, 0, want)
	if err != nil {
		return res, err
	}
	if sq.Offset < len(entries) && sq.Limit > 0 {
		if res.Hits, err = base.hits(ctx, q, entries[sq.Offset:min(len(entries), sq.Offset+sq.Limit)]); err != nil {
			return res, err
		}
	}
	if !facets {
		return res, nil
	}
	// The facets without a filter of their own are counted among these entries; each facet
	// with one is counted among the matches of the other filters.
	counts := map[string]map[string]int{}
	var own []string
	for _, f := range FacetNames() {
		if len(filters[f]) == 0 {
			own = append(own, f)
		}
	}
	res.Capped = res.Total > MaxCounted
	for _, e := range entries[:min(len(entries), counted)] {
		parseTags(e.tags, counts, own)
	}
	for _, f := range FacetNames() {
		if len(filters[f]) == 0 {
			continue
		}
		pl := newPlan(q.Dialect(), p, terms, sq, filters, f)
		m1, m2, err := pl.counts(ctx, q)
		if err != nil {
			return res, err
		}
		total := min(m1+m2, MaxTotal+1)
		if f == FacetKind {
			res.KindTotal = total
		}
		res.Capped = res.Capped || total > MaxCounted
		es, err := pl.window(ctx, q, m1, m2, 0, min(total, MaxCounted))
		if err != nil {
			return res, err
		}
		for _, e := range es {
			parseTags(e.tags, counts, []string{f})
		}
		// A value filtered on is listed even when nothing has it.
		for _, v := range filters[f] {
			if counts[f] == nil {
				counts[f] = map[string]int{}
			}
			counts[f][v] += 0
		}
	}
	for f, vals := range counts {
		list := make([]FacetValue, 0, len(vals))
		for v, n := range vals {
			list = append(list, FacetValue{Value: v, Count: n})
		}
		slices.SortFunc(list, func(a, b FacetValue) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Value, b.Value)
		})
		res.Facets[f] = list
	}
	return res, labelFacets(ctx, q, res.Facets)
}

// labelKind is the kind of the documents whose titles label the values of an id facet.
var labelKind = map[string]string{FacetTheme: "tag", FacetPlace: "place", FacetOrganisation: "organisation"}

// labelFacets labels the values of the id facets with the titles of their documents (an
// organisation's name, a place's, a theme tag's); a value without one is labelled with its
// id.
func labelFacets(ctx context.Context, q db.Q, facets map[string][]FacetValue) error {
	var conds []string
	var args []any
	for _, f := range FacetNames() {
		kind, ok := labelKind[f]
		if !ok {
			continue
		}
		var ids []int64
		for _, v := range facets[f] {
			if id, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		ph, a := db.In(ids)
		conds = append(conds, "(kind = ? AND record_id IN ("+ph+"))")
		args = append(append(args, kind), a...)
	}
	if len(conds) == 0 {
		return nil
	}
	titles := map[string]string{}
	err := db.Each(ctx, q, "SELECT kind, record_id, title FROM search_documents WHERE "+strings.Join(conds, " OR "), args, func(rows *sql.Rows) error {
		var kind, title string
		var id int64
		if err := rows.Scan(&kind, &id, &title); err != nil {
			return err
		}
		titles[kind+":"+strconv.FormatInt(id, 10)] = title
		return nil
	})
	if err != nil {
		return err
	}
	for f, kind := range labelKind {
		for i, v := range facets[f] {
			if t, ok := titles[kind+":"+v.Value]; ok {
				facets[f][i].Label = t
			} else {
				facets[f][i].Label = v.Value
			}
		}
	}
	return nil
}

// plan holds the parts of the queries of one search: the words, and what the principal may
// see with the filters asked for.
type plan struct {
	dialect db.Dialect
	// terms: SQLite `"a"* AND "b"*` (FTS5), PostgreSQL `a:* & b:*` (tsquery, english).
	terms string
	// tags: SQLite `(zvpx OR zvmx) AND (zk…x)`, PostgreSQL `(zvpx | zvmx) & (zk…x)` (simple);
	// empty when nothing is restricted.
	tags string
}

// newPlan builds the plan of terms for principal p with the filters except the one of facet
// skip.
func newPlan(dialect db.Dialect, p authz.Principal, terms []string, sq Query, filters map[string][]string, skip string) plan {
	pl := plan{dialect: dialect}
	and, or := " AND ", " OR "
	parts := make([]string, len(terms))
	for i, t := range terms {
		if dialect == db.Postgres {
			parts[i] = t + ":*"
		} else {
			parts[i] = `"` + t + `"*`
		}
	}
	if dialect == db.Postgres {
		and, or = " & ", " | "
	}
	pl.terms = strings.Join(parts, and)
	var groups []string
	if !p.SiteAdmin {
		vis := []string{tagPublic}
		if p.SignedIn() {
			vis = append(vis, tagMembers)
			for _, c := range sq.Communities {
				if c > 0 {
					vis = append(vis, idTag(tagCommunity, c))
				}
			}
		}
		for _, o := range p.Orgs(authz.Read) {
			vis = append(vis, idTag(tagOwner, o))
		}
		groups = append(groups, "("+strings.Join(vis, or)+")")
	}
	for _, f := range FacetNames() {
		if f == skip || len(filters[f]) == 0 {
			continue
		}
		var words []string
		for _, v := range filters[f] {
			if w := valueTag(f, v); w != "" && !slices.Contains(words, w) {
				words = append(words, w)
			}
		}
		if len(words) == 0 {
			words = []string{"zzx"} // a filter of no valid value matches nothing
		}
		groups = append(groups, "("+strings.Join(words, or)+")")
	}
	pl.tags = strings.Join(groups, and)
	return pl
}

// cond returns the WHERE condition (alias d for search_documents; SQLite: search_fts
// joined) and its arguments for group 1 (every word in the title), group 2 (the others) or
// 0 (both).
func (pl plan) cond(group int) (string, []any) {
	if pl.dialect == db.Postgres {
		var c string
		var args []any
		switch group {
		case 1:
			c, args = "d.title_tsv @@ to_tsquery('english', ?)", []any{pl.terms}
		case 2:
			c, args = "d.tsv @@ to_tsquery('english', ?) AND NOT d.title_tsv @@ to_tsquery('english', ?)", []any{pl.terms, pl.terms}
		default:
			c, args = "d.tsv @@ to_tsquery('english', ?)", []any{pl.terms}
		}
		if pl.tags != "" {
			c += " AND d.tags_tsv @@ to_tsquery('simple', ?)"
			args = append(args, pl.tags)
		}
		return c, args
	}
	var m string
	switch group {
	case 1:
		m = "title : (" + pl.terms + ")"
	case 2:
		m = "({title body} : (" + pl.terms + ") NOT title : (" + pl.terms + "))"
	default:
		m = "{title body} : (" + pl.terms + ")"
	}
	if pl.tags != "" {
		m = "(" + m + ") AND tags : (" + pl.tags + ")"
	}
	return "search_fts MATCH ?", []any{m}
}

// from is the FROM clause of the plan's queries.
func (pl plan) from() string {
	if pl.dialect == db.Postgres {
		return "search_documents d"
	}
	return "search_fts"
}

// counts counts the matches of each group, up to MaxTotal+1.
func (pl plan) counts(ctx context.Context, q db.Q) (n1, n2 int, err error) {
	for g, n := range []*int{&n1, &n2} {
		c, args := pl.cond(g + 1)
		err := q.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+pl.from()+" WHERE "+c+" LIMIT ?) t", append(args, MaxTotal+1)...).Scan(n)
		if err != nil {
			return 0, 0, err
		}
	}
	return n1, n2, nil
}

// entry is a match in result order: its document id, rank and tags.
type entry struct {
	id   int64
	rank float64
	tags string
}

// window returns the entries offset…offset+limit of the matches in result order, given the
// sizes of the two groups.
func (pl plan) window(ctx context.Context, q db.Q, n1, n2, offset, limit int) ([]entry, error) {
	var out []entry
	if offset < n1 {
		take := min(limit, n1-offset)
		if n1 > MaxTotal {
			take = limit // the first group is all that paging reaches
		}
		es, err := pl.ranked(ctx, q, 1, n1, offset, take)
		if err != nil {
			return nil, err
		}
		out = es
	}
	if rest := limit - len(out); rest > 0 && n2 > 0 && n1 <= MaxTotal {
		es, err := pl.ranked(ctx, q, 2, n2, max(0, offset-n1), rest)
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// ranked returns entries offset…offset+limit of group g (of n matches) in order.
func (pl plan) ranked(ctx context.Context, q db.Q, g, n, offset, limit int) ([]entry, error) {
	if limit <= 0 {
		return nil, nil
	}
	c, args := pl.cond(g)
	var rank string
	if pl.dialect == db.Postgres {
		rank = "ts_rank(d.tsv, to_tsquery('english', ?))"
	} else {
		rank = "-bm25(search_fts, 4.0, 1.0, 0.0)"
	}
	id := "d.id"
	if pl.dialect == db.SQLite {
		id = "search_fts.rowid"
	}
	var query string
	if n <= MaxRanked {
		query = "SELECT t.id, t.r, s.tags FROM (SELECT " + id + " AS id, " + rank + " AS r FROM " + pl.from() + " WHERE " + c +
			" ORDER BY r DESC, id DESC LIMIT ? OFFSET ?) t CROSS JOIN search_documents s WHERE s.id = t.id ORDER BY t.r DESC, t.id DESC"
	} else {
		// Newest first: the ranks of the page's entries only.
		if pl.dialect == db.Postgres {
			query = "SELECT t.id, ts_rank(s.tsv, to_tsquery('english', ?)), s.tags FROM (SELECT d.id FROM search_documents d WHERE " + c +
				" ORDER BY d.id DESC LIMIT ? OFFSET ?) t CROSS JOIN search_documents s WHERE s.id = t.id ORDER BY t.id DESC"
		} else {
			query = "SELECT t.id, t.r, s.tags FROM (SELECT search_fts.rowid AS id, " + rank + " AS r FROM search_fts WHERE " + c +
				" ORDER BY search_fts.rowid DESC LIMIT ? OFFSET ?) t CROSS JOIN search_documents s WHERE s.id = t.id ORDER BY t.id DESC"
		}
	}
	if pl.dialect == db.Postgres {
		args = append([]any{pl.terms}, args...)
	}
	args = append(args, limit, offset)
	out := make([]entry, 0, limit)
	err := db.Each(ctx, q, query, args, func(rows *sql.Rows) error {
		var e entry
		if err := rows.Scan(&e.id, &e.rank, &e.tags); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// hits loads the documents of entries with their snippets, in the entries' order.
func (pl plan) hits(ctx context.Context, q db.Q, entries []entry) ([]Hit, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i] = e.id
	}
	ph, idArgs := db.In(ids)
	var query string
	var args []any
	if pl.dialect == db.Postgres {
		query = `SELECT d.id, d.kind, d.record_id, d.title, d.url, d.updated_at,
				ts_headline('english', d.body, to_tsquery('english', ?), ?)
			FROM search_documents d WHERE d.id IN (` + ph + `)`
		args = append([]any{pl.terms, "StartSel=" + MarkStart + ", StopSel=" + MarkEnd + ", MaxWords=30, MinWords=10, MaxFragments=1, FragmentDelimiter=…"}, idArgs...)
	} else {
		query = `SELECT d.id, d.kind, d.record_id, d.title, d.url, d.updated_at, snippet(search_fts, 1, ?, ?, '…', 30)
			FROM search_fts CROSS JOIN search_documents d
			WHERE search_fts MATCH ? AND search_fts.rowid BETWEEN ? AND ? AND +search_fts.rowid IN (` + ph + `) AND d.id = search_fts.rowid`
		args = append([]any{MarkStart, MarkEnd, "{title body} : (" + pl.terms + ")", slices.Min(ids), slices.Max(ids)}, idArgs...)
	}
	byID := map[int64]Hit{}
	err := db.Each(ctx, q, query, args, func(rows *sql.Rows) error {
		var id int64
		var h Hit
		if err := rows.Scan(&id, &h.Kind, &h.RecordID, &h.Title, &h.URL, &h.Updated, &h.Snippet); err != nil {
			return err
		}
		byID[id] = h
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Hit, 0, len(entries))
	for _, e := range entries {
		if h, ok := byID[e.id]; ok { // removed since it was counted: left out
			h.Rank = e.rank
			out = append(out, h)
		}
	}
	return out, nil
}

// Part is a piece of a snippet.
type Part struct {
	Text string `json:"text"`
	Mark bool   `json:"mark,omitempty"`
}

// Highlight splits a snippet marked with MarkStart and MarkEnd into plain and marked parts,
// for templates to escape safely. A mark left open runs to the end; a stray end is dropped.
func Highlight(snippet string) []Part {
	var out []Part
	for snippet != "" {
		i := strings.Index(snippet, MarkStart)
		if i < 0 {
			if t := strings.ReplaceAll(snippet, MarkEnd, ""); t != "" {
				out = append(out, Part{Text: t})
			}
			break
		}
		if t := strings.ReplaceAll(snippet[:i], MarkEnd, ""); t != "" {
			out = append(out, Part{Text: t})
		}
		rest := snippet[i+len(MarkStart):]
		j := strings.Index(rest, MarkEnd)
		if j < 0 {
			j = len(rest)
		}
		if t := strings.ReplaceAll(rest[:j], MarkStart, ""); t != "" {
			out = append(out, Part{Text: t, Mark: true})
		}
		snippet = rest[min(j+len(MarkEnd), len(rest)):]
	}
	return out
}

// Plain is the snippet without its marks.
func Plain(snippet string) string {
	return strings.NewReplacer(MarkStart, "", MarkEnd, "").Replace(snippet)
}
