package directory

import (
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Routes registers the directory's pages and API, each with its access gate; services check
// each object.
func (h *Web) Routes(rt *web.Router) error {
	if err := h.Render.Add("directory", templates, "templates"); err != nil {
		return err
	}
	// Every capability's record pages show their links with the same panel.
	if err := h.Render.Share(templates, "templates/_links.html"); err != nil {
		return err
	}
	h.Render.AddNav(web.NavItem{Label: "Organisations", URL: "/organisations"})

	rt.Page("GET", "/organisations", web.Public, h.orgList)
	rt.Page("GET", "/organisations/new", web.SignedIn, h.orgNew)
	rt.Page("POST", "/organisations", web.SignedIn, h.orgCreate)
	rt.Page("GET", "/organisations/{id}", web.Public, h.orgShow)
	rt.Page("GET", "/organisations/{id}/edit", web.SignedIn, h.orgEdit)
	rt.Page("POST", "/organisations/{id}", web.SignedIn, h.orgUpdate)
	rt.Page("POST", "/organisations/{id}/archive", web.SignedIn, h.orgArchive)

	rt.API("GET", "/api/v1/organisations", web.Public, "Organisations", "List organisations (filters: q, type; cursor pagination)", h.apiOrgList, web.Body(nil, api.List[Organisation]{}))
	rt.API("POST", "/api/v1/organisations", web.SignedIn, "Organisations", "Create an organisation", api.Create(h.Svc.CreateOrg, func(v Organisation) string { return "/api/v1/organisations/" + id(v.ID) }), web.Body(OrgInput{}, Organisation{}))
	rt.API("GET", "/api/v1/organisations/{id}", web.Public, "Organisations", "Get an organisation", api.Get(h.Svc.Org), web.Body(nil, Organisation{}))
	rt.API("PUT", "/api/v1/organisations/{id}", web.SignedIn, "Organisations", "Update an organisation", api.Update(h.Svc.UpdateOrg), web.Body(OrgInput{}, Organisation{}))
	rt.API("POST", "/api/v1/organisations/{id}/archive", web.SignedIn, "Organisations", "Archive or restore an organisation", api.Archive(h.Svc.ArchiveOrg, h.Svc.Org), web.Body(api.ArchiveBody{}, Organisation{}))

	h.placeRoutes(rt)
	h.serviceRoutes(rt)
	h.programRoutes(rt)
	h.taxonomyRoutes(rt)
	h.linkRoutes(rt)
	h.peopleRoutes(rt)
	return nil
}
