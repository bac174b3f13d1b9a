// Package auth signs people in: local accounts with argon2id hashes, sessions stored in the
// database (revocable, shared by every server), API tokens hashed at rest, slowed-down
// repeated failures, password reset by email and OpenID Connect single sign-on.
package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/reqinfo"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// RoleSource loads the roles a person holds, by organisation. The directory provides it.
type RoleSource func(ctx context.Context, userID int64) (map[int64]authz.Role, error)

// Errors of sign-in.
var (
	ErrBadCredentials = errors.New("The email address or password is not right.")
	ErrDisabled       = errors.New("This account is disabled. Ask an administrator.")
)

// ThrottledError says how long to wait before trying again.
type ThrottledError struct{ Wait time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("Too many failed sign-ins. Wait %d seconds and try again.", int(math.Ceil(e.Wait.Seconds())))
}

// Config tunes sign-in.
type Config struct {
	SessionTTL time.Duration // how long a session lasts without use
	// FreeFailures is how many failures within Window are allowed before each further try
	// must wait, doubling from one second up to MaxWait.
	FreeFailures int
	Window       time.Duration
	MaxWait      time.Duration
	// SecureCookies marks the session cookie Secure even when the request reached us over
	// plain HTTP: the site is served over HTTPS by a load balancer (--tls).
	SecureCookies bool
}

// DefaultConfig is used when fields are zero.
var DefaultConfig = Config{SessionTTL: 14 * 24 * time.Hour, FreeFailures: 5, Window: 15 * time.Minute, MaxWait: 15 * time.Minute}

// Service is the sign-in service.
type Service struct {
	DB    *db.DB
	Roles RoleSource
	Cfg   Config
	Now   func() time.Time
}

// New builds the service.
func New(d *db.DB, roles RoleSource, cfg Config) *Service {
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultConfig.SessionTTL
	}
	if cfg.FreeFailures == 0 {
		cfg.FreeFailures = DefaultConfig.FreeFailures
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultConfig.Window
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = DefaultConfig.MaxWait
	}
	return &Service{DB: d, Roles: roles, Cfg: cfg, Now: db.Now}
}

// SessionCookie is the cookie that carries the session secret.
const SessionCookie = "joinedup_session"

// Login checks email and password and starts a session, returning its secret.
func (s *Service) Login(ctx context.Context, email, password, userAgent string) (string, User, error) {
	email = strings.TrimSpace(email)
	ip := reqinfo.From(ctx).ClientIP
	keys := []string{fmtKey("email", email), fmtKey("ip", ip)}
	if wait, err := s.throttled(ctx, keys); err != nil {
		return "", User{}, err
	} else if wait > 0 {
		_ = audit.Record(ctx, s.DB, audit.Entry{Action: "auth.login", Actor: email, Outcome: audit.Denied, Detail: "throttled"})
		return "", User{}, &ThrottledError{Wait: wait}
	}
	u, err := UserByEmail(ctx, s.DB, email)
	if errors.Is(err, db.ErrNotFound) {
		_, _ = CheckPassword(dummyHash(), password)
		return "", User{}, s.fail(ctx, keys, email, 0, "unknown email")
	} else if err != nil {
		return "", User{}, err
	}
	ok := false
	if u.PasswordHash != "" {
		ok, err = CheckPassword(u.PasswordHash, password)
		if err != nil {
			return "", User{}, err
		}
	} else {
		_, _ = CheckPassword(dummyHash(), password)
	}
	if !ok {
		return "", User{}, s.fail(ctx, keys, email, u.ID, "wrong password")
	}
	if u.Disabled() {
		// The right password: say why, rather than that the password is wrong.
		_ = s.fail(ctx, keys, email, u.ID, "disabled")
		return "", User{}, ErrDisabled
	}
	var token string
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM login_failures WHERE key = ?", keys[0]); err != nil {
			return err
		}
		token, err = s.startSession(ctx, tx, u.ID, "password", userAgent)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "auth.login", ActorID: u.ID, Actor: u.Email, TargetKind: "user", TargetID: u.ID, Target: u.Email})
	})
	return token, u, err
}

// StartSession starts a session for an already-authenticated person (single sign-on).
func (s *Service) StartSession(ctx context.Context, u User, method, userAgent string) (string, error) {
	if u.Disabled() {
		return "", ErrDisabled
	}
	var token string
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if token, err = s.startSession(ctx, tx, u.ID, method, userAgent); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "auth.login", ActorID: u.ID, Actor: u.Email, TargetKind: "user", TargetID: u.ID, Target: u.Email, Detail: method})
	})
	return token, err
}

func (s *Service) startSession(ctx context.Context, q db.Q, userID int64, method, ua string) (string, error) {
	token := NewToken()
	now := s.Now()
	err := insertSession(ctx, q, Session{ID: HashToken(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(s.Cfg.SessionTTL),
		LastSeenAt: now, ClientIP: reqinfo.From(ctx).ClientIP, UserAgent: ua, Method: method})
	return token, err
}

func (s *Service) fail(ctx context.Context, keys []string, email string, userID int64, why string) error {
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := s.Now()
		for _, k := range keys {
			if _, err := tx.Exec(ctx, "INSERT INTO login_failures (key, failed_at) VALUES (?, ?)", k, now); err != nil {
				return err
			}
		}
		// Forget failures older than the window.
		if _, err := tx.Exec(ctx, "DELETE FROM login_failures WHERE failed_at < ?", now.Add(-s.Cfg.Window)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "auth.login", ActorID: userID, Actor: email, TargetKind: "user", TargetID: userID, Target: email, Outcome: audit.Failure, Detail: why})
	})
	if err != nil {
		return err
	}
	return ErrBadCredentials
}

// throttled returns how long the caller must still wait, given recent failures under keys.
func (s *Service) throttled(ctx context.Context, keys []string) (time.Duration, error) {
	now := s.Now()
	var worst time.Duration
	for _, k := range keys {
		n, last, err := s.recentFailures(ctx, k, now.Add(-s.Cfg.Window))
		if err != nil {
			return 0, err
		}
		limit := s.Cfg.FreeFailures
		if strings.HasPrefix(k, "ip:") {
			limit *= 4 // an office behind one address
		}
		if n < limit {
			continue
		}
		wait := time.Second << min(n-limit, 20)
		if wait > s.Cfg.MaxWait {
			wait = s.Cfg.MaxWait
		}
		if left := last.Add(wait).Sub(now); left > worst {
			worst = left
		}
	}
	return worst, nil
}

// Logout revokes the session whose secret is token.
func (s *Service) Logout(ctx context.Context, token string) error {
	id := HashToken(token)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		sess, err := sessionByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", s.Now(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "auth.logout", TargetKind: "user", TargetID: sess.UserID})
	})
}

// RevokeSession ends one of a person's sessions: their own, or anyone's for a site admin.
func (s *Service) RevokeSession(ctx context.Context, sessionID string) error {
	p := authz.From(ctx)
	sess, err := sessionByID(ctx, s.DB, sessionID)
	if err != nil {
		return err
	}
	if sess.UserID != p.UserID && !p.SiteAdmin {
		_ = audit.Deny(ctx, s.DB, "session.revoke", "user", sess.UserID)
		return db.ErrNotFound
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", s.Now(), sessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "session.revoke", TargetKind: "user", TargetID: sess.UserID})
	})
}

// RevokeAllSessions ends every session of a user (after a password change, or by an admin).
func (s *Service) RevokeAllSessions(ctx context.Context, q db.Q, userID int64, except string) error {
	_, err := q.Exec(ctx, "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ?", s.Now(), userID, except)
	return err
}

// Authenticate returns the principal and session for a session secret; anonymous (and no
// error) when the secret is unknown, expired or revoked.
func (s *Service) Authenticate(ctx context.Context, token string) (authz.Principal, Session, error) {
	if token == "" || len(token) > 200 {
		return authz.Anonymous, Session{}, nil
	}
	sess, err := sessionByID(ctx, s.DB, HashToken(token))
	if errors.Is(err, db.ErrNotFound) {
		return authz.Anonymous, Session{}, nil
	} else if err != nil {
		return authz.Anonymous, Session{}, err
	}
	now := s.Now()
	if !sess.Active(now) {
		return authz.Anonymous, Session{}, nil
	}
	p, err := s.principal(ctx, sess.UserID, "session")
	if err != nil || !p.SignedIn() {
		return authz.Anonymous, Session{}, err
	}
	// Sliding expiry, written at most once a minute.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		_, _ = s.DB.Exec(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?", now, now.Add(s.Cfg.SessionTTL), sess.ID)
	}
	return p, sess, nil
}

// AuthenticateToken returns the principal for an API token; anonymous when unknown.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (authz.Principal, error) {
	if token == "" || len(token) > 200 {
		return authz.Anonymous, nil
	}
	var t Token
	err := s.DB.QueryRow(ctx, "SELECT id, user_id, last_used_at, revoked_at FROM api_tokens WHERE token_hash = ?", HashToken(token)).
		Scan(&t.ID, &t.UserID, &t.LastUsedAt, &t.RevokedAt)
	if err != nil {
		if errors.Is(db.MapError(err), db.ErrNotFound) {
			return authz.Anonymous, nil
		}
		return authz.Anonymous, err
	}
	if t.RevokedAt.Valid {
		return authz.Anonymous, nil
	}
	now := s.Now()
	if !t.LastUsedAt.Valid || now.Sub(t.LastUsedAt.V) > time.Minute {
		_, _ = s.DB.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, t.ID)
	}
	return s.principal(ctx, t.UserID, "token")
}

func (s *Service) principal(ctx context.Context, userID int64, via string) (authz.Principal, error) {
	u, err := UserByID(ctx, s.DB, userID)
	if errors.Is(err, db.ErrNotFound) {
		return authz.Anonymous, nil
	} else if err != nil {
		return authz.Anonymous, err
	}
	if u.Disabled() {
		return authz.Anonymous, nil
	}
	p := authz.Principal{UserID: u.ID, Name: u.Name, Email: u.Email, SiteAdmin: u.IsAdmin, Via: via}
	if s.Roles != nil {
		if p.Roles, err = s.Roles(ctx, u.ID); err != nil {
			return authz.Anonymous, err
		}
	}
	return p, nil
}

// CreateToken makes an API token for the principal (or, for a site admin, any user) and
// returns its secret, shown once.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string) (string, error) {
	p := authz.From(ctx)
	if p.UserID != userID && !p.SiteAdmin {
		return "", audit.Deny(ctx, s.DB, "token.create", "user", userID)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	name = truncate(name, 100)
	token := "ju_" + NewToken()
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			userID, name, HashToken(token), s.Now()).Scan(&id); err != nil {
			return db.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "token.create", TargetKind: "api_token", TargetID: id, Target: name, Detail: fmt.Sprintf("user %d", userID)})
	})
	return token, err
}

// RevokeToken revokes one of the principal's API tokens (any, for a site admin).
func (s *Service) RevokeToken(ctx context.Context, tokenID int64) error {
	p := authz.From(ctx)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var owner int64
		if err := tx.QueryRow(ctx, "SELECT user_id FROM api_tokens WHERE id = ?", tokenID).Scan(&owner); err != nil {
			return db.MapError(err)
		}
		if owner != p.UserID && !p.SiteAdmin {
			return db.ErrNotFound
		}
		if _, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", s.Now(), tokenID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "token.revoke", TargetKind: "api_token", TargetID: tokenID})
	})
}

// ChangePassword sets a new password after checking the current one, and ends the
// person's other sessions.
func (s *Service) ChangePassword(ctx context.Context, current, next, keepSession string) error {
	p := authz.From(ctx)
	u, err := UserByID(ctx, s.DB, p.UserID)
	if err != nil {
		return err
	}
	if u.PasswordHash != "" {
		if ok, _ := CheckPassword(u.PasswordHash, current); !ok {
			return fieldErr("current", "The current password is not right.")
		}
	}
	if msg := ValidatePassword(next); msg != "" {
		return fieldErr("password", msg)
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := SetPassword(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		if err := s.RevokeAllSessions(ctx, tx, u.ID, HashToken(keepSession)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "user.password", TargetKind: "user", TargetID: u.ID, Target: u.Email})
	})
}

// Middleware puts the principal of the request (session cookie or bearer token) into its
// context. A bad or expired credential leaves the request anonymous.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p := authz.Anonymous
		var err error
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if strings.EqualFold(scheme, "Bearer") {
			p, err = s.AuthenticateToken(ctx, strings.TrimSpace(tok))
		} else if c, cerr := r.Cookie(SessionCookie); cerr == nil {
			p, _, err = s.Authenticate(ctx, c.Value)
		}
		if err != nil {
			http.Error(w, "The service is unavailable: the database did not answer.", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r.WithContext(authz.With(ctx, p)))
	})
}

// SetSessionCookie sends the session cookie.
func (s *Service) SetSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.Cfg.SecureCookies || web.HTTPS(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.Cfg.SessionTTL.Seconds())})
}

// ClearSessionCookie removes it.
func ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: web.HTTPS(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func fieldErr(field, msg string) error { return valid.Errors{field: msg} }

// recentFailures counts failures under key since since, with the latest one's time.
func (s *Service) recentFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	rows, err := s.DB.Query(ctx, "SELECT failed_at FROM login_failures WHERE key = ? AND failed_at >= ? ORDER BY failed_at DESC LIMIT 100", key, since)
	if err != nil {
		return 0, time.Time{}, err
	}
	defer rows.Close()
	n := 0
	var last time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return 0, time.Time{}, err
		}
		if n == 0 {
			last = t
		}
		n++
	}
	return n, last, rows.Err()
}
