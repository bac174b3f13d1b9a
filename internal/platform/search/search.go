// Package search is the one search box over everything: each capability writes a document for
// each searchable record (in the record's own transaction); SQLite answers with FTS5 and
// PostgreSQL with its full-text search.
//
// A document says who may find it (Doc.Visibility: everyone, anyone signed in, one community
// of practice, or the staff of its organisation) and what it is about (its facets: kind,
// organisation, places, themes). A query returns the best matches first with a snippet whose
// matched words are marked, and counts of each facet's values among the matches (Facets).
package search

import (
	"context"
	"database/sql"
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

// The facets a document is counted and filtered by. Values are kinds for FacetKind and ids
// (of organisations, places and theme tags, which are search documents themselves — their
// titles are the labels) for the others.
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

// labelKind is the kind of the documents whose titles label the values of an id facet.
var labelKind = map[string]string{FacetTheme: "tag", FacetPlace: "place", FacetOrganisation: "organisation"}

// Limits.
const (
	// MaxCounted is how many of the best matches facet counts cover: counting every match of a
	// broad word would cost more than the rest of the search. Pages say so when it applies.
	MaxCounted = 1000
	// MaxTotal is how far totals are counted: beyond it, a total reads "more than MaxTotal"
	// (paging stops at offset 10,000 anyway).
	MaxTotal = 10000
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
	// tag ids, scheme "theme"), and organisations besides OrgID (partners). OrgID and Kind
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

// facetRows lists the facet values of d: (facet, value) pairs without repeats.
func (d Doc) facetRows() [][2]string {
	rows := [][2]string{{FacetKind, d.Kind}}
	add := func(facet string, ids []int64) {
		var seen []int64
		for _, id := range ids {
			if id > 0 && !slices.Contains(seen, id) && len(seen) < maxFacetValues {
				seen = append(seen, id)
				rows = append(rows, [2]string{facet, strconv.FormatInt(id, 10)})
			}
		}
	}
	add(FacetOrganisation, append([]int64{d.OrgID}, d.Orgs...))
	add(FacetPlace, d.Places)
	add(FacetTheme, d.Themes)
	return rows
}

// Index writes or replaces d with its facets (call it in the record's transaction).
func Index(ctx context.Context, q db.Q, d Doc) error {
	var org, community any
	if d.OrgID != 0 {
		org = d.OrgID
	}
	vis := d.visibility()
	if vis == VisCommunity {
		community = d.CommunityID
	}
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO search_documents (kind, record_id, title, body, url, public, visibility, community_id, org_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, record_id) DO UPDATE SET title = excluded.title, body = excluded.body, url = excluded.url,
			public = excluded.public, visibility = excluded.visibility, community_id = excluded.community_id,
			org_id = excluded.org_id, updated_at = excluded.updated_at
		RETURNING id`,
		d.Kind, d.RecordID, clean(d.Title), clean(d.Body), d.URL, vis == VisPublic, vis, community, org, db.Now()).Scan(&id)
	if err != nil {
		return err
	}
	if _, err := q.Exec(ctx, "DELETE FROM search_facets WHERE doc_id = ?", id); err != nil {
		return err
	}
	rows := d.facetRows()
	args := make([]any, 0, 3*len(rows))
	for _, r := range rows {
		args = append(args, id, r[0], r[1])
	}
	_, err = q.Exec(ctx, "INSERT INTO search_facets (doc_id, facet, value) VALUES "+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?),", len(rows)), ","), args...)
	return err
}

// Remove deletes the document of a record (archived or deleted) and its facets.
func Remove(ctx context.Context, q db.Q, kind string, recordID int64) error {
	if _, err := q.Exec(ctx, "DELETE FROM search_facets WHERE doc_id IN (SELECT id FROM search_documents WHERE kind = ? AND record_id = ?)", kind, recordID); err != nil {
		return err
	}
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
	Snippet string    `json:"snippet"`
	URL     string    `json:"url"`
	Rank    float64   `json:"rank"`
	Updated time.Time `json:"updated_at"`
}

// Query is a search request.
type Query struct {
	Text string
	// Filters: a document must match one value of each facet given (empty: any).
	Kinds  []string
	Places []int64
	Themes []int64
	Orgs   []int64
	// Communities are the communities of practice the asker is an active member of: the
	// documents shared with one of them are found too (signed-in askers only). The search
	// page fills it through Web.Communities.
	Communities []int64
	Limit       int
	Offset      int
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

// Search returns what the principal in ctx may see that matches sq, best first: bm25 on
// SQLite, ts_rank on PostgreSQL, title words weighing more than body words.
func Search(ctx context.Context, q db.Q, sq Query) ([]Hit, error) {
	terms := Terms(sq.Text)
	if len(terms) == 0 {
		return nil, nil
	}
	if sq.Limit <= 0 || sq.Limit > 100 {
		sq.Limit = 20
	}
	if sq.Offset < 0 || sq.Offset > 10000 {
		sq.Offset = 0
	}
	m := newMatch(q.Dialect(), authz.From(ctx), terms, sq, "")
	// The best ids first (ranking every match), then the snippets of those only.
	var query string
	var args []any
	if q.Dialect() == db.Postgres {
		query = `SELECT d.kind, d.record_id, d.title, ts_headline('english', d.body, to_tsquery('english', ?), ?), d.url, t.r, d.updated_at
			FROM (SELECT d.id, ts_rank(d.tsv, to_tsquery('english', ?)) AS r FROM ` + m.from + ` WHERE ` + m.where + `
				ORDER BY r DESC, d.id LIMIT ? OFFSET ?) t
			JOIN search_documents d ON d.id = t.id
			ORDER BY t.r DESC, t.id`
		args = append(args, m.text, "StartSel="+MarkStart+", StopSel="+MarkEnd+", MaxWords=30, MinWords=10, MaxFragments=1, FragmentDelimiter=…", m.text)
		args = append(append(args, m.args...), sq.Limit, sq.Offset)
	} else {
		query = `SELECT d.kind, d.record_id, d.title, snippet(search_fts, 1, ?, ?, '…', 30), d.url, t.r, d.updated_at
			FROM (SELECT d.id, -bm25(search_fts, 4.0, 1.0) AS r FROM ` + m.from + ` WHERE ` + m.where + `
				ORDER BY r DESC, d.id LIMIT ? OFFSET ?) t
			JOIN search_fts ON search_fts.rowid = t.id
			JOIN search_documents d ON d.id = t.id
			WHERE search_fts MATCH ?
			ORDER BY t.r DESC, t.id`
		args = append(args, MarkStart, MarkEnd)
		args = append(append(args, m.args...), sq.Limit, sq.Offset, m.text)
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Hit
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.Kind, &h.RecordID, &h.Title, &h.Snippet, &h.URL, &h.Rank, &h.Updated); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Counts returns, per kind, how many documents the principal in ctx may see match text
// (whatever the kind), counted in full.
func Counts(ctx context.Context, q db.Q, text string) (map[string]int, error) {
	terms := Terms(text)
	out := map[string]int{}
	if len(terms) == 0 {
		return out, nil
	}
	m := newMatch(q.Dialect(), authz.From(ctx), terms, Query{}, "")
	err := db.Each(ctx, q, "SELECT d.kind, count(*) FROM "+m.from+" WHERE "+m.where+" GROUP BY d.kind", m.args, func(rows *sql.Rows) error {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			return err
		}
		out[kind] = n
		return nil
	})
	return out, err
}

// FacetValue is one value of a facet with the number of matches that have it.
type FacetValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// Summary is what Facets counts.
type Summary struct {
	// Total is the number of matches of the query with all its filters, and KindTotal the
	// number whatever their kind; both stop at MaxTotal+1 (read: more than MaxTotal).
	Total, KindTotal int
	// Facets holds, for each facet, its values among the matches, most frequent first. The
	// values of a facet are counted with the filters of the other facets but not its own,
	// so that a filter can be widened. Labels of kinds are left empty (the caller's).
	Facets map[string][]FacetValue
	// Capped says that some counts cover only the best MaxCounted matches.
	Capped bool
}

// Facets counts the matches of sq and the values of each facet among them: of every match
// when there are at most MaxCounted, otherwise of the best MaxCounted.
func Facets(ctx context.Context, q db.Q, sq Query) (Summary, error) {
	s := Summary{Facets: map[string][]FacetValue{}}
	terms := Terms(sq.Text)
	if len(terms) == 0 {
		return s, nil
	}
	p := authz.From(ctx)
	filters := sq.filters()
	// One counting pass for the facets without a filter of their own (all filters apply), and
	// one for each facet with a filter (all but its own apply).
	passes := map[string][]string{"": nil}
	for _, f := range FacetNames() {
		if len(filters[f]) > 0 {
			passes[f] = []string{f}
		} else {
			passes[""] = append(passes[""], f)
		}
	}
	for skip, facets := range passes {
		if skip == "" && len(facets) == 0 && len(passes) > 1 {
			// Every facet has a filter: the total still needs the pass with all of them.
			total, err := countMatches(ctx, q, newMatch(q.Dialect(), p, terms, sq, ""))
			if err != nil {
				return s, err
			}
			s.Total = total
			continue
		}
		m := newMatch(q.Dialect(), p, terms, sq, skip)
		total, err := countMatches(ctx, q, m)
		if err != nil {
			return s, err
		}
		switch skip {
		case "":
			s.Total = total
			if len(filters[FacetKind]) == 0 {
				s.KindTotal = total
			}
		case FacetKind:
			s.KindTotal = total
		}
		if total == 0 {
			continue
		}
		if total > MaxCounted {
			s.Capped = true
		}
		if err := countFacets(ctx, q, m, facets, s.Facets); err != nil {
			return s, err
		}
	}
	for f, vals := range s.Facets {
		slices.SortFunc(vals, func(a, b FacetValue) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Value, b.Value)
		})
		s.Facets[f] = vals
	}
	return s, labelFacets(ctx, q, s.Facets)
}

// countMatches counts the matches of m, up to MaxTotal+1.
func countMatches(ctx context.Context, q db.Q, m match) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+m.from+" WHERE "+m.where+" LIMIT ?) t",
		append(slices.Clip(m.args), MaxTotal+1)...).Scan(&n)
	return n, err
}

// countFacets adds to out the counts of the values of facets among the best MaxCounted
// matches of m.
func countFacets(ctx context.Context, q db.Q, m match, facets []string, out map[string][]FacetValue) error {
	rank, args := m.rank()
	args = append(append(args, m.args...), MaxCounted)
	ph := db.Placeholders(len(facets))
	for _, f := range facets {
		args = append(args, f)
	}
	return db.Each(ctx, q, `SELECT f.facet, f.value, count(*) FROM (SELECT d.id FROM `+m.from+` WHERE `+m.where+`
			ORDER BY `+rank+` DESC LIMIT ?) t
		JOIN search_facets f ON f.doc_id = t.id
		WHERE f.facet IN (`+ph+`)
		GROUP BY f.facet, f.value`, args, func(rows *sql.Rows) error {
		var facet string
		var v FacetValue
		if err := rows.Scan(&facet, &v.Value, &v.Count); err != nil {
			return err
		}
		out[facet] = append(out[facet], v)
		return nil
	})
}

// labelFacets labels the values of the id facets with the titles of their documents (an
// organisation's name, a place's, a theme tag's); a value without one is labelled with its
// id.
func labelFacets(ctx context.Context, q db.Q, facets map[string][]FacetValue) error {
	var conds []string
	var args []any
	for f, kind := range labelKind {
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

// match is the FROM and WHERE shared by every query: the terms, what the principal may see,
// and the filters asked for.
type match struct {
	dialect     db.Dialect
	from, where string
	args        []any
	text        string // the MATCH text (SQLite) or the tsquery text (PostgreSQL)
}

// rank is the expression ranking the matches of m (higher is better) with its arguments.
func (m match) rank() (string, []any) {
	if m.dialect == db.Postgres {
		return "ts_rank(d.tsv, to_tsquery('english', ?))", []any{m.text}
	}
	return "-bm25(search_fts, 4.0, 1.0)", nil
}

// newMatch builds the match of terms for principal p with the filters of sq except the one of
// facet skip.
func newMatch(dialect db.Dialect, p authz.Principal, terms []string, sq Query, skip string) match {
	m := match{dialect: dialect}
	var conds []string
	if dialect == db.Postgres {
		// Each word as a prefix, all required.
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = t + ":*"
		}
		m.text = strings.Join(parts, " & ")
		m.from = "search_documents d"
		conds = append(conds, "d.tsv @@ to_tsquery('english', ?)")
	} else {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = `"` + t + `"*`
		}
		m.text = strings.Join(parts, " AND ")
		m.from = "search_fts JOIN search_documents d ON d.id = search_fts.rowid"
		conds = append(conds, "search_fts MATCH ?")
	}
	m.args = append(m.args, m.text)
	if !p.SiteAdmin {
		vis := []string{"d.public"}
		if p.SignedIn() {
			vis = append(vis, "d.visibility = 'members'")
			if len(sq.Communities) > 0 {
				ph, args := db.In(sq.Communities)
				vis = append(vis, "(d.visibility = 'community' AND d.community_id IN ("+ph+"))")
				m.args = append(m.args, args...)
			}
		}
		if orgs := p.Orgs(authz.Read); len(orgs) > 0 {
			ph, args := db.In(orgs)
			vis = append(vis, "d.org_id IN ("+ph+")")
			m.args = append(m.args, args...)
		}
		if len(vis) == 1 {
			conds = append(conds, vis[0])
		} else {
			conds = append(conds, "("+strings.Join(vis, " OR ")+")")
		}
	}
	filters := sq.filters()
	for _, f := range FacetNames() {
		vals := filters[f]
		if f == skip || len(vals) == 0 {
			continue
		}
		if f == FacetKind {
			conds = append(conds, "d.kind IN ("+db.Placeholders(len(vals))+")")
		} else {
			conds = append(conds, "d.id IN (SELECT doc_id FROM search_facets WHERE facet = ? AND value IN ("+db.Placeholders(len(vals))+"))")
			m.args = append(m.args, f)
		}
		for _, v := range vals {
			m.args = append(m.args, v)
		}
	}
	m.where = strings.Join(conds, " AND ")
	return m
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
