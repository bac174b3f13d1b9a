package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/chart"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/export"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// outcomeRoutes registers the place outcomes pages (turn the curve, results, indicators,
// observations and their import, program performance measures) and their API.
func (h *Web) outcomeRoutes(rt *web.Router) {
	rt.Page("GET", "/outcomes", web.Public, h.outcomeIndex)
	rt.Page("GET", "/places/{id}/outcomes", web.Public, h.outcomePlace)
	rt.Page("GET", "/places/{id}/outcomes/new", web.SignedIn, h.resultNew)
	rt.Page("POST", "/places/{id}/outcomes", web.SignedIn, h.resultCreate)
	rt.Page("GET", "/places/{id}/outcomes/{result_id}", web.Public, h.resultShow)
	rt.Page("GET", "/places/{id}/outcomes/{result_id}/edit", web.SignedIn, h.resultEdit)
	rt.Page("POST", "/places/{id}/outcomes/{result_id}", web.SignedIn, h.resultUpdate)
	rt.Page("POST", "/places/{id}/outcomes/{result_id}/delete", web.SignedIn, h.resultDelete)
	rt.Page("GET", "/places/{id}/outcomes/{result_id}/indicators/new", web.SignedIn, h.indicatorNew)
	rt.Page("POST", "/places/{id}/outcomes/{result_id}/indicators", web.SignedIn, h.indicatorCreate)
	rt.Page("GET", "/indicators/{id}", web.Public, h.indicatorShow)
	rt.Page("GET", "/indicators/{id}/edit", web.SignedIn, h.indicatorEdit)
	rt.Page("POST", "/indicators/{id}", web.SignedIn, h.indicatorUpdate)
	rt.Page("POST", "/indicators/{id}/delete", web.SignedIn, h.indicatorDelete)
	rt.Page("POST", "/indicators/{id}/observations", web.SignedIn, h.observationSave)
	rt.Page("POST", "/indicators/{id}/observations/delete", web.SignedIn, h.observationDelete)
	rt.Page("GET", "/indicators/{id}/observations.csv", web.Public, h.observationsCSV)
	rt.Page("GET", "/indicators/{id}/import", web.SignedIn, h.importForm)
	rt.Page("POST", "/indicators/{id}/import", web.SignedIn, h.importPost)
	rt.Page("GET", "/programs/{id}/performance", web.Public, h.performanceShow)
	rt.Page("GET", "/programs/{id}/performance/new", web.SignedIn, h.measureNew)
	rt.Page("POST", "/programs/{id}/performance", web.SignedIn, h.measureCreate)
	h.outcomeAPIRoutes(rt)
}

func ocID(n int64) string { return strconv.FormatInt(n, 10) }

func ocFormID(f *web.Form, name string) int64 {
	n, err := strconv.ParseInt(f.Get(name), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// ---- shared page parts ----

// indicatorView is an indicator drawn on a page: its facts, its curve at the main place with
// the chart and table, and what the viewer may do.
type indicatorView struct {
	Ind     Indicator
	Curve   Curve
	Chart   chart.Chart
	HasData bool
	CanEdit bool
}

// View returns the view itself, for templates given a struct that embeds it.
func (v indicatorView) View() indicatorView { return v }

// viewIndicator draws an indicator's curve at placeID (for a performance measure, the place
// with the most observations).
func viewIndicator(ind Indicator, obs []Observation, placeID int64, placeName string, canEdit bool) indicatorView {
	if ind.Kind == IndicatorPerformance || placeID == 0 {
		count := map[int64]int{}
		best := int64(0)
		for _, o := range obs {
			count[o.PlaceID]++
			if best == 0 || count[o.PlaceID] > count[best] || (count[o.PlaceID] == count[best] && o.PlaceID < best) {
				best = o.PlaceID
			}
		}
		if best != 0 {
			placeID, placeName = best, ""
		}
	}
	c := BuildCurve(ind, obs, placeID, placeName)
	v := indicatorView{Ind: ind, Curve: c, HasData: !c.Empty(), CanEdit: canEdit}
	if v.HasData {
		v.Chart = c.Chart(ind, "indicator-"+ocID(ind.ID))
	}
	return v
}

// observationsByIndicator loads the observations of the indicators, grouped.
func (h *Web) observationsByIndicator(ctx context.Context, inds []Indicator) (map[int64][]Observation, error) {
	ids := make([]int64, len(inds))
	format := map[int64]string{}
	for k, i := range inds {
		ids[k] = i.ID
		format[i.ID] = i.PeriodFormat
	}
	out := map[int64][]Observation{}
	if len(ids) == 0 {
		return out, nil
	}
	obs, err := loadObservations(ctx, h.Svc.DB, ids...)
	if err != nil {
		return nil, err
	}
	for _, o := range obs {
		out[o.IndicatorID] = append(out[o.IndicatorID], o)
	}
	for id, list := range out {
		out[id] = withPeriods(list, format[id])
	}
	return out, nil
}

// placeForOutcomes loads the place of the path: 404 when it is archived (except for site
// admins).
func (h *Web) placeForOutcomes(r *http.Request) (directory.Place, error) {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return directory.Place{}, err
	}
	if h.Svc.Dir == nil {
		return directory.Place{}, db.ErrNotFound
	}
	return h.Svc.Dir.Place(r.Context(), pid)
}

// resultOfPath loads the result of the path, which must belong to the place of the path.
func (h *Web) resultOfPath(r *http.Request) (Result, error) {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return Result{}, err
	}
	rid, err := web.PathID(r, "result_id")
	if err != nil {
		return Result{}, err
	}
	res, err := h.Svc.Result(r.Context(), rid)
	if err != nil {
		return Result{}, err
	}
	if res.PlaceID != pid {
		return Result{}, db.ErrNotFound
	}
	return res, nil
}

// ---- lists ----

type outcomeIndexData struct {
	Places    []outcomePlaceGroup
	CanCreate bool
}

type outcomePlaceGroup struct {
	PlaceID   int64
	PlaceName string
	Results   []Result
}

func (h *Web) outcomeIndex(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	rs, err := h.Svc.ResultsWithIndicators(ctx, ResultFilter{})
	if err != nil {
		return err
	}
	d := outcomeIndexData{CanCreate: CanCreateResult(authz.From(ctx))}
	for _, res := range rs {
		if n := len(d.Places); n == 0 || d.Places[n-1].PlaceID != res.PlaceID {
			d.Places = append(d.Places, outcomePlaceGroup{PlaceID: res.PlaceID, PlaceName: res.PlaceName})
		}
		g := &d.Places[len(d.Places)-1]
		g.Results = append(g.Results, res)
	}
	h.Render.OK(w, r, "learning/outcome_index", web.Page{Title: "Place outcomes", Breadcrumbs: []web.Crumb{{Label: "Place outcomes"}}, Data: d})
	return nil
}

type outcomePlaceData struct {
	Place     directory.Place
	Results   []resultView
	CanCreate bool
}

type resultView struct {
	Result     Result
	Indicators []indicatorView
	CanEdit    bool
}

func (h *Web) outcomePlace(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	place, err := h.placeForOutcomes(r)
	if err != nil {
		return err
	}
	rs, err := h.Svc.ResultsWithIndicators(ctx, ResultFilter{PlaceID: place.ID})
	if err != nil {
		return err
	}
	var inds []Indicator
	for _, res := range rs {
		inds = append(inds, res.Indicators...)
	}
	obs, err := h.observationsByIndicator(ctx, inds)
	if err != nil {
		return err
	}
	p := authz.From(ctx)
	d := outcomePlaceData{Place: place, CanCreate: CanCreateResult(p) && !place.Archived}
	for _, res := range rs {
		rv := resultView{Result: res, CanEdit: CanEditResult(p, res)}
		for _, i := range res.Indicators {
			rv.Indicators = append(rv.Indicators, viewIndicator(i, obs[i.ID], res.PlaceID, res.PlaceName, rv.CanEdit))
		}
		d.Results = append(d.Results, rv)
	}
	h.Render.OK(w, r, "learning/outcome_place", web.Page{Title: "Outcomes in " + place.Name,
		Breadcrumbs: []web.Crumb{{Label: "Places", URL: "/places"}, {Label: place.Name, URL: "/places/" + ocID(place.ID)}, {Label: "Outcomes"}}, Data: d})
	return nil
}

// ---- the turn-the-curve page ----

// linkedRecord is a record linked to a result, as the page lists it.
type linkedRecord struct {
	LinkID    int64
	Title     string
	URL       string
	KindLabel string
	Relation  string
	Note      string
	CanDelete bool
	Back      string // the page to return to after removing the link
}

type resultShowData struct {
	resultView
	Story      template.HTML
	Partners   []string
	WhatWorks  []linkedRecord
	ActionPlan []linkedRecord
	Other      []linkedRecord
	CanLink    bool
	LinkKinds  map[string]bool // the kinds of record the link forms may name
	Back       string
}

func (h *Web) resultShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	res, err := h.resultOfPath(r)
	if err != nil {
		return err
	}
	obs, err := h.observationsByIndicator(ctx, res.Indicators)
	if err != nil {
		return err
	}
	p := authz.From(ctx)
	d := resultShowData{resultView: resultView{Result: res, CanEdit: CanEditResult(p, res)}, Story: Markdown(res.Story),
		Partners: res.PartnerList(), Back: res.URL(), LinkKinds: map[string]bool{}}
	for _, i := range res.Indicators {
		d.Indicators = append(d.Indicators, viewIndicator(i, obs[i.ID], res.PlaceID, res.PlaceName, d.CanEdit))
	}
	if dir := h.Svc.Dir; dir != nil {
		set, err := dir.LinksOf(ctx, ResultKind, res.ID)
		if err != nil {
			return err
		}
		add := func(kind string, rec linkedRecord) {
			switch kind {
			case "learning":
				d.WhatWorks = append(d.WhatWorks, rec)
			case "commitment", "plan":
				d.ActionPlan = append(d.ActionPlan, rec)
			default:
				d.Other = append(d.Other, rec)
			}
		}
		for _, l := range set.Outgoing {
			add(l.ToKind, linkedRecord{LinkID: l.ID, Title: l.ToTitle, URL: l.ToURL, KindLabel: l.ToKindLabel, Relation: l.RelationLabel, Note: l.Note, CanDelete: l.CanDelete, Back: res.URL()})
		}
		for _, l := range set.Incoming {
			add(l.FromKind, linkedRecord{LinkID: l.ID, Title: l.FromTitle, URL: l.FromURL, KindLabel: l.FromKindLabel, Relation: l.InverseLabel, Note: l.Note, CanDelete: l.CanDelete, Back: res.URL()})
		}
		d.CanLink = dir.CanLinkFrom(ctx, ResultKind, res.ID)
		for _, k := range dir.LinkKinds() {
			d.LinkKinds[k.Value] = true
		}
	}
	h.Render.OK(w, r, "learning/outcome_result", web.Page{Title: res.Title, Breadcrumbs: []web.Crumb{{Label: "Places", URL: "/places"},
		{Label: res.PlaceName, URL: "/places/" + ocID(res.PlaceID)}, {Label: "Outcomes", URL: "/places/" + ocID(res.PlaceID) + "/outcomes"}, {Label: res.Title}}, Data: d})
	return nil
}

// ---- result forms ----

type resultFormData struct {
	Result Result
	Place  directory.Place
	Places []web.Option
	Orgs   []web.Option
	Action string
	Cancel string
}

// ocOrgOptions lists the organisations a result may be owned by: those the principal
// manages (every one for site admins), with the result's current owner kept.
func (h *Web) ocOrgOptions(ctx context.Context, keep int64) ([]web.Option, error) {
	p := authz.From(ctx)
	var out []web.Option
	err := db.Each(ctx, h.Svc.DB, "SELECT id, name, archived_at IS NOT NULL FROM organisations ORDER BY lower(name), id", nil, func(rows *sql.Rows) error {
		var id int64
		var name string
		var archived bool
		if err := rows.Scan(&id, &name, &archived); err != nil {
			return err
		}
		if id == keep || (!archived && p.Can(authz.Manage, id)) {
			out = append(out, web.Option{Value: ocID(id), Label: name})
		}
		return nil
	})
	return out, err
}

// ocPlaceOptions lists the live places (and keep) for a select, "Name (kind)".
func (h *Web) ocPlaceOptions(ctx context.Context, keep int64) ([]web.Option, error) {
	var out []web.Option
	err := db.Each(ctx, h.Svc.DB, "SELECT id, name, kind, archived_at IS NOT NULL FROM places ORDER BY lower(name), id", nil, func(rows *sql.Rows) error {
		var id int64
		var name, kind string
		var archived bool
		if err := rows.Scan(&id, &name, &kind, &archived); err != nil {
			return err
		}
		if !archived || id == keep {
			out = append(out, web.Option{Value: ocID(id), Label: name + " (" + directory.Label(directory.PlaceKinds, kind) + ")"})
		}
		return nil
	})
	return out, err
}

func (h *Web) resultFormPage(r *http.Request, res Result, place directory.Place, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	d := resultFormData{Result: res, Place: place}
	var err error
	if d.Places, err = h.ocPlaceOptions(ctx, res.PlaceID); err != nil {
		return web.Page{}, err
	}
	if d.Orgs, err = h.ocOrgOptions(ctx, res.OrgID); err != nil {
		return web.Page{}, err
	}
	title := "Add a result for " + place.Name
	d.Action, d.Cancel = "/places/"+ocID(place.ID)+"/outcomes", "/places/"+ocID(place.ID)+"/outcomes"
	crumbs := []web.Crumb{{Label: place.Name, URL: "/places/" + ocID(place.ID)}, {Label: "Outcomes", URL: d.Cancel}, {Label: "Add a result"}}
	if res.ID != 0 {
		title = "Edit " + res.Title
		d.Action, d.Cancel = res.URL(), res.URL()
		crumbs = []web.Crumb{{Label: place.Name, URL: "/places/" + ocID(place.ID)}, {Label: res.Title, URL: res.URL()}, {Label: "Edit"}}
	}
	return web.Page{Title: title, Form: f, Breadcrumbs: crumbs, Data: d}, nil
}

func resultInputFrom(f *web.Form) ResultInput {
	return ResultInput{PlaceID: ocFormID(f, "place_id"), Title: f.Get("title"), Story: f.Get("story"), Partners: f.Get("partners"),
		OrgID: max(ocFormID(f, "organisation_id"), 0)}
}

func (h *Web) resultNew(w http.ResponseWriter, r *http.Request) error {
	place, err := h.placeForOutcomes(r)
	if err != nil {
		return err
	}
	if !CanCreateResult(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	f := web.FormOf(map[string]string{"place_id": ocID(place.ID)})
	page, err := h.resultFormPage(r, Result{PlaceID: place.ID}, place, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/outcome_result_form", page)
	return nil
}

func (h *Web) resultCreate(w http.ResponseWriter, r *http.Request) error {
	place, err := h.placeForOutcomes(r)
	if err != nil {
		return err
	}
	if !CanCreateResult(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	f := web.NewForm(r)
	in := resultInputFrom(f)
	if f.Get("place_id") == "" {
		in.PlaceID = place.ID
	}
	res, err := h.Svc.CreateResult(r.Context(), in)
	if _, ok := valid.As(err); ok {
		page, perr := h.resultFormPage(r, Result{PlaceID: place.ID}, place, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/outcome_result_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, res.URL(), "The result is added. Now add the indicators that measure it.")
}

func (h *Web) editableResultOfPath(r *http.Request) (Result, error) {
	res, err := h.resultOfPath(r)
	if err != nil {
		return res, err
	}
	if !CanEditResult(authz.From(r.Context()), res) {
		return Result{}, authz.ErrForbidden
	}
	return res, nil
}

func (h *Web) resultEdit(w http.ResponseWriter, r *http.Request) error {
	res, err := h.editableResultOfPath(r)
	if err != nil {
		return err
	}
	place, err := h.placeForOutcomes(r)
	if err != nil {
		return err
	}
	f := web.FormOf(map[string]string{"place_id": ocID(res.PlaceID), "title": res.Title, "story": res.Story, "partners": res.Partners,
		"organisation_id": map[bool]string{true: ocID(res.OrgID), false: ""}[res.OrgID != 0]})
	page, err := h.resultFormPage(r, res, place, f)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/outcome_result_form", page)
	return nil
}

func (h *Web) resultUpdate(w http.ResponseWriter, r *http.Request) error {
	res, err := h.editableResultOfPath(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in := resultInputFrom(f)
	if f.Get("place_id") == "" {
		in.PlaceID = res.PlaceID
	}
	saved, err := h.Svc.UpdateResult(r.Context(), res.ID, in)
	if _, ok := valid.As(err); ok {
		place, perr := h.placeForOutcomes(r)
		if perr != nil {
			return perr
		}
		page, perr := h.resultFormPage(r, res, place, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/outcome_result_form", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, saved.URL(), "The result is saved.")
}

func (h *Web) resultDelete(w http.ResponseWriter, r *http.Request) error {
	res, err := h.resultOfPath(r)
	if err != nil {
		return err
	}
	if _, err := h.Svc.DeleteResult(r.Context(), res.ID); err != nil {
		return err
	}
	return web.Redirect(w, r, "/places/"+ocID(res.PlaceID)+"/outcomes", "“"+res.Title+"” and its indicators are deleted.")
}

// ---- indicator forms ----

type indicatorFormData struct {
	Ind         Indicator
	Performance bool
	Questions   []web.Option
	Directions  []web.Option
	Formats     []web.Option
	Geographies []web.Option
	Action      string
	Cancel      string
	HasFigures  bool
}

func (h *Web) indicatorFormPage(ind Indicator, title string, crumbs []web.Crumb, action, cancel string, f *web.Form) web.Page {
	return web.Page{Title: title, Form: f, Breadcrumbs: crumbs, Data: indicatorFormData{Ind: ind, Performance: ind.Kind == IndicatorPerformance,
		Questions: PerformanceQuestions, Directions: GoodDirections, Formats: PeriodFormats, Geographies: directory.PlaceKinds,
		Action: action, Cancel: cancel}}
}

// indicatorInputFrom reads the form; a target that is not a number is a field error.
func indicatorInputFrom(f *web.Form) (IndicatorInput, valid.Errors) {
	in := IndicatorInput{Name: f.Get("name"), Definition: f.Get("definition"), Unit: f.Get("unit"), GoodDirection: f.Get("good_direction"),
		Source: f.Get("source"), GeographyLevel: f.Get("geography_level"), TargetPeriod: f.Get("target_period"),
		PeriodFormat: f.Get("period_format"), BaselineEnd: f.Get("baseline_end"), Illustrative: f.Bool("illustrative"), Question: f.Get("question")}
	if s := f.Get("target_value"); s != "" {
		v, msg := parseObsValue(s)
		if msg != "" {
			return in, valid.Errors{"target_value": "Enter the target as a number, e.g. 65.5."}
		}
		in.TargetValue = &v
	}
	return in, nil
}

func indicatorFormValues(i Indicator) *web.Form {
	m := map[string]string{"name": i.Name, "definition": i.Definition, "unit": i.Unit, "good_direction": i.GoodDirection,
		"source": i.Source, "geography_level": i.GeographyLevel, "target_period": i.TargetPeriod, "period_format": i.PeriodFormat,
		"baseline_end": i.BaselineEnd, "question": i.Question}
	if i.TargetValue != nil {
		m["target_value"] = strconv.FormatFloat(*i.TargetValue, 'f', -1, 64)
	}
	if i.Illustrative {
		m["illustrative"] = "on"
	}
	return web.FormOf(m)
}

// withInputErrors merges the errors of reading the form with those of the service.
func withInputErrors(err error, read valid.Errors) error {
	if len(read) == 0 {
		return err
	}
	ve, _ := valid.As(err)
	out := valid.Errors{}
	for k, v := range ve {
		out[k] = v
	}
	for k, v := range read {
		out[k] = v
	}
	return out
}

func (h *Web) indicatorNew(w http.ResponseWriter, r *http.Request) error {
	res, err := h.editableResultOfPath(r)
	if err != nil {
		return err
	}
	f := web.FormOf(map[string]string{"good_direction": "up", "period_format": PeriodYear, "geography_level": h.placeKind(r.Context(), res.PlaceID)})
	h.Render.OK(w, r, "learning/outcome_indicator_form", h.newIndicatorPage(res, f))
	return nil
}

func (h *Web) placeKind(ctx context.Context, placeID int64) string {
	var kind string
	_ = h.Svc.DB.QueryRow(ctx, "SELECT kind FROM places WHERE id = ?", placeID).Scan(&kind)
	return kind
}

func (h *Web) newIndicatorPage(res Result, f *web.Form) web.Page {
	return h.indicatorFormPage(Indicator{Kind: IndicatorPopulation}, "Add an indicator of “"+res.Title+"”",
		[]web.Crumb{{Label: res.PlaceName, URL: "/places/" + ocID(res.PlaceID)}, {Label: res.Title, URL: res.URL()}, {Label: "Add an indicator"}},
		res.URL()+"/indicators", res.URL(), f)
}

func (h *Web) indicatorCreate(w http.ResponseWriter, r *http.Request) error {
	res, err := h.editableResultOfPath(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in, readErrs := indicatorInputFrom(f)
	var ind Indicator
	if len(readErrs) == 0 {
		ind, err = h.Svc.CreateIndicator(r.Context(), res.ID, in)
	} else {
		in.normalize()
		err = withInputErrors(in.validate(IndicatorPopulation), readErrs)
	}
	if _, ok := valid.As(err); ok {
		h.Render.Invalid(w, r, "learning/outcome_indicator_form", h.newIndicatorPage(res, f), err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, ind.URL(), "The indicator is added. Now enter or import its figures.")
}

func (h *Web) editableIndicatorOfPath(r *http.Request) (Indicator, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return Indicator{}, err
	}
	ind, err := h.Svc.Indicator(r.Context(), id)
	if err != nil {
		return ind, err
	}
	if !h.Svc.CanEditIndicator(r.Context(), ind) {
		return Indicator{}, authz.ErrForbidden
	}
	return ind, nil
}

func (h *Web) editIndicatorPage(ind Indicator, f *web.Form) web.Page {
	return h.indicatorFormPage(ind, "Edit “"+ind.Name+"”",
		[]web.Crumb{{Label: ind.BackTitle(), URL: ind.Back()}, {Label: ind.Name, URL: ind.URL()}, {Label: "Edit"}},
		ind.URL(), ind.URL(), f)
}

func (h *Web) indicatorEdit(w http.ResponseWriter, r *http.Request) error {
	ind, err := h.editableIndicatorOfPath(r)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/outcome_indicator_form", h.editIndicatorPage(ind, indicatorFormValues(ind)))
	return nil
}

func (h *Web) indicatorUpdate(w http.ResponseWriter, r *http.Request) error {
	ind, err := h.editableIndicatorOfPath(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in, readErrs := indicatorInputFrom(f)
	if len(readErrs) == 0 {
		_, err = h.Svc.UpdateIndicator(r.Context(), ind.ID, in)
	} else {
		in.normalize()
		err = withInputErrors(in.validate(ind.Kind), readErrs)
	}
	if _, ok := valid.As(err); ok {
		h.Render.Invalid(w, r, "learning/outcome_indicator_form", h.editIndicatorPage(ind, f), err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, ind.URL(), "The indicator is saved.")
}

func (h *Web) indicatorDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ind, err := h.Svc.DeleteIndicator(r.Context(), id)
	if err != nil {
		return err
	}
	return web.Redirect(w, r, ind.Back(), "“"+ind.Name+"” and its figures are deleted.")
}

// ---- the indicator page and its observations ----

type indicatorShowData struct {
	indicatorView
	Observations []Observation
	Places       []web.Option
	Formats      []web.Option
}

func (h *Web) indicatorPage(r *http.Request, ind Indicator, f *web.Form) (web.Page, error) {
	ctx := r.Context()
	obs, err := loadObservations(ctx, h.Svc.DB, ind.ID)
	if err != nil {
		return web.Page{}, err
	}
	obs = withPeriods(obs, ind.PeriodFormat)
	canEdit := h.Svc.CanEditIndicator(ctx, ind)
	d := indicatorShowData{indicatorView: viewIndicator(ind, obs, ind.PlaceID, ind.PlaceName, canEdit), Observations: obs, Formats: PeriodFormats}
	if canEdit {
		if d.Places, err = h.ocPlaceOptions(ctx, 0); err != nil {
			return web.Page{}, err
		}
		if f == nil {
			def := ind.PlaceID
			if def == 0 {
				def = d.Curve.PlaceID
			}
			f = web.FormOf(map[string]string{"place_id": map[bool]string{true: ocID(def), false: ""}[def != 0]})
		}
	}
	return web.Page{Title: ind.Name, Form: f, Breadcrumbs: []web.Crumb{{Label: ind.BackTitle(), URL: ind.Back()}, {Label: ind.Name}}, Data: d}, nil
}

func (h *Web) indicatorShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ind, err := h.Svc.Indicator(r.Context(), id)
	if err != nil {
		return err
	}
	page, err := h.indicatorPage(r, ind, nil)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/outcome_indicator", page)
	return nil
}

func (h *Web) observationSave(w http.ResponseWriter, r *http.Request) error {
	ind, err := h.editableIndicatorOfPath(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in := ObservationInput{PlaceID: max(ocFormID(f, "place_id"), 0), Period: f.Get("period"), Provisional: f.Bool("provisional"), Note: f.Get("note")}
	var readErr valid.Errors
	if v, msg := parseObsValue(f.Get("value")); msg != "" {
		in.badValue = true
		readErr = valid.Errors{"value": msg}
	} else {
		in.Value = &v
	}
	rep, err := h.Svc.SaveObservation(r.Context(), ind.ID, in)
	if _, ok := valid.As(err); ok {
		ve := rep.ErrorsByField()
		delete(ve, "file")
		for k, v := range readErr {
			ve[k] = v
		}
		if len(ve) == 0 {
			ve = valid.Errors{"period": "The figure could not be saved."}
		}
		page, perr := h.indicatorPage(r, ind, f)
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "learning/outcome_indicator", page, ve)
		return nil
	} else if err != nil {
		return err
	}
	msg := "The figure is saved."
	if len(rep.Rows) == 1 {
		row := rep.Rows[0]
		msg = fmt.Sprintf("The figure for %s in %s is saved.", row.PeriodLabel, row.PlaceName)
		if row.Change == "update" {
			msg = fmt.Sprintf("The figure for %s in %s is replaced.", row.PeriodLabel, row.PlaceName)
		}
	}
	return web.Redirect(w, r, ind.URL()+"#observations", msg)
}

func (h *Web) observationDelete(w http.ResponseWriter, r *http.Request) error {
	ind, err := h.editableIndicatorOfPath(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	placeID := ocFormID(f, "place_id")
	if placeID <= 0 || f.Get("period") == "" {
		return &api.BadRequest{Msg: "Say which figure to remove: use the Remove button beside it."}
	}
	if err := h.Svc.DeleteObservation(r.Context(), ind.ID, placeID, f.Get("period")); err != nil {
		if ve, ok := valid.As(err); ok {
			return &api.BadRequest{Msg: ve["period"]}
		}
		return err
	}
	return web.Redirect(w, r, ind.URL()+"#observations", "The figure is removed.")
}

func (h *Web) observationsCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ind, err := h.Svc.Indicator(r.Context(), id)
	if err != nil {
		return err
	}
	obs, err := h.Svc.Observations(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fmt.Sprintf("indicator-%d.csv", ind.ID)}))
	c, err := export.NewCSV(w, "place_code", "place_id", "place_name", "period", "value", "provisional", "note", "illustrative")
	if err != nil {
		return err
	}
	yes := map[bool]string{true: "yes", false: "no"}
	for _, o := range obs {
		if err := c.Row(o.PlaceCode, ocID(o.PlaceID), o.PlaceName, o.Period, strconv.FormatFloat(o.Value, 'f', -1, 64), yes[o.Provisional], o.Note, yes[ind.Illustrative]); err != nil {
			return err
		}
	}
	return c.Close()
}

// ---- import ----

type importData struct {
	Ind     Indicator
	Formats []web.Option
	Report  *ImportReport
	CSV     string // the text being imported, carried to the confirmation
	Preview bool
}

func (h *Web) importPage(ind Indicator, f *web.Form, d importData) web.Page {
	d.Ind, d.Formats = ind, PeriodFormats
	return web.Page{Title: "Import figures for “" + ind.Name + "”", Form: f,
		Breadcrumbs: []web.Crumb{{Label: ind.BackTitle(), URL: ind.Back()}, {Label: ind.Name, URL: ind.URL()}, {Label: "Import"}}, Data: d}
}

func (h *Web) importForm(w http.ResponseWriter, r *http.Request) error {
	ind, err := h.editableIndicatorOfPath(r)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/outcome_import", h.importPage(ind, web.FormOf(map[string]string{"period_format": ind.PeriodFormat}), importData{}))
	return nil
}

// readImport reads the CSV of an import request: an uploaded file, or pasted text (the
// confirmation step sends the text back as "csv").
func readImport(w http.ResponseWriter, r *http.Request) (string, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes*3+(64<<10))
		if err := r.ParseMultipartForm(MaxImportBytes + (64 << 10)); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return "", valid.Errors{"file": fmt.Sprintf("The file is larger than %d KiB: split it into smaller files.", MaxImportBytes>>10)}
			}
			return "", &api.BadRequest{Msg: "The upload could not be read: send it again from the page."}
		}
		if file, _, err := r.FormFile("file"); err == nil {
			defer file.Close()
			data, err := io.ReadAll(io.LimitReader(file, MaxImportBytes+1))
			if err != nil {
				return "", err
			}
			if len(data) > MaxImportBytes {
				return "", valid.Errors{"file": fmt.Sprintf("The file is larger than %d KiB: split it into smaller files.", MaxImportBytes>>10)}
			}
			if len(strings.TrimSpace(string(data))) > 0 {
				return string(data), nil
			}
		}
	}
	for _, name := range []string{"csv", "text"} {
		if s := r.PostFormValue(name); strings.TrimSpace(s) != "" {
			if len(s) > MaxImportBytes {
				return "", valid.Errors{"text": fmt.Sprintf("The text is longer than %d KiB: split it.", MaxImportBytes>>10)}
			}
			return s, nil
		}
	}
	return "", valid.Errors{"file": "Choose a CSV file, or paste the figures."}
}

func (h *Web) importPost(w http.ResponseWriter, r *http.Request) error {
	ind, err := h.editableIndicatorOfPath(r)
	if err != nil {
		return err
	}
	text, err := readImport(w, r)
	f := web.NewForm(r)
	if ve, ok := valid.As(err); ok {
		h.Render.Invalid(w, r, "learning/outcome_import", h.importPage(ind, f, importData{}), ve)
		return nil
	} else if err != nil {
		return err
	}
	lines, pre := ParseObservationCSV([]byte(text))
	confirm := f.Get("confirm") == "1"
	batch := ObservationBatch{PeriodFormat: f.Get("period_format"), Observations: lines}
	rep, err := h.Svc.ImportObservations(r.Context(), ind.ID, batch, pre, confirm)
	if ve, ok := valid.As(err); ok {
		if pf := rep.ErrorsByField()["period_format"]; pf != "" {
			ve = valid.Errors{"period_format": pf}
		}
		h.Render.Invalid(w, r, "learning/outcome_import", h.importPage(ind, f, importData{Report: &rep}), ve)
		return nil
	} else if err != nil {
		return err
	}
	if !confirm {
		h.Render.OK(w, r, "learning/outcome_import", h.importPage(ind, f, importData{Report: &rep, CSV: text, Preview: true}))
		return nil
	}
	return web.Redirect(w, r, ind.URL()+"#observations", fmt.Sprintf("The figures are imported: %d added, %d replaced, %d unchanged.", rep.Added, rep.Updated, rep.Unchanged))
}

// ---- program performance ----

type performanceData struct {
	Program  directory.Program
	Sections []performanceSection
	CanEdit  bool
}

type performanceSection struct {
	Question string
	Label    string
	Hint     string
	Measures []indicatorView
}

var questionHints = map[string]string{
	QuestionHowMuch:   "The quantity of effort: how many people were served, how many activities were delivered.",
	QuestionHowWell:   "The quality of effort: timeliness, satisfaction, the share of activities done well.",
	QuestionBetterOff: "The quantity and quality of effect: how many, and what share, of the people served are better off.",
}

func (h *Web) programForPerformance(r *http.Request) (directory.Program, error) {
	pid, err := web.PathID(r, "id")
	if err != nil {
		return directory.Program{}, err
	}
	if h.Svc.Dir == nil {
		return directory.Program{}, db.ErrNotFound
	}
	return h.Svc.Dir.Program(r.Context(), pid)
}

func (h *Web) performanceShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	prog, err := h.programForPerformance(r)
	if err != nil {
		return err
	}
	ms, err := h.Svc.Measures(ctx, prog.ID)
	if err != nil {
		return err
	}
	obs, err := h.observationsByIndicator(ctx, ms)
	if err != nil {
		return err
	}
	d := performanceData{Program: prog, CanEdit: CanEditMeasures(authz.From(ctx), prog)}
	for _, q := range PerformanceQuestions {
		sec := performanceSection{Question: q.Value, Label: q.Label, Hint: questionHints[q.Value]}
		for _, m := range ms {
			if m.Question == q.Value {
				sec.Measures = append(sec.Measures, viewIndicator(m, obs[m.ID], 0, "", d.CanEdit))
			}
		}
		d.Sections = append(d.Sections, sec)
	}
	h.Render.OK(w, r, "learning/outcome_performance", web.Page{Title: prog.Name + ": performance measures",
		Breadcrumbs: []web.Crumb{{Label: "Programs", URL: "/programs"}, {Label: prog.Name, URL: "/programs/" + ocID(prog.ID)}, {Label: "Performance"}}, Data: d})
	return nil
}

func (h *Web) measurePage(prog directory.Program, f *web.Form) web.Page {
	back := "/programs/" + ocID(prog.ID) + "/performance"
	return h.indicatorFormPage(Indicator{Kind: IndicatorPerformance}, "Add a performance measure for "+prog.Name,
		[]web.Crumb{{Label: prog.Name, URL: "/programs/" + ocID(prog.ID)}, {Label: "Performance", URL: back}, {Label: "Add a measure"}},
		back, back, f)
}

func (h *Web) measureNew(w http.ResponseWriter, r *http.Request) error {
	prog, err := h.programForPerformance(r)
	if err != nil {
		return err
	}
	if !CanEditMeasures(authz.From(r.Context()), prog) {
		return authz.ErrForbidden
	}
	q := r.URL.Query().Get("question")
	if !slices.Contains(lrOptionValues(PerformanceQuestions), q) {
		q = ""
	}
	f := web.FormOf(map[string]string{"good_direction": "up", "period_format": PeriodYear, "question": q})
	h.Render.OK(w, r, "learning/outcome_indicator_form", h.measurePage(prog, f))
	return nil
}

func (h *Web) measureCreate(w http.ResponseWriter, r *http.Request) error {
	prog, err := h.programForPerformance(r)
	if err != nil {
		return err
	}
	if !CanEditMeasures(authz.From(r.Context()), prog) {
		return authz.ErrForbidden
	}
	f := web.NewForm(r)
	in, readErrs := indicatorInputFrom(f)
	var ind Indicator
	if len(readErrs) == 0 {
		ind, err = h.Svc.CreateMeasure(r.Context(), prog.ID, in)
	} else {
		in.normalize()
		err = withInputErrors(in.validate(IndicatorPerformance), readErrs)
	}
	if _, ok := valid.As(err); ok {
		h.Render.Invalid(w, r, "learning/outcome_indicator_form", h.measurePage(prog, f), err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, ind.URL(), "The measure is added. Now enter or import its figures.")
}
