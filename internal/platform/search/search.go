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
// this person see, of these kinds, in this place" without reading a row per match. Only the
// best MaxTotal matches are counted, ranked and reached, so that a common word costs little
// more than a rare one (docs/performance.md, "Search").
package search

import (
	"context"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

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
	// MaxTotal is how far matches are counted and paged through: a search finding more says
	// "more than 1,000" and shows the best 1,000 (narrowing it is the way to the others).
	// Counting every match of a common word would cost more than the rest of the search.
	MaxTotal = 1000
	// MaxCounted is how many of the best matches facet counts cover. Pages say so when it
	// applies (Result.Capped).
	MaxCounted = MaxTotal
	// MaxFacetValues is how many values of a facet a result lists.
	MaxFacetValues = 20
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
// touches). Ids are decimal, kinds hexadecimal. Visibility is written as what hides a
// document — few documents are hidden, and "the matches except these few" is what both
// engines answer fastest.
const (
	tagHiddenAnon   = "zhax" // not public: hidden from the anonymous
	tagHiddenSigned = "zhsx" // community or org: hidden from the signed-in in general
	tagCommunity    = "zvc"  // + id: the members of this community see it
	tagOwner        = "zo"   // + id: the staff of this organisation see it
	tagKind         = "zk"   // + hex(kind)
	tagOrg          = "zf"   // + id: organisation facet
	tagPlace        = "zp"   // + id
	tagTheme        = "zt"   // + id
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
	case VisMembers:
		t = append(t, tagHiddenAnon)
	case VisCommunity:
		t = append(t, tagHiddenAnon, tagHiddenSigned, idTag(tagCommunity, d.CommunityID))
	case VisOrg:
		t = append(t, tagHiddenAnon, tagHiddenSigned)
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
	Offset      int // from 0; results beyond the first MaxTotal are not reached
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

// Part is a piece of a snippet.
type Part struct {
	Text string `json:"text"`
	Mark bool   `json:"mark,omitempty"`
}

// Highlight splits a snippet marked with MarkStart and MarkEnd into plain and marked parts,
// for templates to escape safely. A mark left open runs to the end; a stray end is dropped.
func Highlight(snippet string) []Part {
	snippet = strings.ToValidUTF8(snippet, "\ufffd") // no stray bytes to join into a mark
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
	return strings.NewReplacer(MarkStart, "", MarkEnd, "").Replace(strings.ToValidUTF8(snippet, "\ufffd"))
}
