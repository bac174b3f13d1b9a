package learning

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/search"
)

// TestDemoCaseStudies loads the directory's demo, then the case-study step: the NZ examples
// and the Australian approaches, their places (Trentham added), themes and revisions.
func TestDemoCaseStudies(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := authz.With(context.Background(), authz.System)
	admin, err := auth.InsertUser(ctx, d, auth.User{Email: "admin@example.org", Name: "Admin", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := directory.NewService(d)
	if _, err := directory.LoadDemo(ctx, dir, admin); err != nil {
		t.Fatal(err)
	}
	s := NewService(d, dir)
	s.RegisterKinds()
	ids := DemoIDs{Orgs: map[string]int64{}, Places: map[string]int64{}, Programs: map[string]int64{}, Tags: map[string]int64{},
		Commitments: map[string]int64{}, CaseStudies: map[string]int64{}, Learnings: map[string]int64{}, Communities: map[string]int64{}}
	orgs, _ := dir.Orgs(ctx, directory.ListFilter{})
	for _, o := range orgs {
		ids.Orgs[o.Name] = o.ID
	}
	places, _ := dir.Places(ctx, directory.ListFilter{})
	for _, p := range places {
		ids.Places[p.Name] = p.ID
	}
	progs, _ := dir.Programs(ctx, directory.ListFilter{})
	for _, p := range progs {
		ids.Programs[p.Name] = p.ID
	}
	if err := demoThemes(ctx, s, &ids); err != nil {
		t.Fatal(err)
	}
	sum, err := demoCaseStudies(ctx, s, &ids)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sum, "10 case studies") {
		t.Errorf("summary %q", sum)
	}
	for _, title := range []string{"Integrated Case Management – Papakura", "Recognised Seasonal Employer – pip fruit, Hawke's Bay",
		"National Maritime Coordination Centre – Trentham", "Strengthening Education in Mangere and Otara", "Autism – national",
		"Mayors Taskforce on Jobs – national", "Logan Together", "Empowered Communities", "Stronger Communities for Children", "City Deals"} {
		if ids.CaseStudies[title] == 0 {
			t.Errorf("no demo case study %q", title)
		}
	}
	pub := authz.With(context.Background(), authz.Anonymous)
	c, err := s.CaseStudy(pub, ids.CaseStudies["National Maritime Coordination Centre – Trentham"])
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Places) != 1 || c.Places[0].Name != "Trentham" || c.OrgName != "Victoria University of Wellington" {
		t.Errorf("Trentham case study: %+v", c)
	}
	logan, err := s.CaseStudy(pub, ids.CaseStudies["Logan Together"])
	if err != nil {
		t.Fatal(err)
	}
	if logan.Revision != 2 || !strings.Contains(logan.Body, "## Questions for Logan") || logan.ProgramName != "Logan Together" {
		t.Errorf("Logan Together: revision %d, program %q", logan.Revision, logan.ProgramName)
	}
	if !slices.ContainsFunc(logan.Themes, func(r CaseStudyRef) bool { return r.Name == "Local planning" }) {
		t.Errorf("Logan Together themes %v", logan.Themes)
	}
	// Everything is public and found by the public search.
	list, err := s.CaseStudies(pub, CaseStudyFilter{ThemeID: ids.Tags["Delegation"]})
	if err != nil || len(list) != 2 {
		t.Errorf("delegation case studies: %d (%v)", len(list), err)
	}
	hits, err := search.Search(pub, d, search.Query{Text: "accountability", Kinds: []string{CaseStudyKind}})
	if err != nil || len(hits) == 0 {
		t.Errorf("search accountability: %v %v", hits, err)
	}
	// Markdown bodies render without raw HTML.
	if out := string(Markdown(logan.Body)); !strings.Contains(out, "<h3>Questions for Logan</h3>") {
		t.Errorf("Logan body renders as %s", out[:min(len(out), 300)])
	}
}
