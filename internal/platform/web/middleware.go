package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/reqinfo"
	"github.com/prometheus/client_golang/prometheus"
)

// MaxFormBody is the largest form body accepted (uploads set their own limits).
const MaxFormBody = 2 << 20

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain applies mws so that the first is outermost.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

type routeKey struct{}

type routeHolder struct{ pattern string }

func setRoute(ctx context.Context, pattern string) {
	if h, ok := ctx.Value(routeKey{}).(*routeHolder); ok {
		h.pattern = pattern
	}
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int64
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.size += int64(n)
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Metrics are the request counters and latency histograms by route.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "joinedup_http_requests_total", Help: "HTTP requests by route, method and status code."}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "joinedup_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route", "method"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "joinedup_http_requests_in_flight", Help: "HTTP requests being served."}),
	}
	reg.MustRegister(m.requests, m.latency, m.inflight)
	return m
}

// Observe is the outermost middleware: request ID, client address, logging, metrics and
// recovery from panics.
func Observe(log *slog.Logger, m *Metrics, trustProxy bool, errs *Errors) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := r.Header.Get("X-Request-ID")
			if id == "" || len(id) > 64 || strings.ContainsAny(id, " \r\n\t") {
				id = newRequestID()
			}
			w.Header().Set("X-Request-ID", id)
			holder := &routeHolder{}
			ctx := context.WithValue(r.Context(), routeKey{}, holder)
			ctx = reqinfo.With(ctx, reqinfo.Info{ID: id, ClientIP: clientIP(r, trustProxy)})
			r = r.WithContext(ctx)
			sw := &statusWriter{ResponseWriter: w}
			if m != nil {
				m.inflight.Inc()
				defer m.inflight.Dec()
			}
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					log.ErrorContext(ctx, "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()), "request_id", id)
					if sw.status == 0 {
						errs.Handle(sw, r, strings.HasPrefix(r.URL.Path, "/api/"), fmt.Errorf("panic: %v", p))
					}
				}
				route := holder.pattern
				if route == "" {
					route = "unmatched"
				}
				status := sw.status
				if status == 0 {
					status = http.StatusOK
				}
				d := time.Since(start)
				if m != nil {
					m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
					m.latency.WithLabelValues(route, r.Method).Observe(d.Seconds())
				}
				lvl := slog.LevelInfo
				if status >= 500 {
					lvl = slog.LevelError
				}
				log.Log(ctx, lvl, "request", "method", r.Method, "path", r.URL.Path, "route", route, "status", status,
					"bytes", sw.size, "duration_ms", float64(d.Microseconds())/1000, "request_id", id)
			}()
			next.ServeHTTP(sw, r)
		})
	}
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func clientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func csp(frameAncestors string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors " + frameAncestors
}

type httpsKey struct{}

// HTTPS reports whether the site is reached over HTTPS: the request came over TLS, or the
// server was told (--tls) that its load balancer terminates TLS. Cookies are Secure and
// absolute links use https when it is true.
func HTTPS(r *http.Request) bool {
	return r.TLS != nil || r.Context().Value(httpsKey{}) != nil
}

// Secure sets the security headers and limits request bodies.
func Secure(tls bool) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tls {
				r = r.WithContext(context.WithValue(r.Context(), httpsKey{}, true))
			}
			h := w.Header()
			h.Set("Content-Security-Policy", csp("'none'"))
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
			if tls {
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			if r.Body != nil && r.ContentLength != 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
				r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
			}
			next.ServeHTTP(w, r)
		})
	}
}
