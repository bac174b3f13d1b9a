package satisfaction

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

func colMember(org int64, role authz.Role) authz.Principal {
	return authz.Principal{UserID: 10 + int64(len(role)), Email: string(role) + "@example.org", Roles: map[int64]authz.Role{org: role}}
}

func TestLinksService(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newColEnv(t, d, "links", nil)
		ctx := context.Background()
		org := e.s.OrgID
		as := func(p authz.Principal) context.Context { return authz.With(ctx, p) }
		manager, contributor, viewer := as(colMember(org, authz.Manager)), as(colMember(org, authz.Contributor)), as(colMember(org, authz.Viewer))
		outsider := as(colMember(org+1000, authz.Admin))

		place, err := e.svc.Dir.CreatePlace(as(authz.System), directory.PlaceInput{Name: "Tennant Creek", Kind: "community"})
		if err != nil {
			t.Fatal(err)
		}
		in := LinkInput{Label: "  Front counter ", Channel: "in_person", PlaceID: place.ID}
		if _, err := e.svc.CreateLink(contributor, e.s.ID, in); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("contributor creates: %v, want forbidden", err)
		}
		if _, err := e.svc.CreateLink(outsider, e.s.ID, in); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("outsider creates: %v, want not found", err)
		}
		for _, bad := range []LinkInput{{Channel: "online"}, {Label: "x", Channel: "pigeon"}, {Label: "x"}, {Label: "x", Channel: "online", PlaceID: 424242}} {
			_, err := e.svc.CreateLink(manager, e.s.ID, bad)
			if _, ok := valid.As(err); !ok {
				t.Errorf("%+v: %v, want field errors", bad, err)
			}
		}
		l, err := e.svc.CreateLink(manager, e.s.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if l.Label != "Front counter" || len(l.Code) != linkCodeLen || l.PlaceName != "Tennant Creek" || l.ID == 0 {
			t.Errorf("link %+v", l)
		}
		// Seen by contributors, not viewers, not outsiders.
		if _, links, err := e.svc.Links(contributor, e.s.ID); err != nil || len(links) != 1 || links[0].Code != l.Code {
			t.Errorf("contributor lists: %v %v", links, err)
		}
		if _, _, err := e.svc.Links(viewer, e.s.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("viewer lists: %v", err)
		}
		if _, _, err := e.svc.Links(outsider, e.s.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("outsider lists: %v", err)
		}
		// Archive and restore, audited; an archived link still records its channel.
		if _, err := e.svc.ArchiveLink(contributor, e.s.ID, l.ID, true); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("contributor archives: %v", err)
		}
		if a, err := e.svc.ArchiveLink(manager, e.s.ID, l.ID, true); err != nil || a.Archived == nil {
			t.Fatalf("archive: %+v %v", a, err)
		}
		wantStatus(t, "through an archived link", e.postJSON("/s/links", `{"answers":{"overall":4},"via":"`+l.Code+`"}`), 201)
		if a, err := e.svc.ArchiveLink(manager, e.s.ID, l.ID, false); err != nil || a.Archived != nil {
			t.Fatalf("restore: %+v %v", a, err)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE target_kind = 'survey' AND target_id = ? AND action IN ('survey.link.create', 'survey.link.archive', 'survey.link.restore') AND outcome = 'success'", e.s.ID).Scan(&n); err != nil || n != 3 {
			t.Errorf("audit rows %d %v, want 3", n, err)
		}
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.link.create' AND outcome = 'denied'").Scan(&n); err != nil || n != 1 {
			t.Errorf("denials audited %d %v, want 1", n, err)
		}
		// A new link reaches the public page at once (the cache was invalidated).
		l2, err := e.svc.CreateLink(manager, e.s.ID, LinkInput{Label: "Phone", Channel: "phone"})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "new via", e.get("/s/links?via="+l2.Code), 200, `value="`+l2.Code+`"`)
	})
}

func TestLinkPages(t *testing.T) {
	e := newColEnv(t, dbtest.SQLite(t), "pages", nil)
	org := e.s.OrgID
	e.setPrincipal(colMember(org, authz.Manager))
	wantStatus(t, "list", e.get("/surveys/"+colID(e.s.ID)+"/links"), 200, "Links and posters", "There are no links yet", "Make a link",
		"https://surveys.example.org/s/pages")
	// Errors keep the form and change nothing.
	rec := e.postForm("/surveys/"+colID(e.s.ID)+"/links", url.Values{"label": {"Counter"}, "channel": {"pigeon"}})
	wantStatus(t, "bad link", rec, 422, "There is a problem", `value="Counter"`)
	rec = e.postForm("/surveys/"+colID(e.s.ID)+"/links", url.Values{"label": {"Counter"}, "channel": {"in_person"}})
	if rec.Code != 303 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	_, links, err := e.svc.Links(authz.With(context.Background(), authz.System), e.s.ID)
	if err != nil || len(links) != 1 {
		t.Fatalf("links %v %v", links, err)
	}
	l := links[0]
	base := "/surveys/" + colID(e.s.ID) + "/links/" + colID(l.ID)
	wantURL := "https://surveys.example.org/s/pages?via=" + l.Code
	wantStatus(t, "poster", e.get(base+"/poster"), 200, "Tell us how we did", wantURL, `<svg xmlns="http://www.w3.org/2000/svg"`,
		`role="img"`, "In person", "Counter survey")
	rec = e.get(base + "/qr.svg")
	wantStatus(t, "qr", rec, 200, "<svg", "QR code for "+wantURL)
	if rec.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("qr type %q", rec.Header().Get("Content-Type"))
	}
	// The API.
	rec = e.get("/api/v1/surveys/pages/links")
	wantStatus(t, "API list", rec, 200)
	var out []LinkOut
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out) != 1 || out[0].URL != wantURL || out[0].Code != l.Code {
		t.Errorf("API list %s: %v", rec.Body.String(), err)
	}
	rec = e.postJSON("/api/v1/surveys/pages/links", `{"label":"Helpline","channel":"phone"}`)
	wantStatus(t, "API create", rec, 201, `"channel":"phone"`, `"url":"https://surveys.example.org/s/pages?via=`)
	wantStatus(t, "API bad", e.postJSON("/api/v1/surveys/pages/links", `{"label":"","channel":"phone"}`), 422)
	// Tokens: refused while the survey does not require them; then a CSV of personal links.
	wantStatus(t, "tokens refused", e.postForm("/surveys/"+colID(e.s.ID)+"/tokens", url.Values{"count": {"3"}}), 422, "does not ask for personal links")
	if _, err := e.d.Exec(context.Background(), "UPDATE surveys SET require_token = ? WHERE id = ?", true, e.s.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "too many", e.postForm("/surveys/"+colID(e.s.ID)+"/tokens", url.Values{"count": {"10001"}}), 422, "from 1 to 10000")
	rec = e.postForm("/surveys/"+colID(e.s.ID)+"/tokens", url.Values{"count": {"3"}, "link": {colID(l.ID)}})
	wantStatus(t, "tokens", rec, 200)
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Errorf("tokens headers %v", rec.Header())
	}
	rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("csv %q %v", rec.Body.String(), err)
	}
	u, err := url.Parse(rows[1][1])
	if err != nil || u.Query().Get("via") != l.Code || !validToken(u.Query().Get("t")) {
		t.Fatalf("personal link %q", rows[1][1])
	}
	e.setPrincipal(authz.Principal{})
	wantStatus(t, "personal link", e.get(u.RequestURI()), 200, `name="_t"`, `name="_via" value="`+l.Code+`"`)
	// A viewer sees none of it; an outsider is told it does not exist.
	e.setPrincipal(colMember(org, authz.Viewer))
	wantStatus(t, "viewer list", e.get("/surveys/"+colID(e.s.ID)+"/links"), 403)
	e.setPrincipal(colMember(org+99, authz.Admin))
	wantStatus(t, "outsider poster", e.get(base+"/poster"), 404)
	wantStatus(t, "outsider API", e.get("/api/v1/surveys/pages/links"), 404)
}

func colID(n int64) string { return strconv.FormatInt(n, 10) }
