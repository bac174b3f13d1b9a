package engagement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/stats"
)

// ---- helpers ----

// mapInput is an engagement of A with a form, demographic questions and an opinion map.
func (f *fixture) mapInput(title, moderation string) Input {
	in := f.input(title)
	in.HasMap, in.Moderation, in.StatementLimit, in.ReportThreshold = true, moderation, 3, 3
	in.Questionnaire = &forms.Questionnaire{Title: "Your views", Questions: []forms.Question{
		{ID: "views", Type: forms.Textarea, Text: "What matters most to you about buses in Logan?", Required: true},
		{ID: "often", Type: forms.Single, Text: "How often do you take the bus?", Options: []forms.Option{{Value: "daily", Label: "Every day"}, {Value: "rarely", Label: "Rarely"}}},
	}}
	in.Demographics = &forms.Questionnaire{Title: "About you", Questions: []forms.Question{
		{ID: "age", Type: forms.Single, Text: "Your age group", Options: []forms.Option{{Value: "under-25", Label: "Under 25"}, {Value: "25-64", Label: "25 to 64"}, {Value: "65-plus", Label: "65 or over"}}},
	}}
	return in
}

// mapped publishes an engagement with an opinion map and seeds n statements.
func (f *fixture) mapped(t *testing.T, title, moderation string, n int) Detail {
	t.Helper()
	e := f.published(t, f.mapInput(title, moderation))
	for i := range n {
		if _, err := f.s.SeedStatement(f.as("manager-a"), e.Key(), fmt.Sprintf("Seed statement number %d about buses.", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(f.s.StopVotes)
	return e
}

// pt is participant n.
func pt(n int) Identity { return Identity{Hash: HashToken(fmt.Sprintf("participant-token-%06d", n))} }

func visibleIDs(t *testing.T, f *fixture, e Detail) []int64 {
	t.Helper()
	sts, err := f.s.Statements(f.as("anonymous"), e.Key(), "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, s := range sts {
		ids = append(ids, s.ID)
	}
	return ids
}

func statementStatus(t *testing.T, d *db.DB, id int64) ModeratedStatement {
	t.Helper()
	st, err := statementByID(context.Background(), d, id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// ---- identity ----

func TestIdentify(t *testing.T) {
	const eid = 7
	tok := "0123456789abcdef0123456789abcdef"
	other := "an-api-client-participant-42"
	for _, c := range []struct {
		name           string
		cookie, header string
		headers        int
		want           string
		err            error
	}{
		{"nothing", "", "", 0, "", nil},
		{"cookie", tok, "", 0, HashToken(tok), nil},
		{"header", "", other, 1, HashToken(other), nil},
		{"both: the header wins", tok, other, 1, HashToken(other), nil},
		{"a header too short", tok, "short-token", 1, "", ErrBadParticipant},
		{"a header too long", "", strings.Repeat("x", 129), 1, "", ErrBadParticipant},
		{"a header with a space", "", "has a space in the middle", 1, "", ErrBadParticipant},
		{"two headers", "", other, 2, "", ErrBadParticipant},
		{"a tampered cookie is none", "bad cookie", "", 0, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if c.cookie != "" {
				r.Header.Set("Cookie", ParticipantCookie(eid)+"="+strings.ReplaceAll(c.cookie, " ", "%20"))
			}
			for range c.headers {
				r.Header.Add(ParticipantHeader, c.header)
			}
			id, err := Identify(r, eid)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err == nil && id.Hash != c.want {
				t.Errorf("hash %q, want %q", id.Hash, c.want)
			}
		})
	}
	// The cookie of another engagement is not this one's.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", ParticipantCookie(8)+"="+tok)
	if id, _ := Identify(r, eid); id.Known() {
		t.Error("engagement 8's cookie identified a participant of engagement 7")
	}
	if len(HashToken(tok)) != 64 || HashToken(tok) == tok {
		t.Error("tokens must be stored as their SHA-256")
	}
	// A signed-in participant brings their account.
	r = httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(authz.With(r.Context(), authz.Principal{UserID: 5}))
	if id, _ := Identify(r, eid); id.UserID != 5 {
		t.Errorf("user %d, want 5", id.UserID)
	}
}

// ---- statements ----

func TestNormalizeStatement(t *testing.T) {
	for in, want := range map[string]string{
		"  Buses   should\n\nrun  later. ": "Buses should run later.",
		"Tabs\tand\r\nlines":               "Tabs and lines",
		"zero\u200bwidth\u00a0space":       "zerowidth space",
		"bell\x07 and nul\x00":             "bell and nul",
		"bad \xff utf-8":                   "bad utf-8",
		"émojis 🚌 stay":                    "émojis 🚌 stay",
		"\u202eright-to-left override":     "right-to-left override",
		"":                                 "",
		" \n\t ":                           "",
	} {
		if got := NormalizeStatement(in); got != want {
			t.Errorf("NormalizeStatement(%q) = %q, want %q", in, got, want)
		}
	}
	if err := checkStatement(strings.Repeat("é", MaxStatement)); err != nil {
		t.Errorf("280 characters refused: %v", err)
	}
	if err := checkStatement(strings.Repeat("é", MaxStatement+1)); err == nil {
		t.Error("281 characters accepted")
	}
}

func TestStatementRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		post := f.mapped(t, "Buses after dark", ModeratePost, 1)
		pre := f.mapped(t, "Buses by day", ModeratePre, 0)
		anon := f.as("anonymous")

		// Length, limits and duplicates.
		_, err := f.s.AddStatement(anon, post.Key(), pt(1), " \n ")
		wantField(t, "an empty statement", err, "text")
		_, err = f.s.AddStatement(anon, post.Key(), pt(1), strings.Repeat("a", 281))
		wantField(t, "281 characters", err, "text")
		_, err = f.s.AddStatement(anon, post.Key(), Identity{}, "Who am I?")
		wantCode(t, "no participant", err, ErrNoParticipant)
		_, err = f.s.AddStatement(anon, post.Key(), pt(1), "SEED statement number 1 about buses.")
		wantField(t, "a duplicate (case aside)", err, "text")
		for i := range 3 {
			st, err := f.s.AddStatement(anon, post.Key(), pt(1), fmt.Sprintf("Late buses on route %d.", i))
			if err != nil {
				t.Fatal(err)
			}
			if st.Status != StatementVisible || st.Seed {
				t.Errorf("post-moderated statement: %+v", st)
			}
		}
		_, err = f.s.AddStatement(anon, post.Key(), pt(1), "A fourth statement.")
		wantField(t, "over the limit of 3", err, "text")
		if _, err := f.s.AddStatement(anon, post.Key(), pt(2), "A fourth statement."); err != nil {
			t.Errorf("another participant's first statement: %v", err)
		}
		a, err := f.s.Allowance(anon, post.Engagement, pt(1))
		if err != nil || a.Added != 3 || a.Left != 0 {
			t.Errorf("allowance %+v %v", a, err)
		}
		if n := len(visibleIDs(t, f, post)); n != 5 {
			t.Errorf("%d statements on show, want 5 (1 seed + 4)", n)
		}

		// Pre-moderation: pending, not on show, not votable, until accepted.
		st, err := f.s.AddStatement(anon, pre.Key(), pt(3), "Buses should be free for children.")
		if err != nil || st.Status != StatementPending {
			t.Fatalf("pre-moderated statement: %+v %v", st, err)
		}
		if ids := visibleIDs(t, f, pre); len(ids) != 0 {
			t.Errorf("a pending statement is on show: %v", ids)
		}
		err = f.s.Vote(anon, pre.Key(), pt(4), "", st.ID, VoteAgree)
		wantField(t, "a vote on a pending statement", err, "statement")
		if _, err := f.s.ModerateStatement(f.as("viewer-a"), pre.Key(), st.ID, DecisionAccept, ""); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a viewer moderates: %v", err)
		}
		if _, err := f.s.ModerateStatement(f.as("manager-a"), pre.Key(), st.ID, DecisionAccept, ""); err != nil {
			t.Fatal(err)
		}
		if ids := visibleIDs(t, f, pre); !slices.Equal(ids, []int64{st.ID}) {
			t.Errorf("accepted statement not on show: %v", ids)
		}
		if err := f.s.Vote(anon, pre.Key(), pt(4), "", st.ID, VoteAgree); err != nil {
			t.Errorf("a vote on an accepted statement: %v", err)
		}

		// Seeds: managers only, audited.
		if _, err := f.s.SeedStatement(f.as("contributor-a"), post.Key(), "A contributor's seed."); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a contributor seeds: %v", err)
		}
		if n := auditCount(t, d, "engagement.statement_seed", post.ID); n != 1 {
			t.Errorf("%d seed audit rows, want 1", n)
		}

		// Staff lists by status; the public sees only those on show.
		if _, err := f.s.Statements(anon, pre.Key(), "pending", 0, 10); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("the public lists pending statements: %v", err)
		}
		all, err := f.s.Statements(f.as("manager-a"), post.Key(), "all", 0, 100)
		if err != nil || len(all) != 5 {
			t.Errorf("all statements: %d %v", len(all), err)
		}

		// A closed engagement takes no statements.
		if _, _, err := f.s.SetStatus(f.as("manager-a"), post.Key(), StatusClosed); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.AddStatement(anon, post.Key(), pt(9), "Too late now.")
		var ce *ClosedError
		if !errors.As(err, &ce) {
			t.Errorf("a statement to a closed engagement: %v", err)
		}
		// No map, no statements.
		plain := f.published(t, f.input("No map here"))
		_, err = f.s.AddStatement(anon, plain.Key(), pt(1), "Hello.")
		wantCode(t, "a statement without a map", err, db.ErrNotFound)
	})
}

func TestReportsAndModeration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.mapped(t, "Reported buses", ModeratePost, 2)
		anon := f.as("anonymous")
		ids := visibleIDs(t, f, e)
		target := ids[0]

		// Reports count once per reporter; the third hides the statement.
		r, err := f.s.ReportStatement(anon, e.Key(), target, pt(1), "10.0.0.1", "Rude.")
		if err != nil || !r.Counted || r.Hidden {
			t.Fatalf("first report: %+v %v", r, err)
		}
		r, _ = f.s.ReportStatement(anon, e.Key(), target, pt(1), "10.0.0.1", "Rude again.")
		if r.Counted {
			t.Error("the same participant's second report counted")
		}
		r, _ = f.s.ReportStatement(anon, e.Key(), target, Identity{}, "10.0.0.2", "")
		if !r.Counted || r.Hidden {
			t.Errorf("second reporter: %+v", r)
		}
		if st := statementStatus(t, d, target); st.Status != StatementVisible || st.Reports != 2 {
			t.Errorf("after 2 reports: %+v", st)
		}
		r, _ = f.s.ReportStatement(anon, e.Key(), target, pt(3), "10.0.0.3", "")
		if !r.Counted || !r.Hidden {
			t.Errorf("third report should hide: %+v", r)
		}
		st := statementStatus(t, d, target)
		if st.Status != StatementHidden || !st.AwaitingDecision() || st.Reason != AutoHiddenReason || st.ModeratedAt == nil {
			t.Errorf("hidden by reports: %+v", st)
		}
		if n := auditCount(t, d, "engagement.statement_autohide", e.ID); n != 1 {
			t.Errorf("%d autohide audit rows", n)
		}
		// Hidden statements leave the map and take no votes.
		if slices.Contains(visibleIDs(t, f, e), target) {
			t.Error("a hidden statement is still listed")
		}
		err = f.s.Vote(anon, e.Key(), pt(5), "", target, VoteDisagree)
		wantField(t, "a vote on a hidden statement", err, "statement")

		// The queue shows it; the moderator restores it with a reason, audited.
		_, q, err := f.s.ModerationQueue(f.as("manager-a"), e.Key())
		if err != nil || len(q.Reported) != 1 || q.Reported[0].ID != target {
			t.Fatalf("queue: %+v %v", q, err)
		}
		if _, _, err := f.s.ModerationQueue(f.as("contributor-a"), e.Key()); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a contributor's queue: %v", err)
		}
		_, err = f.s.ModerateStatement(f.as("manager-a"), e.Key(), target, DecisionRestore, "  ")
		wantField(t, "a restore without a reason", err, "reason")
		_, err = f.s.ModerateStatement(f.as("manager-a"), e.Key(), target, "delete", "Because.")
		wantField(t, "an unknown decision", err, "decision")
		if _, err := f.s.ModerateStatement(f.as("admin-c"), e.Key(), target, DecisionRestore, "Fine."); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("another organisation's admin moderates: %v", err)
		}
		m, err := f.s.ModerateStatement(f.as("manager-a"), e.Key(), target, DecisionRestore, "Robust but not abusive.")
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != StatementVisible || m.Reports != 0 || m.Reason != "Robust but not abusive." || m.ModeratedBy != f.people["manager-a"].UserID {
			t.Errorf("restored: %+v", m)
		}
		rows := auditDetails(t, d, "engagement.statement_moderate", e.ID)
		if len(rows) != 1 || !strings.Contains(rows[0], "restore") || !strings.Contains(rows[0], "Robust but not abusive.") {
			t.Errorf("audit of the restore: %q", rows)
		}
		if !slices.Contains(visibleIDs(t, f, e), target) {
			t.Error("a restored statement is not listed")
		}
		if err := f.s.Vote(anon, e.Key(), pt(5), "", target, VoteDisagree); err != nil {
			t.Errorf("a vote on a restored statement: %v", err)
		}
		// Hiding needs a reason and is audited too.
		_, err = f.s.ModerateStatement(f.as("manager-a"), e.Key(), ids[1], DecisionHide, "")
		wantField(t, "a hide without a reason", err, "reason")
		if _, err := f.s.ModerateStatement(f.as("manager-a"), e.Key(), ids[1], DecisionHide, "Names a member of staff."); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, d, "engagement.statement_moderate", e.ID); n != 2 {
			t.Errorf("%d moderation audit rows, want 2", n)
		}
		_, q, _ = f.s.ModerationQueue(f.as("manager-a"), e.Key())
		if len(q.Hidden) != 1 || q.Hidden[0].ID != ids[1] || len(q.Reported) != 0 {
			t.Errorf("queue after decisions: %+v", q)
		}
		// A statement of another engagement is not found through this one.
		other := f.mapped(t, "Other buses", ModeratePost, 1)
		oid := visibleIDs(t, f, other)[0]
		if _, err := f.s.ReportStatement(anon, e.Key(), oid, pt(1), "", ""); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a statement of another engagement: %v", err)
		}
	})
}

func auditDetails(t *testing.T, d *db.DB, action string, id int64) []string {
	t.Helper()
	var out []string
	err := db.Each(context.Background(), d, "SELECT detail FROM audit_log WHERE action = ? AND target_id = ? AND outcome = 'success' ORDER BY id",
		[]any{action, id}, func(rows *sql.Rows) error {
			var s string
			err := rows.Scan(&s)
			out = append(out, s)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestQuoteModeration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.reported(t, "Quoted buses")
		rep, err := f.s.Store.Quotes(context.Background(), d, e.ID)
		if err != nil || len(rep) != 1 {
			t.Fatalf("quotes: %v %v", rep, err)
		}
		qid := rep[0].ID
		anon := f.as("anonymous")
		for i := range 3 {
			r, err := f.s.ReportQuote(anon, e.Key(), qid, pt(i), "", "")
			if err != nil || !r.Counted || r.Hidden != (i == 2) {
				t.Fatalf("report %d: %+v %v", i, r, err)
			}
		}
		_, rp, err := f.s.Report(anon, e.Key())
		if err != nil || len(rp.Quotes) != 0 {
			t.Errorf("a quote hidden by reports is still public: %+v %v", rp.Quotes, err)
		}
		_, q, _ := f.s.ModerationQueue(f.as("manager-a"), e.Key())
		if len(q.Quotes) != 1 || !q.Quotes[0].AwaitingDecision() {
			t.Errorf("queue: %+v", q.Quotes)
		}
		if _, err := f.s.ModerateQuote(f.as("manager-a"), e.Key(), qid, DecisionRestore, "A fair quote."); err != nil {
			t.Fatal(err)
		}
		_, rp, _ = f.s.Report(anon, e.Key())
		if len(rp.Quotes) != 1 {
			t.Error("a restored quote is not public")
		}
		if _, err := f.s.ModerateQuote(f.as("manager-a"), e.Key(), qid, DecisionHide, "Identifies the author."); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, d, "engagement.quote_moderate", e.ID); n != 2 {
			t.Errorf("%d quote moderation audit rows", n)
		}
		_, err = f.s.ModerateQuote(f.as("manager-a"), e.Key(), qid, DecisionAccept, "x")
		wantField(t, "accepting a quote", err, "decision")
	})
}

// ---- votes ----

func TestVotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var heard []int64
		f.s.OnVotes = func(id int64) { heard = append(heard, id) }
		e := f.mapped(t, "Voted buses", ModeratePost, 3)
		ids := visibleIDs(t, f, e)
		anon := f.as("anonymous")
		signed := authz.With(context.Background(), f.people["viewer-b"])

		if err := f.s.Vote(anon, e.Key(), pt(1), "", ids[0], VoteAgree); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Vote(signed, e.Key(), Identity{Hash: pt(2).Hash, UserID: f.people["viewer-b"].UserID}, "", ids[0], VoteDisagree); err != nil {
			t.Fatal(err)
		}
		// A repeated vote replaces the earlier one.
		if err := f.s.Vote(anon, e.Key(), pt(1), "", ids[0], VotePass); err != nil {
			t.Fatal(err)
		}
		var n, v int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*), MAX(vote) FROM engagement_votes v JOIN engagement_participants p ON p.id = v.participant_id WHERE p.token_hash = ?",
			pt(1).Hash).Scan(&n, &v); err != nil || n != 1 || v != VotePass {
			t.Errorf("participant 1's votes: %d, last %d (%v)", n, v, err)
		}
		var user int64
		if err := d.QueryRow(context.Background(), "SELECT COALESCE(user_id, 0) FROM engagement_participants WHERE token_hash = ?", pt(2).Hash).Scan(&user); err != nil || user != f.people["viewer-b"].UserID {
			t.Errorf("a signed-in participant's account: %d %v", user, err)
		}
		// The counts in memory moved with each vote.
		sts, _ := f.s.Statements(anon, e.Key(), "", 0, 10)
		if sts[0].Agree != 0 || sts[0].Disagree != 1 || sts[0].Pass != 1 {
			t.Errorf("counts %+v, want 0 agree, 1 disagree, 1 pass", sts[0])
		}
		// ... and match a fresh count from the table.
		f2 := NewService(d, nil)
		f2.Now = f.s.Now
		t.Cleanup(f2.StopVotes)
		sts2, _ := f2.Statements(anon, e.Key(), "", 0, 10)
		if sts2[0].Agree != sts[0].Agree || sts2[0].Disagree != sts[0].Disagree || sts2[0].Pass != sts[0].Pass {
			t.Errorf("counts in memory %+v, from the table %+v", sts[0], sts2[0])
		}
		if len(heard) != 3 || heard[0] != e.ID {
			t.Errorf("OnVotes heard %v", heard)
		}
		// Bad votes.
		err := f.s.Vote(anon, e.Key(), pt(1), "", 999999, VoteAgree)
		wantField(t, "an unknown statement", err, "statement")
		wantCode(t, "no participant", f.s.Vote(anon, e.Key(), Identity{}, "", ids[0], VoteAgree), ErrNoParticipant)
		other := f.mapped(t, "Other voted buses", ModeratePost, 1)
		err = f.s.Vote(anon, e.Key(), pt(1), "", visibleIDs(t, f, other)[0], VoteAgree)
		wantField(t, "another engagement's statement", err, "statement")
		// Closed: refused, even within the second the engagement is kept in memory.
		if _, _, err := f.s.SetStatus(f.as("manager-a"), e.Key(), StatusClosed); err != nil {
			t.Fatal(err)
		}
		var ce *ClosedError
		if err := f.s.Vote(anon, e.Key(), pt(1), "", ids[1], VoteAgree); !errors.As(err, &ce) {
			t.Errorf("a vote on a closed engagement: %v", err)
		}
	})
}

func TestFloodLimit(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	f.s.Flood = &FloodLimits{VotesPerMinute: 6, Burst: 3, AddressVotesPerMinute: 60, AddressBurst: 5}
	e := f.mapped(t, "Flooded buses", ModeratePost, 8)
	ids := visibleIDs(t, f, e)
	anon := f.as("anonymous")
	for i := range 3 {
		if err := f.s.Vote(anon, e.Key(), pt(1), "10.1.1.1", ids[i], VoteAgree); err != nil {
			t.Fatalf("vote %d: %v", i, err)
		}
	}
	var fe *FloodError
	if err := f.s.Vote(anon, e.Key(), pt(1), "10.1.1.1", ids[3], VoteAgree); !errors.As(err, &fe) || fe.Seconds() < 1 || fe.Seconds() > 10 {
		t.Fatalf("the fourth vote at once: %v", err)
	}
	// Another participant at the same address has their own bucket, until the address's is empty.
	if err := f.s.Vote(anon, e.Key(), pt(2), "10.1.1.1", ids[0], VoteAgree); err != nil {
		t.Errorf("another participant: %v", err)
	}
	if err := f.s.Vote(anon, e.Key(), pt(3), "10.1.1.1", ids[0], VoteAgree); err != nil {
		t.Errorf("a third participant: %v", err)
	}
	if err := f.s.Vote(anon, e.Key(), pt(4), "10.1.1.1", ids[0], VoteAgree); !errors.As(err, &fe) {
		t.Errorf("the address's sixth vote: %v", err)
	}
	// The bucket refills with time.
	clock := time.Unix(1000, 0)
	l := newLimiter(60, 2, 100, func() time.Time { return clock })
	for i, want := range []bool{true, true, false} {
		if ok, _ := l.allow("k"); ok != want {
			t.Errorf("take %d: %v", i, ok)
		}
	}
	clock = clock.Add(time.Second)
	if ok, _ := l.allow("k"); !ok {
		t.Error("no token after a second at 60 a minute")
	}
}

// ---- choosing the next statement ----

func TestPriorityCases(t *testing.T) {
	now := time.Date(2025, 3, 15, 12, 0, 0, 0, time.UTC)
	old := now.Add(-72 * time.Hour)
	for _, c := range []struct {
		name string
		c    Candidate
		want float64
	}{
		{"no votes", Candidate{CreatedAt: old}, stats.StatementPriority(0, 0, 0, 0)},
		{"divisive on the map", Candidate{Agree: 10, Disagree: 10, Pass: 2, Extremity: 1.5, CreatedAt: old}, stats.StatementPriority(10, 10, 2, 1.5)},
		{"mostly passed", Candidate{Agree: 1, Disagree: 1, Pass: 20, CreatedAt: old}, stats.StatementPriority(1, 1, 20, 0)},
		{"new today", Candidate{Agree: 3, Disagree: 1, CreatedAt: now.Add(-time.Hour)}, NewStatementBoost * stats.StatementPriority(3, 1, 0, 0)},
		{"no date", Candidate{Agree: 3, Disagree: 1}, stats.StatementPriority(3, 1, 0, 0)},
	} {
		if got := Priority(c.c, now); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: priority %g, want %g", c.name, got, c.want)
		}
	}
	// Pol.is's importance and boost, by hand: S=0 → ((1−1/2)(0+1)(1/2) × 9)² = 5.0625.
	if got := Priority(Candidate{CreatedAt: old}, now); math.Abs(got-5.0625) > 1e-12 {
		t.Errorf("no votes: %g, want 5.0625", got)
	}

	for _, c := range []struct {
		name  string
		cs    []Candidate
		voted map[int64]int
		want  int64
	}{
		{"few votes beat many alike", []Candidate{{ID: 1, Agree: 40, Disagree: 10, CreatedAt: old}, {ID: 2, Agree: 2, CreatedAt: old}}, nil, 2},
		{"divisive beats consensual at equal votes",
			[]Candidate{{ID: 1, Agree: 30, Disagree: 30, Extremity: 0.1, CreatedAt: old}, {ID: 2, Agree: 30, Disagree: 30, Extremity: 2, CreatedAt: old}}, nil, 2},
		{"passed statements sink", []Candidate{{ID: 1, Agree: 5, Pass: 30, CreatedAt: old}, {ID: 2, Agree: 5, Disagree: 5, CreatedAt: old}}, nil, 2},
		{"new beats old alike", []Candidate{{ID: 1, Agree: 10, Disagree: 10, CreatedAt: old}, {ID: 2, Agree: 10, Disagree: 10, CreatedAt: now.Add(-time.Hour)}}, nil, 2},
		{"voted ones are skipped", []Candidate{{ID: 1, CreatedAt: old}, {ID: 2, Agree: 50, Disagree: 50, CreatedAt: old}}, map[int64]int{1: VotePass}, 2},
	} {
		got, ok := PickNext(c.cs, c.voted, now, func(int) int { return 0 })
		if !ok || got.ID != c.want {
			t.Errorf("%s: picked %d (%v), want %d", c.name, got.ID, ok, c.want)
		}
	}
	if _, ok := PickNext([]Candidate{{ID: 1}}, map[int64]int{1: VoteAgree}, now, nil); ok {
		t.Error("a pick when every statement is voted on")
	}
	// Ties are broken at random among the equals only.
	cs := []Candidate{{ID: 1, CreatedAt: old}, {ID: 2, Pass: 9, CreatedAt: old}, {ID: 3, CreatedAt: old}}
	var seen []int64
	for i := range 2 {
		got, _ := PickNext(cs, nil, now, func(n int) int {
			if n != 2 {
				t.Errorf("tie among %d, want 2", n)
			}
			return i
		})
		seen = append(seen, got.ID)
	}
	if !slices.Equal(seen, []int64{1, 3}) {
		t.Errorf("tie-break picked %v, want [1 3]", seen)
	}
}

func TestNextStatementSkipsVoted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.mapped(t, "Next buses", ModeratePost, 4)
		anon := f.as("anonymous")
		seen := map[int64]bool{}
		for i := range 4 {
			_, n, err := f.s.NextStatement(anon, e.Key(), pt(1))
			if err != nil || n.Statement == nil {
				t.Fatalf("pick %d: %+v %v", i, n, err)
			}
			if seen[n.Statement.ID] || n.Voted != i || n.Total != 4 {
				t.Fatalf("pick %d: statement %d again or progress %d/%d", i, n.Statement.ID, n.Voted, n.Total)
			}
			seen[n.Statement.ID] = true
			if err := f.s.Vote(anon, e.Key(), pt(1), "", n.Statement.ID, VoteAgree); err != nil {
				t.Fatal(err)
			}
		}
		_, n, err := f.s.NextStatement(anon, e.Key(), pt(1))
		if err != nil || n.Statement != nil || n.Voted != 4 {
			t.Errorf("after voting on all: %+v %v", n, err)
		}
		// A newcomer is shown the statement with fewest votes (the others' votes mostly disagree,
		// so they do not outweigh it by agreement).
		ids := visibleIDs(t, f, e)
		for p := 2; p < 6; p++ {
			for _, id := range ids[:3] {
				if err := f.s.Vote(anon, e.Key(), pt(p), "", id, VoteDisagree); err != nil {
					t.Fatal(err)
				}
			}
		}
		_, n, _ = f.s.NextStatement(anon, e.Key(), pt(99))
		if n.Statement == nil || n.Statement.ID != ids[3] {
			t.Errorf("a newcomer was shown %+v, want the least voted %d", n.Statement, ids[3])
		}
	})
}

// ---- submissions ----

func TestSubmissionsKeepDemographicsApart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.mapped(t, "Submitted buses", ModeratePost, 0)
		ctx := context.Background()
		v := map[string][]string{"views": {"Later buses on Friday nights."}, "often": {"daily"}, "demo.age": {"65-plus"},
			FieldConsentQuote: {"on"}, FieldHearBack: {"on"}, FieldEmail: {"rider@example.org"}}
		in, _, _, errs := ParseSubmission(e.Engagement, v)
		if errs != nil {
			t.Fatal(errs)
		}
		if len(in.Demographics) != 1 || in.Demographics[0].Question != "age" || !in.ConsentQuote || in.Email != "rider@example.org" {
			t.Fatalf("parsed %+v", in)
		}
		sid, err := f.s.Submit(f.as("anonymous"), e.Key(), pt(1), in)
		if err != nil {
			t.Fatal(err)
		}
		// The demographics table has no column that could link a row to a submission or participant.
		rows, err := d.Query(ctx, "SELECT * FROM engagement_demographics WHERE 1 = 0")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		rows.Close()
		if !slices.Equal(cols, []string{"id", "engagement_id", "answers", "created_at"}) {
			t.Errorf("engagement_demographics columns %v", cols)
		}
		var answers string
		var at time.Time
		if err := d.QueryRow(ctx, "SELECT answers, created_at FROM engagement_demographics WHERE engagement_id = ?", e.ID).Scan(&answers, &at); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(answers, `"65-plus"`) || strings.Contains(answers, "Friday") {
			t.Errorf("demographic answers %s", answers)
		}
		if at.UTC() != day(f.s.Now()) {
			t.Errorf("demographics dated %v, want the day only", at)
		}
		sub, err := f.s.Store.Submission(ctx, d, sid)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := sub.Answers.Get("age"); ok || len(sub.Answers) != 2 || !sub.ConsentQuote {
			t.Errorf("submission %+v", sub)
		}
		var email string
		if err := d.QueryRow(ctx, "SELECT email FROM engagement_participants WHERE id = ?", sub.ParticipantID).Scan(&email); err != nil || email != "rider@example.org" {
			t.Errorf("hear-back email %q %v", email, err)
		}
		// Bad input: a missing answer, a bad email.
		_, _, _, errs = ParseSubmission(e.Engagement, map[string][]string{FieldHearBack: {"on"}, FieldEmail: {"not an email"}})
		if errs["views"] == "" || errs[FieldEmail] == "" {
			t.Errorf("errors %v", errs)
		}
		// A closed engagement takes none.
		if _, _, err := f.s.SetStatus(f.as("manager-a"), e.Key(), StatusClosed); err != nil {
			t.Fatal(err)
		}
		var ce *ClosedError
		if _, err := f.s.Submit(f.as("anonymous"), e.Key(), pt(2), in); !errors.As(err, &ce) {
			t.Errorf("a submission to a closed engagement: %v", err)
		}
	})
}
