package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/engagement"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// Who may use the register, the engagement pages, the report and their API. The fixture's
// engagement (matrixEngagementFixtures) belongs to organisation A, is open, has one
// submission tagged with nothing, one theme and a report being written (not published).
// Everyone reads the register and the engagement; A's members read the draft report (B's
// admin is told it does not exist); A's contributors read and tag submissions and add themes;
// A's managers edit, change the status, archive (a published engagement is refused with a
// message: let through), and write and publish the report (refused while it is open, with a
// message: let through). Contributors of any organisation may start an engagement (an empty
// form answers 422). A form posted empty counts as let through when it answers 422 or
// redirects back with a message.
func init() {
	for k, v := range map[string]string{
		"GET /engagements":                                          "YYYYYYY",
		"GET /engagements/overdue":                                  "YYYYYYY",
		"GET /engagements/load":                                     "YYYYYYY",
		"GET /engagements/new":                                      "--YYYYY",
		"POST /engagements":                                         "--YYYYY",
		"GET /engagements/{id}":                                     "YYYYYYY",
		"GET /engagements/{id}/edit":                                "---YY-Y",
		"POST /engagements/{id}":                                    "---YY-Y",
		"POST /engagements/{id}/status":                             "---YY-Y",
		"POST /engagements/{id}/archive":                            "---YY-Y",
		"GET /engagements/{id}/submissions":                         "--YYY-Y",
		"POST /engagements/{id}/submissions/{submission_id}/themes": "--YYY-Y",
		"POST /engagements/{id}/themes":                             "--YYY-Y",
		"GET /engagements/{id}/report":                              "-YYYY-Y",
		"GET /engagements/{id}/report/edit":                         "---YY-Y",
		"POST /engagements/{id}/report":                             "---YY-Y",
		"POST /engagements/{id}/report/publish":                     "---YY-Y",
		"GET /api/v1/engagements":                                   "YYYYYYY",
		"POST /api/v1/engagements":                                  "--YYYYY",
		"GET /api/v1/engagements/load":                              "YYYYYYY",
		"GET /api/v1/engagements/{id}":                              "YYYYYYY",
		"PUT /api/v1/engagements/{id}":                              "---YY-Y",
		"POST /api/v1/engagements/{id}/status":                      "---YY-Y",
		"GET /api/v1/engagements/{id}/report":                       "-YYYY-Y",
		"PUT /api/v1/engagements/{id}/report":                       "---YY-Y",
		"POST /api/v1/engagements/{id}/report/publish":              "---YY-Y",
	} {
		permissionRules[k] = v
	}
}

// matrixEngagementFixtures adds an open engagement of organisation A with a submission, a
// theme and a report being written, for the wildcards {id} (engagements) and
// {submission_id} (engagements/submissions).
func matrixEngagementFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	s := f.app.Engagements
	admin := authz.With(ctx, authz.Principal{UserID: users["admin"].ID, Email: users["admin"].Email, Roles: map[int64]authz.Role{orgA: authz.Admin}})
	today := time.Now().UTC().Truncate(24 * time.Hour)
	e, err := s.Create(admin, engagement.Input{OrgID: orgA, Title: "Matrix engagement", Purpose: "To test who may do what.",
		Decision: "None: it is a test.", Influence: engagement.Consult, OpensOn: engagement.Date{Time: today.AddDate(0, 0, -10)},
		ClosesOn: engagement.Date{Time: today.AddDate(0, 0, 20)}, ReportBackBy: engagement.Date{Time: today.AddDate(0, 0, 60)},
		Questionnaire: &forms.Questionnaire{Title: "Tell us", Questions: []forms.Question{{ID: "say", Type: forms.Textarea, Text: "What matters?"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SetStatus(admin, e.Key(), engagement.StatusOpen); err != nil {
		t.Fatal(err)
	}
	var sub int64
	err = f.app.DB.InTx(ctx, func(tx *db.Tx) error {
		pid, err := s.Store.InsertParticipant(ctx, tx, e.ID, "matrix-participant-token-hash", "", 0)
		if err != nil {
			return err
		}
		sub, err = s.Store.InsertSubmission(ctx, tx, engagement.Submission{EngagementID: e.ID, ParticipantID: pid,
			Answers: forms.Answers{{Question: "say", Text: "Testing matters."}}, ConsentQuote: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTheme(admin, e.Key(), "Testing"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveReport(admin, e.Key(), engagement.ReportInput{WeAsked: "What matters", YouSaid: "Testing", WeDid: "Not yet"}); err != nil {
		t.Fatal(err)
	}
	f.ids["engagements"] = fmt.Sprint(e.ID)
	f.ids["engagements/submissions"] = fmt.Sprint(sub)
}
