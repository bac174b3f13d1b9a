package auth

import (
	"embed"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Web serves sign-in, sign-out and the account pages.
type Web struct {
	Svc    *Service
	Render *web.Renderer
	// OIDC is nil when single sign-on is not configured.
	OIDC *OIDC
	// Reset is nil when password reset is not configured.
	Reset *Reset
}

// Routes registers the pages.
func (h *Web) Routes(rt *web.Router) error {
	if err := h.Render.Add("auth", templates, "templates"); err != nil {
		return err
	}
	rt.Page("GET", "/signin", web.Public, h.signinForm)
	rt.Page("POST", "/signin", web.Public, h.signin)
	rt.Page("POST", "/signout", web.Public, h.signout)
	rt.Page("GET", "/account", web.SignedIn, h.account)
	rt.Page("POST", "/account/password", web.SignedIn, h.changePassword)
	rt.Page("POST", "/account/sessions/{id}/revoke", web.SignedIn, h.revokeSession)
	rt.Page("POST", "/account/tokens", web.SignedIn, h.createToken)
	rt.Page("POST", "/account/tokens/{id}/revoke", web.SignedIn, h.revokeToken)
	if h.OIDC != nil {
		h.OIDC.routes(rt, h)
	}
	if h.Reset != nil {
		h.Reset.routes(rt, h)
	}
	return nil
}

type signinData struct {
	Next     string
	SSO      bool
	SSOLabel string
	Reset    bool
}

// safeNext keeps redirects on this site.
func safeNext(s string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return "/"
	}
	if u, err := url.Parse(s); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return s
}

func (h *Web) signinData(next string) signinData {
	d := signinData{Next: safeNext(next), Reset: h.Reset != nil}
	if h.OIDC != nil {
		d.SSO, d.SSOLabel = true, h.OIDC.Label
	}
	return d
}

func (h *Web) signinForm(w http.ResponseWriter, r *http.Request) error {
	if authz.From(r.Context()).SignedIn() {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	h.Render.OK(w, r, "auth/signin", web.Page{Title: "Sign in", Data: h.signinData(r.URL.Query().Get("next")), Form: &web.Form{}})
	return nil
}

func (h *Web) signin(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	email, password := f.Get("email"), f.Values.Get("password")
	page := web.Page{Title: "Sign in", Data: h.signinData(f.Get("next")), Form: f}
	var c valid.Checker
	c.Email("email", email)
	c.Check(password != "", "password", "Enter your password.")
	if err := c.Err(); err != nil {
		f.Values.Del("password")
		h.Render.Invalid(w, r, "auth/signin", page, err)
		return nil
	}
	token, _, err := h.Svc.Login(r.Context(), email, password, r.UserAgent())
	f.Values.Del("password")
	var te *ThrottledError
	switch {
	case errors.As(err, &te):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(te.Wait.Seconds()))))
		f.Errors = valid.Errors{"": te.Error()}
		h.Render.Render(w, r, http.StatusTooManyRequests, "auth/signin", page)
		return nil
	case errors.Is(err, ErrBadCredentials), errors.Is(err, ErrDisabled):
		f.Errors = valid.Errors{"email": err.Error()}
		h.Render.Render(w, r, http.StatusUnauthorized, "auth/signin", page)
		return nil
	case err != nil:
		return err
	}
	h.Svc.SetSessionCookie(w, r, token)
	return web.Redirect(w, r, safeNext(f.Get("next")), "You are signed in.")
}

func (h *Web) signout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil && authz.From(r.Context()).SignedIn() {
		if err := h.Svc.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	ClearSessionCookie(w, r)
	return web.Redirect(w, r, "/", "You are signed out.")
}

type accountData struct {
	User        User
	Sessions    []Session
	CurrentID   string
	Tokens      []Token
	NewToken    string
	Memberships map[int64]authz.Role
}

func (h *Web) accountPage(r *http.Request, form *web.Form, newToken string) (web.Page, error) {
	ctx := r.Context()
	p := authz.From(ctx)
	u, err := UserByID(ctx, h.Svc.DB, p.UserID)
	if err != nil {
		return web.Page{}, err
	}
	sessions, err := SessionsOf(ctx, h.Svc.DB, u.ID)
	if err != nil {
		return web.Page{}, err
	}
	tokens, err := TokensOf(ctx, h.Svc.DB, u.ID)
	if err != nil {
		return web.Page{}, err
	}
	cur := ""
	if c, err := r.Cookie(SessionCookie); err == nil {
		cur = HashToken(c.Value)
	}
	if form == nil {
		form = &web.Form{}
	}
	return web.Page{Title: "Your account", Form: form, Breadcrumbs: []web.Crumb{{Label: "Your account"}},
		Data: accountData{User: u, Sessions: sessions, CurrentID: cur, Tokens: tokens, NewToken: newToken, Memberships: p.Roles}}, nil
}

func (h *Web) account(w http.ResponseWriter, r *http.Request) error {
	page, err := h.accountPage(r, nil, "")
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "auth/account", page)
	return nil
}

func (h *Web) changePassword(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	cur := ""
	if c, err := r.Cookie(SessionCookie); err == nil {
		cur = c.Value
	}
	err := h.Svc.ChangePassword(r.Context(), f.Values.Get("current"), f.Values.Get("password"), cur)
	if _, ok := valid.As(err); ok {
		page, perr := h.accountPage(r, &web.Form{}, "")
		if perr != nil {
			return perr
		}
		h.Render.Invalid(w, r, "auth/account", page, err)
		return nil
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/account", "Your password is changed. Your other sessions are signed out.")
}

func (h *Web) revokeSession(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if len(id) != 64 {
		return web.Redirect(w, r, "/account", "")
	}
	if err := h.Svc.RevokeSession(r.Context(), id); err != nil {
		return err
	}
	return web.Redirect(w, r, "/account", "The session is signed out.")
}

func (h *Web) createToken(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	tok, err := h.Svc.CreateToken(r.Context(), authz.From(r.Context()).UserID, f.Get("name"))
	if err != nil {
		return err
	}
	page, err := h.accountPage(r, nil, tok)
	if err != nil {
		return err
	}
	h.Render.OK(w, r, "auth/account", page)
	return nil
}

func (h *Web) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Svc.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	return web.Redirect(w, r, "/account", "The token is revoked.")
}
