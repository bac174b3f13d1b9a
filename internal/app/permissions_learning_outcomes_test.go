package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/joinedup/joinedup/internal/learning"
)

// Who may use the place outcomes pages (turn the curve), indicators, observations and their
// import, program performance measures, and their API. Results, indicators and figures are
// public, like the places they describe. The fixture's result (matrixLearningOutcomeFixtures)
// is at Testville and kept by organisation A: A's managers and admins (and site admins) edit
// it, its indicators and their figures; the managers of any organisation may add a result (for
// one they manage, or shared), so B's admin may too. The program's performance measures are
// kept by the managers of its lead organisation, A. An empty form posted counts as let through
// when it answers 422 (400 for a removal that names no figure).
func init() {
	for k, v := range map[string]string{
		"GET /outcomes":                                        "YYYYYYY",
		"GET /places/{id}/outcomes":                            "YYYYYYY",
		"GET /places/{id}/outcomes/new":                        "---YYYY",
		"POST /places/{id}/outcomes":                           "---YYYY",
		"GET /places/{id}/outcomes/{result_id}":                "YYYYYYY",
		"GET /places/{id}/outcomes/{result_id}/edit":           "---YY-Y",
		"POST /places/{id}/outcomes/{result_id}":               "---YY-Y",
		"POST /places/{id}/outcomes/{result_id}/delete":        "---YY-Y",
		"GET /places/{id}/outcomes/{result_id}/indicators/new": "---YY-Y",
		"POST /places/{id}/outcomes/{result_id}/indicators":    "---YY-Y",
		"GET /indicators/{id}":                                 "YYYYYYY",
		"GET /indicators/{id}/edit":                            "---YY-Y",
		"POST /indicators/{id}":                                "---YY-Y",
		"POST /indicators/{id}/delete":                         "---YY-Y",
		"POST /indicators/{id}/observations":                   "---YY-Y",
		"POST /indicators/{id}/observations/delete":            "---YY-Y",
		"GET /indicators/{id}/observations.csv":                "YYYYYYY",
		"GET /indicators/{id}/import":                          "---YY-Y",
		"POST /indicators/{id}/import":                         "---YY-Y",
		"GET /programs/{id}/performance":                       "YYYYYYY",
		"GET /programs/{id}/performance/new":                   "---YY-Y",
		"POST /programs/{id}/performance":                      "---YY-Y",
		"GET /api/v1/outcomes":                                 "YYYYYYY",
		"POST /api/v1/outcomes":                                "---YYYY",
		"GET /api/v1/outcomes/{id}":                            "YYYYYYY",
		"PUT /api/v1/outcomes/{id}":                            "---YY-Y",
		"DELETE /api/v1/outcomes/{id}":                         "---YY-Y",
		"POST /api/v1/outcomes/{id}/indicators":                "---YY-Y",
		"GET /api/v1/indicators/{id}":                          "YYYYYYY",
		"PUT /api/v1/indicators/{id}":                          "---YY-Y",
		"DELETE /api/v1/indicators/{id}":                       "---YY-Y",
		"GET /api/v1/indicators/{id}/observations":             "YYYYYYY",
		"POST /api/v1/indicators/{id}/observations":            "---YY-Y",
		"GET /api/v1/programs/{id}/performance":                "YYYYYYY",
		"POST /api/v1/programs/{id}/performance":               "---YY-Y",
	} {
		permissionRules[k] = v
	}
}

// matrixLearningOutcomeFixtures adds a result at the fixture's place, kept by organisation A,
// with an indicator and three figures, for the wildcards {result_id} (under places) and {id}
// (under outcomes and indicators); and a performance measure of the fixture's program.
func matrixLearningOutcomeFixtures(t *testing.T, ctx context.Context, f *matrixFixture, orgA, placeID, programID int64) {
	t.Helper()
	s := f.app.Learning
	r, err := s.CreateResult(ctx, learning.ResultInput{PlaceID: placeID, Title: "Children in Testville are ready for school", OrgID: orgA})
	if err != nil {
		t.Fatal(err)
	}
	ind, err := s.CreateIndicator(ctx, r.ID, learning.IndicatorInput{Name: "% on track", Unit: "%", PeriodFormat: learning.PeriodYear})
	if err != nil {
		t.Fatal(err)
	}
	var batch learning.ObservationBatch
	for k, v := range []float64{50, 52, 53} {
		batch.Observations = append(batch.Observations, learning.ObservationInput{PlaceID: placeID, Period: fmt.Sprint(2018 + k), Value: &v})
	}
	if _, err := s.ImportObservations(ctx, ind.ID, batch, nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMeasure(ctx, programID, learning.IndicatorInput{Name: "Families supported", Question: learning.QuestionHowMuch}); err != nil {
		t.Fatal(err)
	}
	f.ids["places/outcomes"] = fmt.Sprint(r.ID)
	f.ids["outcomes"] = fmt.Sprint(r.ID)
	f.ids["indicators"] = fmt.Sprint(ind.ID)
}
