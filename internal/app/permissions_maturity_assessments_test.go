package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/joinedup/joinedup/internal/maturity"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
)

// Who may use the self-assessment pages. The fixture's assessment belongs to organisation A
// and is open; A's admin facilitates it and A's contributor is its only respondent. Members
// of A see it; its facilitator and A's managers run it (invite, reconcile, move it along);
// only respondents answer; only A's admins opt it into benchmarks; B's admin is told it does
// not exist. Managers of any organisation may start one (for an organisation they manage).
// A form posted empty counts as let through when it answers 422 (or 409 when the assessment
// is not in the state the change needs).
func init() {
	base := maturity.AssessmentAPI
	for k, v := range map[string]string{
		"GET /assessments":                                    "-YYYYYY",
		"GET /assessments/new":                                "---YYYY",
		"POST /assessments":                                   "---YYYY",
		"GET /assessments/{id}":                               "-YYYY-Y",
		"POST /assessments/{id}/respondents":                  "---YY-Y",
		"POST /assessments/{id}/respondents/{user_id}/delete": "---YY-Y",
		"GET /assessments/{id}/respond":                       "--Y----", // respondents only
		"POST /assessments/{id}/respond":                      "--Y----",
		"POST /assessments/{id}/submit":                       "--Y----",
		"GET /assessments/{id}/reconcile":                     "---YY-Y",
		"POST /assessments/{id}/agreed":                       "---YY-Y",
		"POST /assessments/{id}/status":                       "---YY-Y",
		"POST /assessments/{id}/benchmark":                    "----Y-Y",

		"GET " + base:                                    "-YYYYYY",
		"POST " + base:                                   "---YYYY",
		"GET " + base + "/{id}":                          "-YYYY-Y",
		"POST " + base + "/{id}/status":                  "---YY-Y",
		"POST " + base + "/{id}/benchmark":               "----Y-Y",
		"GET " + base + "/{id}/respondents":              "-YYYY-Y",
		"POST " + base + "/{id}/respondents":             "---YY-Y",
		"DELETE " + base + "/{id}/respondents/{user_id}": "---YY-Y",
		"GET " + base + "/{id}/answers":                  "--Y----",
		"PUT " + base + "/{id}/answers":                  "--Y----",
		"POST " + base + "/{id}/submit":                  "--Y----",
		"GET " + base + "/{id}/agreed":                   "---YY-Y", // the facilitator and managers while open
		"PUT " + base + "/{id}/agreed":                   "---YY-Y",
	} {
		permissionRules[k] = v
	}
}

// matrixMaturityAssessmentFixtures adds an open assessment of organisation A against the
// built-in Charter pack, facilitated by A's admin, with A's contributor as its respondent: for
// the wildcards {id} of /assessments and {user_id} of its respondents.
func matrixMaturityAssessmentFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	svc := f.app.Maturity
	if err := svc.EnsureBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	fws, err := svc.Frameworks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var fw maturity.Framework
	for _, x := range fws {
		if x.Builtin && x.Subject == "organisation" {
			fw = x
			break
		}
	}
	if fw.ID == 0 {
		t.Fatal("no built-in framework for organisations")
	}
	admin := authz.With(ctx, authz.Principal{UserID: users["admin"].ID, Email: users["admin"].Email, Roles: map[int64]authz.Role{orgA: authz.Admin}})
	a, err := svc.CreateAssessment(admin, maturity.AssessmentInput{OrgID: orgA, FrameworkID: fw.ID, Title: "Engagement maturity 2025",
		PeriodStart: "2024-07-01", PeriodEnd: "2025-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.InviteRespondent(admin, a.ID, users["contributor"].Email); err != nil {
		t.Fatal(err)
	}
	f.ids["assessments"] = fmt.Sprint(a.ID)
	f.ids["assessments/respondents"] = fmt.Sprint(users["contributor"].ID)
	f.ids["maturity/respondents"] = fmt.Sprint(users["contributor"].ID)
}
