package search

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

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
	// Facets holds, for each facet, its MaxFacetValues most frequent values among the matches
	// (and any filtered on), most frequent first. The
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
// weighs more than a body word). When the search finds more than MaxTotal documents, the
// others come newest first, and so does the title group if it alone has more than MaxTotal
// (ranking tens of thousands of matches of a common word would cost most of the time of the
// search, and the user will narrow it anyway; Hit.Rank is then 0). Only the first MaxTotal
// results are reached: an offset beyond them finds nothing.
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
// (whatever the kind) — among the best MaxCounted when there are more.
func Counts(ctx context.Context, q db.Q, text string) (map[string]int, error) {
	out := map[string]int{}
	r, err := find(ctx, q, Query{Text: text}, true)
	for _, v := range r.Facets[FacetKind] {
		out[v.Value] = v.Count
	}
	return out, err
}

func find(ctx context.Context, q db.Q, sq Query, facets bool) (Result, error) {
	if q.Dialect() != db.Postgres {
		return findIn(ctx, q, sq, facets)
	}
	// PostgreSQL, seeing "LIMIT", would rather read the table in order and test each row's
	// words (a read of its out-of-line word vector each) than use the word index: it is told
	// not to, for these queries only.
	run := func(tx *db.Tx, reset bool) (Result, error) {
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return Result{}, err
		}
		res, err := findIn(ctx, tx, sq, facets)
		if err == nil && reset { // the caller's transaction goes on
			_, err = tx.Exec(ctx, "SET LOCAL enable_seqscan = DEFAULT")
		}
		return res, err
	}
	switch t := q.(type) {
	case *db.Tx:
		return run(t, true)
	case *db.DB:
		var res Result
		err := t.InTx(ctx, func(tx *db.Tx) error {
			var err error
			res, err = run(tx, false)
			return err
		})
		return res, err
	}
	return findIn(ctx, q, sq, facets)
}

func findIn(ctx context.Context, q db.Q, sq Query, facets bool) (Result, error) {
	res := Result{Facets: map[string][]FacetValue{}}
	terms := Terms(sq.Text)
	if len(terms) == 0 {
		return res, nil
	}
	if sq.Limit < 0 || sq.Limit > 100 {
		sq.Limit = 20
	}
	sq.Offset = max(sq.Offset, 0)
	p := authz.From(ctx)
	filters := sq.filters()
	base := newPlan(q.Dialect(), p, terms, sq, filters, "")
	want := sq.Offset + sq.Limit
	if facets {
		want = max(want, MaxCounted)
	}
	total, order, err := base.order(ctx, q, want)
	if err != nil {
		return res, err
	}
	res.Total = total
	if len(filters[FacetKind]) == 0 {
		res.KindTotal = total
	}
	if sq.Offset < len(order) && sq.Limit > 0 {
		if res.Hits, err = base.hits(ctx, q, order[sq.Offset:min(len(order), sq.Offset+sq.Limit)]); err != nil {
			return res, err
		}
	}
	if !facets || total == 0 && len(filters) == 0 {
		return res, nil
	}
	// The facets without a filter of their own are counted among the best of these
	// matches; each facet with one among the best matches of the other filters.
	counts := map[string]map[string]int{}
	var own []string
	for _, f := range FacetNames() {
		if len(filters[f]) == 0 {
			own = append(own, f)
		}
	}
	res.Capped = total > MaxCounted
	if err := base.countTags(ctx, q, order[:min(len(order), MaxCounted)], own, counts); err != nil {
		return res, err
	}
	for _, f := range FacetNames() {
		if len(filters[f]) == 0 {
			continue
		}
		pl := newPlan(q.Dialect(), p, terms, sq, filters, f)
		t, o, err := pl.order(ctx, q, MaxCounted)
		if err != nil {
			return res, err
		}
		if f == FacetKind {
			res.KindTotal = t
		}
		res.Capped = res.Capped || t > MaxCounted
		if err := pl.countTags(ctx, q, o, []string{f}, counts); err != nil {
			return res, err
		}
		// A value filtered on is listed even when no match has it.
		if counts[f] == nil {
			counts[f] = map[string]int{}
		}
		for _, v := range filters[f] {
			counts[f][v] += 0
		}
	}
	for f, vals := range counts {
		list := make([]FacetValue, 0, len(vals))
		for v, n := range vals {
			list = append(list, FacetValue{Value: v, Count: n})
		}
		slices.SortFunc(list, func(a, b FacetValue) int {
			return cmp.Or(b.Count-a.Count, strings.Compare(a.Value, b.Value))
		})
		// The most frequent, and those filtered on.
		keep := list[:0]
		for i, v := range list {
			if i < MaxFacetValues || slices.Contains(filters[f], v.Value) {
				keep = append(keep, v)
			}
		}
		res.Facets[f] = keep
	}
	return res, labelFacets(ctx, q, res.Facets)
}

// labelKind is the kind of the documents whose titles label the values of an id facet.
var labelKind = map[string]string{FacetTheme: "tag", FacetPlace: "place", FacetOrganisation: "organisation"}

// labelFacets labels the values of the id facets with the titles of their documents (an
// organisation's name, a place's, a theme tag's); a value without one is labelled with its
// id.
func labelFacets(ctx context.Context, q db.Q, facets map[string][]FacetValue) error {
	for _, f := range FacetNames() {
		kind, ok := labelKind[f]
		if !ok || len(facets[f]) == 0 {
			continue
		}
		var ids []int64
		for _, v := range facets[f] {
			if id, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		titles := map[string]string{}
		err := db.InBatches(ids, func(args []any, ph string) error {
			return db.Each(ctx, q, "SELECT record_id, title FROM search_documents WHERE kind = ? AND record_id IN ("+ph+")", append([]any{kind}, args...), func(rows *sql.Rows) error {
				var id int64
				var title string
				if err := rows.Scan(&id, &title); err != nil {
					return err
				}
				titles[strconv.FormatInt(id, 10)] = title
				return nil
			})
		})
		if err != nil {
			return err
		}
		for i, v := range facets[f] {
			if t, ok := titles[v.Value]; ok {
				facets[f][i].Label = t
			} else {
				facets[f][i].Label = v.Value
			}
		}
	}
	return nil
}

// plan holds the parts of the queries of one search: the words, what the principal may not
// see, and the filters asked for.
type plan struct {
	dialect db.Dialect
	words   []string // as Terms returns them
	// terms: SQLite `"a" AND "b"*` (FTS5), PostgreSQL `a & b:*` (tsquery, english).
	terms string
	// hidden: the documents hidden from the principal; empty when none is.
	// SQLite `tags : zhsx NOT tags : (zvc2x OR zo3x)`, PostgreSQL `'#zhsx' & !('#zvc2x' | '#zo3x')`.
	hidden string
	// filters: SQLite `(zk…x) AND (zp1x OR zp2x)`, PostgreSQL `('#zk…x') & ('#zp1x' | '#zp2x')`.
	filters string
	// blocks, when set, keep the PostgreSQL matches to these blocks of ids (see newestBlocks).
	blocks []int64
	// scores and tags hold the ranks and tags read with the ids, for the hits and counts.
	scores map[int64]float64
	tags   map[int64]string
}

// newPlan builds the plan of terms for principal p with the filters except the one of facet
// skip.
func newPlan(dialect db.Dialect, p authz.Principal, terms []string, sq Query, filters map[string][]string, skip string) *plan {
	pl := &plan{dialect: dialect, words: terms, scores: map[int64]float64{}, tags: map[int64]string{}}
	pg := dialect == db.Postgres
	and, or := " AND ", " OR "
	if pg {
		and, or = " & ", " | "
	}
	// Every word, the last one also as the beginning of longer words.
	parts := make([]string, len(terms))
	for i, t := range terms {
		last := i == len(terms)-1
		switch {
		case pg && last:
			parts[i] = t + ":*"
		case pg:
			parts[i] = t
		case last:
			parts[i] = `"` + t + `"*`
		default:
			parts[i] = `"` + t + `"`
		}
	}
	pl.terms = strings.Join(parts, and)
	// The tag words: PostgreSQL's carry a '#' (see the migration) and are quoted.
	tag := func(w string) string {
		if pg {
			return "'#" + w + "'"
		}
		return w
	}
	if !p.SiteAdmin {
		hidden := tagHiddenAnon
		var seen []string
		if p.SignedIn() {
			hidden = tagHiddenSigned
			for _, c := range sq.Communities {
				if c > 0 {
					seen = append(seen, tag(idTag(tagCommunity, c)))
				}
			}
		}
		for _, o := range p.Orgs(authz.Read) {
			seen = append(seen, tag(idTag(tagOwner, o)))
		}
		switch {
		case len(seen) == 0 && pg:
			pl.hidden = tag(hidden)
		case len(seen) == 0:
			pl.hidden = "tags : " + hidden
		case pg:
			pl.hidden = tag(hidden) + " & !(" + strings.Join(seen, or) + ")"
		default:
			pl.hidden = "tags : " + hidden + " NOT tags : (" + strings.Join(seen, or) + ")"
		}
	}
	var groups []string
	for _, f := range FacetNames() {
		if f == skip || len(filters[f]) == 0 {
			continue
		}
		var words []string
		for _, v := range filters[f] {
			if w := valueTag(f, v); w != "" && !slices.Contains(words, tag(w)) {
				words = append(words, tag(w))
			}
		}
		if len(words) == 0 {
			words = []string{tag("zzx")} // a filter of no valid value matches nothing
		}
		groups = append(groups, "("+strings.Join(words, or)+")")
	}
	pl.filters = strings.Join(groups, and)
	return pl
}

// Groups of matches.
const (
	all   = 0 // every match
	title = 1 // the title holds every word
	rest  = 2 // the others
)

// cond returns the WHERE condition and its arguments for the matches of group g (alias d
// for search_documents on PostgreSQL; search_fts on SQLite).
func (pl *plan) cond(g int) (string, []any) {
	if pl.dialect == db.Postgres {
		// The words (none when they are all stop words: then nothing matches), with the
		// visibility and filters in the same query of the same index.
		words := "to_tsquery('english', ?)"
		args := []any{pl.terms, pl.terms}
		var tq []string
		if pl.hidden != "" {
			tq = append(tq, "!("+pl.hidden+")")
		}
		if pl.filters != "" {
			tq = append(tq, pl.filters)
		}
		if len(pl.blocks) > 0 {
			bs := make([]string, len(pl.blocks))
			for i, b := range pl.blocks {
				bs[i] = "'#b" + strconv.FormatInt(b, 10) + "'"
			}
			tq = append(tq, "("+strings.Join(bs, " | ")+")")
		}
		if len(tq) > 0 {
			words = "(" + words + " && ?::tsquery)"
			args = append(args, strings.Join(tq, " & "))
		}
		c := "numnode(to_tsquery('english', ?)) > 0 AND "
		switch g {
		case title:
			c += "d.title_tsv @@ " + words
		case rest:
			c += "d.tsv @@ " + words + " AND NOT d.title_tsv @@ to_tsquery('english', ?)"
			args = append(args, pl.terms)
		default:
			c += "d.tsv @@ " + words
		}
		return c, args
	}
	var m string
	switch g {
	case title:
		m = "title : (" + pl.terms + ")"
	case rest:
		m = "({title body} : (" + pl.terms + ")) NOT (title : (" + pl.terms + "))"
	default:
		m = "{title body} : (" + pl.terms + ")"
	}
	if pl.hidden != "" {
		m = "(" + m + ") NOT (" + pl.hidden + ")"
	}
	if pl.filters != "" {
		m = "(" + m + ") AND (tags : (" + pl.filters + "))"
	}
	return "search_fts MATCH ?", []any{m}
}

// from is the FROM clause of the plan's queries.
func (pl *plan) from() string {
	if pl.dialect == db.Postgres {
		return "search_documents d"
	}
	return "search_fts"
}

// count counts the matches of group g, up to MaxTotal+1.
func (pl *plan) count(ctx context.Context, q db.Q, g int) (int, error) {
	c, args := pl.cond(g)
	var n int
	err := q.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+pl.from()+" WHERE "+c+" LIMIT ?) t", append(args, MaxTotal+1)...).Scan(&n)
	return n, err
}

// newest returns ids offset…offset+limit of group g, newest first.
func (pl *plan) newest(ctx context.Context, q db.Q, g, offset, limit int) ([]int64, error) {
	if pl.dialect == db.Postgres {
		return pl.newestBlocks(ctx, q, g, offset, limit)
	}
	c, args := pl.cond(g)
	return idList(ctx, q, "SELECT search_fts.rowid FROM search_fts WHERE "+c+" ORDER BY search_fts.rowid DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
}

// pgBlock is the number of ids in a block (the '#b' words of the PostgreSQL migration).
const pgBlock = 8192

// newestBlocks is newest on PostgreSQL: sorting every match of a common word by id would
// read each from the table, so the matches are read some blocks of ids at a time, from the
// newest block down (one block, then two, four…), until there are enough.
func (pl *plan) newestBlocks(ctx context.Context, q db.Q, g, offset, limit int) ([]int64, error) {
	var maxID int64
	if err := q.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM search_documents").Scan(&maxID); err != nil {
		return nil, err
	}
	var out []int64
	span := int64(1)
	if maxID%pgBlock < pgBlock/2 {
		span = 2 // the newest block is less than half full
	}
	for top := maxID / pgBlock; top >= 0 && len(out) < offset+limit; top, span = top-span, span*2 {
		pb := *pl
		pb.blocks = nil
		for b := top; b > top-span && b >= 0; b-- {
			pb.blocks = append(pb.blocks, b)
		}
		c, args := pb.cond(g)
		err := db.Each(ctx, q, "SELECT d.id, d.tags FROM search_documents d WHERE "+c+" ORDER BY d.id + 0 DESC", args, func(rows *sql.Rows) error {
			var id int64
			var t string
			if err := rows.Scan(&id, &t); err != nil {
				return err
			}
			pl.tags[id] = t
			out = append(out, id)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if offset >= len(out) {
		return nil, nil
	}
	return out[offset:min(len(out), offset+limit)], nil
}

// ranked returns ids offset…offset+limit of group g, best first (ties: newest first), and
// keeps their scores. bm25 is given the whole condition — visibility and filters are in a
// column of weight 0, so that only the words count.
func (pl *plan) ranked(ctx context.Context, q db.Q, g, offset, limit int) ([]int64, error) {
	c, args := pl.cond(g)
	var query string
	if pl.dialect == db.Postgres {
		query = "SELECT d.id, ts_rank(d.tsv, to_tsquery('english', ?)) AS r, d.tags FROM search_documents d WHERE " + c +
			" ORDER BY r DESC, d.id DESC LIMIT ? OFFSET ?"
		args = append([]any{pl.terms}, args...)
	} else {
		query = "SELECT search_fts.rowid, -bm25(search_fts, 4.0, 1.0, 0.0) AS r, NULL FROM search_fts WHERE " + c +
			" ORDER BY r DESC, search_fts.rowid DESC LIMIT ? OFFSET ?"
	}
	var out []int64
	err := db.Each(ctx, q, query, append(args, limit, offset), func(rows *sql.Rows) error {
		var id int64
		var r float64
		var t sql.NullString
		if err := rows.Scan(&id, &r, &t); err != nil {
			return err
		}
		if t.Valid {
			pl.tags[id] = t.String
		}
		pl.scores[id] = r
		out = append(out, id)
		return nil
	})
	return out, err
}

// order returns the number of matches (up to MaxTotal+1) and the ids of the first want of
// them (at most MaxTotal) in result order (see Find).
func (pl *plan) order(ctx context.Context, q db.Q, want int) (int, []int64, error) {
	total, err := pl.count(ctx, q, all)
	if err != nil || total == 0 {
		return total, nil, err
	}
	want = min(want, MaxTotal)
	// The title group, ranked when it is small enough, newest first otherwise.
	out, err := pl.ranked(ctx, q, title, 0, MaxTotal+1)
	if err != nil {
		return 0, nil, err
	}
	if len(out) > MaxTotal {
		out, err = pl.newest(ctx, q, title, 0, want)
		return total, out, err
	}
	n1 := len(out)
	out = out[:min(n1, want)]
	if need := want - len(out); need > 0 && total > n1 {
		// The others: ranked when the search found at most MaxTotal, newest first otherwise.
		var more []int64
		if total <= MaxTotal {
			more, err = pl.ranked(ctx, q, rest, 0, need)
		} else {
			more, err = pl.newest(ctx, q, rest, 0, need)
		}
		if err != nil {
			return 0, nil, err
		}
		out = append(out, more...)
	}
	return total, out, nil
}

// countTags adds the values of facets among documents ids to counts.
func (pl *plan) countTags(ctx context.Context, q db.Q, ids []int64, facets []string, counts map[string]map[string]int) error {
	var missing []int64
	for _, id := range ids {
		if t, ok := pl.tags[id]; ok {
			parseTags(t, counts, facets)
		} else {
			missing = append(missing, id)
		}
	}
	return db.InBatches(missing, func(args []any, ph string) error {
		query := "SELECT tags FROM search_documents WHERE id IN (" + ph + ")"
		if pl.dialect == db.SQLite {
			// The narrow index holding the tags: a tenth of the pages of the table's rows.
			query = "SELECT tags FROM search_documents INDEXED BY search_documents_tags WHERE id IN (" + ph + ")"
		}
		return db.Each(ctx, q, query, args, func(rows *sql.Rows) error {
			var t string
			if err := rows.Scan(&t); err != nil {
				return err
			}
			parseTags(t, counts, facets)
			return nil
		})
	})
}

// hits loads the documents of page with their snippets, in the order of page.
func (pl *plan) hits(ctx context.Context, q db.Q, page []int64) ([]Hit, error) {
	if len(page) == 0 {
		return nil, nil
	}
	ph, args := db.In(page)
	byID := map[int64]Hit{}
	err := db.Each(ctx, q, "SELECT id, kind, record_id, title, url, updated_at, body FROM search_documents WHERE id IN ("+ph+")", args, func(rows *sql.Rows) error {
		var id int64
		var h Hit
		var body string
		if err := rows.Scan(&id, &h.Kind, &h.RecordID, &h.Title, &h.URL, &h.Updated, &body); err != nil {
			return err
		}
		h.Rank = pl.scores[id]
		h.Snippet = snippet(body, pl.words)
		byID[id] = h
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Hit, 0, len(page))
	for _, id := range page {
		if h, ok := byID[id]; ok { // a document removed since it was found is left out
			out = append(out, h)
		}
	}
	return out, nil
}

// idList runs a query of one id column.
func idList(ctx context.Context, q db.Q, query string, args ...any) ([]int64, error) {
	var out []int64
	err := db.Each(ctx, q, query, args, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	})
	return out, err
}
