// Package dbtest opens fresh, migrated databases for tests: a new SQLite file per test, and
// a new PostgreSQL database per test when JOINEDUP_TEST_POSTGRES holds a connection string.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver, for creating databases
	"github.com/joinedup/joinedup/internal/migrations"
	"github.com/joinedup/joinedup/internal/platform/db"
)

// EnvPostgres names the variable holding the PostgreSQL connection string for tests.
const EnvPostgres = "JOINEDUP_TEST_POSTGRES"

// SQLite opens a fresh, migrated SQLite database in the test's temporary directory.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx, migrations.FS); err != nil {
		t.Fatal(err)
	}
	return d
}

// Postgres opens a fresh, migrated PostgreSQL database (created for this test, dropped after
// it), or skips the test with a clear message when JOINEDUP_TEST_POSTGRES is not set.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set " + EnvPostgres + "=postgres://user@host:5432/db to run them")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "joinedup_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	d, err := db.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Close()
		admin, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			admin.Close()
		}
	})
	if _, err := d.Migrate(ctx, migrations.FS); err != nil {
		t.Fatal(err)
	}
	return d
}

// Each runs f as a subtest on SQLite and on PostgreSQL (skipped without JOINEDUP_TEST_POSTGRES).
func Each(t *testing.T, f func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, Postgres(t)) })
}
