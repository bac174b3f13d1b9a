package app

import (
	"net/http"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/web"
)

type homeData struct {
	Counts      directory.Counts
	Plans       int
	Commitments int
	Frameworks  int
}

func (a *App) home(w http.ResponseWriter, r *http.Request) error {
	counts, err := a.Dir.Counts(r.Context())
	if err != nil {
		return err
	}
	d := homeData{Counts: counts}
	if d.Plans, d.Commitments, err = a.Commitments.Counts(r.Context()); err != nil {
		return err
	}
	fws, err := a.Maturity.Frameworks(r.Context())
	if err != nil {
		return err
	}
	d.Frameworks = len(fws)
	a.Render.OK(w, r, "app/home", web.Page{Title: "Home", Data: d})
	return nil
}
