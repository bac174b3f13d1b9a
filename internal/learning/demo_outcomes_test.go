package learning

import (
	"context"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// TestDemoOutcomes loads the directory's demo, then the outcomes step: Logan's result with its
// illustrative figures (2024 provisional), its forecast and its links, and Logan Together's
// performance measures.
func TestDemoOutcomes(t *testing.T) {
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
	// Stand-ins for the kinds other packages register: a learning and the commitment AU0019.
	for _, k := range []string{"learning", "commitment"} {
		dir.RegisterKind(k, k, func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
			return directory.LinkRecord{Title: k + " " + ocIDString(id), URL: "/" + k + "s/" + ocIDString(id), Visible: true}, nil
		})
	}
	ids := DemoIDs{Orgs: map[string]int64{}, Places: map[string]int64{}, Programs: map[string]int64{}, Tags: map[string]int64{},
		Commitments: map[string]int64{"AU0019": 19}, CaseStudies: map[string]int64{}, Learnings: map[string]int64{"What works: shared goals": 7}, Communities: map[string]int64{}}
	orgs, _ := dir.Orgs(ctx, directory.ListFilter{})
	for _, o := range orgs {
		ids.Orgs[o.Name] = o.ID
	}
	progs, _ := dir.Programs(ctx, directory.ListFilter{})
	for _, p := range progs {
		ids.Programs[p.Name] = p.ID
	}
	sum, err := demoOutcomes(ctx, s, &ids)
	if err != nil {
		t.Fatal(err)
	}
	if sum != "1 place result for Logan with an indicator (illustrative figures) and 2 links, 3 performance measures" {
		t.Errorf("summary %q", sum)
	}
	pub := authz.With(context.Background(), authz.Anonymous)
	logan := ids.Places["Logan"]
	rs, err := s.ResultsWithIndicators(pub, ResultFilter{PlaceID: logan})
	if err != nil || len(rs) != 1 || len(rs[0].Indicators) != 1 || rs[0].OrgName != "Logan Together" {
		t.Fatalf("Logan's results: %+v, %v", rs, err)
	}
	ind := rs[0].Indicators[0]
	obs, err := s.Observations(pub, ind.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := BuildCurve(ind, obs, logan, "Logan")
	if !ind.Illustrative || len(c.Baseline) != 5 || len(c.Provisional) != 1 || c.Provisional[0].Period != "2024" || len(c.Forecast) != 3 {
		t.Errorf("Logan's curve: %+v", c)
	}
	if !strings.Contains(c.Verdict, "54.8% for 2024 (provisional)") {
		t.Errorf("verdict %q", c.Verdict)
	}
	set, err := dir.LinksOf(pub, ResultKind, rs[0].ID)
	if err != nil || len(set.Outgoing) != 2 {
		t.Errorf("links: %+v, %v", set, err)
	}
	ms, err := s.Measures(pub, ids.Programs["Logan Together"])
	if err != nil || len(ms) != 3 || ms[0].PeriodFormat != PeriodFinancialYear {
		t.Fatalf("measures: %+v, %v", ms, err)
	}
	mobs, err := s.Observations(pub, ms[2].ID)
	if err != nil || len(mobs) != 4 || mobs[3].Period != "2023-24" || !mobs[3].Provisional {
		t.Errorf("better-off figures: %+v, %v", mobs, err)
	}
}

func ocIDString(n int64) string { return ocID(n) }
