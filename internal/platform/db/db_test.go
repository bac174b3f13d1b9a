package db_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/joinedup/joinedup/internal/migrations"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
)

func TestRebind(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT a FROM t WHERE x = ? AND y = ?", "SELECT a FROM t WHERE x = $1 AND y = $2"},
		{"SELECT '?' , ? -- what?\n, ?", "SELECT '?' , $1 -- what?\n, $2"},
		{`SELECT "a?b" FROM t WHERE c = ?`, `SELECT "a?b" FROM t WHERE c = $1`},
		{"SELECT 1", "SELECT 1"},
		{"SELECT 'unterminated ?", "SELECT 'unterminated ?"},
	}
	for _, c := range cases {
		if got := db.Rebind(db.Postgres, c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := db.Rebind(db.SQLite, c.in); got != c.in {
			t.Errorf("SQLite changed %q", c.in)
		}
	}
}

func FuzzRebind(f *testing.F) {
	for _, s := range []string{"SELECT ?", "'?'", `"?"`, "-- ?\n?", "?-?", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := db.Rebind(db.Postgres, s)
		if len(out) < len(s) {
			t.Fatalf("Rebind shortened %q to %q", s, out)
		}
	})
}

// TestStore covers what every store relies on, on both dialects: sentinel errors, times read
// back equal, transactions that roll back on error, and null handling.
func TestStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := db.Now()
		var id int64
		err := d.QueryRow(ctx, "INSERT INTO users (email, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id", "a@example.org", "A", now, now).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		var got time.Time
		var disabled sql.Null[time.Time]
		if err := d.QueryRow(ctx, "SELECT created_at, disabled_at FROM users WHERE id = ?", id).Scan(&got, &disabled); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(now) || disabled.Valid {
			t.Fatalf("time read back %v, want %v (disabled %v)", got, now, disabled)
		}
		_, err = d.Exec(ctx, "INSERT INTO users (email, name, created_at, updated_at) VALUES (?, ?, ?, ?)", "A@EXAMPLE.ORG", "B", now, now)
		if !errors.Is(db.MapError(err), db.ErrConflict) {
			t.Fatalf("duplicate email: %v", err)
		}
		err = d.QueryRow(ctx, "SELECT id FROM users WHERE id = ?", id+100).Scan(&id)
		if !errors.Is(db.MapError(err), db.ErrNotFound) {
			t.Fatalf("missing row: %v", err)
		}
		// A failing use-case changes nothing.
		boom := errors.New("boom")
		committed := false
		err = d.InTx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { committed = true })
			if _, err := tx.Exec(ctx, "UPDATE users SET name = ? WHERE id = ?", "Changed", id); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || committed {
			t.Fatalf("InTx: %v committed=%v", err, committed)
		}
		var name string
		d.QueryRow(ctx, "SELECT name FROM users WHERE id = ?", id).Scan(&name)
		if name != "A" {
			t.Fatalf("rolled-back change is visible: %q", name)
		}
		if err := d.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentMigrations starts several servers' migrations at once on one fresh PostgreSQL
// database: the advisory lock makes them take turns.
func TestConcurrentMigrations(t *testing.T) {
	base := os.Getenv(dbtest.EnvPostgres)
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set " + dbtest.EnvPostgres)
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "joinedup_test_migrate_" + time.Now().Format("150405000000")
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	defer admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	u, _ := url.Parse(base)
	u.Path = "/" + name
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := db.Open(ctx, u.String())
			if err != nil {
				errs <- err
				return
			}
			defer d.Close()
			_, err = d.Migrate(ctx, migrations.FS)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestBackupSQLite(t *testing.T) {
	d := dbtest.SQLite(t)
	out := t.TempDir() + "/b.db"
	if err := d.Backup(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	b, err := db.Open(context.Background(), "sqlite:"+out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var n int
	if err := b.QueryRow(context.Background(), "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := d.Backup(context.Background(), out); err == nil {
		t.Fatal("backup over an existing file")
	}
}

func TestHelpers(t *testing.T) {
	if got := db.Placeholders(0); got != "NULL" {
		t.Errorf("Placeholders(0) = %q", got)
	}
	if ph, args := db.In([]int64{4, 5, 6}); ph != "?,?,?" || len(args) != 3 || args[2] != int64(6) {
		t.Errorf("In: %q %v", ph, args)
	}
	ids := make([]int64, 1203)
	for i := range ids {
		ids[i] = int64(i)
	}
	var sizes []int
	_ = db.InBatches(ids, func(args []any, ph string) error {
		sizes = append(sizes, len(args))
		if strings.Count(ph, "?") != len(args) {
			t.Errorf("placeholders %d for %d args", strings.Count(ph, "?"), len(args))
		}
		return nil
	})
	if len(sizes) != 3 || sizes[0] != 500 || sizes[2] != 203 {
		t.Errorf("batches: %v", sizes)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := db.Affected(d.Exec(ctx, "UPDATE users SET name = 'x' WHERE id = ?", 999))
		if !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Affected on no row: %v", err)
		}
		n := 0
		if err := db.Each(ctx, d, "SELECT id FROM users WHERE id IN ("+db.Placeholders(0)+")", nil, func(*sql.Rows) error { n++; return nil }); err != nil || n != 0 {
			t.Errorf("Each over an empty IN list: %v %d", err, n)
		}
	})
}
