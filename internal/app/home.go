package app

import (
	"net/http"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/web"
)

type homeData struct {
	Counts directory.Counts
}

func (a *App) home(w http.ResponseWriter, r *http.Request) error {
	counts, err := a.Dir.Counts(r.Context())
	if err != nil {
		return err
	}
	a.Render.OK(w, r, "app/home", web.Page{Title: "Home", Data: homeData{Counts: counts}})
	return nil
}
