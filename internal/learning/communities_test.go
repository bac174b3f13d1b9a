package learning

import (
	"errors"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

func TestSlugify(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Citizen Community of Practice (CCCoP)", "citizen-community-of-practice-cccop"},
		{"  O’Brien's  forum -- 2012 ", "obriens-forum-2012"},
		{"Ngā hapori", "ng-hapori"},
		{"2012", "community-2012"},
		{"", "community"},
		{"!!!", "community"},
		{strings.Repeat("abc ", 30), strings.TrimSuffix(strings.Repeat("abc-", 15), "-")},
	} {
		if got := Slugify(c.in); got != c.want {
			t.Errorf("Slugify(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := Slugify(c.in); len(got) > maxSlug || got != Slugify(got) {
			t.Errorf("Slugify(%q) = %q is not a fixed point within %d bytes", c.in, got, maxSlug)
		}
	}
}

func TestCreateCommunityPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCPFixture(t, d)
		cases := []struct {
			who     string
			org     int64
			wantErr string // "": created; "forbidden"; or the field with a message
		}{
			{"anonymous", f.orgA, "forbidden"},
			{"viewer-a", f.orgA, "forbidden"},
			{"member1", 0, "forbidden"},
			{"manager-a", f.orgB, "organisation_id"},
			{"manager-a", 0, "organisation_id"},
			{"manager-a", f.orgA, ""},
			{"manager-b", f.orgB, ""},
			{"site-admin", 0, ""},
			{"site-admin", 99999, "organisation_id"},
		}
		for i, c := range cases {
			name := "Practice " + strings.Repeat("x", i)
			got, err := f.s.CreateCommunity(f.as(c.who), CommunityInput{Name: name, JoinPolicy: JoinOpen, OrgID: c.org})
			switch c.wantErr {
			case "":
				if err != nil {
					t.Errorf("%s creates for %d: %v", c.who, c.org, err)
					continue
				}
				// The creator is the first host.
				m, err := membership(f.as(c.who), d, got.ID, f.people[c.who].UserID)
				if err != nil || !m.Host() {
					t.Errorf("%s should host %s: %+v %v", c.who, name, m, err)
				}
				if got.Members != 1 || got.OrgID != c.org {
					t.Errorf("%s: members %d org %d", c.who, got.Members, got.OrgID)
				}
			case "forbidden":
				if !errors.Is(err, authz.ErrForbidden) {
					t.Errorf("%s creates: err %v, want forbidden", c.who, err)
				}
			default:
				if ve, ok := valid.As(err); !ok || ve[c.wantErr] == "" {
					t.Errorf("%s creates for %d: err %v, want a message on %s", c.who, c.org, err, c.wantErr)
				}
			}
		}
		// Slugs: unique, checked, and the community is found by slug or ID.
		a, err := f.s.CreateCommunity(f.as("manager-a"), CommunityInput{Name: "Same name", JoinPolicy: JoinOpen, OrgID: f.orgA})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.s.CreateCommunity(f.as("manager-a"), CommunityInput{Name: "Same name", JoinPolicy: JoinRequest, OrgID: f.orgA})
		if err != nil {
			t.Fatal(err)
		}
		if a.Slug != "same-name" || b.Slug != "same-name-2" {
			t.Errorf("slugs %q and %q", a.Slug, b.Slug)
		}
		for _, bad := range []string{"new", "123", "Upper", "two--dashes", "-x"} {
			_, err := f.s.UpdateCommunity(f.as("manager-a"), b.Slug, CommunityInput{Name: "Same name", Slug: bad, JoinPolicy: JoinOpen, OrgID: f.orgA})
			if ve, ok := valid.As(err); !ok || ve["slug"] == "" {
				t.Errorf("slug %q: err %v, want a message on slug", bad, err)
			}
		}
		if _, err := f.s.UpdateCommunity(f.as("manager-a"), b.Slug, CommunityInput{Name: "Same name", Slug: "same-name", JoinPolicy: JoinOpen, OrgID: f.orgA}); err == nil {
			t.Error("a taken slug was accepted")
		}
		for _, ref := range []string{"same-name-2", itoaT(b.ID)} {
			got, err := f.s.Community(f.as("anonymous"), ref)
			if err != nil || got.Community.ID != b.ID {
				t.Errorf("community %q: %+v %v", ref, got.Community, err)
			}
		}
		if _, err := f.s.Community(f.as("anonymous"), "no-such"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown slug: %v", err)
		}
		// Editing: hosts and managers of A; not B's manager, not a plain member.
		if _, err := f.s.Join(f.as("member1"), a.Slug); err != nil {
			t.Fatal(err)
		}
		for who, want := range map[string]bool{"manager-a": true, "site-admin": true, "manager-b": false, "member1": false, "viewer-a": false} {
			_, err := f.s.UpdateCommunity(f.as(who), a.Slug, CommunityInput{Name: "Renamed by " + who, JoinPolicy: JoinOpen, OrgID: f.orgA})
			if (err == nil) != want {
				t.Errorf("%s edits: err %v, want allowed=%v", who, err, want)
			}
		}
		// Archived: gone from the list and from those who do not manage it.
		if _, err := f.s.ArchiveCommunity(f.as("manager-a"), a.Slug, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Community(f.as("member1"), a.Slug); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("archived community seen by a member: %v", err)
		}
		if _, err := f.s.Community(f.as("manager-a"), a.Slug); err != nil {
			t.Errorf("archived community hidden from its manager: %v", err)
		}
		list, _ := f.s.Communities(f.as("site-admin"))
		for _, c := range list {
			if c.ID == a.ID {
				t.Error("archived community listed")
			}
		}
	})
}

func itoaT(n int64) string { return cpItoa(n) }

// TestJoinOpenAndByRequest follows people joining an open community and one by request.
func TestJoinOpenAndByRequest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCPFixture(t, d)
		open := f.community(t, "Open practice", JoinOpen)
		closed := f.community(t, "Closed practice", JoinRequest)
		// A second host of the closed community, to be told of requests too.
		if _, err := f.s.Join(f.as("member5"), closed.Slug); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UpdateMember(f.as("manager-a"), closed.Slug, f.people["member5"].UserID, MemberInput{Status: StatusActive, Role: RoleHost}); err != nil {
			t.Fatal(err)
		}
		f.mail.take()

		cases := []struct {
			who, community string
			wantStatus     string
			wantErr        error
		}{
			{"anonymous", open.Slug, "", authz.ErrForbidden},
			{"member1", open.Slug, StatusActive, nil},
			{"member1", open.Slug, StatusActive, nil}, // again: nothing changes
			{"member2", closed.Slug, StatusRequested, nil},
			{"member2", closed.Slug, StatusRequested, nil},
			{"manager-b", closed.Slug, StatusRequested, nil},
			{"site-admin", closed.Slug, StatusActive, nil}, // those who manage it join at once
			{"member1", "nowhere", "", db.ErrNotFound},
		}
		for _, c := range cases {
			m, err := f.s.Join(f.as(c.who), c.community)
			if !errors.Is(err, c.wantErr) || (err == nil && m.Status != c.wantStatus) {
				t.Errorf("%s joins %s: %+v %v; want %q %v", c.who, c.community, m.Status, err, c.wantStatus, c.wantErr)
			}
		}
		// Two requests, each told to both hosts.
		msgs := f.mail.take()
		if len(msgs) != 4 {
			t.Fatalf("request emails: %d, want 4: %+v", len(msgs), msgs)
		}
		for _, m := range msgs {
			if m.Subject != "Request to join Closed practice" || !strings.Contains(m.Text, "https://joinedup.example/communities/closed-practice/members") {
				t.Errorf("request email: %+v", m)
			}
		}
		a, _ := f.s.Community(f.as("member2"), closed.Slug)
		if a.Member() || !a.Requested() || a.Inside() {
			t.Errorf("a request is not membership: %+v", a)
		}
		if _, _, err := f.s.Threads(f.as("member2"), closed.Slug, 0, 10); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a person with a request reads threads: %v", err)
		}
		// Only those who manage it approve.
		for _, who := range []string{"member1", "member2", "manager-b", "viewer-a"} {
			if _, err := f.s.UpdateMember(f.as(who), closed.Slug, f.people["member2"].UserID, MemberInput{Status: StatusActive}); !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("%s approves: %v", who, err)
			}
		}
		if _, err := f.s.UpdateMember(f.as("member5"), closed.Slug, f.people["member2"].UserID, MemberInput{Status: "banned"}); err == nil {
			t.Error("an unknown status was accepted")
		}
		if _, err := f.s.UpdateMember(f.as("member5"), closed.Slug, f.people["manager-b"].UserID, MemberInput{Role: RoleHost}); err == nil {
			t.Error("a request was made host before approval")
		}
		m, err := f.s.UpdateMember(f.as("member5"), closed.Slug, f.people["member2"].UserID, MemberInput{Status: StatusActive})
		if err != nil || !m.Active() {
			t.Fatalf("approve: %+v %v", m, err)
		}
		msgs = f.mail.take()
		if len(msgs) != 1 || !strings.Contains(msgs[0].To, "member2@example.org") || msgs[0].Subject != "Welcome to Closed practice" {
			t.Errorf("welcome email: %+v", msgs)
		}
		a, _ = f.s.Community(f.as("member2"), closed.Slug)
		if !a.Member() || !a.Inside() || a.Manage {
			t.Errorf("approved member: %+v", a)
		}
		// Declining a request removes it.
		if err := f.s.RemoveMember(f.as("manager-a"), closed.Slug, f.people["manager-b"].UserID); err != nil {
			t.Fatal(err)
		}
		if err := f.s.RemoveMember(f.as("manager-a"), closed.Slug, f.people["manager-b"].UserID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("removing twice: %v", err)
		}
		_, ms, err := f.s.Members(f.as("member5"), closed.Slug)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range ms {
			names = append(names, strings.TrimPrefix(m.Name, "Test ")+"/"+m.Role)
		}
		if got := strings.Join(names, " "); got != "manager-a/host member5/host member2/member site-admin/member" {
			t.Errorf("members: %s", got)
		}
		if _, _, err := f.s.Members(f.as("member2"), closed.Slug); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a member lists members: %v", err)
		}
		// A workgroup membership ends with the community's.
		wg, err := f.s.CreateWorkgroup(f.as("member5"), closed.Slug, WorkgroupInput{Name: "Measures"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.JoinWorkgroup(f.as("member2"), closed.Slug, wg.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.s.JoinWorkgroup(f.as("outsider"), closed.Slug, wg.ID, true); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("an outsider joins a workgroup: %v", err)
		}
		if err := f.s.Leave(f.as("member2"), closed.Slug); err != nil {
			t.Fatal(err)
		}
		v, _ := f.s.Workgroup(f.as("member5"), closed.Slug, wg.ID)
		if v.Workgroup.Members != 0 {
			t.Errorf("workgroup members after leaving the community: %d", v.Workgroup.Members)
		}
		// Leaving when not a member changes nothing; the digest setting needs a membership.
		if err := f.s.Leave(f.as("outsider"), open.Slug); err != nil {
			t.Errorf("leave when not a member: %v", err)
		}
		if _, err := f.s.SetDigest(f.as("outsider"), open.Slug, false); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("digest of a non-member: %v", err)
		}
		if m, err := f.s.SetDigest(f.as("member1"), open.Slug, false); err != nil || m.Digest {
			t.Errorf("digest off: %+v %v", m, err)
		}
		// Every change is audited.
		var n int
		if err := d.QueryRow(f.as("site-admin"), "SELECT COUNT(*) FROM audit_log WHERE action IN ('community.join', 'community.request', 'community.member', 'community.member.remove', 'community.leave', 'community.digest')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n < 8 {
			t.Errorf("audit rows: %d", n)
		}
	})
}
