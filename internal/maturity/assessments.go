package maturity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Limits on what one answer holds.
const (
	maxAssessmentTitle = 200
	maxEvidenceNotes   = 4000
	maxAnswerLinks     = 20
	maxAnswerLink      = 2000
	maxAgreedReason    = 2000
	maxAnswersPut      = 1000 // items in one PUT of answers
)

// Subject kinds an assessment can be about.
var subjectKinds = []string{"organisation", "program", "engagement"}

// Respondent is a person invited to answer an assessment.
type Respondent struct {
	UserID      int64      `json:"user_id"`
	Name        string     `json:"name"`
	Email       string     `json:"email,omitempty"`
	Orgs        []string   `json:"organisations,omitempty"`
	InvitedAt   time.Time  `json:"invited_at"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	Answered    int        `json:"answered"`
}

// Submitted reports whether the respondent has marked their answers done.
func (r Respondent) Submitted() bool { return r.SubmittedAt != nil }

// AssessmentInput is what a manager fills in to start an assessment.
type AssessmentInput struct {
	OrgID       int64  `json:"organisation_id"`
	FrameworkID int64  `json:"framework_id"`
	Title       string `json:"title"`
	SubjectKind string `json:"subject_kind"`
	SubjectID   int64  `json:"subject_id"`
	PeriodStart string `json:"period_start"` // YYYY-MM-DD
	PeriodEnd   string `json:"period_end"`
	// Facilitator is the facilitator's email; empty means the person creating it.
	Facilitator string `json:"facilitator"`
}

// Normalize trims the input.
func (in *AssessmentInput) Normalize() {
	in.Title = strings.TrimSpace(in.Title)
	in.SubjectKind = strings.TrimSpace(in.SubjectKind)
	if in.SubjectKind == "" {
		in.SubjectKind = "organisation"
	}
	in.PeriodStart = strings.TrimSpace(in.PeriodStart)
	in.PeriodEnd = strings.TrimSpace(in.PeriodEnd)
	in.Facilitator = strings.TrimSpace(in.Facilitator)
}

// validate checks the fields that need no database, returning the parsed period.
func (in AssessmentInput) validate(c *valid.Checker) (start, end time.Time) {
	c.Check(in.OrgID > 0, "organisation_id", "Choose the organisation being assessed.")
	c.Check(in.FrameworkID > 0, "framework_id", "Choose a framework.")
	c.Text("title", in.Title, "a title", maxAssessmentTitle)
	c.OneOf("subject_kind", in.SubjectKind, subjectKinds, "what is assessed")
	if in.SubjectKind == "organisation" && in.SubjectID != 0 {
		c.Add("subject_id", "Leave the program or engagement number empty when the whole organisation is assessed.")
	}
	c.Check(in.SubjectID >= 0, "subject_id", "Enter a program or engagement number, or leave it empty.")
	if in.PeriodStart == "" {
		c.Add("period_start", "Enter the start of the period assessed.")
	}
	if in.PeriodEnd == "" {
		c.Add("period_end", "Enter the end of the period assessed.")
	}
	start = c.ParseDate("period_start", in.PeriodStart)
	end = c.ParseDate("period_end", in.PeriodEnd)
	c.Period("period_start", start, "period_end", end)
	if in.Facilitator != "" {
		c.Email("facilitator", in.Facilitator)
	}
	return start, end
}

// Who may do what. An assessment belongs to an organisation: its members see that it exists
// and, once closed, its results; its respondents (who may come from partner organisations)
// see it and their own answers; its facilitator, and the organisation's managers standing in
// for them, run it. Everyone else is told it does not exist.

// CanCreateAssessment: managers of the organisation assessed.
func CanCreateAssessment(p authz.Principal, orgID int64) bool { return p.Can(authz.Manage, orgID) }

// CanFacilitate: the facilitator, and the organisation's managers (and site admins), who
// stand in when the facilitator is away.
func CanFacilitate(p authz.Principal, a Assessment) bool {
	return (p.SignedIn() && a.FacilitatorID != 0 && p.UserID == a.FacilitatorID) || p.Can(authz.Manage, a.OrgID)
}

// CanSeeResults: the facilitator and managers at any time (to watch them form); once closed,
// every member of the organisation. Respondents from other organisations are answered by
// (*Service).MaySeeResults, which knows who responded.
func CanSeeResults(p authz.Principal, a Assessment) bool {
	return CanFacilitate(p, a) || (a.Status == StatusClosed && p.Can(authz.Read, a.OrgID))
}

// CanSetBenchmark: the organisation's admins decide whether its results join benchmarks.
func CanSetBenchmark(p authz.Principal, a Assessment) bool { return p.Can(authz.Administer, a.OrgID) }

// canSeeAssessment: members of the organisation, the facilitator, respondents.
func canSeeAssessment(p authz.Principal, a Assessment, respondent bool) bool {
	return respondent || CanFacilitate(p, a) || p.Can(authz.Read, a.OrgID)
}

// --- Store ---

const assessmentColumns = `a.id, a.organisation_id, o.name, a.framework_id, f.title, a.title, a.subject_kind, a.subject_id,
	a.period_start, a.period_end, a.status, a.facilitator_id, COALESCE(u.name, ''), a.benchmark_optin, a.created_at, a.updated_at, a.closed_at`
const assessmentFrom = ` FROM maturity_assessments a JOIN organisations o ON o.id = a.organisation_id
	JOIN frameworks f ON f.id = a.framework_id LEFT JOIN users u ON u.id = a.facilitator_id`

func scanAssessment(row interface{ Scan(...any) error }) (Assessment, error) {
	var a Assessment
	var subject, facilitator sql.Null[int64]
	var start, end, closed sql.Null[time.Time]
	err := row.Scan(&a.ID, &a.OrgID, &a.OrgName, &a.FrameworkID, &a.FrameworkTitle, &a.Title, &a.SubjectKind, &subject,
		&start, &end, &a.Status, &facilitator, &a.Facilitator, &a.BenchmarkOptIn, &a.CreatedAt, &a.UpdatedAt, &closed)
	if err != nil {
		return a, db.MapError(err)
	}
	a.SubjectID, a.FacilitatorID = subject.V, facilitator.V
	if start.Valid {
		a.PeriodStart = calendarDate(start.V)
	}
	if end.Valid {
		a.PeriodEnd = calendarDate(end.V)
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if closed.Valid {
		t := closed.V.UTC()
		a.ClosedAt = &t
	}
	return a, nil
}

// dateOf keeps the calendar date of t (stored dates come back at midnight UTC).
func calendarDate(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func nullableID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullableDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return calendarDate(t)
}

// Assessment loads one assessment.
func (Store) Assessment(ctx context.Context, q db.Q, id int64) (Assessment, error) {
	return scanAssessment(q.QueryRow(ctx, "SELECT "+assessmentColumns+assessmentFrom+" WHERE a.id = ?", id))
}

// AssessmentFilter narrows the list of assessments.
type AssessmentFilter struct {
	All    bool    // every assessment (site admins)
	Orgs   []int64 // those of these organisations
	UserID int64   // and those this person facilitates or answers
	OrgID  int64   // only this organisation's (0: any)
	Status string  // only this status ("" any)
	// After pages by ID (the API's cursor): assessments with a greater ID, oldest first.
	After int64
	ByID  bool
	Limit int
}

// Assessments lists assessments, newest period first.
func (Store) Assessments(ctx context.Context, q db.Q, f AssessmentFilter) ([]Assessment, error) {
	var conds []string
	var args []any
	if !f.All {
		vis := []string{"a.organisation_id IN (" + db.Placeholders(len(f.Orgs)) + ")"}
		for _, o := range f.Orgs {
			args = append(args, o)
		}
		if f.UserID != 0 {
			vis = append(vis, "a.facilitator_id = ?", "EXISTS (SELECT 1 FROM maturity_respondents r WHERE r.assessment_id = a.id AND r.user_id = ?)")
			args = append(args, f.UserID, f.UserID)
		}
		conds = append(conds, "("+strings.Join(vis, " OR ")+")")
	}
	if f.OrgID != 0 {
		conds = append(conds, "a.organisation_id = ?")
		args = append(args, f.OrgID)
	}
	if f.Status != "" {
		conds = append(conds, "a.status = ?")
		args = append(args, f.Status)
	}
	order := " ORDER BY a.period_end DESC, a.id DESC"
	if f.ByID {
		conds = append(conds, "a.id > ?")
		args = append(args, f.After)
		order = " ORDER BY a.id"
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	var out []Assessment
	err := db.Each(ctx, q, "SELECT "+assessmentColumns+assessmentFrom+where+order+" LIMIT ?", append(args, f.Limit),
		func(rows *sql.Rows) error {
			a, err := scanAssessment(rows)
			out = append(out, a)
			return err
		})
	return out, err
}

// InsertAssessment stores a new, open assessment.
func (Store) InsertAssessment(ctx context.Context, q db.Q, a Assessment) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO maturity_assessments (organisation_id, framework_id, title, subject_kind, subject_id,
		period_start, period_end, status, facilitator_id, benchmark_optin, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.OrgID, a.FrameworkID, a.Title, a.SubjectKind, nullableID(a.SubjectID), nullableDate(a.PeriodStart), nullableDate(a.PeriodEnd),
		a.Status, nullableID(a.FacilitatorID), a.BenchmarkOptIn, a.CreatedAt, a.UpdatedAt).Scan(&id)
	return id, db.MapError(err)
}

// SetStatus moves an assessment from status from to status to (closed_at set when closing,
// cleared otherwise); ErrNotFound when it is no longer in status from.
func (Store) SetStatus(ctx context.Context, q db.Q, id int64, from, to string, now time.Time) error {
	var closed any
	if to == StatusClosed {
		closed = now
	}
	return db.Affected(q.Exec(ctx, "UPDATE maturity_assessments SET status = ?, closed_at = ?, updated_at = ? WHERE id = ? AND status = ?", to, closed, now, id, from))
}

// SetBenchmarkOptIn records the organisation's choice for the assessment.
func (Store) SetBenchmarkOptIn(ctx context.Context, q db.Q, id int64, in bool, now time.Time) error {
	return db.Affected(q.Exec(ctx, "UPDATE maturity_assessments SET benchmark_optin = ?, updated_at = ? WHERE id = ?", in, now, id))
}

// TouchIn marks the assessment changed, provided it is (still) in status: a change checked
// against the status before its transaction cannot slip past a status change made meanwhile
// (on PostgreSQL the row stays locked until commit). ErrNotFound otherwise.
func (Store) TouchIn(ctx context.Context, q db.Q, id int64, status string, now time.Time) error {
	return db.Affected(q.Exec(ctx, "UPDATE maturity_assessments SET updated_at = ? WHERE id = ? AND status = ?", now, id, status))
}

// Previous finds the last closed assessment of the same organisation against the same
// framework key (any version) whose period starts before a's (or the same period, created
// earlier).
func (Store) Previous(ctx context.Context, q db.Q, a Assessment) (Assessment, error) {
	return scanAssessment(q.QueryRow(ctx, "SELECT "+assessmentColumns+assessmentFrom+`
		WHERE a.organisation_id = ? AND a.status = ? AND a.id <> ?
		  AND f.key = (SELECT key FROM frameworks WHERE id = ?)
		  AND (a.period_start < ? OR (a.period_start = ? AND a.id < ?))
		ORDER BY a.period_start DESC, a.id DESC LIMIT 1`,
		a.OrgID, StatusClosed, a.ID, a.FrameworkID, calendarDate(a.PeriodStart), calendarDate(a.PeriodStart), a.ID))
}

// Respondents lists the people invited to answer, with how many items each has answered.
func (Store) Respondents(ctx context.Context, q db.Q, assessmentID int64) ([]Respondent, error) {
	var out []Respondent
	err := db.Each(ctx, q, `SELECT r.user_id, u.name, u.email, r.invited_at, r.submitted_at,
			(SELECT COUNT(*) FROM maturity_answers x WHERE x.assessment_id = r.assessment_id AND x.user_id = r.user_id AND x.current_choice <> '')
		FROM maturity_respondents r JOIN users u ON u.id = r.user_id
		WHERE r.assessment_id = ? ORDER BY lower(u.name), u.id`, []any{assessmentID}, func(rows *sql.Rows) error {
		var r Respondent
		var sub sql.Null[time.Time]
		if err := rows.Scan(&r.UserID, &r.Name, &r.Email, &r.InvitedAt, &sub, &r.Answered); err != nil {
			return err
		}
		r.InvitedAt = r.InvitedAt.UTC()
		if sub.Valid {
			t := sub.V.UTC()
			r.SubmittedAt = &t
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// Respondent loads one respondent of an assessment.
func (st Store) Respondent(ctx context.Context, q db.Q, assessmentID, userID int64) (Respondent, error) {
	rs, err := st.Respondents(ctx, q, assessmentID)
	if err != nil {
		return Respondent{}, err
	}
	for _, r := range rs {
		if r.UserID == userID {
			return r, nil
		}
	}
	return Respondent{}, db.ErrNotFound
}

// IsRespondent reports whether the person was invited to answer.
func (Store) IsRespondent(ctx context.Context, q db.Q, assessmentID, userID int64) (bool, error) {
	if userID == 0 {
		return false, nil
	}
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM maturity_respondents WHERE assessment_id = ? AND user_id = ?", assessmentID, userID).Scan(&n)
	return n > 0, err
}

// AddRespondent invites a person (ErrConflict when already invited).
func (Store) AddRespondent(ctx context.Context, q db.Q, assessmentID, userID int64, now time.Time) error {
	_, err := q.Exec(ctx, "INSERT INTO maturity_respondents (assessment_id, user_id, invited_at) VALUES (?, ?, ?)", assessmentID, userID, now)
	return db.MapError(err)
}

// RemoveRespondent withdraws an invitation and the answers given under it.
func (Store) RemoveRespondent(ctx context.Context, q db.Q, assessmentID, userID int64) error {
	if _, err := q.Exec(ctx, "DELETE FROM maturity_answers WHERE assessment_id = ? AND user_id = ?", assessmentID, userID); err != nil {
		return err
	}
	return db.Affected(q.Exec(ctx, "DELETE FROM maturity_respondents WHERE assessment_id = ? AND user_id = ?", assessmentID, userID))
}

// SetSubmitted marks a respondent's answers done (at now) or reopens them (zero now).
func (Store) SetSubmitted(ctx context.Context, q db.Q, assessmentID, userID int64, now time.Time) error {
	var at any
	if !now.IsZero() {
		at = now
	}
	return db.Affected(q.Exec(ctx, "UPDATE maturity_respondents SET submitted_at = ? WHERE assessment_id = ? AND user_id = ?", at, assessmentID, userID))
}

func joinAnswerLinks(ls []string) string { return strings.Join(ls, "\n") }

func splitAnswerLinks(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Answers loads one respondent's answers by item key.
func (Store) Answers(ctx context.Context, q db.Q, assessmentID, userID int64) (map[string]Answer, error) {
	out := map[string]Answer{}
	err := db.Each(ctx, q, `SELECT item_key, user_id, current_choice, target_choice, evidence, links, needs_improvement, updated_at
		FROM maturity_answers WHERE assessment_id = ? AND user_id = ?`, []any{assessmentID, userID}, func(rows *sql.Rows) error {
		a, err := scanAnswer(rows)
		out[a.ItemKey] = a
		return err
	})
	return out, err
}

func scanAnswer(rows *sql.Rows) (Answer, error) {
	var a Answer
	var links string
	err := rows.Scan(&a.ItemKey, &a.UserID, &a.Current, &a.Target, &a.Evidence, &links, &a.NeedsImprovement, &a.UpdatedAt)
	a.Links = splitAnswerLinks(links)
	a.UpdatedAt = a.UpdatedAt.UTC()
	return a, err
}

// RespondentAnswers loads every respondent's answers: user ID → item key → answer.
func (Store) RespondentAnswers(ctx context.Context, q db.Q, assessmentID int64) (map[int64]map[string]Answer, error) {
	out := map[int64]map[string]Answer{}
	err := db.Each(ctx, q, `SELECT item_key, user_id, current_choice, target_choice, evidence, links, needs_improvement, updated_at
		FROM maturity_answers WHERE assessment_id = ?`, []any{assessmentID}, func(rows *sql.Rows) error {
		a, err := scanAnswer(rows)
		if err != nil {
			return err
		}
		if out[a.UserID] == nil {
			out[a.UserID] = map[string]Answer{}
		}
		out[a.UserID][a.ItemKey] = a
		return nil
	})
	return out, err
}

// SaveAnswer inserts or replaces one respondent's answer to one item.
func (Store) SaveAnswer(ctx context.Context, q db.Q, assessmentID int64, a Answer) error {
	_, err := q.Exec(ctx, `INSERT INTO maturity_answers (assessment_id, user_id, item_key, current_choice, target_choice, evidence, links, needs_improvement, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (assessment_id, user_id, item_key) DO UPDATE SET current_choice = excluded.current_choice,
			target_choice = excluded.target_choice, evidence = excluded.evidence, links = excluded.links,
			needs_improvement = excluded.needs_improvement, updated_at = excluded.updated_at`,
		assessmentID, a.UserID, a.ItemKey, a.Current, a.Target, a.Evidence, joinAnswerLinks(a.Links), a.NeedsImprovement, a.UpdatedAt)
	return db.MapError(err)
}

// DeleteAnswer removes one respondent's answer to one item (cleared on the form).
func (Store) DeleteAnswer(ctx context.Context, q db.Q, assessmentID, userID int64, item string) error {
	_, err := q.Exec(ctx, "DELETE FROM maturity_answers WHERE assessment_id = ? AND user_id = ? AND item_key = ?", assessmentID, userID, item)
	return err
}

// AgreedAnswers loads the facilitator's agreed answers by item key (UserID holds who decided).
func (Store) AgreedAnswers(ctx context.Context, q db.Q, assessmentID int64) (map[string]Answer, error) {
	out := map[string]Answer{}
	err := db.Each(ctx, q, `SELECT item_key, COALESCE(decided_by, 0), current_choice, target_choice, needs_improvement, reason, decided_at
		FROM maturity_agreed WHERE assessment_id = ?`, []any{assessmentID}, func(rows *sql.Rows) error {
		var a Answer
		if err := rows.Scan(&a.ItemKey, &a.UserID, &a.Current, &a.Target, &a.NeedsImprovement, &a.Reason, &a.UpdatedAt); err != nil {
			return err
		}
		a.UpdatedAt = a.UpdatedAt.UTC()
		out[a.ItemKey] = a
		return nil
	})
	return out, err
}

// SaveAgreed inserts or replaces the agreed answer to one item.
func (Store) SaveAgreed(ctx context.Context, q db.Q, assessmentID int64, a Answer) error {
	_, err := q.Exec(ctx, `INSERT INTO maturity_agreed (assessment_id, item_key, current_choice, target_choice, needs_improvement, reason, decided_by, decided_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (assessment_id, item_key) DO UPDATE SET current_choice = excluded.current_choice,
			target_choice = excluded.target_choice, needs_improvement = excluded.needs_improvement, reason = excluded.reason,
			decided_by = excluded.decided_by, decided_at = excluded.decided_at`,
		assessmentID, a.ItemKey, a.Current, a.Target, a.NeedsImprovement, a.Reason, nullableID(a.UserID), a.UpdatedAt)
	return db.MapError(err)
}

// MyRespondents maps assessment ID to the person's invitation, for every assessment they
// were invited to.
func (Store) MyRespondents(ctx context.Context, q db.Q, userID int64) (map[int64]Respondent, error) {
	out := map[int64]Respondent{}
	err := db.Each(ctx, q, `SELECT r.assessment_id, r.invited_at, r.submitted_at,
			(SELECT COUNT(*) FROM maturity_answers x WHERE x.assessment_id = r.assessment_id AND x.user_id = r.user_id AND x.current_choice <> '')
		FROM maturity_respondents r WHERE r.user_id = ?`, []any{userID}, func(rows *sql.Rows) error {
		var id int64
		var sub sql.Null[time.Time]
		r := Respondent{UserID: userID}
		if err := rows.Scan(&id, &r.InvitedAt, &sub, &r.Answered); err != nil {
			return err
		}
		if sub.Valid {
			t := sub.V.UTC()
			r.SubmittedAt = &t
		}
		out[id] = r
		return nil
	})
	return out, err
}

// --- Service: reading ---

// stateConflict is an action refused because of the assessment's state (409).
func stateConflict(msg string) error { return &api.BadRequest{Status: http.StatusConflict, Msg: msg} }

// holdStatus, first in a change's transaction, marks the assessment changed provided it is
// still in status (checked before the transaction began): a status change made meanwhile
// wins, and this change is refused with a 409.
func (s *Service) holdStatus(ctx context.Context, tx *db.Tx, id int64, status string, now time.Time) error {
	err := s.Store.TouchIn(ctx, tx, id, status, now)
	if errors.Is(err, db.ErrNotFound) {
		return stateConflict("The assessment changed meanwhile: reload the page and try again.")
	}
	return err
}

// Assessment returns an assessment the principal may see: a member of its organisation, its
// facilitator or a respondent. Anyone else is told it does not exist.
func (s *Service) Assessment(ctx context.Context, id int64) (Assessment, error) {
	a, err := s.Store.Assessment(ctx, s.DB, id)
	if err != nil {
		return Assessment{}, err
	}
	ok, err := s.canSee(ctx, a)
	if err != nil {
		return Assessment{}, err
	}
	if !ok {
		return Assessment{}, db.ErrNotFound
	}
	return a, nil
}

func (s *Service) canSee(ctx context.Context, a Assessment) (bool, error) {
	p := authz.From(ctx)
	if canSeeAssessment(p, a, false) {
		return true, nil
	}
	return s.Store.IsRespondent(ctx, s.DB, a.ID, p.UserID)
}

// IsRespondent reports whether the principal was invited to answer a.
func (s *Service) IsRespondent(ctx context.Context, a Assessment) (bool, error) {
	return s.Store.IsRespondent(ctx, s.DB, a.ID, authz.From(ctx).UserID)
}

// MaySeeResults is CanSeeResults plus the respondents, who see the results once closed.
func (s *Service) MaySeeResults(ctx context.Context, a Assessment) (bool, error) {
	if CanSeeResults(authz.From(ctx), a) {
		return true, nil
	}
	if a.Status != StatusClosed {
		return false, nil
	}
	return s.IsRespondent(ctx, a)
}

// Previous is the last closed assessment of the same organisation against the same framework
// (any version) before a, when there is one the principal may see.
func (s *Service) Previous(ctx context.Context, a Assessment) (Assessment, bool, error) {
	prev, err := s.Store.Previous(ctx, s.DB, a)
	if errors.Is(err, db.ErrNotFound) {
		return Assessment{}, false, nil
	} else if err != nil {
		return Assessment{}, false, err
	}
	ok, err := s.canSee(ctx, prev)
	if err != nil || !ok {
		return Assessment{}, false, err
	}
	return prev, true, nil
}

// Assessments lists the assessments the principal may see: those of the organisations they
// belong to, and those they facilitate or answer (site admins: all).
func (s *Service) Assessments(ctx context.Context, f AssessmentFilter) ([]Assessment, error) {
	p := authz.From(ctx)
	if !p.SignedIn() && !p.SiteAdmin {
		return nil, nil
	}
	f.All, f.Orgs, f.UserID = p.SiteAdmin, p.Orgs(authz.Read), p.UserID
	return s.Store.Assessments(ctx, s.DB, f)
}

// Respondents lists who was invited to answer a, with their organisations.
func (s *Service) Respondents(ctx context.Context, a Assessment) ([]Respondent, error) {
	rs, err := s.Store.Respondents(ctx, s.DB, a.ID)
	if err != nil || len(rs) == 0 {
		return rs, err
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.UserID
	}
	ms, err := s.Dir.Store.MembershipsOfPeople(ctx, s.DB, ids)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		for _, m := range ms[rs[i].UserID] {
			rs[i].Orgs = append(rs[i].Orgs, m.OrgName)
		}
	}
	return rs, nil
}

// pack loads the framework pack of a.
func (s *Service) pack(ctx context.Context, a Assessment) (*Pack, error) {
	fw, err := s.Framework(ctx, a.FrameworkID)
	if err != nil {
		return nil, fmt.Errorf("framework %d of assessment %d: %w", a.FrameworkID, a.ID, err)
	}
	if fw.Pack == nil {
		return nil, fmt.Errorf("framework %d has no pack", a.FrameworkID)
	}
	return fw.Pack, nil
}

// Pack returns the framework pack a is answered against.
func (s *Service) Pack(ctx context.Context, a Assessment) (*Pack, error) { return s.pack(ctx, a) }

// Mine is a respondent's own view of an assessment: their invitation and answers.
type Mine struct {
	Respondent Respondent
	Answers    map[string]Answer
}

// MyAnswers returns the principal's own answers to a; only respondents have any.
func (s *Service) MyAnswers(ctx context.Context, a Assessment) (Mine, error) {
	p := authz.From(ctx)
	r, err := s.Store.Respondent(ctx, s.DB, a.ID, p.UserID)
	if errors.Is(err, db.ErrNotFound) || p.UserID == 0 {
		return Mine{}, authz.ErrForbidden
	} else if err != nil {
		return Mine{}, err
	}
	ans, err := s.Store.Answers(ctx, s.DB, a.ID, p.UserID)
	return Mine{Respondent: r, Answers: ans}, err
}

// --- Service: changes ---

// CreateAssessment starts an open assessment of in.OrgID; the creator facilitates unless
// another account is named.
func (s *Service) CreateAssessment(ctx context.Context, in AssessmentInput) (Assessment, error) {
	p := authz.From(ctx)
	in.Normalize()
	if !CanCreateAssessment(p, in.OrgID) {
		if !p.CanAny(authz.Manage) {
			return Assessment{}, audit.Deny(ctx, s.DB, "assessment.create", "organisation", in.OrgID)
		}
		if in.OrgID != 0 {
			return Assessment{}, valid.Errors{"organisation_id": "Choose an organisation you manage."}
		}
	}
	var c valid.Checker
	start, end := in.validate(&c)
	var fw Framework
	if in.FrameworkID > 0 {
		var err error
		fw, err = s.Framework(ctx, in.FrameworkID)
		if errors.Is(err, db.ErrNotFound) {
			c.Add("framework_id", "Choose a framework from the list.")
		} else if err != nil {
			return Assessment{}, err
		}
	}
	if in.OrgID > 0 {
		if _, err := s.Dir.Store.Org(ctx, s.DB, in.OrgID); errors.Is(err, db.ErrNotFound) {
			c.Add("organisation_id", "Choose an organisation from the list.")
		} else if err != nil {
			return Assessment{}, err
		}
	}
	if in.SubjectKind == "program" && in.SubjectID > 0 {
		if _, err := s.Dir.Store.Program(ctx, s.DB, in.SubjectID); errors.Is(err, db.ErrNotFound) {
			c.Add("subject_id", "There is no program with this number.")
		} else if err != nil {
			return Assessment{}, err
		}
	}
	facilitator := p.UserID
	if in.Facilitator != "" && !c.Has("facilitator") {
		u, err := auth.UserByEmail(ctx, s.DB, in.Facilitator)
		switch {
		case errors.Is(err, db.ErrNotFound):
			c.Add("facilitator", "No account has this email address: leave it empty to facilitate yourself.")
		case err != nil:
			return Assessment{}, err
		case u.Disabled():
			c.Add("facilitator", "This account is disabled: choose someone else.")
		default:
			facilitator = u.ID
		}
	}
	if err := c.Err(); err != nil {
		return Assessment{}, err
	}
	now := s.Now()
	a := Assessment{OrgID: in.OrgID, FrameworkID: fw.ID, Title: in.Title, SubjectKind: in.SubjectKind, SubjectID: in.SubjectID,
		PeriodStart: start, PeriodEnd: end, Status: StatusOpen, FacilitatorID: facilitator, CreatedAt: now, UpdatedAt: now}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err := s.Store.InsertAssessment(ctx, tx, a)
		if err != nil {
			return err
		}
		if a, err = s.Store.Assessment(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "assessment.create", TargetKind: "assessment", TargetID: id, Target: a.Title,
			Detail: fmt.Sprintf("organisation %d, framework %s %s, facilitator %d", a.OrgID, fw.Key, fw.Version, facilitator)})
	})
	return a, err
}

// facilitate loads an assessment for a change only its facilitator (or a manager) may make:
// ErrNotFound for those who may not see it, a denial audited for those who may.
func (s *Service) facilitate(ctx context.Context, id int64, action string) (Assessment, error) {
	a, err := s.Assessment(ctx, id)
	if err != nil {
		return Assessment{}, err
	}
	if !CanFacilitate(authz.From(ctx), a) {
		return Assessment{}, audit.Deny(ctx, s.DB, action, "assessment", id)
	}
	return a, nil
}

// InviteRespondent invites the account with this email to answer. Anyone with an account may
// be invited: staff of the organisation and of its partners alike; the list shows their
// organisations.
func (s *Service) InviteRespondent(ctx context.Context, id int64, email string) (Respondent, error) {
	a, err := s.facilitate(ctx, id, "assessment.invite")
	if err != nil {
		return Respondent{}, err
	}
	if a.Status != StatusOpen {
		return Respondent{}, stateConflict("Respondents are invited while the assessment is open.")
	}
	email = strings.TrimSpace(email)
	var c valid.Checker
	c.Email("email", email)
	if err := c.Err(); err != nil {
		return Respondent{}, err
	}
	u, err := auth.UserByEmail(ctx, s.DB, email)
	if errors.Is(err, db.ErrNotFound) {
		return Respondent{}, valid.Errors{"email": "No account has this email address: ask an administrator to create one first."}
	} else if err != nil {
		return Respondent{}, err
	}
	if u.Disabled() {
		return Respondent{}, valid.Errors{"email": "This account is disabled: invite someone else."}
	}
	var r Respondent
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := s.Now()
		if err := s.holdStatus(ctx, tx, id, StatusOpen, now); err != nil {
			return err
		}
		if err := s.Store.AddRespondent(ctx, tx, id, u.ID, now); errors.Is(err, db.ErrConflict) {
			return valid.Errors{"email": u.Name + " is already invited."}
		} else if err != nil {
			return err
		}
		if r, err = s.Store.Respondent(ctx, tx, id, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "assessment.invite", TargetKind: "assessment", TargetID: id, Target: a.Title,
			Detail: fmt.Sprintf("invited user %d (%s)", u.ID, u.Email)})
	})
	return r, err
}

// RemoveRespondent withdraws an invitation while the assessment is open; the person's answers
// go with it.
func (s *Service) RemoveRespondent(ctx context.Context, id, userID int64) error {
	a, err := s.facilitate(ctx, id, "assessment.uninvite")
	if err != nil {
		return err
	}
	if a.Status != StatusOpen {
		return stateConflict("Respondents are removed while the assessment is open.")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.holdStatus(ctx, tx, id, StatusOpen, s.Now()); err != nil {
			return err
		}
		r, err := s.Store.Respondent(ctx, tx, id, userID)
		if err != nil {
			return err
		}
		if err := s.Store.RemoveRespondent(ctx, tx, id, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "assessment.uninvite", TargetKind: "assessment", TargetID: id, Target: a.Title,
			Detail: fmt.Sprintf("removed user %d (%s) and %d answers", userID, r.Email, r.Answered)})
	})
}

// choices lists the choices an answer set allows: its options' keys, then not applicable and
// don't know where allowed.
func answerSetChoices(set AnswerSet) []string {
	out := make([]string, 0, len(set.Options)+2)
	for _, o := range set.Options {
		out = append(out, o.Key())
	}
	if set.NotApplicable {
		out = append(out, NotApplicable)
	}
	if set.DontKnow {
		out = append(out, DontKnow)
	}
	return out
}

// AnswerField names the field of an item's answer in forms and in problem+json errors:
// "ITEM/current", "ITEM/target", "ITEM/evidence", "ITEM/links", "ITEM/reason". Item IDs hold
// no slash.
func AnswerField(item, field string) string { return item + "/" + field }

// checkAnswerChoice checks one choice against the item's answer set.
func checkAnswerChoice(c *valid.Checker, field string, set AnswerSet, choice string, agreed bool) {
	switch {
	case choice == "":
	case choice == NotApplicable && !set.NotApplicable:
		c.Add(field, "Not applicable is not offered for this item: choose a level.")
	case choice == DontKnow && agreed:
		c.Add(field, "Agree a level (or not applicable where offered): “don't know” is for respondents.")
	case choice == DontKnow && strings.HasSuffix(field, "/target"):
		c.Add(field, "Choose the level you aim for, or leave the target unset.")
	case choice == DontKnow && !set.DontKnow:
		c.Add(field, "Don't know is not offered for this item: choose a level.")
	case !slices.Contains(answerSetChoices(set), choice):
		c.Add(field, "Choose one of the levels listed.")
	}
}

// checkAnswer validates one answer against its item and cleans it (links trimmed, blank
// lines dropped). agreed answers take a reason and no evidence.
func checkAnswer(c *valid.Checker, p *Pack, a *Answer, agreed bool) {
	it, ok := p.Item(a.ItemKey)
	if !ok {
		c.Addf(a.ItemKey, "There is no item %q in this framework.", clipAnswerText(a.ItemKey, 64))
		return
	}
	set, _ := p.AnswerSetOf(it)
	f := func(name string) string { return AnswerField(a.ItemKey, name) }
	a.Current, a.Target = strings.TrimSpace(a.Current), strings.TrimSpace(a.Target)
	checkAnswerChoice(c, f("current"), set, a.Current, agreed)
	checkAnswerChoice(c, f("target"), set, a.Target, agreed)
	if cur, ok := ItemScore(set, a.Current); ok {
		if tgt, ok := ItemScore(set, a.Target); ok && tgt < cur {
			c.Add(f("target"), "Choose a target at or above the current level.")
		}
	}
	if a.Current == NotApplicable && a.Target != "" && a.Target != NotApplicable {
		c.Add(f("target"), "An item that does not apply has no target: leave the target empty.")
	}
	if agreed {
		c.Check(a.Current != "", f("current"), "Choose the agreed current level.")
		a.Reason = strings.TrimSpace(a.Reason)
		c.MaxLen(f("reason"), a.Reason, maxAgreedReason)
		c.Check(utf8.ValidString(a.Reason), f("reason"), "Use valid text (UTF-8).")
		return
	}
	a.Evidence = strings.TrimRight(strings.ReplaceAll(a.Evidence, "\r\n", "\n"), " \t\n")
	c.MaxLen(f("evidence"), a.Evidence, maxEvidenceNotes)
	c.Check(utf8.ValidString(a.Evidence), f("evidence"), "Use valid text (UTF-8).")
	var links []string
	for _, l := range a.Links {
		for part := range strings.SplitSeq(l, "\n") {
			if part = strings.TrimSpace(part); part != "" {
				links = append(links, part)
			}
		}
	}
	a.Links = links
	if len(links) > maxAnswerLinks {
		c.Addf(f("links"), "Give at most %d links (this has %d).", maxAnswerLinks, len(links))
	}
	for _, l := range links {
		if u, err := url.Parse(l); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(l, " \t") {
			c.Addf(f("links"), "Put one web address on each line, starting with https:// or http:// (not %q).", clipAnswerText(l, 80))
			break
		}
		if utf8.RuneCountInString(l) > maxAnswerLink {
			c.Addf(f("links"), "Keep each link to %d characters or fewer.", maxAnswerLink)
			break
		}
	}
}

func clipAnswerText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// empty reports whether a respondent's answer says nothing (it is then removed).
func (a Answer) empty() bool {
	return a.Current == "" && a.Target == "" && a.Evidence == "" && len(a.Links) == 0 && !a.NeedsImprovement
}

// SaveAnswers saves the principal's answers to the items given (others are left as they
// are); an answer with nothing in it clears the item. Only respondents, only while the
// assessment is open and their answers are not marked done. Nothing is saved when any answer
// is invalid.
func (s *Service) SaveAnswers(ctx context.Context, id int64, answers map[string]Answer) error {
	a, err := s.Assessment(ctx, id)
	if err != nil {
		return err
	}
	p := authz.From(ctx)
	r, err := s.Store.Respondent(ctx, s.DB, id, p.UserID)
	if errors.Is(err, db.ErrNotFound) || p.UserID == 0 {
		return audit.Deny(ctx, s.DB, "assessment.answer", "assessment", id)
	} else if err != nil {
		return err
	}
	if a.Status != StatusOpen {
		return stateConflict("The assessment is no longer open: answers can no longer change.")
	}
	if r.Submitted() {
		return stateConflict("You have marked your answers done: reopen them to change them.")
	}
	if len(answers) > maxAnswersPut {
		return &api.BadRequest{Msg: fmt.Sprintf("Send at most %d answers at once.", maxAnswersPut)}
	}
	if len(answers) == 0 {
		return nil
	}
	pk, err := s.pack(ctx, a)
	if err != nil {
		return err
	}
	var c valid.Checker
	keys := slices.Sorted(maps.Keys(answers))
	clean := make([]Answer, 0, len(keys))
	for _, k := range keys {
		ans := answers[k]
		ans.ItemKey, ans.UserID, ans.Reason = k, p.UserID, ""
		checkAnswer(&c, pk, &ans, false)
		clean = append(clean, ans)
	}
	if err := c.Err(); err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.holdStatus(ctx, tx, id, StatusOpen, now); err != nil {
			return err
		}
		// Marked done meanwhile (in another tab)?
		if r, err := s.Store.Respondent(ctx, tx, id, p.UserID); err != nil {
			return err
		} else if r.Submitted() {
			return stateConflict("You have marked your answers done: reopen them to change them.")
		}
		saved, cleared := 0, 0
		for _, ans := range clean {
			if ans.empty() {
				if err := s.Store.DeleteAnswer(ctx, tx, id, p.UserID, ans.ItemKey); err != nil {
					return err
				}
				cleared++
				continue
			}
			ans.UpdatedAt = now
			if err := s.Store.SaveAnswer(ctx, tx, id, ans); err != nil {
				return err
			}
			saved++
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "assessment.answer", TargetKind: "assessment", TargetID: id, Target: a.Title,
			Detail: fmt.Sprintf("saved %d answers, cleared %d", saved, cleared)})
	})
}

// Submit marks the principal's answers done (done=true) or reopens them, while the assessment
// is open.
func (s *Service) Submit(ctx context.Context, id int64, done bool) error {
	a, err := s.Assessment(ctx, id)
	if err != nil {
		return err
	}
	action := "assessment.submit"
	if !done {
		action = "assessment.reopen_answers"
	}
	p := authz.From(ctx)
	r, err := s.Store.Respondent(ctx, s.DB, id, p.UserID)
	if errors.Is(err, db.ErrNotFound) || p.UserID == 0 {
		return audit.Deny(ctx, s.DB, action, "assessment", id)
	} else if err != nil {
		return err
	}
	if a.Status != StatusOpen {
		return stateConflict("The assessment is no longer open.")
	}
	if r.Submitted() == done {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		at := time.Time{}
		if done {
			at = s.Now()
		}
		if err := s.holdStatus(ctx, tx, id, StatusOpen, s.Now()); err != nil {
			return err
		}
		if err := s.Store.SetSubmitted(ctx, tx, id, p.UserID, at); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "assessment", TargetID: id, Target: a.Title,
			Detail: fmt.Sprintf("%d items answered", r.Answered)})
	})
}

// --- Reconciling ---

// Comparison sets the respondents' answers to one item side by side.
type Comparison struct {
	Item PlacedItem
	Set  AnswerSet
	// Answers holds one answer per respondent, in the order of the respondents given (a zero
	// Answer where they did not answer).
	Answers []Answer
	// Answered counts the respondents who chose a current level (or N/A, or don't know).
	Answered int
	// Disagree is true when respondents chose different current levels.
	Disagree bool
	// Spread is the highest minus the lowest item score (0–100) of the current levels chosen;
	// 0 when fewer than two scored.
	Spread float64
	// Common is the answer every respondent gave, when they agree on the current and the
	// target level (needs improvement when any of them said so).
	Common    Answer
	HasCommon bool
	Agreed    Answer
	HasAgreed bool
}

// Compare sets the respondents' answers side by side for every item of the pack, in the
// pack's order.
func Compare(p *Pack, respondents []Respondent, answers map[int64]map[string]Answer, agreed map[string]Answer) []Comparison {
	items := p.Items()
	out := make([]Comparison, 0, len(items))
	for _, it := range items {
		set, _ := p.AnswerSetOf(it.Item)
		cmp := Comparison{Item: it, Set: set, Answers: make([]Answer, len(respondents))}
		currents, targets := map[string]bool{}, map[string]bool{}
		lo, hi, scored := 0.0, 0.0, 0
		flagged := false
		for i, r := range respondents {
			a, ok := answers[r.UserID][it.ID]
			if !ok {
				continue
			}
			cmp.Answers[i] = a
			flagged = flagged || a.NeedsImprovement
			if a.Current == "" {
				continue
			}
			cmp.Answered++
			currents[a.Current] = true
			if a.Target != "" {
				targets[a.Target] = true
			}
			if v, ok := ItemScore(set, a.Current); ok {
				if scored == 0 || v < lo {
					lo = v
				}
				if scored == 0 || v > hi {
					hi = v
				}
				scored++
			}
		}
		cmp.Disagree = len(currents) > 1
		if scored > 1 {
			cmp.Spread = hi - lo
		}
		if len(currents) == 1 && len(targets) <= 1 {
			cmp.HasCommon = true
			for c := range currents {
				cmp.Common.Current = c
			}
			for t := range targets {
				cmp.Common.Target = t
			}
			cmp.Common.ItemKey, cmp.Common.NeedsImprovement = it.ID, flagged
		}
		cmp.Agreed, cmp.HasAgreed = agreed[it.ID]
		out = append(out, cmp)
	}
	return out
}

// SortDisagreementsFirst orders comparisons with the widest disagreements first, then those
// without an agreed answer, keeping the pack's order otherwise.
func SortDisagreementsFirst(cs []Comparison) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Disagree != cs[j].Disagree {
			return cs[i].Disagree
		}
		if cs[i].Spread != cs[j].Spread {
			return cs[i].Spread > cs[j].Spread
		}
		return false
	})
}

// Reconciliation is what the facilitator works from.
type Reconciliation struct {
	Assessment  Assessment
	Pack        *Pack
	Respondents []Respondent
	Items       []Comparison
	// Disagreements counts the items where respondents differ; Agreed those with an agreed
	// answer.
	Disagreements int
	Agreed        int
}

// Reconciliation sets every respondent's answers side by side: for the facilitator (and
// managers) at any time; for respondents once the assessment is closed. Others are refused.
func (s *Service) Reconciliation(ctx context.Context, id int64) (Reconciliation, error) {
	a, err := s.Assessment(ctx, id)
	if err != nil {
		return Reconciliation{}, err
	}
	p := authz.From(ctx)
	if !CanFacilitate(p, a) {
		resp, err := s.IsRespondent(ctx, a)
		if err != nil {
			return Reconciliation{}, err
		}
		if !resp || a.Status != StatusClosed {
			return Reconciliation{}, authz.ErrForbidden
		}
	}
	pk, err := s.pack(ctx, a)
	if err != nil {
		return Reconciliation{}, err
	}
	rs, err := s.Respondents(ctx, a)
	if err != nil {
		return Reconciliation{}, err
	}
	answers, err := s.Store.RespondentAnswers(ctx, s.DB, id)
	if err != nil {
		return Reconciliation{}, err
	}
	agreed, err := s.Store.AgreedAnswers(ctx, s.DB, id)
	if err != nil {
		return Reconciliation{}, err
	}
	rec := Reconciliation{Assessment: a, Pack: pk, Respondents: rs, Items: Compare(pk, rs, answers, agreed)}
	for _, c := range rec.Items {
		if c.Disagree {
			rec.Disagreements++
		}
		if c.HasAgreed {
			rec.Agreed++
		}
	}
	return rec, nil
}

// reasonNeeded says why an agreed answer needs a reason: the respondents disagreed, or the
// agreed level differs from every respondent's.
func reasonNeeded(cmp Comparison, agreed Answer) string {
	if cmp.Disagree {
		return "Respondents disagreed on this item: say why this is the agreed answer."
	}
	if cmp.Answered > 0 {
		for _, a := range cmp.Answers {
			if a.Current == agreed.Current {
				return ""
			}
		}
		return "The agreed level differs from every respondent's: say why."
	}
	return ""
}

// Agree records the agreed answers given (item key → answer with reason) while the assessment
// is reconciling. A reason is required where respondents disagreed or where the agreed level
// differs from every respondent's. Nothing is saved when any is invalid.
func (s *Service) Agree(ctx context.Context, id int64, agreed map[string]Answer) error {
	a, err := s.facilitate(ctx, id, "assessment.agree")
	if err != nil {
		return err
	}
	if a.Status != StatusReconciling {
		return stateConflict("Agreed answers are recorded while the assessment is reconciling: move it to reconciling first.")
	}
	if len(agreed) == 0 {
		return valid.Errors{"": "Give at least one agreed answer."}
	}
	if len(agreed) > maxAnswersPut {
		return &api.BadRequest{Msg: fmt.Sprintf("Send at most %d answers at once.", maxAnswersPut)}
	}
	rec, err := s.Reconciliation(ctx, id)
	if err != nil {
		return err
	}
	byItem := map[string]Comparison{}
	for _, c := range rec.Items {
		byItem[c.Item.ID] = c
	}
	var c valid.Checker
	keys := slices.Sorted(maps.Keys(agreed))
	clean := make([]Answer, 0, len(keys))
	for _, k := range keys {
		ans := agreed[k]
		ans.ItemKey, ans.Evidence, ans.Links = k, "", nil
		checkAnswer(&c, rec.Pack, &ans, true)
		if cmp, ok := byItem[k]; ok && ans.Reason == "" && ans.Current != "" && !c.Has(AnswerField(k, "current")) {
			if why := reasonNeeded(cmp, ans); why != "" {
				c.Add(AnswerField(k, "reason"), why)
			}
		}
		clean = append(clean, ans)
	}
	if err := c.Err(); err != nil {
		return err
	}
	return s.saveAgreed(ctx, a, clean)
}

func (s *Service) saveAgreed(ctx context.Context, a Assessment, answers []Answer) error {
	p := authz.From(ctx)
	now := s.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.holdStatus(ctx, tx, a.ID, StatusReconciling, now); err != nil {
			return err
		}
		for _, ans := range answers {
			ans.UserID, ans.UpdatedAt = p.UserID, now
			if err := s.Store.SaveAgreed(ctx, tx, a.ID, ans); err != nil {
				return err
			}
			detail := fmt.Sprintf("item %s: current %q, target %q, needs improvement %t", ans.ItemKey, ans.Current, ans.Target, ans.NeedsImprovement)
			if ans.Reason != "" {
				detail += "; reason: " + ans.Reason
			}
			if err := audit.Record(ctx, tx, audit.Entry{Action: "assessment.agree", TargetKind: "assessment", TargetID: a.ID, Target: a.Title, Detail: detail}); err != nil {
				return err
			}
		}
		return nil
	})
}

// AgreeCommon records, for every item not yet agreed where the respondents gave the same
// current and target level, that common answer as agreed. It returns how many were recorded.
func (s *Service) AgreeCommon(ctx context.Context, id int64) (int, error) {
	a, err := s.facilitate(ctx, id, "assessment.agree")
	if err != nil {
		return 0, err
	}
	if a.Status != StatusReconciling {
		return 0, stateConflict("Agreed answers are recorded while the assessment is reconciling: move it to reconciling first.")
	}
	rec, err := s.Reconciliation(ctx, id)
	if err != nil {
		return 0, err
	}
	var out []Answer
	for _, c := range rec.Items {
		if c.HasAgreed || !c.HasCommon || c.Common.Current == DontKnow {
			continue
		}
		out = append(out, c.Common)
	}
	if len(out) == 0 {
		return 0, nil
	}
	return len(out), s.saveAgreed(ctx, a, out)
}

// Missing lists the items of a reconciliation that have no agreed answer yet.
func (r Reconciliation) Missing() []string {
	var out []string
	for _, c := range r.Items {
		if !c.HasAgreed || c.Agreed.Current == "" || c.Agreed.Current == DontKnow {
			out = append(out, c.Item.ID)
		}
	}
	return out
}

// transitions lists the status changes allowed.
var transitions = map[string][]string{
	StatusOpen:        {StatusReconciling},
	StatusReconciling: {StatusOpen, StatusClosed},
}

// SetStatus moves an assessment along: open → reconciling (respondents stop answering),
// reconciling → open (to let them change their answers), reconciling → closed (when every item
// has an agreed answer or is agreed not applicable). Closing is final.
func (s *Service) SetStatus(ctx context.Context, id int64, status string) (Assessment, error) {
	action := "assessment.status"
	if status == StatusClosed {
		action = "assessment.close"
	}
	a, err := s.facilitate(ctx, id, action)
	if err != nil {
		return Assessment{}, err
	}
	if !slices.Contains([]string{StatusOpen, StatusReconciling, StatusClosed}, status) {
		return Assessment{}, valid.Errors{"status": "Choose open, reconciling or closed."}
	}
	if a.Status == StatusClosed {
		return Assessment{}, stateConflict("The assessment is closed: its results are final.")
	}
	if status == a.Status {
		return a, nil
	}
	if !slices.Contains(transitions[a.Status], status) {
		return Assessment{}, valid.Errors{"status": fmt.Sprintf("An assessment that is %s can move to %s only.", a.Status, strings.Join(transitions[a.Status], " or "))}
	}
	if status == StatusClosed {
		rec, err := s.Reconciliation(ctx, id)
		if err != nil {
			return Assessment{}, err
		}
		if missing := rec.Missing(); len(missing) > 0 {
			return Assessment{}, valid.Errors{"status": fmt.Sprintf("%d of %d items have no agreed answer yet (first: %s): agree each one, or agree it is not applicable, before closing.",
				len(missing), len(rec.Items), missing[0])}
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetStatus(ctx, tx, id, a.Status, status, s.Now()); errors.Is(err, db.ErrNotFound) {
			return stateConflict("The assessment changed meanwhile: reload the page and try again.")
		} else if err != nil {
			return err
		}
		var err error
		if a, err = s.Store.Assessment(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "assessment", TargetID: id, Target: a.Title,
			Detail: "status " + status})
	})
	return a, err
}

// SetBenchmark records whether the organisation lets the assessment's results count, anonymously,
// in benchmarks against peers. Organisation admins decide.
func (s *Service) SetBenchmark(ctx context.Context, id int64, optIn bool) (Assessment, error) {
	a, err := s.Assessment(ctx, id)
	if err != nil {
		return Assessment{}, err
	}
	if !CanSetBenchmark(authz.From(ctx), a) {
		return Assessment{}, audit.Deny(ctx, s.DB, "assessment.benchmark", "assessment", id)
	}
	if a.BenchmarkOptIn == optIn {
		return a, nil
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.Store.SetBenchmarkOptIn(ctx, tx, id, optIn, s.Now()); err != nil {
			return err
		}
		var err error
		if a, err = s.Store.Assessment(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "assessment.benchmark", TargetKind: "assessment", TargetID: id, Target: a.Title,
			Detail: fmt.Sprintf("benchmark opt-in %t", optIn)})
	})
	return a, err
}
