package auth

import "github.com/joinedup/joinedup/internal/platform/web"

// Reset is password reset by email.
type Reset struct{}

func (p *Reset) routes(rt *web.Router, h *Web) {}
