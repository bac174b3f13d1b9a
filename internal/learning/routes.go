package learning

import (
	"embed"

	"github.com/joinedup/joinedup/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Web serves the pages and API of learning.
type Web struct {
	Svc    *Service
	Render *web.Renderer
}

// Routes registers every route of learning with its access gate.
func (h *Web) Routes(rt *web.Router) error {
	if err := h.Render.Add("learning", templates, "templates"); err != nil {
		return err
	}
	h.Render.AddNav(web.NavItem{Label: "Learning", URL: "/case-studies"}, web.NavItem{Label: "Communities", URL: "/communities"})
	h.caseStudyRoutes(rt) // casestudies*.go: /case-studies, revisions, attachments
	h.learningRoutes(rt)  // learnings*.go, evidence*.go, reports*.go: /learnings, /evidence, /reports, /recommendations
	h.outcomeRoutes(rt)   // outcomes*.go: /places/{id}/outcomes, indicators, observations
	h.communityRoutes(rt) // communities*.go, events*.go: /communities, /events/{id}
	return nil
}
