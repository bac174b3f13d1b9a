package maturity

import (
	"embed"

	"github.com/joinedup/joinedup/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Web serves the pages and API of self-assessment.
type Web struct {
	Svc    *Service
	Render *web.Renderer
}

// Routes registers every route of maturity with its access gate.
func (h *Web) Routes(rt *web.Router) error {
	if err := h.Render.Add("maturity", templates, "templates"); err != nil {
		return err
	}
	h.Render.AddNav(web.NavItem{Label: "Frameworks", URL: "/frameworks"}, web.NavItem{Label: "Self-assessment", URL: "/assessments", Access: web.SignedIn})
	h.frameworkRoutes(rt)
	h.assessmentRoutes(rt)
	h.resultRoutes(rt)
	return nil
}
