package learning

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Revisions: every edit of a case study, learning or evidence record is kept — who, when,
// what changed, and the record as it was after the edit (a JSON snapshot) — for the history,
// the view of one revision, and a line-based diff of each changed field.

// Revision is one saved state of a record.
type Revision struct {
	Kind     string `json:"kind"`
	RecordID int64  `json:"record_id"`
	Revision int    `json:"revision"`
	UserID   int64  `json:"user_id,omitempty"`
	UserName string `json:"user_name,omitempty"`
	// Summary says what changed ("Created", "Changed: Title, Body").
	Summary   string          `json:"summary"`
	Snapshot  json.RawMessage `json:"snapshot,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// maxSnapshot bounds a snapshot's JSON.
const maxSnapshot = 1 << 20

// SaveRevision records revision number revision of a record in the caller's transaction tx:
// snapshot (any JSON-encodable value, normally a struct of the record's fields as people
// read them) is the record after the edit; summary says what changed (see ChangeSummary).
func SaveRevision(ctx context.Context, tx db.Q, kind string, recordID int64, revision int, userID int64, summary string, snapshot any) error {
	b, err := json.Marshal(snapshot)
	if err != nil {
		return fmt.Errorf("revision snapshot: %w", err)
	}
	if len(b) > maxSnapshot {
		return fmt.Errorf("revision snapshot of %s %d is %d bytes, over %d", kind, recordID, len(b), maxSnapshot)
	}
	var by any
	if userID != 0 {
		by = userID
	}
	_, err = tx.Exec(ctx, `INSERT INTO revisions (kind, record_id, revision, user_id, summary, snapshot, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, kind, recordID, revision, by, valid.Truncate(summary, 1000), string(b), db.Now())
	return db.MapError(err)
}

// ListRevisions lists a record's revisions, newest first, without their snapshots.
func ListRevisions(ctx context.Context, q db.Q, kind string, recordID int64) ([]Revision, error) {
	var out []Revision
	err := db.Each(ctx, q, `SELECT r.revision, COALESCE(r.user_id, 0), COALESCE(u.name, ''), r.summary, r.created_at
		FROM revisions r LEFT JOIN users u ON u.id = r.user_id
		WHERE r.kind = ? AND r.record_id = ? ORDER BY r.revision DESC LIMIT 1000`, []any{kind, recordID},
		func(rows *sql.Rows) error {
			rv := Revision{Kind: kind, RecordID: recordID}
			if err := rows.Scan(&rv.Revision, &rv.UserID, &rv.UserName, &rv.Summary, &rv.CreatedAt); err != nil {
				return err
			}
			out = append(out, rv)
			return nil
		})
	return out, err
}

// LoadRevision loads one revision with its snapshot.
func LoadRevision(ctx context.Context, q db.Q, kind string, recordID int64, revision int) (Revision, error) {
	rv := Revision{Kind: kind, RecordID: recordID, Revision: revision}
	var snap string
	err := q.QueryRow(ctx, `SELECT COALESCE(r.user_id, 0), COALESCE(u.name, ''), r.summary, r.snapshot, r.created_at
		FROM revisions r LEFT JOIN users u ON u.id = r.user_id
		WHERE r.kind = ? AND r.record_id = ? AND r.revision = ?`, kind, recordID, revision).
		Scan(&rv.UserID, &rv.UserName, &rv.Summary, &snap, &rv.CreatedAt)
	rv.Snapshot = json.RawMessage(snap)
	return rv, db.MapError(err)
}

// RevisionField is one field of a kind's snapshots: its JSON key and its label, in the order
// pages show them; Markdown fields are drawn as Markdown on a revision's page.
type RevisionField struct {
	Key      string
	Label    string
	Markdown bool
}

// SnapshotText is each field of a snapshot as text: strings as they are, lists one item a
// line, numbers and booleans written out, null and absent as "".
func SnapshotText(raw json.RawMessage) map[string]string {
	out := map[string]string{}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return out
	}
	for k, v := range m {
		out[k] = jsonText(v)
	}
	return out
}

func jsonText(v json.RawMessage) string {
	var x any
	if json.Unmarshal(v, &x) != nil {
		return string(v)
	}
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		if t {
			return "yes"
		}
		return "no"
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		lines := make([]string, 0, len(t))
		var items []json.RawMessage
		_ = json.Unmarshal(v, &items)
		for _, it := range items {
			lines = append(lines, strings.ReplaceAll(jsonText(it), "\n", " "))
		}
		return strings.Join(lines, "\n")
	}
	b, _ := json.MarshalIndent(x, "", "  ")
	return string(b)
}

// ChangeSummary says which fields differ between two snapshots ("Changed: Title, Summary"),
// with the editor's note in front when there is one.
func ChangeSummary(fields []RevisionField, before, after any, note string) string {
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	a, b := SnapshotText(b1), SnapshotText(b2)
	var changed []string
	for _, f := range fields {
		if a[f.Key] != b[f.Key] {
			changed = append(changed, f.Label)
		}
	}
	s := "No field changed"
	if len(changed) > 0 {
		s = "Changed: " + strings.Join(changed, ", ")
	}
	if note = strings.TrimSpace(note); note != "" {
		s = note + " (" + s + ")"
	}
	return s
}

// ---- the diff ----

// DiffLine is one line of a diff: Op is "eq" (in both), "del" (only in the older), "ins"
// (only in the newer) or "skip" (Skipped unchanged lines left out).
type DiffLine struct {
	Op      string
	Text    string
	Skipped int
}

// maxDiffEdits bounds the edit distance the diff searches for; beyond it the changed middle
// is shown as all removed, then all added.
const maxDiffEdits = 2000

// DiffLines is a shortest line diff of a and b (Myers' greedy algorithm, after trimming the
// lines they share at both ends).
func DiffLines(a, b []string) []DiffLine {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	out := make([]DiffLine, 0, len(a)+len(b))
	for _, l := range a[:pre] {
		out = append(out, DiffLine{Op: "eq", Text: l})
	}
	out = append(out, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		out = append(out, DiffLine{Op: "eq", Text: l})
	}
	return out
}

// myers finds a shortest edit script from a to b. trace[d] keeps, for each diagonal k in
// [-d, d], the furthest x reached with d-1 edits (index k+d), for the walk back.
func myers(a, b []string) []DiffLine {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replaceAll(a, b)
	}
	maxD := n + m
	if maxD > maxDiffEdits {
		maxD = maxDiffEdits
	}
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		trace = append(trace, slices.Clone(v[off-d:off+d+1]))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace)
			}
		}
	}
	return replaceAll(a, b)
}

func backtrack(a, b []string, trace [][]int) []DiffLine {
	x, y := len(a), len(b)
	var rev []DiffLine
	for d := len(trace) - 1; d > 0; d-- {
		vd := trace[d] // furthest x per diagonal after d-1 edits, index k+d
		at := func(k int) int { return vd[k+d] }
		k := x - y
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			rev = append(rev, DiffLine{Op: "eq", Text: a[x-1]})
			x--
			y--
		}
		if x == px {
			rev = append(rev, DiffLine{Op: "ins", Text: b[y-1]})
			y--
		} else {
			rev = append(rev, DiffLine{Op: "del", Text: a[x-1]})
			x--
		}
	}
	for x > 0 && y > 0 {
		rev = append(rev, DiffLine{Op: "eq", Text: a[x-1]})
		x--
		y--
	}
	slices.Reverse(rev)
	return rev
}

func replaceAll(a, b []string) []DiffLine {
	out := make([]DiffLine, 0, len(a)+len(b))
	for _, l := range a {
		out = append(out, DiffLine{Op: "del", Text: l})
	}
	for _, l := range b {
		out = append(out, DiffLine{Op: "ins", Text: l})
	}
	return out
}

// splitLines splits text into lines ("" has none).
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// DiffText diffs two texts line by line, keeping context lines around each change and
// folding longer unchanged runs into "skip" lines.
func DiffText(a, b string, context int) []DiffLine {
	lines := DiffLines(splitLines(a), splitLines(b))
	keep := make([]bool, len(lines))
	for i, l := range lines {
		if l.Op != "eq" {
			for j := max(0, i-context); j <= min(len(lines)-1, i+context); j++ {
				keep[j] = true
			}
		}
	}
	var out []DiffLine
	for i := 0; i < len(lines); {
		if keep[i] {
			out = append(out, lines[i])
			i++
			continue
		}
		j := i
		for j < len(lines) && !keep[j] {
			j++
		}
		out = append(out, DiffLine{Op: "skip", Skipped: j - i})
		i = j
	}
	return out
}

// FieldDiff is the diff of one field between two revisions.
type FieldDiff struct {
	Key, Label       string
	Changed          bool
	Lines            []DiffLine
	Added, Removed   int
	OldText, NewText string
}

// DiffSnapshots compares two snapshots field by field, in the order of fields; fields a kind
// no longer lists are compared too, after the others, under their keys.
func DiffSnapshots(fields []RevisionField, from, to json.RawMessage) []FieldDiff {
	a, b := SnapshotText(from), SnapshotText(to)
	known := map[string]bool{}
	all := slices.Clone(fields)
	for _, f := range fields {
		known[f.Key] = true
	}
	var extra []string
	for k := range a {
		if !known[k] {
			extra, known[k] = append(extra, k), true
		}
	}
	for k := range b {
		if !known[k] {
			extra, known[k] = append(extra, k), true
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		all = append(all, RevisionField{Key: k, Label: k})
	}
	out := make([]FieldDiff, 0, len(all))
	for _, f := range all {
		fd := FieldDiff{Key: f.Key, Label: f.Label, OldText: a[f.Key], NewText: b[f.Key]}
		if fd.OldText != fd.NewText {
			fd.Changed = true
			fd.Lines = DiffText(fd.OldText, fd.NewText, 2)
			for _, l := range fd.Lines {
				switch l.Op {
				case "ins":
					fd.Added++
				case "del":
					fd.Removed++
				}
			}
		}
		out = append(out, fd)
	}
	return out
}

// ---- pages ----

// RevisionKind describes, for the history pages, a kind of record with revisions.
type RevisionKind struct {
	Kind  string    // "case_study"
	Label string    // "case study", in a sentence
	Base  string    // "/case-studies": the pages are Base/{id}/history, Base/{id}/history/{revision}, Base/{id}/diff
	Crumb web.Crumb // the list page, for the breadcrumbs
	// Fields are the snapshot's fields in the order pages show them.
	Fields []RevisionField
	// Title returns the record's title for the principal in ctx: db.ErrNotFound when there is
	// no such record or they may not see it (the history is seen by those who see the record).
	Title func(ctx context.Context, id int64) (string, error)
}

func (k RevisionKind) recordURL(id int64) string { return k.Base + "/" + strconv.FormatInt(id, 10) }

// revisionRoutes registers the history, revision and diff pages of a kind (GET, public gate:
// Title decides who sees them).
func (h *Web) revisionRoutes(rt *web.Router, k RevisionKind) {
	rt.Page("GET", k.Base+"/{id}/history", web.Public, h.revisionHistory(k))
	rt.Page("GET", k.Base+"/{id}/history/{revision}", web.Public, h.revisionShow(k))
	rt.Page("GET", k.Base+"/{id}/diff", web.Public, h.revisionDiff(k))
}

// revisionsAPI answers GET /api/v1/…/{id}/revisions: every revision, newest first, with its
// snapshot.
func (h *Web) revisionsAPI(k RevisionKind) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := api.PathID(r, "id")
		if err != nil {
			return err
		}
		ctx := r.Context()
		if _, err := k.Title(ctx, id); err != nil {
			return err
		}
		list, err := ListRevisions(ctx, h.Svc.DB, k.Kind, id)
		if err != nil {
			return err
		}
		for i := range list {
			full, err := LoadRevision(ctx, h.Svc.DB, k.Kind, id, list[i].Revision)
			if err != nil {
				return err
			}
			list[i].Snapshot = full.Snapshot
		}
		if list == nil {
			list = []Revision{}
		}
		return api.JSON(w, http.StatusOK, api.List[Revision]{Items: list})
	}
}

type revisionPageData struct {
	Kind      RevisionKind
	ID        int64
	Title     string
	RecordURL string
	Revisions []Revision
	Revision  Revision
	Latest    int
	Fields    []revisionFieldView
	Diffs     []FieldDiff
	From, To  Revision
	Changed   int
}

type revisionFieldView struct {
	Label    string
	Text     string
	HTML     template.HTML
	Markdown bool
}

func (h *Web) revisionRecord(r *http.Request, k RevisionKind) (int64, string, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return 0, "", err
	}
	title, err := k.Title(r.Context(), id)
	return id, title, err
}

func (d revisionPageData) crumbs(last string, withHistory bool) []web.Crumb {
	c := []web.Crumb{d.Kind.Crumb, {Label: d.Title, URL: d.RecordURL}}
	if withHistory {
		c = append(c, web.Crumb{Label: "History", URL: d.RecordURL + "/history"})
	}
	return append(c, web.Crumb{Label: last})
}

func (h *Web) revisionHistory(k RevisionKind) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, title, err := h.revisionRecord(r, k)
		if err != nil {
			return err
		}
		list, err := ListRevisions(r.Context(), h.Svc.DB, k.Kind, id)
		if err != nil {
			return err
		}
		d := revisionPageData{Kind: k, ID: id, Title: title, RecordURL: k.recordURL(id), Revisions: list}
		if len(list) > 0 {
			d.Latest = list[0].Revision
		}
		h.Render.OK(w, r, "learning/revision_history", web.Page{Title: "History of " + title, Data: d, Breadcrumbs: d.crumbs("History", false)})
		return nil
	}
}

func revisionNumber(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n > 0
}

func (h *Web) revisionShow(k RevisionKind) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, title, err := h.revisionRecord(r, k)
		if err != nil {
			return err
		}
		n, ok := revisionNumber(r.PathValue("revision"))
		if !ok {
			return db.ErrNotFound
		}
		rv, err := LoadRevision(r.Context(), h.Svc.DB, k.Kind, id, n)
		if err != nil {
			return err
		}
		list, err := ListRevisions(r.Context(), h.Svc.DB, k.Kind, id)
		if err != nil {
			return err
		}
		d := revisionPageData{Kind: k, ID: id, Title: title, RecordURL: k.recordURL(id), Revision: rv}
		if len(list) > 0 {
			d.Latest = list[0].Revision
		}
		text := SnapshotText(rv.Snapshot)
		for _, f := range k.Fields {
			fv := revisionFieldView{Label: f.Label, Text: text[f.Key], Markdown: f.Markdown}
			if f.Markdown {
				fv.HTML = Markdown(fv.Text)
			}
			d.Fields = append(d.Fields, fv)
		}
		label := fmt.Sprintf("Revision %d", n)
		h.Render.OK(w, r, "learning/revision_show", web.Page{Title: label + " of " + title, Data: d, Breadcrumbs: d.crumbs(label, true)})
		return nil
	}
}

func (h *Web) revisionDiff(k RevisionKind) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, title, err := h.revisionRecord(r, k)
		if err != nil {
			return err
		}
		ctx := r.Context()
		list, err := ListRevisions(ctx, h.Svc.DB, k.Kind, id)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return db.ErrNotFound
		}
		q := r.URL.Query()
		to, from := list[0].Revision, list[0].Revision-1
		if s := q.Get("to"); s != "" {
			var ok bool
			if to, ok = revisionNumber(s); !ok {
				return &api.BadRequest{Msg: "“to” must be a revision number, such as 2.", Errors: map[string]string{"to": "Use a revision number."}}
			}
			from = to - 1
		}
		if s := q.Get("from"); s != "" {
			var ok bool
			if from, ok = revisionNumber(s); !ok {
				return &api.BadRequest{Msg: "“from” must be a revision number, such as 1.", Errors: map[string]string{"from": "Use a revision number."}}
			}
		}
		if from > to {
			from, to = to, from
		}
		if from < 1 {
			from = 1
		}
		a, err := LoadRevision(ctx, h.Svc.DB, k.Kind, id, from)
		if err != nil {
			return err
		}
		b, err := LoadRevision(ctx, h.Svc.DB, k.Kind, id, to)
		if err != nil {
			return err
		}
		d := revisionPageData{Kind: k, ID: id, Title: title, RecordURL: k.recordURL(id), From: a, To: b, Latest: list[0].Revision}
		d.Diffs = DiffSnapshots(k.Fields, a.Snapshot, b.Snapshot)
		for _, fd := range d.Diffs {
			if fd.Changed {
				d.Changed++
			}
		}
		label := fmt.Sprintf("Changes from revision %d to %d", from, to)
		h.Render.OK(w, r, "learning/revision_diff", web.Page{Title: label + " – " + title, Data: d, Breadcrumbs: d.crumbs("Changes", true)})
		return nil
	}
}
