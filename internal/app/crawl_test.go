package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/auth"
)

var hrefRE = regexp.MustCompile(`href="(/[^"#]*)`)

// TestCrawlDemo follows every link of the demo site, signed out and as the demo
// administrator, and fails on any server error: a template that breaks on real data shows up
// here before a person meets it.
func TestCrawlDemo(t *testing.T) {
	a, demo, srv := testServer(t)
	for _, who := range []string{"anonymous", "admin"} {
		t.Run(who, func(t *testing.T) {
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar}
			if who == "admin" {
				tok, err := a.Auth.StartSession(context.Background(), mustUser(t, a, demo.AdminEmail), "test", "crawl")
				if err != nil {
					t.Fatal(err)
				}
				u, _ := url.Parse(srv.URL)
				jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookie, Value: tok, Path: "/"}})
			}
			seen := map[string]bool{}
			queue := []string{"/"}
			for len(queue) > 0 && len(seen) < 600 {
				p := queue[0]
				queue = queue[1:]
				if seen[p] {
					continue
				}
				seen[p] = true
				resp, err := client.Get(srv.URL + p)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Errorf("%s as %s: %d", p, who, resp.StatusCode)
					continue
				}
				if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					continue
				}
				for _, m := range hrefRE.FindAllStringSubmatch(string(body), -1) {
					next := strings.ReplaceAll(m[1], "&amp;", "&")
					// Stay on pages: skip static files, downloads of large exports and sign-out.
					if strings.HasPrefix(next, "/static/") || strings.Contains(next, "format=") || strings.HasPrefix(next, "/signout") {
						continue
					}
					if !seen[next] {
						queue = append(queue, next)
					}
				}
			}
			if len(seen) < 40 {
				t.Errorf("crawled only %d pages as %s", len(seen), who)
			}
			t.Logf("%s: %d pages", who, len(seen))
		})
	}
}

func mustUser(t *testing.T, a *App, email string) auth.User {
	t.Helper()
	u, err := auth.UserByEmail(context.Background(), a.DB, email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
