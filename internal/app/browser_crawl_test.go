package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/browsertest"
	"github.com/joinedup/joinedup/internal/platform/auth"
)

var numberRE = regexp.MustCompile(`/\d+`)

// pageKinds crawls the demo site over HTTP (with the session secret, if any) and returns one
// address for each kind of page: addresses that differ only in their numbers or query count once.
func pageKinds(t *testing.T, base, session string, limit int) []string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	if session != "" {
		u, _ := url.Parse(base)
		jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookie, Value: session, Path: "/"}})
	}
	seen, kinds := map[string]bool{}, map[string]string{}
	queue := []string{"/"}
	for len(queue) > 0 && len(seen) < 800 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		resp, err := client.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			continue
		}
		kind, _, _ := strings.Cut(numberRE.ReplaceAllString(p, "/N"), "?")
		if _, ok := kinds[kind]; !ok {
			kinds[kind] = p
		}
		for _, m := range hrefRE.FindAllStringSubmatch(string(body), -1) {
			next := strings.ReplaceAll(m[1], "&amp;", "&")
			if strings.HasPrefix(next, "/static/") || strings.Contains(next, "format=") || strings.HasPrefix(next, "/signout") ||
				strings.HasPrefix(next, "/api/") || strings.HasSuffix(next, ".atom") || strings.HasSuffix(next, ".csv") {
				continue
			}
			queue = append(queue, next)
		}
	}
	var out []string
	for _, p := range kinds {
		out = append(out, p)
	}
	sort.Strings(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// TestBrowserEveryPageKind checks one page of every kind the demo site has, signed out and as
// the demo administrator (who sees every staff form), with axe: WCAG 2.2 AA everywhere, not
// only on the paths the other browser tests walk.
func TestBrowserEveryPageKind(t *testing.T) {
	a, demo, srv := testServer(t)
	b := browsertest.New(t, srv.URL)
	anon := pageKinds(t, srv.URL, "", 120)
	for _, p := range anon {
		b.Visit(p)
	}
	u, err := auth.UserByEmail(context.Background(), a.DB, demo.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Auth.StartSession(context.Background(), u, "test", "axe crawl")
	if err != nil {
		t.Fatal(err)
	}
	b.SetSession(tok)
	b.Visit("/account")
	b.MustContain("h1", "Your account")
	staff := pageKinds(t, srv.URL, tok, 160)
	for _, p := range staff {
		b.Visit(p)
	}
	t.Logf("axe-checked %d public and %d staff page kinds", len(anon), len(staff))
	if len(anon) < 20 || len(staff) < 40 {
		t.Fatalf("too few page kinds: %d public, %d staff", len(anon), len(staff))
	}
}
