package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/mail"
)

// configureAccounts sets up password reset and single sign-on from the configuration.
//
// Reset links are built from the site's public address, read when each email is written:
// --base-url, or else http://ADDR once the server listens (the serve command's ready
// callback sets it). They are never built from the request's Host header, which whoever asks
// for a link controls. Single sign-on needs --base-url at start: the provider must know the
// exact address it sends people back to.
func (a *App) configureAccounts(ctx context.Context, w *auth.Web) error {
	// Behind a TLS-terminating load balancer requests arrive over HTTP: say so to the cookies.
	a.Auth.Cfg.SecureCookies = a.Cfg.TLS
	var sender mail.Sender
	if a.Cfg.SMTP != "" {
		s, err := mail.NewSMTP(a.Cfg.SMTP, a.Cfg.MailFrom)
		if err != nil {
			return fmt.Errorf("mail (--smtp, --mail-from): %w", err)
		}
		sender = s
	} else {
		sender = mail.NewLog(a.Log)
		a.Log.Info("no mail server configured (--smtp): password reset emails are written to this log")
	}
	w.Reset = &auth.Reset{Mail: sender, BaseURL: func() string { return a.Cfg.BaseURL }, Log: a.Log}
	a.onShutdown = append(a.onShutdown, w.Reset.Wait) // emails still being sent

	if a.Cfg.OIDC.Issuer == "" {
		return nil
	}
	if a.Cfg.BaseURL == "" {
		return errors.New("single sign-on (--oidc-issuer) needs --base-url, the site's public address: " +
			"the provider sends people back to BASE_URL/auth/oidc/callback, which must be registered with it")
	}
	if a.Cfg.OIDC.ClientID == "" {
		return errors.New("single sign-on (--oidc-issuer) needs --oidc-client-id")
	}
	o, err := auth.NewOIDC(ctx, a.Cfg.OIDC, a.Cfg.BaseURL, a.Auth)
	if err != nil {
		return fmt.Errorf("single sign-on could not start (check --oidc-issuer and that the provider answers): %w", err)
	}
	o.SetLogger(a.Log)
	w.OIDC = o
	return nil
}
