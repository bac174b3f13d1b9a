// Package search is the one search box over everything: each capability writes a document for
// each searchable record (in the record's own transaction); SQLite answers with FTS5 and
// PostgreSQL with its full-text search.
package search

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// Doc is one searchable record.
type Doc struct {
	Kind     string // "organisation", "place", "commitment", …
	RecordID int64
	Title    string
	Body     string
	URL      string
	// Public documents are found by everyone; others only by members of OrgID (and admins).
	Public bool
	OrgID  int64
}

// Index writes or replaces d (call it in the record's transaction).
func Index(ctx context.Context, q db.Q, d Doc) error {
	var org any
	if d.OrgID != 0 {
		org = d.OrgID
	}
	_, err := q.Exec(ctx, `INSERT INTO search_documents (kind, record_id, title, body, url, public, org_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, record_id) DO UPDATE SET title = excluded.title, body = excluded.body, url = excluded.url,
			public = excluded.public, org_id = excluded.org_id, updated_at = excluded.updated_at`,
		d.Kind, d.RecordID, d.Title, d.Body, d.URL, d.Public, org, db.Now())
	return err
}

// Remove deletes the document of a record (archived or deleted).
func Remove(ctx context.Context, q db.Q, kind string, recordID int64) error {
	_, err := q.Exec(ctx, "DELETE FROM search_documents WHERE kind = ? AND record_id = ?", kind, recordID)
	return err
}

// Hit is one result.
type Hit struct {
	Kind     string    `json:"kind"`
	RecordID int64     `json:"id"`
	Title    string    `json:"title"`
	Snippet  string    `json:"snippet"`
	URL      string    `json:"url"`
	Rank     float64   `json:"rank"`
	Updated  time.Time `json:"updated_at"`
}

// Query is a search request.
type Query struct {
	Text   string
	Kinds  []string // empty: every kind
	Limit  int
	Offset int
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

// Search returns what the principal in ctx may see that matches q, best first.
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
	m := newMatch(q.Dialect(), authz.From(ctx), terms, sq.Kinds)
	var sel string
	var args []any
	if q.Dialect() == db.Postgres {
		sel = `d.kind, d.record_id, d.title, ts_headline('english', d.body, to_tsquery('english', ?), 'StartSel=<<, StopSel=>>, MaxWords=30, MinWords=10, MaxFragments=1'), d.url, ts_rank(d.tsv, to_tsquery('english', ?)), d.updated_at`
		args = append(args, m.tsq, m.tsq)
	} else {
		sel = `d.kind, d.record_id, d.title, snippet(search_fts, 1, '<<', '>>', '…', 30), d.url, -bm25(search_fts, 4.0, 1.0), d.updated_at`
	}
	args = append(append(args, m.args...), sq.Limit, sq.Offset)
	rows, err := q.Query(ctx, "SELECT "+sel+" FROM "+m.from+" WHERE "+m.where+" ORDER BY 6 DESC, d.id LIMIT ? OFFSET ?", args...)
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
// (whatever the kind), for the filter links beside the results.
func Counts(ctx context.Context, q db.Q, text string) (map[string]int, error) {
	terms := Terms(text)
	if len(terms) == 0 {
		return map[string]int{}, nil
	}
	m := newMatch(q.Dialect(), authz.From(ctx), terms, nil)
	rows, err := q.Query(ctx, "SELECT d.kind, count(*) FROM "+m.from+" WHERE "+m.where+" GROUP BY d.kind", m.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			return nil, err
		}
		out[kind] = n
	}
	return out, rows.Err()
}

// match is the FROM and WHERE shared by Search and Counts: the terms, what the principal may
// see, and the kinds asked for.
type match struct {
	from, where string
	args        []any
	tsq         string // PostgreSQL: the tsquery text
}

func newMatch(dialect db.Dialect, p authz.Principal, terms, kinds []string) match {
	var m match
	var conds []string
	if dialect == db.Postgres {
		// Each word as a prefix, all required.
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = t + ":*"
		}
		m.tsq = strings.Join(parts, " & ")
		m.from = "search_documents d"
		conds = append(conds, "d.tsv @@ to_tsquery('english', ?)")
		m.args = append(m.args, m.tsq)
	} else {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = `"` + t + `"*`
		}
		m.from = "search_fts JOIN search_documents d ON d.id = search_fts.rowid"
		conds = append(conds, "search_fts MATCH ?")
		m.args = append(m.args, strings.Join(parts, " AND "))
	}
	if !p.SiteAdmin {
		orgs := p.Orgs(authz.Read)
		if len(orgs) == 0 {
			conds = append(conds, "d.public")
		} else {
			ph, args := db.In(orgs)
			conds = append(conds, "(d.public OR d.org_id IN ("+ph+"))")
			m.args = append(m.args, args...)
		}
	}
	if len(kinds) > 0 {
		conds = append(conds, "d.kind IN ("+db.Placeholders(len(kinds))+")")
		for _, k := range kinds {
			m.args = append(m.args, k)
		}
	}
	m.where = strings.Join(conds, " AND ")
	return m
}

// Highlight splits a snippet marked with << >> into plain and marked parts, for templates
// to escape safely.
func Highlight(snippet string) []Part {
	var out []Part
	for snippet != "" {
		i := strings.Index(snippet, "<<")
		if i < 0 {
			out = append(out, Part{Text: snippet})
			break
		}
		if i > 0 {
			out = append(out, Part{Text: snippet[:i]})
		}
		rest := snippet[i+2:]
		j := strings.Index(rest, ">>")
		if j < 0 {
			out = append(out, Part{Text: rest, Mark: true})
			break
		}
		out = append(out, Part{Text: rest[:j], Mark: true})
		snippet = rest[j+2:]
	}
	return out
}

// Part is a piece of a snippet.
type Part struct {
	Text string
	Mark bool
}
