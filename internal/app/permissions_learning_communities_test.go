package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/learning"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
)

// Who may use the pages and API of communities of practice. The fixture's community
// (matrixLearningCommunityFixtures) is hosted by organisation A and open; A's viewer is its one
// member (not a host), registered for its event, author of its thread and library item.
// About pages, workgroups and events are public; threads and the library are for members and
// those who run the community (A's managers and admins, site admins); members join
// workgroups and register for events. Site admins and managers of any organisation (B's admin
// for B) create communities. Empty forms count as let through when they answer 422 (400 for
// an upload that is not multipart, or a redirect with a message).
func init() {
	for k, v := range map[string]string{
		"GET /communities":                                          "YYYYYYY",
		"GET /communities/new":                                      "---YYYY",
		"POST /communities":                                         "---YYYY",
		"GET /communities/{id}":                                     "YYYYYYY",
		"GET /communities/{id}/edit":                                "---YY-Y",
		"POST /communities/{id}":                                    "---YY-Y",
		"POST /communities/{id}/archive":                            "---YY-Y",
		"POST /communities/{id}/join":                               "-YYYYYY",
		"POST /communities/{id}/leave":                              "-YYYYYY",
		"POST /communities/{id}/digest":                             "-Y-----",
		"GET /communities/{id}/members":                             "---YY-Y",
		"POST /communities/{id}/members/{user_id}":                  "---YY-Y",
		"POST /communities/{id}/members/{user_id}/delete":           "---YY-Y",
		"GET /communities/{id}/workgroups/new":                      "---YY-Y",
		"POST /communities/{id}/workgroups":                         "---YY-Y",
		"GET /communities/{id}/workgroups/{workgroup_id}":           "YYYYYYY",
		"GET /communities/{id}/workgroups/{workgroup_id}/edit":      "---YY-Y",
		"POST /communities/{id}/workgroups/{workgroup_id}":          "---YY-Y",
		"POST /communities/{id}/workgroups/{workgroup_id}/join":     "-Y-----",
		"POST /communities/{id}/workgroups/{workgroup_id}/leave":    "-YYYYYY",
		"GET /communities/{id}/threads":                             "-Y-YY-Y",
		"GET /communities/{id}/threads/new":                         "-Y-YY-Y",
		"POST /communities/{id}/threads":                            "-Y-YY-Y",
		"GET /communities/{id}/threads/{thread_id}":                 "-Y-YY-Y",
		"POST /communities/{id}/threads/{thread_id}/replies":        "-Y-YY-Y",
		"GET /communities/{id}/library":                             "-Y-YY-Y",
		"GET /communities/{id}/library/new":                         "-Y-YY-Y",
		"POST /communities/{id}/library":                            "-Y-YY-Y",
		"GET /communities/{id}/events/new":                          "---YY-Y",
		"POST /communities/{id}/events":                             "---YY-Y",
		"GET /events/{id}":                                          "YYYYYYY",
		"GET /events/{id}/edit":                                     "---YY-Y",
		"POST /events/{id}":                                         "---YY-Y",
		"POST /events/{id}/cancel":                                  "---YY-Y",
		"POST /events/{id}/register":                                "-Y-----",
		"POST /events/{id}/unregister":                              "-Y-----",
		"POST /admin/digest/send":                                   "------Y",
		"GET /api/v1/communities":                                   "YYYYYYY",
		"POST /api/v1/communities":                                  "---YYYY",
		"GET /api/v1/communities/{id}":                              "YYYYYYY",
		"PUT /api/v1/communities/{id}":                              "---YY-Y",
		"POST /api/v1/communities/{id}/archive":                     "---YY-Y",
		"POST /api/v1/communities/{id}/membership":                  "-YYYYYY",
		"PUT /api/v1/communities/{id}/membership":                   "-Y-----",
		"DELETE /api/v1/communities/{id}/membership":                "-YYYYYY",
		"GET /api/v1/communities/{id}/members":                      "---YY-Y",
		"PUT /api/v1/communities/{id}/members/{user_id}":            "---YY-Y",
		"DELETE /api/v1/communities/{id}/members/{user_id}":         "---YY-Y",
		"GET /api/v1/communities/{id}/workgroups":                   "YYYYYYY",
		"POST /api/v1/communities/{id}/workgroups":                  "---YY-Y",
		"GET /api/v1/communities/{id}/threads":                      "-Y-YY-Y",
		"POST /api/v1/communities/{id}/threads":                     "-Y-YY-Y",
		"GET /api/v1/communities/{id}/threads/{thread_id}":          "-Y-YY-Y",
		"POST /api/v1/communities/{id}/threads/{thread_id}/replies": "-Y-YY-Y",
		"GET /api/v1/communities/{id}/library":                      "-Y-YY-Y",
		"POST /api/v1/communities/{id}/library":                     "-Y-YY-Y",
		"GET /api/v1/communities/{id}/events":                       "YYYYYYY",
		"POST /api/v1/communities/{id}/events":                      "---YY-Y",
		"GET /api/v1/events/{id}":                                   "YYYYYYY",
		"PUT /api/v1/events/{id}":                                   "---YY-Y",
		"POST /api/v1/events/{id}/cancel":                           "---YY-Y",
		"GET /api/v1/events/{id}/registrations":                     "---YY-Y",
		"GET /api/v1/events/{id}/registration":                      "-Y-----",
		"POST /api/v1/events/{id}/registration":                     "-Y-----",
		"DELETE /api/v1/events/{id}/registration":                   "-Y-----",
	} {
		permissionRules[k] = v
	}
}

// matrixLearningCommunityFixtures adds organisation A's open community (by its slug) with A's
// viewer as its member, a workgroup, an event a month ahead with the viewer registered, a
// thread and a library link by the viewer.
func matrixLearningCommunityFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	s := f.app.Learning
	c, err := s.CreateCommunity(ctx, learning.CommunityInput{Name: "Testville practice", JoinPolicy: learning.JoinOpen, OrgID: orgA})
	if err != nil {
		t.Fatal(err)
	}
	v := users["viewer"]
	asViewer := authz.With(ctx, authz.Principal{UserID: v.ID, Name: v.Name, Email: v.Email})
	if _, err := s.Join(asViewer, c.Slug); err != nil {
		t.Fatal(err)
	}
	wg, err := s.CreateWorkgroup(ctx, c.Slug, learning.WorkgroupInput{Name: "Measures"})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	ev, err := s.CreateEvent(ctx, c.Slug, learning.EventInput{Title: "Testville forum", Start: day + "T10:00", End: day + "T12:00",
		TimeZone: "Australia/Adelaide", Venue: "Testville hall", Capacity: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(asViewer, ev.ID); err != nil {
		t.Fatal(err)
	}
	th, err := s.CreateThread(asViewer, c.Slug, learning.ThreadInput{Title: "Hello", Body: "Who is here?"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddLibraryItem(asViewer, c.Slug, learning.LibraryInput{Title: "A tool", URL: "https://example.org/tool"}); err != nil {
		t.Fatal(err)
	}
	f.ids["communities"] = c.Slug
	f.ids["communities/members"] = fmt.Sprint(v.ID)
	f.ids["communities/workgroups"] = fmt.Sprint(wg.ID)
	f.ids["communities/threads"] = fmt.Sprint(th.ID)
	f.ids["events"] = fmt.Sprint(ev.ID)
}
