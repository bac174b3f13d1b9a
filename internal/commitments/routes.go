package commitments

import (
	"embed"

	"github.com/joinedup/joinedup/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Web serves the pages, feeds, API, import and export of commitments.
type Web struct {
	Svc    *Service
	Render *web.Renderer
}

// Routes registers every route of commitments with its access gate.
func (h *Web) Routes(rt *web.Router) error {
	if err := h.Render.Add("commitments", templates, "templates"); err != nil {
		return err
	}
	h.Render.AddNav(web.NavItem{Label: "Commitments", URL: "/plans"})
	h.pageRoutes(rt)
	h.apiRoutes(rt)
	h.transferRoutes(rt)
	return nil
}
