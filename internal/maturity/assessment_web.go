package maturity

import "github.com/joinedup/joinedup/internal/platform/web"

func (h *Web) assessmentRoutes(rt *web.Router) {}
