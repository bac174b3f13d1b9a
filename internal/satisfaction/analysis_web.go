package satisfaction

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/joinedup/joinedup/internal/platform/chart"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/export"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// PublicResultsTTL is how long the public results page of a survey is served from memory.
const PublicResultsTTL = 60 * time.Second

// analysisRoutes registers the dashboard (with its tables as CSV and JSON), the comparison
// across surveys, the public results page and the results API. The staff pages need an
// account; the service shows a survey's figures to members of its organisation with Read and
// to site admins, and tells the others it does not exist.
func (h *Web) analysisRoutes(rt *web.Router) {
	rt.Page("GET", "/surveys/{id}/dashboard", web.SignedIn, h.dashboardPage)
	rt.Page("GET", "/surveys/{id}/dashboard.csv", web.SignedIn, h.dashboardCSV)
	rt.Page("GET", "/surveys/{id}/dashboard.json", web.SignedIn, h.dashboardJSON)
	rt.Page("GET", "/surveys/compare", web.SignedIn, h.comparePage)
	pub := &publicCache{ttl: PublicResultsTTL, now: time.Now, entries: map[string]publicEntry{}}
	rt.Page("GET", "/s/{code}/results", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		return h.publicResultsPage(w, r, pub)
	})
	h.analysisAPIRoutes(rt)
}

// dashboardData is what survey_dashboard.html shows.
type dashboardData struct {
	D Dashboard
	// Weighted holds the weighted figures when the survey is weighted and they are computed
	// (nil otherwise); Filtered is true when the filter narrows the responses, so the weighted
	// figures (over every response) are not set beside the filtered ones.
	Weighted *WeightedResult
	Filtered bool
	Trend    *chart.Chart
	Items    *chart.Chart
	Drivers  *chart.Chart
	// Invalid: the filter could not be read; only the form is shown.
	Invalid   bool
	Trademark string
}

// TableURL is the address of a table of the dashboard as format ("csv" or "json"), with the
// page's filters.
func (d dashboardData) TableURL(table, format string) string {
	q := d.D.Filter.Query()
	q.Set("table", table)
	return d.D.Survey.URL() + "/dashboard." + format + "?" + q.Encode()
}

// WeightedFor returns the weighted figure beside an unweighted one, if shown.
func (d dashboardData) WeightedFor(f Figure) *WeightedFigure {
	if d.Weighted == nil || d.Filtered {
		return nil
	}
	wf, ok := d.Weighted.FigureFor(f.Question, f.Metric)
	if !ok {
		return nil
	}
	return &wf
}

// FormatWeighted writes a weighted figure's value or bound like its unweighted twin.
func (dashboardData) FormatWeighted(m Metric, v float64) string {
	s := formatMetric(m, v)
	if m == MetricTop2 && s != "" {
		s += "%"
	}
	return s
}

// Pct writes a share (0–1) in whole per cent.
func (dashboardData) Pct(v float64) string { return strconv.FormatFloat(math.Round(100*v), 'f', 0, 64) }

// breakdownView is a breakdown with its heading and download links.
type breakdownView struct {
	B              Breakdown
	Heading, Group string
	CSV, JSON      string
}

// Breakdowns lists the breakdowns by channel, place and period.
func (d dashboardData) Breakdowns() []breakdownView {
	period := "Quarter"
	if d.D.By == ByMonth {
		period = "Month"
	}
	var out []breakdownView
	for _, v := range []breakdownView{
		{B: d.D.Channels, Heading: "By channel", Group: "Channel"},
		{B: d.D.Places, Heading: "By place", Group: "Place"},
		{B: d.D.Periods, Heading: "By " + strings.ToLower(period), Group: period},
	} {
		v.B.Key = map[string]string{"Channel": "channel", "Place": "place"}[v.Group]
		if v.B.Key == "" {
			v.B.Key = "period"
		}
		v.CSV, v.JSON = d.TableURL(v.B.Key, "csv"), d.TableURL(v.B.Key, "json")
		out = append(out, v)
	}
	return out
}

// Filtered reports whether the filter narrows the responses beyond the whole survey.
func (d Dashboard) Filtered() bool {
	return d.Filter.From != "" || d.Filter.To != "" || d.Filter.Channel != "" || d.Filter.PlaceID != 0
}

// RangeLabel writes the months of the dashboard.
func (d Dashboard) RangeLabel() string { return rangeLabel(d.Months) }

// HiddenMonths counts the months of the trend whose figure is hidden though they have responses.
func (d Dashboard) HiddenMonths() int {
	n := 0
	for _, p := range d.Trend {
		if p.Responses > 0 && p.Figure.Hidden() {
			n++
		}
	}
	return n
}

func (h *Web) dashboardPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	form := &web.Form{Values: r.URL.Query()}
	f, ferr := ParseDashFilter(r.URL.Query())
	data := dashboardData{Trademark: Trademark}
	if ferr != nil {
		// Show the form with its errors over the whole survey's figures.
		ve, ok := valid.As(ferr)
		if !ok {
			return ferr
		}
		form.Errors = ve
		data.Invalid = true
		f = DashFilter{}
	}
	d, err := h.Svc.Dashboard(ctx, id, f)
	if err != nil {
		return err
	}
	data.D = d
	data.Filtered = d.Filtered()
	if data.Weighted, err = h.Svc.WeightedFigures(ctx, id); err != nil {
		return err
	}
	data.Trend = trendChart(d)
	data.Items = itemsChart(d)
	data.Drivers = driversChart(d.Drivers)
	status := http.StatusOK
	if data.Invalid {
		status = http.StatusUnprocessableEntity
	}
	h.Render.Render(w, r, status, "satisfaction/survey_dashboard", web.Page{Title: "Dashboard: " + d.Survey.Title, Data: data, Form: form,
		Breadcrumbs: []web.Crumb{{Label: "Surveys", URL: "/surveys"}, {Label: d.Survey.Title, URL: d.Survey.URL()}, {Label: "Dashboard"}}})
	return nil
}

// trendChart draws the overall index by month with its interval band and the target.
func trendChart(d Dashboard) *chart.Chart {
	if len(d.Trend) == 0 {
		return nil
	}
	lc := chart.Line{ID: "trend", Title: "Overall satisfaction index by month",
		Min: 0, Max: 100, YLabel: "Index (0–100), unweighted", XLabel: "Month", CategoryName: "Month",
		BandName: "95% interval", MissingText: "hidden",
		TableCaption: "Overall satisfaction index by month (unweighted; one response is one " + d.Unit + "; hidden: fewer than 10 answers or too uncertain)"}
	s := chart.Series{Name: "Overall satisfaction index", Style: chart.Solid, Marker: chart.Circle}
	for _, p := range d.Trend {
		lc.Categories = append(lc.Categories, p.Label)
		v, lo, hi := math.NaN(), math.NaN(), math.NaN()
		if !p.Figure.Hidden() {
			v, lo, hi = p.Figure.Est.Value, p.Figure.Est.Lower, p.Figure.Est.Upper
		}
		s.Values, s.Lower, s.Upper = append(s.Values, v), append(s.Lower, lo), append(s.Upper, hi)
	}
	lc.Series = []chart.Series{s}
	if t := d.TrendTarget; t != nil {
		lc.Refs = []chart.Ring{{Value: t.Target, Label: fmt.Sprintf("Target %s by %s", chart.Format(t.Target), t.Due.Format("Jan 2006"))}}
	}
	c := lc.Draw()
	return &c
}

// itemsChart draws the index of each 5-point item with its interval.
func itemsChart(d Dashboard) *chart.Chart {
	rc := chart.Ranges{ID: "items", Title: "Index by question, with 95% intervals", Max: 100,
		RangeName: "95% interval", LowName: "Lower", HighName: "Upper", MarkName: "Index",
		CategoryName: "Question", TableCaption: "Index by question (unweighted; one response is one " + d.Unit + "; questions whose figure is hidden are left out)"}
	for _, it := range d.Items {
		for _, f := range it.Figures {
			if f.Metric != MetricIndex {
				continue
			}
			if f.Hidden() { // said in the table of every question
				continue
			}
			rc.Rows = append(rc.Rows, chart.Span{Label: it.Label, Low: f.Est.Lower, Mid: math.NaN(), High: f.Est.Upper, Mark: f.Est.Value})
		}
	}
	if len(rc.Rows) == 0 {
		return nil
	}
	c := rc.Draw()
	return &c
}

// driversChart draws the importance × performance quadrant of the driver analysis, with a
// table of the drivers' importance (and its bootstrap interval), performance and quadrant.
func driversChart(dr *DriverResult) *chart.Chart {
	if dr == nil || dr.Error != "" || len(dr.Drivers) == 0 {
		return nil
	}
	g := chart.Group{Name: "Drivers"}
	t := chart.Table{Caption: "Drivers of overall satisfaction: importance (share of the variance of overall satisfaction, with its 95% bootstrap interval) and performance (index 0–100)",
		Columns: []string{"Driver", "Importance (%)", "95% interval (%)", "Performance (index)", "Answers", "Quadrant"},
		Numeric: []bool{true, true, true, true, false}}
	for _, f := range dr.Drivers {
		g.Points = append(g.Points, chart.Point{X: f.ImportancePct(), Y: f.Performance, Label: f.Label})
		t.Rows = append(t.Rows, chart.Row{Header: f.Label, Cells: []string{
			chart.Format(f.ImportancePct()), chart.Format(f.LowerPct()) + "–" + chart.Format(f.UpperPct()),
			chart.Format(f.Performance), strconv.Itoa(f.PerformanceN), f.Caption}})
	}
	sc := chart.Scatter{ID: "drivers", Title: "Importance and performance of the drivers of overall satisfaction",
		XLabel: "Importance (% of variance explained)", YLabel: "Performance (index 0–100)",
		Groups: []chart.Group{g}, YMin: 0, YMax: 100,
		XRefs: []chart.Ring{{Value: 100 * dr.MeanImportance, Label: "mean importance"}},
		YRefs: []chart.Ring{{Value: dr.MeanPerformance, Label: "mean performance"}},
		Quadrants: chart.Quadrants{TopLeft: CaptionMaintain, TopRight: CaptionKeepUp,
			BottomLeft: CaptionLower, BottomRight: CaptionFixFirst},
		CustomTable: &t}
	c := sc.Draw()
	return &c
}

// dashTable is one table of the dashboard for download: cells are nil (hidden or empty),
// strings, ints or float64s.
type dashTable struct {
	Columns []string
	Rows    [][]any
}

// DashboardTables names the tables of the dashboard that can be downloaded.
var DashboardTables = []string{"items", "trend", "channel", "place", "period"}

func numCell(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// figureCells are the value, lower, upper and n of a figure (nil when hidden).
func figureCells(f Figure) []any {
	if f.Hidden() {
		return []any{nil, nil, nil, nil}
	}
	return []any{numCell(f.Number()), numCell(f.number(f.Est.Lower)), numCell(f.number(f.Est.Upper)), f.Est.N}
}

// dashboardTable builds a table of the dashboard; false when there is no such table.
func dashboardTable(d Dashboard, name string) (dashTable, bool) {
	unit := d.Unit
	switch name {
	case "items":
		t := dashTable{Columns: []string{"question", "text", "metric", "value", "lower", "upper", "n", "not_applicable", "reliability", "note", "weighting", "unit"}}
		for _, it := range d.Items {
			for _, f := range it.Figures {
				row := append([]any{it.Question.ID, it.Question.Text, string(f.Metric)}, figureCells(f)...)
				row = append(row, f.NA, f.Reliability(), f.Reason, Unweighted, unit)
				t.Rows = append(t.Rows, row)
			}
		}
		return t, true
	case "trend":
		t := dashTable{Columns: []string{"month", "responses", "metric", "value", "lower", "upper", "n", "not_applicable", "reliability", "note", "weighting", "unit"}}
		for _, p := range d.Trend {
			row := append([]any{p.Month, p.Responses, string(MetricIndex)}, figureCells(p.Figure)...)
			row = append(row, p.Figure.NA, p.Figure.Reliability(), p.Figure.Reason, Unweighted, unit)
			t.Rows = append(t.Rows, row)
		}
		return t, true
	case "channel", "place", "period":
		b := map[string]Breakdown{"channel": d.Channels, "place": d.Places, "period": d.Periods}[name]
		t := dashTable{Columns: []string{name, "label", "responses", "index", "index_lower", "index_upper", "index_n",
			"top2", "top2_lower", "top2_upper", "top2_n", "reliability", "note", "weighting", "unit"}}
		for _, r := range b.Rows {
			var resp any
			if !r.Hidden {
				resp = r.Responses
			}
			row := []any{r.Key, r.Label, resp}
			row = append(row, figureCells(r.Index)...)
			row = append(row, figureCells(r.Top2)...)
			note := r.Why
			if note == "" {
				note = r.Index.Reason
			}
			row = append(row, r.Index.Reliability(), note, Unweighted, unit)
			t.Rows = append(t.Rows, row)
		}
		var total any
		if !b.TotalHidden {
			total = b.Total
		}
		t.Rows = append(t.Rows, []any{"total", "All", total, nil, nil, nil, nil, nil, nil, nil, nil, "", "", Unweighted, unit})
		return t, true
	}
	return dashTable{}, false
}

// dashCellText writes a cell for CSV.
func dashCellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// dashboardTableFor reads the table and filter of a download request and computes it.
func (h *Web) dashboardTableFor(r *http.Request) (Dashboard, dashTable, string, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return Dashboard{}, dashTable{}, "", err
	}
	name := r.URL.Query().Get("table")
	f, err := ParseDashFilter(r.URL.Query())
	if err != nil {
		return Dashboard{}, dashTable{}, "", err
	}
	d, err := h.Svc.Dashboard(r.Context(), id, f)
	if err != nil {
		return Dashboard{}, dashTable{}, "", err
	}
	t, ok := dashboardTable(d, name)
	if !ok {
		return d, t, name, valid.Errors{"table": "Choose a table: " + strings.Join(DashboardTables, ", ") + "."}
	}
	return d, t, name, nil
}

// dashboardCSV streams a table of the dashboard as CSV, with the same filters as the page.
func (h *Web) dashboardCSV(w http.ResponseWriter, r *http.Request) error {
	d, t, name, err := h.dashboardTableFor(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="survey-%d-%s.csv"`, d.Survey.ID, name))
	c, err := export.NewCSV(w, t.Columns...)
	if err != nil {
		return nil // the client went away
	}
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = dashCellText(v)
		}
		if err := c.Row(cells...); err != nil {
			return nil
		}
	}
	_ = c.Close()
	return nil
}

// dashboardTableDoc is a table of the dashboard as JSON.
type dashboardTableDoc struct {
	Survey    int64    `json:"survey_id"`
	Table     string   `json:"table"`
	Filter    any      `json:"filter"`
	Weighting string   `json:"weighting"`
	Unit      string   `json:"unit"`
	Columns   []string `json:"columns"`
	Rows      [][]any  `json:"rows"`
}

// dashboardJSON writes a table of the dashboard as JSON: the columns and the rows, hidden
// figures as null.
func (h *Web) dashboardJSON(w http.ResponseWriter, r *http.Request) error {
	d, t, name, err := h.dashboardTableFor(r)
	if err != nil {
		return err
	}
	rows := t.Rows
	if rows == nil {
		rows = [][]any{}
	}
	doc := dashboardTableDoc{Survey: d.Survey.ID, Table: name, Weighting: Unweighted, Unit: d.Unit, Columns: t.Columns, Rows: rows,
		Filter: map[string]any{"from": d.Filter.From, "to": d.Filter.To, "channel": d.Filter.Channel, "place": d.Filter.PlaceID}}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="survey-%d-%s.json"`, d.Survey.ID, name))
	return json.NewEncoder(w).Encode(doc)
}

// compareData is what survey_compare.html shows.
type compareData struct {
	C     Comparison
	Chart *chart.Chart
	Items []web.Option
	// Asked: at least one survey was chosen.
	Asked bool
}

func (h *Web) comparePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	form := &web.Form{Values: r.URL.Query()}
	in, ierr := ParseCompareInput(r.URL.Query())
	data := compareData{}
	for _, id := range CompareItems {
		if q, ok := coreQuestion(id); ok {
			data.Items = append(data.Items, web.Option{Value: id, Label: ItemLabel(q) + ": “" + q.Text + "”"})
		}
	}
	status := http.StatusOK
	if ierr != nil {
		ve, ok := valid.As(ierr)
		if !ok {
			return ierr
		}
		form.Errors = ve
		status = http.StatusUnprocessableEntity
		choices, err := h.Svc.CompareChoices(ctx)
		if err != nil {
			return err
		}
		data.C = Comparison{Input: in, Choices: choices}
	} else {
		c, err := h.Svc.Compare(ctx, in)
		if err != nil {
			return err
		}
		data.C = c
		data.Asked = len(in.Surveys) > 0
		data.Chart = compareChart(c)
	}
	if form.Get("item") == "" {
		form.Values.Set("item", QOverall)
	}
	h.Render.Render(w, r, status, "satisfaction/survey_compare", web.Page{Title: "Compare surveys", Data: data, Form: form,
		Breadcrumbs: []web.Crumb{{Label: "Surveys", URL: "/surveys"}, {Label: "Compare"}}})
	return nil
}

// SurveyOptions are the checkboxes of the surveys the user may compare.
func (d compareData) SurveyOptions() []web.Option {
	var out []web.Option
	for _, c := range d.C.Choices {
		out = append(out, web.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Title + " (" + c.OrgName + ")"})
	}
	return out
}

// compareChart draws the comparable surveys' index with its interval.
func compareChart(c Comparison) *chart.Chart {
	rc := chart.Ranges{ID: "compare", Title: "Index of “" + ItemLabel(c.Item) + "” by survey, with 95% intervals", Max: 100,
		RangeName: "95% interval", LowName: "Lower", HighName: "Upper", MarkName: "Index", CategoryName: "Survey",
		TableCaption: "Index of “" + ItemLabel(c.Item) + "” by survey (unweighted; surveys not comparable or with a hidden figure are left out)"}
	for _, row := range c.Rows {
		if !row.Comparable || row.Figure.Hidden() { // said in the table
			continue
		}
		sp := chart.Span{Label: row.Survey.Title + " (" + row.Survey.OrgName + ")", Low: row.Figure.Est.Lower, Mid: math.NaN(),
			High: row.Figure.Est.Upper, Mark: row.Figure.Est.Value}
		rc.Rows = append(rc.Rows, sp)
	}
	if len(rc.Rows) == 0 {
		return nil
	}
	ch := rc.Draw()
	return &ch
}

// publicResultsData is what survey_results_public.html shows.
type publicResultsData struct {
	P         PublicResults
	Trademark string
}

// publicCache keeps the public results of each survey for a short while: the page is public,
// so a crowd must not cost a query each.
type publicCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[string]publicEntry
}

type publicEntry struct {
	at  time.Time
	res PublicResults
	err error // db.ErrNotFound is kept too, so unknown codes cost no query either
}

// maxPublicEntries bounds the cache; when full, expired entries go, then everything.
const maxPublicEntries = 2000

func (c *publicCache) get(code string, load func() (PublicResults, error)) (PublicResults, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[code]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < c.ttl {
		return e.res, e.err
	}
	res, err := load()
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return res, err
	}
	c.mu.Lock()
	if len(c.entries) >= maxPublicEntries {
		for k, old := range c.entries {
			if now.Sub(old.at) >= c.ttl {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxPublicEntries {
			clear(c.entries)
		}
	}
	c.entries[code] = publicEntry{at: now, res: res, err: err}
	c.mu.Unlock()
	return res, err
}

func (h *Web) publicResultsPage(w http.ResponseWriter, r *http.Request, cache *publicCache) error {
	code := r.PathValue("code")
	if code == "" || len(code) > 64 {
		return db.ErrNotFound
	}
	p, err := cache.get(code, func() (PublicResults, error) { return h.Svc.PublicResults(r.Context(), code) })
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "satisfaction/survey_results_public", web.Page{Title: "Results: " + p.Survey.Title,
		Data: publicResultsData{P: p, Trademark: Trademark}})
	return nil
}
