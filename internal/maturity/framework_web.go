package maturity

import "github.com/joinedup/joinedup/internal/platform/web"

func (h *Web) frameworkRoutes(rt *web.Router) {}
