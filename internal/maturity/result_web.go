package maturity

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/chart"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/export"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// resultRoutes registers the results pages, the printable report, the exports and the
// improvement plan's forms, then the results API. Every route needs an account; the service
// checks each assessment (those who may not see it get 404; those who see it but not yet its
// results, 403 with the reason).
func (h *Web) resultRoutes(rt *web.Router) {
	rt.Page("GET", "/assessments/{id}/results", web.SignedIn, h.resultsPage)
	rt.Page("GET", "/assessments/{id}/report", web.SignedIn, h.reportPage)
	rt.Page("GET", "/assessments/{id}/export.csv", web.SignedIn, h.exportCSV)
	rt.Page("GET", "/assessments/{id}/export.json", web.SignedIn, h.exportJSON)
	rt.Page("POST", "/assessments/{id}/plan/generate", web.SignedIn, h.planGenerate)
	rt.Page("GET", "/assessments/{id}/actions/new", web.SignedIn, h.actionNew)
	rt.Page("POST", "/assessments/{id}/actions", web.SignedIn, h.actionCreate)
	rt.Page("GET", "/assessments/{id}/actions/{action_id}/edit", web.SignedIn, h.actionEdit)
	rt.Page("POST", "/assessments/{id}/actions/{action_id}", web.SignedIn, h.actionUpdate)
	h.resultAPIRoutes(rt)
}

func resultsURL(id int64, rest string) string {
	return "/assessments/" + strconv.FormatInt(id, 10) + rest
}

func resultCrumbs(a Assessment, here string, hereURL string, last string) []web.Crumb {
	crumbs := []web.Crumb{{Label: "Self-assessments", URL: "/assessments"}, {Label: a.Title, URL: resultsURL(a.ID, "")}}
	if last == "" {
		return append(crumbs, web.Crumb{Label: here})
	}
	return append(crumbs, web.Crumb{Label: here, URL: hereURL}, web.Crumb{Label: last})
}

// resultsData is what the results page and the printable report show.
type resultsData struct {
	R         Report
	Framework Framework
	// Charts, each with its data table: the radar of the top dimensions (nil with fewer than
	// three), the gaps to target, the respondents' spread, and the peers (nil when withheld).
	Radar   *chart.Chart
	Gaps    chart.Chart
	Spread  chart.Chart
	Peers   *chart.Chart
	Actions []Action
	Today   time.Time
	Bench   Benchmark
	By      string
	ByOpts  []web.Option
	CanPlan bool
	// Report is true on the printable report (no forms, every detail open).
	Report  bool
	Printed time.Time
	// Flagged counts the items the agreed answers flag as needing improvement: the plan is
	// drawn from them, or from the largest gaps when there are none.
	Flagged int
}

// Levels lists the pack's levels with the score each starts at and ends before.
func (d resultsData) Levels() []levelBand {
	var out []levelBand
	ls := d.R.Pack.Levels
	for i, l := range ls {
		b := levelBand{Level: l, Upto: 100}
		if i+1 < len(ls) {
			b.Upto, b.Open = ls[i+1].From, true
		}
		b.Current = d.R.Overall.Current.OK && d.R.Overall.Current.Level == l.Label
		b.Target = d.R.Overall.Target.OK && d.R.Overall.Target.Level == l.Label
		out = append(out, b)
	}
	return out
}

// levelBand is one level of the scale: From up to (not including, when Open) Upto.
type levelBand struct {
	Level
	Upto            float64
	Open            bool
	Current, Target bool
}

// Range writes the band: "20 to under 40", "80 to 100".
func (b levelBand) Range() string {
	if b.Open {
		return formatScore(b.From) + " to under " + formatScore(b.Upto)
	}
	return formatScore(b.From) + " to " + formatScore(b.Upto)
}

// OpenActions counts the actions still to be done; Overdue those past their due date.
func (d resultsData) OpenActions() int {
	n := 0
	for _, x := range d.Actions {
		if x.Open() {
			n++
		}
	}
	return n
}

func (d resultsData) Overdue() int {
	n := 0
	for _, x := range d.Actions {
		if x.Overdue(d.Today) {
			n++
		}
	}
	return n
}

// ItemTitle names an action's item: "Be open: We say early …".
func (d resultsData) ItemTitle(key string) string {
	for _, it := range d.R.Items {
		if it.ID == key {
			return d.R.DimensionTitle(it.Dimension) + ": " + clip(it.Statement, 120)
		}
	}
	return key
}

// ItemLevels says where an action's item stands: "Defined → Managed".
func (d resultsData) ItemLevels(key string) string {
	for _, it := range d.R.Items {
		if it.ID == key && it.Agreed {
			if it.Target == "" {
				return it.CurrentLabel
			}
			return it.CurrentLabel + " → " + it.TargetLabel
		}
	}
	return ""
}

// WideItems lists the items whose respondents were half the scale or more apart.
func (d resultsData) WideItems() []ItemResult {
	var out []ItemResult
	for _, it := range d.R.Items {
		if it.Spread.Wide() {
			out = append(out, it)
		}
	}
	return out
}

// Sections are the top-level dimensions with their items and sub-dimensions, for the
// answers by item.
func (d resultsData) Sections() []resultSection {
	var out []resultSection
	for _, dim := range d.R.Dimensions {
		items := d.R.ItemsOf(dim.ID)
		if len(items) == 0 {
			continue
		}
		out = append(out, resultSection{Dimension: dim, Items: items})
	}
	return out
}

type resultSection struct {
	Dimension DimensionResult
	Items     []ItemResult
}

// nan is a score for a chart: its value, or NaN when not scored.
func nan(s Score) float64 {
	if !s.OK {
		return math.NaN()
	}
	return s.Value
}

// charts draws the report's charts.
func charts(rep Report, b Benchmark) (radar *chart.Chart, gaps, spread chart.Chart, peers *chart.Chart) {
	var rings []chart.Ring
	for _, l := range rep.Pack.Levels {
		if l.From > 0 {
			rings = append(rings, chart.Ring{Value: l.From, Label: l.Label})
		}
	}
	rings = append(rings, chart.Ring{Value: 100})
	top := rep.Top()
	if len(top) >= 3 {
		rd := chart.Radar{ID: "radar", Title: "Current and target scores by dimension",
			Rings: rings, TableCaption: "Current and target scores (0–100) by dimension", CategoryName: "Dimension",
			Series: []chart.Series{
				{Name: "Current (agreed)", Style: chart.Solid, Marker: chart.Circle, Fill: true},
				{Name: "Target", Style: chart.Dashed, Marker: chart.Square},
			}}
		for _, d := range top {
			rd.Categories = append(rd.Categories, d.Title)
			rd.Series[0].Values = append(rd.Series[0].Values, nan(d.Current))
			rd.Series[1].Values = append(rd.Series[1].Values, nan(d.Target))
		}
		c := rd.Draw()
		radar = &c
	}
	bars := chart.Bars{ID: "gaps", Title: "Gap between current and target scores", ValueName: "Current", TargetName: "Target", GapName: "Gap to target",
		TableCaption: "Current score, target and gap (0–100)", CategoryName: "Dimension"}
	ranges := chart.Ranges{ID: "spread", Title: "Spread of the respondents' own scores", RangeName: "Lowest to highest respondent",
		LowName: "Lowest respondent", HighName: "Highest respondent", MarkName: "Agreed",
		TableCaption: "Respondents' lowest and highest scores and the agreed score (0–100)", CategoryName: "Dimension"}
	for _, d := range rep.Dimensions {
		bars.Rows = append(bars.Rows, chart.Bar{Label: d.Title, Value: nan(d.Current), Target: nan(d.Target), Indent: d.Depth})
		lo, hi := math.NaN(), math.NaN()
		if d.Spread.N > 0 {
			lo, hi = d.Spread.Min, d.Spread.Max
		}
		ranges.Rows = append(ranges.Rows, chart.Span{Label: d.Title, Low: lo, High: hi, Mid: math.NaN(), Mark: nan(d.Current)})
	}
	gaps, spread = bars.Draw(), ranges.Draw()
	if !b.Withheld && len(b.Dimensions) > 0 {
		pr := chart.Ranges{ID: "peers", Title: "Where you sit among peers", RangeName: "Middle half of peers", LowName: "Lower quartile",
			MidName: "Peers' median", HighName: "Upper quartile", MarkName: "You",
			TableCaption: "Peers' quartiles and your score (0–100)", CategoryName: "Dimension"}
		add := func(d BenchmarkDimension) {
			pr.Rows = append(pr.Rows, chart.Span{Label: d.Title, Low: orNaN(d.LowerQuartile), Mid: orNaN(d.Median), High: orNaN(d.UpperQuartile), Mark: orNaN(d.Score)})
		}
		if b.Overall != nil {
			add(*b.Overall)
		}
		for _, d := range b.Dimensions {
			if d.Depth == 0 {
				add(d)
			}
		}
		c := pr.Draw()
		peers = &c
	}
	return radar, gaps, spread, peers
}

var cohortOptions = []web.Option{
	{Value: "", Label: "All organisations that share their results"},
	{Value: CohortType, Label: "Organisations of the same type"},
	{Value: CohortJurisdiction, Label: "Organisations in the same jurisdiction"},
}

func (h *Web) resultsData(r *http.Request, report bool) (resultsData, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return resultsData{}, err
	}
	ctx := r.Context()
	rep, err := h.Svc.Results(ctx, id)
	if err != nil {
		return resultsData{}, err
	}
	fw, err := h.Svc.Framework(ctx, rep.Assessment.FrameworkID)
	if err != nil {
		return resultsData{}, err
	}
	_, actions, err := h.Svc.Plan(ctx, id)
	if err != nil {
		return resultsData{}, err
	}
	by, err := cohortBy(r)
	if err != nil {
		by = CohortAll
	}
	bench, err := h.Svc.Benchmark(ctx, id, by)
	if err != nil {
		return resultsData{}, err
	}
	d := resultsData{R: rep, Framework: fw, Actions: actions, Today: h.Svc.Now(), Bench: bench, By: by, ByOpts: cohortOptions,
		CanPlan: CanPlan(authz.From(ctx), rep.Assessment), Report: report, Printed: h.Svc.Now()}
	for _, it := range rep.Items {
		if it.Agreed && it.NeedsImprovement {
			d.Flagged++
		}
	}
	d.Radar, d.Gaps, d.Spread, d.Peers = charts(rep, bench)
	return d, nil
}

func (h *Web) resultsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := h.resultsData(r, false)
	if err != nil {
		return err
	}
	a := d.R.Assessment
	h.Render.OK(w, r, "maturity/result", web.Page{Title: "Results: " + a.Title, Data: d, Breadcrumbs: resultCrumbs(a, "Results", "", "")})
	return nil
}

func (h *Web) reportPage(w http.ResponseWriter, r *http.Request) error {
	d, err := h.resultsData(r, true)
	if err != nil {
		return err
	}
	a := d.R.Assessment
	h.Render.OK(w, r, "maturity/report", web.Page{Title: "Report: " + a.Title, Data: d,
		Breadcrumbs: resultCrumbs(a, "Results", resultsURL(a.ID, "/results"), "Report")})
	return nil
}

// exportName is the file name of an export: "assessment-12-results.csv".
func exportName(a Assessment, ext string) string {
	return fmt.Sprintf("assessment-%d-results.%s", a.ID, ext)
}

// exportCSV writes the results as one CSV: a row for the overall score, one per dimension and
// one per item (the agreed answer with its scores), told apart by the first column.
func (h *Web) exportCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := h.Svc.Results(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(rep.Assessment, "csv")+`"`)
	w.Header().Set("Cache-Control", "no-store")
	return WriteResultsCSV(w, rep)
}

// resultsCSVHeader are the CSV's columns.
var resultsCSVHeader = []string{"kind", "id", "parent", "title", "current_choice", "current_label", "current_score", "current_level",
	"target_choice", "target_label", "target_score", "target_level", "gap", "needs_improvement", "reason", "scored", "excluded",
	"respondents", "respondents_min", "respondents_max", "previous_score", "change"}

// WriteResultsCSV writes the report as CSV (see exportCSV).
func WriteResultsCSV(w interface{ Write([]byte) (int, error) }, rep Report) error {
	c, err := export.NewCSV(w, resultsCSVHeader...)
	if err != nil {
		return err
	}
	f := func(v float64, ok bool) string {
		if !ok {
			return ""
		}
		return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	}
	dim := func(kind string, d DimensionResult) error {
		g, gok := d.Gap()
		prev, delta := "", ""
		if rep.HasPrevious {
			prev, delta = f(d.Change.Previous.Value, d.Change.Previous.OK), f(d.Change.Delta, d.Change.OK)
		}
		return c.Row(kind, d.ID, d.Parent, d.Title, "", "", f(d.Current.Value, d.Current.OK), d.Current.Level,
			"", "", f(d.Target.Value, d.Target.OK), d.Target.Level, f(g, gok), "", "",
			strconv.Itoa(d.Current.Answered), strconv.Itoa(d.Current.Excluded),
			strconv.Itoa(d.Spread.N), f(d.Spread.Min, d.Spread.N > 0), f(d.Spread.Max, d.Spread.N > 0), prev, delta)
	}
	if err := dim("overall", rep.Overall); err != nil {
		return err
	}
	for _, d := range rep.Dimensions {
		if err := dim("dimension", d); err != nil {
			return err
		}
	}
	for _, it := range rep.Items {
		g, gok := it.Gap()
		flag := "no"
		if it.NeedsImprovement {
			flag = "yes"
		}
		if err := c.Row("item", it.ID, it.Dimension, it.Statement, it.Current, it.CurrentLabel, f(it.CurrentScore, it.CurrentOK), "",
			it.Target, it.TargetLabel, f(it.TargetScore, it.TargetOK), "", f(g, gok), flag, it.Reason, "", "",
			strconv.Itoa(it.Spread.N), f(it.Spread.Min, it.Spread.N > 0), f(it.Spread.Max, it.Spread.N > 0), "", ""); err != nil {
			return err
		}
	}
	return c.Close()
}

// exportJSON writes the results document with the improvement plan.
func (h *Web) exportJSON(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	rep, err := h.Svc.Results(ctx, id)
	if err != nil {
		return err
	}
	fw, err := h.Svc.Framework(ctx, rep.Assessment.FrameworkID)
	if err != nil {
		return err
	}
	_, actions, err := h.Svc.Plan(ctx, id)
	if err != nil {
		return err
	}
	doc := ResultsDocOf(rep, fw)
	doc.Actions = actionDocs(actions, h.Svc.Now())
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(rep.Assessment, "json")+`"`)
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// --- the improvement plan ---

func (h *Web) planGenerate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	added, err := h.Svc.GeneratePlan(r.Context(), id)
	to := resultsURL(id, "/results#plan")
	if ve, ok := valid.As(err); ok {
		web.SetFlash(w, r, web.Flash{Kind: "error", Message: ve[""]})
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	switch len(added) {
	case 0:
		return web.Redirect(w, r, to, "Nothing to add: every item the plan is drawn from is already in it.")
	case 1:
		return web.Redirect(w, r, to, "1 action added to the improvement plan. Give it an owner and a due date.")
	}
	return web.Redirect(w, r, to, fmt.Sprintf("%d actions added to the improvement plan. Give each an owner and a due date.", len(added)))
}

type actionFormData struct {
	A        Assessment
	Action   Action
	Items    []web.Option
	Statuses []web.Option
	ItemText string
}

func (h *Web) actionFormPage(r *http.Request, x Action, f *web.Form) (web.Page, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return web.Page{}, err
	}
	ctx := r.Context()
	a, err := h.Svc.Assessment(ctx, id)
	if err != nil {
		return web.Page{}, err
	}
	if !CanPlan(authz.From(ctx), a) {
		return web.Page{}, authz.ErrForbidden
	}
	p, err := h.Svc.Pack(ctx, a)
	if err != nil {
		return web.Page{}, err
	}
	d := actionFormData{A: a, Action: x, Statuses: ActionStatuses}
	titles := map[string]string{}
	var walk func(ds []Dimension)
	walk = func(ds []Dimension) {
		for _, dm := range ds {
			titles[dm.ID] = dm.Title
			walk(dm.Dimensions)
		}
	}
	walk(p.Dimensions)
	for _, it := range p.Items() {
		label := titles[it.Dimension] + ": " + clip(it.Statement, 110)
		d.Items = append(d.Items, web.Option{Value: it.ID, Label: label})
		if it.ID == x.ItemKey {
			d.ItemText = label
		}
	}
	title, crumbs := "Add an action", resultCrumbs(a, "Results", resultsURL(a.ID, "/results"), "Add an action")
	if x.ID != 0 {
		title, crumbs = "Change an action", resultCrumbs(a, "Results", resultsURL(a.ID, "/results"), "Change an action")
	}
	return web.Page{Title: title, Form: f, Data: d, Breadcrumbs: crumbs}, nil
}

func actionForm(x Action) *web.Form {
	return web.FormOf(map[string]string{"item": x.ItemKey, "title": x.Title, "guidance": x.Guidance, "owner": x.Owner,
		"due_date": web.DateString(x.Due), "status": x.Status})
}

func (h *Web) actionNew(w http.ResponseWriter, r *http.Request) error {
	x := Action{Status: ActionPlanned}
	page, err := h.actionFormPage(r, x, actionForm(x))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "maturity/action_form", page)
	return nil
}

func (h *Web) actionCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in := ActionInput{ItemKey: f.Get("item"), Title: f.Get("title"), Guidance: f.Values.Get("guidance"), Owner: f.Get("owner"),
		Due: f.Get("due_date"), Status: f.Get("status")}
	x, err := h.Svc.AddAction(r.Context(), id, in)
	if _, ok := valid.As(err); ok {
		page, perr := h.actionFormPage(r, Action{Status: in.Status}, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "maturity/action_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, resultsURL(id, "/results#action-"+strconv.FormatInt(x.ID, 10)), "The action is added to the improvement plan.")
}

func (h *Web) planAction(r *http.Request) (int64, Action, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return 0, Action{}, err
	}
	aid, err := web.PathID(r, "action_id")
	if err != nil {
		return 0, Action{}, err
	}
	_, xs, err := h.Svc.Plan(r.Context(), id)
	if err != nil {
		return 0, Action{}, err
	}
	for _, x := range xs {
		if x.ID == aid {
			return id, x, nil
		}
	}
	return 0, Action{}, db.ErrNotFound
}

func (h *Web) actionEdit(w http.ResponseWriter, r *http.Request) error {
	_, x, err := h.planAction(r)
	if err != nil {
		return err
	}
	page, err := h.actionFormPage(r, x, actionForm(x))
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "maturity/action_form", page)
	return nil
}

func (h *Web) actionUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	aid, err := web.PathID(r, "action_id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	// Only the fields the form sent change: the plan's quick status form sends the status alone.
	var ch ActionChange
	for name, dst := range map[string]**string{"title": &ch.Title, "guidance": &ch.Guidance, "owner": &ch.Owner, "due_date": &ch.Due, "status": &ch.Status} {
		if _, sent := f.Values[name]; sent {
			v := f.Get(name)
			if name == "guidance" {
				v = f.Values.Get(name)
			}
			*dst = &v
		}
	}
	x, err := h.Svc.UpdateAction(r.Context(), id, aid, ch)
	if _, ok := valid.As(err); ok {
		_, old, perr := h.planAction(r)
		if perr != nil {
			return perr
		}
		merged := actionForm(old)
		for k, v := range f.Values {
			merged.Values[k] = v
		}
		page, perr := h.actionFormPage(r, old, merged)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "maturity/action_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, resultsURL(id, "/results#action-"+strconv.FormatInt(x.ID, 10)), "The action is saved: "+x.StatusLabel()+".")
}
