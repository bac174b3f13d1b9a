package learning

import (
	"errors"
	"net/http"

	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

func (h *Web) libraryRoutes(rt *web.Router) {
	rt.Page("GET", "/communities/{id}/library", web.SignedIn, h.libraryList)
	rt.Page("GET", "/communities/{id}/library/new", web.SignedIn, h.libraryNew)
	rt.Page("POST", "/communities/{id}/library", web.SignedIn, h.libraryAdd)
}

type libraryListData struct {
	A     Access
	Items []LibraryItem
}

func (h *Web) libraryList(w http.ResponseWriter, r *http.Request) error {
	a, items, err := h.Svc.Library(r.Context(), r.PathValue("id"), 0)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "learning/library_list", web.Page{Title: "Library of " + a.Community.Name, Data: libraryListData{A: a, Items: items},
		Breadcrumbs: communityCrumbs(a.Community, web.Crumb{Label: "Library"})})
	return nil
}

type libraryFormData struct {
	A       Access
	Kinds   []web.Option
	Accept  string
	Types   string
	MaxSize string
}

func (h *Web) libraryFormPage(w http.ResponseWriter, r *http.Request, status int, form *web.Form) error {
	a, err := h.Svc.inside(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	kinds := cpOptions(LibraryKinds, func(k struct{ Value, Label string }) (string, string) { return k.Value, k.Label })
	h.Render.Render(w, r, status, "learning/library_form", web.Page{Title: "Add to the library", Form: form,
		Data:        libraryFormData{A: a, Kinds: kinds, Accept: FileAccept(), Types: FileTypesText(), MaxSize: MaxFileText()},
		Breadcrumbs: communityCrumbs(a.Community, web.Crumb{Label: "Library", URL: a.Community.URL() + "/library"}, web.Crumb{Label: "Add"})})
	return nil
}

func (h *Web) libraryNew(w http.ResponseWriter, r *http.Request) error {
	return h.libraryFormPage(w, r, http.StatusOK, web.FormOf(map[string]string{"kind": "template"}))
}

// libraryAdd takes the upload form (multipart: a file, or a link, with a title).
func (h *Web) libraryAdd(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("id")
	if _, err := h.Svc.inside(r.Context(), ref); err != nil {
		return err
	}
	up, values, err := ReadUpload(w, r, "file")
	form := &web.Form{Values: values}
	if ve, ok := valid.As(err); ok && ve["file"] != "" && len(ve) == 1 && values.Get("url") != "" {
		err = nil // no file: a link
	}
	var tooBig bool
	if err != nil {
		if !errors.Is(err, ErrFileTooLarge) {
			if ve, ok := valid.As(err); ok {
				form.Errors = ve
				return h.libraryFormPage(w, r, http.StatusUnprocessableEntity, form)
			}
			return err
		}
		tooBig = true
	}
	in := LibraryInput{Title: form.Get("title"), Description: form.Get("description"), Kind: form.Get("kind"), URL: form.Get("url")}
	if up.Name != "" {
		in.File = &up
	}
	var it LibraryItem
	if tooBig {
		err = ErrFileTooLarge
	} else {
		it, err = h.Svc.AddLibraryItem(r.Context(), ref, in)
	}
	if err != nil {
		if errors.Is(err, ErrFileTooLarge) {
			form.Errors = valid.Errors{"file": ErrFileTooLarge.Errors["file"]}
			return h.libraryFormPage(w, r, http.StatusRequestEntityTooLarge, form)
		}
		if ve, ok := valid.As(err); ok {
			form.Errors = ve
			return h.libraryFormPage(w, r, http.StatusUnprocessableEntity, form)
		}
		return err
	}
	a, err := h.Svc.Community(r.Context(), ref)
	if err != nil {
		return err
	}
	return web.Redirect(w, r, a.Community.URL()+"/library#item-"+cpItoa(it.ID), "“"+it.Title+"” is in the library.")
}
