package learning

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// TestCommunityPagesJourney follows a person through the pages: the list, the about page,
// joining, registering for an event, its calendar entry, a discussion, and the limits of what
// outsiders see.
func TestCommunityPagesJourney(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCPFixture(t, d)
		c := f.community(t, "Citizen practice", JoinOpen)
		wg, err := f.s.CreateWorkgroup(f.as("manager-a"), c.Slug, WorkgroupInput{Name: "Measuring satisfaction", Description: "The CMT."})
		if err != nil {
			t.Fatal(err)
		}
		ev := f.event(t, c, "Launch forum", 14, 1)
		h := f.handler(t)

		r := cpDo(t, h, "anonymous", "GET", "/communities", nil)
		if r.code != http.StatusOK {
			t.Fatalf("list: %d", r.code)
		}
		cpHas(t, "the list", r.body, "Citizen practice", "Hosted by", "Organisation A")
		cpLacks(t, "the list for the public", r.body, "Create a community", "/admin/digest/send")
		cpHas(t, "the list for a site admin", cpDo(t, h, "site-admin", "GET", "/communities", nil).body, "Create a community", "/admin/digest/send")

		// The about page is public; discussions and the library are for members.
		r = cpDo(t, h, "anonymous", "GET", c.URL(), nil)
		if r.code != http.StatusOK {
			t.Fatalf("about: %d", r.code)
		}
		cpHas(t, "the about page", r.body, "<em>care</em>", "Measuring satisfaction", "Launch forum", "Sign in</a> to join",
			"Discussions are for members", "Test manager-a")
		cpLacks(t, "the about page for the public", r.body, "Run the community", "threads/new")
		if r := cpDo(t, h, "anonymous", "GET", c.URL()+"/threads", nil); r.code != http.StatusSeeOther || !strings.HasPrefix(r.hdr.Get("Location"), "/signin") {
			t.Errorf("threads for the public: %d %s", r.code, r.hdr.Get("Location"))
		}
		if r := cpDo(t, h, "member1", "GET", c.URL()+"/threads", nil); r.code != http.StatusForbidden {
			t.Errorf("threads for a non-member: %d", r.code)
		}
		// The event page shows the time in its zone, named; registration needs membership.
		r = cpDo(t, h, "member1", "GET", ev.URL(), nil)
		cpHas(t, "the event page", r.body, "10:00 am to 12:00 pm ACDT (Australia/Adelaide time)", "UTC on", "Join Citizen practice", ev.URL()+".ics")
		if r := cpDo(t, h, "member1", "POST", ev.URL()+"/register", url.Values{}); r.code != http.StatusForbidden {
			t.Errorf("a non-member registers: %d", r.code)
		}

		// member1 joins, registers, and takes the calendar entry.
		r = cpDo(t, h, "member1", "POST", c.URL()+"/join", url.Values{})
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != c.URL() {
			t.Fatalf("join: %d %s", r.code, r.hdr.Get("Location"))
		}
		cpHas(t, "the about page for a member", cpDo(t, h, "member1", "GET", c.URL(), nil).body, "You are a member", "Send me the email digest", "Start a discussion")
		r = cpDo(t, h, "member1", "POST", ev.URL()+"/register", url.Values{})
		if r.code != http.StatusSeeOther {
			t.Fatalf("register: %d %s", r.code, r.body)
		}
		cpHas(t, "the event page once registered", cpDo(t, h, "member1", "GET", ev.URL(), nil).body, "You are registered.", "Cancel my registration")
		r = cpDo(t, h, "member1", "GET", ev.URL()+".ics", nil)
		if r.code != http.StatusOK || r.hdr.Get("Content-Type") != "text/calendar; charset=utf-8" ||
			!strings.Contains(r.hdr.Get("Content-Disposition"), "attachment") {
			t.Fatalf("ics: %d %v", r.code, r.hdr)
		}
		cpHas(t, "the .ics", r.body, "BEGIN:VCALENDAR\r\n", "SUMMARY:Launch forum\r\n", "URL:https://joinedup.example"+ev.URL()+"\r\n")
		if r := cpDo(t, h, "anonymous", "GET", "/events/999999.ics", nil); r.code != http.StatusNotFound {
			t.Errorf("unknown .ics: %d", r.code)
		}
		if r := cpDo(t, h, "anonymous", "GET", "/events/x.ics", nil); r.code != http.StatusNotFound {
			t.Errorf("malformed .ics: %d", r.code)
		}
		// The only place is taken: the next member waits, then gets it when member1 cancels.
		if _, err := f.s.Join(f.as("member2"), c.Slug); err != nil {
			t.Fatal(err)
		}
		r = cpDo(t, h, "member2", "POST", ev.URL()+"/register", url.Values{})
		if r.code != http.StatusSeeOther {
			t.Fatal(r.code)
		}
		cpHas(t, "the event page when waiting", cpDo(t, h, "member2", "GET", ev.URL(), nil).body, "You are number 1 on the waiting list")
		f.mail.take()
		cpDo(t, h, "member1", "POST", ev.URL()+"/unregister", url.Values{})
		if msgs := f.mail.take(); len(msgs) != 1 || !strings.Contains(msgs[0].To, "member2@") {
			t.Errorf("promotion emails: %+v", msgs)
		}
		cpHas(t, "the event page once promoted", cpDo(t, h, "member2", "GET", ev.URL(), nil).body, "You are registered.")
		// Those who run it see who is coming.
		cpHas(t, "the event page for its host", cpDo(t, h, "manager-a", "GET", ev.URL(), nil).body, "Registered and waiting", "member2@example.org", "Edit the event")

		// A discussion with Markdown: rendered, with raw HTML dropped.
		r = cpDo(t, h, "member1", "POST", c.URL()+"/threads", url.Values{"title": {"Measures"}, "body": {"**Bold** <script>alert(1)</script>"},
			"workgroup_id": {cpItoa(wg.ID)}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("start a thread: %d %s", r.code, r.body)
		}
		thread := r.hdr.Get("Location")
		r = cpDo(t, h, "member2", "POST", thread+"/replies", url.Values{"body": {"Agreed, [see](javascript:alert(2))."}})
		if r.code != http.StatusSeeOther || !strings.Contains(r.hdr.Get("Location"), "#reply-") {
			t.Fatalf("reply: %d %s", r.code, r.hdr.Get("Location"))
		}
		r = cpDo(t, h, "member2", "GET", thread, nil)
		cpHas(t, "the thread", r.body, "<strong>Bold</strong>", "Agreed, see.", "1 reply", "Measuring satisfaction")
		cpLacks(t, "the thread", r.body, "<script>alert(1)", "javascript:")
		// An empty reply is refused beside its field, and nothing is stored.
		r = cpDo(t, h, "member2", "POST", thread+"/replies", url.Values{"body": {"  "}})
		if r.code != http.StatusUnprocessableEntity {
			t.Errorf("empty reply: %d", r.code)
		}
		cpHas(t, "the refused reply", r.body, "Write something first.", `id="f-body-error"`)
		if r := cpDo(t, h, "outsider", "GET", thread, nil); r.code != http.StatusForbidden {
			t.Errorf("an outsider reads a thread: %d", r.code)
		}
		if r := cpDo(t, h, "member1", "GET", c.URL()+"/threads/999999", nil); r.code != http.StatusNotFound {
			t.Errorf("unknown thread: %d", r.code)
		}
		// The workgroup page lists its discussions for members.
		cpHas(t, "the workgroup page", cpDo(t, h, "member1", "GET", wg.URL(), nil).body, "Measures", "Join the workgroup")

		// The event form keeps what was typed and says what is wrong, beside each field.
		r = cpDo(t, h, "manager-a", "POST", c.URL()+"/events", url.Values{"title": {"Forum"}, "date": {"2026-10-04"}, "start_time": {"02:30"},
			"end_time": {"04:00"}, "time_zone": {"Australia/Adelaide"}, "venue": {"Adelaide"}, "capacity": {"many"}})
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("bad event form: %d", r.code)
		}
		cpHas(t, "the refused event form", r.body, `id="f-start_time-error"`, "the clocks go forward", `id="f-capacity-error"`, `value="Forum"`)
		r = cpDo(t, h, "manager-a", "POST", c.URL()+"/events", url.Values{"title": {"Forum"}, "date": {"2026-10-15"}, "start_time": {"09:30"},
			"end_time": {"11:00"}, "time_zone": {"Australia/Adelaide"}, "online": {"on"}, "online_url": {"https://meet.example/f"}, "capacity": {"30"}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("event form: %d %s", r.code, r.body)
		}
		if r := cpDo(t, h, "member1", "GET", c.URL()+"/events/new", nil); r.code != http.StatusForbidden {
			t.Errorf("a member opens the event form: %d", r.code)
		}

		// Site admins send the digests from the page.
		r = cpDo(t, h, "site-admin", "POST", "/admin/digest/send", url.Values{})
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/communities" {
			t.Errorf("digest send: %d %s", r.code, r.hdr.Get("Location"))
		}
		if r := cpDo(t, h, "manager-a", "POST", "/admin/digest/send", url.Values{}); r.code != http.StatusForbidden {
			t.Errorf("digest send by a manager: %d", r.code)
		}
	})
}

// TestCommunityAPI checks the JSON side: create, join by request, approve, events with
// registration, threads.
func TestCommunityAPI(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newCPFixture(t, d)
	h := f.handler(t)
	r := cpJSON(t, h, "manager-b", "POST", "/api/v1/communities", `{"name":"Data sharing practice","join_policy":"request","organisation_id":`+cpItoa(f.orgB)+`}`)
	if r.code != http.StatusCreated || r.hdr.Get("Location") != "/api/v1/communities/data-sharing-practice" {
		t.Fatalf("create: %d %s %s", r.code, r.hdr.Get("Location"), r.body)
	}
	if r := cpJSON(t, h, "member1", "POST", "/api/v1/communities", `{"name":"X","join_policy":"open"}`); r.code != http.StatusForbidden {
		t.Errorf("a member creates: %d", r.code)
	}
	if r := cpJSON(t, h, "manager-b", "POST", "/api/v1/communities", `{"name":"","join_policy":"sometimes","organisation_id":`+cpItoa(f.orgB)+`}`); r.code != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, `"join_policy"`) || !strings.Contains(r.body, `"name"`) {
		t.Errorf("bad create: %d %s", r.code, r.body)
	}
	base := "/api/v1/communities/data-sharing-practice"
	r = cpJSON(t, h, "member1", "POST", base+"/membership", ``)
	var m Member
	if err := json.Unmarshal([]byte(r.body), &m); err != nil || r.code != http.StatusOK || m.Status != StatusRequested {
		t.Fatalf("join by request: %d %s", r.code, r.body)
	}
	if r := cpJSON(t, h, "member1", "GET", base+"/threads", ""); r.code != http.StatusForbidden {
		t.Errorf("threads before approval: %d", r.code)
	}
	r = cpJSON(t, h, "manager-b", "PUT", base+"/members/"+cpItoa(f.people["member1"].UserID), `{"status":"active"}`)
	if r.code != http.StatusOK || !strings.Contains(r.body, `"status":"active"`) {
		t.Fatalf("approve: %d %s", r.code, r.body)
	}
	r = cpJSON(t, h, "manager-b", "POST", base+"/events", `{"title":"Data forum","start":"2026-04-20T14:00","end":"2026-04-20T15:00","time_zone":"Pacific/Auckland","online":true,"online_url":"https://meet.example/d","capacity":10}`)
	if r.code != http.StatusCreated {
		t.Fatalf("event: %d %s", r.code, r.body)
	}
	var e Event
	_ = json.Unmarshal([]byte(r.body), &e)
	if e.StartsAt.UTC().Format("2006-01-02T15:04Z") != "2026-04-20T02:00Z" || e.TimeZone != "Pacific/Auckland" {
		t.Errorf("event times: %v %s", e.StartsAt, e.TimeZone)
	}
	r = cpJSON(t, h, "anonymous", "GET", "/api/v1/events/"+cpItoa(e.ID), "")
	if r.code != http.StatusOK || strings.Contains(r.body, "meet.example") || !strings.Contains(r.body, `"when":"Monday 20 April 2026, 2:00 pm to 3:00 pm NZST (Pacific/Auckland time)"`) {
		t.Errorf("public event: %d %s", r.code, r.body)
	}
	r = cpJSON(t, h, "member1", "POST", "/api/v1/events/"+cpItoa(e.ID)+"/registration", "")
	if r.code != http.StatusOK || !strings.Contains(r.body, `"status":"registered"`) {
		t.Fatalf("register: %d %s", r.code, r.body)
	}
	if r := cpJSON(t, h, "member1", "GET", "/api/v1/events/"+cpItoa(e.ID), ""); !strings.Contains(r.body, "https://meet.example/d") {
		t.Errorf("the registered member does not get the link: %s", r.body)
	}
	if r := cpJSON(t, h, "member2", "POST", "/api/v1/events/"+cpItoa(e.ID)+"/registration", ""); r.code != http.StatusForbidden {
		t.Errorf("a non-member registers: %d", r.code)
	}
	if r := cpJSON(t, h, "member1", "DELETE", "/api/v1/events/"+cpItoa(e.ID)+"/registration", ""); r.code != http.StatusNoContent {
		t.Errorf("cancel: %d", r.code)
	}
	if r := cpJSON(t, h, "member1", "GET", "/api/v1/events/"+cpItoa(e.ID)+"/registration", ""); r.code != http.StatusNotFound {
		t.Errorf("registration after cancelling: %d", r.code)
	}
	r = cpJSON(t, h, "member1", "POST", base+"/threads", `{"title":"Sharing agreements","body":"Who has a template?"}`)
	if r.code != http.StatusCreated {
		t.Fatalf("thread: %d %s", r.code, r.body)
	}
	r = cpJSON(t, h, "member1", "GET", base+"/threads?limit=1", "")
	if r.code != http.StatusOK || !strings.Contains(r.body, "Sharing agreements") {
		t.Errorf("threads: %d %s", r.code, r.body)
	}
	r = cpJSON(t, h, "anonymous", "GET", base, "")
	if r.code != http.StatusOK || !strings.Contains(r.body, `"member_count":2`) || !strings.Contains(r.body, `"upcoming_events":[{`) {
		t.Errorf("community: %d %s", r.code, r.body)
	}
}
