package engagement

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/web"
)

type registerData struct {
	Rows      []Detail
	Total     int
	Filter    Filter
	Orgs      []web.Option
	Places    []web.Option
	Themes    []web.Option
	Statuses  []web.Option
	Prev      string
	Next      string
	CanCreate bool
	Overdue   int
	Now       time.Time
}

// filterOptions lists the organisations, places and themes a filter offers.
func (h *Web) filterOptions(r *http.Request) (orgs, places, themes []web.Option, err error) {
	ctx := r.Context()
	os, err := h.Svc.Dir.Orgs(ctx, directory.ListFilter{})
	if err != nil {
		return nil, nil, nil, err
	}
	for _, o := range os {
		orgs = append(orgs, web.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.DisplayName()})
	}
	ps, err := h.Svc.Dir.Places(ctx, directory.ListFilter{})
	if err != nil {
		return nil, nil, nil, err
	}
	for _, p := range ps {
		places = append(places, web.Option{Value: strconv.FormatInt(p.ID, 10), Label: p.Name})
	}
	names, err := h.Svc.ThemeNames(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, n := range names {
		themes = append(themes, web.Option{Value: n, Label: n})
	}
	return orgs, places, themes, nil
}

func pageURL(f Filter, page int) string {
	q := f.Query()
	if page > 1 {
		if q != "" {
			q += "&"
		}
		q += "page=" + strconv.Itoa(page)
	}
	if q == "" {
		return "/engagements"
	}
	return "/engagements?" + q
}

// register is the public register: every published engagement (and the drafts of the
// viewer's organisations), filtered by organisation, place, theme, status and dates.
func (h *Web) register(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	query := r.URL.Query()
	f, errs := ParseFilter(query)
	rows, total, more, err := h.Svc.Register(ctx, f)
	if err != nil {
		return err
	}
	d := registerData{Rows: rows, Total: total, Filter: f, CanCreate: CanCreate(authz.From(ctx)), Now: h.Svc.Now()}
	if d.Orgs, d.Places, d.Themes, err = h.filterOptions(r); err != nil {
		return err
	}
	for _, s := range FilterStatuses {
		if s.Value == PhaseDraft && !authz.From(ctx).SignedIn() {
			continue
		}
		d.Statuses = append(d.Statuses, web.Option{Value: s.Value, Label: s.Label})
	}
	if f.Page > 1 {
		d.Prev = pageURL(f, f.Page-1)
	}
	if more {
		d.Next = pageURL(f, f.Page+1)
	}
	od, err := h.Svc.Overdue(ctx)
	if err != nil {
		return err
	}
	d.Overdue = len(od)
	form := &web.Form{Values: url.Values(query), Errors: errs}
	page := web.Page{Title: "Engagements", Data: d, Form: form, Breadcrumbs: []web.Crumb{{Label: "Engagements"}}}
	if len(errs) > 0 {
		h.Render.Invalid(w, r, "engagement/register_list", page, errs)
		return nil
	}
	h.Render.OK(w, r, "engagement/register_list", page)
	return nil
}

type overdueData struct {
	Rows []Detail
	Now  time.Time
}

// overdue is the public list of engagements past their report-back date without a report.
func (h *Web) overdue(w http.ResponseWriter, r *http.Request) error {
	rows, err := h.Svc.Overdue(r.Context())
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "engagement/register_overdue", web.Page{Title: "Engagements with an overdue report", Data: overdueData{Rows: rows, Now: h.Svc.Now()},
		Breadcrumbs: []web.Crumb{registerCrumb, {Label: "Overdue reports"}}})
	return nil
}

type loadData struct {
	Loads     []PlaceLoad
	Places    []web.Option
	PlaceID   int64
	Days      int
	Threshold int
	Now       time.Time
}

// load is the consultation load per place: what is open, opening soon and recently closed
// in each place, and the months in which a place is consulted by many at once.
func (h *Web) load(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, errs := ParseFilter(url.Values{"place": r.URL.Query()["place"]})
	loads, err := h.Svc.Load(ctx, f.PlaceID)
	if err != nil {
		return err
	}
	d := loadData{Loads: loads, PlaceID: f.PlaceID, Days: RecentDays, Threshold: BusyThreshold, Now: h.Svc.Now()}
	if _, d.Places, _, err = h.filterOptions(r); err != nil {
		return err
	}
	page := web.Page{Title: "Consultation load by place", Data: d, Form: &web.Form{Values: r.URL.Query(), Errors: errs},
		Breadcrumbs: []web.Crumb{registerCrumb, {Label: "Consultation load"}}}
	if len(errs) > 0 {
		h.Render.Invalid(w, r, "engagement/register_load", page, errs)
		return nil
	}
	h.Render.OK(w, r, "engagement/register_load", page)
	return nil
}
