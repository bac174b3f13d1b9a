package auth

import "github.com/joinedup/joinedup/internal/platform/web"

// OIDC is agency single sign-on through OpenID Connect.
type OIDC struct {
	Label string
}

func (o *OIDC) routes(rt *web.Router, h *Web) {}

// OIDCConfig configures single sign-on: empty Issuer turns it off.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	Label        string // the button says "Sign in with <Label>"
}
