package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/mail"
	"github.com/joinedup/joinedup/internal/platform/reqinfo"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Limits on reset emails within the sign-in throttling window (Config.Window): per address
// asked for, and per client address asking.
const (
	resetPerEmail = 3
	resetPerIP    = 20
	// DefaultResetTTL is how long a reset link works.
	DefaultResetTTL = time.Hour
)

// ErrResetInvalid is the answer to a reset link that is unknown, already used or expired, or
// whose account is disabled.
var ErrResetInvalid = errors.New("This link has expired or has already been used. Ask for a new one.")

// RequestReset records a request to reset the password of the account with email, and
// returns the secret for the link to send (and the account), or "" when nothing is to be sent:
// no such account, a disabled one, or too many links already sent to that address. The caller
// gives the same answer in every case, so that nobody learns which addresses have accounts.
// Too many requests from one client address is a *ThrottledError.
func (s *Service) RequestReset(ctx context.Context, email string, ttl time.Duration) (string, User, error) {
	email = strings.TrimSpace(email)
	if ttl <= 0 {
		ttl = DefaultResetTTL
	}
	now := s.Now()
	emailKey, ipKey := fmtKey("reset-email", email), fmtKey("reset-ip", reqinfo.From(ctx).ClientIP)
	if wait, err := s.overLimit(ctx, ipKey, resetPerIP, now); err != nil {
		return "", User{}, err
	} else if wait > 0 {
		_ = audit.Record(ctx, s.DB, audit.Entry{Action: "auth.password_reset_request", TargetKind: "user", Target: email,
			Outcome: audit.Denied, Detail: "throttled: too many requests from this client address"})
		return "", User{}, &ThrottledError{Wait: wait}
	}
	emailWait, err := s.overLimit(ctx, emailKey, resetPerEmail, now)
	if err != nil {
		return "", User{}, err
	}
	u, err := UserByEmail(ctx, s.DB, email)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return "", User{}, err
	}
	why, outcome := "", audit.Success
	switch {
	case emailWait > 0:
		why, outcome = "throttled: too many links sent to this address", audit.Denied
	case u.ID == 0:
		why, outcome = "unknown email", audit.Failure
	case u.Disabled():
		why, outcome = "account disabled", audit.Failure
	}
	token := ""
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		keys := []string{ipKey}
		if emailWait == 0 {
			keys = append(keys, emailKey)
		}
		for _, k := range keys {
			if _, err := tx.Exec(ctx, "INSERT INTO login_failures (key, failed_at) VALUES (?, ?)", k, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM login_failures WHERE failed_at < ?", now.Add(-s.Cfg.Window)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM password_resets WHERE expires_at < ?", now); err != nil {
			return err
		}
		if why == "" {
			token = NewToken()
			if _, err := tx.Exec(ctx, "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
				HashToken(token), u.ID, now, now.Add(ttl)); err != nil {
				return db.MapError(err)
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "auth.password_reset_request", TargetKind: "user", TargetID: u.ID, Target: email,
			Outcome: outcome, Detail: why})
	})
	if err != nil {
		return "", User{}, err
	}
	return token, u, nil
}

// overLimit returns how long until fewer than limit events are recorded under key within the
// window, or 0 when there are already fewer.
func (s *Service) overLimit(ctx context.Context, key string, limit int, now time.Time) (time.Duration, error) {
	rows, err := s.DB.Query(ctx, "SELECT failed_at FROM login_failures WHERE key = ? AND failed_at >= ? ORDER BY failed_at DESC LIMIT ?",
		key, now.Add(-s.Cfg.Window), limit)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	var oldest time.Time
	for rows.Next() {
		if err := rows.Scan(&oldest); err != nil {
			return 0, err
		}
		n++
	}
	if err := rows.Err(); err != nil || n < limit {
		return 0, err
	}
	return max(oldest.Add(s.Cfg.Window).Sub(now), time.Second), nil
}

// ResetUser returns the account a reset link is for; ErrResetInvalid when the link does not work.
func (s *Service) ResetUser(ctx context.Context, token string) (User, error) {
	return s.resetUser(ctx, s.DB, token)
}

func (s *Service) resetUser(ctx context.Context, q db.Q, token string) (User, error) {
	if token == "" || len(token) > 200 {
		return User{}, ErrResetInvalid
	}
	var userID int64
	var expires time.Time
	var used sql.Null[time.Time]
	err := q.QueryRow(ctx, "SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?", HashToken(token)).Scan(&userID, &expires, &used)
	if err = db.MapError(err); errors.Is(err, db.ErrNotFound) {
		return User{}, ErrResetInvalid
	} else if err != nil {
		return User{}, err
	}
	if used.Valid || !s.Now().Before(expires) {
		return User{}, ErrResetInvalid
	}
	u, err := UserByID(ctx, q, userID)
	if errors.Is(err, db.ErrNotFound) {
		return User{}, ErrResetInvalid
	} else if err != nil {
		return User{}, err
	}
	if u.Disabled() {
		return User{}, ErrResetInvalid
	}
	return u, nil
}

// ResetPassword sets a new password with the secret of a reset link, which then stops
// working (as do the account's other links), signs every session of the account out and
// clears its failed sign-ins.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	u, err := s.ResetUser(ctx, token)
	if errors.Is(err, ErrResetInvalid) {
		_ = audit.Record(ctx, s.DB, audit.Entry{Action: "user.password_reset", TargetKind: "user", Outcome: audit.Failure, Detail: "invalid, used or expired link"})
		return err
	} else if err != nil {
		return err
	}
	if msg := ValidatePassword(password); msg != "" {
		return fieldErr("password", msg)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		// Claim the link: of two requests racing with one link, one wins.
		res, err := tx.Exec(ctx, "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?", now, HashToken(token), now)
		if err := db.Affected(res, err); errors.Is(err, db.ErrNotFound) {
			return ErrResetInvalid
		} else if err != nil {
			return err
		}
		cur, err := UserByID(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if cur.Disabled() {
			return ErrResetInvalid
		}
		if err := SetPassword(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL", now, u.ID); err != nil {
			return err
		}
		if err := s.RevokeAllSessions(ctx, tx, u.ID, ""); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM login_failures WHERE key = ?", fmtKey("email", cur.Email)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "user.password_reset", ActorID: u.ID, Actor: cur.Email, TargetKind: "user", TargetID: u.ID, Target: cur.Email,
			Detail: "all sessions signed out"})
	})
}

// Reset is password reset by email.
type Reset struct {
	Mail mail.Sender
	// BaseURL returns the site's public address (https://joinedup.example.gov.au), for the
	// link in the email. It is asked at each request because the serve command learns its
	// address only once it listens. Links are never built from the request's Host header,
	// which whoever asks for the link controls.
	BaseURL func() string
	// TTL is how long a link works (DefaultResetTTL when zero).
	TTL time.Duration
	// Log receives delivery failures (slog.Default when nil).
	Log *slog.Logger
	// SiteName names the site in the email ("Joined Up" when empty).
	SiteName string

	// pending counts emails being sent in the background.
	pending sync.WaitGroup
}

func (p *Reset) routes(rt *web.Router, h *Web) {
	rt.Page("GET", "/password/forgot", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		h.Render.OK(w, r, "auth/reset_forgot", web.Page{Title: "Forgotten password", Form: &web.Form{}})
		return nil
	})
	rt.Page("POST", "/password/forgot", web.Public, func(w http.ResponseWriter, r *http.Request) error { return p.forgot(w, r, h) })
	rt.Page("GET", "/password/reset", web.Public, func(w http.ResponseWriter, r *http.Request) error { return p.resetForm(w, r, h) })
	rt.Page("POST", "/password/reset", web.Public, func(w http.ResponseWriter, r *http.Request) error { return p.reset(w, r, h) })
}

// Wait waits for the emails being sent in the background (for a clean shutdown, and tests).
func (p *Reset) Wait() { p.pending.Wait() }

func (p *Reset) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}

func (p *Reset) forgot(w http.ResponseWriter, r *http.Request, h *Web) error {
	f := web.NewForm(r)
	email := f.Get("email")
	page := web.Page{Title: "Forgotten password", Form: f}
	var c valid.Checker
	c.Email("email", email)
	if err := c.Err(); err != nil {
		h.Render.Invalid(w, r, "auth/reset_forgot", page, err)
		return nil
	}
	token, u, err := h.Svc.RequestReset(r.Context(), email, p.TTL)
	var te *ThrottledError
	if errors.As(err, &te) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(te.Wait.Seconds()))))
		wait := "a minute"
		if m := int(math.Ceil(te.Wait.Minutes())); m > 1 {
			wait = fmt.Sprintf("%d minutes", m)
		}
		f.Errors = valid.Errors{"": "Too many password reset requests from your network. Wait " + wait + " and try again."}
		h.Render.Render(w, r, http.StatusTooManyRequests, "auth/reset_forgot", page)
		return nil
	} else if err != nil {
		return err
	}
	if token != "" {
		p.send(r.Context(), u, token)
	}
	h.Render.OK(w, r, "auth/reset_sent", web.Page{Title: "Check your email", Data: struct{ Email string }{email}})
	return nil
}

// send emails the link in the background, so that the answer takes as long whether or not
// the account exists, and a slow mail server keeps nobody waiting.
func (p *Reset) send(ctx context.Context, u User, token string) {
	base := ""
	if p.BaseURL != nil {
		base = strings.TrimRight(p.BaseURL(), "/")
	}
	if base == "" || p.Mail == nil {
		p.log().ErrorContext(ctx, "password reset link not sent: no public address (--base-url) or no mail sender configured", "user_id", u.ID)
		return
	}
	ttl := p.TTL
	if ttl <= 0 {
		ttl = DefaultResetTTL
	}
	site := p.SiteName
	if site == "" {
		site = "Joined Up"
	}
	link := base + "/password/reset?token=" + url.QueryEscape(token)
	greeting := "Hello,"
	if u.Name != "" {
		greeting = "Hello " + u.Name + ","
	}
	text := fmt.Sprintf(`%s

Someone, we hope you, asked to reset the password of your %s account (%s).
To choose a new password, open this link within %s:

%s

The link works once. After you choose a new password, every browser signed in
to your account is signed out.

If you did not ask for this, ignore this email: your password stays as it is.
`, greeting, site, u.Email, humanDuration(ttl), link)
	to := (&netmail.Address{Name: u.Name, Address: u.Email}).String()
	m := mail.Message{To: to, Subject: "Reset your " + site + " password", Text: text}
	reqID := reqinfo.From(ctx).ID
	p.pending.Add(1)
	go func() {
		defer p.pending.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if err := p.Mail.Send(sctx, m); err != nil {
			p.log().Error("password reset email failed", "err", err, "user_id", u.ID, "request_id", reqID)
		}
	}()
}

func humanDuration(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "one hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	default:
		return fmt.Sprintf("%d minutes", int(math.Ceil(d.Minutes())))
	}
}

type resetData struct {
	Token   string
	Email   string
	Message string
}

func (p *Reset) invalid(w http.ResponseWriter, r *http.Request, h *Web) {
	h.Render.Render(w, r, http.StatusBadRequest, "auth/reset_invalid", web.Page{Title: "This link does not work", Data: resetData{Message: ErrResetInvalid.Error()}})
}

func (p *Reset) resetForm(w http.ResponseWriter, r *http.Request, h *Web) error {
	token := r.URL.Query().Get("token")
	u, err := h.Svc.ResetUser(r.Context(), token)
	if errors.Is(err, ErrResetInvalid) {
		p.invalid(w, r, h)
		return nil
	} else if err != nil {
		return err
	}
	h.Render.OK(w, r, "auth/reset_new", web.Page{Title: "Choose a new password", Form: &web.Form{}, Data: resetData{Token: token, Email: u.Email}})
	return nil
}

func (p *Reset) reset(w http.ResponseWriter, r *http.Request, h *Web) error {
	f := web.NewForm(r)
	token, password := f.Values.Get("token"), f.Values.Get("password")
	f.Values.Del("password")
	err := h.Svc.ResetPassword(r.Context(), token, password)
	if errors.Is(err, ErrResetInvalid) {
		p.invalid(w, r, h)
		return nil
	}
	if _, ok := valid.As(err); ok {
		u, uerr := h.Svc.ResetUser(r.Context(), token)
		if uerr != nil {
			p.invalid(w, r, h)
			return nil
		}
		h.Render.Invalid(w, r, "auth/reset_new", web.Page{Title: "Choose a new password", Form: f, Data: resetData{Token: token, Email: u.Email}}, err)
		return nil
	} else if err != nil {
		return err
	}
	ClearSessionCookie(w, r)
	return web.Redirect(w, r, "/signin", "Your password is changed and every session of your account is signed out. Sign in with your new password.")
}
