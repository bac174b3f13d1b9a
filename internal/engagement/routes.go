package engagement

import (
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Routes registers every route of engagements with its access gate. Public pages show the
// public only what is published (the service answers "not found" for a draft); every
// signed-in route checks the engagement again in the service.
func (h *Web) Routes(rt *web.Router) error {
	if err := h.Render.Add("engagement", templates, "templates"); err != nil {
		return err
	}
	h.Render.AddNav(web.NavItem{Label: "Engagements", URL: "/engagements"})
	for _, part := range h.parts() {
		part(rt)
	}
	return nil
}

// parts are the pieces of the capability, each registering its routes (and sections of the
// engagement page, see web.go). Participation and the opinion map add their route function
// here, one line each.
func (h *Web) parts() []func(*web.Router) {
	return []func(*web.Router){
		h.registerRoutes,
		h.engagementRoutes,
		h.reportRoutes,
		h.apiRoutes,
		h.participateRoutes, // participate_web.go, participate_api.go
		h.mapRoutes,         // map_web.go, map_api.go, export.go
	}
}

// registerRoutes: the public register, the overdue list and the consultation load.
func (h *Web) registerRoutes(rt *web.Router) {
	rt.Page("GET", "/engagements", web.Public, h.register)
	rt.Page("GET", "/engagements/overdue", web.Public, h.overdue)
	rt.Page("GET", "/engagements/load", web.Public, h.load)
}

// engagementRoutes: an engagement's page, and the staff pages that create, edit, publish,
// close and archive it and sort its submissions into themes.
func (h *Web) engagementRoutes(rt *web.Router) {
	rt.Page("GET", "/engagements/new", web.SignedIn, h.engagementNew)
	rt.Page("POST", "/engagements", web.SignedIn, h.engagementCreate)
	rt.Page("GET", "/engagements/{id}", web.Public, h.engagementShow)
	rt.Page("GET", "/engagements/{id}/edit", web.SignedIn, h.engagementEdit)
	rt.Page("POST", "/engagements/{id}", web.SignedIn, h.engagementUpdate)
	rt.Page("POST", "/engagements/{id}/status", web.SignedIn, h.engagementStatus)
	rt.Page("POST", "/engagements/{id}/archive", web.SignedIn, h.engagementArchive)
	rt.Page("GET", "/engagements/{id}/submissions", web.SignedIn, h.submissionList)
	rt.Page("POST", "/engagements/{id}/submissions/{submission_id}/themes", web.SignedIn, h.submissionThemes)
	rt.Page("POST", "/engagements/{id}/themes", web.SignedIn, h.themeCreate)
}

// reportRoutes: the "we asked, you said, we did" report and its editor.
func (h *Web) reportRoutes(rt *web.Router) {
	rt.Page("GET", "/engagements/{id}/report", web.Public, h.reportShow)
	rt.Page("GET", "/engagements/{id}/report/edit", web.SignedIn, h.reportEdit)
	rt.Page("POST", "/engagements/{id}/report", web.SignedIn, h.reportSave)
	rt.Page("POST", "/engagements/{id}/report/publish", web.SignedIn, h.reportPublish)
}
