package directory

import (
	"net/http"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/web"
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

func (h *Web) apiOrgGet(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	o, err := h.Svc.Org(r.Context(), oid)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, o)
}

func (h *Web) apiOrgCreate(w http.ResponseWriter, r *http.Request) error {
	var in OrgInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	o, err := h.Svc.CreateOrg(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/organisations/"+id(o.ID))
	return api.JSON(w, http.StatusCreated, o)
}

func (h *Web) apiOrgUpdate(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in OrgInput
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	o, err := h.Svc.UpdateOrg(r.Context(), oid, in)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, o)
}

// archiveBody is the body of the archive endpoints.
type archiveBody struct {
	Archived bool `json:"archived"`
}

func (h *Web) apiOrgArchive(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in archiveBody
	if err := api.Decode(r, &in); err != nil {
		return err
	}
	if err := h.Svc.ArchiveOrg(r.Context(), oid, in.Archived); err != nil {
		return err
	}
	o, err := h.Svc.Org(r.Context(), oid)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, o)
}
