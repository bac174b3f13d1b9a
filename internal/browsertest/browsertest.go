// Package browsertest drives Debian's Chromium with chromedp for browser tests, and checks
// each page with axe-core (installed from npm by `npm ci`). Without Chromium or axe-core the
// tests skip with a clear message, unless JOINEDUP_REQUIRE_BROWSER=1 (CI), when they fail.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// EnvChromium overrides where Chromium is; EnvAxe where axe.min.js is.
const (
	EnvChromium = "JOINEDUP_CHROMIUM"
	EnvAxe      = "JOINEDUP_AXE"
	EnvRequire  = "JOINEDUP_REQUIRE_BROWSER"
)

func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(EnvRequire) == "1" {
		t.Fatal(msg + " (" + EnvRequire + "=1, so this is a failure)")
	}
	t.Skip(msg)
}

func chromiumPath() string {
	if p := os.Getenv(EnvChromium); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// repoRoot finds the directory holding go.mod, upwards from the working directory.
func repoRoot() string {
	dir, _ := os.Getwd()
	for dir != "/" && dir != "." {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

func axeSource() (string, error) {
	p := os.Getenv(EnvAxe)
	if p == "" {
		p = filepath.Join(repoRoot(), "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(p)
	return string(b), err
}

// Browser is one headless Chromium tab pointed at a server.
type Browser struct {
	t    testing.TB
	ctx  context.Context
	Base string
	axe  string
	// Visited lists every page checked with axe.
	Visited []string
	noJS    bool
}

// New starts Chromium (or skips) for a server at base (e.g. httptest's URL).
func New(t testing.TB, base string) *Browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		unavailable(t, "browser tests skipped: no Chromium found (apt-get install chromium, or set "+EnvChromium+")")
	}
	axe, err := axeSource()
	if err != nil {
		unavailable(t, "browser tests skipped: axe-core not found (run `npm ci` in the repository root, or set "+EnvAxe+"): "+err.Error())
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// Start the browser with no deadline (a deadline on the first run would stop it).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	return &Browser{t: t, ctx: ctx, Base: strings.TrimRight(base, "/"), axe: axe}
}

func (b *Browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v (at %s)", what, err, b.Location())
	}
}

// SetSession puts a session cookie for the server into the browser, as signing in would.
func (b *Browser) SetSession(secret string) {
	b.t.Helper()
	b.run("set session", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetCookie, network.SetCookieParams{Name: "joinedup_session", Value: secret, URL: b.Base + "/"})
		return err
	}))
}

// DisableJavaScript makes every page the test opens from now on load with its scripts turned
// off, as for a person who browses with JavaScript turned off. Scripts are off while a page
// loads (Visit, Submit), so the page's own scripts never run; they are back on once it has
// loaded, so that axe and Fill, which DevTools runs, still work.
func (b *Browser) DisableJavaScript() { b.noJS = true }

// scripts turns the page's script execution off or on (when DisableJavaScript was called).
func (b *Browser) scripts(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if !b.noJS {
			return nil
		}
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return err
	})
}

// Location is the current address.
func (b *Browser) Location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// Visit opens path, waits for the page, and checks it with axe.
func (b *Browser) Visit(path string) {
	b.t.Helper()
	b.run("visit "+path, b.scripts(false), chromedp.Navigate(b.Base+path), chromedp.WaitReady(chromedp.CSS("body")), b.scripts(true))
	b.CheckA11y()
}

// Fill sets the value of the field matched by the CSS selector, as typing would (input and
// change events fire).
func (b *Browser) Fill(sel, value string) {
	b.t.Helper()
	b.setValue("fill "+sel, sel, value)
}

// Select chooses the option with value in the select matched by sel.
func (b *Browser) Select(sel, value string) {
	b.t.Helper()
	b.setValue("select "+sel, sel, value)
}

func (b *Browser) setValue(what, sel, value string) {
	b.t.Helper()
	args, _ := json.Marshal([]string{sel, value})
	script := `(function(a) {
  var el = document.querySelector(a[0]);
  if (!el) { return "no element matches " + a[0]; }
  el.focus();
  el.value = a[1];
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  return el.value === a[1] ? "" : "the value did not stick (is " + JSON.stringify(a[1]) + " an option?)";
})(` + string(args) + `)`
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](script))
	if err != nil || msg != "" {
		b.t.Fatalf("%s: %v %s (at %s)", what, err, msg, b.Location())
	}
}

// Viewport makes the page width × height CSS pixels, as on a phone (390 × 844) or a desktop.
func (b *Browser) Viewport(width, height int64) {
	b.t.Helper()
	b.run("viewport", chromedp.EmulateViewport(width, height))
}

// Keys types keys into whatever has the focus, as a keyboard would: text, or keys such as
// "\t" (Tab), kb.ArrowRight, kb.ArrowLeft, " " (Space). Nothing is clicked.
func (b *Browser) Keys(keys string) {
	b.t.Helper()
	b.run("keys", chromedp.KeyEvent(keys))
}

// PressToNavigate types keys that send a form (e.g. Enter on its button), waits for the next
// page and checks it with axe.
func (b *Browser) PressToNavigate(keys string) {
	b.t.Helper()
	b.run("press "+keys, b.scripts(false), chromedp.KeyEvent(keys), chromedp.Sleep(300*time.Millisecond), chromedp.WaitReady(chromedp.CSS("body")), b.scripts(true))
	b.CheckA11y()
}

// Focused describes the element with the focus as "tag|name|type|id|value" (empty parts
// where it has none), for tests that move through a page with the keyboard.
func (b *Browser) Focused() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){var e=document.activeElement;if(!e){return ""};return [e.tagName.toLowerCase(),e.name||"",e.type||"",e.id||"",e.value||""].join("|")})()`))
	if err != nil {
		b.t.Fatalf("focused element: %v", err)
	}
	return s
}

// Click clicks the element matched by sel.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	b.run("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Submit clicks the submit button matched by sel, waits for the next page and checks it.
func (b *Browser) Submit(sel string) {
	b.t.Helper()
	b.run("submit "+sel, b.scripts(false), chromedp.Click(chromedp.CSS(sel)), chromedp.Sleep(300*time.Millisecond), chromedp.WaitReady(chromedp.CSS("body")), b.scripts(true))
	b.CheckA11y()
}

// Text returns the text of the element matched by sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v (at %s)", sel, err, b.Location())
	}
	return s
}

// MustContain fails unless the element matched by sel contains want.
func (b *Browser) MustContain(sel, want string) {
	b.t.Helper()
	if got := b.Text(sel); !strings.Contains(got, want) {
		b.t.Fatalf("%s at %s: want %q in %q", sel, b.Location(), want, got)
	}
}

// Screenshot writes a PNG of the whole page to path (for a person to look at).
func (b *Browser) Screenshot(path string) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG; less gives a JPEG
	if err == nil {
		_ = os.WriteFile(path, png, 0o644)
	}
}

// Violation is one axe finding.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// CheckA11y runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the current page and fails
// the test on any serious or critical violation.
func (b *Browser) CheckA11y() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	loc := b.Location()
	b.Visited = append(b.Visited, loc)
	script := b.axe + `;
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}, resultTypes: ["violations"]})
  .then(r => JSON.stringify(r.violations))`
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe on %s: %v", loc, err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		b.t.Fatalf("axe result on %s: %v", loc, err)
	}
	var bad []string
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target)+" "+truncate(n.HTML, 160))
			}
			bad = append(bad, fmt.Sprintf("%s (%s): %s\n    %s", v.ID, v.Impact, v.Help, strings.Join(where, "\n    ")))
		} else if v.Impact != "" {
			b.t.Logf("axe %s on %s (%s): %s", v.ID, loc, v.Impact, v.Help)
		}
	}
	if len(bad) > 0 {
		b.t.Errorf("accessibility violations on %s:\n  %s", loc, strings.Join(bad, "\n  "))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
