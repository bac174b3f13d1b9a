// Package db opens SQLite or PostgreSQL behind database/sql, runs the embedded migrations,
// rebinds placeholders for the dialect, runs transactions and maps driver errors to the
// sentinel errors every store returns.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors returned by every store.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Dialect names the SQL dialect of an open database.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Q is what stores run statements against: a *DB or a *Tx. Queries use "?" placeholders;
// they are rebound to $n for PostgreSQL.
type Q interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// DB holds a read pool and a write pool. On SQLite the write pool has a single connection
// (SQLite allows one writer at a time); on PostgreSQL both are the same pool.
type DB struct {
	dialect Dialect
	read    *sql.DB
	write   *sql.DB
	path    string // SQLite file path
}

// Open opens the database named by dsn: "sqlite:PATH" (or a path ending in .db) or
// "postgres://…" / "postgresql://…".
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasSuffix(dsn, ".db") || strings.HasSuffix(dsn, ".sqlite"):
		return openSQLite(ctx, dsn)
	}
	return nil, fmt.Errorf("database %q: use sqlite:PATH or postgres://…", dsn)
}

func sqliteDSN(path string, write bool) string {
	q := url.Values{}
	// busy_timeout first so that the pragmas after it wait rather than fail.
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL: a transaction that returned is on disk, even after a power loss.
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	// Statement journals and temporary tables in memory, not in temporary files: the
	// group committer's multi-row upserts need one per statement.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_time_format", "sqlite")
	if write {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	write, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	// Create the file and switch it to WAL before readers open it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	return &DB{dialect: SQLite, read: read, write: write, path: path}, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(16)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &DB{dialect: Postgres, read: pool, write: pool}, nil
}

// Close closes both pools.
func (d *DB) Close() error {
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

func (d *DB) Dialect() Dialect { return d.dialect }

// Path is the SQLite file's path ("" on PostgreSQL).
func (d *DB) Path() string { return d.path }

// Stats returns the pool statistics of the read and write pools, for metrics.
func (d *DB) Stats() (read, write sql.DBStats) { return d.read.Stats(), d.write.Stats() }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func (d *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.write.ExecContext(ctx, Rebind(d.dialect, query), args...)
}

// Query runs a SELECT on the read pool; any other statement (INSERT … RETURNING) goes to the
// write pool.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.pool(query).QueryContext(ctx, Rebind(d.dialect, query), args...)
}

// QueryRow is Query for one row.
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return d.pool(query).QueryRowContext(ctx, Rebind(d.dialect, query), args...)
}

// pool picks the read pool for statements that only read.
func (d *DB) pool(query string) *sql.DB {
	q := strings.TrimLeft(query, " \t\r\n(")
	if len(q) >= 6 && strings.EqualFold(q[:6], "SELECT") {
		return d.read
	}
	return d.write
}

// Tx is a write transaction.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	after   []func()
}

func (t *Tx) Dialect() Dialect { return t.dialect }

func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, Rebind(t.dialect, query), args...)
}

func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, Rebind(t.dialect, query), args...)
}

func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, Rebind(t.dialect, query), args...)
}

// AfterCommit runs f once the transaction has committed (never if it rolls back).
func (t *Tx) AfterCommit(f func()) { t.after = append(t.after, f) }

// InTx runs f in one write transaction: committed when f returns nil, rolled back otherwise.
// A use-case that fails changes nothing.
func (d *DB) InTx(ctx context.Context, f func(tx *Tx) error) (err error) {
	stx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: stx, dialect: d.dialect}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
			return
		}
		if err = stx.Commit(); err != nil {
			err = fmt.Errorf("commit: %w", err)
			return
		}
		for _, f := range tx.after {
			f()
		}
	}()
	return f(tx)
}

// Rebind turns "?" placeholders into "$1", "$2", … for PostgreSQL, leaving quoted strings,
// quoted identifiers and comments alone.
func Rebind(d Dialect, query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(query) && query[j] != c {
				j++
			}
			if j >= len(query) {
				j = len(query) - 1
			}
			b.WriteString(query[i : j+1])
			i = j
		case '-':
			if i+1 < len(query) && query[i+1] == '-' {
				j := strings.IndexByte(query[i:], '\n')
				if j < 0 {
					j = len(query) - i - 1
				}
				b.WriteString(query[i : i+j+1])
				i += j
			} else {
				b.WriteByte(c)
			}
		case '?':
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// MapError turns driver errors into the sentinel errors: no rows into ErrNotFound, unique
// and foreign-key violations into ErrConflict (wrapping the original for its message).
func MapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY,
			sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			return fmt.Errorf("%w: %v", ErrConflict, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505", "23503":
			return fmt.Errorf("%w: %v", ErrConflict, err)
		}
	}
	return err
}

// Migrate applies the migrations for the database's dialect from fsys, which holds one
// folder per dialect ("sqlite", "postgres"). On PostgreSQL an advisory lock lets several
// servers start at once.
func (d *DB) Migrate(ctx context.Context, fsys fs.FS) ([]*goose.MigrationResult, error) {
	p, err := d.provider(fsys)
	if err != nil {
		return nil, err
	}
	return p.Up(ctx)
}

// MigrationStatus lists each migration and whether it has been applied.
func (d *DB) MigrationStatus(ctx context.Context, fsys fs.FS) ([]*goose.MigrationStatus, error) {
	p, err := d.provider(fsys)
	if err != nil {
		return nil, err
	}
	return p.Status(ctx)
}

func (d *DB) provider(fsys fs.FS) (*goose.Provider, error) {
	sub, err := fs.Sub(fsys, string(d.dialect))
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	dialect := goose.DialectSQLite3
	if d.dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, d.write, sub, opts...)
}

// Backup writes a consistent snapshot of a SQLite database to path (VACUUM INTO, which
// runs while the server is serving).
func (d *DB) Backup(ctx context.Context, path string) error {
	if d.dialect != SQLite {
		return errors.New("backup: on PostgreSQL use pg_dump (for example: pg_dump --format=custom --file=joinedup.dump \"$JOINEDUP_DATABASE\")")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	_, err := d.write.ExecContext(ctx, "VACUUM INTO ?", path)
	return err
}

// Now is the time stored in the database: UTC, truncated to microseconds (PostgreSQL's
// precision) so that what is written reads back equal.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
