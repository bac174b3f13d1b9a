package engagement

// Submissions through an engagement's form (built with the question engine), with consent to
// be quoted, optional demographic questions and the option to hear back by email.
//
// Demographic answers are stored in their own table with nothing that links them to the
// submission or the participant: no column, and a creation date rounded to the day so that
// times cannot pair them up either.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Field names of the submission form beside the questions. Question IDs start with a letter,
// so these cannot be a question's; demographic questions are named DemoPrefix + their ID.
const (
	FieldConsentQuote = "_consent_quote"
	FieldHearBack     = "_hear_back"
	FieldEmail        = "_email"
	DemoPrefix        = "demo."
)

// SubmissionIn is a participant's submission, parsed.
type SubmissionIn struct {
	Answers      forms.Answers
	Demographics forms.Answers // keyed by the demographic questions' own IDs
	ConsentQuote bool
	HearBack     bool
	Email        string
}

// DemographicsForm is the engagement's demographic questions as the page names them: each ID
// (and each show-if reference) prefixed with DemoPrefix. Nil when there are none.
func DemographicsForm(e Engagement) *forms.Questionnaire {
	if e.Demographics == nil || len(e.Demographics.Questions) == 0 {
		return nil
	}
	q := *e.Demographics
	q.ID = DemoPrefix + q.ID
	q.Questions = make([]forms.Question, len(e.Demographics.Questions))
	for i, qu := range e.Demographics.Questions {
		qu.ID = DemoPrefix + qu.ID
		if qu.ShowIf != nil {
			c := *qu.ShowIf
			c.Question = DemoPrefix + c.Question
			qu.ShowIf = &c
		}
		q.Questions[i] = qu
	}
	return &q
}

// ParseSubmission reads a submission form: the answers to the engagement's questions, the
// demographic answers, consent to be quoted, and an email when the participant asks to hear
// back. With errors (keyed by field name) it also returns the answers as typed, demographic
// ones under their prefixed IDs, for drawing the form again.
func ParseSubmission(e Engagement, v url.Values) (SubmissionIn, forms.Answers, forms.Answers, valid.Errors) {
	var in SubmissionIn
	errs := valid.Errors{}
	var typed, demoTyped forms.Answers
	if e.Questionnaire != nil {
		as, es := forms.ParseForm(*e.Questionnaire, v)
		typed = as
		for k, m := range es {
			errs[k] = m
		}
		in.Answers = as
	}
	if dq := DemographicsForm(e); dq != nil {
		as, es := forms.ParseForm(*dq, v)
		demoTyped = as
		for k, m := range es {
			errs[k] = m
		}
		for _, a := range as {
			a.Question = strings.TrimPrefix(a.Question, DemoPrefix)
			in.Demographics = append(in.Demographics, a)
		}
	}
	in.ConsentQuote = v.Get(FieldConsentQuote) != ""
	in.HearBack = v.Get(FieldHearBack) != ""
	if in.HearBack {
		in.Email = strings.TrimSpace(v.Get(FieldEmail))
		var c valid.Checker
		c.Email(FieldEmail, in.Email)
		if err, ok := valid.As(c.Err()); ok {
			for k, m := range err {
				errs[k] = m + " We use it only to tell you when the report is published."
			}
		}
	}
	if len(in.Answers) == 0 && e.Questionnaire != nil && len(errs) == 0 {
		errs[""] = "Answer at least one question before you send your response."
	}
	if len(errs) > 0 {
		return in, typed, demoTyped, errs
	}
	return in, typed, demoTyped, nil
}

// Submit stores a participant's submission to an open engagement with a form, and apart from
// it, with no link, their demographic answers. A participant who asks to hear back has their
// email kept until the report is published. It returns the submission's ID.
func (s *Service) Submit(ctx context.Context, key string, id Identity, in SubmissionIn) (int64, error) {
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return 0, err
	}
	if e.Questionnaire == nil {
		return 0, db.ErrNotFound
	}
	if err := checkOpen(e, s.Now()); err != nil {
		return 0, err
	}
	if !id.Known() {
		return 0, ErrNoParticipant
	}
	email := ""
	if in.HearBack {
		var c valid.Checker
		c.Email(FieldEmail, in.Email)
		if err := c.Err(); err != nil {
			return 0, err
		}
		email = in.Email
	}
	var sid int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		pid, err := ensureParticipant(ctx, tx, e.ID, id.Hash, id.UserID, email)
		if err != nil {
			return err
		}
		if sid, err = s.Store.InsertSubmission(ctx, tx, Submission{EngagementID: e.ID, ParticipantID: pid, Answers: in.Answers, ConsentQuote: in.ConsentQuote}); err != nil {
			return err
		}
		if len(in.Demographics) > 0 {
			b, err := json.Marshal(in.Demographics)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO engagement_demographics (engagement_id, answers, created_at) VALUES (?, ?, ?)",
				e.ID, string(b), day(s.Now())); err != nil {
				return db.MapError(err)
			}
		}
		tx.AfterCommit(func() { s.p().people.put(e.ID, id.Hash, pid) })
		return nil
	})
	return sid, err
}

// ---- exports ----

// SubmissionRow is one submission as exported. Email is the address its author left to hear
// back: only the owner's managers see it (it is empty for others, and once the report has been
// sent it is forgotten).
type SubmissionRow struct {
	ID           int64          `json:"id"`
	CreatedAt    time.Time      `json:"created_at"`
	ConsentQuote bool           `json:"consent_quote"`
	Hidden       bool           `json:"hidden"`
	Email        string         `json:"email,omitempty"`
	Answers      map[string]any `json:"answers"`
	answers      forms.Answers
}

// ExportBatch is how many submissions an export reads at a time.
const ExportBatch = 500

// CanSeeEmails: the owner's managers see the emails participants left.
func CanSeeEmails(p authz.Principal, e Engagement) bool { return CanManage(p, e) }

// SubmissionExport starts an export of an engagement's submissions: its owner's contributors
// (authz.ErrForbidden for others who may see it). It returns the engagement and whether the
// rows will carry emails.
func (s *Service) SubmissionExport(ctx context.Context, key string) (Engagement, bool, error) {
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Engagement{}, false, err
	}
	p := authz.From(ctx)
	if !CanWork(p, e) {
		return Engagement{}, false, authz.ErrForbidden
	}
	return e, CanSeeEmails(p, e), nil
}

// SubmissionRows reads up to limit submissions of e after ID after, in ID order; emails only
// when withEmail.
func (s *Service) SubmissionRows(ctx context.Context, e Engagement, withEmail bool, after int64, limit int) ([]SubmissionRow, error) {
	var out []SubmissionRow
	err := db.Each(ctx, s.DB, `SELECT s.id, s.answers, s.consent_quote, s.created_at, s.hidden_at IS NOT NULL, COALESCE(p.email, '')
		FROM engagement_submissions s LEFT JOIN engagement_participants p ON p.id = s.participant_id
		WHERE s.engagement_id = ? AND s.id > ? ORDER BY s.id LIMIT ?`, []any{e.ID, after, limit}, func(rows *sql.Rows) error {
		var r SubmissionRow
		var answers, email string
		if err := rows.Scan(&r.ID, &answers, &r.ConsentQuote, &r.CreatedAt, &r.Hidden, &email); err != nil {
			return err
		}
		r.CreatedAt = r.CreatedAt.UTC()
		if withEmail {
			r.Email = email
		}
		if err := json.Unmarshal([]byte(answers), &r.answers); err != nil {
			return fmt.Errorf("submission %d answers: %w", r.ID, err)
		}
		r.Answers = map[string]any{}
		if e.Questionnaire != nil {
			r.Answers = r.answers.Map(*e.Questionnaire)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// CSVHeader is the header row of a submissions CSV.
func CSVHeader(e Engagement, withEmail bool) []string {
	h := []string{"id", "submitted_at", "consent_to_quote", "hidden"}
	if withEmail {
		h = append(h, "email")
	}
	if e.Questionnaire != nil {
		for _, q := range e.Questionnaire.Questions {
			h = append(h, q.ID)
		}
	}
	return h
}

// CSVRow is a submission as a CSV row under CSVHeader.
func (r SubmissionRow) CSVRow(e Engagement, withEmail bool) []string {
	row := []string{strconv.FormatInt(r.ID, 10), r.CreatedAt.Format(time.RFC3339), yesNo(r.ConsentQuote), yesNo(r.Hidden)}
	if withEmail {
		row = append(row, r.Email)
	}
	if e.Questionnaire != nil {
		for _, q := range e.Questionnaire.Questions {
			a, ok := r.answers.Get(q.ID)
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, answerText(q, a))
		}
	}
	return row
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// answerText is an answer as one cell: option labels joined by "; ", the number, the text,
// "yes" for consent, "not applicable".
func answerText(q forms.Question, a forms.Answer) string {
	switch {
	case a.NA:
		return "not applicable"
	case q.Type == forms.Text || q.Type == forms.Textarea:
		return a.Text
	case a.Number != nil:
		return strconv.FormatFloat(*a.Number, 'f', -1, 64)
	}
	labels := make([]string, 0, len(a.Values))
	for _, v := range a.Values {
		l := v
		for _, o := range q.Options {
			if o.Value == v {
				l = o.Label
			}
		}
		labels = append(labels, l)
	}
	return strings.Join(labels, "; ")
}
