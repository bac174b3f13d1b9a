package audit

import (
	"embed"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// PageSize is the number of rows on a page of /admin/audit.
const PageSize = 50

// Web serves the audit log to site administrators: a page with filters, a CSV download and
// the API.
type Web struct {
	DB     db.Q
	Render *web.Renderer
	// Log records exports that fail after the download has begun; nil logs nowhere.
	Log *slog.Logger
}

// Routes registers the pages, the download and the API, all for site administrators only.
func (h *Web) Routes(rt *web.Router) error {
	if err := h.Render.Add("audit", templates, "templates"); err != nil {
		return err
	}
	h.Render.AddNav(web.NavItem{Label: "Audit log", URL: "/admin/audit", Access: web.SiteAdmin})
	rt.Page("GET", "/admin/audit", web.SiteAdmin, h.list)
	rt.Page("GET", "/admin/audit.csv", web.SiteAdmin, h.csv)
	rt.API("GET", "/api/v1/audit", web.SiteAdmin, "Audit",
		"List audit rows, newest first (filters: action prefix, actor, target_kind, target_id, outcome, from and to as YYYY-MM-DD; cursor pagination)",
		h.api, web.Body(nil, api.List[Row]{}))
	return nil
}

// filterFields are the query parameters the filters read, in the order of the form.
var filterFields = []string{"action", "actor", "target_kind", "target_id", "outcome", "from", "to"}

// Outcomes lists the outcomes for the filter.
var outcomes = []web.Option{{Value: Success, Label: "Success"}, {Value: Denied, Label: "Denied"}, {Value: Failure, Label: "Failure"}}

// parseFilter reads the filters from query parameters; field errors name the parameter.
// The "to" date is inclusive: rows of that whole day (UTC) are included.
func parseFilter(v url.Values) (Filter, error) {
	var f Filter
	var c valid.Checker
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	f.Action = get("action")
	c.MaxLen("action", f.Action, 100)
	f.Actor = get("actor")
	c.MaxLen("actor", f.Actor, 254)
	f.TargetKind = get("target_kind")
	c.MaxLen("target_kind", f.TargetKind, 100)
	if s := get("target_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			c.Add("target_id", "Enter the target's ID as a whole number, for example 12.")
		}
		f.TargetID = n
	}
	f.Outcome = get("outcome")
	if f.Outcome != "" {
		c.OneOf("outcome", f.Outcome, []string{Success, Denied, Failure}, "an outcome")
	}
	f.From = c.ParseDate("from", get("from"))
	to := c.ParseDate("to", get("to"))
	c.Period("from", f.From, "to", to)
	if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	return f, c.Err()
}

// values keeps the filters that are set, for links to other pages and the download.
func values(v url.Values) url.Values {
	out := url.Values{}
	for _, k := range filterFields {
		if s := strings.TrimSpace(v.Get(k)); s != "" {
			out.Set(k, s)
		}
	}
	return out
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

type listData struct {
	Entries  []Entry
	Outcomes []web.Option
	Filtered bool
	// Paged is true when this is not the first (newest) page.
	Paged    bool
	NextURL  string
	FirstURL string
	ClearURL string
	CSVURL   string
}

func (h *Web) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	kept := values(q)
	form := &web.Form{Values: kept}
	d := listData{Outcomes: outcomes, Filtered: len(kept) > 0, FirstURL: withQuery("/admin/audit", kept),
		ClearURL: "/admin/audit", CSVURL: withQuery("/admin/audit.csv", kept)}
	page := web.Page{Title: "Audit log", Breadcrumbs: []web.Crumb{{Label: "Audit log"}}, Form: form, Data: &d}
	f, err := parseFilter(q)
	if ve, ok := valid.As(err); ok {
		form.Errors = ve
		d.CSVURL = ""
		h.Render.Render(w, r, http.StatusBadRequest, "audit/audit_list", page)
		return nil
	}
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return &api.BadRequest{Msg: "The page address is not valid: start again from the newest rows.",
				Errors: map[string]string{"before": "Use a row ID from a 'Older rows' link."}}
		}
		f.Before = n
		d.Paged = true
	}
	f.Limit = PageSize + 1
	rows, err := List(r.Context(), h.DB, f)
	if err != nil {
		return err
	}
	if len(rows) > PageSize {
		rows = rows[:PageSize]
		next := values(q)
		next.Set("before", strconv.FormatInt(rows[len(rows)-1].ID, 10))
		d.NextURL = withQuery("/admin/audit", next)
	}
	d.Entries = rows
	h.Render.OK(w, r, "audit/audit_list", page)
	return nil
}

// countingWriter notes whether anything reached the client.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// badFilters is the answer to filters that do not parse, outside the page.
func badFilters(err error) error {
	if ve, ok := valid.As(err); ok {
		return &api.BadRequest{Msg: "Some filters need attention: see errors.", Errors: ve}
	}
	return err
}

func (h *Web) csv(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		return badFilters(err)
	}
	name := "audit-log-" + time.Now().UTC().Format("2006-01-02") + ".csv"
	hd := w.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	hd.Set("Cache-Control", "no-store")
	cw := &countingWriter{w: w}
	err = WriteCSV(r.Context(), h.DB, f, cw)
	if err == nil {
		return nil
	}
	if cw.n == 0 {
		// Nothing sent yet: answer with an error page instead.
		hd.Del("Content-Disposition")
		hd.Del("Content-Type")
		return err
	}
	if h.Log != nil {
		h.Log.ErrorContext(r.Context(), "audit export failed part-way", "err", err, "bytes", cw.n)
	}
	// The download has begun: break the connection so that the client sees it is incomplete.
	panic(http.ErrAbortHandler)
}

// Row is an audit row in the API.
type Row struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	TargetKind string    `json:"target_kind,omitempty"`
	TargetID   int64     `json:"target_id,omitempty"`
	Target     string    `json:"target,omitempty"`
	Outcome    string    `json:"outcome"`
	Detail     string    `json:"detail,omitempty"`
	RequestID  string    `json:"request_id,omitempty"`
	ClientIP   string    `json:"client_ip,omitempty"`
}

// RowOf is e as the API shows it.
func RowOf(e Entry) Row {
	return Row{ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, Actor: e.Actor, Action: e.Action, TargetKind: e.TargetKind,
		TargetID: e.TargetID, Target: e.Target, Outcome: e.Outcome, Detail: e.Detail, RequestID: e.RequestID, ClientIP: e.ClientIP}
}

func (h *Web) api(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		return badFilters(err)
	}
	// Newest first: the cursor is the ID of the last (oldest) row of the previous page.
	f.Before, f.Limit = pg.After, pg.Limit+1
	if pg.After == 0 && r.URL.Query().Get("cursor") != "" {
		return &api.BadRequest{Msg: "The cursor is not valid: use next_cursor from the previous page.",
			Errors: map[string]string{"cursor": "Not a cursor this API gave out."}}
	}
	entries, err := List(r.Context(), h.DB, f)
	if err != nil {
		return err
	}
	rows := make([]Row, len(entries))
	for i, e := range entries {
		rows[i] = RowOf(e)
	}
	return api.JSON(w, http.StatusOK, api.NewList(rows, pg.Limit, func(r Row) int64 { return r.ID }))
}
