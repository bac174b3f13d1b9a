package auth

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
	"golang.org/x/oauth2"
)

// OIDCConfig configures single sign-on: empty Issuer turns it off.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	Label        string // the button says "Sign in with <Label>"
	// AutoCreate makes an account for a person the provider vouches for (with a verified
	// email address) who has none here yet. Off by default: an administrator creates
	// accounts, and single sign-on only signs their owners in.
	AutoCreate bool
}

// OIDC is agency single sign-on through OpenID Connect: the authorization code flow with
// PKCE (S256), a nonce, and the state kept in a short-lived cookie so that no server keeps
// anything between the two legs of the flow.
type OIDC struct {
	Label string

	cfg      OIDCConfig
	svc      *Service
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client
	secure   bool // the site is served over HTTPS: the flow cookie is Secure
	log      *slog.Logger
	now      func() time.Time
}

const (
	oidcCookie     = "joinedup_oidc"
	oidcCookiePath = "/auth/oidc/"
	// oidcFlowTTL is how long a person may take at the provider.
	oidcFlowTTL = 10 * time.Minute
)

// NewOIDC discovers the provider at cfg.Issuer. baseURL is the site's public address: the
// provider sends people back to baseURL + "/auth/oidc/callback", which must be registered
// with it, so it is required.
func NewOIDC(ctx context.Context, cfg OIDCConfig, baseURL string, svc *Service) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, errors.New("single sign-on needs an issuer and a client ID")
	}
	base, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("single sign-on needs the site's public address (--base-url), e.g. https://joinedup.example.gov.au; got %q", baseURL)
	}
	client := &http.Client{Timeout: 15 * time.Second}
	dctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, client), 15*time.Second)
	defer cancel()
	provider, err := oidc.NewProvider(dctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OpenID Connect discovery at %s failed: %w", cfg.Issuer, err)
	}
	if cfg.Label == "" {
		cfg.Label = "your agency account"
	}
	o := &OIDC{
		Label: cfg.Label,
		cfg:   cfg,
		svc:   svc,
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     provider.Endpoint(),
			RedirectURL:  base.String() + "/auth/oidc/callback",
			Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: provider.VerifierContext(oidc.ClientContext(context.WithoutCancel(ctx), client), &oidc.Config{ClientID: cfg.ClientID}),
		client:   client,
		secure:   base.Scheme == "https",
		log:      slog.Default(),
		now:      time.Now,
	}
	return o, nil
}

// SetLogger sets where failures are logged (slog.Default otherwise).
func (o *OIDC) SetLogger(l *slog.Logger) {
	if l != nil {
		o.log = l
	}
}

func (o *OIDC) routes(rt *web.Router, h *Web) {
	rt.Page("GET", "/auth/oidc/start", web.Public, o.start)
	rt.Page("GET", "/auth/oidc/callback", web.Public, func(w http.ResponseWriter, r *http.Request) error { return o.callback(w, r, h) })
}

// oidcFlow is what the flow cookie holds between the two legs.
type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r"`
	Started  int64  `json:"t"`
}

func (o *OIDC) setFlowCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: value, Path: oidcCookiePath, MaxAge: maxAge,
		HttpOnly: true, Secure: o.secure || o.svc.Cfg.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func (o *OIDC) start(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if authz.From(r.Context()).SignedIn() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	f := oidcFlow{State: NewToken(), Nonce: NewToken(), Verifier: oauth2.GenerateVerifier(), Next: next, Started: o.now().Unix()}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	o.setFlowCookie(w, r, base64.RawURLEncoding.EncodeToString(b), int(oidcFlowTTL.Seconds()))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, o.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusFound)
	return nil
}

func (o *OIDC) readFlow(r *http.Request) (oidcFlow, bool) {
	c, err := r.Cookie(oidcCookie)
	if err != nil || len(c.Value) > 2000 {
		return oidcFlow{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return oidcFlow{}, false
	}
	var f oidcFlow
	if json.Unmarshal(b, &f) != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return oidcFlow{}, false
	}
	return f, true
}

// idClaims are the ID token claims used beyond those go-oidc checks.
type idClaims struct {
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"` // a boolean; some providers send "true"
	Name          string `json:"name"`
	AuthorizedBy  string `json:"azp"`
}

func (c idClaims) verified() bool { return c.EmailVerified == true || c.EmailVerified == "true" }

// refusal is a failed sign-in: what the person is told, and the reason kept in the audit log.
type refusal struct {
	status  int
	heading string
	message string
	reason  string
	actor   string
	userID  int64
	err     error // the underlying error, for the log
}

func (o *OIDC) callback(w http.ResponseWriter, r *http.Request, h *Web) error {
	flow, haveFlow := o.readFlow(r)
	// The flow cookie serves once, whatever happens next.
	o.setFlowCookie(w, r, "", -1)
	u, ref, err := o.finish(w, r, flow, haveFlow)
	if err != nil {
		return err
	}
	if ref != nil {
		return o.refuse(w, r, h, flow, ref)
	}
	token, err := o.svc.StartSession(r.Context(), u, "oidc", r.UserAgent())
	if errors.Is(err, ErrDisabled) {
		return o.refuse(w, r, h, flow, &refusal{status: http.StatusForbidden, heading: "This account is disabled",
			message: ErrDisabled.Error(), reason: "account disabled", actor: u.Email, userID: u.ID})
	} else if err != nil {
		return err
	}
	o.svc.SetSessionCookie(w, r, token)
	return web.Redirect(w, r, safeNext(flow.Next), "You are signed in.")
}

// finish checks the provider's answer and returns the account to sign in, or why not.
func (o *OIDC) finish(w http.ResponseWriter, r *http.Request, flow oidcFlow, haveFlow bool) (User, *refusal, error) {
	ctx := r.Context()
	q := r.URL.Query()
	again := "Go back to the sign-in page and try again."
	if e := q.Get("error"); e != "" {
		msg := "The sign-in service did not sign you in"
		if d := q.Get("error_description"); d != "" {
			msg += ": " + truncate(d, 300)
		} else if e == "access_denied" {
			msg += ": access was denied or the sign-in was cancelled"
		}
		return User{}, &refusal{status: http.StatusBadRequest, heading: "You are not signed in", message: msg + ". " + again,
			reason: "provider error: " + truncate(e, 100)}, nil
	}
	if !haveFlow {
		return User{}, &refusal{status: http.StatusBadRequest, heading: "This sign-in has expired",
			message: "This sign-in was not started in this browser, or took too long. " + again, reason: "missing state cookie"}, nil
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(flow.State)) != 1 {
		return User{}, &refusal{status: http.StatusBadRequest, heading: "This sign-in cannot be completed",
			message: "The answer from the sign-in service does not match the sign-in started in this browser. " + again, reason: "state mismatch"}, nil
	}
	if age := o.now().Sub(time.Unix(flow.Started, 0)); age > oidcFlowTTL || age < -time.Minute {
		return User{}, &refusal{status: http.StatusBadRequest, heading: "This sign-in has expired",
			message: "The sign-in took too long. " + again, reason: "sign-in expired"}, nil
	}
	code := q.Get("code")
	if code == "" {
		return User{}, &refusal{status: http.StatusBadRequest, heading: "You are not signed in",
			message: "The sign-in service sent no authorisation code. " + again, reason: "no code"}, nil
	}
	failed := func(reason string, err error) (User, *refusal, error) {
		return User{}, &refusal{status: http.StatusBadGateway, heading: "You are not signed in",
			message: "The answer of the sign-in service could not be checked. " + again + " If it happens again, tell an administrator.",
			reason:  reason, err: err}, nil
	}
	xctx := context.WithValue(ctx, oauth2.HTTPClient, o.client)
	tok, err := o.oauth.Exchange(xctx, code, oauth2.VerifierOption(flow.Verifier))
	if err != nil {
		return failed("code exchange failed", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return failed("no ID token in the token response", nil)
	}
	idt, err := o.verifier.Verify(oidc.ClientContext(ctx, o.client), raw)
	if err != nil {
		return failed("ID token rejected", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Nonce)) != 1 {
		return failed("ID token nonce mismatch", nil)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return failed("access token hash mismatch", err)
		}
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return failed("unreadable ID token claims", err)
	}
	if len(idt.Audience) > 1 && c.AuthorizedBy != o.cfg.ClientID {
		return failed("ID token for several audiences without this client as azp", nil)
	}
	return o.account(ctx, idt.Issuer, idt.Subject, c)
}

// account finds the person's account by their subject at the issuer, else by verified email
// (linking it), else makes one when AutoCreate is set.
func (o *OIDC) account(ctx context.Context, issuer, subject string, c idClaims) (User, *refusal, error) {
	d := o.svc.DB
	actor := c.Email
	if actor == "" {
		actor = "oidc:" + truncate(subject, 100)
	}
	u, err := UserByOIDC(ctx, d, issuer, subject)
	if err == nil {
		return u, nil, nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return User{}, nil, err
	}
	email := strings.TrimSpace(c.Email)
	var vc valid.Checker
	vc.Email("email", email)
	if email == "" || !c.verified() || vc.Err() != nil {
		return User{}, &refusal{status: http.StatusForbidden, heading: "No account found",
			message: "The sign-in service gave no verified email address for you, so you cannot be matched to an account here. Ask an administrator.",
			reason:  "no verified email", actor: actor}, nil
	}
	u, err = UserByEmail(ctx, d, email)
	switch {
	case errors.Is(err, db.ErrNotFound):
		if !o.cfg.AutoCreate {
			return User{}, &refusal{status: http.StatusForbidden, heading: "No account for this email",
				message: "There is no account for " + email + ": ask an administrator to create one, then sign in again.",
				reason:  "no account for this email", actor: actor}, nil
		}
		return o.create(ctx, issuer, subject, email, c.Name)
	case err != nil:
		return User{}, nil, err
	}
	if u.Disabled() {
		return User{}, &refusal{status: http.StatusForbidden, heading: "This account is disabled", message: ErrDisabled.Error(),
			reason: "account disabled", actor: u.Email, userID: u.ID}, nil
	}
	if u.OIDCSubject != "" {
		// Linked to another identity (at this issuer or a former one): an administrator decides.
		return User{}, &refusal{status: http.StatusForbidden, heading: "This account is linked to another sign-in",
			message: "The account for " + u.Email + " is already linked to a different single sign-on identity. Ask an administrator.",
			reason:  "account linked to another identity", actor: u.Email, userID: u.ID}, nil
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if err := LinkOIDC(ctx, tx, u.ID, issuer, subject); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "user.oidc_link", ActorID: u.ID, Actor: u.Email, TargetKind: "user", TargetID: u.ID, Target: u.Email,
			Detail: "linked by verified email to " + truncate(issuer, 200)})
	})
	if err != nil {
		return User{}, nil, err
	}
	u.OIDCIssuer, u.OIDCSubject = issuer, subject
	return u, nil, nil
}

func (o *OIDC) create(ctx context.Context, issuer, subject, email, name string) (User, *refusal, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	name = truncate(name, 200)
	var u User
	err := o.svc.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err := InsertUser(ctx, tx, User{Email: email, Name: name, OIDCIssuer: issuer, OIDCSubject: subject})
		if err != nil {
			return err
		}
		if u, err = UserByID(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "user.create", ActorID: id, Actor: email, TargetKind: "user", TargetID: id, Target: email,
			Detail: "created at first single sign-on from " + truncate(issuer, 200)})
	})
	return u, nil, err
}

// refuse audits a failed sign-in and shows the person why.
func (o *OIDC) refuse(w http.ResponseWriter, r *http.Request, h *Web, flow oidcFlow, ref *refusal) error {
	ctx := r.Context()
	if err := audit.Record(ctx, o.svc.DB, audit.Entry{Action: "auth.login", ActorID: ref.userID, Actor: ref.actor, TargetKind: "user", TargetID: ref.userID,
		Target: ref.actor, Outcome: audit.Failure, Detail: "oidc: " + ref.reason}); err != nil {
		return err
	}
	args := []any{"reason", ref.reason}
	if ref.err != nil {
		args = append(args, "err", ref.err)
	}
	o.log.WarnContext(ctx, "single sign-on refused", args...)
	next := flow.Next
	if next == "" {
		next = "/"
	}
	h.Render.Render(w, r, ref.status, "auth/oidc_error", web.Page{Title: ref.heading,
		Data: oidcErrorData{Heading: ref.heading, Message: ref.message, Next: safeNext(next), Label: o.Label, Reset: h.Reset != nil}})
	return nil
}

type oidcErrorData struct {
	Heading, Message, Next, Label string
	Reset                         bool
}
