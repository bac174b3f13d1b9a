// Package web is the HTML side of the platform: the router with access gates, middleware,
// the page layout, forms that keep what was typed and show errors beside each field, flash
// messages, error pages and static files.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/reqinfo"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

//go:embed templates/*.html
var layoutFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is what every template receives.
type Page struct {
	Title string
	// Data is the page's own content.
	Data any
	// Form holds submitted values and field errors; nil when the page has no form.
	Form *Form
	// Breadcrumbs lead from the home page to this one (the current page last, without URL).
	Breadcrumbs []Crumb

	// Filled in by the renderer.
	Principal authz.Principal
	Flash     Flash
	Lang      string
	Path      string
	Query     url.Values
	RequestID string
	Status    int
	Site      Site
}

// Crumb is one step of the breadcrumb trail.
type Crumb struct{ Label, URL string }

// Site is what the layout needs to know about the instance.
type Site struct {
	Name    string
	Version string
	// Nav lists extra navigation entries registered by capabilities.
	Nav []NavItem
}

// NavItem is an entry in the main navigation.
type NavItem struct {
	Label string
	URL   string
	// Access: Public entries show to everyone, SignedIn to accounts, SiteAdmin to admins.
	Access Access
}

// Renderer parses the layout once and every capability's pages into it.
type Renderer struct {
	base  *template.Template
	pages map[string]*template.Template
	cat   *locale.Catalogues
	site  Site
	log   *slog.Logger
	dev   bool
}

// NewRenderer parses the layout and shared partials.
func NewRenderer(cat *locale.Catalogues, site Site, log *slog.Logger) (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}, cat: cat, site: site, log: log}
	base, err := template.New("").Funcs(r.funcs()).ParseFS(layoutFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	r.base = base
	return r, nil
}

// AddNav adds an entry to the main navigation.
func (rd *Renderer) AddNav(items ...NavItem) { rd.site.Nav = append(rd.site.Nav, items...) }

// Add parses the pages of namespace ns from fsys: every *.html in dir. A file whose name
// starts with "_" is a partial available to every page of the namespace; every other file is a
// page named "ns/file" (without .html) that defines "title" (optional) and "content".
func (rd *Renderer) Add(ns string, fsys fs.FS, dir string) error {
	files, err := fs.Glob(fsys, path.Join(dir, "*.html"))
	if err != nil {
		return err
	}
	var partials, pages []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			partials = append(partials, f)
		} else {
			pages = append(pages, f)
		}
	}
	for _, f := range pages {
		t, err := rd.base.Clone()
		if err != nil {
			return err
		}
		if len(partials) > 0 {
			if t, err = t.ParseFS(fsys, partials...); err != nil {
				return fmt.Errorf("%s partials: %w", ns, err)
			}
		}
		if t, err = t.ParseFS(fsys, f); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		rd.pages[ns+"/"+strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return nil
}

// Share makes partials of one namespace (files in fsys, each defining templates) available to
// the pages of every namespace added after it, e.g. the directory's panel of a record's links,
// which every capability's record pages show.
func (rd *Renderer) Share(fsys fs.FS, files ...string) error {
	t, err := rd.base.ParseFS(fsys, files...)
	if err != nil {
		return fmt.Errorf("shared partials: %w", err)
	}
	rd.base = t
	return nil
}

// Has reports whether a page is registered.
func (rd *Renderer) Has(name string) bool { _, ok := rd.pages[name]; return ok }

// Render writes page name with status.
func (rd *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, name string, p Page) {
	t, ok := rd.pages[name]
	if !ok {
		rd.log.Error("missing template", "name", name)
		http.Error(w, "missing template "+name, http.StatusInternalServerError)
		return
	}
	rd.fill(w, r, &p, status)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", &p); err != nil {
		rd.log.ErrorContext(r.Context(), "template failed", "name", name, "err", err, "request_id", p.RequestID)
		http.Error(w, "The page could not be drawn. Reference: "+p.RequestID, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// OK renders name with status 200.
func (rd *Renderer) OK(w http.ResponseWriter, r *http.Request, name string, p Page) {
	rd.Render(w, r, http.StatusOK, name, p)
}

// Invalid renders a form page again with 422, keeping what was typed and showing the errors
// carried by err.
func (rd *Renderer) Invalid(w http.ResponseWriter, r *http.Request, name string, p Page, err error) {
	ve, _ := valid.As(err)
	if p.Form == nil {
		p.Form = NewForm(r)
	}
	p.Form.Errors = ve
	rd.Render(w, r, http.StatusUnprocessableEntity, name, p)
}

func (rd *Renderer) fill(w http.ResponseWriter, r *http.Request, p *Page, status int) {
	p.Principal = authz.From(r.Context())
	p.Flash = TakeFlash(w, r)
	p.Lang = rd.cat.Match(r.Header.Get("Accept-Language"))
	p.Path = r.URL.Path
	p.Query = r.URL.Query()
	p.RequestID = reqinfo.From(r.Context()).ID
	p.Status = status
	p.Site = rd.site
}

// ErrorPage renders the 403, 404, 422 or 500 page.
func (rd *Renderer) ErrorPage(w http.ResponseWriter, r *http.Request, status int, detail string, fields map[string]string) {
	p := Page{Title: http.StatusText(status), Data: errorData{Status: status, Detail: detail, Fields: fields}}
	rd.fill(w, r, &p, status)
	var buf bytes.Buffer
	if err := rd.base.ExecuteTemplate(&buf, "error_page", &p); err != nil {
		rd.log.Error("error page failed", "err", err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

type errorData struct {
	Status int
	Detail string
	Fields map[string]string
}

// Redirect sends the browser to url after a successful POST, with a flash message.
func Redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		SetFlash(w, r, Flash{Kind: "success", Message: flash})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// Static serves the embedded static files with long caching (names are stable per build;
// the layout adds ?v=version).
func Static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	fsrv := http.FileServerFS(sub)
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fsrv.ServeHTTP(w, r)
	}))
}

// Option is one choice of a select, radio group or checkbox list.
type Option struct {
	Value string
	Label string
}

// Field is the argument of the form-field partials.
type Field struct {
	Form     *Form
	Name     string
	Label    string
	Hint     string
	Type     string
	Required bool
	Options  []Option
	Rows     int
	Auto     string // autocomplete
	Multiple bool
}

// ID is the element ID of the field.
func (f Field) ID() string { return "f-" + f.Name }

// Value is the submitted (or loaded) value.
func (f Field) Value() string { return f.Form.Get(f.Name) }

// Error is the field's message.
func (f Field) Error() string { return f.Form.Error(f.Name) }

// Checked reports whether value is among the field's values.
func (f Field) Checked(value string) bool { return f.Form.Has(f.Name, value) }

// DescribedBy lists the IDs of the hint and error for aria-describedby.
func (f Field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID()+"-hint")
	}
	if f.Error() != "" {
		ids = append(ids, f.ID()+"-error")
	}
	return strings.Join(ids, " ")
}

func (rd *Renderer) funcs() template.FuncMap {
	return template.FuncMap{
		"t": func(p *Page, key string, args ...any) string { return rd.cat.T(p.Lang, key, args...) },
		"field": func(f *Form, name, label string, kv ...any) (Field, error) {
			fd := Field{Form: f, Name: name, Label: label, Type: "text"}
			if f == nil {
				fd.Form = &Form{}
			}
			if len(kv)%2 != 0 {
				return fd, fmt.Errorf("field %s: odd key/value list", name)
			}
			for i := 0; i < len(kv); i += 2 {
				k, _ := kv[i].(string)
				switch k {
				case "hint":
					fd.Hint, _ = kv[i+1].(string)
				case "type":
					fd.Type, _ = kv[i+1].(string)
				case "required":
					fd.Required, _ = kv[i+1].(bool)
				case "options":
					fd.Options, _ = kv[i+1].([]Option)
				case "rows":
					fd.Rows, _ = kv[i+1].(int)
				case "auto":
					fd.Auto, _ = kv[i+1].(string)
				case "multiple":
					fd.Multiple, _ = kv[i+1].(bool)
				default:
					return fd, fmt.Errorf("field %s: unknown key %q", name, k)
				}
			}
			return fd, nil
		},
		"date": func(v any) string {
			switch t := v.(type) {
			case time.Time:
				if t.IsZero() {
					return ""
				}
				return t.Format("2 Jan 2006")
			case *time.Time:
				if t == nil || t.IsZero() {
					return ""
				}
				return t.Format("2 Jan 2006")
			}
			return fmt.Sprint(v)
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2 Jan 2006 15:04 UTC")
		},
		"isodate": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format(time.DateOnly)
		},
		"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"query": func(base string, kv ...any) string {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				if s := fmt.Sprint(kv[i+1]); s != "" && s != "0" {
					v.Set(fmt.Sprint(kv[i]), s)
				}
			}
			if len(v) == 0 {
				return base
			}
			return base + "?" + v.Encode()
		},
		"join":      strings.Join,
		"lower":     strings.ToLower,
		"contains":  strings.Contains,
		"hasPrefix": strings.HasPrefix,
		"add":       func(a, b int) int { return a + b },
		"pct": func(v float64) string {
			return fmt.Sprintf("%.0f%%", v)
		},
		"sortedKeys": func(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) },
		"navVisible": func(p *Page, it NavItem) bool {
			switch it.Access {
			case SignedIn:
				return p.Principal.SignedIn()
			case SiteAdmin:
				return p.Principal.SiteAdmin
			}
			return true
		},
		"current": func(p *Page, u string) bool {
			return p.Path == u || (u != "/" && strings.HasPrefix(p.Path, u+"/"))
		},
		"nl2br": func(s string) template.HTML {
			parts := strings.Split(template.HTMLEscapeString(s), "\n")
			return template.HTML(strings.Join(parts, "<br>"))
		},
		"paras": func(s string) []string {
			var out []string
			for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			return out
		},
	}
}
