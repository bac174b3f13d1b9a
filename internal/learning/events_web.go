package learning

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

func (h *Web) eventRoutes(rt *web.Router) {
	rt.Page("GET", "/communities/{id}/events/new", web.SignedIn, h.eventNew)
	rt.Page("POST", "/communities/{id}/events", web.SignedIn, h.eventCreate)
	// /events/{id} is the page; /events/{id}.ics the calendar entry (a path wildcard is a
	// whole segment, so one route serves both).
	rt.Page("GET", "/events/{id}", web.Public, h.eventShow)
	rt.Page("GET", "/events/{id}/edit", web.SignedIn, h.eventEdit)
	rt.Page("POST", "/events/{id}", web.SignedIn, h.eventUpdate)
	rt.Page("POST", "/events/{id}/cancel", web.SignedIn, h.eventCancel)
	rt.Page("POST", "/events/{id}/register", web.SignedIn, h.eventRegister)
	rt.Page("POST", "/events/{id}/unregister", web.SignedIn, h.eventUnregister)
}

// eventID reads the {id} of /events/{id} and whether .ics was asked for.
func eventID(r *http.Request) (int64, bool, error) {
	s := r.PathValue("id")
	ics := strings.HasSuffix(s, ".ics")
	id, err := strconv.ParseInt(strings.TrimSuffix(s, ".ics"), 10, 64)
	if err != nil || id <= 0 {
		return 0, false, db.ErrNotFound
	}
	return id, ics, nil
}

func (h *Web) baseURL(r *http.Request) string {
	if h.Svc.BaseURL != nil {
		if b := h.Svc.BaseURL(); b != "" {
			return strings.TrimRight(b, "/")
		}
	}
	return ""
}

type eventShowData struct {
	V           EventView
	Description template.HTML
	CanRegister bool
	Started     bool
	ICS         string
}

func (h *Web) eventShow(w http.ResponseWriter, r *http.Request) error {
	id, ics, err := eventID(r)
	if err != nil {
		return err
	}
	v, err := h.Svc.Event(r.Context(), id)
	if err != nil {
		return err
	}
	if ics {
		join := ""
		if v.ShowJoinLink() {
			join = v.Event.OnlineURL
		}
		body := ICS(v.Event, h.baseURL(r), join)
		hd := w.Header()
		hd.Set("Content-Type", "text/calendar; charset=utf-8")
		hd.Set("Content-Disposition", `attachment; filename="event-`+strconv.FormatInt(id, 10)+`.ics"`)
		hd.Set("X-Content-Type-Options", "nosniff")
		if authz.From(r.Context()).SignedIn() {
			hd.Set("Cache-Control", "private, no-store")
		}
		hd.Set("Content-Length", strconv.Itoa(len(body)))
		_, err := w.Write(body)
		return err
	}
	now := h.Svc.Now()
	d := eventShowData{V: v, Description: Markdown(v.Event.Description), CanRegister: v.CanRegister(now), Started: v.Event.Started(now),
		ICS: v.Event.URL() + ".ics"}
	e := v.Event
	h.Render.OK(w, r, "learning/event_show", web.Page{Title: e.Title, Data: d,
		Breadcrumbs: communityCrumbs(v.Access.Community, web.Crumb{Label: e.Title})})
	return nil
}

// --- create and edit ---

type eventFormData struct {
	A          Access
	Event      Event
	Zones      []web.Option
	Workgroups []web.Option
}

func (h *Web) eventFormPage(w http.ResponseWriter, r *http.Request, status int, a Access, e Event, form *web.Form) error {
	if !a.Manage {
		return authz.ErrForbidden
	}
	wgs, err := h.Svc.Workgroups(r.Context(), a.Community.ID)
	if err != nil {
		return err
	}
	zones := cpOptions(EventZones, func(z string) (string, string) { return z, strings.ReplaceAll(z, "_", " ") })
	if tz := form.Get("time_zone"); tz != "" && !containsOption(zones, tz) {
		zones = append(zones, web.Option{Value: tz, Label: tz})
	}
	title := "New event"
	crumbs := communityCrumbs(a.Community, web.Crumb{Label: "New event"})
	if e.ID != 0 {
		title = "Edit " + e.Title
		crumbs = communityCrumbs(a.Community, web.Crumb{Label: e.Title, URL: e.URL()}, web.Crumb{Label: "Edit"})
	}
	h.Render.Render(w, r, status, "learning/event_form", web.Page{Title: title, Form: form, Breadcrumbs: crumbs,
		Data: eventFormData{A: a, Event: e, Zones: zones, Workgroups: cpOptions(wgs, func(w Workgroup) (string, string) { return cpItoa(w.ID), w.Name })}})
	return nil
}

func containsOption(opts []web.Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// eventInputOf reads the event form: a date, start and end times (and an end date for an
// event over several days), in the chosen zone.
func eventInputOf(f *web.Form) (EventInput, valid.Errors) {
	errs := valid.Errors{}
	in := EventInput{Title: f.Get("title"), Description: f.Get("description"), TimeZone: f.Get("time_zone"), Online: f.Bool("online"),
		OnlineURL: f.Get("online_url"), Venue: f.Get("venue")}
	in.WorkgroupID = cpFormInt(errs, f, "workgroup_id", "Choose a workgroup from the list.")
	if s := f.Get("capacity"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs["capacity"] = "Enter a whole number, or leave it empty for no limit."
		}
		in.Capacity = n
	}
	date, endDate := f.Get("date"), f.Get("end_date")
	var c valid.Checker
	if date == "" {
		c.Add("date", "Enter the date of the event, for example 2026-05-14.")
	} else {
		c.ParseDate("date", date)
	}
	if endDate != "" {
		c.ParseDate("end_date", endDate)
	} else {
		endDate = date
	}
	if f.Get("start_time") == "" {
		c.Add("start_time", "Enter the start time, for example 10:00.")
	}
	if f.Get("end_time") == "" {
		c.Add("end_time", "Enter the end time, for example 12:00.")
	}
	if ve, ok := valid.As(c.Err()); ok {
		for k, v := range ve {
			errs[k] = v
		}
	}
	in.Start, in.End = date+"T"+f.Get("start_time"), endDate+"T"+f.Get("end_time")
	return in, errs
}

// eventFieldErrors moves the service's messages on start and end to the form's fields.
func eventFieldErrors(errs valid.Errors, err error) error {
	ve, ok := valid.As(err)
	if !ok {
		return cpMergeErrors(errs, err)
	}
	moved := valid.Errors{}
	for k, v := range ve {
		switch k {
		case "start":
			k = "start_time"
		case "end":
			k = "end_time"
		}
		moved[k] = v
	}
	return cpMergeErrors(errs, moved)
}

func eventForm(e Event) *web.Form {
	s, en := e.Start(), e.End()
	f := web.FormOf(map[string]string{"title": e.Title, "description": e.Description, "time_zone": e.TimeZone,
		"date": s.Format("2006-01-02"), "start_time": s.Format("15:04"), "end_time": en.Format("15:04"),
		"online_url": e.OnlineURL, "venue": e.Venue})
	if en.Format("2006-01-02") != s.Format("2006-01-02") {
		f.Values.Set("end_date", en.Format("2006-01-02"))
	}
	if e.Online {
		f.Values.Set("online", "on")
	}
	if e.Capacity > 0 {
		f.Values.Set("capacity", strconv.Itoa(e.Capacity))
	}
	if e.WorkgroupID != 0 {
		f.Values.Set("workgroup_id", cpItoa(e.WorkgroupID))
	}
	return f
}

func (h *Web) eventNew(w http.ResponseWriter, r *http.Request) error {
	a, err := h.Svc.Community(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.eventFormPage(w, r, http.StatusOK, a, Event{}, web.FormOf(map[string]string{"time_zone": "Australia/Adelaide",
		"start_time": "10:00", "end_time": "12:00", "workgroup_id": r.URL.Query().Get("workgroup")}))
}

func (h *Web) eventCreate(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("id")
	a, err := h.Svc.Community(r.Context(), ref)
	if err != nil {
		return err
	}
	if !a.Manage {
		return authz.ErrForbidden
	}
	form := web.NewForm(r)
	in, errs := eventInputOf(form)
	var e Event
	if len(errs) == 0 {
		e, err = h.Svc.CreateEvent(r.Context(), ref, in)
	} else {
		// Check the rest too, so that every message shows at once.
		_, _, err = in.check()
		if ve, ok := valid.As(err); ok {
			// A date or time the form already refused makes the service's message on
			// start or end a repeat.
			for _, k := range []string{"date", "end_date", "start_time", "end_time"} {
				if errs[k] != "" {
					delete(ve, "start")
					delete(ve, "end")
				}
			}
			err = ve
			if len(ve) == 0 {
				err = nil
			}
		}
	}
	if err = eventFieldErrors(errs, err); err != nil {
		if ve, ok := valid.As(err); ok {
			form.Errors = ve
			return h.eventFormPage(w, r, http.StatusUnprocessableEntity, a, Event{}, form)
		}
		return err
	}
	return web.Redirect(w, r, e.URL(), "The event is published.")
}

func (h *Web) eventEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.Svc.Event(r.Context(), id)
	if err != nil {
		return err
	}
	return h.eventFormPage(w, r, http.StatusOK, v.Access, v.Event, eventForm(v.Event))
}

func (h *Web) eventUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.Svc.Event(r.Context(), id)
	if err != nil {
		return err
	}
	if !v.Access.Manage {
		return authz.ErrForbidden
	}
	form := web.NewForm(r)
	in, errs := eventInputOf(form)
	var e Event
	if len(errs) == 0 {
		e, err = h.Svc.UpdateEvent(r.Context(), id, in)
	}
	if err = eventFieldErrors(errs, err); err != nil {
		if ve, ok := valid.As(err); ok {
			form.Errors = ve
			return h.eventFormPage(w, r, http.StatusUnprocessableEntity, v.Access, v.Event, form)
		}
		return err
	}
	return web.Redirect(w, r, e.URL(), "The event is saved.")
}

func (h *Web) eventCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.Svc.CancelEvent(r.Context(), id)
	if err != nil {
		return err
	}
	return web.Redirect(w, r, e.URL(), "The event is cancelled; everyone registered or waiting is told by email.")
}

func (h *Web) eventRegister(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	back := "/events/" + strconv.FormatInt(id, 10)
	reg, err := h.Svc.Register(r.Context(), id)
	if err != nil {
		return cpRefusal(w, r, back, err)
	}
	if reg.Status == Waitlisted {
		return web.Redirect(w, r, back, "The event is full: you are number "+strconv.Itoa(reg.Position)+" on the waiting list. If a place comes free, it is yours and you will get an email.")
	}
	return web.Redirect(w, r, back, "You are registered. Add it to your calendar with the calendar entry below.")
}

func (h *Web) eventUnregister(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Svc.Unregister(r.Context(), id); err != nil {
		return err
	}
	return web.Redirect(w, r, "/events/"+strconv.FormatInt(id, 10), "Your registration is cancelled.")
}
