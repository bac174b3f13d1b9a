package app

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/satisfaction"
)

// Who may use the driver analysis, the open comments and the exports of a survey of
// organisation A. Every member of A reads the driver page and the comments (B's admin is told
// they do not exist: 404). Tagging comments with themes, and exporting responses (which carry
// the comments, personal data), need Contribute: A's viewer is refused (403). A tag form
// posted empty answers 422, which counts as let through.
func init() {
	for k, v := range map[string]string{
		"GET /surveys/{id}/drivers":                               "-YYYY-Y",
		"GET /surveys/{id}/comments":                              "-YYYY-Y",
		"POST /surveys/{id}/comments/{response_id}/themes":        "--YYY-Y",
		"POST /surveys/{id}/comments/{response_id}/themes/remove": "--YYY-Y",
		"GET /surveys/{id}/responses.csv":                         "--YYY-Y",
		"GET /surveys/{id}/responses.json":                        "--YYY-Y",
		"GET /api/v1/surveys/{code}/responses":                    "--YYY-Y",
	} {
		permissionRules[k] = v
	}
}

// matrixSatisfactionCommentFixtures stores a response with a comment in the matrix's survey
// (made by the survey fixtures, which must run first), for the wildcard {response_id}.
func matrixSatisfactionCommentFixtures(t *testing.T, ctx context.Context, f *matrixFixture) {
	t.Helper()
	id, err := strconv.ParseInt(f.ids["surveys"], 10, 64)
	if err != nil || id == 0 {
		t.Fatalf("matrixSatisfactionCommentFixtures needs the matrix's survey first (ids %v)", f.ids)
	}
	d := f.app.DB
	sv, err := satisfaction.Store{}.SurveyByID(ctx, d, id)
	if err != nil {
		t.Fatal(err)
	}
	q := sv.Questionnaire
	as, errs := forms.ParseJSON(q, map[string]any{satisfaction.QOverall: 2, satisfaction.QComment: "The queue was far too long."})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var outs []satisfaction.Outcome
	err = d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		outs, err = satisfaction.Store{}.InsertResponses(ctx, tx, []satisfaction.Response{{SurveyID: sv.ID, Version: sv.Version,
			SubmittedAt: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Channel: "in_person", Answers: as, Questionnaire: &q}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["surveys/comments"] = strconv.FormatInt(outs[0].ID, 10)
}
