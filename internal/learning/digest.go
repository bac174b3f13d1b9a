package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/mail"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// The email digest: to each active member who wants it, one email with what is new in each of
// their communities since their last digest (or since they joined) — threads, replies,
// events still to come, library items, and learnings shared with the community — leaving out
// what they wrote themselves. Each membership's digest_sent_at is claimed (compare-and-set)
// before the email goes, so two runs at once cannot send the same news twice; a failed
// email gives the claim back, for the next run.

// DigestResult counts what a run did.
type DigestResult struct {
	Sent       int `json:"sent"`        // emails sent
	NothingNew int `json:"nothing_new"` // people with nothing new
	Failed     int `json:"failed"`      // emails that could not be sent (tried again next run)
}

func (r DigestResult) String() string {
	return fmt.Sprintf("%d digest%s sent, %d member%s with nothing new, %d failed", r.Sent, cpPlural(r.Sent), r.NothingNew, cpPlural(r.NothingNew), r.Failed)
}

func cpPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// digestMembership is one community of one recipient.
type digestMembership struct {
	CommunityID int64
	Name, Slug  string
	Since       time.Time
	SentAt      sql.NullTime // as read, for the compare-and-set
	News        digestNews
}

// digestRecipient is one person and their communities.
type digestRecipient struct {
	UserID      int64
	Name, Email string
	Communities []*digestMembership
}

// digestItem is one line of the digest.
type digestItem struct {
	Title, Detail, Path string
}

type digestNews struct {
	Threads, Replies, Events, Library, Learnings []digestItem
}

func (n digestNews) empty() bool {
	return len(n.Threads)+len(n.Replies)+len(n.Events)+len(n.Library)+len(n.Learnings) == 0
}

// errDigestClaimed means another run claimed a membership first.
var errDigestClaimed = errors.New("digest already claimed")

// SendDigests emails every member who wants the digest what is new in their communities in
// (their last digest, now], and records digest_sent_at = now for the memberships covered.
func (s *Service) SendDigests(ctx context.Context, now time.Time) (DigestResult, error) {
	var res DigestResult
	if s.Mail == nil {
		return res, errors.New("learning: no mail sender to send the digest with")
	}
	now = now.UTC().Truncate(time.Microsecond)
	recips, err := s.digestRecipients(ctx)
	if err != nil {
		return res, err
	}
	for _, r := range recips {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		empty := true
		for _, m := range r.Communities {
			if m.News, err = s.digestNews(ctx, r.UserID, m, now); err != nil {
				return res, err
			}
			empty = empty && m.News.empty()
		}
		if empty {
			res.NothingNew++
			continue
		}
		msg := s.digestMessage(r)
		err := s.DB.InTx(ctx, func(tx *db.Tx) error { return claimDigest(ctx, tx, r, now) })
		if errors.Is(err, errDigestClaimed) {
			continue
		}
		if err != nil {
			return res, err
		}
		if err := s.Mail.Send(ctx, msg); err != nil {
			res.Failed++
			// Give the claim back so that the next run tries again.
			if rerr := s.DB.InTx(context.WithoutCancel(ctx), func(tx *db.Tx) error { return unclaimDigest(ctx, tx, r, now) }); rerr != nil {
				return res, errors.Join(err, rerr)
			}
			continue
		}
		res.Sent++
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{Action: "community.digest.send", TargetKind: "community", Detail: res.String()})
	})
	return res, err
}

// digestRecipients lists the active members who want the digest, with their communities
// (not archived), grouped by person.
func (s *Service) digestRecipients(ctx context.Context) ([]*digestRecipient, error) {
	var out []*digestRecipient
	err := db.Each(ctx, s.DB, `SELECT m.user_id, u.name, u.email, c.id, c.name, c.slug, m.joined_at, m.digest_sent_at
		FROM community_members m JOIN users u ON u.id = m.user_id JOIN communities c ON c.id = m.community_id
		WHERE m.status = 'active' AND m.digest = ? AND u.disabled_at IS NULL AND c.archived_at IS NULL AND u.email <> ''
		ORDER BY m.user_id, lower(c.name), c.id`, []any{true}, func(rows *sql.Rows) error {
		var uid int64
		var name, email string
		var joined time.Time
		m := &digestMembership{}
		if err := rows.Scan(&uid, &name, &email, &m.CommunityID, &m.Name, &m.Slug, &joined, &m.SentAt); err != nil {
			return err
		}
		m.Since = joined
		if m.SentAt.Valid {
			m.Since = m.SentAt.Time
		}
		if len(out) == 0 || out[len(out)-1].UserID != uid {
			out = append(out, &digestRecipient{UserID: uid, Name: name, Email: email})
		}
		r := out[len(out)-1]
		r.Communities = append(r.Communities, m)
		return nil
	})
	return out, err
}

// digestNews gathers what is new for user in one community in (m.Since, now].
func (s *Service) digestNews(ctx context.Context, user int64, m *digestMembership, now time.Time) (digestNews, error) {
	var n digestNews
	base := "/communities/" + m.Slug
	collect := func(dst *[]digestItem, query string, args []any, item func(rows *sql.Rows) (digestItem, error)) error {
		return db.Each(ctx, s.DB, query, args, func(rows *sql.Rows) error {
			it, err := item(rows)
			*dst = append(*dst, it)
			return err
		})
	}
	win := []any{m.CommunityID, m.Since, now, user}
	err := collect(&n.Threads, `SELECT t.id, t.title, COALESCE(u.name, '') FROM threads t LEFT JOIN users u ON u.id = t.user_id
		WHERE t.community_id = ? AND t.created_at > ? AND t.created_at <= ? AND COALESCE(t.user_id, 0) <> ? ORDER BY t.id`, win,
		func(rows *sql.Rows) (digestItem, error) {
			var id int64
			var it digestItem
			err := rows.Scan(&id, &it.Title, &it.Detail)
			if it.Detail != "" {
				it.Detail = "started by " + it.Detail
			}
			it.Path = base + "/threads/" + cpItoa(id)
			return it, err
		})
	if err != nil {
		return n, err
	}
	err = collect(&n.Replies, `SELECT t.id, t.title, COUNT(*) FROM thread_replies r JOIN threads t ON t.id = r.thread_id
		WHERE t.community_id = ? AND r.created_at > ? AND r.created_at <= ? AND COALESCE(r.user_id, 0) <> ?
		AND NOT (t.created_at > ? AND t.created_at <= ? AND COALESCE(t.user_id, 0) <> ?)
		GROUP BY t.id, t.title ORDER BY t.id`, append(win, m.Since, now, user),
		func(rows *sql.Rows) (digestItem, error) {
			var id int64
			var count int
			var it digestItem
			err := rows.Scan(&id, &it.Title, &count)
			it.Detail = fmt.Sprintf("%d new repl%s", count, map[bool]string{true: "y", false: "ies"}[count == 1])
			it.Path = base + "/threads/" + cpItoa(id)
			return it, err
		})
	if err != nil {
		return n, err
	}
	evs, err := listEvents(ctx, s.DB, `e.community_id = ? AND e.created_at > ? AND e.created_at <= ? AND COALESCE(e.created_by, 0) <> ?
		AND e.cancelled_at IS NULL AND e.ends_at > ?`, append(win, now), "e.starts_at, e.id", 0)
	if err != nil {
		return n, err
	}
	for _, e := range evs {
		n.Events = append(n.Events, digestItem{Title: e.Title, Detail: e.When(), Path: e.URL()})
	}
	err = collect(&n.Library, `SELECT li.title, li.kind FROM library_items li
		WHERE li.community_id = ? AND li.created_at > ? AND li.created_at <= ? AND COALESCE(li.uploaded_by, 0) <> ? ORDER BY li.id`, win,
		func(rows *sql.Rows) (digestItem, error) {
			var it LibraryItem
			err := rows.Scan(&it.Title, &it.Kind)
			return digestItem{Title: it.Title, Detail: it.KindLabel(), Path: base + "/library"}, err
		})
	if err != nil {
		return n, err
	}
	err = collect(&n.Learnings, `SELECT l.id, l.title FROM learnings l
		WHERE l.community_id = ? AND l.created_at > ? AND l.created_at <= ? AND COALESCE(l.created_by, 0) <> ?
		AND l.visibility = 'community' AND l.archived_at IS NULL ORDER BY l.id`, win,
		func(rows *sql.Rows) (digestItem, error) {
			var id int64
			var it digestItem
			err := rows.Scan(&id, &it.Title)
			it.Path = "/learnings/" + cpItoa(id)
			return it, err
		})
	return n, err
}

// claimDigest records now as the digest time of each of r's memberships, provided no other run
// changed it since it was read.
func claimDigest(ctx context.Context, tx *db.Tx, r *digestRecipient, now time.Time) error {
	for _, m := range r.Communities {
		var res sql.Result
		var err error
		if m.SentAt.Valid {
			res, err = tx.Exec(ctx, "UPDATE community_members SET digest_sent_at = ? WHERE community_id = ? AND user_id = ? AND digest_sent_at = ?",
				now, m.CommunityID, r.UserID, m.SentAt.Time)
		} else {
			res, err = tx.Exec(ctx, "UPDATE community_members SET digest_sent_at = ? WHERE community_id = ? AND user_id = ? AND digest_sent_at IS NULL",
				now, m.CommunityID, r.UserID)
		}
		if err := db.Affected(res, err); errors.Is(err, db.ErrNotFound) {
			return errDigestClaimed
		} else if err != nil {
			return err
		}
	}
	return nil
}

// unclaimDigest puts back the digest times claimed for now.
func unclaimDigest(ctx context.Context, tx *db.Tx, r *digestRecipient, now time.Time) error {
	for _, m := range r.Communities {
		var old any
		if m.SentAt.Valid {
			old = m.SentAt.Time
		}
		if _, err := tx.Exec(ctx, "UPDATE community_members SET digest_sent_at = ? WHERE community_id = ? AND user_id = ? AND digest_sent_at = ?",
			old, m.CommunityID, r.UserID, now); err != nil {
			return err
		}
	}
	return nil
}

// digestMessage writes the email.
func (s *Service) digestMessage(r *digestRecipient) mail.Message {
	var with []*digestMembership
	for _, m := range r.Communities {
		if !m.News.empty() {
			with = append(with, m)
		}
	}
	subject := "What is new in your communities of practice"
	if len(with) == 1 {
		subject = "What is new in " + cpOneLine(with[0].Name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\nHere is what is new since your last digest.\n", r.Name)
	section := func(title string, items []digestItem) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s\n", title)
		for _, it := range items {
			b.WriteString("- " + it.Title)
			if it.Detail != "" {
				b.WriteString(" (" + it.Detail + ")")
			}
			b.WriteString("\n  " + s.link(it.Path) + "\n")
		}
	}
	for _, m := range with {
		fmt.Fprintf(&b, "\n%s\n%s\n", m.Name, strings.Repeat("=", min(len([]rune(m.Name)), 70)))
		section("New discussions:", m.News.Threads)
		section("New replies:", m.News.Replies)
		section("Events coming up:", m.News.Events)
		section("New in the library:", m.News.Library)
		section("Learnings shared with the community:", m.News.Learnings)
	}
	b.WriteString("\n--\nYou get this digest as a member of ")
	if len(r.Communities) == 1 {
		b.WriteString("this community")
	} else {
		b.WriteString("these communities")
	}
	b.WriteString(". To stop it, untick “Send me the email digest” on a community's page:\n")
	for _, m := range r.Communities {
		b.WriteString(s.link("/communities/"+m.Slug) + "\n")
	}
	return mail.Message{To: cpMailAddress(r.Name, r.Email), Subject: subject, Text: b.String()}
}

// digestSend serves POST /admin/digest/send: a site admin sends the digests now.
func (h *Web) digestSend(w http.ResponseWriter, r *http.Request) error {
	res, err := h.Svc.SendDigests(r.Context(), h.Svc.Now())
	if err != nil {
		return err
	}
	msg := "Digest run: " + res.String() + "."
	if res.Failed > 0 {
		web.SetFlash(w, r, web.Flash{Kind: "error", Message: msg + " Failed emails are tried again on the next run."})
		http.Redirect(w, r, "/communities", http.StatusSeeOther)
		return nil
	}
	return web.Redirect(w, r, "/communities", msg)
}
