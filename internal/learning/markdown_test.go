package learning

import (
	"regexp"
	"strings"
	"testing"
)

// xssCorpus is Markdown that tries to run script: raw HTML, dangerous link and image
// schemes (plain, mixed case, entity-encoded, with tabs, newlines and spaces), data: URLs,
// event-handler attributes, autolinks and reference links.
var xssCorpus = []string{
	`<script>alert(1)</script>`,
	"<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
	"<div>\n<script>alert(1)</script>\n</div>",
	"<img src=x onerror=alert(1)>",
	"text <img src=x onerror=alert(1)> inline",
	`<a href="javascript:alert(1)">x</a>`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	`<svg onload=alert(1)>`,
	`<style>body{background:url(javascript:alert(1))}</style>`,
	`<!-- --><script>alert(1)</script>`,
	"[x](javascript:alert(1))",
	"[x](JaVaScRiPt:alert(1))",
	"[x]( javascript:alert(1))",
	"[x](<javascript:alert(1)>)",
	"[x](java\tscript:alert(1))",
	"[x](&#106;avascript:alert(1))",
	"[x](&#x6A;avascript&#x3A;alert(1))",
	"[x](javascript&colon;alert(1))",
	"[x](jav&#x09;ascript:alert(1))",
	"[x](vbscript:msgbox(1))",
	"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"[x](file:///etc/passwd)",
	"![x](javascript:alert(1))",
	"![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
	"![x](data:image/png;base64,iVBORw0KGgo=)",
	"<javascript:alert(1)>",
	"<JAVASCRIPT:alert(1)>",
	"<data:text/html,<script>alert(1)</script>>",
	"[x][ref]\n\n[ref]: javascript:alert(1)",
	"[x][ref]\n\n[ref]: <&#106;avascript:alert(1)>",
	`[x](https://example.org "title\" onmouseover=\"alert(1)")`,
	`[x](https://example.org" onmouseover="alert(1))`,
	"[<img src=x onerror=alert(1)>](https://example.org)",
	"**<script>alert(1)</script>**",
	"`<script>alert(1)</script>`",
	"```html\n<script>alert(1)</script>\n```",
	"&lt;script&gt;alert(1)&lt;/script&gt;",
	"&#60;script&#62;alert(1)&#60;/script&#62;",
	"| a |\n|---|\n| <script>alert(1)</script> |",
	"www.example.org/<script>alert(1)</script>",
	"javascript:alert(1)",
	"<a href=\"&#x6A;avascript:alert(1)\">x</a>",
	"<form action=javascript:alert(1)><button>x</button></form>",
	"<object data=\"javascript:alert(1)\"></object>",
	"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
	"[x](http://example.org\" onclick=\"alert(1))",
	"<x onclick=alert(1)>click</x>",
	"\u0000<script>alert(1)</script>",
}

var (
	// Opening tags of elements that run or embed code: they must never appear.
	badTag = regexp.MustCompile(`(?i)<\s*(script|iframe|object|embed|svg|math|style|form|base|meta|link)\b`)
	// Tags, quoted attribute values, and event-handler attributes (outside the quotes).
	anyTag  = regexp.MustCompile(`<[^>]*>`)
	quoted  = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	badAttr = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	// href and src values that are not http(s), mailto, or relative.
	urlAttr = regexp.MustCompile(`(?i)\s(href|src)\s*=\s*"([^"]*)"`)
)

// checkSafe fails the test when rendered HTML could run script.
func checkSafe(t testing.TB, src, out string) {
	t.Helper()
	if badTag.MatchString(out) {
		t.Errorf("Markdown %q rendered an executable tag: %s", src, out)
	}
	for _, tag := range anyTag.FindAllString(out, -1) {
		if badAttr.MatchString(quoted.ReplaceAllString(tag, `""`)) {
			t.Errorf("Markdown %q rendered an event handler: %s", src, out)
		}
	}
	for _, m := range urlAttr.FindAllStringSubmatch(out, -1) {
		if !SafeURL(htmlUnescape(m[2])) {
			t.Errorf("Markdown %q rendered an unsafe address %q: %s", src, m[2], out)
		}
	}
}

// htmlUnescape undoes the escaping the renderer applies to attribute values.
func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&quot;", `"`, "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(s)
}

func TestMarkdownXSS(t *testing.T) {
	for _, src := range xssCorpus {
		out := string(Markdown(src))
		checkSafe(t, src, out)
		if strings.Contains(strings.ToLower(out), "javascript:") && strings.Contains(out, "href=\"javascript") {
			t.Errorf("%q: javascript link: %s", src, out)
		}
	}
}

func TestMarkdownRendersWhatIsSafe(t *testing.T) {
	cases := []struct{ src, want string }{
		{"# Title", "<h2>Title</h2>"},
		{"###### Six", "<h6>Six</h6>"},
		{"**bold** and *it*", "<strong>bold</strong> and <em>it</em>"},
		{"[site](https://example.org/a?b=1&c=2)", `<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">site</a>`},
		{"[rel](/case-studies/1)", `<a href="/case-studies/1" rel="nofollow ugc noopener">rel</a>`},
		{"[mail](mailto:a@example.org)", `href="mailto:a@example.org"`},
		{"<https://example.org>", `<a href="https://example.org" rel="nofollow ugc noopener">https://example.org</a>`},
		{"www.example.org", `<a href="http://www.example.org" rel="nofollow ugc noopener">www.example.org</a>`},
		{"[x](javascript:alert(1))", "<p>x</p>"},
		{"![chart](/files/3)", `<img src="/files/3" alt="chart">`},
		{"![x](data:image/png;base64,AA)", "<p>x</p>"},
		{"<b>raw</b>", "<!-- raw HTML omitted -->raw<!-- raw HTML omitted -->"},
		{"a < b & c", "<p>a &lt; b &amp; c</p>"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<table>"},
		{"~~gone~~", "<del>gone</del>"},
	}
	for _, tc := range cases {
		if got := string(Markdown(tc.src)); !strings.Contains(got, tc.want) {
			t.Errorf("Markdown(%q) = %q, want it to contain %q", tc.src, got, tc.want)
		}
	}
	if Markdown("") != "" {
		t.Error("empty Markdown renders something")
	}
}

func TestSafeURL(t *testing.T) {
	for u, want := range map[string]bool{
		"https://example.org": true, "http://x": true, "mailto:a@b": true, "/a/b": true, "a/b:c": true, "#top": true, "?q=a:b": true,
		"": true, "HTTPS://EXAMPLE.ORG": true,
		"javascript:alert(1)": false, " javascript:x": false, "java\tscript:x": false, "java\nscript:x": false, "\x01javascript:x": false,
		"data:text/html,x": false, "vbscript:x": false, "file:///x": false, "ftp://x": false, "tel:123": false, "foo:bar": false,
	} {
		if got := SafeURL(u); got != want {
			t.Errorf("SafeURL(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestMarkdownText(t *testing.T) {
	got := MarkdownText("# Heading\n\nSome **bold** [link](https://x) <b>raw</b>\n\n- one\n- two\n\n```\ncode\n```")
	for _, want := range []string{"Heading", "Some bold link raw", "one", "two", "code"} {
		if !strings.Contains(got, want) {
			t.Errorf("MarkdownText lacks %q: %q", want, got)
		}
	}
	for _, not := range []string{"**", "#", "https://x", "<b>"} {
		if strings.Contains(got, not) {
			t.Errorf("MarkdownText keeps %q: %q", not, got)
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range xssCorpus {
		f.Add(s)
	}
	f.Add("# a\n\n* b\n* c\n\n[d](https://e)")
	f.Fuzz(func(t *testing.T, src string) {
		out := string(Markdown(src)) // must not panic
		checkSafe(t, src, out)
		_ = MarkdownText(src)
	})
}
