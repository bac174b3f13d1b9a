package learning

import (
	"bytes"
	"html/template"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MaxMarkdown is the longest Markdown text rendered; longer text is cut (the forms refuse it
// before it gets here).
const MaxMarkdown = 200_000

// md is the one Markdown renderer of learning: CommonMark with tables, strikethrough and bare
// links, raw HTML OFF (goldmark's default: raw HTML becomes a comment saying it was omitted),
// no attribute syntax, and links and images limited to http, https, mailto and relative
// addresses by safeLinks.
var md = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(safeLinks{}, 100))),
)

// Markdown renders user-written Markdown as safe HTML for a page: raw HTML is dropped, links
// and images with a scheme other than http, https or mailto lose their address (the text
// stays), links get rel="nofollow ugc noopener", and headings move one level down (# becomes
// <h2>) so that the page's own <h1> stays the only one. Use it for every Markdown field of
// learning (case study bodies, learnings, reports, threads, stories).
func Markdown(src string) template.HTML {
	if src == "" {
		return ""
	}
	if len(src) > MaxMarkdown {
		src = src[:MaxMarkdown]
	}
	if !utf8.ValidString(src) {
		src = strings.ToValidUTF8(src, "\uFFFD")
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// Conversion into a buffer does not fail in practice; show the text escaped if it does.
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(buf.String()) // #nosec: goldmark with raw HTML off, links filtered
}

// MarkdownText is the plain text of Markdown (for search documents and snippets): the text of
// every node, blocks separated by newlines, without markup.
func MarkdownText(src string) string {
	if src == "" {
		return ""
	}
	if len(src) > MaxMarkdown {
		src = src[:MaxMarkdown]
	}
	b := []byte(strings.ToValidUTF8(src, "\uFFFD"))
	doc := md.Parser().Parse(text.NewReader(b))
	var out strings.Builder
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch v := n.(type) {
		case *ast.Text:
			if entering {
				out.Write(v.Segment.Value(b))
				if v.SoftLineBreak() || v.HardLineBreak() {
					out.WriteByte(' ')
				}
			}
		case *ast.String:
			if entering {
				out.Write(v.Value)
			}
		case *ast.AutoLink:
			if entering {
				out.Write(v.Label(b))
			}
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			if entering {
				lines := v.Lines()
				for i := 0; i < lines.Len(); i++ {
					seg := lines.At(i)
					out.Write(seg.Value(b))
				}
			}
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		default:
			if !entering && n.Type() == ast.TypeBlock && out.Len() > 0 && !strings.HasSuffix(out.String(), "\n") {
				out.WriteByte('\n')
			}
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(out.String())
}

// SafeURL reports whether an address may be a link target in user content: http, https,
// mailto, or relative (no scheme). Browsers ignore tabs and newlines inside a URL and
// leading spaces and control characters, so those are removed before the scheme is read;
// anything before the first ':' that comes ahead of '/', '?' or '#' counts as a scheme.
func SafeURL(u string) bool {
	u = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, u)
	u = strings.TrimLeftFunc(u, func(r rune) bool { return r <= ' ' })
	end := strings.IndexAny(u, "/?#")
	if end < 0 {
		end = len(u)
	}
	colon := strings.IndexByte(u[:end], ':')
	if colon < 0 {
		return true
	}
	switch strings.ToLower(u[:colon]) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// safeLinks removes unsafe addresses from the document and shifts headings down a level.
type safeLinks struct{}

func (safeLinks) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	var unsafe []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Heading:
			if v.Level < 6 {
				v.Level++
			}
		case *ast.Link:
			if !safeDest(v.Destination) {
				unsafe = append(unsafe, v)
			} else {
				v.SetAttributeString("rel", []byte("nofollow ugc noopener"))
			}
		case *ast.Image:
			if !safeDest(v.Destination) {
				unsafe = append(unsafe, v)
			}
		case *ast.AutoLink:
			if !SafeURL(string(v.URL(src))) {
				unsafe = append(unsafe, v)
			} else {
				v.SetAttributeString("rel", []byte("nofollow ugc noopener"))
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range unsafe {
		parent := n.Parent()
		if parent == nil {
			continue
		}
		switch v := n.(type) {
		case *ast.AutoLink:
			parent.ReplaceChild(parent, n, ast.NewString(v.Label(src)))
		case *ast.Image:
			// The image becomes its alt text.
			parent.ReplaceChild(parent, n, ast.NewString(nodeText(v, src)))
		default:
			// The link becomes its text (and whatever inline markup it held).
			for c := n.FirstChild(); c != nil; {
				next := c.NextSibling()
				parent.InsertBefore(parent, n, c)
				c = next
			}
			parent.RemoveChild(parent, n)
		}
	}
}

// safeDest checks a link or image destination as the renderer will write it: with
// backslash escapes and character references resolved.
func safeDest(dest []byte) bool {
	return SafeURL(string(dest)) && SafeURL(string(util.URLEscape(dest, true)))
}

// nodeText is the text inside an inline node.
func nodeText(n ast.Node, src []byte) []byte {
	var out []byte
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := c.(type) {
		case *ast.Text:
			out = append(out, v.Segment.Value(src)...)
		case *ast.String:
			out = append(out, v.Value...)
		}
		return ast.WalkContinue, nil
	})
	return out
}
