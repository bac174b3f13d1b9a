package satisfaction

import (
	"embed"

	"github.com/joinedup/joinedup/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Web serves the pages and API of satisfaction surveys.
type Web struct {
	Svc    *Service
	Render *web.Renderer
	// Limits protects the public collection routes; nil uses DefaultLimits.
	Limits *Limits
	// BaseURL is the site's public address ("https://example.org"), for the absolute links on
	// posters, QR codes and lists of personal links; empty: taken from the request.
	BaseURL string
}

// Routes registers every route of satisfaction with its access gate.
func (h *Web) Routes(rt *web.Router) error {
	if err := h.Render.Add("satisfaction", templates, "templates"); err != nil {
		return err
	}
	h.Render.AddNav(web.NavItem{Label: "Surveys", URL: "/surveys", Access: web.SignedIn})
	h.collectRoutes(rt)  // collect_web.go, collect_api.go: /s/{code}, /api/v1/surveys/{code}, links, posters, tokens
	h.manageRoutes(rt)   // manage_web.go, manage_api.go: /surveys, questions, versions, status, targets, weighting
	h.analysisRoutes(rt) // analysis_web.go, analysis_api.go: dashboards, results, comments, comparisons, exports
	h.insightRoutes(rt)  // comments_web.go, drivers_web.go, export_web.go: drivers, comments and themes, exports
	return nil
}
