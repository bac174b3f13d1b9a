package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

var linkRE = regexp.MustCompile(`http://\S+/password/reset\?token=(\S+)`)

func resetSite(t *testing.T, d *db.DB) (*site, *Reset) {
	var r *Reset
	s := newSite(t, d, func(s *site, base string) {
		r = &Reset{Mail: s.mail, BaseURL: func() string { return base }}
		s.web.Reset = r
	})
	return s, r
}

// linkIn returns the reset link of the last email and its token.
func linkIn(t *testing.T, s *site, r *Reset, to string) (string, string) {
	t.Helper()
	r.Wait()
	msgs := s.mail.all()
	if len(msgs) == 0 {
		t.Fatal("no email sent")
	}
	m := msgs[len(msgs)-1]
	if !strings.Contains(m.To, to) {
		t.Fatalf("email to %q, want %q", m.To, to)
	}
	match := linkRE.FindStringSubmatch(m.Text)
	if match == nil {
		t.Fatalf("no link in %q", m.Text)
	}
	tok, err := url.QueryUnescape(match[1])
	if err != nil {
		t.Fatal(err)
	}
	return match[0], tok
}

func TestPasswordReset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, r := resetSite(t, d)
		ana := addUser(t, d, "ana@example.gov.au", "Ana Smith", true)
		ctx := context.Background()
		// Ana is signed in on two browsers; both will be signed out by the reset.
		tok1, _ := s.svc.StartSession(ctx, ana, "password", "")
		tok2, _ := s.svc.StartSession(ctx, ana, "password", "")

		b := browser(t)
		if p := get(t, b, s.srv.URL+"/signin"); !strings.Contains(p.body, `href="/password/forgot"`) {
			t.Fatal("the sign-in page links to the reset")
		}
		if p := get(t, b, s.srv.URL+"/password/forgot"); p.status != 200 || !strings.Contains(p.body, `name="email"`) {
			t.Fatalf("forgot form: %d", p.status)
		}
		// A malformed address: an error next to the field, nothing sent.
		p := post(t, b, s.srv.URL+"/password/forgot", url.Values{"email": {"not an email"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="f-email-error"`) {
			t.Fatalf("bad email: %d", p.status)
		}
		// No enumeration: the same answer for an unknown address and a known one.
		unknown := post(t, b, s.srv.URL+"/password/forgot", url.Values{"email": {"nobody@example.gov.au"}})
		r.Wait()
		if len(s.mail.all()) != 0 {
			t.Fatal("no email for an unknown address")
		}
		known := post(t, b, s.srv.URL+"/password/forgot", url.Values{"email": {"ANA@example.gov.au"}})
		if unknown.status != 200 || known.status != 200 {
			t.Fatalf("status %d / %d", unknown.status, known.status)
		}
		if a, k := mainContent(unknown.body), strings.ReplaceAll(mainContent(known.body), "ANA@example.gov.au", "nobody@example.gov.au"); a != k {
			t.Fatalf("answers differ:\n%s\n---\n%s", a, k)
		}
		if !strings.Contains(known.body, "If there is an account for") {
			t.Fatalf("answer: %s", mainContent(known.body))
		}
		link, token := linkIn(t, s, r, "ana@example.gov.au")
		if !strings.HasPrefix(link, s.srv.URL+"/password/reset?token=") {
			t.Fatalf("link %q", link)
		}
		m := s.mail.all()[0]
		if !strings.Contains(m.To, "Ana Smith") || !strings.Contains(m.Subject, "Reset") || !strings.Contains(m.Text, "one hour") {
			t.Fatalf("email: %+v", m)
		}
		// The token is stored hashed.
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM password_resets WHERE token_hash = ?", HashToken(token)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("stored hashed: %d %v", n, err)
		}
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM password_resets WHERE token_hash = ?", token).Scan(&n); err != nil || n != 0 {
			t.Fatalf("stored in clear: %d %v", n, err)
		}

		// The link opens the form.
		p = get(t, b, link)
		if p.status != 200 || !strings.Contains(p.body, `name="password"`) || !strings.Contains(p.body, "ana@example.gov.au") {
			t.Fatalf("reset form: %d", p.status)
		}
		// A weak password: the error is next to the field, and nothing changes.
		p = post(t, b, s.srv.URL+"/password/reset", url.Values{"token": {token}, "password": {"short"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="f-password-error"`) || !strings.Contains(p.body, "12 characters") {
			t.Fatalf("weak password: %d %s", p.status, mainContent(p.body))
		}
		if strings.Contains(p.body, `value="short"`) {
			t.Fatal("the password must not be echoed back")
		}
		// A good one: signed out everywhere, sent to sign in.
		newPassword := "a brand new passphrase"
		p = post(t, b, s.srv.URL+"/password/reset", url.Values{"token": {token}, "password": {newPassword}})
		if p.status != 200 || p.url.Path != "/signin" || !strings.Contains(p.body, "Your password is changed") {
			t.Fatalf("reset: %d %s", p.status, p.url)
		}
		for _, tok := range []string{tok1, tok2} {
			if pr, _, _ := s.svc.Authenticate(ctx, tok); pr.SignedIn() {
				t.Fatal("every session is signed out by the reset")
			}
		}
		if rows := auditRows(t, d, audit.Filter{Action: "user.password_reset", Outcome: audit.Success}); len(rows) != 1 || rows[0].TargetID != ana.ID {
			t.Fatalf("audit: %+v", rows)
		}
		// Single use.
		if p := get(t, b, link); p.status != http.StatusBadRequest || !strings.Contains(p.body, "expired or has already been used") {
			t.Fatalf("used link: %d", p.status)
		}
		if p := post(t, b, s.srv.URL+"/password/reset", url.Values{"token": {token}, "password": {"yet another passphrase"}}); p.status != http.StatusBadRequest {
			t.Fatalf("reused link: %d", p.status)
		}
		// The new password signs in (through the page, as a person would).
		p = post(t, b, s.srv.URL+"/signin", url.Values{"email": {"ana@example.gov.au"}, "password": {newPassword}, "next": {"/account"}})
		if p.status != 200 || p.url.Path != "/account" || sessionCookie(b, s.srv.URL) == "" {
			t.Fatalf("sign in with the new password: %d %s", p.status, p.url)
		}
	})
}

func TestPasswordResetExpiryAndLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, r := resetSite(t, d)
		ana := addUser(t, d, "ana@example.gov.au", "Ana", false)
		b := browser(t)
		post(t, b, s.srv.URL+"/password/forgot", url.Values{"email": {"ana@example.gov.au"}})
		_, first := linkIn(t, s, r, "ana@example.gov.au")
		post(t, b, s.srv.URL+"/password/forgot", url.Values{"email": {"ana@example.gov.au"}})
		link, second := linkIn(t, s, r, "ana@example.gov.au")
		if first == second {
			t.Fatal("each request makes a new token")
		}
		// An hour later the links no longer work.
		s.clock.Add(time.Hour + time.Second)
		if p := get(t, b, link); p.status != http.StatusBadRequest {
			t.Fatalf("expired link: %d", p.status)
		}
		if err := s.svc.ResetPassword(context.Background(), second, "a long enough password"); !errors.Is(err, ErrResetInvalid) {
			t.Fatalf("expired: %v", err)
		}
		// A third request is sent; a fourth within the window is not, with the same answer.
		s.clock.Add(-time.Hour)
		post(t, b, s.srv.URL+"/password/forgot", url.Values{"email": {"ana@example.gov.au"}})
		r.Wait()
		sent := len(s.mail.all())
		p := post(t, b, s.srv.URL+"/password/forgot", url.Values{"email": {"ana@example.gov.au"}})
		r.Wait()
		if p.status != 200 || len(s.mail.all()) != sent || sent != 3 {
			t.Fatalf("per-address limit: status %d, %d sent then %d", p.status, sent, len(s.mail.all()))
		}
		if rows := auditRows(t, d, audit.Filter{Action: "auth.password_reset_request", Outcome: audit.Denied}); len(rows) != 1 {
			t.Fatalf("audit of the limit: %+v", rows)
		}
		// Resetting one link spends the others.
		_, third := linkIn(t, s, r, "ana@example.gov.au")
		tokens := []string{first, third}
		if err := s.svc.ResetPassword(context.Background(), tokens[0], "a long enough password"); err != nil {
			t.Fatal(err)
		}
		if err := s.svc.ResetPassword(context.Background(), tokens[1], "a long enough password"); !errors.Is(err, ErrResetInvalid) {
			t.Fatalf("other links after a reset: %v", err)
		}
		// Per client address: many addresses from one client are cut off with a wait.
		s.clock.Add(time.Hour)
		var last page
		for i := range resetPerIP + 1 {
			last = post(t, b, s.srv.URL+"/password/forgot", url.Values{"email": {"someone" + string(rune('a'+i)) + "@example.gov.au"}})
		}
		if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" || !strings.Contains(last.body, "Too many password reset requests") {
			t.Fatalf("per-address limit: %d", last.status)
		}
		// A disabled account gets no link, and the same answer.
		s.clock.Add(time.Hour)
		ana.DisabledAt.V, ana.DisabledAt.Valid = db.Now(), true
		if err := UpdateUser(context.Background(), d, ana); err != nil {
			t.Fatal(err)
		}
		before := len(s.mail.all())
		p = post(t, browser(t), s.srv.URL+"/password/forgot", url.Values{"email": {"ana@example.gov.au"}})
		r.Wait()
		if p.status != 200 || len(s.mail.all()) != before {
			t.Fatalf("disabled: %d, %d emails", p.status, len(s.mail.all())-before)
		}
	})
}

func TestPasswordResetDisabledLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d, Config{})
		ana := addUser(t, d, "ana@example.gov.au", "Ana", false)
		tok, u, err := s.RequestReset(withIP("192.0.2.1"), "ana@example.gov.au", 0)
		if err != nil || tok == "" || u.ID != ana.ID {
			t.Fatalf("%q %v", tok, err)
		}
		// Disabled after the link was sent: the link no longer works.
		ana.DisabledAt.V, ana.DisabledAt.Valid = db.Now(), true
		if err := UpdateUser(context.Background(), d, ana); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResetUser(context.Background(), tok); !errors.Is(err, ErrResetInvalid) {
			t.Fatalf("disabled: %v", err)
		}
		if err := s.ResetPassword(context.Background(), tok, "a long enough password"); !errors.Is(err, ErrResetInvalid) {
			t.Fatalf("disabled: %v", err)
		}
		for _, bad := range []string{"", "nope", strings.Repeat("x", 300)} {
			if _, err := s.ResetUser(context.Background(), bad); !errors.Is(err, ErrResetInvalid) {
				t.Fatalf("%q: %v", bad, err)
			}
		}
	})
}
