package satisfaction

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/joinedup/joinedup/internal/platform/web"
)

// exportRoutes registers the exports of responses: staff with Contribute in the survey's
// organisation (contributors, managers, admins, site admins) download every response as CSV
// or JSON, or read them through the API. Viewers may not: responses carry personal data in
// their comments. Each export is audited.
func (h *Web) exportRoutes(rt *web.Router) {
	rt.Page("GET", "/surveys/{id}/responses.csv", web.SignedIn, h.responsesCSV)
	rt.Page("GET", "/surveys/{id}/responses.json", web.SignedIn, h.responsesJSON)
	rt.API("GET", "/api/v1/surveys/{code}/responses", web.SignedIn, "Surveys",
		"Every response of a survey, streamed as one JSON array in id order (staff with contribute permission; audited)",
		h.apiResponses, web.Body(nil, []ExportRow{}))
}

// flusher flushes what is written so far to the client.
func flusher(w http.ResponseWriter) func() {
	rc := http.NewResponseController(w)
	return func() { _ = rc.Flush() }
}

// streamed runs an export once the headers are sent: an error after that cannot become an
// error page, so it is logged and the response is cut short.
func streamed(ctx context.Context, err error) error {
	if err != nil && ctx.Err() == nil {
		slog.ErrorContext(ctx, "survey export failed part way", "err", err)
	}
	return nil
}

func exportFilename(sv Survey, ext string) string {
	return "survey-" + sv.Code + "-responses." + ext
}

func (h *Web) responsesCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	sv, err := h.Svc.ExportSurvey(ctx, id)
	if err != nil {
		return err
	}
	if err := h.Svc.auditExport(ctx, sv, "csv"); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportFilename(sv, "csv")+`"`)
	w.Header().Set("Cache-Control", "no-store")
	return streamed(ctx, h.Svc.WriteResponsesCSV(ctx, w, flusher(w), sv))
}

func (h *Web) responsesJSON(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	sv, err := h.Svc.ExportSurvey(ctx, id)
	if err != nil {
		return err
	}
	if err := h.Svc.auditExport(ctx, sv, "json"); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportFilename(sv, "json")+`"`)
	w.Header().Set("Cache-Control", "no-store")
	return streamed(ctx, h.Svc.WriteResponsesJSON(ctx, w, flusher(w), sv))
}

func (h *Web) apiResponses(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sv, err := h.Svc.ExportSurveyByCode(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	if err := h.Svc.auditExport(ctx, sv, "api"); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return streamed(ctx, h.Svc.WriteResponsesJSON(ctx, w, flusher(w), sv))
}
