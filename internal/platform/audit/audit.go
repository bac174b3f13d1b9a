// Package audit writes the append-only record of every change: who, what, when, from where
// and with what outcome, in the same transaction as the change itself.
package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/export"
	"github.com/joinedup/joinedup/internal/platform/reqinfo"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Outcomes.
const (
	Success = "success"
	Denied  = "denied"
	Failure = "failure"
)

// Entry is one audit row.
type Entry struct {
	ID         int64
	At         time.Time
	ActorID    int64
	Actor      string
	Action     string // "organisation.create", "auth.login", …
	TargetKind string
	TargetID   int64
	Target     string // a label for the target, kept in case it is later renamed
	Outcome    string
	Detail     string
	RequestID  string
	ClientIP   string
}

// Record writes e in q (the change's transaction), filling the actor and request from ctx.
func Record(ctx context.Context, q db.Q, e Entry) error {
	p := authz.From(ctx)
	if e.ActorID == 0 {
		e.ActorID = p.UserID
	}
	if e.Actor == "" {
		e.Actor = p.Email
		if e.Actor == "" {
			e.Actor = p.Name
		}
		if e.Actor == "" {
			e.Actor = "anonymous"
		}
	}
	if e.Outcome == "" {
		e.Outcome = Success
	}
	ri := reqinfo.From(ctx)
	if e.RequestID == "" {
		e.RequestID = ri.ID
	}
	if e.ClientIP == "" {
		e.ClientIP = ri.ClientIP
	}
	var actorID, targetID any
	if e.ActorID != 0 {
		actorID = e.ActorID
	}
	if e.TargetID != 0 {
		targetID = e.TargetID
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_log (at, actor_id, actor, action, target_kind, target_id, target, outcome, detail, request_id, client_ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		db.Now(), actorID, e.Actor, e.Action, e.TargetKind, targetID, truncate(e.Target, 300), e.Outcome,
		truncate(e.Detail, 4000), e.RequestID, e.ClientIP)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Deny records a refused attempt (outside any transaction, since the change did not happen)
// and returns authz.ErrForbidden for the caller to return.
func Deny(ctx context.Context, q db.Q, action, targetKind string, targetID int64) error {
	_ = Record(ctx, q, Entry{Action: action, TargetKind: targetKind, TargetID: targetID, Outcome: Denied})
	return authz.ErrForbidden
}

func truncate(s string, n int) string { return valid.Truncate(s, n) }

// Filter selects audit rows.
type Filter struct {
	Action     string // prefix, e.g. "organisation."
	Actor      string // substring of the actor label
	TargetKind string
	TargetID   int64
	Outcome    string
	From, To   time.Time
	Before     int64 // cursor: rows with ID < Before
	Limit      int
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	if f.Action != "" {
		conds = append(conds, "action LIKE ?")
		args = append(args, escapeLike(f.Action)+"%")
	}
	if f.Actor != "" {
		conds = append(conds, "lower(actor) LIKE ?")
		args = append(args, "%"+escapeLike(strings.ToLower(f.Actor))+"%")
	}
	if f.TargetKind != "" {
		conds = append(conds, "target_kind = ?")
		args = append(args, f.TargetKind)
	}
	if f.TargetID != 0 {
		conds = append(conds, "target_id = ?")
		args = append(args, f.TargetID)
	}
	if f.Outcome != "" {
		conds = append(conds, "outcome = ?")
		args = append(args, f.Outcome)
	}
	if !f.From.IsZero() {
		conds = append(conds, "at >= ?")
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		conds = append(conds, "at < ?")
		args = append(args, f.To.UTC())
	}
	if f.Before > 0 {
		conds = append(conds, "id < ?")
		args = append(args, f.Before)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

const columns = `id, at, COALESCE(actor_id, 0), actor, action, target_kind, COALESCE(target_id, 0), target, outcome, detail, request_id, client_ip`

// List returns rows matching f, newest first.
func List(ctx context.Context, q db.Q, f Filter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	where, args := f.where()
	where = strings.ReplaceAll(where, "LIKE ?", `LIKE ? ESCAPE '\'`)
	rows, err := q.Query(ctx, "SELECT "+columns+" FROM audit_log"+where+" ORDER BY id DESC LIMIT ?", append(args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.Action, &e.TargetKind, &e.TargetID, &e.Target, &e.Outcome, &e.Detail, &e.RequestID, &e.ClientIP); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WriteCSV streams every row matching f (ignoring Limit) as CSV, in batches.
func WriteCSV(ctx context.Context, q db.Q, f Filter, w io.Writer) error {
	cw, err := export.NewCSV(w, "id", "at", "actor_id", "actor", "action", "target_kind", "target_id", "target", "outcome", "detail", "request_id", "client_ip")
	if err != nil {
		return err
	}
	f.Limit = 1000
	for {
		batch, err := List(ctx, q, f)
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := cw.Row(strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), strconv.FormatInt(e.ActorID, 10),
				e.Actor, e.Action, e.TargetKind, strconv.FormatInt(e.TargetID, 10), e.Target, e.Outcome, e.Detail, e.RequestID, e.ClientIP); err != nil {
				return err
			}
		}
		if len(batch) < f.Limit || ctx.Err() != nil {
			return errors.Join(cw.Close(), ctx.Err())
		}
		f.Before = batch[len(batch)-1].ID
	}
}
