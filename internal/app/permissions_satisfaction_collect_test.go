package app

import (
	"context"
	"strconv"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/satisfaction"
)

// Who may use the collection routes of surveys. The public page, its form, the thank-you page,
// the public definition and the JSON submission are open to everyone (a form or JSON body
// posted empty answers 422, which counts as let through). Links, posters, QR codes and
// personal links are for organisation A's contributors and up to see, its managers to change;
// A's viewer is refused (403) and B's admin told they do not exist (404).
func init() {
	for k, v := range map[string]string{
		"GET /s/{code}":                              "YYYYYYY",
		"POST /s/{code}":                             "YYYYYYY",
		"GET /s/{code}/thanks":                       "YYYYYYY",
		"GET /api/v1/surveys/{code}":                 "YYYYYYY",
		"POST /api/v1/surveys/{code}/responses":      "YYYYYYY",
		"GET /surveys/{id}/links":                    "--YYY-Y",
		"POST /surveys/{id}/links":                   "---YY-Y",
		"POST /surveys/{id}/links/{link_id}/archive": "---YY-Y",
		"GET /surveys/{id}/links/{link_id}/poster":   "--YYY-Y",
		"GET /surveys/{id}/links/{link_id}/qr.svg":   "--YYY-Y",
		"POST /surveys/{id}/tokens":                  "---YY-Y",
		"GET /api/v1/surveys/{code}/links":           "--YYY-Y",
		"POST /api/v1/surveys/{code}/links":          "---YY-Y",
	} {
		permissionRules[k] = v
	}
}

// matrixSatisfactionCollectFixtures gives the matrix an open survey of organisation A with a
// link. The matrix fills {id} and {code} after /surveys alike from ids["surveys"], so the
// survey's code is its id written out; if another fixture made the survey already, that one is
// used (and opened, if still a draft).
func matrixSatisfactionCollectFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA int64) {
	t.Helper()
	d := f.app.DB
	var id int64
	if s, ok := f.ids["surveys"]; ok {
		var err error
		if id, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("ids[surveys] = %q", s)
		}
	} else {
		now := db.Now()
		sv := satisfaction.Survey{Code: "matrix-survey", OrgID: orgA, Title: "Counter survey", Status: satisfaction.StatusOpen,
			Unit: satisfaction.UnitInteraction, Modules: []string{satisfaction.ModuleRecommend}}
		sv.Questionnaire = satisfaction.BuildQuestionnaire(sv.Code, sv.Title, "", sv.Modules, nil)
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			id, err = satisfaction.Store{}.InsertSurvey(ctx, tx, sv, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		f.ids["surveys"] = strconv.FormatInt(id, 10)
	}
	code := strconv.FormatInt(id, 10)
	if _, err := d.Exec(ctx, "UPDATE surveys SET code = ?, status = CASE WHEN status = 'draft' THEN 'open' ELSE status END WHERE id = ?", code, id); err != nil {
		t.Fatal(err)
	}
	f.app.Surveys.Cache.InvalidateAll()
	l, err := f.app.Surveys.CreateLink(ctx, id, satisfaction.LinkInput{Label: "Front counter", Channel: "in_person"})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["s"] = code
	f.ids["surveys/links"] = strconv.FormatInt(l.ID, 10)
}
