package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/joinedup/joinedup/internal/learning"
	"github.com/joinedup/joinedup/internal/platform/auth"
)

// Who may use learnings, evidence, learning reports and recommendations. The fixtures
// (matrixLearningLearningFixtures) belong to organisation A: a public learning, which
// everyone reads; culturally sensitive evidence, which only A's staff (and site admins) see —
// everyone else is told it does not exist; a draft report with one recommendation, seen by A's
// staff only. A's contributors and up edit learnings, evidence, reports and recommendations;
// A's managers archive and publish. Contributors of any organisation start new ones (B's admin
// for B); any signed-in person who sees a learning endorses it. An empty form or body counts as
// let through when it answers 422.
func init() {
	for k, v := range map[string]string{
		"GET /learnings":                            "YYYYYYY",
		"GET /learnings/new":                        "--YYYYY",
		"POST /learnings":                           "--YYYYY",
		"GET /learnings/{id}":                       "YYYYYYY",
		"GET /learnings/{id}/edit":                  "--YYY-Y",
		"POST /learnings/{id}":                      "--YYY-Y",
		"POST /learnings/{id}/archive":              "---YY-Y",
		"POST /learnings/{id}/endorse":              "-YYYYYY",
		"POST /learnings/{id}/withdraw-endorsement": "-YYYYYY",
		"GET /learnings/{id}/history":               "YYYYYYY",
		"GET /learnings/{id}/history/{revision}":    "YYYYYYY",
		"GET /learnings/{id}/diff":                  "YYYYYYY",
		"GET /evidence":                             "YYYYYYY",
		"GET /evidence/new":                         "--YYYYY",
		"POST /evidence":                            "--YYYYY",
		"GET /evidence/{id}":                        "-YYYY-Y",
		"GET /evidence/{id}/edit":                   "--YYY-Y",
		"POST /evidence/{id}":                       "--YYY-Y",
		"POST /evidence/{id}/archive":               "---YY-Y",
		"GET /evidence/{id}/history":                "-YYYY-Y",
		"GET /evidence/{id}/history/{revision}":     "-YYYY-Y",
		"GET /evidence/{id}/diff":                   "-YYYY-Y",
		"GET /reports":                              "YYYYYYY",
		"GET /reports/new":                          "--YYYYY",
		"POST /reports":                             "--YYYYY",
		"GET /reports/{id}":                         "-YYYY-Y",
		"GET /reports/{id}/edit":                    "--YYY-Y",
		"POST /reports/{id}":                        "--YYY-Y",
		"POST /reports/{id}/publish":                "---YY-Y",
		"GET /reports/{id}/export.json":             "-YYYY-Y",
		"GET /reports/{id}/export.csv":              "-YYYY-Y",
		"GET /reports/{id}/export.md":               "-YYYY-Y",
		"GET /reports/{id}/recommendations/new":     "--YYY-Y",
		"POST /reports/{id}/recommendations":        "--YYY-Y",
		"GET /recommendations/{id}":                 "-YYYY-Y",
		"GET /recommendations/{id}/edit":            "--YYY-Y",
		"POST /recommendations/{id}":                "--YYY-Y",
		"GET /api/v1/learnings":                     "YYYYYYY",
		"POST /api/v1/learnings":                    "--YYYYY",
		"GET /api/v1/learnings/{id}":                "YYYYYYY",
		"PUT /api/v1/learnings/{id}":                "--YYY-Y",
		"POST /api/v1/learnings/{id}/endorsement":   "-YYYYYY",
		"GET /api/v1/learnings/{id}/revisions":      "YYYYYYY",
		"GET /api/v1/evidence":                      "YYYYYYY",
		"POST /api/v1/evidence":                     "--YYYYY",
		"GET /api/v1/evidence/{id}":                 "-YYYY-Y",
		"PUT /api/v1/evidence/{id}":                 "--YYY-Y",
		"GET /api/v1/evidence/{id}/revisions":       "-YYYY-Y",
		"GET /api/v1/reports":                       "YYYYYYY",
		"POST /api/v1/reports":                      "--YYYYY",
		"GET /api/v1/reports/{id}":                  "-YYYY-Y",
		"PUT /api/v1/reports/{id}":                  "--YYY-Y",
		"GET /api/v1/recommendations":               "YYYYYYY",
		"POST /api/v1/recommendations":              "--YYYYY",
		"GET /api/v1/recommendations/{id}":          "-YYYY-Y",
		"PUT /api/v1/recommendations/{id}":          "--YYY-Y",
	} {
		permissionRules[k] = v
	}
}

// matrixLearningLearningFixtures adds, for organisation A, a public learning, restricted
// evidence, and a draft report with a section holding the learning and one recommendation.
func matrixLearningLearningFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	s := f.app.Learning
	l, err := s.CreateLearning(ctx, learning.LearningInput{OrgID: orgA, Type: learning.LearningWorked, Title: "Plans made in Testville hold",
		Insight: "Let the place decide.", Visibility: learning.Public})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.CreateEvidence(ctx, learning.EvidenceInput{OrgID: orgA, Kind: learning.EvidenceLivedExperience, Title: "Stories from Testville",
		Consent: true, CulturallySensitive: true, Visibility: learning.Public})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateReport(ctx, learning.ReportInput{OrgID: orgA, Title: "What Testville learned",
		Sections: []learning.SectionInput{{Title: "Delegation", LearningIDs: []int64{l.ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateRecommendation(ctx, learning.RecommendationInput{ReportID: r.ID, Title: "Let Testville decide", LearningIDs: []int64{l.ID}})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["learnings"] = fmt.Sprint(l.ID)
	f.ids["learnings/history"] = "1"
	f.ids["learnings/endorsement"] = fmt.Sprint(l.ID)
	f.ids["evidence"] = fmt.Sprint(e.ID)
	f.ids["evidence/history"] = "1"
	f.ids["reports"] = fmt.Sprint(r.ID)
	f.ids["recommendations"] = fmt.Sprint(m.ID)
}
