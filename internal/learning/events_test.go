package learning

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// TestRegistrationAndWaitlist plays sequences of registrations and cancellations against
// events of different capacities, checking everyone's status and who is emailed.
func TestRegistrationAndWaitlist(t *testing.T) {
	type step struct {
		who, act string // act: register, cancel, capacity:N
		want     string // register: registered, waitlisted, or an error (closed, forbidden, notfound)
	}
	cases := []struct {
		name     string
		capacity int
		steps    []step
		final    map[string]string // who → status ("" not registered)
		emailed  []string          // promoted people told, in order
	}{
		{name: "no limit", capacity: 0,
			steps: []step{{"member1", "register", Registered}, {"member2", "register", Registered}, {"member3", "register", Registered}},
			final: map[string]string{"member1": Registered, "member2": Registered, "member3": Registered}},
		{name: "full: the rest wait", capacity: 2,
			steps: []step{{"member1", "register", Registered}, {"member2", "register", Registered}, {"member3", "register", Waitlisted},
				{"member4", "register", Waitlisted}, {"member3", "register", Waitlisted}},
			final: map[string]string{"member1": Registered, "member2": Registered, "member3": Waitlisted, "member4": Waitlisted}},
		{name: "a cancellation promotes the first waiting", capacity: 2,
			steps: []step{{"member1", "register", Registered}, {"member2", "register", Registered}, {"member3", "register", Waitlisted},
				{"member4", "register", Waitlisted}, {"member1", "cancel", ""}},
			final:   map[string]string{"member1": "", "member2": Registered, "member3": Registered, "member4": Waitlisted},
			emailed: []string{"member3"}},
		{name: "leaving the waiting list promotes no one", capacity: 1,
			steps: []step{{"member1", "register", Registered}, {"member2", "register", Waitlisted}, {"member3", "register", Waitlisted},
				{"member2", "cancel", ""}},
			final: map[string]string{"member1": Registered, "member2": "", "member3": Waitlisted}},
		{name: "more places promote in turn", capacity: 1,
			steps: []step{{"member1", "register", Registered}, {"member2", "register", Waitlisted}, {"member3", "register", Waitlisted},
				{"member4", "register", Waitlisted}, {"manager-a", "capacity:3", ""}},
			final:   map[string]string{"member1": Registered, "member2": Registered, "member3": Registered, "member4": Waitlisted},
			emailed: []string{"member2", "member3"}},
		{name: "no limit any more promotes everyone", capacity: 1,
			steps: []step{{"member1", "register", Registered}, {"member2", "register", Waitlisted}, {"member3", "register", Waitlisted},
				{"manager-a", "capacity:0", ""}},
			final:   map[string]string{"member1": Registered, "member2": Registered, "member3": Registered},
			emailed: []string{"member2", "member3"}},
		{name: "fewer places keep those registered", capacity: 3,
			steps: []step{{"member1", "register", Registered}, {"member2", "register", Registered}, {"manager-a", "capacity:1", ""},
				{"member3", "register", Waitlisted}, {"member2", "cancel", ""}},
			final: map[string]string{"member1": Registered, "member2": "", "member3": Waitlisted}},
		{name: "members only", capacity: 0,
			steps: []step{{"outsider", "register", "forbidden"}, {"anonymous", "register", "forbidden"}, {"manager-b", "register", "forbidden"},
				{"outsider", "cancel", "notfound"}},
			final: map[string]string{"outsider": ""}},
		{name: "cancelled event", capacity: 0,
			steps: []step{{"member1", "register", Registered}, {"manager-a", "cancel-event", ""}, {"member2", "register", "closed"}},
			final: map[string]string{"member1": Registered, "member2": ""}},
		{name: "started event", capacity: 1,
			steps: []step{{"member1", "register", Registered}, {"member2", "register", Waitlisted}, {"clock", "start", ""},
				{"member3", "register", "closed"}, {"member1", "cancel", ""}},
			final: map[string]string{"member1": "", "member2": Waitlisted, "member3": ""}},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCPFixture(t, d)
		c := f.community(t, "Events practice", JoinOpen, "member1", "member2", "member3", "member4")
		start := f.now
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f.now = start
				e := f.event(t, c, tc.name, 7, tc.capacity)
				for i, st := range tc.steps {
					var err error
					var reg Registration
					switch {
					case st.act == "register":
						reg, err = f.s.Register(f.as(st.who), e.ID)
					case st.act == "cancel":
						err = f.s.Unregister(f.as(st.who), e.ID)
					case st.act == "cancel-event":
						_, err = f.s.CancelEvent(f.as(st.who), e.ID)
					case st.act == "start":
						f.now = e.StartsAt.Add(time.Minute)
					case strings.HasPrefix(st.act, "capacity:"):
						in := EventInput{Title: e.Title, Start: e.Start().Format(localLayout), End: e.End().Format(localLayout),
							TimeZone: e.TimeZone, Venue: e.Venue}
						in.Capacity = map[string]int{"capacity:0": 0, "capacity:1": 1, "capacity:3": 3}[st.act]
						_, err = f.s.UpdateEvent(f.as(st.who), e.ID, in)
					}
					var bad *api.BadRequest
					switch st.want {
					case "forbidden":
						if !errors.Is(err, authz.ErrForbidden) {
							t.Errorf("step %d: %s %s: %v, want forbidden", i, st.who, st.act, err)
						}
					case "notfound":
						if !errors.Is(err, db.ErrNotFound) {
							t.Errorf("step %d: %s %s: %v, want not found", i, st.who, st.act, err)
						}
					case "closed":
						if !errors.As(err, &bad) || bad.Status != http.StatusConflict {
							t.Errorf("step %d: %s %s: %v, want 409", i, st.who, st.act, err)
						}
					default:
						if err != nil {
							t.Fatalf("step %d: %s %s: %v", i, st.who, st.act, err)
						}
						if st.act == "register" && reg.Status != st.want {
							t.Errorf("step %d: %s registers: %s, want %s", i, st.who, reg.Status, st.want)
						}
					}
				}
				for who, want := range tc.final {
					r, err := registrationOf(f.as(who), d, e.ID, f.people[who].UserID)
					got := r.Status
					if errors.Is(err, db.ErrNotFound) {
						got = ""
					} else if err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("%s: %q, want %q", who, got, want)
					}
				}
				var emailed []string
				for _, m := range f.mail.take() {
					if strings.HasPrefix(m.Subject, "You have a place: ") {
						emailed = append(emailed, strings.TrimSuffix(strings.TrimPrefix(strings.SplitN(m.To, "<", 2)[1], ""), "@example.org>"))
						if !strings.Contains(m.Text, "https://joinedup.example/events/") || !strings.Contains(m.Text, "Australia/Adelaide") {
							t.Errorf("promotion email: %s", m.Text)
						}
					}
				}
				if strings.Join(emailed, ",") != strings.Join(tc.emailed, ",") {
					t.Errorf("promoted and told: %v, want %v", emailed, tc.emailed)
				}
				// The counts agree with the rows, and no event holds more than its capacity
				// unless it was lowered.
				v, err := f.s.Event(f.as("manager-a"), e.ID)
				if err != nil {
					t.Fatal(err)
				}
				reg, wait := 0, 0
				for _, r := range v.Registrations {
					if r.Status == Registered {
						reg++
					} else {
						wait++
						if r.Position != wait {
							t.Errorf("waiting position %d, want %d", r.Position, wait)
						}
					}
				}
				if reg != v.Event.Registered || wait != v.Event.Waitlisted {
					t.Errorf("counts %d/%d, rows %d/%d", v.Event.Registered, v.Event.Waitlisted, reg, wait)
				}
			})
		}
	})
}

func TestEventTimesAndValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCPFixture(t, d)
		c := f.community(t, "Times practice", JoinOpen, "member1")
		// Adelaide in May is UTC+9:30 (ACST); in January UTC+10:30 (ACDT).
		e, err := f.s.CreateEvent(f.as("manager-a"), c.Slug, EventInput{Title: "Autumn forum", Start: "2026-05-14T10:00", End: "2026-05-14T12:30",
			TimeZone: "Australia/Adelaide", Venue: "Adelaide Town Hall, 128 King William St", Capacity: 100})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.StartsAt.Format(time.RFC3339); got != "2026-05-14T00:30:00Z" {
			t.Errorf("stored start %s", got)
		}
		if got := e.When(); got != "Thursday 14 May 2026, 10:00 am to 12:30 pm ACST (Australia/Adelaide time)" {
			t.Errorf("When: %s", got)
		}
		e2, err := f.s.CreateEvent(f.as("manager-a"), c.Slug, EventInput{Title: "Summer forum", Start: "2027-01-20T23:00", End: "2027-01-21T01:00",
			TimeZone: "Australia/Adelaide", Online: true, OnlineURL: "https://meet.example/abc"})
		if err != nil {
			t.Fatal(err)
		}
		if got := e2.When(); got != "Wednesday 20 January 2027, 11:00 pm to Thursday 21 January 2027, 1:00 am ACDT (Australia/Adelaide time)" {
			t.Errorf("When over midnight: %s", got)
		}
		if got := e2.StartsAt.Format(time.RFC3339); got != "2027-01-20T12:30:00Z" {
			t.Errorf("stored summer start %s", got)
		}
		// A zone without an abbreviation shows its offset.
		if got := cpZone(time.Date(2026, 5, 1, 0, 0, 0, 0, mustZone(t, "Australia/Eucla"))); got != "UTC+08:45" {
			t.Errorf("Eucla: %s", got)
		}
		// The joining link: those registered and those who run it.
		for who, want := range map[string]bool{"anonymous": false, "member1": false, "manager-a": true} {
			v, err := f.s.Event(f.as(who), e2.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (v.Event.OnlineURL != "") != want {
				t.Errorf("%s sees the link %q", who, v.Event.OnlineURL)
			}
		}
		if _, err := f.s.Register(f.as("member1"), e2.ID); err != nil {
			t.Fatal(err)
		}
		if v, _ := f.s.Event(f.as("member1"), e2.ID); v.Event.OnlineURL != "https://meet.example/abc" {
			t.Errorf("registered member does not see the link")
		}

		bad := []struct {
			in    EventInput
			field string
		}{
			{EventInput{Title: "", Start: "2026-05-14T10:00", End: "2026-05-14T11:00", TimeZone: "UTC", Venue: "x"}, "title"},
			{EventInput{Title: "x", Start: "2026-05-14T10:00", End: "2026-05-14T11:00", TimeZone: "Mars/Olympus", Venue: "x"}, "time_zone"},
			{EventInput{Title: "x", Start: "2026-05-14T10:00", End: "2026-05-14T11:00", TimeZone: "Local", Venue: "x"}, "time_zone"},
			{EventInput{Title: "x", Start: "14/05/2026 10am", End: "2026-05-14T11:00", TimeZone: "UTC", Venue: "x"}, "start"},
			{EventInput{Title: "x", Start: "2026-05-14T10:00", End: "2026-05-14T09:00", TimeZone: "UTC", Venue: "x"}, "end"},
			{EventInput{Title: "x", Start: "2026-05-14T10:00", End: "2026-06-14T09:00", TimeZone: "UTC", Venue: "x"}, "end"},
			// Clocks go forward in Adelaide at 2:00 on 4 October 2026: 2:30 does not exist.
			{EventInput{Title: "x", Start: "2026-10-04T02:30", End: "2026-10-04T04:00", TimeZone: "Australia/Adelaide", Venue: "x"}, "start"},
			{EventInput{Title: "x", Start: "2026-05-14T10:00", End: "2026-05-14T11:00", TimeZone: "UTC"}, "venue"},
			{EventInput{Title: "x", Start: "2026-05-14T10:00", End: "2026-05-14T11:00", TimeZone: "UTC", Online: true, OnlineURL: "javascript:alert(1)"}, "online_url"},
			{EventInput{Title: "x", Start: "2026-05-14T10:00", End: "2026-05-14T11:00", TimeZone: "UTC", Venue: "x", Capacity: -1}, "capacity"},
			{EventInput{Title: "x", Start: "2026-05-14T10:00", End: "2026-05-14T11:00", TimeZone: "UTC", Venue: "x", WorkgroupID: 9999}, "workgroup_id"},
		}
		for i, b := range bad {
			_, err := f.s.CreateEvent(f.as("manager-a"), c.Slug, b.in)
			if ve, ok := valid.As(err); !ok || ve[b.field] == "" {
				t.Errorf("case %d: err %v, want a message on %s", i, err, b.field)
			}
		}
		// Those who do not run the community cannot add events, even valid ones.
		for _, who := range []string{"member1", "manager-b", "viewer-a", "anonymous"} {
			_, err := f.s.CreateEvent(f.as(who), c.Slug, bad[0].in)
			if !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("%s adds an event: %v", who, err)
			}
		}
		var n int
		if err := d.QueryRow(f.as("site-admin"), "SELECT COUNT(*) FROM events").Scan(&n); err != nil || n != 2 {
			t.Errorf("events stored: %d %v", n, err)
		}
		// Events are found by the search.
		var docs int
		if err := d.QueryRow(f.as("site-admin"), "SELECT COUNT(*) FROM search_documents WHERE kind = 'event'").Scan(&docs); err != nil || docs != 2 {
			t.Errorf("event search documents: %d %v", docs, err)
		}
	})
}

// The .ics of a fixed event, byte for byte: CRLF line ends, folding at 75 octets (never inside
// a UTF-8 character), TEXT escaping of \ ; , and line breaks, times in UTC.
func TestEventICSGolden(t *testing.T) {
	e := Event{ID: 42, CommunityID: 1, CommunitySlug: "cccop", CommunityName: "Citizen Community of Practice (CCCoP)",
		Title:       "Launch forum; citizen-centric services, SA",
		Description: "Launched by the *Minister for the Public Sector*.\n\nDiscussion: the Common Measurement Tool, net promoter score & \"ease of doing business\" — C:\\notes.",
		StartsAt:    time.Date(2026, 5, 14, 0, 30, 0, 0, time.UTC), EndsAt: time.Date(2026, 5, 14, 3, 0, 0, 0, time.UTC),
		TimeZone: "Australia/Adelaide", Venue: "Adelaide Town Hall, 128 King William St", Online: true,
		UpdatedAt: time.Date(2026, 3, 1, 9, 15, 30, 0, time.UTC)}
	got := string(ICS(e, "https://joinedup.example:8443/", ""))
	want := "BEGIN:VCALENDAR\r\n" +
		"VERSION:2.0\r\n" +
		"PRODID:-//Joined Up//Communities of practice//EN\r\n" +
		"CALSCALE:GREGORIAN\r\n" +
		"METHOD:PUBLISH\r\n" +
		"BEGIN:VEVENT\r\n" +
		"UID:event-42@joinedup.example\r\n" +
		"DTSTAMP:20260301T091530Z\r\n" +
		"LAST-MODIFIED:20260301T091530Z\r\n" +
		"DTSTART:20260514T003000Z\r\n" +
		"DTEND:20260514T030000Z\r\n" +
		"SUMMARY:Launch forum\\; citizen-centric services\\, SA\r\n" +
		"DESCRIPTION:Launched by the Minister for the Public Sector.\\nDiscussion: th\r\n" +
		" e Common Measurement Tool\\, net promoter score & \"ease of doing business\" \r\n" +
		" — C:\\\\notes.\\n\\nOnline: the joining link is on the event's page for thos\r\n" +
		" e registered.\\n\\nCitizen Community of Practice (CCCoP)\\, times in Australi\r\n" +
		" a/Adelaide: Thursday 14 May 2026\\, 10:00 am to 12:30 pm ACST (Australia/Ad\r\n" +
		" elaide time).\r\n" +
		"LOCATION:Adelaide Town Hall\\, 128 King William St\\, and online\r\n" +
		"URL:https://joinedup.example:8443/events/42\r\n" +
		"STATUS:CONFIRMED\r\n" +
		"END:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	if got != want {
		t.Errorf("ICS:\n%s\nwant:\n%s", strings.ReplaceAll(got, "\r\n", "⏎\n"), strings.ReplaceAll(want, "\r\n", "⏎\n"))
	}
	// A registered person's copy carries the joining link; a cancelled event says so.
	e.CancelledAt = &e.UpdatedAt
	got = string(ICS(e, "", "https://meet.example/x"))
	if !strings.Contains(unfoldICS(got), `Join online: https://meet.example/x`) || !strings.Contains(got, "STATUS:CANCELLED\r\n") ||
		!strings.Contains(got, "UID:event-42@joinedup\r\n") || strings.Contains(got, "URL:") {
		t.Errorf("cancelled, with link, no base:\n%s", got)
	}
}

// unfoldICS joins folded lines (RFC 5545 §3.1).
func unfoldICS(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }

// unescapeICS reads a TEXT value back.
func unescapeICS(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FuzzICSText checks that any text survives escaping and folding: lines of at most 75 octets,
// each valid UTF-8 and free of control characters, ending in CRLF; unfolded and unescaped, the
// value is the text with its line breaks as \n and other control characters gone.
func FuzzICSText(f *testing.F) {
	for _, s := range []string{"", "plain", "a,b;c\\d", "line one\r\nline two\nthree\rfour", strings.Repeat("é", 80),
		strings.Repeat("x", 74) + "€" + strings.Repeat("y", 80), "tab\there", "nul\x00bell\x07", "\xff\xfe bad utf8", "👩🏽‍💻 emoji " + strings.Repeat("🙂", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line := icsFold("DESCRIPTION:" + ICSText(s))
		if !strings.HasSuffix(line, "\r\n") {
			t.Fatalf("no CRLF at the end: %q", line)
		}
		parts := strings.Split(strings.TrimSuffix(line, "\r\n"), "\r\n")
		for i, p := range parts {
			if len(p)+2 > 77 || len(p) > 75 {
				t.Fatalf("line %d is %d octets: %q", i, len(p), p)
			}
			if i > 0 && (len(p) < 2 || p[0] != ' ') {
				t.Fatalf("continuation %d does not start with one space: %q", i, p)
			}
			body := p
			if i > 0 {
				body = p[1:]
			}
			if !utf8.ValidString(body) {
				t.Fatalf("line %d splits a character: %q", i, p)
			}
			for _, r := range body {
				if r < 0x20 || r == 0x7f {
					t.Fatalf("control character %U in line %d", r, i)
				}
			}
		}
		value := strings.TrimPrefix(unfoldICS(strings.TrimSuffix(line, "\r\n")), "DESCRIPTION:")
		want := strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n")
		want = strings.Map(func(r rune) rune {
			switch {
			case r == '\r':
				return '\n'
			case r == '\t':
				return ' '
			case r == '\n':
				return r
			case r < 0x20 || r == 0x7f:
				return -1
			}
			return r
		}, want)
		if got := unescapeICS(value); got != want {
			t.Fatalf("round trip: %q, want %q", got, want)
		}
	})
}

// FuzzICSFold checks folding alone on any line.
func FuzzICSFold(f *testing.F) {
	f.Add("SUMMARY:" + strings.Repeat("ab", 100))
	f.Add(strings.Repeat("€", 60))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.NewReplacer("\r", "", "\n", "").Replace(s)
		out := icsFold(s)
		for _, p := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(p) > 75 {
				t.Fatalf("line of %d octets", len(p))
			}
		}
		if got := unfoldICS(strings.TrimSuffix(out, "\r\n")); got != s && utf8.ValidString(s) {
			t.Fatalf("unfold: %q, want %q", got, s)
		}
	})
}
