package satisfaction

import (
	"net/http"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// analysisAPIRoutes registers the results API: a survey's headline and item figures for the
// staff of its organisation (and site admins); the others are told it does not exist.
func (h *Web) analysisAPIRoutes(rt *web.Router) {
	rt.API("GET", "/api/v1/surveys/{code}/results", web.SignedIn, "Surveys",
		"Results of a survey for its organisation's staff: the number of responses n, the headline figures (overall satisfaction index and top-2-box, and the NPS®-style score, effort and trust when those modules are on) and every scale question's figures, each with its metric, value, 95% interval (t for means, Wilson for proportions, adjusted Wald for NPS), n, how many said not applicable, reliability (ok, caution or suppressed: value and interval are then null), weighting (unweighted) and unit. Filters: from and to (months, YYYY-MM), channel, place (id)",
		h.apiResults, web.Body(nil, surveyResultsExample()))
}

func (h *Web) apiResults(w http.ResponseWriter, r *http.Request) error {
	f, err := ParseDashFilter(r.URL.Query())
	if err != nil {
		return err
	}
	doc, err := h.Svc.SurveyResults(r.Context(), r.PathValue("code"), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, doc)
}

// surveyResultsExample is the OpenAPI example of the results API.
func surveyResultsExample() SurveyResultsDoc {
	v, lo, hi := 72.5, 70.1, 74.9
	fig := FigureDoc{Question: QOverall, Text: CoreQuestions()[0].Text, Metric: string(MetricIndex), Value: &v, Lower: &lo, Upper: &hi,
		N: 1204, NotApplicable: 0, Reliability: "ok", Weighting: Unweighted, Unit: UnitLabel(UnitInteraction)}
	return SurveyResultsDoc{Survey: "permits", Title: "Permit applications", From: "2026-01", To: "2026-06", N: 1204,
		Unit: UnitLabel(UnitInteraction), Weighting: Unweighted, Headline: []FigureDoc{fig}, Items: []FigureDoc{fig}}
}
