package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/reqinfo"
)

func TestPasswordHash(t *testing.T) {
	h := testHash()
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash format: %s", h)
	}
	if strings.Contains(h, testPassword) {
		t.Fatal("the hash contains the password")
	}
	if ok, err := CheckPassword(h, testPassword); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := CheckPassword(h, testPassword+"!"); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	h2, err := HashPassword(testPassword)
	if err != nil || h2 == h {
		t.Fatalf("two hashes of one password must differ (salt): %v", err)
	}
	parts := strings.Split(h, "$")
	for _, bad := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=65536,t=3,p=2$" + parts[4] + "$" + parts[5],
		"$argon2id$v=18$m=65536,t=3,p=2$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=0,t=3,p=2$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=3,p=2$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=65536,t=99,p=2$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=65536,t=3,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=65536,t=3$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=65536,t=3,p=2$!!!$" + parts[5],
		"$argon2id$v=19$m=65536,t=3,p=2$" + parts[4] + "$",
		"$argon2id$v=19$m=65536,t=3,p=2$" + parts[4] + "$" + strings.Repeat("A", 200),
		"$argon2id$v=19$m=65536,t=3,p=2$" + parts[4],
	} {
		if ok, err := CheckPassword(bad, testPassword); ok || !errors.Is(err, errBadHash) {
			t.Errorf("%q: want errBadHash, got %v %v", bad, ok, err)
		}
	}
	if ValidatePassword("short") == "" || ValidatePassword(strings.Repeat("x", 257)) == "" || ValidatePassword("twelve chars") != "" {
		t.Error("ValidatePassword limits")
	}
	if a, b := NewToken(), NewToken(); a == b || len(a) != 43 || HashToken(a) == a || len(HashToken(a)) != 64 {
		t.Errorf("tokens %q %q", a, b)
	}
}

func withIP(ip string) context.Context {
	return reqinfo.With(context.Background(), reqinfo.Info{ID: "test", ClientIP: ip})
}

func TestLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d, Config{})
		u := addUser(t, d, "Ana@Example.gov.au", "Ana", true)
		ctx := withIP("192.0.2.1")
		tok, got, err := s.Login(ctx, " ana@example.gov.au ", testPassword, "test browser")
		if err != nil || got.ID != u.ID || tok == "" {
			t.Fatalf("login: %v %+v", err, got)
		}
		p, sess, err := s.Authenticate(ctx, tok)
		if err != nil || p.UserID != u.ID || sess.Method != "password" || sess.ClientIP != "192.0.2.1" || sess.UserAgent != "test browser" {
			t.Fatalf("authenticate: %v %+v %+v", err, p, sess)
		}
		if sess.ID == tok || sess.ID != HashToken(tok) {
			t.Fatal("the session must be stored by the hash of its secret")
		}
		if _, _, err := s.Login(ctx, "ana@example.gov.au", "wrong password!", ""); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := s.Login(ctx, "nobody@example.gov.au", testPassword, ""); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("unknown email: %v", err)
		}
		fails := auditRows(t, d, audit.Filter{Action: "auth.login", Outcome: audit.Failure})
		if len(fails) != 2 || fails[0].Detail != "unknown email" || fails[1].Detail != "wrong password" {
			t.Fatalf("audit: %+v", fails)
		}
		// A disabled account cannot sign in, even with the right password; it is told why.
		u.DisabledAt.V, u.DisabledAt.Valid = db.Now(), true
		if err := UpdateUser(context.Background(), d, u); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, "ana@example.gov.au", testPassword, ""); !errors.Is(err, ErrDisabled) {
			t.Fatalf("disabled: %v", err)
		}
		// … and its sessions no longer authenticate.
		if p, _, _ := s.Authenticate(ctx, tok); p.SignedIn() {
			t.Fatal("a disabled account's session must be anonymous")
		}
	})
}

func TestThrottle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clk := newService(t, d, Config{FreeFailures: 2})
		addUser(t, d, "ana@example.gov.au", "Ana", true)
		ctx := withIP("192.0.2.7")
		for range 2 {
			if _, _, err := s.Login(ctx, "ana@example.gov.au", "not the password", ""); !errors.Is(err, ErrBadCredentials) {
				t.Fatal(err)
			}
		}
		// The next try is refused with a wait, even with the right password.
		_, _, err := s.Login(ctx, "ana@example.gov.au", testPassword, "")
		var te *ThrottledError
		if !errors.As(err, &te) || te.Wait <= 0 || te.Wait > time.Second {
			t.Fatalf("want a throttled error with a wait of up to a second, got %v", err)
		}
		if !strings.Contains(te.Error(), "Wait 1 seconds") {
			t.Errorf("message: %s", te.Error())
		}
		// Another address is throttled by the email counter too.
		if _, _, err := s.Login(withIP("198.51.100.9"), "ana@example.gov.au", testPassword, ""); !errors.As(err, &te) {
			t.Fatalf("other address: %v", err)
		}
		if rows := auditRows(t, d, audit.Filter{Action: "auth.login", Outcome: audit.Denied}); len(rows) != 2 || rows[0].Detail != "throttled" {
			t.Fatalf("throttled tries are audited: %+v", rows)
		}
		// After the wait, the right password works and clears the email's counter.
		clk.Add(2 * time.Second)
		if _, _, err := s.Login(ctx, "ana@example.gov.au", testPassword, ""); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM login_failures WHERE key = ?", fmtKey("email", "ana@example.gov.au")).Scan(&n); err != nil || n != 0 {
			t.Fatalf("email counter after success: %d %v", n, err)
		}
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM login_failures WHERE key = ?", fmtKey("ip", "192.0.2.7")).Scan(&n); err != nil || n != 2 {
			t.Fatalf("the address counter stays: %d %v", n, err)
		}
		// The address's limit is four times the email's (an office behind one address).
		wait, err := s.throttled(ctx, []string{fmtKey("ip", "192.0.2.7")})
		if err != nil || wait != 0 {
			t.Fatalf("ip below its limit: %v %v", wait, err)
		}
	})
}

func TestSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clk := newService(t, d, Config{SessionTTL: time.Hour})
		ana := addUser(t, d, "ana@example.gov.au", "Ana", false)
		ben := addUser(t, d, "ben@example.gov.au", "Ben", false)
		ctx := withIP("192.0.2.1")
		anaTok, err := s.StartSession(ctx, ana, "oidc", "")
		if err != nil {
			t.Fatal(err)
		}
		benTok, err := s.StartSession(ctx, ben, "oidc", "")
		if err != nil {
			t.Fatal(err)
		}
		anaP, anaSess, err := s.Authenticate(ctx, anaTok)
		if err != nil || anaP.UserID != ana.ID || anaP.Via != "session" {
			t.Fatalf("%v %+v", err, anaP)
		}
		_, benSess, _ := s.Authenticate(ctx, benTok)
		// Ana may not sign Ben out.
		asAna := authz.With(ctx, anaP)
		if err := s.RevokeSession(asAna, benSess.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("revoking someone else's session: %v", err)
		}
		if p, _, _ := s.Authenticate(ctx, benTok); p.UserID != ben.ID {
			t.Fatal("Ben's session must survive Ana's attempt")
		}
		// A site admin may.
		if err := s.RevokeSession(authz.With(ctx, authz.Principal{UserID: 999, SiteAdmin: true}), benSess.ID); err != nil {
			t.Fatal(err)
		}
		if p, _, _ := s.Authenticate(ctx, benTok); p.SignedIn() {
			t.Fatal("a revoked session must be anonymous")
		}
		// Ana revokes her own.
		if err := s.RevokeSession(asAna, anaSess.ID); err != nil {
			t.Fatal(err)
		}
		if p, _, _ := s.Authenticate(ctx, anaTok); p.SignedIn() {
			t.Fatal("a revoked session must be anonymous")
		}
		// Logout revokes.
		tok, _ := s.StartSession(ctx, ana, "oidc", "")
		if err := s.Logout(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if p, _, _ := s.Authenticate(ctx, tok); p.SignedIn() {
			t.Fatal("a signed-out session must be anonymous")
		}
		// Expiry, sliding with use.
		tok, _ = s.StartSession(ctx, ana, "oidc", "")
		clk.Add(50 * time.Minute)
		if p, _, _ := s.Authenticate(ctx, tok); !p.SignedIn() {
			t.Fatal("a session in use stays alive")
		}
		clk.Add(50 * time.Minute) // 100 minutes after the start, 50 after the last use
		if p, _, _ := s.Authenticate(ctx, tok); !p.SignedIn() {
			t.Fatal("the expiry slides with use")
		}
		clk.Add(61 * time.Minute)
		if p, _, _ := s.Authenticate(ctx, tok); p.SignedIn() {
			t.Fatal("an expired session must be anonymous")
		}
		// Garbage.
		for _, bad := range []string{"", "nope", strings.Repeat("x", 500)} {
			if p, _, err := s.Authenticate(ctx, bad); p.SignedIn() || err != nil {
				t.Fatalf("%q: %v %v", bad, p, err)
			}
		}
		// A long or malformed browser name is cut at a character boundary and made valid
		// UTF-8 (PostgreSQL refuses invalid text, which would fail the sign-in).
		for _, ua := range []string{strings.Repeat("a", 299) + "é and more", "Mozilla \xff\xfe"} {
			tok, err := s.StartSession(ctx, ana, "oidc", ua)
			if err != nil {
				t.Fatalf("user agent %q: %v", ua, err)
			}
			_, sess, _ := s.Authenticate(ctx, tok)
			if !utf8.ValidString(sess.UserAgent) || len(sess.UserAgent) > 300 {
				t.Fatalf("stored user agent %q", sess.UserAgent)
			}
		}
		// A disabled account cannot start a session.
		ana.DisabledAt.V, ana.DisabledAt.Valid = db.Now(), true
		if _, err := s.StartSession(ctx, ana, "oidc", ""); !errors.Is(err, ErrDisabled) {
			t.Fatalf("disabled: %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d, Config{})
		ana := addUser(t, d, "ana@example.gov.au", "Ana", false)
		ben := addUser(t, d, "ben@example.gov.au", "Ben", false)
		asAna := authz.With(context.Background(), authz.Principal{UserID: ana.ID, Email: ana.Email})
		tok, err := s.CreateToken(asAna, ana.ID, "sync")
		if err != nil || !strings.HasPrefix(tok, "ju_") {
			t.Fatalf("%q %v", tok, err)
		}
		// Hashed at rest: the secret appears nowhere in the table.
		var hash string
		if err := d.QueryRow(context.Background(), "SELECT token_hash FROM api_tokens WHERE user_id = ?", ana.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if hash != HashToken(tok) || strings.Contains(hash, tok) {
			t.Fatalf("stored %q", hash)
		}
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM api_tokens WHERE token_hash = ? OR name = ?", tok, tok).Scan(&n); err != nil || n != 0 {
			t.Fatalf("plain secret stored: %d %v", n, err)
		}
		p, err := s.AuthenticateToken(context.Background(), tok)
		if err != nil || p.UserID != ana.ID || p.Via != "token" {
			t.Fatalf("%+v %v", p, err)
		}
		// Ana cannot make a token for Ben, nor revoke Ben's.
		if _, err := s.CreateToken(asAna, ben.ID, "x"); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("token for another: %v", err)
		}
		if _, err := s.CreateToken(asAna, ana.ID, strings.Repeat("x", 99)+"ā\xff"); err != nil {
			t.Fatalf("a long name is cut, not refused: %v", err)
		}
		benTok, err := s.CreateToken(authz.With(context.Background(), authz.Principal{UserID: ben.ID}), ben.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		toks, _ := TokensOf(context.Background(), d, ben.ID)
		if len(toks) != 1 || toks[0].Name != "API token" {
			t.Fatalf("%+v", toks)
		}
		if err := s.RevokeToken(asAna, toks[0].ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("revoking another's token: %v", err)
		}
		if p, _ := s.AuthenticateToken(context.Background(), benTok); p.UserID != ben.ID {
			t.Fatal("Ben's token must survive")
		}
		// Revoked: anonymous.
		mine, _ := TokensOf(context.Background(), d, ana.ID)
		if len(mine) != 2 || mine[0].Name != strings.Repeat("x", 99) {
			t.Fatalf("tokens %+v", mine)
		}
		if err := s.RevokeToken(asAna, mine[1].ID); err != nil {
			t.Fatal(err)
		}
		if p, err := s.AuthenticateToken(context.Background(), tok); p.SignedIn() || err != nil {
			t.Fatalf("revoked token: %+v %v", p, err)
		}
		for _, bad := range []string{"", "ju_nope", strings.Repeat("x", 300)} {
			if p, err := s.AuthenticateToken(context.Background(), bad); p.SignedIn() || err != nil {
				t.Fatalf("%q: %+v %v", bad, p, err)
			}
		}
	})
}

func TestSecureCookies(t *testing.T) {
	s := New(nil, nil, Config{})
	r := httptest.NewRequest("GET", "http://joinedup.example/", nil)
	w := httptest.NewRecorder()
	s.SetSessionCookie(w, r, "secret")
	if c := w.Result().Cookies()[0]; c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("plain HTTP: %+v", c)
	}
	s.Cfg.SecureCookies = true
	w = httptest.NewRecorder()
	s.SetSessionCookie(w, r, "secret")
	if c := w.Result().Cookies()[0]; !c.Secure {
		t.Fatalf("behind an HTTPS load balancer the cookie is Secure: %+v", c)
	}
}
