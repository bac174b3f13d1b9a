package satisfaction

// Open comments: the list staff read (newest first, filtered by theme and text), the theme
// tags they put on comments, the counts per theme, and the suggested frequent terms. Comments
// are personal data: they appear only on staff pages, never on public ones.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Limits of the comment pages.
const (
	CommentPageSize = 50
	// MaxThemeLength is the most characters a theme name may have.
	MaxThemeLength = 60
	// TermsWindow is how many of the latest matching comments the frequent terms are counted
	// over; TermsMinCount the fewest comments a term must appear in; TermsTop how many are shown.
	TermsWindow   = 5000
	TermsMinCount = 3
	TermsTop      = 20
	// maxSearchLength bounds the text search.
	maxSearchLength = 200
)

// Comment is one open comment with what staff need to read it in context.
type Comment struct {
	ResponseID  int64     `json:"response_id"`
	SubmittedAt time.Time `json:"submitted_at"`
	Channel     string    `json:"channel"`
	PlaceName   string    `json:"place"`
	// Overall is the overall satisfaction point given with the comment (0: not answered).
	Overall int      `json:"overall,omitempty"`
	Text    string   `json:"text"`
	Themes  []string `json:"themes"`
}

// CommentFilter selects comments: with a theme, containing a text, older than a response.
type CommentFilter struct {
	Theme  string
	Search string
	// Before is the cursor: only comments of responses with a smaller id (0: from the newest).
	Before int64
	Limit  int
}

// ThemeCount is a theme and how many comments of the survey carry it.
type ThemeCount struct {
	Theme string `json:"theme"`
	N     int    `json:"n"`
}

// Term is a frequent word or two-word phrase and the number of comments it appears in.
type Term struct {
	Term string `json:"term"`
	N    int    `json:"n"`
}

// CommentList is a page of comments with the survey's themes and the frequent terms of the
// filtered comments.
type CommentList struct {
	Survey   Survey
	Filter   CommentFilter
	Comments []Comment
	// Next is the cursor of the next (older) page, 0 when this is the last.
	Next   int64
	Themes []ThemeCount
	Terms  []Term
	// TermsOver is how many comments the terms were counted over (at most TermsWindow).
	TermsOver int
	// CanTag: the principal may tag comments with themes.
	CanTag bool
}

// surveyAllowing loads a survey for staff: those who may not read it (members of its
// organisation with Read, and site admins, may) get db.ErrNotFound; those who may read it but
// lack perm get authz.ErrForbidden.
func (s *Service) surveyAllowing(ctx context.Context, surveyID int64, perm authz.Permission) (Survey, error) {
	sv, err := s.Store.SurveyByID(ctx, s.DB, surveyID)
	if err != nil {
		return Survey{}, err
	}
	p := authz.From(ctx)
	if !p.Can(authz.Read, sv.OrgID) {
		return Survey{}, db.ErrNotFound
	}
	if !p.Can(perm, sv.OrgID) {
		return sv, authz.ErrForbidden
	}
	return sv, nil
}

// commentWhere is the WHERE clause of comments matching f (without the cursor).
func commentWhere(surveyID int64, f CommentFilter) (string, []any) {
	where := "r.survey_id = ? AND r.comment <> ''"
	args := []any{surveyID}
	if f.Theme != "" {
		where += " AND EXISTS (SELECT 1 FROM survey_comment_themes t WHERE t.response_id = r.id AND t.theme = ?)"
		args = append(args, f.Theme)
	}
	if f.Search != "" {
		where += ` AND lower(r.comment) LIKE ? ESCAPE '\'`
		args = append(args, "%"+escapeLikePattern(strings.ToLower(f.Search))+"%")
	}
	return where, args
}

// escapeLikePattern escapes the LIKE wildcards of s with backslashes.
func escapeLikePattern(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CleanFilter trims a filter and bounds it.
func CleanFilter(f CommentFilter) CommentFilter {
	f.Theme = normaliseTheme(f.Theme)
	f.Search = strings.TrimSpace(f.Search)
	if utf8.RuneCountInString(f.Search) > maxSearchLength {
		f.Search = string([]rune(f.Search)[:maxSearchLength])
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = CommentPageSize
	}
	if f.Before < 0 {
		f.Before = 0
	}
	return f
}

// Comments lists a survey's open comments, newest first (by response id, which follows the
// order responses were stored), a page at a time, with the survey's theme counts and the
// frequent terms of the matching comments. Members of the survey's organisation with Read
// see them; others get db.ErrNotFound.
func (s *Service) Comments(ctx context.Context, surveyID int64, f CommentFilter) (CommentList, error) {
	sv, err := s.surveyAllowing(ctx, surveyID, authz.Read)
	if err != nil {
		return CommentList{}, err
	}
	f = CleanFilter(f)
	out := CommentList{Survey: sv, Filter: f, CanTag: authz.From(ctx).Can(authz.Contribute, sv.OrgID)}
	where, args := commentWhere(sv.ID, f)
	q := `SELECT r.id, r.submitted_at, r.channel, COALESCE(p.name, ''), r.answers, r.comment
		FROM survey_responses r LEFT JOIN places p ON p.id = r.place_id WHERE ` + where
	pageArgs := slices.Clone(args)
	if f.Before > 0 {
		q += " AND r.id < ?"
		pageArgs = append(pageArgs, f.Before)
	}
	q += " ORDER BY r.id DESC LIMIT ?"
	pageArgs = append(pageArgs, f.Limit+1)
	err = db.Each(ctx, s.DB, q, pageArgs, func(rows *sql.Rows) error {
		var c Comment
		var answers []byte
		if err := rows.Scan(&c.ResponseID, &c.SubmittedAt, &c.Channel, &c.PlaceName, &answers, &c.Text); err != nil {
			return err
		}
		var a struct {
			Overall json.RawMessage `json:"overall"`
		}
		if json.Unmarshal(answers, &a) == nil {
			if p := scalePoint(a.Overall, scaleCol{Min: 1, Max: 5}); p != missing {
				c.Overall = int(p) + 1
			}
		}
		c.Themes = []string{}
		out.Comments = append(out.Comments, c)
		return nil
	})
	if err != nil {
		return out, err
	}
	if len(out.Comments) > f.Limit {
		out.Comments = out.Comments[:f.Limit]
		out.Next = out.Comments[f.Limit-1].ResponseID
	}
	if err := s.attachThemes(ctx, out.Comments); err != nil {
		return out, err
	}
	if out.Themes, err = s.themeCounts(ctx, sv.ID); err != nil {
		return out, err
	}
	// Frequent terms over the latest matching comments.
	var texts []string
	err = db.Each(ctx, s.DB, "SELECT r.comment FROM survey_responses r WHERE "+where+" ORDER BY r.id DESC LIMIT ?",
		append(args, TermsWindow), func(rows *sql.Rows) error {
			var t string
			if err := rows.Scan(&t); err != nil {
				return err
			}
			texts = append(texts, t)
			return nil
		})
	if err != nil {
		return out, err
	}
	out.TermsOver = len(texts)
	out.Terms = FrequentTerms(texts, TermsMinCount, TermsTop)
	return out, nil
}

func (s *Service) attachThemes(ctx context.Context, cs []Comment) error {
	if len(cs) == 0 {
		return nil
	}
	at := map[int64]int{}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		at[c.ResponseID] = i
		ids[i] = c.ResponseID
	}
	ph, args := db.In(ids)
	err := db.Each(ctx, s.DB, "SELECT response_id, theme FROM survey_comment_themes WHERE response_id IN ("+ph+")",
		args, func(rows *sql.Rows) error {
			var id int64
			var theme string
			if err := rows.Scan(&id, &theme); err != nil {
				return err
			}
			cs[at[id]].Themes = append(cs[at[id]].Themes, theme)
			return nil
		})
	for i := range cs {
		slices.Sort(cs[i].Themes) // in Go: the same order whatever the database's collation
	}
	return err
}

// themeCounts lists the themes of a survey's comments, most used first.
func (s *Service) themeCounts(ctx context.Context, surveyID int64) ([]ThemeCount, error) {
	var out []ThemeCount
	err := db.Each(ctx, s.DB, `SELECT t.theme, COUNT(*) FROM survey_comment_themes t
		JOIN survey_responses r ON r.id = t.response_id WHERE r.survey_id = ?
		GROUP BY t.theme`, []any{surveyID}, func(rows *sql.Rows) error {
		var tc ThemeCount
		if err := rows.Scan(&tc.Theme, &tc.N); err != nil {
			return err
		}
		out = append(out, tc)
		return nil
	})
	slices.SortFunc(out, func(a, b ThemeCount) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Theme, b.Theme)
	})
	return out, err
}

// normaliseTheme trims a theme name and collapses its inner white space.
func normaliseTheme(s string) string { return strings.Join(strings.Fields(s), " ") }

// commentOf checks that a response of the survey has an open comment.
func commentOf(ctx context.Context, q db.Q, surveyID, responseID int64) error {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM survey_responses WHERE id = ? AND survey_id = ? AND comment <> ''", responseID, surveyID).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// TagComment puts a theme on a comment: a new name (up to MaxThemeLength characters) or one
// the survey already uses (matched regardless of case, keeping its spelling). Staff with
// Contribute in the survey's organisation may; tagging twice changes nothing. Audited.
func (s *Service) TagComment(ctx context.Context, surveyID, responseID int64, theme string) (string, error) {
	sv, err := s.surveyAllowing(ctx, surveyID, authz.Contribute)
	if errorsIsForbidden(err) {
		return "", audit.Deny(ctx, s.DB, "survey.comment.tag", "survey_response", responseID)
	}
	if err != nil {
		return "", err
	}
	theme = normaliseTheme(theme)
	var c valid.Checker
	c.Text("theme", theme, "a theme", MaxThemeLength)
	if strings.IndexFunc(theme, unicode.IsControl) >= 0 {
		c.Add("theme", "Use letters, numbers and punctuation only.")
	}
	if err := c.Err(); err != nil {
		return "", err
	}
	existing, err := s.themeCounts(ctx, sv.ID)
	if err != nil {
		return "", err
	}
	for _, t := range existing {
		if strings.EqualFold(t.Theme, theme) {
			theme = t.Theme
			break
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := commentOf(ctx, tx, sv.ID, responseID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO survey_comment_themes (response_id, theme, tagged_by, tagged_at) VALUES (?,?,?,?)
			ON CONFLICT (response_id, theme) DO NOTHING`, responseID, theme, nullID(authz.From(ctx).UserID), s.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.comment.tag", TargetKind: "survey_response", TargetID: responseID,
			Target: sv.Title, Detail: fmt.Sprintf("theme %q on a comment of survey %d", theme, sv.ID)})
	})
	return theme, err
}

// UntagComment takes a theme off a comment. Same rules as TagComment; removing a theme the
// comment does not carry changes nothing. Audited.
func (s *Service) UntagComment(ctx context.Context, surveyID, responseID int64, theme string) error {
	sv, err := s.surveyAllowing(ctx, surveyID, authz.Contribute)
	if errorsIsForbidden(err) {
		return audit.Deny(ctx, s.DB, "survey.comment.untag", "survey_response", responseID)
	}
	if err != nil {
		return err
	}
	theme = normaliseTheme(theme)
	var c valid.Checker
	c.Required("theme", theme, "the theme to remove")
	if err := c.Err(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := commentOf(ctx, tx, sv.ID, responseID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "DELETE FROM survey_comment_themes WHERE response_id = ? AND theme = ?", responseID, theme)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.comment.untag", TargetKind: "survey_response", TargetID: responseID,
			Target: sv.Title, Detail: fmt.Sprintf("theme %q off a comment of survey %d", theme, sv.ID)})
	})
}

func errorsIsForbidden(err error) bool { return errors.Is(err, authz.ErrForbidden) }

// FrequentTerms returns the words and two-word phrases that appear in at least minCount of
// the texts, most frequent first (ties: phrases before words, then alphabetical), at most top
// of them. Each text counts a term once. Words are lowercased; stop words, single characters
// and numbers are left out; a phrase is two such words next to each other with only spaces or
// a hyphen between them.
func FrequentTerms(texts []string, minCount, top int) []Term {
	counts := map[string]int{}
	seen := map[string]bool{}
	for _, t := range texts {
		clear(seen)
		words, phrases := CommentTerms(t)
		for _, w := range words {
			if !seen[w] {
				seen[w] = true
				counts[w]++
			}
		}
		for _, p := range phrases {
			if !seen[p] {
				seen[p] = true
				counts[p]++
			}
		}
	}
	var out []Term
	for k, n := range counts {
		if n >= minCount {
			out = append(out, Term{Term: k, N: n})
		}
	}
	slices.SortFunc(out, func(a, b Term) int {
		if a.N != b.N {
			return b.N - a.N
		}
		ap, bp := strings.Contains(a.Term, " "), strings.Contains(b.Term, " ")
		if ap != bp {
			if ap {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Term, b.Term)
	})
	if len(out) > top {
		out = out[:top]
	}
	return out
}

// CommentTerms splits a text into its words and two-word phrases, as FrequentTerms counts
// them (with repeats, in order).
func CommentTerms(text string) (words, phrases []string) {
	prev := "" // the previous kept word, when only spaces or a hyphen followed it
	var b strings.Builder
	joinable := false // the separator since the previous word allows a phrase
	flush := func() {
		if b.Len() == 0 {
			return
		}
		w := termWord(b.String())
		b.Reset()
		if w == "" {
			prev = ""
			return
		}
		words = append(words, w)
		if prev != "" && joinable {
			phrases = append(phrases, prev+" "+w)
		}
		prev = w
		joinable = true
	}
	for _, r := range text {
		switch {
		case r == '’' || r == '‘' || r == '\'':
			b.WriteByte('\'')
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
			if r != ' ' && r != '\t' && r != '-' && r != '\u00a0' {
				joinable = false
				prev = ""
			}
		}
	}
	flush()
	return words, phrases
}

// termWord cleans a raw token: apostrophes trimmed from its ends, a possessive "'s"
// dropped; "" when what is left is a stop word, a single character or a number.
func termWord(w string) string {
	w = strings.Trim(w, "'")
	w = strings.TrimSuffix(w, "'s")
	w = strings.Trim(w, "'")
	if utf8.RuneCountInString(w) < 2 || stopWords[w] {
		return ""
	}
	if strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
		return ""
	}
	// Lowercasing may not be stable for a few letters (e.g. İ): lowercase again.
	if l := strings.ToLower(w); l != w {
		w = l
		if stopWords[w] {
			return ""
		}
	}
	return w
}

// stopWords are English words too common to say anything about a comment.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all also am an and any are aren't as at
		be because been before being below between both but by can can't cannot could couldn't did didn't do does
		doesn't doing don't down during each even ever every few for from further get gets got had hadn't has hasn't
		have haven't having he he'd he'll he's her here here's hers herself him himself his how how's however i i'd
		i'll i'm i've if in into is isn't it it's its itself just let's like lot me more most much must mustn't my
		myself no nor not now of off on once one only or other ought our ours ourselves out over own really same
		say said shan't she she'd she'll she's should shouldn't since so some still such than that that's the their
		theirs them themselves then there there's these they they'd they'll they're they've this those though
		through to too under until up upon us very was wasn't way we we'd we'll we're we've well were weren't what
		what's when when's where where's whether which while who who's whom why why's will with won't would
		wouldn't yes yet you you'd you'll you're you've your yours yourself yourselves also etc im ive dont didnt
		cant wont isnt wasnt thats`) {
		m[w] = true
	}
	return m
}()
