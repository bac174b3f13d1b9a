package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/joinedup/joinedup/internal/engagement"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
)

// Who may take part, moderate and export. The fixture's engagement (matrixEngagementFixtures,
// which must run first) is open; matrixEngagementParticipateFixtures gives it an opinion map
// with one seed statement and a quote of its consenting submission. Taking part is public: the
// form, the voting page, adding and reporting statements and quotes (an empty form answers 422
// or sends the participant back to the page with a message; the API without a participant
// answers 400 and an empty vote 422: let through). Moderators are the owner's reviewers and
// up; seed statements are added by its managers; the submissions export is for its
// contributors (emails only for its managers, checked in the engagement package). B's admin
// sees the engagement but may not moderate (403).
func init() {
	for k, v := range map[string]string{
		"GET /engagements/{id}/take-part":                           "YYYYYYY",
		"POST /engagements/{id}/take-part":                          "YYYYYYY",
		"GET /engagements/{id}/take-part/thanks":                    "YYYYYYY",
		"GET /engagements/{id}/vote":                                "YYYYYYY",
		"POST /engagements/{id}/vote":                               "YYYYYYY",
		"GET /engagements/{id}/statements/new":                      "YYYYYYY",
		"POST /engagements/{id}/statements":                         "YYYYYYY",
		"GET /engagements/{id}/statements/seed":                     "---YY-Y",
		"POST /engagements/{id}/statements/seed":                    "---YY-Y",
		"POST /engagements/{id}/statements/{statement_id}/report":   "YYYYYYY",
		"POST /engagements/{id}/statements/{statement_id}/moderate": "---YY-Y",
		"POST /engagements/{id}/quotes/{quote_id}/report":           "YYYYYYY",
		"POST /engagements/{id}/quotes/{quote_id}/moderate":         "---YY-Y",
		"GET /engagements/{id}/moderation":                          "---YY-Y",
		"GET /engagements/{id}/submissions.csv":                     "--YYY-Y",
		"GET /api/v1/engagements/{id}/statements":                   "YYYYYYY",
		"POST /api/v1/engagements/{id}/statements":                  "YYYYYYY",
		"POST /api/v1/engagements/{id}/votes":                       "YYYYYYY",
		"GET /api/v1/engagements/{id}/next-statement":               "YYYYYYY",
		"GET /api/v1/engagements/{id}/submissions":                  "--YYY-Y",
	} {
		permissionRules[k] = v
	}
}

// matrixEngagementParticipateFixtures turns on the opinion map of the fixture's engagement,
// seeds a statement and quotes its submission, for the wildcards {statement_id}
// (engagements/statements) and {quote_id} (engagements/quotes).
func matrixEngagementParticipateFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64, users map[string]auth.User) {
	t.Helper()
	key, sub := f.ids["engagements"], f.ids["engagements/submissions"]
	if key == "" || sub == "" {
		t.Fatalf("matrixEngagementParticipateFixtures needs the engagement of matrixEngagementFixtures first (ids %v)", f.ids)
	}
	s := f.app.Engagements
	admin := authz.With(ctx, authz.Principal{UserID: users["admin"].ID, Email: users["admin"].Email, Roles: map[int64]authz.Role{orgA: authz.Admin}})
	d, err := s.Engagement(admin, key)
	if err != nil {
		t.Fatal(err)
	}
	in := engagement.InputOf(d.Engagement)
	in.HasMap = true
	if _, err := s.Update(admin, key, in); err != nil {
		t.Fatal(err)
	}
	st, err := s.SeedStatement(admin, key, "Testing should come first.")
	if err != nil {
		t.Fatal(err)
	}
	var subID int64
	fmt.Sscan(sub, &subID)
	qid, err := s.Store.InsertQuote(ctx, f.app.DB, d.ID, subID, 0, "Testing matters.")
	if err != nil {
		t.Fatal(err)
	}
	f.ids["engagements/statements"] = fmt.Sprint(st.ID)
	f.ids["engagements/quotes"] = fmt.Sprint(qid)
}
