package engagement

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// API is where the JSON API of engagements lives. {id} is the numeric ID or the slug.
const API = "/api/v1/engagements"

const apiTag = "Engagements"

// StatusInput moves an engagement along: "open" publishes a draft or reopens a closed one,
// "closed" closes an open one.
type StatusInput struct {
	Status string `json:"status"`
}

// StatusResult is the engagement after a change of status, with a warning when its places
// are already consulted by many.
type StatusResult struct {
	Detail
	Warning string `json:"warning,omitempty"`
}

// LoadList is the consultation load per place.
type LoadList struct {
	Items []PlaceLoad `json:"items"`
	// RecentDays and BusyThreshold explain the figures.
	RecentDays    int `json:"recent_days"`
	BusyThreshold int `json:"busy_threshold"`
}

func exampleDetail() Detail {
	at := time.Date(2018, 7, 2, 9, 0, 0, 0, time.UTC)
	e := Engagement{ID: 1, OrgID: 1, OrgName: "Department of the Prime Minister and Cabinet", Title: "Scope of the place-based learning work",
		Summary: "Agencies and stakeholders were asked what the learning work should cover.", Purpose: "To settle the scope of the learning work.",
		Decision: "The scope of works for learning from place-based approaches (AU0019, milestone 1).", NotNegotiable: "That the work learns from existing approaches.",
		Influence: Consult, Affected: "Communities in places with place-based approaches, and the agencies working there.", Status: StatusReported,
		OpensOn: time.Date(2018, 7, 16, 0, 0, 0, 0, time.UTC), ClosesOn: time.Date(2018, 9, 7, 0, 0, 0, 0, time.UTC),
		ReportBackBy: time.Date(2018, 10, 31, 0, 0, 0, 0, time.UTC), Moderation: ModeratePost, ReportThreshold: 3, StatementLimit: 10,
		PartnerIDs: []int64{2}, PlaceIDs: []int64{10}, ProgramIDs: []int64{1}, CreatedAt: at, UpdatedAt: at, PublishedAt: &at}
	return Detail{Engagement: e, Partners: []Ref{{ID: 2, Name: "Department of Social Services"}}, Places: []Ref{{ID: 10, Name: "Logan"}},
		Programs: []Ref{{ID: 1, Name: "Logan Together"}}, PhaseNow: PhaseReported, PromiseText: InfluencePromise(Consult)}
}

func exampleReport() Report {
	at := time.Date(2018, 10, 26, 10, 0, 0, 0, time.UTC)
	q := Quote{ID: 1, EngagementID: 1, SubmissionID: 12, ThemeID: 1, Theme: "Local decision-making", Text: "Decisions about Logan should be made in Logan."}
	return Report{EngagementID: 1, WeAsked: "What the learning work should cover.", YouSaid: "Put communities in charge of local decisions.",
		WeDid: "The scope now starts from local decision-making.", PublishedAt: &at, UpdatedAt: at, Participants: 36, Submissions: 36,
		Themes: []Theme{{ID: 1, EngagementID: 1, Name: "Local decision-making", Response: "It is the first question of the learning framework.",
			Change: "Added to the scope of works.", Submissions: 14, Quotes: []Quote{q}, Links: []directory.Link{}}},
		Quotes: []Quote{q}, Links: []directory.Link{}}
}

func (h *Web) apiRoutes(rt *web.Router) {
	ex := exampleDetail()
	exIn := InputOf(ex.Engagement)
	rep := exampleReport()
	repIn := ReportInput{WeAsked: rep.WeAsked, YouSaid: rep.YouSaid, WeDid: rep.WeDid,
		Themes: []ThemeInput{{ID: 1, Name: "Local decision-making", Response: rep.Themes[0].Response, Change: rep.Themes[0].Change}},
		Quotes: []QuoteInput{{ID: 1, SubmissionID: 12, Theme: "Local decision-making", Text: rep.Quotes[0].Text}}}

	rt.API("GET", API, web.Public, apiTag,
		"List engagements: the published ones, and the drafts of your organisations and their partners (filters: organisation, place (with the places within it), theme, status (upcoming, open, closed, overdue, reported, draft), from, to; cursor pagination)",
		h.apiList, web.Body(nil, api.List[Detail]{Items: []Detail{ex}}))
	rt.API("POST", API, web.SignedIn, apiTag,
		"Create a draft engagement for an organisation you contribute to (publish it with POST …/{id}/status)",
		h.apiCreate, web.Body(exIn, ex))
	rt.API("GET", API+"/load", web.Public, apiTag,
		"The consultation load per place: engagements open, opening soon and closed in the last 90 days, and the months with 3 or more open in one place (filter: place)",
		h.apiLoad, web.Body(nil, LoadList{Items: []PlaceLoad{{Place: Ref{ID: 10, Name: "Logan"}, Open: []Detail{ex}, Upcoming: []Detail{}, Recent: []Detail{}, Busy: []MonthLoad{}}},
			RecentDays: RecentDays, BusyThreshold: BusyThreshold}))
	rt.API("GET", API+"/{id}", web.Public, apiTag, "Get an engagement by ID or slug (drafts only for members of its organisation and partners)",
		h.apiGet, web.Body(nil, ex))
	rt.API("PUT", API+"/{id}", web.SignedIn, apiTag,
		"Edit an engagement (its organisation's managers; its contributors while it is a draft). A published engagement keeps its purpose, decision, influence and dates filled in",
		h.apiUpdate, web.Body(exIn, ex))
	rt.API("POST", API+"/{id}/status", web.SignedIn, apiTag,
		"Publish (draft → open: purpose, decision, influence, dates and report-back date must be filled in), close (open → closed) or reopen (closed → open) an engagement (its organisation's managers)",
		h.apiStatus, web.Body(StatusInput{Status: StatusOpen}, StatusResult{Detail: ex}))
	rt.API("GET", API+"/{id}/report", web.Public, apiTag,
		"Get the \"we asked, you said, we did\" report: public once published; members of the organisation and its partners see it while it is written",
		h.apiReport, web.Body(nil, rep))
	rt.API("PUT", API+"/{id}/report", web.SignedIn, apiTag,
		"Save the report (its organisation's managers): themes in order (left out: deleted; omitted: unchanged), quotes taken word for word from submissions whose authors agreed to be quoted. Errors on themes and quotes are keyed themes[i].field and quotes[i].field",
		h.apiReportSave, web.Body(repIn, rep))
	rt.API("POST", API+"/{id}/report/publish", web.SignedIn, apiTag,
		"Publish the report of a closed engagement (its organisation's managers): the engagement becomes reported and everyone who left an email is told once",
		h.apiReportPublish, web.Body(nil, rep))
}

func (h *Web) apiList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, errs := ParseFilter(url.Values{"organisation": q["organisation"], "place": q["place"], "theme": q["theme"], "status": q["status"], "from": q["from"], "to": q["to"]})
	if errs != nil {
		return &api.BadRequest{Msg: "Some filters could not be read.", Errors: errs}
	}
	f.After, f.Limit = pg.After, pg.Limit
	ds, err := h.Svc.List(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(ds, pg.Limit, func(d Detail) int64 { return d.ID }))
}

func (h *Web) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	d, err := h.Svc.Create(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", API+"/"+strconv.FormatInt(d.ID, 10))
	return api.JSON(w, http.StatusCreated, d)
}

func (h *Web) apiGet(w http.ResponseWriter, r *http.Request) error {
	d, err := h.Svc.Engagement(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, d)
}

func (h *Web) apiUpdate(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	d, err := h.Svc.Update(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, d)
}

func (h *Web) apiStatus(w http.ResponseWriter, r *http.Request) error {
	var in StatusInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	d, warning, err := h.Svc.SetStatus(r.Context(), r.PathValue("id"), in.Status)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, StatusResult{Detail: d, Warning: warning})
}

func (h *Web) apiLoad(w http.ResponseWriter, r *http.Request) error {
	f, errs := ParseFilter(url.Values{"place": r.URL.Query()["place"]})
	if errs != nil {
		return &api.BadRequest{Msg: "The place could not be read.", Errors: errs}
	}
	loads, err := h.Svc.Load(r.Context(), f.PlaceID)
	if err != nil {
		return err
	}
	for i := range loads {
		for _, p := range []*[]Detail{&loads[i].Open, &loads[i].Upcoming, &loads[i].Recent} {
			if *p == nil {
				*p = []Detail{}
			}
		}
		if loads[i].Busy == nil {
			loads[i].Busy = []MonthLoad{}
		}
	}
	return api.JSON(w, http.StatusOK, LoadList{Items: loads, RecentDays: RecentDays, BusyThreshold: BusyThreshold})
}

func (h *Web) apiReport(w http.ResponseWriter, r *http.Request) error {
	_, rep, err := h.Svc.Report(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, rep)
}

func (h *Web) apiReportSave(w http.ResponseWriter, r *http.Request) error {
	var in ReportInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	rep, err := h.Svc.SaveReport(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, rep)
}

func (h *Web) apiReportPublish(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.Svc.PublishReport(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, rep)
}
