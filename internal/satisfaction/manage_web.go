package satisfaction

import "github.com/joinedup/joinedup/internal/platform/web"

func (h *Web) manageRoutes(rt *web.Router) {}
