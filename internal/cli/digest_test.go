package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/app"
	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/learning"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
)

// TestDigestCommand sends the digest of a community with news once, then finds nothing new.
func TestDigestCommand(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "digest.db")
	ctx := authz.With(context.Background(), authz.System)
	d, err := app.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s := learning.NewService(d, directory.NewService(d))
	c, err := s.CreateCommunity(ctx, learning.CommunityInput{Name: "Digest practice", JoinPolicy: learning.JoinOpen})
	if err != nil {
		t.Fatal(err)
	}
	var people []authz.Principal
	for _, n := range []string{"ana", "ben"} {
		id, err := auth.InsertUser(ctx, d, auth.User{Email: n + "@example.org", Name: n})
		if err != nil {
			t.Fatal(err)
		}
		p := authz.Principal{UserID: id, Name: n, Email: n + "@example.org"}
		people = append(people, p)
		if _, err := s.Join(authz.With(ctx, p), c.Slug); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateThread(authz.With(ctx, people[1]), c.Slug, learning.ThreadInput{Title: "Who uses the CMT?", Body: "Tell us."}); err != nil {
		t.Fatal(err)
	}
	d.Close()

	if code, _, errs := run(t, nil, "digest", "--database", dsn); code != 1 || !strings.Contains(errs, "--base-url is needed") {
		t.Errorf("without --base-url: %d %q", code, errs)
	}
	env := map[string]string{"JOINEDUP_DATABASE": dsn, "JOINEDUP_BASE_URL": "https://joinedup.example"}
	code, out, errs := run(t, env, "digest")
	if code != 0 || !strings.Contains(out, "Digest: 1 digest sent, 1 member with nothing new, 0 failed.") {
		t.Fatalf("digest: %d %q %q", code, out, errs)
	}
	// The log sender writes the email: ana hears of ben's thread, with a full link.
	if !strings.Contains(errs, "ana@example.org") || !strings.Contains(errs, "Who uses the CMT?") ||
		!strings.Contains(errs, "https://joinedup.example/communities/digest-practice/threads/") {
		t.Errorf("the logged email: %s", errs)
	}
	code, out, _ = run(t, env, "digest")
	if code != 0 || !strings.Contains(out, "Digest: 0 digests sent") {
		t.Errorf("second run: %d %q", code, out)
	}
}
