package learning

import (
	"net/http"
	"slices"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/web"
)

const caseStudyTag = "Case studies"

// caseStudyAPIRoutes registers the API mirror of the case-study pages.
func (h *Web) caseStudyAPIRoutes(rt *web.Router) {
	rt.API("GET", "/api/v1/case-studies", web.Public, caseStudyTag,
		"List the case studies you may see (filters: place, theme, organisation, influence; cursor pagination)",
		h.apiCaseStudies, web.Body(nil, api.List[CaseStudy]{}))
	rt.API("POST", "/api/v1/case-studies", web.SignedIn, caseStudyTag,
		"Create a case study (contributors of the owning organisation)",
		api.Create(h.Svc.CreateCaseStudy, func(c CaseStudy) string { return "/api/v1/case-studies/" + csID(c.ID) }),
		web.Body(CaseStudyInput{}, CaseStudy{}))
	rt.API("GET", "/api/v1/case-studies/{id}", web.Public, caseStudyTag, "A case study with its places, partners, themes and attachments",
		api.Get(h.Svc.CaseStudy), web.Body(nil, CaseStudy{}))
	rt.API("PUT", "/api/v1/case-studies/{id}", web.SignedIn, caseStudyTag,
		"Edit a case study (its creator and the owner's managers); saved as a new revision. Send revision to refuse an edit made from an older one.",
		api.Update(h.Svc.UpdateCaseStudy), web.Body(CaseStudyInput{}, CaseStudy{}))
	rt.API("POST", "/api/v1/case-studies/{id}/archive", web.SignedIn, caseStudyTag, "Archive or restore a case study (the owner's managers)",
		api.Archive(h.Svc.ArchiveCaseStudy, h.Svc.CaseStudy), web.Body(api.ArchiveBody{}, CaseStudy{}))
	rt.API("GET", "/api/v1/case-studies/{id}/revisions", web.Public, caseStudyTag,
		"Every revision of a case study, newest first: who, when, what changed, and the case study as it was",
		h.revisionsAPI(h.caseStudyRevisions()), web.Body(nil, api.List[Revision]{}))
}

func (h *Web) apiCaseStudies(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := CaseStudyFilter{Paged: true, After: pg.After, Limit: pg.Limit + 1}
	for _, p := range []struct {
		name string
		to   *int64
	}{{"place", &f.PlaceID}, {"theme", &f.ThemeID}, {"organisation", &f.OrgID}} {
		if s := q.Get(p.name); s != "" {
			if *p.to = csQueryID(q, p.name); *p.to == 0 {
				return &api.BadRequest{Msg: p.name + " must be an ID.", Errors: map[string]string{p.name: "Use a whole number."}}
			}
		}
	}
	if s := strings.TrimSpace(q.Get("influence")); s != "" {
		if !slices.Contains(csOptionValues(InfluenceLevels), s) {
			return &api.BadRequest{Msg: "influence must be one of " + strings.Join(csOptionValues(InfluenceLevels), ", ") + ".",
				Errors: map[string]string{"influence": "Use one of " + strings.Join(csOptionValues(InfluenceLevels), ", ") + "."}}
		}
		f.Influence = s
	}
	list, err := h.Svc.CaseStudies(r.Context(), f)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(list, pg.Limit, func(c CaseStudy) int64 { return c.ID }))
}
