package learning

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Discussion threads of a community, with replies: for its members and those who manage it.
// Bodies are Markdown, rendered through Markdown (raw HTML off).

const (
	maxThreadTitle = 200
	maxThreadBody  = 20_000
	threadsPerPage = 50
)

// Thread is a discussion thread.
type Thread struct {
	ID            int64     `json:"id"`
	CommunityID   int64     `json:"community_id"`
	CommunitySlug string    `json:"community_slug"`
	WorkgroupID   int64     `json:"workgroup_id,omitempty"`
	WorkgroupName string    `json:"workgroup_name,omitempty"`
	Title         string    `json:"title"`
	Body          string    `json:"body"`
	UserID        int64     `json:"user_id,omitempty"`
	Author        string    `json:"author"`
	CreatedAt     time.Time `json:"created_at"`
	LastReplyAt   time.Time `json:"last_reply_at"`
	Replies       int       `json:"reply_count"`
}

// URL is the thread's page.
func (t Thread) URL() string {
	return "/communities/" + t.CommunitySlug + "/threads/" + cpItoa(t.ID)
}

// Reply is a reply in a thread.
type Reply struct {
	ID        int64     `json:"id"`
	ThreadID  int64     `json:"thread_id"`
	Body      string    `json:"body"`
	UserID    int64     `json:"user_id,omitempty"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

// ThreadInput starts a thread.
type ThreadInput struct {
	Title       string `json:"title"`
	Body        string `json:"body"`
	WorkgroupID int64  `json:"workgroup_id,omitempty"`
}

// ReplyInput is a reply.
type ReplyInput struct {
	Body string `json:"body"`
}

// ThreadView is a thread with its replies and the community it belongs to.
type ThreadView struct {
	Access  Access  `json:"-"`
	Thread  Thread  `json:"thread"`
	Replies []Reply `json:"replies"`
}

const threadColumns = `t.id, t.community_id, c.slug, COALESCE(t.workgroup_id, 0), COALESCE(w.name, ''), t.title, t.body,
	COALESCE(t.user_id, 0), COALESCE(u.name, 'A former member'), t.created_at, t.last_reply_at, t.replies`

const threadFrom = ` FROM threads t JOIN communities c ON c.id = t.community_id LEFT JOIN workgroups w ON w.id = t.workgroup_id
	LEFT JOIN users u ON u.id = t.user_id`

func scanThread(row interface{ Scan(...any) error }) (Thread, error) {
	var t Thread
	err := row.Scan(&t.ID, &t.CommunityID, &t.CommunitySlug, &t.WorkgroupID, &t.WorkgroupName, &t.Title, &t.Body,
		&t.UserID, &t.Author, &t.CreatedAt, &t.LastReplyAt, &t.Replies)
	return t, db.MapError(err)
}

func listThreads(ctx context.Context, q db.Q, where string, args []any, order string, limit int) ([]Thread, error) {
	query := "SELECT " + threadColumns + threadFrom + " WHERE " + where + " ORDER BY " + order
	if limit > 0 {
		query += " LIMIT " + cpItoa(int64(limit))
	}
	var out []Thread
	err := db.Each(ctx, q, query, args, func(rows *sql.Rows) error {
		t, err := scanThread(rows)
		out = append(out, t)
		return err
	})
	return out, err
}

// inside loads a community for its members' parts: those outside get ErrForbidden (the
// community itself is public, so they know it exists).
func (s *Service) inside(ctx context.Context, ref string) (Access, error) {
	a, err := s.Community(ctx, ref)
	if err != nil {
		return a, err
	}
	if !a.Inside() {
		return a, authz.ErrForbidden
	}
	return a, nil
}

// Threads lists a community's threads, most recently active first (workgroupID: only that
// workgroup's; 0: all), for its members.
func (s *Service) Threads(ctx context.Context, ref string, workgroupID int64, limit int) (Access, []Thread, error) {
	a, err := s.inside(ctx, ref)
	if err != nil {
		return a, nil, err
	}
	where, args := "t.community_id = ?", []any{a.Community.ID}
	if workgroupID != 0 {
		where += " AND t.workgroup_id = ?"
		args = append(args, workgroupID)
	}
	ts, err := listThreads(ctx, s.DB, where, args, "t.last_reply_at DESC, t.id DESC", limit)
	return a, ts, err
}

// ThreadsPage lists a community's threads for the API, newest first, by ID before the cursor.
func (s *Service) ThreadsPage(ctx context.Context, ref string, pg api.Page) ([]Thread, error) {
	a, err := s.inside(ctx, ref)
	if err != nil {
		return nil, err
	}
	where, args := "t.community_id = ?", []any{a.Community.ID}
	if pg.After > 0 {
		where += " AND t.id < ?"
		args = append(args, pg.After)
	}
	return listThreads(ctx, s.DB, where, args, "t.id DESC", pg.Limit+1)
}

// Thread loads a thread with its replies, for the community's members.
func (s *Service) Thread(ctx context.Context, ref string, id int64) (ThreadView, error) {
	a, err := s.inside(ctx, ref)
	if err != nil {
		return ThreadView{}, err
	}
	t, err := scanThread(s.DB.QueryRow(ctx, "SELECT "+threadColumns+threadFrom+" WHERE t.id = ? AND t.community_id = ?", id, a.Community.ID))
	if err != nil {
		return ThreadView{}, err
	}
	v := ThreadView{Access: a, Thread: t, Replies: []Reply{}}
	err = db.Each(ctx, s.DB, `SELECT r.id, r.thread_id, r.body, COALESCE(r.user_id, 0), COALESCE(u.name, 'A former member'), r.created_at
		FROM thread_replies r LEFT JOIN users u ON u.id = r.user_id WHERE r.thread_id = ? ORDER BY r.id`, []any{id},
		func(rows *sql.Rows) error {
			var r Reply
			err := rows.Scan(&r.ID, &r.ThreadID, &r.Body, &r.UserID, &r.Author, &r.CreatedAt)
			v.Replies = append(v.Replies, r)
			return err
		})
	return v, err
}

// indexThread makes a thread findable by the members of its community (and site admins).
func indexThread(ctx context.Context, q db.Q, t Thread) error {
	return search.Index(ctx, q, search.Doc{Kind: ThreadKind, RecordID: t.ID, Title: t.Title, Body: MarkdownText(t.Body), URL: t.URL(),
		Visibility: search.VisCommunity, CommunityID: t.CommunityID})
}

func cpCheckBody(c *valid.Checker, field, body string) {
	if strings.TrimSpace(body) == "" {
		c.Add(field, "Write something first.")
	}
	c.MaxLen(field, body, maxThreadBody)
}

// CreateThread starts a thread in a community (its members and those who manage it).
func (s *Service) CreateThread(ctx context.Context, ref string, in ThreadInput) (Thread, error) {
	p := authz.From(ctx)
	a, err := s.Community(ctx, ref)
	if err != nil {
		return Thread{}, err
	}
	if !a.Inside() || !p.SignedIn() {
		return Thread{}, audit.Deny(ctx, s.DB, "thread.create", "community", a.Community.ID)
	}
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	var c valid.Checker
	c.Text("title", in.Title, "a title", maxThreadTitle)
	cpCheckBody(&c, "body", in.Body)
	if in.WorkgroupID < 0 {
		c.Add("workgroup_id", "Choose a workgroup from the list.")
	}
	if err := c.Err(); err != nil {
		return Thread{}, err
	}
	var t Thread
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkEventRefs(ctx, tx, a.Community.ID, EventInput{WorkgroupID: in.WorkgroupID}); err != nil {
			return err
		}
		now := s.Now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO threads (community_id, workgroup_id, title, body, user_id, created_at, last_reply_at, replies)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0) RETURNING id`, a.Community.ID, cpNullID(in.WorkgroupID), in.Title, in.Body, p.UserID, now, now).Scan(&id); err != nil {
			return db.MapError(err)
		}
		if t, err = scanThread(tx.QueryRow(ctx, "SELECT "+threadColumns+threadFrom+" WHERE t.id = ?", id)); err != nil {
			return err
		}
		if err := indexThread(ctx, tx, t); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "thread.create", TargetKind: "thread", TargetID: id, Target: t.Title})
	})
	return t, err
}

// Reply adds a reply to a thread (the community's members and those who manage it).
func (s *Service) Reply(ctx context.Context, ref string, threadID int64, in ReplyInput) (Reply, error) {
	p := authz.From(ctx)
	v, err := s.Thread(ctx, ref, threadID)
	if err != nil {
		return Reply{}, err
	}
	if !p.SignedIn() {
		return Reply{}, authz.ErrForbidden
	}
	in.Body = strings.TrimSpace(in.Body)
	var c valid.Checker
	cpCheckBody(&c, "body", in.Body)
	if err := c.Err(); err != nil {
		return Reply{}, err
	}
	r := Reply{ThreadID: threadID, Body: in.Body, UserID: p.UserID, Author: p.Name, CreatedAt: s.Now()}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO thread_replies (thread_id, body, user_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			threadID, in.Body, p.UserID, r.CreatedAt).Scan(&r.ID); err != nil {
			return db.MapError(err)
		}
		if err := db.Affected(tx.Exec(ctx, "UPDATE threads SET replies = replies + 1, last_reply_at = ? WHERE id = ?", r.CreatedAt, threadID)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "thread.reply", TargetKind: "thread", TargetID: threadID, Target: v.Thread.Title})
	})
	return r, err
}
