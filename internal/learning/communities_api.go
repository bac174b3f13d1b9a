package learning

import (
	"context"
	"mime"
	"net/http"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/web"
)

const communityAPITag = "Communities of practice"

// CommunityDetail is a community as the API gives it: the about page, its hosts, workgroups
// and upcoming events, and the asker's membership.
type CommunityDetail struct {
	CoP
	Hosts      []string    `json:"hosts"`
	Workgroups []Workgroup `json:"workgroups"`
	Upcoming   []Event     `json:"upcoming_events"`
	Membership *Member     `json:"membership,omitempty"`
	CanManage  bool        `json:"can_manage"`
}

// DigestSetting is the body that turns the digest on or off.
type DigestSetting struct {
	Digest bool `json:"digest"`
}

// EventDetail is an event with the asker's registration.
type EventDetail struct {
	Event
	When         string        `json:"when"`
	ICS          string        `json:"ics_url"`
	Registration *Registration `json:"registration,omitempty"`
}

func (h *Web) communityAPIRoutes(rt *web.Router) {
	exC, exM, exW, exE, exT, exR, exL := communityExamples()
	exD := CommunityDetail{CoP: exC, Hosts: []string{"Jamie Russo"}, Workgroups: []Workgroup{exW}, Upcoming: []Event{exE}, Membership: &exM, CanManage: false}
	exIn := CommunityInput{Name: exC.Name, Description: exC.Description, JoinPolicy: JoinOpen, OrgID: 12}
	exED := EventDetail{Event: exE, When: exE.When(), ICS: exE.URL() + ".ics"}
	exEIn := EventInput{Title: exE.Title, Description: exE.Description, Start: "2026-05-14T10:00", End: "2026-05-14T12:30",
		TimeZone: "Australia/Adelaide", Venue: exE.Venue, Capacity: 120}
	exReg := Registration{EventID: exE.ID, UserID: 7, Status: Waitlisted, RegisteredAt: exE.CreatedAt, Position: 2}
	exTV := ThreadView{Thread: exT, Replies: []Reply{exR}}

	rt.API("GET", "/api/v1/communities", web.Public, communityAPITag, "List the communities of practice",
		h.apiCommunityList, web.Body(nil, api.List[CoP]{Items: []CoP{exC}}))
	rt.API("POST", "/api/v1/communities", web.SignedIn, communityAPITag,
		"Create a community (site admins, and managers for an organisation they manage); its creator becomes its first host",
		api.Create(h.Svc.CreateCommunity, func(c CoP) string { return "/api/v1/communities/" + c.Slug }), web.Body(exIn, exC))
	rt.API("GET", "/api/v1/communities/{id}", web.Public, communityAPITag, "Get a community by slug or ID: about, hosts, workgroups, upcoming events and your membership",
		h.apiCommunityGet, web.Body(nil, exD))
	rt.API("PUT", "/api/v1/communities/{id}", web.SignedIn, communityAPITag, "Change a community (its hosts, managers of its organisation, site admins)",
		h.apiCommunityUpdate, web.Body(exIn, exC))
	rt.API("POST", "/api/v1/communities/{id}/archive", web.SignedIn, communityAPITag, "Archive (true) or restore (false) a community",
		h.apiCommunityArchive, web.Body(api.ArchiveBody{Archived: true}, exC))
	rt.API("POST", "/api/v1/communities/{id}/membership", web.SignedIn, communityAPITag,
		"Join a community: at once when it is open, as a request for a host to approve otherwise (status requested)",
		h.apiJoin, web.Body(nil, exM))
	rt.API("PUT", "/api/v1/communities/{id}/membership", web.SignedIn, communityAPITag, "Turn your email digest of a community on or off",
		h.apiDigest, web.Body(DigestSetting{Digest: false}, exM))
	rt.API("DELETE", "/api/v1/communities/{id}/membership", web.SignedIn, communityAPITag, "Leave a community (or withdraw a request): 204",
		h.apiLeave)
	rt.API("GET", "/api/v1/communities/{id}/members", web.SignedIn, communityAPITag, "List members and requests (those who manage the community)",
		h.apiMembers, web.Body(nil, api.List[Member]{Items: []Member{exM}}))
	rt.API("PUT", "/api/v1/communities/{id}/members/{user_id}", web.SignedIn, communityAPITag,
		"Approve a request (status active) or change a member's role (host or member)",
		h.apiMemberUpdate, web.Body(MemberInput{Status: StatusActive, Role: RoleHost}, exM))
	rt.API("DELETE", "/api/v1/communities/{id}/members/{user_id}", web.SignedIn, communityAPITag, "Remove a member or decline a request: 204",
		h.apiMemberRemove)

	rt.API("GET", "/api/v1/communities/{id}/workgroups", web.Public, communityAPITag, "List a community's workgroups",
		h.apiWorkgroups, web.Body(nil, api.List[Workgroup]{Items: []Workgroup{exW}}))
	rt.API("POST", "/api/v1/communities/{id}/workgroups", web.SignedIn, communityAPITag, "Add a workgroup (those who manage the community)",
		h.apiWorkgroupCreate, web.Body(WorkgroupInput{Name: exW.Name, Description: exW.Description}, exW))

	rt.API("GET", "/api/v1/communities/{id}/threads", web.SignedIn, communityAPITag, "List a community's discussion threads, newest first (members)",
		h.apiThreads, web.Body(nil, api.List[Thread]{Items: []Thread{exT}}))
	rt.API("POST", "/api/v1/communities/{id}/threads", web.SignedIn, communityAPITag, "Start a discussion thread (members); the body is Markdown",
		h.apiThreadCreate, web.Body(ThreadInput{Title: exT.Title, Body: exT.Body}, exT))
	rt.API("GET", "/api/v1/communities/{id}/threads/{thread_id}", web.SignedIn, communityAPITag, "Get a thread with its replies (members)",
		h.apiThread, web.Body(nil, exTV))
	rt.API("POST", "/api/v1/communities/{id}/threads/{thread_id}/replies", web.SignedIn, communityAPITag, "Reply in a thread (members); the body is Markdown",
		h.apiReply, web.Body(ReplyInput{Body: exR.Body}, exR))

	rt.API("GET", "/api/v1/communities/{id}/library", web.SignedIn, communityAPITag, "List a community's library, newest first (members)",
		h.apiLibrary, web.Body(nil, api.List[LibraryItem]{Items: []LibraryItem{exL}}))
	rt.API("POST", "/api/v1/communities/{id}/library", web.SignedIn, communityAPITag,
		"Add to a community's library (members): a link as JSON, or a file as multipart/form-data (fields file, title, description, kind; "+
			"at most 10 MB; PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG, recognised from the bytes)",
		h.apiLibraryAdd, web.Body(LibraryInput{Title: exL.Title, Kind: "guide", URL: "https://example.gov.au/guide"}, exL))

	rt.API("GET", "/api/v1/communities/{id}/events", web.Public, communityAPITag, "List a community's events (times in UTC, with the time zone to show them in)",
		h.apiEvents, web.Body(nil, api.List[Event]{Items: []Event{exE}}))
	rt.API("POST", "/api/v1/communities/{id}/events", web.SignedIn, communityAPITag,
		"Add an event (those who manage the community): start and end are local date-times in time_zone, an IANA name",
		h.apiEventCreate, web.Body(exEIn, exE))
	rt.API("GET", "/api/v1/events/{id}", web.Public, communityAPITag, "Get an event with your registration; the .ics is at /events/{id}.ics",
		h.apiEvent, web.Body(nil, exED))
	rt.API("PUT", "/api/v1/events/{id}", web.SignedIn, communityAPITag, "Change an event (those who manage its community); a larger capacity gives places to those waiting",
		api.Update(h.Svc.UpdateEvent), web.Body(exEIn, exE))
	rt.API("POST", "/api/v1/events/{id}/cancel", web.SignedIn, communityAPITag, "Cancel an event; everyone registered or waiting is told by email",
		h.apiEventCancel, web.Body(nil, exE))
	rt.API("GET", "/api/v1/events/{id}/registrations", web.SignedIn, communityAPITag, "List who is registered and waiting (those who manage the community)",
		h.apiRegistrations, web.Body(nil, api.List[Registration]{Items: []Registration{exReg}}))
	rt.API("GET", "/api/v1/events/{id}/registration", web.SignedIn, communityAPITag, "Your registration (404 when you have none)",
		h.apiMyRegistration, web.Body(nil, exReg))
	rt.API("POST", "/api/v1/events/{id}/registration", web.SignedIn, communityAPITag,
		"Register for an event (members of its community): status registered, or waitlisted with your place when it is full; 409 when registration is closed",
		h.apiRegister, web.Body(nil, exReg))
	rt.API("DELETE", "/api/v1/events/{id}/registration", web.SignedIn, communityAPITag,
		"Cancel your registration: 204; the first person waiting gets the place and an email", h.apiUnregister)
}

// communityExamples are the values of the API documentation.
func communityExamples() (CoP, Member, Workgroup, Event, Thread, Reply, LibraryItem) {
	at := time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC)
	c := CoP{ID: 1, Slug: "citizen-community-of-practice", Name: "Citizen Community of Practice (CCCoP)",
		Description: "Service delivery practitioners with a passion for more citizen-centric services in South Australia.",
		JoinPolicy:  JoinOpen, OrgID: 12, OrgName: "Service SA", CreatedAt: at, UpdatedAt: at, Members: 42, Workgroups: 3}
	m := Member{CommunityID: 1, UserID: 7, Name: "Jordan Lee", Role: RoleMember, Status: StatusActive, Digest: true, JoinedAt: at}
	w := Workgroup{ID: 3, CommunityID: 1, CommunitySlug: c.Slug, Name: "Measuring satisfaction",
		Description: "The Common Measurement Tool, net promoter score and ease of doing business.", CreatedAt: at, Members: 11}
	e := Event{ID: 5, CommunityID: 1, CommunitySlug: c.Slug, CommunityName: c.Name, OrgID: 12, Title: "Launch forum",
		StartsAt: time.Date(2026, 5, 14, 0, 30, 0, 0, time.UTC), EndsAt: time.Date(2026, 5, 14, 3, 0, 0, 0, time.UTC), TimeZone: "Australia/Adelaide",
		Venue: "Adelaide", Capacity: 120, Registered: 120, Waitlisted: 4, CreatedAt: at, UpdatedAt: at}
	t := Thread{ID: 9, CommunityID: 1, CommunitySlug: c.Slug, Title: "Who uses the Common Measurement Tool?",
		Body: "We are choosing a satisfaction measure. Who has used the **CMT**?", UserID: 7, Author: "Jordan Lee", CreatedAt: at, LastReplyAt: at, Replies: 1}
	r := Reply{ID: 21, ThreadID: 9, Body: "We did, for our service centres: happy to share the questions.", UserID: 8, Author: "Morgan Chen", CreatedAt: at}
	f := File{ID: 4, Name: "journey-map-template.csv", ContentType: "text/csv; charset=utf-8", Size: 912, SHA256: "…", CreatedAt: at}
	l := LibraryItem{ID: 2, CommunityID: 1, Title: "Customer journey map template", Description: "One row per step.", Kind: "template",
		File: &f, UploadedBy: 7, Uploader: "Jordan Lee", CreatedAt: at}
	return c, m, w, e, t, r, l
}

func (h *Web) apiCommunityList(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.Svc.Communities(r.Context())
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(cs, 0, func(c CoP) int64 { return c.ID }))
}

func (h *Web) communityDetail(ctx context.Context, ref string) (CommunityDetail, error) {
	a, err := h.Svc.Community(ctx, ref)
	if err != nil {
		return CommunityDetail{}, err
	}
	d := CommunityDetail{CoP: a.Community, CanManage: a.Manage, Hosts: []string{}, Workgroups: []Workgroup{}, Upcoming: []Event{}}
	if a.Me.UserID != 0 {
		m := a.Me
		d.Membership = &m
	}
	if hs, err := h.Svc.Hosts(ctx, a.Community.ID); err != nil {
		return d, err
	} else if hs != nil {
		d.Hosts = hs
	}
	if ws, err := h.Svc.Workgroups(ctx, a.Community.ID); err != nil {
		return d, err
	} else if ws != nil {
		d.Workgroups = ws
	}
	evs, err := h.Svc.Events(ctx, a.Community.ID, true, h.Svc.Now(), 20)
	for i := range evs {
		evs[i].OnlineURL = ""
	}
	if evs != nil {
		d.Upcoming = evs
	}
	return d, err
}

func (h *Web) apiCommunityGet(w http.ResponseWriter, r *http.Request) error {
	d, err := h.communityDetail(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, d)
}

func (h *Web) apiCommunityUpdate(w http.ResponseWriter, r *http.Request) error {
	var in CommunityInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	c, err := h.Svc.UpdateCommunity(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, c)
}

func (h *Web) apiCommunityArchive(w http.ResponseWriter, r *http.Request) error {
	var in api.ArchiveBody
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	c, err := h.Svc.ArchiveCommunity(r.Context(), r.PathValue("id"), in.Archived)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, c)
}

func (h *Web) apiJoin(w http.ResponseWriter, r *http.Request) error {
	m, err := h.Svc.Join(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, m)
}

func (h *Web) apiDigest(w http.ResponseWriter, r *http.Request) error {
	var in DigestSetting
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	m, err := h.Svc.SetDigest(r.Context(), r.PathValue("id"), in.Digest)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, m)
}

func (h *Web) apiLeave(w http.ResponseWriter, r *http.Request) error {
	if err := h.Svc.Leave(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Web) apiMembers(w http.ResponseWriter, r *http.Request) error {
	_, ms, err := h.Svc.Members(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(ms, 0, func(m Member) int64 { return m.UserID }))
}

func (h *Web) apiMemberUpdate(w http.ResponseWriter, r *http.Request) error {
	uid, err := api.PathID(r, "user_id")
	if err != nil {
		return err
	}
	var in MemberInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	m, err := h.Svc.UpdateMember(r.Context(), r.PathValue("id"), uid, in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, m)
}

func (h *Web) apiMemberRemove(w http.ResponseWriter, r *http.Request) error {
	uid, err := api.PathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := h.Svc.RemoveMember(r.Context(), r.PathValue("id"), uid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Web) apiWorkgroups(w http.ResponseWriter, r *http.Request) error {
	a, err := h.Svc.Community(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	ws, err := h.Svc.Workgroups(r.Context(), a.Community.ID)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(ws, 0, func(w Workgroup) int64 { return w.ID }))
}

func (h *Web) apiWorkgroupCreate(w http.ResponseWriter, r *http.Request) error {
	var in WorkgroupInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	wg, err := h.Svc.CreateWorkgroup(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", wg.URL())
	return api.JSON(w, http.StatusCreated, wg)
}

func (h *Web) apiThreads(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	ts, err := h.Svc.ThreadsPage(r.Context(), r.PathValue("id"), pg)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(ts, pg.Limit, func(t Thread) int64 { return t.ID }))
}

func (h *Web) apiThreadCreate(w http.ResponseWriter, r *http.Request) error {
	var in ThreadInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	t, err := h.Svc.CreateThread(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/communities/"+t.CommunitySlug+"/threads/"+cpItoa(t.ID))
	return api.JSON(w, http.StatusCreated, t)
}

func (h *Web) apiThread(w http.ResponseWriter, r *http.Request) error {
	id, err := api.PathID(r, "thread_id")
	if err != nil {
		return err
	}
	v, err := h.Svc.Thread(r.Context(), r.PathValue("id"), id)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, v)
}

func (h *Web) apiReply(w http.ResponseWriter, r *http.Request) error {
	id, err := api.PathID(r, "thread_id")
	if err != nil {
		return err
	}
	var in ReplyInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	rp, err := h.Svc.Reply(r.Context(), r.PathValue("id"), id, in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusCreated, rp)
}

func (h *Web) apiLibrary(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	items, err := h.Svc.LibraryPage(r.Context(), r.PathValue("id"), pg)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(items, pg.Limit, func(it LibraryItem) int64 { return it.ID }))
}

// apiLibraryAdd takes a link as JSON or a file as multipart/form-data.
func (h *Web) apiLibraryAdd(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("id")
	if _, err := h.Svc.inside(r.Context(), ref); err != nil {
		return err
	}
	var in LibraryInput
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		up, values, err := ReadUpload(w, r, "file")
		if err != nil {
			return err
		}
		in = LibraryInput{Title: values.Get("title"), Description: values.Get("description"), Kind: values.Get("kind"), File: &up}
	} else if err := api.Decode(r, &in); err != nil {
		return err
	}
	it, err := h.Svc.AddLibraryItem(r.Context(), ref, in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusCreated, it)
}

func (h *Web) apiEvents(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	_, evs, err := h.Svc.EventsPage(r.Context(), r.PathValue("id"), pg)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(evs, pg.Limit, func(e Event) int64 { return e.ID }))
}

func (h *Web) apiEventCreate(w http.ResponseWriter, r *http.Request) error {
	var in EventInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	e, err := h.Svc.CreateEvent(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/events/"+cpItoa(e.ID))
	return api.JSON(w, http.StatusCreated, e)
}

func (h *Web) apiEvent(w http.ResponseWriter, r *http.Request) error {
	id, err := api.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.Svc.Event(r.Context(), id)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, EventDetail{Event: v.Event, When: v.Event.When(), ICS: v.Event.URL() + ".ics", Registration: v.Mine})
}

func (h *Web) apiEventCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := api.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.Svc.CancelEvent(r.Context(), id)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, e)
}

func (h *Web) apiRegistrations(w http.ResponseWriter, r *http.Request) error {
	id, err := api.PathID(r, "id")
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
	return api.JSON(w, http.StatusOK, api.NewList(v.Registrations, 0, func(r Registration) int64 { return r.UserID }))
}

func (h *Web) apiMyRegistration(w http.ResponseWriter, r *http.Request) error {
	id, err := api.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.Svc.Event(r.Context(), id)
	if err != nil {
		return err
	}
	if v.Mine == nil {
		return db.ErrNotFound
	}
	return api.JSON(w, http.StatusOK, v.Mine)
}

func (h *Web) apiRegister(w http.ResponseWriter, r *http.Request) error {
	id, err := api.PathID(r, "id")
	if err != nil {
		return err
	}
	reg, err := h.Svc.Register(r.Context(), id)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, reg)
}

func (h *Web) apiUnregister(w http.ResponseWriter, r *http.Request) error {
	id, err := api.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Svc.Unregister(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
