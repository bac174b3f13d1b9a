package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/mail"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Events of a community: online or at a place, on a date and time in a named time zone, with
// an optional capacity. Times are stored in UTC and shown in the event's own IANA zone, with
// the zone named. Everyone may see an event; members of the community register; when it is
// full, registrations wait on a list, and a cancelled registration makes room for the first
// person waiting, who is told by email.

// Registration statuses.
const (
	Registered = "registered"
	Waitlisted = "waitlisted"
)

// Limits of event fields.
const (
	maxEventTitle    = 200
	maxEventVenue    = 500
	maxEventCapacity = 100_000
	maxEventLength   = 14 * 24 * time.Hour
	localLayout      = "2006-01-02T15:04"
)

// EventZones are the time zones offered by the event form (the API takes any IANA name).
var EventZones = []string{
	"Australia/Adelaide", "Australia/Brisbane", "Australia/Darwin", "Australia/Hobart", "Australia/Melbourne",
	"Australia/Perth", "Australia/Sydney", "Australia/Lord_Howe", "Australia/Eucla", "Pacific/Auckland", "Pacific/Chatham", "UTC",
}

// Event is an event of a community.
type Event struct {
	ID            int64      `json:"id"`
	CommunityID   int64      `json:"community_id"`
	CommunitySlug string     `json:"community_slug"`
	CommunityName string     `json:"community_name"`
	OrgID         int64      `json:"organisation_id,omitempty"`
	WorkgroupID   int64      `json:"workgroup_id,omitempty"`
	WorkgroupName string     `json:"workgroup_name,omitempty"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	StartsAt      time.Time  `json:"starts_at"`
	EndsAt        time.Time  `json:"ends_at"`
	TimeZone      string     `json:"time_zone"`
	Online        bool       `json:"online"`
	OnlineURL     string     `json:"online_url,omitempty"` // only for those registered and those who manage the community
	PlaceID       int64      `json:"place_id,omitempty"`
	PlaceName     string     `json:"place_name,omitempty"`
	Venue         string     `json:"venue,omitempty"`
	Capacity      int        `json:"capacity"` // 0: no limit
	Registered    int        `json:"registered"`
	Waitlisted    int        `json:"waitlisted"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	CancelledAt   *time.Time `json:"cancelled_at,omitempty"`
}

// URL is the event's page.
func (e Event) URL() string { return "/events/" + strconv.FormatInt(e.ID, 10) }

// CommunityURL is the page of the event's community.
func (e Event) CommunityURL() string { return "/communities/" + e.CommunitySlug }

// Location is the event's time zone (UTC when the name is unknown).
func (e Event) Location() *time.Location {
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Start and End are the event's times in its own zone.
func (e Event) Start() time.Time { return e.StartsAt.In(e.Location()) }
func (e Event) End() time.Time   { return e.EndsAt.In(e.Location()) }

// When says when the event is, in its own zone, with the zone named: "Thursday 14 May 2026,
// 10:00 am to 12:30 pm ACST (Australia/Adelaide time)".
func (e Event) When() string {
	s, en := e.Start(), e.End()
	out := s.Format("Monday 2 January 2006") + ", " + cpClock(s) + " to "
	if s.Year() != en.Year() || s.YearDay() != en.YearDay() {
		out += en.Format("Monday 2 January 2006") + ", "
	}
	out += cpClock(en) + " " + cpZone(en) + " (" + e.TimeZone + " time)"
	return out
}

// WhenUTC is the start in UTC, for people elsewhere.
func (e Event) WhenUTC() string { return e.StartsAt.UTC().Format("15:04 UTC on 2 January 2006") }

func cpClock(t time.Time) string { return strings.ToLower(t.Format("3:04 PM")) }

// zoneAbbrev is the zone's abbreviation at t ("ACST"), or its offset ("UTC+10:30") when the
// zone has no abbreviation.
func cpZone(t time.Time) string {
	name, off := t.Zone()
	if name != "" && (name[0] < '0' || name[0] > '9') && name[0] != '+' && name[0] != '-' {
		return name
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, off/3600, off%3600/60)
}

// Cancelled reports whether the event is cancelled.
func (e Event) Cancelled() bool { return e.CancelledAt != nil }

// Started reports whether the event has begun at now.
func (e Event) Started(now time.Time) bool { return !now.Before(e.StartsAt) }

// Full reports whether every place is taken.
func (e Event) Full() bool { return e.Capacity > 0 && e.Registered >= e.Capacity }

// PlacesLeft is how many places remain (-1: no limit).
func (e Event) PlacesLeft() int {
	if e.Capacity == 0 {
		return -1
	}
	return max(e.Capacity-e.Registered, 0)
}

// Where says where the event is for people.
func (e Event) Where() string {
	var parts []string
	if e.Venue != "" {
		parts = append(parts, e.Venue)
	}
	if e.PlaceName != "" && !strings.Contains(e.Venue, e.PlaceName) {
		parts = append(parts, e.PlaceName)
	}
	where := strings.Join(parts, ", ")
	switch {
	case e.Online && where != "":
		return where + ", and online"
	case e.Online:
		return "Online"
	}
	return where
}

// EventInput is what a form or the API sends to create or change an event. Start and End are
// local date-times in TimeZone ("2026-05-14T10:00").
type EventInput struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	WorkgroupID int64  `json:"workgroup_id,omitempty"`
	Start       string `json:"start"`
	End         string `json:"end"`
	TimeZone    string `json:"time_zone"`
	Online      bool   `json:"online"`
	OnlineURL   string `json:"online_url,omitempty"`
	Venue       string `json:"venue,omitempty"`
	PlaceID     int64  `json:"place_id,omitempty"`
	Capacity    int    `json:"capacity"`
}

// Registration is a person's place at an event (or on its waiting list).
type Registration struct {
	EventID      int64     `json:"event_id"`
	UserID       int64     `json:"user_id"`
	Name         string    `json:"name,omitempty"`
	Email        string    `json:"email,omitempty"`
	Status       string    `json:"status"`
	RegisteredAt time.Time `json:"registered_at"`
	// Position is the place on the waiting list (1 is next), for those waiting.
	Position int `json:"waitlist_position,omitempty"`
}

// parseLocal reads a local date-time in loc, adding a message on failure. A time that does
// not exist in the zone (skipped when clocks go forward) is refused.
func parseLocal(c *valid.Checker, field, s string, loc *time.Location) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		c.Add(field, "Enter a date and time.")
		return time.Time{}
	}
	if len(s) == len(localLayout)+3 && s[len(localLayout)] == ':' { // seconds: "…T10:00:00"
		s = s[:len(localLayout)]
	}
	t, err := time.ParseInLocation(localLayout, s, loc)
	if err != nil {
		c.Add(field, "Enter a date and time like 2026-05-14T10:00.")
		return time.Time{}
	}
	if t.Year() < 2000 || t.Year() > 2200 {
		c.Add(field, "Enter a year between 2000 and 2200.")
		return time.Time{}
	}
	if t.Format(localLayout) != s {
		c.Addf(field, "%s does not exist in %s: the clocks go forward then. Choose another time.", strings.Replace(s, "T", " at ", 1), loc.String())
		return time.Time{}
	}
	return t
}

func (in *EventInput) clean() {
	in.Title = strings.TrimSpace(in.Title)
	in.Description = strings.TrimSpace(in.Description)
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	in.OnlineURL = strings.TrimSpace(in.OnlineURL)
	in.Venue = strings.TrimSpace(in.Venue)
}

// check validates the input and returns the start and end in UTC.
func (in EventInput) check() (start, end time.Time, err error) {
	var c valid.Checker
	c.Text("title", in.Title, "the event's title", maxEventTitle)
	c.MaxLen("description", in.Description, maxDescription)
	var loc *time.Location
	if in.TimeZone == "" {
		c.Add("time_zone", "Choose the time zone the times are in.")
	} else if l, err := time.LoadLocation(in.TimeZone); err != nil || in.TimeZone == "Local" || len(in.TimeZone) > 64 {
		c.Add("time_zone", "Choose a time zone from the list (an IANA name such as Australia/Adelaide).")
	} else {
		loc = l
	}
	if loc != nil {
		start = parseLocal(&c, "start", in.Start, loc)
		end = parseLocal(&c, "end", in.End, loc)
		if !start.IsZero() && !end.IsZero() {
			switch {
			case !end.After(start):
				c.Add("end", "The end must be after the start.")
			case end.Sub(start) > maxEventLength:
				c.Add("end", "An event lasts at most 14 days: check the end.")
			}
		}
	}
	if in.Online {
		c.URL("online_url", in.OnlineURL)
	} else {
		if in.OnlineURL != "" {
			c.Add("online_url", "Tick “online” for an online event, or leave the joining link empty.")
		}
		if in.Venue == "" && in.PlaceID == 0 {
			c.Add("venue", "Enter where the event is, or tick “online”.")
		}
	}
	c.MaxLen("venue", in.Venue, maxEventVenue)
	if strings.ContainsAny(in.Venue, "\r\n") {
		c.Add("venue", "Use a single line.")
	}
	if in.Capacity < 0 || in.Capacity > maxEventCapacity {
		c.Addf("capacity", "Enter a number from 0 (no limit) to %d.", maxEventCapacity)
	}
	if in.WorkgroupID < 0 {
		c.Add("workgroup_id", "Choose a workgroup from the list.")
	}
	if in.PlaceID < 0 {
		c.Add("place_id", "Choose a place from the list.")
	}
	return start.UTC(), end.UTC(), c.Err()
}

// --- store ---

const eventColumns = `e.id, e.community_id, c.slug, c.name, COALESCE(c.organisation_id, 0), COALESCE(e.workgroup_id, 0), COALESCE(w.name, ''),
	e.title, e.description, e.starts_at, e.ends_at, e.time_zone, e.online, e.online_url, COALESCE(e.place_id, 0), COALESCE(pl.name, ''),
	e.venue, e.capacity,
	(SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.status = 'registered'),
	(SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted'),
	e.created_at, e.updated_at, e.cancelled_at`

const eventFrom = ` FROM events e JOIN communities c ON c.id = e.community_id
	LEFT JOIN workgroups w ON w.id = e.workgroup_id LEFT JOIN places pl ON pl.id = e.place_id`

func scanEvent(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var cancelled sql.NullTime
	err := row.Scan(&e.ID, &e.CommunityID, &e.CommunitySlug, &e.CommunityName, &e.OrgID, &e.WorkgroupID, &e.WorkgroupName,
		&e.Title, &e.Description, &e.StartsAt, &e.EndsAt, &e.TimeZone, &e.Online, &e.OnlineURL, &e.PlaceID, &e.PlaceName,
		&e.Venue, &e.Capacity, &e.Registered, &e.Waitlisted, &e.CreatedAt, &e.UpdatedAt, &cancelled)
	if cancelled.Valid {
		t := cancelled.Time.UTC()
		e.CancelledAt = &t
	}
	e.StartsAt, e.EndsAt, e.CreatedAt, e.UpdatedAt = e.StartsAt.UTC(), e.EndsAt.UTC(), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, db.MapError(err)
}

func eventByID(ctx context.Context, q db.Q, id int64) (Event, error) {
	return scanEvent(q.QueryRow(ctx, "SELECT "+eventColumns+eventFrom+" WHERE e.id = ?", id))
}

func listEvents(ctx context.Context, q db.Q, where string, args []any, order string, limit int) ([]Event, error) {
	query := "SELECT " + eventColumns + eventFrom + " WHERE " + where + " ORDER BY " + order
	if limit > 0 {
		query += " LIMIT " + strconv.Itoa(limit)
	}
	var out []Event
	err := db.Each(ctx, q, query, args, func(rows *sql.Rows) error {
		e, err := scanEvent(rows)
		out = append(out, e)
		return err
	})
	return out, err
}

const registrationColumns = `r.event_id, r.user_id, u.name, u.email, r.status, r.registered_at`

func scanRegistration(row interface{ Scan(...any) error }) (Registration, error) {
	var r Registration
	err := row.Scan(&r.EventID, &r.UserID, &r.Name, &r.Email, &r.Status, &r.RegisteredAt)
	return r, db.MapError(err)
}

// registrations lists an event's registrations: those registered, then those waiting in the
// order they came.
func registrations(ctx context.Context, q db.Q, eventID int64) ([]Registration, error) {
	var out []Registration
	pos := 0
	err := db.Each(ctx, q, "SELECT "+registrationColumns+` FROM event_registrations r JOIN users u ON u.id = r.user_id
		WHERE r.event_id = ? ORDER BY CASE WHEN r.status = 'registered' THEN 0 ELSE 1 END, r.registered_at, r.user_id`, []any{eventID},
		func(rows *sql.Rows) error {
			r, err := scanRegistration(rows)
			if r.Status == Waitlisted {
				pos++
				r.Position = pos
			}
			out = append(out, r)
			return err
		})
	return out, err
}

func registrationOf(ctx context.Context, q db.Q, eventID, userID int64) (Registration, error) {
	if userID == 0 {
		return Registration{}, db.ErrNotFound
	}
	r, err := scanRegistration(q.QueryRow(ctx, "SELECT "+registrationColumns+` FROM event_registrations r JOIN users u ON u.id = r.user_id
		WHERE r.event_id = ? AND r.user_id = ?`, eventID, userID))
	if err != nil || r.Status != Waitlisted {
		return r, err
	}
	err = q.QueryRow(ctx, `SELECT COUNT(*) FROM event_registrations o WHERE o.event_id = ? AND o.status = 'waitlisted'
		AND (o.registered_at < ? OR (o.registered_at = ? AND o.user_id <= ?))`, eventID, r.RegisteredAt, r.RegisteredAt, userID).Scan(&r.Position)
	return r, err
}

func indexEvent(ctx context.Context, q db.Q, e Event) error {
	if e.Cancelled() {
		return search.Remove(ctx, q, EventKind, e.ID)
	}
	body := e.When() + "\n" + e.Where() + "\n" + e.CommunityName + "\n" + MarkdownText(e.Description)
	var places []int64
	if e.PlaceID != 0 {
		places = []int64{e.PlaceID}
	}
	return search.Index(ctx, q, search.Doc{Kind: EventKind, RecordID: e.ID, Title: e.Title, Body: body, URL: e.URL(),
		Public: true, Visibility: search.VisPublic, OrgID: e.OrgID, Places: places})
}

// reindexEvents rewrites the search documents of a community's events (after it is renamed).
func reindexEvents(ctx context.Context, q db.Q, c CoP) error {
	evs, err := listEvents(ctx, q, "e.community_id = ?", []any{c.ID}, "e.id", 0)
	if err != nil {
		return err
	}
	for _, e := range evs {
		if err := indexEvent(ctx, q, e); err != nil {
			return err
		}
	}
	return nil
}

// --- reading ---

// EventView is an event with what the person asking may do and has done.
type EventView struct {
	Event  Event
	Access Access
	Mine   *Registration // the asker's registration, if any
	// Registrations lists everyone registered and waiting, for those who manage the community.
	Registrations []Registration
}

// CanRegister reports whether the asker may register now (a member, the event not started
// nor cancelled, not already registered).
func (v EventView) CanRegister(now time.Time) bool {
	return v.Access.Member() && v.Mine == nil && !v.Event.Cancelled() && !v.Event.Started(now)
}

// ShowJoinLink reports whether the asker may see the online joining link.
func (v EventView) ShowJoinLink() bool {
	return v.Access.Manage || (v.Mine != nil && v.Mine.Status == Registered)
}

// Events lists a community's events: upcoming ones (not ended at now) soonest first, or past
// ones latest first.
func (s *Service) Events(ctx context.Context, communityID int64, upcoming bool, now time.Time, limit int) ([]Event, error) {
	if upcoming {
		return listEvents(ctx, s.DB, "e.community_id = ? AND e.ends_at > ?", []any{communityID, now}, "e.starts_at, e.id", limit)
	}
	return listEvents(ctx, s.DB, "e.community_id = ? AND e.ends_at <= ?", []any{communityID, now}, "e.starts_at DESC, e.id DESC", limit)
}

// EventsPage lists a community's events for the API, by ID after the cursor.
func (s *Service) EventsPage(ctx context.Context, ref string, pg api.Page) (Access, []Event, error) {
	a, err := s.Community(ctx, ref)
	if err != nil {
		return a, nil, err
	}
	evs, err := listEvents(ctx, s.DB, "e.community_id = ? AND e.id > ?", []any{a.Community.ID, pg.After}, "e.id", pg.Limit+1)
	for i := range evs {
		evs[i].OnlineURL = ""
	}
	return a, evs, err
}

// Event loads an event for the person in ctx. Everyone may see it; the joining link of an
// online event only those registered and those who manage the community.
func (s *Service) Event(ctx context.Context, id int64) (EventView, error) {
	e, err := eventByID(ctx, s.DB, id)
	if err != nil {
		return EventView{}, err
	}
	a, err := s.accessByID(ctx, s.DB, e.CommunityID)
	if err != nil {
		return EventView{}, err
	}
	if a.Community.ArchivedAt != nil && !a.Manage {
		return EventView{}, db.ErrNotFound
	}
	v := EventView{Event: e, Access: a}
	r, err := registrationOf(ctx, s.DB, id, authz.From(ctx).UserID)
	switch {
	case err == nil:
		v.Mine = &r
	case !errors.Is(err, db.ErrNotFound):
		return v, err
	}
	if a.Manage {
		if v.Registrations, err = registrations(ctx, s.DB, id); err != nil {
			return v, err
		}
	}
	if !v.ShowJoinLink() {
		v.Event.OnlineURL = ""
	}
	return v, nil
}

// --- changes ---

func (s *Service) checkEventRefs(ctx context.Context, q db.Q, communityID int64, in EventInput) error {
	var c valid.Checker
	if in.WorkgroupID != 0 {
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM workgroups WHERE id = ? AND community_id = ?", in.WorkgroupID, communityID).Scan(&n); err != nil {
			return err
		}
		c.Check(n > 0, "workgroup_id", "Choose a workgroup of this community.")
	}
	if in.PlaceID != 0 {
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM places WHERE id = ? AND archived_at IS NULL", in.PlaceID).Scan(&n); err != nil {
			return err
		}
		c.Check(n > 0, "place_id", "Choose a place from the list.")
	}
	return c.Err()
}

// CreateEvent adds an event to a community (those who manage it).
func (s *Service) CreateEvent(ctx context.Context, ref string, in EventInput) (Event, error) {
	p := authz.From(ctx)
	a, err := s.Community(ctx, ref)
	if err != nil {
		return Event{}, err
	}
	if !a.Manage {
		return Event{}, audit.Deny(ctx, s.DB, "event.create", "community", a.Community.ID)
	}
	in.clean()
	start, end, err := in.check()
	if err != nil {
		return Event{}, err
	}
	var e Event
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkEventRefs(ctx, tx, a.Community.ID, in); err != nil {
			return err
		}
		now := s.Now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO events (community_id, workgroup_id, title, description, starts_at, ends_at, time_zone,
			online, online_url, place_id, venue, capacity, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.Community.ID, cpNullID(in.WorkgroupID), in.Title, in.Description, start, end, in.TimeZone,
			in.Online, in.OnlineURL, cpNullID(in.PlaceID), in.Venue, in.Capacity, cpNullID(p.UserID), now, now).Scan(&id); err != nil {
			return db.MapError(err)
		}
		if e, err = eventByID(ctx, tx, id); err != nil {
			return err
		}
		if err := indexEvent(ctx, tx, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "event.create", TargetKind: "event", TargetID: id, Target: e.Title})
	})
	return e, err
}

// manageEvent loads an event for a change by those who manage its community.
func (s *Service) manageEvent(ctx context.Context, id int64, action string) (Event, Access, error) {
	e, err := eventByID(ctx, s.DB, id)
	if err != nil {
		return e, Access{}, err
	}
	a, err := s.accessByID(ctx, s.DB, e.CommunityID)
	if err != nil {
		return e, a, err
	}
	if !a.Manage {
		if a.Community.ArchivedAt != nil {
			return e, a, db.ErrNotFound
		}
		return e, a, audit.Deny(ctx, s.DB, action, "event", id)
	}
	return e, a, nil
}

// UpdateEvent changes an event (those who manage its community). Raising the capacity gives
// places to those waiting, first come first served, and tells them by email.
func (s *Service) UpdateEvent(ctx context.Context, id int64, in EventInput) (Event, error) {
	old, _, err := s.manageEvent(ctx, id, "event.update")
	if err != nil {
		return Event{}, err
	}
	in.clean()
	start, end, err := in.check()
	if err != nil {
		return Event{}, err
	}
	var e Event
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkEventRefs(ctx, tx, old.CommunityID, in); err != nil {
			return err
		}
		if err := lockEvent(ctx, tx, id); err != nil {
			return err
		}
		if err := db.Affected(tx.Exec(ctx, `UPDATE events SET workgroup_id = ?, title = ?, description = ?, starts_at = ?, ends_at = ?, time_zone = ?,
			online = ?, online_url = ?, place_id = ?, venue = ?, capacity = ?, updated_at = ? WHERE id = ?`,
			cpNullID(in.WorkgroupID), in.Title, in.Description, start, end, in.TimeZone, in.Online, in.OnlineURL, cpNullID(in.PlaceID),
			in.Venue, in.Capacity, s.Now(), id)); err != nil {
			return err
		}
		if e, err = eventByID(ctx, tx, id); err != nil {
			return err
		}
		if err := s.promote(ctx, tx, e); err != nil {
			return err
		}
		if e, err = eventByID(ctx, tx, id); err != nil {
			return err
		}
		if err := indexEvent(ctx, tx, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "event.update", TargetKind: "event", TargetID: id, Target: e.Title,
			Detail: cpChanged(map[string][2]string{"title": {old.Title, e.Title}, "description": {old.Description, e.Description},
				"starts_at": {old.StartsAt.String(), e.StartsAt.String()}, "ends_at": {old.EndsAt.String(), e.EndsAt.String()},
				"time_zone": {old.TimeZone, e.TimeZone}, "where": {old.Where() + old.OnlineURL, e.Where() + e.OnlineURL},
				"capacity": {strconv.Itoa(old.Capacity), strconv.Itoa(e.Capacity)}, "workgroup": {old.WorkgroupName, e.WorkgroupName}})})
	})
	return e, err
}

// CancelEvent cancels an event (those who manage its community); everyone registered or
// waiting is told by email. Cancelling again changes nothing.
func (s *Service) CancelEvent(ctx context.Context, id int64) (Event, error) {
	old, _, err := s.manageEvent(ctx, id, "event.cancel")
	if err != nil {
		return Event{}, err
	}
	if old.Cancelled() {
		return old, nil
	}
	var e Event
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := s.Now()
		if err := db.Affected(tx.Exec(ctx, "UPDATE events SET cancelled_at = ?, updated_at = ? WHERE id = ? AND cancelled_at IS NULL", now, now, id)); err != nil {
			return err
		}
		if e, err = eventByID(ctx, tx, id); err != nil {
			return err
		}
		regs, err := registrations(ctx, tx, id)
		if err != nil {
			return err
		}
		var msgs []mail.Message
		for _, r := range regs {
			msgs = append(msgs, mail.Message{To: cpMailAddress(r.Name, r.Email), Subject: "Cancelled: " + cpOneLine(e.Title),
				Text: fmt.Sprintf("Hello %s,\n\n%s, planned for %s, is cancelled. We are sorry for the change of plans.\n\n%s\n",
					r.Name, e.Title, e.When(), s.link(e.URL()))})
		}
		s.sendAfter(ctx, tx, msgs...)
		if err := indexEvent(ctx, tx, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "event.cancel", TargetKind: "event", TargetID: id, Target: e.Title,
			Detail: fmt.Sprintf("%d people told", len(regs))})
	})
	return e, err
}

// lockEvent takes the event's row for the rest of the transaction on PostgreSQL, so that two
// registrations at once cannot both take the last place (SQLite has a single writer).
func lockEvent(ctx context.Context, tx *db.Tx, id int64) error {
	if tx.Dialect() != db.Postgres {
		return nil
	}
	var one int64
	return db.MapError(tx.QueryRow(ctx, "SELECT id FROM events WHERE id = ? FOR UPDATE", id).Scan(&one))
}

// registrationRefused refuses a registration with a reason (409 Conflict).
func registrationRefused(msg string) error {
	return &api.BadRequest{Status: http.StatusConflict, Msg: msg}
}

// Register registers the person in ctx for an event of a community they are an active member
// of: with a place while there is one, otherwise on the waiting list. Registering again
// changes nothing.
func (s *Service) Register(ctx context.Context, id int64) (Registration, error) {
	p := authz.From(ctx)
	if !p.SignedIn() {
		return Registration{}, authz.ErrForbidden
	}
	e, err := eventByID(ctx, s.DB, id)
	if err != nil {
		return Registration{}, err
	}
	a, err := s.accessByID(ctx, s.DB, e.CommunityID)
	if err != nil {
		return Registration{}, err
	}
	if a.Community.ArchivedAt != nil && !a.Manage {
		return Registration{}, db.ErrNotFound
	}
	if !a.Member() {
		return Registration{}, audit.Deny(ctx, s.DB, "event.register", "event", id)
	}
	if r, err := registrationOf(ctx, s.DB, id, p.UserID); err == nil {
		return r, nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return Registration{}, err
	}
	switch {
	case e.Cancelled():
		return Registration{}, registrationRefused("This event is cancelled: registration is closed.")
	case e.Started(s.Now()):
		return Registration{}, registrationRefused("This event has started or is over: registration is closed.")
	}
	var r Registration
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := lockEvent(ctx, tx, id); err != nil {
			return err
		}
		e, err := eventByID(ctx, tx, id)
		if err != nil {
			return err
		}
		status := Registered
		if e.Full() {
			status = Waitlisted
		}
		if _, err := tx.Exec(ctx, `INSERT INTO event_registrations (event_id, user_id, status, registered_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (event_id, user_id) DO NOTHING`, id, p.UserID, status, s.Now()); err != nil {
			return err
		}
		if r, err = registrationOf(ctx, tx, id, p.UserID); err != nil {
			return err
		}
		action := "event.register"
		if r.Status == Waitlisted {
			action = "event.waitlist"
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "event", TargetID: id, Target: e.Title})
	})
	return r, err
}

// Unregister cancels the registration of the person in ctx (or takes them off the waiting
// list). A place freed goes to the first person waiting, who is told by email. Without a
// registration it is "not found".
func (s *Service) Unregister(ctx context.Context, id int64) error {
	p := authz.From(ctx)
	if !p.SignedIn() {
		return authz.ErrForbidden
	}
	if _, err := eventByID(ctx, s.DB, id); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := lockEvent(ctx, tx, id); err != nil {
			return err
		}
		if err := db.Affected(tx.Exec(ctx, "DELETE FROM event_registrations WHERE event_id = ? AND user_id = ?", id, p.UserID)); err != nil {
			return err
		}
		e, err := eventByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "event.unregister", TargetKind: "event", TargetID: id, Target: e.Title}); err != nil {
			return err
		}
		return s.promote(ctx, tx, e)
	})
}

// promote gives the places free at event e to those waiting, in the order they came, and
// tells each by email (after the commit). A cancelled or started event promotes no one.
func (s *Service) promote(ctx context.Context, tx *db.Tx, e Event) error {
	if e.Cancelled() || e.Started(s.Now()) || e.Waitlisted == 0 {
		return nil
	}
	free := e.Waitlisted
	if e.Capacity > 0 {
		free = e.Capacity - e.Registered
	}
	if free <= 0 {
		return nil
	}
	var next []Registration
	err := db.Each(ctx, tx, "SELECT "+registrationColumns+` FROM event_registrations r JOIN users u ON u.id = r.user_id
		WHERE r.event_id = ? AND r.status = 'waitlisted' ORDER BY r.registered_at, r.user_id LIMIT `+strconv.Itoa(free), []any{e.ID},
		func(rows *sql.Rows) error {
			r, err := scanRegistration(rows)
			next = append(next, r)
			return err
		})
	if err != nil {
		return err
	}
	var msgs []mail.Message
	for _, r := range next {
		if err := db.Affected(tx.Exec(ctx, "UPDATE event_registrations SET status = 'registered' WHERE event_id = ? AND user_id = ? AND status = 'waitlisted'",
			e.ID, r.UserID)); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "event.promote", TargetKind: "event", TargetID: e.ID, Target: e.Title,
			Detail: fmt.Sprintf("user %d moved from the waiting list to registered", r.UserID)}); err != nil {
			return err
		}
		msgs = append(msgs, mail.Message{To: cpMailAddress(r.Name, r.Email), Subject: "You have a place: " + cpOneLine(e.Title),
			Text: fmt.Sprintf("Hello %s,\n\nA place came free at %s, and it is yours: you are now registered.\n\nWhen: %s\nWhere: %s\n\n"+
				"Details, the calendar entry, and a button to cancel if you can no longer come:\n%s\n",
				r.Name, e.Title, e.When(), e.Where(), s.link(e.URL()))})
	}
	s.sendAfter(ctx, tx, msgs...)
	return nil
}

// --- calendar (.ics, RFC 5545) ---

// ICS is the event as an iCalendar file (RFC 5545): one VEVENT with its times in UTC, lines
// ending in CRLF and folded at 75 octets, text escaped, the description as plain text. base is the site's address (for the
// UID's domain and the URL); joinURL, when given, is added to the description (for those
// registered).
func ICS(e Event, base, joinURL string) []byte {
	host := "joinedup"
	base = strings.TrimRight(base, "/")
	if i := strings.Index(base, "://"); i >= 0 {
		host = strings.SplitN(base[i+3:], "/", 2)[0]
		if j := strings.LastIndexByte(host, '@'); j >= 0 {
			host = host[j+1:]
		}
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	desc := MarkdownText(e.Description)
	if joinURL != "" {
		desc = strings.TrimSpace(desc + "\n\nJoin online: " + joinURL)
	} else if e.Online {
		desc = strings.TrimSpace(desc + "\n\nOnline: the joining link is on the event's page for those registered.")
	}
	desc = strings.TrimSpace(desc + "\n\n" + e.CommunityName + ", times in " + e.TimeZone + ": " + e.When() + ".")
	var b strings.Builder
	line := func(name, value string) { b.WriteString(icsFold(name + ":" + value)) }
	const utc = "20060102T150405Z"
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Joined Up//Communities of practice//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("BEGIN", "VEVENT")
	line("UID", fmt.Sprintf("event-%d@%s", e.ID, icsURI(host)))
	line("DTSTAMP", e.UpdatedAt.UTC().Format(utc))
	line("LAST-MODIFIED", e.UpdatedAt.UTC().Format(utc))
	line("DTSTART", e.StartsAt.UTC().Format(utc))
	line("DTEND", e.EndsAt.UTC().Format(utc))
	line("SUMMARY", ICSText(e.Title))
	line("DESCRIPTION", ICSText(desc))
	if where := e.Where(); where != "" {
		line("LOCATION", ICSText(where))
	}
	if base != "" {
		line("URL", icsURI(base+e.URL()))
	}
	if e.Cancelled() {
		line("STATUS", "CANCELLED")
	} else {
		line("STATUS", "CONFIRMED")
	}
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return []byte(b.String())
}

// ICSText escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma get a
// backslash, line breaks become \n, other control characters are dropped.
func ICSText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icsURI keeps a URI value on one line: control characters and spaces are dropped.
func icsURI(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// icsFold ends a content line with CRLF, folding it (RFC 5545 §3.1) so that no line is longer
// than 75 octets: each continuation starts with one space; a UTF-8 character is never split.
func icsFold(line string) string {
	const limit = 75
	var b strings.Builder
	first := true
	for len(line) > 0 {
		room := limit
		if !first {
			room-- // the leading space
			b.WriteByte(' ')
		}
		n := min(room, len(line))
		for k := n; k < len(line) && k > n-utf8.UTFMax && k > 0; k-- {
			if utf8.RuneStart(line[k]) {
				n = k
				break
			}
		}
		b.WriteString(line[:n])
		b.WriteString("\r\n")
		line = line[n:]
		first = false
	}
	if first {
		b.WriteString("\r\n")
	}
	return b.String()
}
