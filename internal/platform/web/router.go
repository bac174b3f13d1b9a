package web

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/reqinfo"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Access is the gate a route puts in front of its handler. Object-level checks happen in the
// services; this is the first, coarse one, stated where the route is registered.
type Access int

const (
	// Public: anyone, signed in or not. The handler shows the public only what is published.
	Public Access = iota
	// SignedIn: any signed-in account (the service then checks the object).
	SignedIn
	// SiteAdmin: site administrators only.
	SiteAdmin
)

func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	case SignedIn:
		return "signed-in"
	case SiteAdmin:
		return "site-admin"
	}
	return "unknown"
}

// HandlerFunc is a handler that may fail; the router turns the error into the right page or
// problem+json.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route describes one registered route.
type Route struct {
	Method  string
	Path    string
	Access  Access
	API     bool
	Summary string // for the OpenAPI document
	Tag     string
	// Request and Response are example values whose shapes describe the JSON bodies.
	Request  any
	Response any
	// Frameable lets other sites embed the page (a survey form); the default forbids it.
	Frameable bool
	// CrossOrigin lets cross-origin browsers POST here (a public form embedded elsewhere).
	CrossOrigin bool
}

// Router registers routes on a ServeMux and remembers them, so that the OpenAPI document and
// the permission tests can list every route that exists.
type Router struct {
	mux    *http.ServeMux
	routes []Route
	errs   *Errors
	cop    *http.CrossOriginProtection
}

// NewRouter makes a router whose errors are rendered by errs.
func NewRouter(errs *Errors) *Router {
	rt := &Router{mux: http.NewServeMux(), errs: errs, cop: http.NewCrossOriginProtection()}
	rt.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errs.Handle(w, r, strings.HasPrefix(r.URL.Path, "/api/"), &crossOriginError{})
	}))
	return rt
}

// crossOriginError is a state-changing request from another site, refused.
type crossOriginError struct{}

func (*crossOriginError) Error() string {
	return "This request came from another site and was refused. Go back, reload the page and try again."
}

// Handle registers h for rt ("GET /path/{id}").
func (rt *Router) Handle(route Route, h HandlerFunc) {
	if route.Method == "" || route.Path == "" {
		panic("web: route needs a method and a path")
	}
	route.API = route.API || strings.HasPrefix(route.Path, "/api/")
	rt.routes = append(rt.routes, route)
	if route.CrossOrigin {
		rt.cop.AddInsecureBypassPattern(route.Method + " " + route.Path)
	}
	rt.mux.Handle(route.Method+" "+route.Path, rt.wrap(route, h))
}

// Page registers an HTML route.
func (rt *Router) Page(method, path string, access Access, h HandlerFunc) {
	rt.Handle(Route{Method: method, Path: path, Access: access}, h)
}

// API registers a JSON route with its OpenAPI summary and tag.
func (rt *Router) API(method, path string, access Access, tag, summary string, h HandlerFunc, opts ...func(*Route)) {
	r := Route{Method: method, Path: path, Access: access, Tag: tag, Summary: summary, API: true}
	for _, o := range opts {
		o(&r)
	}
	rt.Handle(r, h)
}

// Body names example request and response values for the OpenAPI document.
func Body(req, resp any) func(*Route) {
	return func(r *Route) { r.Request, r.Response = req, resp }
}

// Raw registers a plain http.Handler (static files, metrics) with an access gate.
func (rt *Router) Raw(method, path string, access Access, h http.Handler) {
	rt.Handle(Route{Method: method, Path: path, Access: access}, func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	})
}

// Routes lists every registered route, sorted by path then method.
func (rt *Router) Routes() []Route {
	out := append([]Route(nil), rt.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// Handler is the mux behind cross-origin protection.
func (rt *Router) Handler() http.Handler { return rt.cop.Handler(rt.mux) }

// Mux exposes the ServeMux (for NotFound handling).
func (rt *Router) Mux() *http.ServeMux { return rt.mux }

func (rt *Router) wrap(route Route, h HandlerFunc) http.Handler {
	pattern := route.Method + " " + route.Path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(r.Context(), pattern)
		if route.Frameable {
			w.Header().Set("Content-Security-Policy", csp("*"))
			w.Header().Del("X-Frame-Options")
		}
		p := authz.From(r.Context())
		var err error
		switch {
		case route.Access == SignedIn && !p.SignedIn():
			err = authz.ErrForbidden
		case route.Access == SiteAdmin && !p.SiteAdmin:
			err = authz.ErrForbidden
		default:
			if err = readForm(r); err == nil {
				err = h(w, r)
			}
		}
		if err != nil {
			rt.errs.Handle(w, r, route.API, err)
		}
	})
}

// Errors renders errors as pages or problem+json.
type Errors struct {
	Render *Renderer
	Log    *slog.Logger
}

// Handle answers the request with the page or problem that fits err.
func (e *Errors) Handle(w http.ResponseWriter, r *http.Request, isAPI bool, err error) {
	status := http.StatusInternalServerError
	title, detail := "", ""
	var fields map[string]string
	var bad *api.BadRequest
	var mbe *http.MaxBytesError
	p := authz.From(r.Context())
	switch {
	case errors.Is(err, db.ErrNotFound):
		status = http.StatusNotFound
	case errors.As(err, new(*crossOriginError)):
		status, detail = http.StatusForbidden, err.Error()
	case errors.Is(err, authz.ErrForbidden):
		status = http.StatusForbidden
		if !p.SignedIn() {
			status = http.StatusUnauthorized
			detail = "Sign in, or send an API token as Authorization: Bearer."
		}
	case errors.As(err, &bad):
		status, detail, fields = http.StatusBadRequest, bad.Msg, bad.Errors
		if bad.Status >= 400 && bad.Status < 500 {
			status = bad.Status
		}
	case errors.As(err, &mbe):
		status, detail = http.StatusRequestEntityTooLarge, fmt.Sprintf("The request is too large: send at most %d bytes.", mbe.Limit)
	case errors.Is(err, db.ErrConflict):
		status, detail = http.StatusConflict, "This conflicts with a record that already exists."
	default:
		if ve, ok := valid.As(err); ok {
			status, detail, fields = http.StatusUnprocessableEntity, "Some fields need attention.", ve
		}
	}
	reqID := reqinfo.From(r.Context()).ID
	if status == http.StatusInternalServerError {
		e.Log.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", reqID)
	}
	if isAPI {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="joinedup"`)
		}
		api.WriteProblem(w, api.Problem{Status: status, Title: title, Detail: detail, Errors: fields, Instance: r.URL.Path, RequestID: reqID})
		return
	}
	if status == http.StatusUnauthorized {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		status = http.StatusForbidden
	}
	e.Render.ErrorPage(w, r, status, detail, fields)
}

// readForm parses a URL-encoded form body before the handler runs, so that a body over
// MaxFormBody is refused with 413 and a malformed one with 400 (NewForm cannot report either).
func readForm(r *http.Request) error {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return nil
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &api.BadRequest{Msg: "The form could not be read: send it again from the page."}
	}
	return nil
}

// PathID reads the int64 path value name; a malformed one is a 404.
func PathID(r *http.Request, name string) (int64, error) { return api.PathID(r, name) }
