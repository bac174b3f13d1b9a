package auth

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// User is an account: a person who signs in (staff, partners, reviewers). Citizens need none.
type User struct {
	ID           int64
	Email        string
	Name         string
	IsAdmin      bool
	PasswordHash string
	OIDCIssuer   string
	OIDCSubject  string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	DisabledAt   sql.Null[time.Time]
}

// Disabled reports whether the account may no longer sign in.
func (u User) Disabled() bool { return u.DisabledAt.Valid }

const userColumns = `id, email, name, is_admin, password_hash, oidc_issuer, oidc_subject, created_at, updated_at, disabled_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.IsAdmin, &u.PasswordHash, &u.OIDCIssuer, &u.OIDCSubject, &u.CreatedAt, &u.UpdatedAt, &u.DisabledAt)
	return u, db.MapError(err)
}

// UserByID loads one account.
func UserByID(ctx context.Context, q db.Q, id int64) (User, error) {
	return scanUser(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// UserByEmail loads one account by email, ignoring case.
func UserByEmail(ctx context.Context, q db.Q, email string) (User, error) {
	return scanUser(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE lower(email) = lower(?)", strings.TrimSpace(email)))
}

// UserByOIDC loads the account linked to an OpenID Connect subject.
func UserByOIDC(ctx context.Context, q db.Q, issuer, subject string) (User, error) {
	return scanUser(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE oidc_issuer = ? AND oidc_subject = ?", issuer, subject))
}

// ListUsers returns accounts ordered by name; filter matches name or email.
func ListUsers(ctx context.Context, q db.Q, filter string, limit int) ([]User, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := q.Query(ctx, "SELECT "+userColumns+" FROM users WHERE lower(name) LIKE ? OR lower(email) LIKE ? ORDER BY lower(name), id LIMIT ?",
		"%"+strings.ToLower(filter)+"%", "%"+strings.ToLower(filter)+"%", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// InsertUser creates an account; ErrConflict when the email is taken.
func InsertUser(ctx context.Context, q db.Q, u User) (int64, error) {
	now := db.Now()
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO users (email, name, is_admin, password_hash, oidc_issuer, oidc_subject, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		strings.TrimSpace(u.Email), strings.TrimSpace(u.Name), u.IsAdmin, u.PasswordHash, u.OIDCIssuer, u.OIDCSubject, now, now).Scan(&id)
	return id, db.MapError(err)
}

// UpdateUser saves name, email, admin flag and disabled state.
func UpdateUser(ctx context.Context, q db.Q, u User) error {
	res, err := q.Exec(ctx, `UPDATE users SET email = ?, name = ?, is_admin = ?, disabled_at = ?, updated_at = ? WHERE id = ?`,
		strings.TrimSpace(u.Email), strings.TrimSpace(u.Name), u.IsAdmin, u.DisabledAt, db.Now(), u.ID)
	return db.Affected(res, err)
}

// SetPassword stores a new password hash.
func SetPassword(ctx context.Context, q db.Q, userID int64, hash string) error {
	res, err := q.Exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, db.Now(), userID)
	return db.Affected(res, err)
}

// LinkOIDC records the OpenID Connect subject of an account.
func LinkOIDC(ctx context.Context, q db.Q, userID int64, issuer, subject string) error {
	res, err := q.Exec(ctx, `UPDATE users SET oidc_issuer = ?, oidc_subject = ?, updated_at = ? WHERE id = ?`, issuer, subject, db.Now(), userID)
	return db.Affected(res, err)
}

// CountUsers counts accounts.
func CountUsers(ctx context.Context, q db.Q) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, err
}

// Session is a signed-in browser.
type Session struct {
	ID         string // the hash of the cookie value
	UserID     int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	ClientIP   string
	UserAgent  string
	Method     string
	RevokedAt  sql.Null[time.Time]
}

// Active reports whether the session can still be used at now.
func (s Session) Active(now time.Time) bool { return !s.RevokedAt.Valid && now.Before(s.ExpiresAt) }

const sessionColumns = `id, user_id, created_at, expires_at, last_seen_at, client_ip, user_agent, method, revoked_at`

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var s Session
	err := row.Scan(&s.ID, &s.UserID, &s.CreatedAt, &s.ExpiresAt, &s.LastSeenAt, &s.ClientIP, &s.UserAgent, &s.Method, &s.RevokedAt)
	return s, db.MapError(err)
}

func insertSession(ctx context.Context, q db.Q, s Session) error {
	_, err := q.Exec(ctx, `INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at, client_ip, user_agent, method)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.UserID, s.CreatedAt, s.ExpiresAt, s.LastSeenAt, s.ClientIP, truncate(s.UserAgent, 300), s.Method)
	return db.MapError(err)
}

func sessionByID(ctx context.Context, q db.Q, id string) (Session, error) {
	return scanSession(q.QueryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = ?", id))
}

// SessionsOf lists a person's sessions that have not expired, newest first.
func SessionsOf(ctx context.Context, q db.Q, userID int64) ([]Session, error) {
	rows, err := q.Query(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC", userID, db.Now())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// truncate cuts s to at most n bytes without splitting a character, and replaces invalid
// UTF-8 (which PostgreSQL refuses, failing the whole statement).
func truncate(s string, n int) string { return valid.Truncate(s, n) }

// Token is an API token; only its hash is stored.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt sql.Null[time.Time]
	RevokedAt  sql.Null[time.Time]
}

// TokensOf lists a person's API tokens.
func TokensOf(ctx context.Context, q db.Q, userID int64) ([]Token, error) {
	rows, err := q.Query(ctx, "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func fmtKey(kind, v string) string { return fmt.Sprintf("%s:%s", kind, strings.ToLower(v)) }
