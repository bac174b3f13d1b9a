package engagement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/mail"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Closing the loop: staff sort what people said into themes, pick quotes from those who
// agreed to be quoted, write what they heard and what they did about each theme, link themes
// to the commitments, programs and decisions they fed into, and publish the report.

// Limits of a report.
const (
	MaxThemeName   = 120
	MaxThemes      = 50
	MaxQuotes      = 100
	MaxQuote       = 1000
	MaxReportText  = 20000
	MaxThemeText   = 5000
	ItemSubmission = "submission" // kinds of item a theme tags
	ItemStatement  = "statement"
)

// Submission is what one participant sent through an engagement's form. Answers are stored
// as the JSON of forms.Answers (the typed answers, in question order).
type Submission struct {
	ID            int64         `json:"id"`
	EngagementID  int64         `json:"engagement_id"`
	ParticipantID int64         `json:"-"`
	Answers       forms.Answers `json:"answers"`
	ConsentQuote  bool          `json:"consent_quote"`
	CreatedAt     time.Time     `json:"created_at"`
	HiddenAt      *time.Time    `json:"hidden_at,omitempty"`
	HiddenReason  string        `json:"hidden_reason,omitempty"`
	ThemeIDs      []int64       `json:"theme_ids"`
}

// Texts are the submission's answers to text and textarea questions: what quotes are cut from.
func (s Submission) Texts() []string {
	var out []string
	for _, a := range s.Answers {
		if strings.TrimSpace(a.Text) != "" {
			out = append(out, a.Text)
		}
	}
	return out
}

// Excerpt is the start of the submission's text answers, for lists.
func (s Submission) Excerpt(n int) string {
	t := collapse(strings.Join(s.Texts(), " / "))
	if r := []rune(t); len(r) > n {
		return string(r[:n]) + "…"
	}
	return t
}

// HasTheme reports whether the submission is tagged with theme id.
func (s Submission) HasTheme(id int64) bool {
	for _, t := range s.ThemeIDs {
		if t == id {
			return true
		}
	}
	return false
}

// collapse trims s and turns every run of white space into one space.
func collapse(s string) string { return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ") }

// QuoteFits reports whether quote is taken word for word from one of texts: white space may
// differ, nothing else. A quote must not put words in a participant's mouth.
func QuoteFits(quote string, texts []string) bool {
	q := collapse(quote)
	if q == "" {
		return false
	}
	for _, t := range texts {
		if strings.Contains(collapse(t), q) {
			return true
		}
	}
	return false
}

// Theme is something participants raised, with how many items were tagged with it, our
// response and what changed.
type Theme struct {
	ID           int64  `json:"id"`
	EngagementID int64  `json:"engagement_id"`
	Name         string `json:"name"`
	Response     string `json:"response"`
	Change       string `json:"change"`
	Position     int    `json:"position"`
	// Counts of visible submissions and statements tagged with the theme.
	Submissions int `json:"submissions"`
	Statements  int `json:"statements"`
	// Quotes filed under the theme, and the theme's links to other records.
	Quotes []Quote          `json:"quotes"`
	Links  []directory.Link `json:"links"`
}

// Count is the number of items tagged with the theme.
func (t Theme) Count() int { return t.Submissions + t.Statements }

// Quote is an excerpt of a submission whose author agreed to be quoted.
type Quote struct {
	ID           int64  `json:"id"`
	EngagementID int64  `json:"engagement_id"`
	SubmissionID int64  `json:"submission_id"`
	ThemeID      int64  `json:"theme_id,omitempty"`
	Theme        string `json:"theme,omitempty"`
	Text         string `json:"text"`
	// Hidden quotes (reported and awaiting a moderator, or hidden by one) are left out of
	// the published report; staff see them marked.
	Hidden bool `json:"hidden,omitempty"`
}

// Report is the "we asked, you said, we did" report of an engagement.
type Report struct {
	EngagementID int64      `json:"engagement_id"`
	WeAsked      string     `json:"we_asked"`
	YouSaid      string     `json:"you_said"`
	WeDid        string     `json:"we_did"`
	PublishedAt  *time.Time `json:"published_at,omitempty"`
	UpdatedAt    time.Time  `json:"updated_at,omitzero"`
	// What was heard: visible submissions and statements, and people who took part.
	Participants int `json:"participants"`
	Submissions  int `json:"submissions"`
	Statements   int `json:"statements"`
	// Themes in their order, each with its quotes and links; Quotes holds every quote
	// (those without a theme too).
	Themes []Theme          `json:"themes"`
	Quotes []Quote          `json:"quotes"`
	Links  []directory.Link `json:"links"` // the engagement's own links
}

// Published reports whether the report is public.
func (r Report) Published() bool { return r.PublishedAt != nil }

// Unthemed are the quotes filed under no theme.
func (r Report) Unthemed() []Quote {
	var out []Quote
	for _, q := range r.Quotes {
		if q.ThemeID == 0 {
			out = append(out, q)
		}
	}
	return out
}

// ThemeInput is one theme of the report as staff write it. ID 0 adds a theme; a theme left
// out of the list is deleted (with its tags). The list's order is the report's.
type ThemeInput struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Response string `json:"response"`
	Change   string `json:"change"`
}

// QuoteInput is one quote: an excerpt of a consenting submission's text answers, filed
// under a theme named as in the report (or none). ID 0 adds a quote.
type QuoteInput struct {
	ID           int64  `json:"id"`
	SubmissionID int64  `json:"submission_id"`
	Theme        string `json:"theme"`
	Text         string `json:"text"`
}

// ReportInput is the report as staff save it. Themes or Quotes left out (null) stay as they
// are; an empty list removes them all.
type ReportInput struct {
	WeAsked string       `json:"we_asked"`
	YouSaid string       `json:"you_said"`
	WeDid   string       `json:"we_did"`
	Themes  []ThemeInput `json:"themes"`
	Quotes  []QuoteInput `json:"quotes"`
}

// Normalize trims the input.
func (in *ReportInput) Normalize() {
	trim := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	in.WeAsked, in.YouSaid, in.WeDid = trim(in.WeAsked), trim(in.YouSaid), trim(in.WeDid)
	for i := range in.Themes {
		t := &in.Themes[i]
		t.Name, t.Response, t.Change = collapse(t.Name), trim(t.Response), trim(t.Change)
	}
	for i := range in.Quotes {
		q := &in.Quotes[i]
		q.Theme, q.Text = collapse(q.Theme), trim(q.Text)
	}
}

// Validate checks what can be checked without the database; themes is the names of the
// engagement's themes as they will be after saving (for quotes' theme names). Messages on a
// theme or quote are keyed "themes[i].field" and "quotes[i].field".
func (in ReportInput) Validate(themes []string) error {
	var c valid.Checker
	longText(&c, "we_asked", in.WeAsked, MaxReportText)
	longText(&c, "you_said", in.YouSaid, MaxReportText)
	longText(&c, "we_did", in.WeDid, MaxReportText)
	if len(in.Themes) > MaxThemes {
		c.Addf("themes", "Use at most %d themes.", MaxThemes)
	}
	seen := map[string]int{}
	ids := map[int64]bool{}
	for i, t := range in.Themes {
		k := fmt.Sprintf("themes[%d].", i)
		c.Text(k+"name", t.Name, "the theme's name", MaxThemeName)
		if j, ok := seen[strings.ToLower(t.Name)]; ok && t.Name != "" {
			c.Addf(k+"name", "Theme %d already has this name: give each theme its own.", j+1)
		}
		seen[strings.ToLower(t.Name)] = i
		longText(&c, k+"name", t.Name, MaxThemeName)
		longText(&c, k+"response", t.Response, MaxThemeText)
		longText(&c, k+"change", t.Change, MaxThemeText)
		if t.ID < 0 || (t.ID > 0 && ids[t.ID]) {
			c.Add(k+"name", "This theme appears twice.")
		}
		ids[t.ID] = true
	}
	if len(in.Quotes) > MaxQuotes {
		c.Addf("quotes", "Use at most %d quotes.", MaxQuotes)
	}
	known := map[string]bool{}
	for _, n := range themes {
		known[strings.ToLower(n)] = true
	}
	for i, q := range in.Quotes {
		k := fmt.Sprintf("quotes[%d].", i)
		c.Check(q.SubmissionID > 0, k+"submission_id", "Choose the submission the quote comes from.")
		c.Required(k+"text", q.Text, "the words quoted")
		longText(&c, k+"text", q.Text, MaxQuote)
		if q.Theme != "" && !known[strings.ToLower(q.Theme)] {
			c.Addf(k+"theme", "There is no theme %q in the report.", q.Theme)
		}
	}
	return c.Err()
}

// ReportProblems lists what must be written before a report is published: the three parts,
// at least one theme, and a response to every theme. Nil when it may be published.
func ReportProblems(r Report) valid.Errors {
	errs := valid.Errors{}
	if strings.TrimSpace(r.WeAsked) == "" {
		errs["we_asked"] = "Say what you asked before you publish the report."
	}
	if strings.TrimSpace(r.YouSaid) == "" {
		errs["you_said"] = "Say what people told you before you publish the report."
	}
	if strings.TrimSpace(r.WeDid) == "" {
		errs["we_did"] = "Say what you did with what you heard before you publish the report."
	}
	if len(r.Themes) == 0 {
		errs["themes"] = "Add at least one theme before you publish the report."
	}
	for i, t := range r.Themes {
		if strings.TrimSpace(t.Response) == "" {
			errs[fmt.Sprintf("themes[%d].response", i)] = fmt.Sprintf("Write your response to the theme %q before you publish the report.", t.Name)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// ---- the service's part ----

// report gathers the report of e: its texts, counts, themes with their quotes and links, and
// the engagement's own links. With staff, hidden quotes are included (marked); otherwise
// they are left out. It reads links through the directory, so it must not run inside a
// transaction.
func (s *Service) report(ctx context.Context, e Engagement, staff bool) (Report, error) {
	r, err := s.Store.Report(ctx, s.DB, e.ID)
	if errors.Is(err, db.ErrNotFound) {
		r = Report{EngagementID: e.ID}
	} else if err != nil {
		return Report{}, err
	}
	if r.Participants, r.Submissions, r.Statements, err = s.Store.Counts(ctx, s.DB, e.ID); err != nil {
		return Report{}, err
	}
	if r.Themes, err = s.Store.Themes(ctx, s.DB, e.ID); err != nil {
		return Report{}, err
	}
	if r.Themes == nil {
		r.Themes = []Theme{}
	}
	quotes, err := s.Store.Quotes(ctx, s.DB, e.ID)
	if err != nil {
		return Report{}, err
	}
	r.Quotes = []Quote{}
	for _, q := range quotes {
		if q.Hidden && !staff {
			continue
		}
		r.Quotes = append(r.Quotes, q)
		for i := range r.Themes {
			if r.Themes[i].ID == q.ThemeID {
				r.Themes[i].Quotes = append(r.Themes[i].Quotes, q)
			}
		}
	}
	r.Links = []directory.Link{}
	if s.Dir != nil {
		if set, err := s.Dir.LinksOf(ctx, "engagement", e.ID); err == nil {
			r.Links = set.Outgoing
		} else if !errors.Is(err, db.ErrNotFound) {
			return Report{}, err
		}
		for i := range r.Themes {
			r.Themes[i].Links = []directory.Link{}
			if set, err := s.Dir.LinksOf(ctx, KindTheme, r.Themes[i].ID); err == nil {
				r.Themes[i].Links = set.Outgoing
			} else if !errors.Is(err, db.ErrNotFound) {
				return Report{}, err
			}
		}
	}
	return r, nil
}

// Report returns an engagement and its report: everyone sees it once published; members of
// the owner and its partners see it while it is written (db.ErrNotFound for others).
func (s *Service) Report(ctx context.Context, key string) (Detail, Report, error) {
	p := authz.From(ctx)
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Detail{}, Report{}, err
	}
	staff := CanSeeDraftReport(p, e)
	r, err := s.report(ctx, e, staff)
	if err != nil {
		return Detail{}, Report{}, err
	}
	if !r.Published() && !staff {
		return Detail{}, Report{}, db.ErrNotFound
	}
	d, err := s.detailOf(ctx, e)
	return d, r, err
}

// ReportForEditing returns the engagement and its report (hidden quotes included) for its
// owner's managers.
func (s *Service) ReportForEditing(ctx context.Context, key string) (Detail, Report, error) {
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Detail{}, Report{}, err
	}
	if !CanManage(authz.From(ctx), e) {
		return Detail{}, Report{}, authz.ErrForbidden
	}
	r, err := s.report(ctx, e, true)
	if err != nil {
		return Detail{}, Report{}, err
	}
	d, err := s.detailOf(ctx, e)
	return d, r, err
}

// SaveReport writes the report of the engagement with ID or slug key (its owner's managers):
// the texts, the themes (in order; left-out ones deleted with their tags) and the quotes,
// each taken word for word from a submission whose author agreed to be quoted. A published
// report may be corrected; the change is audited.
func (s *Service) SaveReport(ctx context.Context, key string, in ReportInput) (Report, error) {
	p := authz.From(ctx)
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Report{}, err
	}
	if !CanManage(p, e) {
		return Report{}, audit.Deny(ctx, s.DB, "engagement.report_update", "engagement", e.ID)
	}
	in.Normalize()
	existing, err := s.Store.Themes(ctx, s.DB, e.ID)
	if err != nil {
		return Report{}, err
	}
	names := make([]string, 0, len(existing))
	if in.Themes != nil {
		for _, t := range in.Themes {
			names = append(names, t.Name)
		}
	} else {
		for _, t := range existing {
			names = append(names, t.Name)
		}
	}
	if err := in.Validate(names); err != nil {
		return Report{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SaveReport(ctx, tx, e.ID, in.WeAsked, in.YouSaid, in.WeDid); err != nil {
			return err
		}
		if in.Themes != nil {
			if err := s.saveThemes(ctx, tx, e, in.Themes); err != nil {
				return err
			}
		}
		if in.Quotes != nil {
			if err := s.saveQuotes(ctx, tx, e, in.Quotes); err != nil {
				return err
			}
		}
		if err := s.index(ctx, tx, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "engagement.report_update", TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
			Detail: fmt.Sprintf("%d themes, %d quotes given", len(in.Themes), len(in.Quotes))})
	})
	if err != nil {
		return Report{}, err
	}
	return s.report(ctx, e, true)
}

// saveThemes makes the engagement's themes those of in, in that order.
func (s *Service) saveThemes(ctx context.Context, tx *db.Tx, e Engagement, in []ThemeInput) error {
	existing, err := s.Store.Themes(ctx, tx, e.ID)
	if err != nil {
		return err
	}
	have := map[int64]Theme{}
	for _, t := range existing {
		have[t.ID] = t
	}
	kept := map[int64]bool{}
	for i, t := range in {
		if t.ID == 0 {
			continue
		}
		if _, ok := have[t.ID]; !ok {
			return valid.Errors{fmt.Sprintf("themes[%d].name", i): "This theme is not one of the engagement's: leave its ID out to add it."}
		}
		kept[t.ID] = true
	}
	for _, t := range existing {
		if !kept[t.ID] {
			if err := s.Store.DeleteTheme(ctx, tx, t.ID); err != nil {
				return err
			}
		}
	}
	// Names are unique per engagement: park renamed themes under names no one types first,
	// so that two themes may swap names.
	for id := range kept {
		if err := s.Store.RenameTheme(ctx, tx, id, fmt.Sprintf("\u2063renaming %d", id)); err != nil {
			return err
		}
	}
	for i, t := range in {
		if t.ID == 0 {
			if _, err := s.Store.InsertTheme(ctx, tx, e.ID, t, i); err != nil {
				return err
			}
		} else if err := s.Store.UpdateTheme(ctx, tx, t.ID, t, i); err != nil {
			return err
		}
	}
	return nil
}

// saveQuotes makes the engagement's quotes those of in, checking each against its submission.
func (s *Service) saveQuotes(ctx context.Context, tx *db.Tx, e Engagement, in []QuoteInput) error {
	themes, err := s.Store.Themes(ctx, tx, e.ID)
	if err != nil {
		return err
	}
	byName := map[string]int64{}
	for _, t := range themes {
		byName[strings.ToLower(t.Name)] = t.ID
	}
	existing, err := s.Store.Quotes(ctx, tx, e.ID)
	if err != nil {
		return err
	}
	have := map[int64]bool{}
	for _, q := range existing {
		have[q.ID] = true
	}
	errs := valid.Errors{}
	kept := map[int64]bool{}
	for i, q := range in {
		k := fmt.Sprintf("quotes[%d].", i)
		if q.ID != 0 && !have[q.ID] {
			errs[k+"text"] = "This quote is not one of the engagement's: leave its ID out to add it."
			continue
		}
		kept[q.ID] = true
		sub, err := s.Store.Submission(ctx, tx, q.SubmissionID)
		switch {
		case errors.Is(err, db.ErrNotFound) || (err == nil && sub.EngagementID != e.ID):
			errs[k+"submission_id"] = fmt.Sprintf("Submission %d is not one of this engagement's.", q.SubmissionID)
		case err != nil:
			return err
		case !sub.ConsentQuote:
			errs[k+"submission_id"] = fmt.Sprintf("The author of submission %d did not agree to be quoted.", q.SubmissionID)
		case sub.HiddenAt != nil:
			errs[k+"submission_id"] = fmt.Sprintf("Submission %d is hidden by a moderator: it cannot be quoted.", q.SubmissionID)
		case !QuoteFits(q.Text, sub.Texts()):
			errs[k+"text"] = fmt.Sprintf("Quote the words of submission %d exactly: shorten the quote if you need to, but do not change or add words.", q.SubmissionID)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	for _, q := range existing {
		if !kept[q.ID] {
			if err := s.Store.DeleteQuote(ctx, tx, q.ID); err != nil {
				return err
			}
		}
	}
	for _, q := range in {
		theme := byName[strings.ToLower(q.Theme)]
		text := collapse(q.Text)
		if q.ID == 0 {
			if _, err := s.Store.InsertQuote(ctx, tx, e.ID, q.SubmissionID, theme, text); err != nil {
				return err
			}
		} else if err := s.Store.UpdateQuote(ctx, tx, q.ID, q.SubmissionID, theme, text); err != nil {
			return err
		}
	}
	return nil
}

// PublishReport publishes the report of the engagement with ID or slug key (its owner's
// managers) once the engagement has closed: the engagement becomes "reported", and after
// the change is committed everyone who left an email and has not been told yet gets one
// email (in the background; Wait waits for it). Publishing again changes nothing but tells
// those still waiting (after a failed send).
func (s *Service) PublishReport(ctx context.Context, key string) (Report, error) {
	p := authz.From(ctx)
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Report{}, err
	}
	if !CanManage(p, e) {
		return Report{}, audit.Deny(ctx, s.DB, "engagement.report_publish", "engagement", e.ID)
	}
	switch e.Phase(s.Now()) {
	case PhaseClosed, PhaseReported:
	case PhaseDraft:
		return Report{}, valid.Errors{"status": "Publish the engagement and hear from people before you publish its report."}
	default:
		return Report{}, valid.Errors{"status": "Close the engagement before you publish its report: people are still taking part."}
	}
	r, err := s.report(ctx, e, true)
	if err != nil {
		return Report{}, err
	}
	if errs := ReportProblems(r); errs != nil {
		return Report{}, errs
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if !r.Published() || e.Status != StatusReported {
			if err := s.Store.PublishReport(ctx, tx, e.ID, p.UserID); err != nil {
				return err
			}
			if err := s.Store.SetStatus(ctx, tx, e.ID, StatusReported); err != nil {
				return err
			}
			now, err := s.Store.Engagement(ctx, tx, e.ID)
			if err != nil {
				return err
			}
			if err := s.index(ctx, tx, now); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, audit.Entry{Action: "engagement.report_publish", TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
				Detail: fmt.Sprintf("status %s → reported", e.Status)}); err != nil {
				return err
			}
		}
		tx.AfterCommit(func() { s.notifyLater(ctx, e) })
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	return s.report(ctx, e, true)
}

// notifyLater sends the report's emails in the background, keeping ctx's principal for the
// audit but not its cancellation.
func (s *Service) notifyLater(ctx context.Context, e Engagement) {
	if s.Mail == nil {
		s.Log.DebugContext(ctx, "no mail sender: participants of the engagement are not told of its report", "engagement", e.ID)
		return
	}
	ctx = context.WithoutCancel(ctx)
	s.sending.Add(1)
	go func() {
		defer s.sending.Done()
		if _, _, err := s.notify(ctx, e.ID); err != nil {
			s.Log.ErrorContext(ctx, "report emails", "engagement", e.ID, "err", err)
		}
	}()
}

// notifyBatch is how many participants are claimed at a time.
const notifyBatch = 100

// notify emails every participant of a reported engagement who left an email and has not
// been told, once each: each is claimed in the database before the email is sent, released
// if the sending fails (to be tried at the next publication), and their address is deleted
// once told. It returns how many emails were sent and failed; each batch is audited.
func (s *Service) notify(ctx context.Context, engagementID int64) (sent, failed int, err error) {
	if s.Mail == nil {
		return 0, 0, nil
	}
	e, err := s.Store.Engagement(ctx, s.DB, engagementID)
	if err != nil {
		return 0, 0, err
	}
	if e.Status != StatusReported {
		return 0, 0, nil
	}
	link := e.URL() + "/report"
	if s.BaseURL != nil {
		link = strings.TrimRight(s.BaseURL(), "/") + link
	}
	var failures []int64
	defer func() {
		if len(failures) > 0 {
			if rerr := s.DB.InTx(ctx, func(tx *db.Tx) error { return s.Store.ReleaseRecipients(ctx, tx, failures) }); rerr != nil && err == nil {
				err = rerr
			}
		}
	}()
	for {
		var batch []Recipient
		if err := s.DB.InTx(ctx, func(tx *db.Tx) (err error) {
			batch, err = s.Store.ClaimRecipients(ctx, tx, e.ID, notifyBatch)
			return err
		}); err != nil {
			return sent, failed, err
		}
		if len(batch) == 0 {
			return sent, failed, nil
		}
		var told []int64
		for _, r := range batch {
			m := mail.Message{To: r.Email, Subject: "What we heard: " + e.Title, Text: reportEmail(e, link)}
			if err := s.Mail.Send(ctx, m); err != nil {
				s.Log.WarnContext(ctx, "report email not sent", "engagement", e.ID, "participant", r.ID, "err", err)
				failures = append(failures, r.ID)
				continue
			}
			told = append(told, r.ID)
		}
		sent += len(told)
		failed += len(batch) - len(told)
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := s.Store.ForgetEmails(ctx, tx, told); err != nil {
				return err
			}
			outcome := audit.Success
			if len(told) < len(batch) {
				outcome = audit.Failure
			}
			return audit.Record(ctx, tx, audit.Entry{Action: "engagement.report_notify", TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
				Outcome: outcome, Detail: fmt.Sprintf("%d emails sent, %d failed", len(told), len(batch)-len(told))})
		})
		if err != nil {
			return sent, failed, err
		}
	}
}

func reportEmail(e Engagement, link string) string {
	return fmt.Sprintf(`Thank you for taking part in "%s", run by %s.

We have published our report: what we asked, what you told us, and what we did about it.

Read it here: %s

You are getting this email because you asked to hear back. We have now deleted your email address from this engagement and will not write to you about it again.
`, e.Title, e.OrgName, link)
}

// ---- themes and tags ----

// Themes lists an engagement's themes with their counts, for its owner's contributors.
func (s *Service) Themes(ctx context.Context, key string) (Detail, []Theme, error) {
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Detail{}, nil, err
	}
	if !CanWork(authz.From(ctx), e) {
		return Detail{}, nil, authz.ErrForbidden
	}
	ts, err := s.Store.Themes(ctx, s.DB, e.ID)
	if err != nil {
		return Detail{}, nil, err
	}
	d, err := s.detailOf(ctx, e)
	return d, ts, err
}

// Submissions lists a page of an engagement's submissions with their themes and the total
// matching, for its owner's contributors (others who may see the engagement get ErrForbidden).
func (s *Service) Submissions(ctx context.Context, key string, f SubmissionFilter) ([]Submission, int, error) {
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return nil, 0, err
	}
	if !CanWork(authz.From(ctx), e) {
		return nil, 0, authz.ErrForbidden
	}
	ss, err := s.Store.Submissions(ctx, s.DB, e.ID, f)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.Store.CountSubmissions(ctx, s.DB, e.ID, f)
	return ss, n, err
}

// CreateTheme adds a theme at the end of an engagement's list (its owner's contributors).
func (s *Service) CreateTheme(ctx context.Context, key, name string) (Theme, error) {
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Theme{}, err
	}
	if !CanWork(authz.From(ctx), e) {
		return Theme{}, audit.Deny(ctx, s.DB, "engagement.theme_create", "engagement", e.ID)
	}
	name = collapse(name)
	var c valid.Checker
	c.Text("name", name, "the theme's name", MaxThemeName)
	longText(&c, "name", name, MaxThemeName)
	if err := c.Err(); err != nil {
		return Theme{}, err
	}
	var t Theme
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		ts, err := s.Store.Themes(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		for _, x := range ts {
			if strings.EqualFold(x.Name, name) {
				return valid.Errors{"name": fmt.Sprintf("The engagement already has a theme %q.", x.Name)}
			}
		}
		if len(ts) >= MaxThemes {
			return valid.Errors{"name": fmt.Sprintf("The engagement has %d themes already: merge some first.", MaxThemes)}
		}
		id, err := s.Store.InsertTheme(ctx, tx, e.ID, ThemeInput{Name: name}, len(ts))
		if errors.Is(err, db.ErrConflict) {
			return valid.Errors{"name": fmt.Sprintf("The engagement already has a theme %q.", name)}
		} else if err != nil {
			return err
		}
		if t, err = s.Store.Theme(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "engagement.theme_create", TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
			Detail: fmt.Sprintf("theme %d %q", id, name)})
	})
	return t, err
}

// checkItem finds the engagement and the theme for a change of tags, with the permission
// check (the owner's contributors) and field messages for a theme or item of another
// engagement.
func (s *Service) checkItem(ctx context.Context, engagementID int64, themeIDs []int64, kind string, itemID int64, action string) (Engagement, error) {
	e, err := s.Store.Engagement(ctx, s.DB, engagementID)
	if err != nil {
		return Engagement{}, err
	}
	p := authz.From(ctx)
	if !CanSee(p, e) {
		return Engagement{}, db.ErrNotFound
	}
	if !CanWork(p, e) {
		return Engagement{}, audit.Deny(ctx, s.DB, action, "engagement", e.ID)
	}
	for _, id := range themeIDs {
		t, err := s.Store.Theme(ctx, s.DB, id)
		if errors.Is(err, db.ErrNotFound) || (err == nil && t.EngagementID != e.ID) {
			return Engagement{}, valid.Errors{"theme_id": "Choose one of this engagement's themes."}
		} else if err != nil {
			return Engagement{}, err
		}
	}
	if kind != ItemSubmission && kind != ItemStatement {
		return Engagement{}, valid.Errors{"kind": "Tag a submission or a statement."}
	}
	eid, err := s.Store.ItemEngagement(ctx, s.DB, kind, itemID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && eid != e.ID) {
		return Engagement{}, valid.Errors{"item_id": fmt.Sprintf("There is no %s %d in this engagement.", kind, itemID)}
	}
	return e, err
}

// TagItem tags a submission or statement (kind ItemSubmission or ItemStatement) of an
// engagement with one of its themes: the owner's contributors. Tagging again changes
// nothing. The opinion map's statements are tagged through here too.
func (s *Service) TagItem(ctx context.Context, engagementID, themeID int64, kind string, itemID int64) error {
	return s.tag(ctx, engagementID, themeID, kind, itemID, true)
}

// UntagItem removes a tag put by TagItem.
func (s *Service) UntagItem(ctx context.Context, engagementID, themeID int64, kind string, itemID int64) error {
	return s.tag(ctx, engagementID, themeID, kind, itemID, false)
}

func (s *Service) tag(ctx context.Context, engagementID, themeID int64, kind string, itemID int64, on bool) error {
	action := "engagement.tag"
	if !on {
		action = "engagement.untag"
	}
	e, err := s.checkItem(ctx, engagementID, []int64{themeID}, kind, itemID, action)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if on {
			err = s.Store.TagItem(ctx, tx, themeID, kind, itemID)
		} else {
			err = s.Store.UntagItem(ctx, tx, themeID, kind, itemID)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
			Detail: fmt.Sprintf("%s %d, theme %d", kind, itemID, themeID)})
	})
}

// SetItemThemes makes an item's themes exactly themeIDs (the tagging page's checkboxes), in
// one audited change.
func (s *Service) SetItemThemes(ctx context.Context, engagementID int64, kind string, itemID int64, themeIDs []int64) error {
	themeIDs = uniqueIDs(themeIDs)
	e, err := s.checkItem(ctx, engagementID, themeIDs, kind, itemID, "engagement.tag")
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		had, err := s.Store.ItemThemes(ctx, tx, kind, itemID)
		if err != nil {
			return err
		}
		var added, removed []string
		for _, id := range had {
			if !slices.Contains(themeIDs, id) {
				if err := s.Store.UntagItem(ctx, tx, id, kind, itemID); err != nil {
					return err
				}
				removed = append(removed, fmt.Sprint(id))
			}
		}
		for _, id := range themeIDs {
			if !slices.Contains(had, id) {
				if err := s.Store.TagItem(ctx, tx, id, kind, itemID); err != nil {
					return err
				}
				added = append(added, fmt.Sprint(id))
			}
		}
		if len(added)+len(removed) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "engagement.tag", TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
			Detail: fmt.Sprintf("%s %d: themes added [%s], removed [%s]", kind, itemID, strings.Join(added, " "), strings.Join(removed, " "))})
	})
}
