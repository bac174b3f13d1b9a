package engagement

// The opinion map's data in Pol.is's export format, so that tools written for Pol.is exports
// (its report, red-dwarf, notebooks) read ours unchanged: summary.csv, comments.csv,
// votes.csv, participant-votes.csv and comment-groups.csv.
//
// The file names, the column names and their order are Pol.is's own, from
// compdemocracy/polis, server/src/routes/export.ts (commit 3bc0a845b011a5e02c8f4596e436c5683850fa6c):
// loadConversationSummary (summary.csv: rows of name,value without a header — topic, url,
// voters, voters-in-conv, commenters, comments, groups, conversation-description),
// sendCommentSummary (comments.csv), sendVotesSummary (votes.csv),
// sendParticipantVotesSummary (participant-votes.csv: six columns then one per comment) and
// sendCommentGroupsSummary (comment-groups.csv: six columns then four per group,
// group-a-votes …). As there, a vote is 1 agree, -1 disagree, 0 pass; timestamp is Unix
// seconds and datetime JavaScript's Date.toString() (in UTC); group-id counts from 0 and
// group letters from a.
//
// Our choices where Pol.is has none to copy: a "comment" is a statement on show (pending and
// hidden statements, and their votes, are left out of every file: what moderators took off
// show is not republished); participant and voter IDs are the participant's row number, which
// says nothing about who they are (no token, no email, no account); author-id is empty for a
// statement seeded by staff; moderated is 1 for a statement a moderator accepted or staff
// seeded, 0 for one shown without moderation. Group figures come from the latest computed
// map, like Pol.is's, which reads them from its math results. The files are open data:
// anyone who may see the engagement may download them. Text cells that a spreadsheet would
// run as a formula are neutralised (export.SafeCell); numbers are written as they are.

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/export"
)

// PolisFile is one file of the Pol.is export.
type PolisFile struct {
	Name  string
	Title string
	About string
}

// PolisFiles are the files of the Pol.is export, in Pol.is's order.
var PolisFiles = []PolisFile{
	{"summary.csv", "Summary", "The engagement's title and address, and the counts of voters, voters on the map, people who wrote statements, statements and groups."},
	{"comments.csv", "Statements", "Every statement on show, with when it was added, who added it (a number, not a name), and its agree and disagree counts."},
	{"votes.csv", "Votes", "Every vote, one a row: when, on which statement, by which participant (a number), and the vote (1 agree, -1 disagree, 0 pass)."},
	{"participant-votes.csv", "Votes by participant", "One row a participant, with their opinion group and their vote on each statement (a column a statement; empty when they did not vote on it)."},
	{"comment-groups.csv", "Statements by group", "One row a statement, with its votes, agrees, disagrees and passes in total and in each opinion group."},
}

// The header lines, as Pol.is writes them (see the top of the file).
var (
	polisCommentsHeader         = []string{"timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated", "comment-body"}
	polisVotesHeader            = []string{"timestamp", "datetime", "comment-id", "voter-id", "vote"}
	polisParticipantVotesHeader = []string{"participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"}
	polisCommentGroupsHeader    = []string{"comment-id", "comment", "total-votes", "total-agrees", "total-disagrees", "total-passes"}
	polisSummaryRows            = []string{"topic", "url", "voters", "voters-in-conv", "commenters", "comments", "groups", "conversation-description"}
)

// IsPolisFile reports whether name is a file of the export.
func IsPolisFile(name string) bool {
	return slices.ContainsFunc(PolisFiles, func(f PolisFile) bool { return f.Name == name })
}

// PolisExport loads the engagement (ID or slug) whose opinion map the principal may download:
// any engagement that runs a map and that they may see.
func (s *Service) PolisExport(ctx context.Context, key string) (Engagement, error) {
	return s.mapEngagement(ctx, key, false)
}

// polisDatetime is JavaScript's Date.prototype.toString() of t, in UTC.
func polisDatetime(t time.Time) string {
	return t.UTC().Format("Mon Jan 02 2006 15:04:05 GMT-0700") + " (Coordinated Universal Time)"
}

func polisTimestamp(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func itoa(n int) string { return strconv.Itoa(n) }

func id64(n int64) string { return strconv.FormatInt(n, 10) }

// csvOut writes CSV rows, flushing every 500 rows. Text cells go through csvText(); numbers
// are written as they are.
type csvOut struct {
	w     *csv.Writer
	n     int
	flush func()
}

func newCSVOut(w io.Writer, flush func()) *csvOut {
	if flush == nil {
		flush = func() {}
	}
	return &csvOut{w: csv.NewWriter(w), flush: flush}
}

// text neutralises a text cell a spreadsheet would run as a formula.
func csvText(s string) string { return export.SafeCell(s) }

func (c *csvOut) row(cells ...string) error {
	if err := c.w.Write(cells); err != nil {
		return err
	}
	c.n++
	if c.n%500 == 0 {
		c.w.Flush()
		c.flush()
	}
	return c.w.Error()
}

func (c *csvOut) close() error {
	c.w.Flush()
	c.flush()
	return c.w.Error()
}

// WritePolis writes one file of the Pol.is export of e to w (flush, if not nil, is called as
// rows are flushed, so that a large file streams). name must be one of PolisFiles.
func (s *Service) WritePolis(ctx context.Context, e Engagement, name string, w io.Writer, flush func()) error {
	out := newCSVOut(w, flush)
	var err error
	switch name {
	case "summary.csv":
		err = s.polisSummary(ctx, e, out)
	case "comments.csv":
		err = s.polisComments(ctx, e, out)
	case "votes.csv":
		err = s.polisVotes(ctx, e, out)
	case "participant-votes.csv":
		err = s.polisParticipantVotes(ctx, e, out)
	case "comment-groups.csv":
		err = s.polisCommentGroups(ctx, e, out)
	default:
		return db.ErrNotFound
	}
	if err != nil {
		return err
	}
	return out.close()
}

func (s *Service) polisSummary(ctx context.Context, e Engagement, out *csvOut) error {
	onShow, err := s.statementsOnShow(ctx, e.ID)
	if err != nil {
		return err
	}
	var commenters int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(DISTINCT participant_id) FROM engagement_statements
		WHERE engagement_id = ? AND status = 'visible' AND participant_id IS NOT NULL`, e.ID).Scan(&commenters); err != nil {
		return err
	}
	st, err := s.storedMapOf(ctx, e.ID)
	if err != nil {
		return err
	}
	voters, inConv, comments, groups := 0, 0, len(onShow), 0
	if st != nil {
		voters, inConv, comments, groups = st.Participants, st.OnMap, len(st.Statements), len(st.Groups)
	} else if err := s.DB.QueryRow(ctx, `SELECT COUNT(DISTINCT v.participant_id) FROM engagement_votes v
		JOIN engagement_statements s ON s.id = v.statement_id WHERE v.engagement_id = ? AND s.status = 'visible'`, e.ID).Scan(&voters); err != nil {
		return err
	}
	base := ""
	if s.BaseURL != nil {
		base = s.BaseURL()
	}
	desc := e.Summary
	if desc == "" {
		desc = e.Purpose
	}
	values := []string{csvText(e.Title), csvText(base + e.URL()), itoa(voters), itoa(inConv), itoa(commenters), itoa(comments), itoa(groups), csvText(desc)}
	for i, name := range polisSummaryRows {
		if err := out.row(name, values[i]); err != nil {
			return err
		}
	}
	return nil
}

// polisStatement is a statement on show with what comments.csv needs.
type polisStatement struct {
	id, author        int64
	text              string
	created           time.Time
	moderated         bool
	agrees, disagrees int
}

func (s *Service) polisStatements(ctx context.Context, e Engagement) ([]polisStatement, error) {
	var out []polisStatement
	err := db.Each(ctx, s.DB, `SELECT id, participant_id, text, created_at, moderated_at IS NOT NULL FROM engagement_statements
		WHERE engagement_id = ? AND status = 'visible' ORDER BY id`, []any{e.ID}, func(rows *sql.Rows) error {
		var st polisStatement
		var author sql.Null[int64]
		if err := rows.Scan(&st.id, &author, &st.text, &st.created, &st.moderated); err != nil {
			return err
		}
		st.author = author.V
		st.moderated = st.moderated || !author.Valid // staff seeds count as accepted
		out = append(out, st)
		return nil
	})
	return out, err
}

func (s *Service) polisComments(ctx context.Context, e Engagement, out *csvOut) error {
	sts, err := s.polisStatements(ctx, e)
	if err != nil {
		return err
	}
	at := map[int64]int{}
	for i, st := range sts {
		at[st.id] = i
	}
	err = db.Each(ctx, s.DB, "SELECT statement_id, vote, COUNT(*) FROM engagement_votes WHERE engagement_id = ? GROUP BY statement_id, vote",
		[]any{e.ID}, func(rows *sql.Rows) error {
			var id int64
			var v, n int
			if err := rows.Scan(&id, &v, &n); err != nil {
				return err
			}
			if i, ok := at[id]; ok {
				switch v {
				case VoteAgree:
					sts[i].agrees += n
				case VoteDisagree:
					sts[i].disagrees += n
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	if err := out.row(polisCommentsHeader...); err != nil {
		return err
	}
	for _, st := range sts {
		author, mod := "", "0"
		if st.author != 0 {
			author = id64(st.author)
		}
		if st.moderated {
			mod = "1"
		}
		if err := out.row(polisTimestamp(st.created), polisDatetime(st.created), id64(st.id), author, itoa(st.agrees), itoa(st.disagrees), mod, csvText(st.text)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) polisVotes(ctx context.Context, e Engagement, out *csvOut) error {
	if err := out.row(polisVotesHeader...); err != nil {
		return err
	}
	return db.Each(ctx, s.DB, `SELECT v.voted_at, v.statement_id, v.participant_id, v.vote FROM engagement_votes v
		JOIN engagement_statements s ON s.id = v.statement_id
		WHERE v.engagement_id = ? AND s.status = 'visible' ORDER BY v.statement_id, v.participant_id`, []any{e.ID}, func(rows *sql.Rows) error {
		var at time.Time
		var sid, pid int64
		var v int
		if err := rows.Scan(&at, &sid, &pid, &v); err != nil {
			return err
		}
		return out.row(polisTimestamp(at), polisDatetime(at), id64(sid), id64(pid), itoa(v))
	})
}

func (s *Service) polisParticipantVotes(ctx context.Context, e Engagement, out *csvOut) error {
	sts, err := s.statementsOnShow(ctx, e.ID)
	if err != nil {
		return err
	}
	col := make(map[int64]int, len(sts))
	header := slices.Clone(polisParticipantVotesHeader)
	for i, st := range sts {
		col[st.id] = i
		header = append(header, id64(st.id))
	}
	authored := map[int64]int{}
	err = db.Each(ctx, s.DB, `SELECT participant_id, COUNT(*) FROM engagement_statements
		WHERE engagement_id = ? AND status = 'visible' AND participant_id IS NOT NULL GROUP BY participant_id`, []any{e.ID}, func(rows *sql.Rows) error {
		var pid int64
		var n int
		if err := rows.Scan(&pid, &n); err != nil {
			return err
		}
		authored[pid] = n
		return nil
	})
	if err != nil {
		return err
	}
	members, _, err := s.mapMembers(ctx, e.ID)
	if err != nil {
		return err
	}
	if err := out.row(header...); err != nil {
		return err
	}
	cells := make([]string, len(header))
	cur := int64(0)
	var nVotes, nAgree, nDisagree int
	emit := func() error {
		if cur == 0 {
			return nil
		}
		cells[0] = id64(cur)
		cells[1] = ""
		if g, ok := members[cur]; ok {
			cells[1] = itoa(g)
		}
		cells[2], cells[3], cells[4], cells[5] = itoa(authored[cur]), itoa(nVotes), itoa(nAgree), itoa(nDisagree)
		err := out.row(cells...)
		clear(cells)
		nVotes, nAgree, nDisagree = 0, 0, 0
		return err
	}
	err = db.Each(ctx, s.DB, "SELECT participant_id, statement_id, vote FROM engagement_votes WHERE engagement_id = ? ORDER BY participant_id",
		[]any{e.ID}, func(rows *sql.Rows) error {
			var pid, sid int64
			var v int
			if err := rows.Scan(&pid, &sid, &v); err != nil {
				return err
			}
			i, ok := col[sid]
			if !ok {
				return nil
			}
			if pid != cur {
				if err := emit(); err != nil {
					return err
				}
				cur = pid
			}
			cells[len(polisParticipantVotesHeader)+i] = itoa(v)
			nVotes++
			switch v {
			case VoteAgree:
				nAgree++
			case VoteDisagree:
				nDisagree++
			}
			return nil
		})
	if err != nil {
		return err
	}
	return emit()
}

func (s *Service) polisCommentGroups(ctx context.Context, e Engagement, out *csvOut) error {
	st, err := s.storedMapOf(ctx, e.ID)
	if err != nil {
		return err
	}
	onShow, err := s.statementsOnShow(ctx, e.ID)
	if err != nil {
		return err
	}
	text0 := make(map[int64]string, len(onShow))
	for _, o := range onShow {
		text0[o.id] = o.text
	}
	header := slices.Clone(polisCommentGroupsHeader)
	groups := 0
	if st != nil {
		groups = len(st.Groups)
	}
	for g := range groups {
		l := string(rune('a' + g))
		header = append(header, "group-"+l+"-votes", "group-"+l+"-agrees", "group-"+l+"-disagrees", "group-"+l+"-passes")
	}
	if err := out.row(header...); err != nil {
		return err
	}
	if st == nil {
		return nil
	}
	for _, ms := range st.Statements {
		t, ok := text0[ms.ID]
		if !ok {
			continue
		}
		var tv, ta, td, tp int
		var per []string
		for _, gv := range ms.Groups {
			tv, ta, td, tp = tv+gv.Votes, ta+gv.Agree, td+gv.Disagree, tp+gv.Pass
			per = append(per, itoa(gv.Votes), itoa(gv.Agree), itoa(gv.Disagree), itoa(gv.Pass))
		}
		if len(ms.Groups) != groups {
			return fmt.Errorf("engagement %d: statement %d has %d groups in a map of %d", e.ID, ms.ID, len(ms.Groups), groups)
		}
		row := append([]string{id64(ms.ID), csvText(t), itoa(tv), itoa(ta), itoa(td), itoa(tp)}, per...)
		if err := out.row(row...); err != nil {
			return err
		}
	}
	return nil
}
