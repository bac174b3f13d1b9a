// Package app wires Joined Up together: it opens the database, builds the platform and every
// capability, registers their routes and serves them.
package app

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/joinedup/joinedup/internal/commitments"
	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/engagement"
	"github.com/joinedup/joinedup/internal/learning"
	"github.com/joinedup/joinedup/internal/maturity"
	"github.com/joinedup/joinedup/internal/migrations"
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/locale"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/web"
	"github.com/joinedup/joinedup/internal/satisfaction"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Version is set at build time with -ldflags "-X github.com/joinedup/joinedup/internal/app.Version=…".
var Version = "dev"

//go:embed templates/*.html
var templates embed.FS

// Config is the whole configuration, read from flags and JOINEDUP_* variables by the CLI.
type Config struct {
	Addr       string
	Database   string
	BaseURL    string // the public address, for links in emails and OIDC redirects
	TrustProxy bool   // take the client address from X-Forwarded-For
	TLS        bool   // served over HTTPS (directly or by the proxy): Secure cookies, HSTS
	SMTP       string // smtp://user:pass@host:port; empty writes mail to the log
	MailFrom   string
	OIDC       auth.OIDCConfig
	// SubmitLimit is how many survey responses one client address may submit per minute
	// (0: the default, 30; negative: no limit).
	SubmitLimit float64
}

// App is a running instance.
type App struct {
	Cfg    Config
	DB     *db.DB
	Log    *slog.Logger
	Router *web.Router
	Render *web.Renderer
	Auth   *auth.Service
	Dir    *directory.Service
	// Capabilities.
	Commitments *commitments.Service
	Maturity    *maturity.Service
	Surveys     *satisfaction.Service
	Engagements *engagement.Service
	Learning    *learning.Service
	Registry    *prometheus.Registry
	Handler     http.Handler
	// onShutdown runs after the server has stopped taking requests.
	onShutdown []func()
}

// Open opens the database and applies the migrations.
func Open(ctx context.Context, dsn string) (*db.DB, error) {
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := d.Migrate(ctx, migrations.FS); err != nil {
		d.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return d, nil
}

// New builds the application on an open, migrated database.
func New(ctx context.Context, cfg Config, d *db.DB, log *slog.Logger) (*App, error) {
	cat, err := locale.Load()
	if err != nil {
		return nil, err
	}
	rend, err := web.NewRenderer(cat, web.Site{Name: "Joined Up", Version: Version}, log)
	if err != nil {
		return nil, err
	}
	errs := &web.Errors{Render: rend, Log: log}
	a := &App{Cfg: cfg, DB: d, Log: log, Render: rend, Router: web.NewRouter(errs), Registry: prometheus.NewRegistry()}
	a.Dir = directory.NewService(d)
	a.Auth = auth.New(d, a.Dir.RoleSource, auth.Config{})

	authWeb := &auth.Web{Svc: a.Auth, Render: rend}
	if err := a.configureAccounts(ctx, authWeb); err != nil {
		return nil, err
	}
	if err := authWeb.Routes(a.Router); err != nil {
		return nil, err
	}
	if err := (&directory.Web{Svc: a.Dir, Render: rend}).Routes(a.Router); err != nil {
		return nil, err
	}
	a.Commitments = commitments.NewService(d, a.Dir)
	if err := (&commitments.Web{Svc: a.Commitments, Render: rend}).Routes(a.Router); err != nil {
		return nil, err
	}
	a.Maturity = maturity.NewService(d, a.Dir)
	if err := (&maturity.Web{Svc: a.Maturity, Render: rend}).Routes(a.Router); err != nil {
		return nil, err
	}
	a.Surveys = satisfaction.NewService(d, a.Dir)
	a.Surveys.Start(log)
	a.onShutdown = append(a.onShutdown, a.Surveys.Stop)
	sw := &satisfaction.Web{Svc: a.Surveys, Render: rend, BaseURL: cfg.BaseURL}
	if cfg.SubmitLimit != 0 {
		l := satisfaction.DefaultLimits()
		l.PerMinute = max(cfg.SubmitLimit, 0)
		sw.Limits = &l
	}
	if err := sw.Routes(a.Router); err != nil {
		return nil, err
	}
	a.Engagements = engagement.NewService(d, a.Dir)
	a.Engagements.Mail, a.Engagements.Log = authWeb.Reset.Mail, log
	a.Engagements.BaseURL = func() string { return a.Cfg.BaseURL }
	a.onShutdown = append(a.onShutdown, a.Engagements.Wait) // report emails still being sent
	// Opinion-map votes still queued are written before the database closes.
	a.onShutdown = append(a.onShutdown, a.Engagements.StopVotes)
	// Opinion maps are recomputed in the background a few seconds after votes arrive.
	a.Engagements.StartMaps()
	a.onShutdown = append(a.onShutdown, a.Engagements.StopMaps)
	if err := (&engagement.Web{Svc: a.Engagements, Render: rend}).Routes(a.Router); err != nil {
		return nil, err
	}
	a.Learning = learning.NewService(d, a.Dir)
	a.Learning.Mail = authWeb.Reset.Mail
	a.Learning.BaseURL = func() string { return a.Cfg.BaseURL }
	a.Learning.RegisterKinds()
	if err := (&learning.Web{Svc: a.Learning, Render: rend}).Routes(a.Router); err != nil {
		return nil, err
	}
	searchWeb := search.NewWeb(d, rend, searchKinds())
	// Search finds what is shared with the asker's communities of practice (learning's).
	searchWeb.Communities = func(ctx context.Context) ([]int64, error) {
		v, err := a.Learning.ViewerOf(ctx)
		var ids []int64
		for id := range v.Communities {
			ids = append(ids, id)
		}
		return ids, err
	}
	if err := searchWeb.Routes(a.Router); err != nil {
		return nil, err
	}
	if err := (&audit.Web{DB: d, Render: rend, Log: log}).Routes(a.Router); err != nil {
		return nil, err
	}
	if err := a.platformRoutes(); err != nil {
		return nil, err
	}

	m := web.NewMetrics(a.Registry)
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), newDBCollector(d))
	a.Handler = web.Chain(a.Router.Handler(),
		web.Observe(log, m, cfg.TrustProxy, errs),
		web.Secure(cfg.TLS),
		a.Auth.Middleware,
	)
	return a, nil
}

func (a *App) platformRoutes() error {
	if err := a.Render.Add("app", templates, "templates"); err != nil {
		return err
	}
	rt := a.Router
	rt.Page("GET", "/{$}", web.Public, a.home)
	rt.Raw("GET", "/static/", web.Public, web.Static())
	rt.Page("GET", "/healthz", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := w.Write([]byte("ok\n"))
		return err
	})
	rt.Page("GET", "/readyz", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := a.DB.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unreachable\n"))
			return nil
		}
		_, err := w.Write([]byte("ready\n"))
		return err
	})
	rt.Raw("GET", "/metrics", web.Public, promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{}))
	rt.API("GET", "/api/v1/openapi.json", web.Public, "Meta", "This OpenAPI 3.1 document", func(w http.ResponseWriter, r *http.Request) error {
		return api.JSON(w, http.StatusOK, api.OpenAPI("Joined Up API", Version, operations(a.Router.Routes())))
	})
	return nil
}

func operations(routes []web.Route) []api.Operation {
	var ops []api.Operation
	for _, r := range routes {
		if !r.API {
			continue
		}
		ops = append(ops, api.Operation{Method: r.Method, Path: r.Path, Summary: r.Summary, Tag: r.Tag, Public: r.Access == web.Public,
			Request: r.Request, Response: r.Response})
	}
	return ops
}

// Serve listens on the configured address until ctx ends, then lets in-flight requests
// finish (up to 20 seconds).
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	for _, f := range a.onShutdown {
		f()
	}
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// searchKinds labels the search documents of every capability.
func searchKinds() map[string]string {
	kinds := map[string]string{maturity.FrameworkSearchKind: maturity.FrameworkSearchLabel, satisfaction.SearchKind: satisfaction.SearchLabel}
	for k, v := range commitments.SearchKinds {
		kinds[k] = v
	}
	for k, v := range engagement.SearchKinds {
		kinds[k] = v
	}
	for k, v := range learning.SearchKinds {
		kinds[k] = v
	}
	return kinds
}
