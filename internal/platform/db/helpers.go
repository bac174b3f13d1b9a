package db

import (
	"context"
	"database/sql"
	"strings"
)

// Affected turns an UPDATE or DELETE that changed no row into ErrNotFound, and maps driver
// errors like MapError.
func Affected(res sql.Result, err error) error {
	if err != nil {
		return MapError(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Placeholders returns "?,?,…" with n placeholders for an IN list; with none it returns
// "NULL", so that "x IN (NULL)" matches nothing instead of being a syntax error.
func Placeholders(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// In returns the placeholders of an IN list of IDs and the IDs as arguments.
func In(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return Placeholders(len(ids)), args
}

// InBatches calls f with the IDs in batches of at most 500, as query arguments with their
// placeholders, so that an IN list never outgrows either database's limit.
func InBatches(ids []int64, f func(args []any, ph string) error) error {
	for len(ids) > 0 {
		ph, args := In(ids[:min(len(ids), 500)])
		ids = ids[len(args):]
		if err := f(args, ph); err != nil {
			return err
		}
	}
	return nil
}

// Each runs query and calls scan for each row.
func Each(ctx context.Context, q Q, query string, args []any, scan func(rows *sql.Rows) error) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
