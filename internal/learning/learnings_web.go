package learning

import "github.com/joinedup/joinedup/internal/platform/web"

func (h *Web) learningRoutes(rt *web.Router) {}
