package engagement

import (
	"context"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

func TestLoadDemo(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	if _, err := directory.LoadDemo(ctx, dir, 0); err != nil {
		t.Fatal(err)
	}
	ids := DemoIDs{Orgs: map[string]int64{}, Places: map[string]int64{}, Programs: map[string]int64{}}
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
	s := NewService(d, dir)
	sum, err := LoadDemo(ctx, s, ids)
	if err != nil {
		t.Fatal(err)
	}
	anon := context.Background()
	e, rep, err := s.Report(anon, "place-based-learning-scope")
	if err != nil {
		t.Fatalf("the scope report is not public: %v (%s)", err, sum)
	}
	if e.Status != StatusReported || !rep.Published() || rep.Submissions != 36 || len(rep.Themes) != 5 || len(rep.Quotes) != 7 ||
		rep.PublishedAt.Format("2006-01-02") != "2018-10-26" || e.PublishedAt.Format("2006-01-02") != "2018-07-16" {
		t.Errorf("scope engagement: %+v, report %d submissions, %d themes, %d quotes, published %v", e.Engagement, rep.Submissions, len(rep.Themes), len(rep.Quotes), rep.PublishedAt)
	}
	for _, th := range rep.Themes {
		if th.Count() == 0 || th.Response == "" {
			t.Errorf("theme %q: %d tagged, response %q", th.Name, th.Count(), th.Response)
		}
	}
	if len(rep.Themes[2].Links) != 2 {
		t.Errorf("the data theme's links: %+v", rep.Themes[2].Links)
	}
	od, err := s.Overdue(anon)
	if err != nil || len(od) != 1 || od[0].Slug != "logan-joined-up-services" || od[0].DaysLate != 15 {
		t.Errorf("overdue: %+v %v", od, err)
	}
	notified, waiting, err := s.Store.Notifications(anon, d, e.ID)
	if err != nil || notified != 12 || waiting != 0 {
		t.Errorf("scope participants told: %d, waiting %d, %v", notified, waiting, err)
	}
}
