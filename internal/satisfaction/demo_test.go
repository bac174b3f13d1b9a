package satisfaction

import (
	"context"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

func TestLoadDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := authz.With(context.Background(), authz.System)
		uid, err := auth.InsertUser(ctx, d, auth.User{Email: "admin@demo.test", Name: "Admin", IsAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		dir := directory.NewService(d)
		if _, err := directory.LoadDemo(ctx, dir, uid); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)
		const n = 600
		sum, err := LoadDemo(ctx, NewService(d, dir), DemoOptions{Responses: n, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(sum)
		s, err := Store{}.SurveyByCode(ctx, d, DemoCode)
		if err != nil {
			t.Fatal(err)
		}
		if s.OrgName != "Service SA" || s.ServiceName != demoService || s.Status != StatusOpen || !s.PublishResults ||
			s.Mode != "mixed" || s.Unit != UnitInteraction || len(s.Modules) != 3 || s.FieldStart.Format("2006-01-02") != "2024-12-01" {
			t.Errorf("survey %+v", s)
		}
		if err := s.Questionnaire.Validate(); err != nil {
			t.Errorf("questionnaire: %v", err)
		}
		if len(s.PublishedQuestions) != 11 || s.PublishedQuestions[0] != QOverall {
			t.Errorf("published %v", s.PublishedQuestions)
		}
		var responses, periods, places, links, themes, targets int64
		q := func(dst *int64, query string, args ...any) {
			t.Helper()
			if err := d.QueryRow(ctx, query, args...).Scan(dst); err != nil {
				t.Fatal(err)
			}
		}
		q(&responses, "SELECT COUNT(*) FROM survey_responses WHERE survey_id = ?", s.ID)
		q(&periods, "SELECT COUNT(DISTINCT period) FROM survey_responses WHERE survey_id = ?", s.ID)
		q(&places, "SELECT COUNT(DISTINCT place_id) FROM survey_responses WHERE survey_id = ? AND place_id IS NOT NULL", s.ID)
		q(&links, "SELECT COUNT(*) FROM survey_links WHERE survey_id = ?", s.ID)
		q(&themes, "SELECT COUNT(*) FROM survey_comment_themes")
		q(&targets, "SELECT COUNT(*) FROM survey_targets WHERE survey_id = ? AND metric = 'top2' AND question = 'overall' AND target = 80 AND baseline > 40", s.ID)
		if responses != n || countTotal(t, d, s.ID, "") != n || periods != 24 || places < 15 || links != 6 || themes == 0 || targets != 1 {
			t.Errorf("responses %d (counted %d) in %d months at %d places; %d links, %d comments tagged, %d targets",
				responses, countTotal(t, d, s.ID, ""), periods, places, links, themes, targets)
		}
		// The twenty towns are in South Australia.
		var inSA int64
		q(&inSA, "SELECT COUNT(*) FROM places p JOIN places sa ON sa.id = p.parent_id WHERE sa.name = 'South Australia' AND p.kind = 'community'")
		if inSA != int64(len(demoCentres)) {
			t.Errorf("%d towns in South Australia, want %d", inSA, len(demoCentres))
		}

		// More responses for a load test.
		added, err := AddDemoResponses(ctx, d, 250, nil)
		if err != nil || added != 250 {
			t.Fatalf("added %d: %v", added, err)
		}
		q(&responses, "SELECT COUNT(*) FROM survey_responses WHERE survey_id = ?", s.ID)
		if responses != n+250 || countTotal(t, d, s.ID, "") != n+250 {
			t.Errorf("after adding: %d responses, %d counted", responses, countTotal(t, d, s.ID, ""))
		}
	})
}
