package app

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

// testApp builds the whole application on a fresh database with the demo data loaded.
func testApp(t testing.TB, d *db.DB) (*App, DemoResult) {
	t.Helper()
	ctx := context.Background()
	res, err := LoadDemo(authz.With(ctx, authz.System), d)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(ctx, Config{Addr: "127.0.0.1:0"}, d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return a, res
}

// testServer serves a demo app on SQLite over httptest.
func testServer(t testing.TB) (*App, DemoResult, *httptest.Server) {
	t.Helper()
	a, res := testApp(t, dbtest.SQLite(t))
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	a.Cfg.BaseURL = srv.URL
	return a, res, srv
}
