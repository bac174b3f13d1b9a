package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// opKey is the provider's signing key, made once (RSA key generation is slow).
var opKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// identity is who the test provider says signed in, and how it misbehaves.
type identity struct {
	sub, email, name string
	verified         any
	nonce            string // overrides the nonce sent at /authorize
	aud              string // overrides the audience
	authError        string // /authorize answers with this error
	expired          bool
}

// testOP is a small OpenID provider: discovery, JWKS, /authorize that signs in whoever
// next is, and /token that checks the PKCE verifier and returns a signed ID token.
type testOP struct {
	t        *testing.T
	srv      *httptest.Server
	clientID string
	secret   string

	mu    sync.Mutex
	next  identity
	codes map[string]opGrant
}

type opGrant struct {
	nonce, challenge, redirect string
	who                        identity
}

func newOP(t *testing.T) *testOP {
	op := &testOP{t: t, clientID: "joinedup-test", secret: "client-secret", codes: map[string]opGrant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /jwks", op.jwks)
	mux.HandleFunc("GET /authorize", op.authorize)
	mux.HandleFunc("POST /token", op.token)
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	return op
}

func (op *testOP) signInAs(who identity) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.next = who
}

func (op *testOP) discovery(w http.ResponseWriter, r *http.Request) {
	u := op.srv.URL
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token", "jwks_uri": u + "/jwks",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

func (op *testOP) jwks(w http.ResponseWriter, r *http.Request) {
	_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &opKey().PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

func (op *testOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	switch {
	case q.Get("response_type") != "code", q.Get("client_id") != op.clientID, !strings.Contains(q.Get("scope"), "openid"),
		q.Get("code_challenge_method") != "S256", q.Get("code_challenge") == "", q.Get("nonce") == "", q.Get("state") == "", redirect == "":
		op.t.Errorf("bad authorization request: %s", r.URL.RawQuery)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	op.mu.Lock()
	who := op.next
	code := NewToken()
	op.codes[code] = opGrant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: redirect, who: who}
	op.mu.Unlock()
	back := url.Values{"state": {q.Get("state")}}
	if who.authError != "" {
		back.Set("error", who.authError)
	} else {
		back.Set("code", code)
	}
	http.Redirect(w, r, redirect+"?"+back.Encode(), http.StatusFound)
}

func (op *testOP) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	fail := func(msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": msg})
	}
	if id != op.clientID || secret != op.secret {
		fail("client authentication")
		return
	}
	op.mu.Lock()
	g, found := op.codes[r.PostForm.Get("code")]
	delete(op.codes, r.PostForm.Get("code"))
	op.mu.Unlock()
	if r.PostForm.Get("grant_type") != "authorization_code" || !found || r.PostForm.Get("redirect_uri") != g.redirect {
		fail("unknown code")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		op.t.Error("the PKCE verifier does not match the challenge")
		fail("PKCE")
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": op.srv.URL, "sub": g.who.sub, "aud": op.clientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce}
	if g.who.aud != "" {
		claims["aud"] = g.who.aud
	}
	if g.who.nonce != "" {
		claims["nonce"] = g.who.nonce
	}
	if g.who.expired {
		claims["iat"], claims["exp"] = now.Add(-time.Hour).Unix(), now.Add(-30*time.Minute).Unix()
	}
	if g.who.email != "" {
		claims["email"] = g.who.email
	}
	if g.who.verified != nil {
		claims["email_verified"] = g.who.verified
	}
	if g.who.name != "" {
		claims["name"] = g.who.name
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: opKey()}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		op.t.Error(err)
		return
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		op.t.Error(err)
		return
	}
	raw, _ := jws.CompactSerialize()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + NewToken(), "token_type": "Bearer", "expires_in": 3600, "id_token": raw})
}

func oidcSite(t *testing.T, d *db.DB, op *testOP, autoCreate bool) *site {
	t.Helper()
	return newSite(t, d, func(s *site, base string) {
		o, err := NewOIDC(context.Background(), OIDCConfig{Issuer: op.srv.URL, ClientID: op.clientID, ClientSecret: op.secret, Label: "Agency ID", AutoCreate: autoCreate}, base, s.svc)
		if err != nil {
			t.Fatal(err)
		}
		o.SetLogger(slog.New(slog.DiscardHandler))
		s.web.OIDC = o
	})
}

func lastOIDCFailure(t *testing.T, d *db.DB) string {
	t.Helper()
	rows := auditRows(t, d, audit.Filter{Action: "auth.login", Outcome: audit.Failure})
	if len(rows) == 0 {
		t.Fatal("the failure is not audited")
	}
	return rows[0].Detail
}

func TestOIDCSignIn(t *testing.T) {
	op := newOP(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := oidcSite(t, d, op, false)
		ana := addUser(t, d, "ana@example.gov.au", "Ana", false)

		// The sign-in page offers the button.
		b := browser(t)
		if p := get(t, b, s.srv.URL+"/signin?next=/account"); !strings.Contains(p.body, "Sign in with Agency ID") || !strings.Contains(p.body, "/auth/oidc/start?next=%2faccount") {
			t.Fatal("no single sign-on button")
		}
		// Linked by verified email on the first sign-in, then sent to next.
		op.signInAs(identity{sub: "agency|1001", email: "Ana@Example.gov.au", verified: true, name: "Ana S"})
		p := get(t, b, s.srv.URL+"/auth/oidc/start?next=/account")
		if p.status != 200 || p.url.Path != "/account" || !strings.Contains(p.body, "ana@example.gov.au") {
			t.Fatalf("sign-in: %d %s\n%s", p.status, p.url, mainContent(p.body))
		}
		tok := sessionCookie(b, s.srv.URL)
		pr, sess, err := s.svc.Authenticate(context.Background(), tok)
		if err != nil || pr.UserID != ana.ID || sess.Method != "oidc" {
			t.Fatalf("session: %+v %+v %v", pr, sess, err)
		}
		u, err := UserByID(context.Background(), d, ana.ID)
		if err != nil || u.OIDCIssuer != op.srv.URL || u.OIDCSubject != "agency|1001" {
			t.Fatalf("link: %+v %v", u, err)
		}
		if rows := auditRows(t, d, audit.Filter{Action: "user.oidc_link"}); len(rows) != 1 || rows[0].TargetID != ana.ID {
			t.Fatalf("link audit: %+v", rows)
		}
		// The flow cookie is gone.
		for _, c := range b.Jar.Cookies(mustURL(s.srv.URL + "/auth/oidc/callback")) {
			if c.Name == oidcCookie {
				t.Fatal("the flow cookie must be cleared")
			}
		}
		// Later sign-ins find the account by subject, even when the email at the provider changed
		// (or is no longer verified).
		b2 := browser(t)
		op.signInAs(identity{sub: "agency|1001", email: "ana.smith@example.gov.au", verified: false})
		p = get(t, b2, s.srv.URL+"/auth/oidc/start?next=//evil.example/")
		// (The test site has no home page: what matters is that the browser stayed here.)
		if p.url.Path != "/" || p.url.Host != mustURL(s.srv.URL).Host {
			t.Fatalf("by subject, with an unsafe next: %d %s", p.status, p.url)
		}
		if pr, _, _ := s.svc.Authenticate(context.Background(), sessionCookie(b2, s.srv.URL)); pr.UserID != ana.ID {
			t.Fatal("signed in by subject")
		}
		// Another identity claiming Ana's verified email cannot take her account over.
		b3 := browser(t)
		op.signInAs(identity{sub: "agency|666", email: "ana@example.gov.au", verified: true})
		p = get(t, b3, s.srv.URL+"/auth/oidc/start")
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "already linked") || sessionCookie(b3, s.srv.URL) != "" {
			t.Fatalf("takeover: %d", p.status)
		}
		if got := lastOIDCFailure(t, d); got != "oidc: account linked to another identity" {
			t.Fatalf("audit: %q", got)
		}
	})
}

func TestOIDCRefusals(t *testing.T) {
	op := newOP(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := oidcSite(t, d, op, false)
		addUser(t, d, "ana@example.gov.au", "Ana", false)
		cases := []struct {
			name   string
			who    identity
			status int
			page   string
			reason string
		}{
			{"wrong nonce", identity{sub: "s1", email: "ana@example.gov.au", verified: true, nonce: "not-the-nonce"}, http.StatusBadGateway, "could not be checked", "oidc: ID token nonce mismatch"},
			{"wrong audience", identity{sub: "s1", email: "ana@example.gov.au", verified: true, aud: "another-client"}, http.StatusBadGateway, "could not be checked", "oidc: ID token rejected"},
			{"expired token", identity{sub: "s1", email: "ana@example.gov.au", verified: true, expired: true}, http.StatusBadGateway, "could not be checked", "oidc: ID token rejected"},
			{"unknown email", identity{sub: "s2", email: "ben@example.gov.au", verified: true}, http.StatusForbidden, "no account for ben@example.gov.au: ask an administrator", "oidc: no account for this email"},
			{"unverified email", identity{sub: "s3", email: "ana@example.gov.au", verified: false}, http.StatusForbidden, "no verified email", "oidc: no verified email"},
			{"verified as a string", identity{sub: "s3", email: "ana@example.gov.au", verified: "false"}, http.StatusForbidden, "no verified email", "oidc: no verified email"},
			{"no email", identity{sub: "s4"}, http.StatusForbidden, "no verified email", "oidc: no verified email"},
			{"provider error", identity{authError: "access_denied"}, http.StatusBadRequest, "access was denied", "oidc: provider error: access_denied"},
		}
		for _, c := range cases {
			b := browser(t)
			op.signInAs(c.who)
			p := get(t, b, s.srv.URL+"/auth/oidc/start?next=/account")
			if p.status != c.status || p.url.Path != "/auth/oidc/callback" || !strings.Contains(strings.ToLower(p.body), strings.ToLower(c.page)) {
				t.Errorf("%s: %d %s\n%s", c.name, p.status, p.url, mainContent(p.body))
			}
			if sessionCookie(b, s.srv.URL) != "" {
				t.Errorf("%s: signed in", c.name)
			}
			if got := lastOIDCFailure(t, d); !strings.HasPrefix(got, c.reason) {
				t.Errorf("%s: audit %q, want %q", c.name, got, c.reason)
			}
		}
		u, _ := UserByEmail(context.Background(), d, "ana@example.gov.au")
		if u.OIDCSubject != "" {
			t.Fatalf("nothing was linked: %+v", u)
		}
		if n, _ := CountUsers(context.Background(), d); n != 1 {
			t.Fatalf("no account is created: %d", n)
		}
		// A disabled account is refused.
		u.DisabledAt.V, u.DisabledAt.Valid = db.Now(), true
		if err := UpdateUser(context.Background(), d, u); err != nil {
			t.Fatal(err)
		}
		op.signInAs(identity{sub: "s1", email: "ana@example.gov.au", verified: true})
		if p := get(t, browser(t), s.srv.URL+"/auth/oidc/start"); p.status != http.StatusForbidden || !strings.Contains(p.body, "disabled") {
			t.Errorf("disabled: %d", p.status)
		}
	})
}

// stopAtProvider follows redirects on this site but stops before the provider.
func stopAtProvider(b *http.Client, op *testOP) {
	b.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), op.srv.URL) {
			return http.ErrUseLastResponse
		}
		return nil
	}
}

func TestOIDCState(t *testing.T) {
	op := newOP(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := oidcSite(t, d, op, false)
		addUser(t, d, "ana@example.gov.au", "Ana", false)
		op.signInAs(identity{sub: "s1", email: "ana@example.gov.au", verified: true})

		// The start sets a short-lived HttpOnly, SameSite=Lax cookie and asks for PKCE S256.
		b := browser(t)
		stopAtProvider(b, op)
		resp, err := b.Get(s.srv.URL + "/auth/oidc/start?next=/account")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Query().Get("code_challenge_method") != "S256" || loc.Query().Get("redirect_uri") != s.srv.URL+"/auth/oidc/callback" {
			t.Fatalf("start: %d %s", resp.StatusCode, loc)
		}
		var flow *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == oidcCookie {
				flow = c
			}
		}
		if flow == nil || !flow.HttpOnly || flow.SameSite != http.SameSiteLaxMode || flow.MaxAge <= 0 || flow.MaxAge > 600 || flow.Path != oidcCookiePath {
			t.Fatalf("flow cookie: %+v", flow)
		}
		if strings.Contains(loc.RawQuery, "code_verifier") {
			t.Fatal("the verifier must not leave the browser's cookie")
		}

		// A forged answer with another state is refused.
		p := get(t, b, s.srv.URL+"/auth/oidc/callback?code=whatever&state=forged")
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "does not match") {
			t.Fatalf("bad state: %d", p.status)
		}
		if got := lastOIDCFailure(t, d); got != "oidc: state mismatch" {
			t.Fatalf("audit %q", got)
		}
		// The cookie served once: the real answer now finds no flow.
		p = get(t, b, loc.String())
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "not started in this browser") {
			t.Fatalf("after a failure: %d %s", p.status, mainContent(p.body))
		}
		// Without any cookie (another browser): refused, never a panic.
		p = get(t, browser(t), s.srv.URL+"/auth/oidc/callback?code=x&state=y")
		if p.status != http.StatusBadRequest || lastOIDCFailure(t, d) != "oidc: missing state cookie" {
			t.Fatalf("no cookie: %d", p.status)
		}
		// A sign-in left too long at the provider has expired.
		b = browser(t)
		stopAtProvider(b, op)
		resp, err = b.Get(s.srv.URL + "/auth/oidc/start")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		s.web.OIDC.now = func() time.Time { return time.Now().Add(11 * time.Minute) }
		b.CheckRedirect = nil
		p = get(t, b, resp.Header.Get("Location"))
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "took too long") || lastOIDCFailure(t, d) != "oidc: sign-in expired" {
			t.Fatalf("expired: %d %s", p.status, mainContent(p.body))
		}
		s.web.OIDC.now = time.Now
		// A malformed cookie is no flow.
		b = browser(t)
		b.Jar.SetCookies(mustURL(s.srv.URL+oidcCookiePath), []*http.Cookie{{Name: oidcCookie, Value: "!!!", Path: oidcCookiePath}})
		if p := get(t, b, s.srv.URL+"/auth/oidc/callback?code=x&state=y"); p.status != http.StatusBadRequest {
			t.Fatalf("malformed cookie: %d", p.status)
		}
		// No code.
		b = browser(t)
		stopAtProvider(b, op)
		resp, _ = b.Get(s.srv.URL + "/auth/oidc/start")
		resp.Body.Close()
		loc, _ = url.Parse(resp.Header.Get("Location"))
		if p := get(t, b, s.srv.URL+"/auth/oidc/callback?state="+url.QueryEscape(loc.Query().Get("state"))); p.status != http.StatusBadRequest || lastOIDCFailure(t, d) != "oidc: no code" {
			t.Fatalf("no code: %d", p.status)
		}
	})
}

func TestOIDCAutoCreate(t *testing.T) {
	op := newOP(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := oidcSite(t, d, op, true)
		op.signInAs(identity{sub: "agency|42", email: "cam@example.gov.au", verified: true, name: "Cam Nguyen"})
		b := browser(t)
		p := get(t, b, s.srv.URL+"/auth/oidc/start?next=/account")
		if p.status != 200 || p.url.Path != "/account" || !strings.Contains(p.body, "Cam Nguyen") {
			t.Fatalf("auto-create: %d %s", p.status, p.url)
		}
		u, err := UserByOIDC(context.Background(), d, op.srv.URL, "agency|42")
		if err != nil || u.Email != "cam@example.gov.au" || u.IsAdmin || u.PasswordHash != "" {
			t.Fatalf("%+v %v", u, err)
		}
		if rows := auditRows(t, d, audit.Filter{Action: "user.create"}); len(rows) != 1 {
			t.Fatalf("audit: %+v", rows)
		}
		// Still no account without a verified email.
		op.signInAs(identity{sub: "agency|43", email: "dee@example.gov.au", verified: false})
		if p := get(t, browser(t), s.srv.URL+"/auth/oidc/start"); p.status != http.StatusForbidden {
			t.Fatalf("unverified: %d", p.status)
		}
	})
}

func TestNewOIDCErrors(t *testing.T) {
	op := newOP(t)
	if _, err := NewOIDC(context.Background(), OIDCConfig{Issuer: op.srv.URL, ClientID: "x"}, "", nil); err == nil || !strings.Contains(err.Error(), "--base-url") {
		t.Fatalf("no base URL: %v", err)
	}
	if _, err := NewOIDC(context.Background(), OIDCConfig{Issuer: op.srv.URL + "/nothing", ClientID: "x"}, "http://localhost", nil); err == nil || !strings.Contains(err.Error(), "discovery") {
		t.Fatalf("bad issuer: %v", err)
	}
	if _, err := NewOIDC(context.Background(), OIDCConfig{Issuer: op.srv.URL}, "http://localhost", nil); err == nil {
		t.Fatal("no client ID")
	}
	o, err := NewOIDC(context.Background(), OIDCConfig{Issuer: op.srv.URL, ClientID: "x"}, "https://joinedup.example.gov.au/", nil)
	if err != nil || o.oauth.RedirectURL != "https://joinedup.example.gov.au/auth/oidc/callback" || !o.secure || o.Label != "your agency account" {
		t.Fatalf("%+v %v", o, err)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
