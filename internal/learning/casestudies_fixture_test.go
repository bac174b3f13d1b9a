package learning

import (
	"context"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// csFixture is a learning service over a fresh database with organisations A and B, people
// in them, a community of practice (with one member from outside both organisations), two
// places, a program and two themes.
type csFixture struct {
	d         *db.DB
	s         *Service
	orgA      int64
	orgB      int64
	community int64
	places    []int64
	program   int64
	themes    []int64
	people    map[string]authz.Principal
}

// csPeopleRoles: who is who. "member" belongs to no organisation but to the community;
// "outsider" is signed in and belongs to nothing.
var csPeopleRoles = []struct {
	name string
	org  string
	role authz.Role
}{
	{"viewer-a", "A", authz.Viewer},
	{"contributor-a", "A", authz.Contributor},
	{"contributor2-a", "A", authz.Contributor},
	{"manager-a", "A", authz.Manager},
	{"contributor-b", "B", authz.Contributor},
	{"member", "", ""},
	{"outsider", "", ""},
}

func newCSFixture(t *testing.T, d *db.DB) *csFixture {
	t.Helper()
	ctx := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	s := NewService(d, dir)
	s.RegisterKinds()
	f := &csFixture{d: d, s: s, people: map[string]authz.Principal{"anonymous": authz.Anonymous}}
	a, err := dir.CreateOrg(ctx, directory.OrgInput{Name: "Organisation A", Type: "government_agency"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := dir.CreateOrg(ctx, directory.OrgInput{Name: "Organisation B", Type: "community_organisation"})
	if err != nil {
		t.Fatal(err)
	}
	f.orgA, f.orgB = a.ID, b.ID
	for _, pr := range csPeopleRoles {
		id, err := auth.InsertUser(ctx, d, auth.User{Email: pr.name + "@example.org", Name: "Test " + pr.name})
		if err != nil {
			t.Fatal(err)
		}
		p := authz.Principal{UserID: id, Name: "Test " + pr.name, Email: pr.name + "@example.org", Roles: map[int64]authz.Role{}}
		if pr.org != "" {
			org := f.orgA
			if pr.org == "B" {
				org = f.orgB
			}
			if err := dir.Store.SetMembership(ctx, d, id, org, pr.role); err != nil {
				t.Fatal(err)
			}
			p.Roles[org] = pr.role
		}
		f.people[pr.name] = p
	}
	admin, err := auth.InsertUser(ctx, d, auth.User{Email: "site-admin@example.org", Name: "Test site admin", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	f.people["site-admin"] = authz.Principal{UserID: admin, Name: "Test site admin", Email: "site-admin@example.org", SiteAdmin: true}
	now := db.Now()
	if err := d.QueryRow(ctx, `INSERT INTO communities (slug, name, created_at, updated_at) VALUES ('practice', 'Citizen-centric practice', ?, ?) RETURNING id`,
		now, now).Scan(&f.community); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"member", "contributor-a"} {
		if _, err := d.Exec(ctx, "INSERT INTO community_members (community_id, user_id, joined_at) VALUES (?, ?, ?)", f.community, f.people[who].UserID, now); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"Logan", "Papakura"} {
		p, err := dir.CreatePlace(ctx, directory.PlaceInput{Name: n, Kind: "community"})
		if err != nil {
			t.Fatal(err)
		}
		f.places = append(f.places, p.ID)
	}
	prog, err := dir.CreateProgram(ctx, directory.ProgramInput{Name: "Logan Together", LeadOrgID: f.orgA})
	if err != nil {
		t.Fatal(err)
	}
	f.program = prog.ID
	for _, n := range []string{"Accountability", "Delegation"} {
		tag, err := dir.CreateTag(ctx, directory.TagInput{Scheme: "theme", Name: n})
		if err != nil {
			t.Fatal(err)
		}
		f.themes = append(f.themes, tag.ID)
	}
	return f
}

// as is a context carrying the named person.
func (f *csFixture) as(name string) context.Context {
	p, ok := f.people[name]
	if !ok {
		panic("no person " + name)
	}
	return authz.With(context.Background(), p)
}

// input is a valid case study of organisation A.
func (f *csFixture) input(title, visibility string) CaseStudyInput {
	in := CaseStudyInput{OrgID: f.orgA, Title: title, Summary: "What was done in " + title + ".", Visibility: visibility,
		Body: "## What happened\n\nPeople met.\nThey agreed.", PlaceIDs: []int64{f.places[0]}, ThemeIDs: []int64{f.themes[0]},
		ProgramID: f.program, Influence: "collaborate", PeriodStart: "2018-07-01", PeriodEnd: "2020-06-30", Authors: "A. Writer"}
	if visibility == Community {
		in.CommunityID = f.community
	}
	return in
}

// create makes a case study as contributor-a.
func (f *csFixture) create(t *testing.T, title, visibility string) CaseStudy {
	t.Helper()
	c, err := f.s.CreateCaseStudy(f.as("contributor-a"), f.input(title, visibility))
	if err != nil {
		t.Fatalf("create %s: %v", title, err)
	}
	return c
}
