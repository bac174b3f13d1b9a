package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
	"github.com/joinedup/joinedup/internal/browsertest"
	"github.com/joinedup/joinedup/internal/platform/authz"
)

// TestBrowserSurveyKeyboard is issue #4's "done": a citizen opens the demo survey on a
// phone-sized screen and answers it with the keyboard only (Tab from question to question,
// arrow keys to choose a point or "not applicable", typing a comment, Enter on the send
// button); the thank-you page follows; then the demo administrator sees the response counted
// on the dashboard, with its interval. Every page is checked with axe.
func TestBrowserSurveyKeyboard(t *testing.T) {
	a, _, srv := testServer(t)
	ctx := authz.With(context.Background(), authz.System)
	s, err := a.Surveys.Store.SurveyByCode(ctx, a.DB, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var before int
	if err := a.DB.QueryRow(ctx, "SELECT COUNT(*) FROM survey_responses WHERE survey_id = ?", s.ID).Scan(&before); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t, srv.URL)
	b.Viewport(390, 844)
	b.Visit("/s/demo")
	b.MustContain("h1", "Tell us about your visit")

	// tabTo presses Tab until the focus is on a control whose name is name (at most 300
	// presses: the header's links come first).
	tabTo := func(name string) string {
		t.Helper()
		for range 300 {
			b.Keys("\t")
			f := b.Focused()
			if strings.Split(f, "|")[1] == name {
				return f
			}
		}
		t.Fatalf("Tab never reached %q", name)
		return ""
	}
	tabTo("overall")
	b.Keys(kb.ArrowRight + kb.ArrowRight + kb.ArrowRight) // from 1 to 4: arrows move and choose
	if f := b.Focused(); !strings.HasSuffix(f, "|4") {
		t.Fatalf("after three right arrows the focus is on %q, want overall 4", f)
	}
	tabTo("timeliness")
	b.Keys(kb.ArrowLeft) // from the first point back round to "Not applicable"
	if f := b.Focused(); !strings.HasSuffix(f, "|na") {
		t.Fatalf("after a left arrow the focus is on %q, want timeliness na", f)
	}
	tabTo("courtesy")
	b.Keys(kb.ArrowRight + kb.ArrowRight + kb.ArrowRight + kb.ArrowRight) // 5
	tabTo("comment")
	b.Keys("Quick and friendly at the counter.")
	for range 20 {
		b.Keys("\t")
		if strings.HasPrefix(b.Focused(), "button|") {
			break
		}
	}
	if f := b.Focused(); !strings.HasPrefix(f, "button|") {
		t.Fatalf("Tab after the comment reached %q, not the send button", f)
	}
	b.PressToNavigate(kb.Enter)
	b.MustContain("h1", "Thank you")

	var after int
	var answers string
	if err := a.DB.QueryRow(ctx, "SELECT COUNT(*) FROM survey_responses WHERE survey_id = ?", s.ID).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before+1 {
		t.Fatalf("%d responses after sending, want %d", after, before+1)
	}
	if err := a.DB.QueryRow(ctx, "SELECT answers FROM survey_responses WHERE survey_id = ? ORDER BY id DESC LIMIT 1", s.ID).Scan(&answers); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"overall":4`, `"timeliness":"na"`, `"courtesy":5`, `"comment":"Quick and friendly at the counter."`} {
		if !strings.Contains(answers, want) {
			t.Errorf("stored answers %s lack %s", answers, want)
		}
	}

	// The administrator sees it counted, with the interval.
	const password = "a long demo passphrase 2026"
	browserPasswords(t, a, password, DemoAdminEmail)
	browserSignIn(t, b, DemoAdminEmail, password)
	b.Visit(fmt.Sprintf("/surveys/%d/dashboard", s.ID))
	b.MustContain("main", fmt.Sprint(after))
	b.MustContain("main", "95% interval")
}
