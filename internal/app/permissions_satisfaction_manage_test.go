package app

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/satisfaction"
)

// Who may build and run surveys. Every route needs an account. Members of the survey's
// organisation (A) see the survey and its questions, targets, publishing and weighting; its
// managers and admins change them; B's admin is told the survey does not exist (404); A's
// viewer and contributor are refused changes (403). Creating needs Manage in some
// organisation, so B's admin gets through (the empty form answers 422, which counts as let
// through: B's admin may not create for A, the service says so beside the field). The list is
// every account's, showing only what each may see. Forms and bodies posted empty answer 422
// or, where empty means "off" (publishing, weighting), save.
func init() {
	for k, v := range map[string]string{
		"GET /surveys":                                      "-YYYYYY",
		"GET /surveys/new":                                  "---YYYY",
		"POST /surveys":                                     "---YYYY",
		"GET /surveys/{id}":                                 "-YYYY-Y",
		"GET /surveys/{id}/edit":                            "---YY-Y",
		"POST /surveys/{id}":                                "---YY-Y",
		"POST /surveys/{id}/status":                         "---YY-Y",
		"POST /surveys/{id}/archive":                        "---YY-Y",
		"GET /surveys/{id}/questions":                       "-YYYY-Y",
		"POST /surveys/{id}/questions":                      "---YY-Y",
		"GET /surveys/{id}/questions/{question_id}/edit":    "---YY-Y",
		"POST /surveys/{id}/questions/{question_id}":        "---YY-Y",
		"POST /surveys/{id}/questions/{question_id}/move":   "---YY-Y",
		"POST /surveys/{id}/questions/{question_id}/delete": "---YY-Y",
		"GET /surveys/{id}/targets":                         "-YYYY-Y",
		"POST /surveys/{id}/targets":                        "---YY-Y",
		"GET /surveys/{id}/targets/{target_id}/edit":        "---YY-Y",
		"POST /surveys/{id}/targets/{target_id}":            "---YY-Y",
		"POST /surveys/{id}/targets/{target_id}/delete":     "---YY-Y",
		"GET /surveys/{id}/publishing":                      "-YYYY-Y",
		"POST /surveys/{id}/publishing":                     "---YY-Y",
		"GET /surveys/{id}/weighting":                       "-YYYY-Y",
		"POST /surveys/{id}/weighting":                      "---YY-Y",
		"GET /api/v1/surveys":                               "-YYYYYY",
		"POST /api/v1/surveys":                              "---YYYY",
		"PUT /api/v1/surveys/{code}":                        "---YY-Y",
		"POST /api/v1/surveys/{code}/status":                "---YY-Y",
		"GET /api/v1/surveys/{code}/questions":              "-YYYY-Y",
		"PUT /api/v1/surveys/{code}/questions":              "---YY-Y",
		"GET /api/v1/surveys/{code}/targets":                "-YYYY-Y",
		"POST /api/v1/surveys/{code}/targets":               "---YY-Y",
		"PUT /api/v1/surveys/{code}/targets/{target_id}":    "---YY-Y",
		"DELETE /api/v1/surveys/{code}/targets/{target_id}": "---YY-Y",
		"GET /api/v1/surveys/{code}/weighting":              "-YYYY-Y",
		"PUT /api/v1/surveys/{code}/weighting":              "---YY-Y",
	} {
		permissionRules[k] = v
	}
}

// matrixSurveyFixtures makes the matrix's survey, through the service as a manager would: an
// open survey of a service of organisation A with the recommend module, a custom
// single-choice question ("age_group", for {question_id}), a target (for {target_id}) and a
// weighting by that question. The matrix fills {id} and {code} after /surveys alike from
// ids["surveys"], so the survey's code is then set to its id written out (as
// matrixSatisfactionCollectFixtures, which reuses this survey, also does); ids["s"] holds the
// code for /s/{code}. Call it before the other satisfaction fixtures.
func matrixSurveyFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	svc := f.app.Surveys
	ps, err := f.app.Dir.CreateService(ctx, directory.ServiceInput{OrgID: orgA, Name: "Renew a licence", Channels: []string{"in_person", "online"}})
	if err != nil {
		t.Fatal(err)
	}
	sv, err := svc.CreateSurvey(ctx, satisfaction.SurveyInput{OrgID: orgA, ServiceID: ps.ID, Code: "matrix-survey", Title: "Licence counter survey",
		Modules: []string{satisfaction.ModuleRecommend}, Mode: "kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddQuestion(ctx, sv.ID, forms.Question{ID: "age_group", Type: forms.Single, Text: "How old are you?",
		Options: []forms.Option{{Value: "under_35", Label: "Under 35"}, {Value: "35_plus", Label: "35 or over"}}}); err != nil {
		t.Fatal(err)
	}
	base, goal := 70.0, 80.0
	tg, err := svc.AddTarget(ctx, sv.ID, satisfaction.TargetInput{Label: "State target", Metric: "index", Question: satisfaction.QOverall,
		Baseline: &base, Target: &goal, Due: "2027-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetWeighting(ctx, sv.ID, satisfaction.WeightingInput{Margins: []satisfaction.WeightMarginInput{
		{Variable: "age_group", Shares: map[string]float64{"under_35": 40, "35_plus": 60}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSurveyStatus(ctx, sv.ID, satisfaction.StatusOpen); err != nil {
		t.Fatal(err)
	}
	code := strconv.FormatInt(sv.ID, 10)
	if _, err := f.app.DB.Exec(ctx, "UPDATE surveys SET code = ? WHERE id = ?", code, sv.ID); err != nil {
		t.Fatal(err)
	}
	svc.Cache.Invalidate(sv.Code)
	f.ids["surveys"] = fmt.Sprint(sv.ID)
	f.ids["s"] = code
	f.ids["surveys/questions"] = "age_group"
	f.ids["surveys/targets"] = fmt.Sprint(tg.ID)
}
