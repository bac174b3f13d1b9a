package learning

import "github.com/joinedup/joinedup/internal/platform/web"

func (h *Web) communityRoutes(rt *web.Router) {}
