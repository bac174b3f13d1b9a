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

// TestDemoLearnings runs the case-study and learning steps of the demo over the directory's
// demo: learnings on AU0019's themes linked to the case studies, evidence (an outcome harvest
// with its four parts, and restricted lived experience), endorsements, and the published report
// whose recommendations AU0019 answers.
func TestDemoLearnings(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := authz.With(context.Background(), authz.System)
	dir := directory.NewService(d)
	admin, err := auth.InsertUser(ctx, d, auth.User{Email: "admin@demo.joinedup.example", Name: "Demo admin", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := directory.LoadDemo(ctx, dir, admin); err != nil {
		t.Fatal(err)
	}
	s := NewService(d, dir)
	s.RegisterKinds()
	ids := DemoIDs{Orgs: map[string]int64{}, Places: map[string]int64{}, Programs: map[string]int64{}, Tags: map[string]int64{},
		CaseStudies: map[string]int64{}, Learnings: map[string]int64{}, Communities: map[string]int64{}, Commitments: map[string]int64{"AU0019": 19}}
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
	if u, err := auth.UserByEmail(ctx, d, "manager@pmc.demo.joinedup.example"); err == nil {
		roles, _ := dir.RoleSource(ctx, u.ID)
		ids.Staff = authz.Principal{UserID: u.ID, Name: u.Name, Email: u.Email, Roles: roles}
	}
	if ids.Staff.UserID == 0 {
		t.Fatal("the directory's demo has no PM&C manager")
	}
	// A stand-in for AU0019, which the commitments capability registers in the app.
	dir.RegisterKind(KindCommitment, "Commitment", func(ctx context.Context, q db.Q, id int64) (directory.LinkRecord, error) {
		if id != 19 {
			return directory.LinkRecord{}, db.ErrNotFound
		}
		return directory.LinkRecord{Title: "AU0019 Place-based approaches", URL: "/commitments/AU0019", Visible: true}, nil
	})
	if err := demoThemes(ctx, s, &ids); err != nil {
		t.Fatal(err)
	}
	if _, err := demoCaseStudies(ctx, s, &ids); err != nil {
		t.Fatal(err)
	}
	sum, err := demoLearnings(ctx, s, &ids)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum, "6 learnings, 3 evidence items") || !strings.Contains(sum, "3 recommendations") {
		t.Errorf("summary %q", sum)
	}
	// The public reads the report with its recommendations, each answered by AU0019.
	var repID int64
	if err := d.QueryRow(ctx, "SELECT id FROM learning_reports WHERE title = 'Learnings from place-based approaches'").Scan(&repID); err != nil {
		t.Fatal(err)
	}
	cr, err := s.CompileReport(context.Background(), repID)
	if err != nil {
		t.Fatal(err)
	}
	if !cr.Published() || len(cr.Compiled) != 3 || len(cr.Recommendations) != 3 || cr.Recommendations[0].Commitments[0].Title != "AU0019 Place-based approaches" {
		t.Errorf("the report for the public: %+v", cr.Report)
	}
	public := 0
	for _, sc := range cr.Compiled {
		public += len(sc.Learnings)
	}
	if public != 5 { // one learning is for signed-in members only
		t.Errorf("the public sees %d learnings in the report, want 5", public)
	}
	// Learnings on the themes, linked to case studies; the harvest with its four parts.
	ls, err := s.Learnings(context.Background(), LearningFilter{ThemeID: ids.Tags["Accountability"]})
	if err != nil || len(ls) != 1 || len(ls[0].CaseStudyIDs) != 2 {
		t.Errorf("accountability learnings: %+v %v", ls, err)
	}
	es, err := s.EvidenceList(context.Background(), EvidenceFilter{Kind: EvidenceOutcomeHarvest})
	if err != nil || len(es) != 1 || es[0].Outcome == "" || es[0].Significance == "" || es[0].Contribution == "" || es[0].Substantiation == "" {
		t.Errorf("the outcome harvest: %+v %v", es, err)
	}
	if n := lrCount(t, d, "SELECT COUNT(*) FROM evidence WHERE culturally_sensitive"); n != 1 {
		t.Errorf("restricted evidence: %d", n)
	}
	if n := lrCount(t, d, "SELECT COUNT(*) FROM endorsements"); n == 0 {
		t.Errorf("no endorsements")
	}
	if n := lrCount(t, d, "SELECT COUNT(*) FROM links WHERE from_kind = 'commitment' AND from_id = 19 AND to_kind = 'recommendation'"); n != 3 {
		t.Errorf("AU0019 answers %d recommendations, want 3", n)
	}
	if n := lrCount(t, d, "SELECT COUNT(*) FROM revisions WHERE kind = 'learning' AND revision = 2"); n != 1 {
		t.Errorf("learnings with a second revision: %d", n)
	}
}
