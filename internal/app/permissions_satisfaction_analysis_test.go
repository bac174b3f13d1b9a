package app

import (
	"context"
	"strconv"
	"testing"
)

// Who may read a survey's figures. The dashboard, its tables (CSV and JSON) and the results
// API are for the members of the survey's organisation (A) and site admins; B's admin is told
// the survey does not exist (404), and anonymous visitors must sign in. A table asked for
// without its name answers 422, which counts as let through. The comparison page is every
// account's: it offers only the surveys each may read. The public results page is anyone's
// once the survey's results are published (matrixSurveyAnalysisFixtures publishes them).
func init() {
	for k, v := range map[string]string{
		"GET /surveys/{id}/dashboard":        "-YYYY-Y",
		"GET /surveys/{id}/dashboard.csv":    "-YYYY-Y",
		"GET /surveys/{id}/dashboard.json":   "-YYYY-Y",
		"GET /surveys/compare":               "-YYYYYY",
		"GET /s/{code}/results":              "YYYYYYY",
		"GET /api/v1/surveys/{code}/results": "-YYYY-Y",
	} {
		permissionRules[k] = v
	}
}

// matrixSurveyAnalysisFixtures publishes the results (overall satisfaction) of the matrix's
// survey, made by matrixSurveyFixtures, which must run first.
func matrixSurveyAnalysisFixtures(t *testing.T, ctx context.Context, f *matrixFixture) {
	t.Helper()
	id, err := strconv.ParseInt(f.ids["surveys"], 10, 64)
	if err != nil || id == 0 {
		t.Fatalf("matrixSurveyAnalysisFixtures needs the survey of matrixSurveyFixtures first (ids %v)", f.ids)
	}
	if _, err := f.app.DB.Exec(ctx, "UPDATE surveys SET publish_results = ?, published_questions = ? WHERE id = ?", true, "overall", id); err != nil {
		t.Fatal(err)
	}
}
