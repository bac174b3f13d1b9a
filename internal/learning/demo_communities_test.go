package learning

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// TestDemoCommunities loads the demo community on its own (with the directory's demo people
// it names) and checks what a visitor finds: the seed's community, its workgroups, the two
// events (the launch ahead, open for registration; the 2012 seminar past), discussions and
// well-formed templates.
func TestDemoCommunities(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := authz.With(context.Background(), authz.System)
	for _, m := range demoMembers[:4] {
		if _, err := auth.InsertUser(ctx, d, auth.User{Email: m.Email, Name: "Demo " + strings.SplitN(m.Email, "@", 2)[0]}); err != nil {
			t.Fatal(err)
		}
	}
	s := NewService(d, directory.NewService(d))
	ids := DemoIDs{Orgs: map[string]int64{}, Communities: map[string]int64{}}
	sum, err := demoCommunities(ctx, s, &ids)
	if err != nil {
		t.Fatal(err)
	}
	if sum != "1 community of practice (6 members, 3 workgroups, 2 events, 3 discussions, 3 library items)" {
		t.Errorf("summary: %s", sum)
	}
	a, err := s.Community(authz.With(context.Background(), authz.Anonymous), "citizen-community-of-practice")
	if err != nil || a.Community.Name != DemoCommunityName || ids.Communities[DemoCommunityName] != a.Community.ID {
		t.Fatalf("community: %+v %v", a.Community, err)
	}
	if !strings.Contains(a.Community.Description, "sharing tools, strategies and a helping hand when needed") {
		t.Error("the description is not the seed's")
	}
	up, err := s.Events(ctx, a.Community.ID, true, s.Now(), 0)
	if err != nil || len(up) != 1 || up[0].Registered != 3 || up[0].Capacity != 120 || up[0].Start().Weekday().String() != "Thursday" {
		t.Fatalf("upcoming: %+v %v", up, err)
	}
	if m := up[0].Start().Month().String(); m == "January" {
		t.Errorf("the launch falls in the summer holidays: %s", up[0].When())
	}
	past, err := s.Events(ctx, a.Community.ID, false, s.Now(), 0)
	if err != nil || len(past) != 1 || past[0].Start().Format("2006-01-02") != "2012-05-22" ||
		!strings.Contains(past[0].Description, "Erma Ranieri, Deputy Chief Executive, DMITRE, was the MC") {
		t.Fatalf("past: %+v %v", past, err)
	}
	_, items, err := s.Library(ctx, a.Community.Slug, 0)
	if err != nil || len(items) != 3 {
		t.Fatalf("library: %d %v", len(items), err)
	}
	for _, it := range items {
		data, err := FileData(ctx, d, it.File.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(it.File.Name, ".csv") {
			continue
		}
		rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
		if err != nil || len(rows) < 4 {
			t.Errorf("%s: %d rows, %v", it.File.Name, len(rows), err)
		}
	}
	// The digest starts after the demo: nothing to send.
	s.Mail = &cpMailbox{}
	res, err := s.SendDigests(ctx, s.Now())
	if err != nil || res.Sent != 0 {
		t.Errorf("digest right after the demo: %+v %v", res, err)
	}
}
