package satisfaction

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

var termsCorpus = []string{
	"The waiting time was far too long.",
	"Long waiting time at the counter, staff were friendly.",
	"Waiting time of two hours! Staff friendly though.",
	"Friendly staff but the waiting time is terrible",
	"Online form kept crashing.",
	"The online form crashed twice; staff on the phone helped.",
	"Staff helped me with the online form.",
}

func TestFrequentTermsFixedCorpus(t *testing.T) {
	got := FrequentTerms(termsCorpus, 3, 20)
	want := []Term{{"staff", 5}, {"waiting time", 4}, {"time", 4}, {"waiting", 4},
		{"online form", 3}, {"form", 3}, {"friendly", 3}, {"online", 3}}
	if !slices.Equal(got, want) {
		t.Errorf("terms\n got %v\nwant %v", got, want)
	}
	if got := FrequentTerms(termsCorpus, 3, 2); !slices.Equal(got, want[:2]) {
		t.Errorf("top 2: %v", got)
	}
	// A term repeated within one comment counts once.
	if got := FrequentTerms([]string{"slow slow slow", "slow"}, 2, 20); !slices.Equal(got, []Term{{"slow", 2}}) {
		t.Errorf("repeats: %v", got)
	}
}

func TestCommentTerms(t *testing.T) {
	words, phrases := CommentTerms("The council’s 2 staff-members didn't reply. Reply-time: 3 weeks")
	if want := []string{"council", "staff", "members", "reply", "reply", "time", "weeks"}; !slices.Equal(words, want) {
		t.Errorf("words %q, want %q", words, want)
	}
	if want := []string{"staff members", "reply time"}; !slices.Equal(phrases, want) {
		t.Errorf("phrases %q, want %q", phrases, want)
	}
	words, phrases = CommentTerms("ÉCOLE Fermée\nPERSONNEL aimable")
	if want := []string{"école", "fermée", "personnel", "aimable"}; !slices.Equal(words, want) {
		t.Errorf("words %q", words)
	}
	if want := []string{"école fermée", "personnel aimable"}; !slices.Equal(phrases, want) {
		t.Errorf("phrases %q (a line break ends a phrase)", phrases)
	}
}

func FuzzCommentTerms(f *testing.F) {
	for _, s := range termsCorpus {
		f.Add(s)
	}
	f.Add("don’t ’s '' -- a-b 12 3rd İSTANBUL ǅemal \x00\xff ΣΊΣΥΦΟΣ")
	f.Fuzz(func(t *testing.T, s string) {
		words, phrases := CommentTerms(s)
		for _, w := range words {
			if w == "" || utf8.RuneCountInString(w) < 2 || stopWords[w] {
				t.Fatalf("word %q kept", w)
			}
			if strings.ToLower(w) != w {
				t.Fatalf("word %q not lowercase", w)
			}
			if strings.IndexFunc(w, func(r rune) bool { return unicode.IsSpace(r) || r == '-' }) >= 0 {
				t.Fatalf("word %q has a separator", w)
			}
			if strings.HasPrefix(w, "'") || strings.HasSuffix(w, "'") {
				t.Fatalf("word %q keeps an apostrophe at an end", w)
			}
			if utf8.ValidString(s) && !utf8.ValidString(w) {
				t.Fatalf("word %q not UTF-8", w)
			}
		}
		if len(phrases) >= len(words) && len(words) > 0 {
			t.Fatalf("%d phrases from %d words", len(phrases), len(words))
		}
		for _, p := range phrases {
			a, b, ok := strings.Cut(p, " ")
			if !ok || !slices.Contains(words, a) || !slices.Contains(words, b) {
				t.Fatalf("phrase %q is not two of the words %q", p, words)
			}
		}
		_ = FrequentTerms([]string{s, s, s}, 3, 20)
	})
}

// commentSurvey stores a survey with 120 responses, 90 of them with a comment.
func commentSurvey(t *testing.T, d *db.DB, code string) (Survey, []int64) {
	t.Helper()
	sv := testSurvey(t, d, code)
	place := insPlace(t, d, "Testville "+code)
	var rs []insResp
	for i := range 120 {
		m := map[string]any{QOverall: float64(1 + i%5)}
		switch {
		case i%4 == 0:
		case i == 7:
			m[QComment] = "Got 100% of what I needed"
		case i == 9:
			m[QComment] = "my_reference was lost"
		default:
			m[QComment] = fmt.Sprintf("Comment number %d about the waiting time", i)
		}
		rs = append(rs, insResp{answers: m, channel: "counter", place: place})
	}
	insStore(t, d, sv, rs)
	var ids []int64
	err := db.Each(context.Background(), d, "SELECT id FROM survey_responses WHERE survey_id = ? ORDER BY id", []any{sv.ID}, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return sv, ids
}

func TestCommentsPagingAndFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sv, ids := commentSurvey(t, d, "comments")
		people := insPeople(t, d, sv.OrgID)
		s := NewService(d, nil)
		viewer := people["viewer"]
		l, err := s.Comments(viewer, sv.ID, CommentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Comments) != 50 || l.Next == 0 || l.CanTag {
			t.Fatalf("page 1: %d comments, next %d, can tag %v", len(l.Comments), l.Next, l.CanTag)
		}
		first := l.Comments[0]
		if first.ResponseID != ids[119] || first.Text != "Comment number 119 about the waiting time" ||
			first.Overall != 5 || first.Channel != "counter" || first.PlaceName != "Testville comments" {
			t.Errorf("newest: %+v", first)
		}
		seen := map[int64]bool{}
		for _, c := range l.Comments {
			seen[c.ResponseID] = true
		}
		l2, err := s.Comments(viewer, sv.ID, CommentFilter{Before: l.Next})
		if err != nil {
			t.Fatal(err)
		}
		if len(l2.Comments) != 40 || l2.Next != 0 {
			t.Fatalf("page 2: %d comments, next %d", len(l2.Comments), l2.Next)
		}
		for i, c := range l2.Comments {
			if seen[c.ResponseID] || (i > 0 && c.ResponseID >= l2.Comments[i-1].ResponseID) {
				t.Fatalf("page 2 repeats or is out of order at %d", i)
			}
		}
		if last := l2.Comments[39]; last.ResponseID != ids[1] {
			t.Errorf("oldest comment %d, want %d", last.ResponseID, ids[1])
		}
		// Text search: LIKE wildcards are literal.
		for search, want := range map[string]int{"100%": 1, "my_ref": 1, "_": 1, "%": 1, "WAITING": 88, "nothing like this": 0} {
			l, err := s.Comments(viewer, sv.ID, CommentFilter{Search: search})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(l.Comments) + countAfter(t, s, viewer, sv.ID, CommentFilter{Search: search}, l.Next); n != want {
				t.Errorf("search %q: %d comments, want %d", search, n, want)
			}
		}
		// Frequent terms over the comments.
		wantTerms := []Term{{"comment number", 88}, {"waiting time", 88}, {"comment", 88}, {"number", 88}, {"time", 88}, {"waiting", 88}}
		if !slices.Equal(l.Terms, wantTerms) || l.TermsOver != 90 {
			t.Errorf("terms %v over %d", l.Terms, l.TermsOver)
		}
		// Other organisations do not see the comments.
		if _, err := s.Comments(people["other"], sv.ID, CommentFilter{}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("other organisation: %v", err)
		}
		if _, err := s.Comments(context.Background(), sv.ID, CommentFilter{}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("anonymous: %v", err)
		}
	})
}

func countAfter(t *testing.T, s *Service, ctx context.Context, surveyID int64, f CommentFilter, next int64) int {
	n := 0
	for next != 0 {
		f.Before = next
		l, err := s.Comments(ctx, surveyID, f)
		if err != nil {
			t.Fatal(err)
		}
		n += len(l.Comments)
		next = l.Next
	}
	return n
}

func auditRows(t *testing.T, d *db.DB, action, outcome string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM audit_log WHERE action = ? AND outcome = ?", action, outcome).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCommentThemesPermissionsAndAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sv, ids := commentSurvey(t, d, "themes")
		people := insPeople(t, d, sv.OrgID)
		s := NewService(d, nil)
		rid := ids[5]
		// A viewer reads but may not tag: 403, recorded as denied.
		if _, err := s.TagComment(people["viewer"], sv.ID, rid, "Waiting"); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("viewer: %v", err)
		}
		if n := auditRows(t, d, "survey.comment.tag", "denied"); n != 1 {
			t.Errorf("%d denied rows", n)
		}
		// Another organisation's admin is told it does not exist.
		if _, err := s.TagComment(people["other"], sv.ID, rid, "Waiting"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("other: %v", err)
		}
		// A contributor tags; a second tag with another case reuses the spelling.
		contrib := people["contributor"]
		if got, err := s.TagComment(contrib, sv.ID, rid, "  Waiting   times "); err != nil || got != "Waiting times" {
			t.Fatalf("tag: %q %v", got, err)
		}
		if got, err := s.TagComment(people["manager"], sv.ID, ids[6], "waiting TIMES"); err != nil || got != "Waiting times" {
			t.Fatalf("tag again: %q %v", got, err)
		}
		if _, err := s.TagComment(contrib, sv.ID, rid, "Waiting times"); err != nil { // twice: no change
			t.Fatal(err)
		}
		if _, err := s.TagComment(people["site"], sv.ID, rid, "Staff"); err != nil {
			t.Fatal(err)
		}
		if n := auditRows(t, d, "survey.comment.tag", "success"); n != 3 {
			t.Errorf("%d tag audit rows, want 3", n)
		}
		// Bad names change nothing.
		for _, bad := range []string{"", "   ", strings.Repeat("x", 61), "tab\x07"} {
			_, err := s.TagComment(contrib, sv.ID, rid, bad)
			if ve, ok := valid.As(err); !ok || ve["theme"] == "" {
				t.Errorf("theme %q: %v", bad, err)
			}
		}
		if _, err := s.TagComment(contrib, sv.ID, rid, strings.Repeat("é", 60)); err != nil {
			t.Errorf("60 characters: %v", err)
		}
		// Only comments of this survey: a response without a comment, or of another survey.
		if _, err := s.TagComment(contrib, sv.ID, ids[4], "Waiting"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("no comment: %v", err)
		}
		other, otherIDs := commentSurvey(t, d, "elsewhere")
		_ = other
		if _, err := s.TagComment(contrib, sv.ID, otherIDs[5], "Waiting"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another survey's comment: %v", err)
		}
		// Counts and the theme filter.
		l, err := s.Comments(people["viewer"], sv.ID, CommentFilter{Theme: "Waiting times"})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Comments) != 2 || l.Comments[0].ResponseID != ids[6] || !slices.Equal(l.Comments[1].Themes, []string{"Staff", "Waiting times", strings.Repeat("é", 60)}) {
			t.Errorf("filtered: %+v", l.Comments)
		}
		wantCounts := []ThemeCount{{"Waiting times", 2}, {"Staff", 1}, {strings.Repeat("é", 60), 1}}
		if !slices.Equal(l.Themes, wantCounts) {
			t.Errorf("counts %v, want %v", l.Themes, wantCounts)
		}
		// Untag: viewers may not; a contributor does, audited once.
		if err := s.UntagComment(people["viewer"], sv.ID, rid, "Staff"); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("viewer untag: %v", err)
		}
		if err := s.UntagComment(contrib, sv.ID, rid, "Staff"); err != nil {
			t.Fatal(err)
		}
		if err := s.UntagComment(contrib, sv.ID, rid, "Staff"); err != nil {
			t.Fatal(err)
		}
		if n := auditRows(t, d, "survey.comment.untag", "success"); n != 1 {
			t.Errorf("%d untag audit rows", n)
		}
		if l, _ := s.Comments(people["viewer"], sv.ID, CommentFilter{Theme: "Staff"}); len(l.Comments) != 0 {
			t.Errorf("still tagged: %v", l.Comments)
		}
	})
}
