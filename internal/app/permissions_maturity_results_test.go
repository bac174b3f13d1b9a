package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/joinedup/joinedup/internal/maturity"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
)

// Who may use the results, the report, the exports, the improvement plan and the benchmark.
// The fixture's assessment (matrixMaturityAssessmentFixtures) belongs to organisation A and is
// still open, facilitated by A's admin, with A's contributor as its respondent; the plan holds
// one action (matrixMaturityResultFixtures). While it is open only the facilitator and A's
// managers (and site admins) see the results forming and draw up the plan: A's viewer and the
// respondent are refused (403, "once it closes"), B's admin is told it does not exist (404).
// Once closed, every member of A and every respondent reads the results (checked in the
// maturity package's tests). A form posted empty counts as let through when it answers 422;
// drawing up a plan with no agreed answers redirects back with the reason.
func init() {
	for k, v := range map[string]string{
		"GET /assessments/{id}/results":                    "---YY-Y",
		"GET /assessments/{id}/report":                     "---YY-Y",
		"GET /assessments/{id}/export.csv":                 "---YY-Y",
		"GET /assessments/{id}/export.json":                "---YY-Y",
		"POST /assessments/{id}/plan/generate":             "---YY-Y",
		"GET /assessments/{id}/actions/new":                "---YY-Y",
		"POST /assessments/{id}/actions":                   "---YY-Y",
		"GET /assessments/{id}/actions/{action_id}/edit":   "---YY-Y",
		"POST /assessments/{id}/actions/{action_id}":       "---YY-Y",
		"GET /api/v1/assessments/{id}/results":             "---YY-Y",
		"GET /api/v1/assessments/{id}/benchmark":           "---YY-Y",
		"GET /api/v1/assessments/{id}/actions":             "---YY-Y",
		"POST /api/v1/assessments/{id}/actions":            "---YY-Y",
		"PUT /api/v1/assessments/{id}/actions/{action_id}": "---YY-Y",
		"POST /api/v1/assessments/{id}/plan/generate":      "---YY-Y",
	} {
		permissionRules[k] = v
	}
}

// matrixMaturityResultFixtures adds an action to the plan of the fixture's assessment (made
// by matrixMaturityAssessmentFixtures, which must run first), for the wildcard {action_id}.
func matrixMaturityResultFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(f.ids["assessments"], &id); err != nil || id == 0 {
		t.Fatalf("matrixMaturityResultFixtures needs the assessment of matrixMaturityAssessmentFixtures first (ids %v)", f.ids)
	}
	admin := authz.With(ctx, authz.Principal{UserID: users["admin"].ID, Email: users["admin"].Email, Roles: map[int64]authz.Role{orgA: authz.Admin}})
	x, err := f.app.Maturity.AddAction(admin, id, maturity.ActionInput{Title: "Publish what each engagement can still change",
		Owner: "Engagement team", Due: "2026-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["assessments/actions"] = fmt.Sprint(x.ID)
}
