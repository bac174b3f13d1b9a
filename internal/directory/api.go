package directory

import (
	"net/http"

	"github.com/joinedup/joinedup/internal/platform/api"
)

func (h *Web) apiOrgList(w http.ResponseWriter, r *http.Request) error {
	pg, err := api.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	orgs, err := h.Svc.Orgs(r.Context(), ListFilter{Text: q.Get("q"), Type: q.Get("type"), After: pg.After, Limit: pg.Limit + 1})
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, api.NewList(orgs, pg.Limit, func(o Organisation) int64 { return o.ID }))
}
