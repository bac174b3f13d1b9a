package satisfaction

import "github.com/joinedup/joinedup/internal/platform/web"

// Limits: placeholder, replaced by the collection helper.
type Limits struct{}

func (h *Web) collectRoutes(rt *web.Router) {}
