package learning

import (
	"context"
	"embed"
	"net/http"
	"strconv"

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

// archivePage is the handler of POST …/{id}/archive for a kind of record: archived=false in
// the form restores it, anything else archives it; the person is sent back to base+id with
// the message that fits.
func archivePage(archive func(ctx context.Context, id int64, archived bool) error, base, archived, restored string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		on := r.PostFormValue("archived") != "false"
		if err := archive(r.Context(), id, on); err != nil {
			return err
		}
		msg := archived
		if !on {
			msg = restored
		}
		return web.Redirect(w, r, base+strconv.FormatInt(id, 10), msg)
	}
}
