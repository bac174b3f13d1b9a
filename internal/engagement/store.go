package engagement

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// Store is the SQL of engagements. Names of organisations, places and programs are read by
// joining the directory's tables; the directory owns them. Dates are written as midnight UTC,
// so that they compare as dates on both databases.
type Store struct{}

func nullDate(d Date) any {
	if d.IsZero() {
		return nil
	}
	return day(d.Time)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func fromNull(n sql.Null[time.Time]) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return n.V.UTC()
}

func ptrTime(n sql.Null[time.Time]) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.V.UTC()
	return &t
}

func encodeForm(q *forms.Questionnaire) (string, error) {
	if q == nil {
		return "", nil
	}
	b, err := json.Marshal(q)
	return string(b), err
}

func decodeForm(s string) (*forms.Questionnaire, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var q forms.Questionnaire
	if err := json.Unmarshal([]byte(s), &q); err != nil {
		return nil, fmt.Errorf("engagement form: %w", err)
	}
	return &q, nil
}

// ---- engagements ----

const engagementColumns = `e.id, COALESCE(e.slug, ''), e.organisation_id, o.name, e.title, e.summary, e.purpose, e.decision, e.not_negotiable,
	e.influence, e.affected, e.status, e.opens_on, e.closes_on, e.report_back_by, e.moderation, e.report_threshold, e.statement_limit,
	e.has_map, e.questionnaire, e.demographics, e.created_at, e.updated_at, e.published_at, e.archived_at`
const engagementFrom = ` FROM engagements e JOIN organisations o ON o.id = e.organisation_id`

func scanEngagement(row interface{ Scan(...any) error }) (Engagement, error) {
	var e Engagement
	var opens, closes, back, published, archived sql.Null[time.Time]
	var qn, demo string
	err := row.Scan(&e.ID, &e.Slug, &e.OrgID, &e.OrgName, &e.Title, &e.Summary, &e.Purpose, &e.Decision, &e.NotNegotiable,
		&e.Influence, &e.Affected, &e.Status, &opens, &closes, &back, &e.Moderation, &e.ReportThreshold, &e.StatementLimit,
		&e.HasMap, &qn, &demo, &e.CreatedAt, &e.UpdatedAt, &published, &archived)
	if err != nil {
		return e, db.MapError(err)
	}
	e.OpensOn, e.ClosesOn, e.ReportBackBy = fromNull(opens), fromNull(closes), fromNull(back)
	e.PublishedAt, e.ArchivedAt = ptrTime(published), ptrTime(archived)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	if e.Questionnaire, err = decodeForm(qn); err != nil {
		return e, err
	}
	if e.Demographics, err = decodeForm(demo); err != nil {
		return e, err
	}
	e.PartnerIDs, e.PlaceIDs, e.ProgramIDs = []int64{}, []int64{}, []int64{}
	return e, nil
}

// Engagement loads one engagement with the IDs of its partners, places and programs.
func (st Store) Engagement(ctx context.Context, q db.Q, id int64) (Engagement, error) {
	e, err := scanEngagement(q.QueryRow(ctx, "SELECT "+engagementColumns+engagementFrom+" WHERE e.id = ?", id))
	if err != nil {
		return e, err
	}
	es := []Engagement{e}
	if _, err := st.Relations(ctx, q, es); err != nil {
		return e, err
	}
	return es[0], nil
}

// EngagementByKey loads an engagement by its numeric ID or its slug.
func (st Store) EngagementByKey(ctx context.Context, q db.Q, key string) (Engagement, error) {
	key = strings.TrimSpace(key)
	if id, ok := parseID(key); ok {
		return st.Engagement(ctx, q, id)
	}
	if key == "" || len(key) > MaxSlug || !slugPattern.MatchString(key) {
		return Engagement{}, db.ErrNotFound
	}
	var id int64
	if err := q.QueryRow(ctx, "SELECT id FROM engagements WHERE slug = ?", key).Scan(&id); err != nil {
		return Engagement{}, db.MapError(err)
	}
	return st.Engagement(ctx, q, id)
}

// parseID reads a positive decimal ID made only of digits.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int64(r-'0')
	}
	return n, n > 0
}

// Refs are the names of an engagement's partners, places and programs.
type Refs struct{ Partners, Places, Programs []Ref }

// Relations fills the partner, place and program IDs of es and returns their names by
// engagement ID.
func (Store) Relations(ctx context.Context, q db.Q, es []Engagement) (map[int64]Refs, error) {
	out := map[int64]Refs{}
	if len(es) == 0 {
		return out, nil
	}
	idx := map[int64]int{}
	ids := make([]int64, len(es))
	for i, e := range es {
		idx[e.ID] = i
		ids[i] = e.ID
		out[e.ID] = Refs{Partners: []Ref{}, Places: []Ref{}, Programs: []Ref{}}
	}
	for _, rel := range []struct {
		sql string
		put func(e *Engagement, r *Refs, ref Ref)
	}{
		{`SELECT x.engagement_id, o.id, o.name FROM engagement_partners x JOIN organisations o ON o.id = x.organisation_id WHERE x.engagement_id IN (%s) ORDER BY o.name, o.id`,
			func(e *Engagement, r *Refs, ref Ref) {
				e.PartnerIDs = append(e.PartnerIDs, ref.ID)
				r.Partners = append(r.Partners, ref)
			}},
		{`SELECT x.engagement_id, p.id, p.name FROM engagement_places x JOIN places p ON p.id = x.place_id WHERE x.engagement_id IN (%s) ORDER BY p.name, p.id`,
			func(e *Engagement, r *Refs, ref Ref) {
				e.PlaceIDs = append(e.PlaceIDs, ref.ID)
				r.Places = append(r.Places, ref)
			}},
		{`SELECT x.engagement_id, p.id, p.name FROM engagement_programs x JOIN programs p ON p.id = x.program_id WHERE x.engagement_id IN (%s) ORDER BY p.name, p.id`,
			func(e *Engagement, r *Refs, ref Ref) {
				e.ProgramIDs = append(e.ProgramIDs, ref.ID)
				r.Programs = append(r.Programs, ref)
			}},
	} {
		err := db.InBatches(ids, func(args []any, ph string) error {
			return db.Each(ctx, q, fmt.Sprintf(rel.sql, ph), args, func(rows *sql.Rows) error {
				var eid int64
				var ref Ref
				if err := rows.Scan(&eid, &ref.ID, &ref.Name); err != nil {
					return err
				}
				i, ok := idx[eid]
				if !ok {
					return nil
				}
				r := out[eid]
				rel.put(&es[i], &r, ref)
				out[eid] = r
				return nil
			})
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// where builds the conditions of a list from f.
func (f Filter) where() (string, []any) {
	conds := []string{"e.archived_at IS NULL"}
	var args []any
	if !f.AllVisible {
		ph := db.Placeholders(len(f.VisibleOrgs))
		conds = append(conds, "(e.status <> 'draft' OR e.organisation_id IN ("+ph+") OR EXISTS (SELECT 1 FROM engagement_partners vp WHERE vp.engagement_id = e.id AND vp.organisation_id IN ("+ph+")))")
		for range 2 {
			for _, id := range f.VisibleOrgs {
				args = append(args, id)
			}
		}
	}
	if f.OrgID > 0 {
		conds = append(conds, "(e.organisation_id = ? OR EXISTS (SELECT 1 FROM engagement_partners fp WHERE fp.engagement_id = e.id AND fp.organisation_id = ?))")
		args = append(args, f.OrgID, f.OrgID)
	}
	if f.PlaceID > 0 {
		conds = append(conds, `EXISTS (SELECT 1 FROM engagement_places ep WHERE ep.engagement_id = e.id AND ep.place_id IN (
			WITH RECURSIVE sub(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT p.id FROM places p JOIN sub ON p.parent_id = sub.id) SELECT id FROM sub))`)
		args = append(args, f.PlaceID)
	}
	if f.Theme != "" {
		conds = append(conds, "e.status = 'reported' AND EXISTS (SELECT 1 FROM engagement_themes ft WHERE ft.engagement_id = e.id AND lower(ft.name) = lower(?))")
		args = append(args, f.Theme)
	}
	today := day(f.Today)
	switch f.Status {
	case PhaseDraft:
		conds = append(conds, "e.status = 'draft'")
	case PhaseUpcoming:
		conds = append(conds, "e.status = 'open' AND e.opens_on > ?")
		args = append(args, today)
	case PhaseOpen:
		conds = append(conds, "e.status = 'open' AND (e.opens_on IS NULL OR e.opens_on <= ?) AND (e.closes_on IS NULL OR e.closes_on >= ?)")
		args = append(args, today, today)
	case PhaseClosed:
		conds = append(conds, "(e.status = 'closed' OR (e.status = 'open' AND e.closes_on < ?))")
		args = append(args, today)
	case FilterOverdue:
		conds = append(conds, "e.status IN ('open', 'closed') AND e.report_back_by < ?")
		args = append(args, today)
	case PhaseReported:
		conds = append(conds, "e.status = 'reported'")
	}
	if !f.From.IsZero() {
		conds = append(conds, "(e.closes_on IS NULL OR e.closes_on >= ?)")
		args = append(args, day(f.From.Time))
	}
	if !f.To.IsZero() {
		conds = append(conds, "(e.opens_on IS NULL OR e.opens_on <= ?)")
		args = append(args, day(f.To.Time))
	}
	if f.After > 0 {
		conds = append(conds, "e.id > ?")
		args = append(args, f.After)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List lists engagements matching f: by ID when f.After or the API asks (byID), otherwise the
// most recent opening date first (undated drafts first of all). f.Limit 0 means no limit.
func (st Store) List(ctx context.Context, q db.Q, f Filter, byID bool) ([]Engagement, error) {
	where, args := f.where()
	order := " ORDER BY (e.opens_on IS NULL) DESC, e.opens_on DESC, e.id DESC"
	if byID {
		order = " ORDER BY e.id"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100000
	}
	args = append(args, limit, max(f.Offset, 0))
	var out []Engagement
	err := db.Each(ctx, q, "SELECT "+engagementColumns+engagementFrom+where+order+" LIMIT ? OFFSET ?", args, func(rows *sql.Rows) error {
		e, err := scanEngagement(rows)
		out = append(out, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	if _, err := st.Relations(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Count counts the engagements matching f (ignoring its paging).
func (Store) Count(ctx context.Context, q db.Q, f Filter) (int, error) {
	f.After = 0
	where, args := f.where()
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM engagements e"+where, args...).Scan(&n)
	return n, err
}

// LoadCandidates lists the published, unarchived engagements tied to a place that closed on
// or after since (or have no closing date), for the consultation load.
func (st Store) LoadCandidates(ctx context.Context, q db.Q, since time.Time) ([]Engagement, error) {
	var out []Engagement
	err := db.Each(ctx, q, "SELECT "+engagementColumns+engagementFrom+` WHERE e.status <> 'draft' AND e.archived_at IS NULL
		AND (e.closes_on IS NULL OR e.closes_on >= ?) AND EXISTS (SELECT 1 FROM engagement_places ep WHERE ep.engagement_id = e.id)
		ORDER BY e.id LIMIT 20000`, []any{day(since)}, func(rows *sql.Rows) error {
		e, err := scanEngagement(rows)
		out = append(out, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	_, err = st.Relations(ctx, q, out)
	return out, err
}

// InsertEngagement creates a draft; ErrConflict when the slug is taken.
func (Store) InsertEngagement(ctx context.Context, q db.Q, in Input) (int64, error) {
	qn, err := encodeForm(in.Questionnaire)
	if err != nil {
		return 0, err
	}
	demo, err := encodeForm(in.Demographics)
	if err != nil {
		return 0, err
	}
	now := db.Now()
	var id int64
	err = q.QueryRow(ctx, `INSERT INTO engagements (slug, organisation_id, title, summary, purpose, decision, not_negotiable, influence, affected,
		status, opens_on, closes_on, report_back_by, moderation, report_threshold, statement_limit, has_map, questionnaire, demographics, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullString(in.Slug), in.OrgID, in.Title, in.Summary, in.Purpose, in.Decision, in.NotNegotiable, in.Influence, in.Affected,
		nullDate(in.OpensOn), nullDate(in.ClosesOn), nullDate(in.ReportBackBy), in.Moderation, in.ReportThreshold, in.StatementLimit, in.HasMap,
		qn, demo, now, now).Scan(&id)
	return id, db.MapError(err)
}

// UpdateEngagement saves an engagement's fields (not its status); ErrConflict when the slug is taken.
func (Store) UpdateEngagement(ctx context.Context, q db.Q, id int64, in Input) error {
	qn, err := encodeForm(in.Questionnaire)
	if err != nil {
		return err
	}
	demo, err := encodeForm(in.Demographics)
	if err != nil {
		return err
	}
	return db.Affected(q.Exec(ctx, `UPDATE engagements SET slug = ?, organisation_id = ?, title = ?, summary = ?, purpose = ?, decision = ?,
		not_negotiable = ?, influence = ?, affected = ?, opens_on = ?, closes_on = ?, report_back_by = ?, moderation = ?, report_threshold = ?,
		statement_limit = ?, has_map = ?, questionnaire = ?, demographics = ?, updated_at = ? WHERE id = ?`,
		nullString(in.Slug), in.OrgID, in.Title, in.Summary, in.Purpose, in.Decision, in.NotNegotiable, in.Influence, in.Affected,
		nullDate(in.OpensOn), nullDate(in.ClosesOn), nullDate(in.ReportBackBy), in.Moderation, in.ReportThreshold, in.StatementLimit, in.HasMap,
		qn, demo, db.Now(), id))
}

// SetRelations replaces an engagement's partners, places and programs; ErrConflict when one
// of them does not exist.
func (Store) SetRelations(ctx context.Context, q db.Q, id int64, in Input) error {
	for _, rel := range []struct {
		table, col string
		ids        []int64
	}{{"engagement_partners", "organisation_id", in.PartnerIDs}, {"engagement_places", "place_id", in.PlaceIDs}, {"engagement_programs", "program_id", in.ProgramIDs}} {
		if _, err := q.Exec(ctx, "DELETE FROM "+rel.table+" WHERE engagement_id = ?", id); err != nil {
			return err
		}
		for _, x := range rel.ids {
			if _, err := q.Exec(ctx, "INSERT INTO "+rel.table+" (engagement_id, "+rel.col+") VALUES (?, ?)", id, x); err != nil {
				return db.MapError(err)
			}
		}
	}
	return nil
}

// SetStatus changes the status; the first time it opens, published_at is set.
func (Store) SetStatus(ctx context.Context, q db.Q, id int64, status string) error {
	now := db.Now()
	var published any
	if status == StatusOpen {
		published = now
	}
	return db.Affected(q.Exec(ctx, "UPDATE engagements SET status = ?, published_at = COALESCE(published_at, ?), updated_at = ? WHERE id = ?",
		status, published, now, id))
}

// SetArchived archives (at non-nil) or restores an engagement.
func (Store) SetArchived(ctx context.Context, q db.Q, id int64, at *time.Time) error {
	var v any
	if at != nil {
		v = *at
	}
	return db.Affected(q.Exec(ctx, "UPDATE engagements SET archived_at = ?, updated_at = ? WHERE id = ?", v, db.Now(), id))
}

// Exists reports whether every ID is a row of table (organisations, places, programs).
func (Store) Exists(ctx context.Context, q db.Q, table string, ids []int64) (bool, error) {
	switch table {
	case "organisations", "places", "programs":
	default:
		return false, fmt.Errorf("engagement: no such table %q", table)
	}
	if len(ids) == 0 {
		return true, nil
	}
	n := 0
	err := db.InBatches(ids, func(args []any, ph string) error {
		var c int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM "+table+" WHERE id IN ("+ph+")", args...).Scan(&c); err != nil {
			return err
		}
		n += c
		return nil
	})
	return n == len(uniqueIDs(ids)), err
}

// ThemeNames lists the distinct theme names of reported, unarchived engagements, for the
// register's filter.
func (Store) ThemeNames(ctx context.Context, q db.Q) ([]string, error) {
	var out []string
	err := db.Each(ctx, q, `SELECT DISTINCT t.name FROM engagement_themes t JOIN engagements e ON e.id = t.engagement_id
		WHERE e.status = 'reported' AND e.archived_at IS NULL ORDER BY t.name LIMIT 500`, nil, func(rows *sql.Rows) error {
		var n string
		err := rows.Scan(&n)
		out = append(out, n)
		return err
	})
	return out, err
}

// ---- participants and submissions ----

// InsertParticipant adds a participant (tokenHash: the SHA-256 of their token, hex; email
// only if they asked to hear back; userID 0 for none).
func (Store) InsertParticipant(ctx context.Context, q db.Q, engagementID int64, tokenHash, email string, userID int64) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO engagement_participants (engagement_id, token_hash, user_id, email, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		engagementID, tokenHash, nullID(userID), email, db.Now()).Scan(&id)
	return id, db.MapError(err)
}

// InsertSubmission stores a submission (its answers as the JSON of forms.Answers); a zero
// CreatedAt is now.
func (Store) InsertSubmission(ctx context.Context, q db.Q, s Submission) (int64, error) {
	b, err := json.Marshal(s.Answers)
	if err != nil {
		return 0, err
	}
	if s.Answers == nil {
		b = []byte("[]")
	}
	at := s.CreatedAt
	if at.IsZero() {
		at = db.Now()
	}
	var id int64
	err = q.QueryRow(ctx, `INSERT INTO engagement_submissions (engagement_id, participant_id, answers, consent_quote, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		s.EngagementID, nullID(s.ParticipantID), string(b), s.ConsentQuote, at).Scan(&id)
	return id, db.MapError(err)
}

const submissionColumns = `s.id, s.engagement_id, COALESCE(s.participant_id, 0), s.answers, s.consent_quote, s.created_at, s.hidden_at, s.hidden_reason`

func scanSubmission(row interface{ Scan(...any) error }) (Submission, error) {
	var s Submission
	var answers string
	var hidden sql.Null[time.Time]
	if err := row.Scan(&s.ID, &s.EngagementID, &s.ParticipantID, &answers, &s.ConsentQuote, &s.CreatedAt, &hidden, &s.HiddenReason); err != nil {
		return s, db.MapError(err)
	}
	s.CreatedAt = s.CreatedAt.UTC()
	s.HiddenAt = ptrTime(hidden)
	if err := json.Unmarshal([]byte(answers), &s.Answers); err != nil {
		return s, fmt.Errorf("submission %d answers: %w", s.ID, err)
	}
	s.ThemeIDs = []int64{}
	return s, nil
}

// Submission loads one submission.
func (Store) Submission(ctx context.Context, q db.Q, id int64) (Submission, error) {
	return scanSubmission(q.QueryRow(ctx, "SELECT "+submissionColumns+" FROM engagement_submissions s WHERE s.id = ?", id))
}

// SubmissionFilter narrows an engagement's submissions for staff.
type SubmissionFilter struct {
	ThemeID   int64 // tagged with this theme
	Untagged  bool  // tagged with no theme
	Consented bool  // agreed to be quoted, and not hidden
	Offset    int
	Limit     int
}

// Submissions lists an engagement's submissions, oldest first, with their themes.
func (st Store) Submissions(ctx context.Context, q db.Q, engagementID int64, f SubmissionFilter) ([]Submission, error) {
	conds := []string{"s.engagement_id = ?"}
	args := []any{engagementID}
	if f.ThemeID > 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM engagement_theme_items i WHERE i.kind = 'submission' AND i.item_id = s.id AND i.theme_id = ?)")
		args = append(args, f.ThemeID)
	}
	if f.Untagged {
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM engagement_theme_items i WHERE i.kind = 'submission' AND i.item_id = s.id)")
	}
	if f.Consented {
		conds = append(conds, "s.consent_quote AND s.hidden_at IS NULL")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100000
	}
	args = append(args, limit, max(f.Offset, 0))
	var out []Submission
	err := db.Each(ctx, q, "SELECT "+submissionColumns+" FROM engagement_submissions s WHERE "+strings.Join(conds, " AND ")+" ORDER BY s.id LIMIT ? OFFSET ?", args,
		func(rows *sql.Rows) error {
			s, err := scanSubmission(rows)
			out = append(out, s)
			return err
		})
	if err != nil {
		return nil, err
	}
	return out, st.fillSubmissionThemes(ctx, q, out)
}

// CountSubmissions counts an engagement's submissions matching f (ignoring its paging).
func (Store) CountSubmissions(ctx context.Context, q db.Q, engagementID int64, f SubmissionFilter) (int, error) {
	conds := []string{"s.engagement_id = ?"}
	args := []any{engagementID}
	if f.ThemeID > 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM engagement_theme_items i WHERE i.kind = 'submission' AND i.item_id = s.id AND i.theme_id = ?)")
		args = append(args, f.ThemeID)
	}
	if f.Untagged {
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM engagement_theme_items i WHERE i.kind = 'submission' AND i.item_id = s.id)")
	}
	if f.Consented {
		conds = append(conds, "s.consent_quote AND s.hidden_at IS NULL")
	}
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM engagement_submissions s WHERE "+strings.Join(conds, " AND "), args...).Scan(&n)
	return n, err
}

func (Store) fillSubmissionThemes(ctx context.Context, q db.Q, ss []Submission) error {
	if len(ss) == 0 {
		return nil
	}
	idx := map[int64]int{}
	ids := make([]int64, len(ss))
	for i, s := range ss {
		idx[s.ID], ids[i] = i, s.ID
	}
	return db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, `SELECT i.item_id, i.theme_id FROM engagement_theme_items i JOIN engagement_themes t ON t.id = i.theme_id
			WHERE i.kind = 'submission' AND i.item_id IN (`+ph+`) ORDER BY t.position, t.id`, args, func(rows *sql.Rows) error {
			var item, theme int64
			if err := rows.Scan(&item, &theme); err != nil {
				return err
			}
			if i, ok := idx[item]; ok {
				ss[i].ThemeIDs = append(ss[i].ThemeIDs, theme)
			}
			return nil
		})
	})
}

// ItemEngagement returns the engagement of a submission or statement.
func (Store) ItemEngagement(ctx context.Context, q db.Q, kind string, id int64) (int64, error) {
	table := ""
	switch kind {
	case ItemSubmission:
		table = "engagement_submissions"
	case ItemStatement:
		table = "engagement_statements"
	default:
		return 0, db.ErrNotFound
	}
	var eid int64
	err := q.QueryRow(ctx, "SELECT engagement_id FROM "+table+" WHERE id = ?", id).Scan(&eid)
	return eid, db.MapError(err)
}

// Counts are what an engagement heard: people who took part, visible submissions and statements.
func (Store) Counts(ctx context.Context, q db.Q, engagementID int64) (participants, submissions, statements int, err error) {
	err = q.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM engagement_participants p WHERE p.engagement_id = ? AND (
			EXISTS (SELECT 1 FROM engagement_submissions s WHERE s.participant_id = p.id)
			OR EXISTS (SELECT 1 FROM engagement_statements st WHERE st.participant_id = p.id)
			OR EXISTS (SELECT 1 FROM engagement_votes v WHERE v.participant_id = p.id)))
		+ (SELECT COUNT(*) FROM engagement_submissions s WHERE s.engagement_id = ? AND s.participant_id IS NULL),
		(SELECT COUNT(*) FROM engagement_submissions s WHERE s.engagement_id = ? AND s.hidden_at IS NULL),
		(SELECT COUNT(*) FROM engagement_statements st WHERE st.engagement_id = ? AND st.status = 'visible')`,
		engagementID, engagementID, engagementID, engagementID).Scan(&participants, &submissions, &statements)
	return participants, submissions, statements, err
}

// ---- themes, tags and quotes ----

// Themes lists an engagement's themes in order, with the counts of visible items tagged.
func (Store) Themes(ctx context.Context, q db.Q, engagementID int64) ([]Theme, error) {
	var out []Theme
	err := db.Each(ctx, q, `SELECT t.id, t.engagement_id, t.name, t.response, t.change, t.position,
		(SELECT COUNT(*) FROM engagement_theme_items i JOIN engagement_submissions s ON s.id = i.item_id
			WHERE i.theme_id = t.id AND i.kind = 'submission' AND s.hidden_at IS NULL),
		(SELECT COUNT(*) FROM engagement_theme_items i JOIN engagement_statements st ON st.id = i.item_id
			WHERE i.theme_id = t.id AND i.kind = 'statement' AND st.status = 'visible')
		FROM engagement_themes t WHERE t.engagement_id = ? ORDER BY t.position, t.id`, []any{engagementID}, func(rows *sql.Rows) error {
		var t Theme
		err := rows.Scan(&t.ID, &t.EngagementID, &t.Name, &t.Response, &t.Change, &t.Position, &t.Submissions, &t.Statements)
		t.Quotes, t.Links = []Quote{}, nil
		out = append(out, t)
		return err
	})
	return out, err
}

// Theme loads one theme (without counts).
func (Store) Theme(ctx context.Context, q db.Q, id int64) (Theme, error) {
	var t Theme
	err := q.QueryRow(ctx, "SELECT id, engagement_id, name, response, change, position FROM engagement_themes WHERE id = ?", id).
		Scan(&t.ID, &t.EngagementID, &t.Name, &t.Response, &t.Change, &t.Position)
	return t, db.MapError(err)
}

// InsertTheme adds a theme; ErrConflict when the engagement has one of that name.
func (Store) InsertTheme(ctx context.Context, q db.Q, engagementID int64, in ThemeInput, position int) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, "INSERT INTO engagement_themes (engagement_id, name, response, change, position) VALUES (?, ?, ?, ?, ?) RETURNING id",
		engagementID, in.Name, in.Response, in.Change, position).Scan(&id)
	return id, db.MapError(err)
}

// UpdateTheme saves a theme.
func (Store) UpdateTheme(ctx context.Context, q db.Q, id int64, in ThemeInput, position int) error {
	return db.Affected(q.Exec(ctx, "UPDATE engagement_themes SET name = ?, response = ?, change = ?, position = ? WHERE id = ?",
		in.Name, in.Response, in.Change, position, id))
}

// RenameTheme changes only a theme's name.
func (Store) RenameTheme(ctx context.Context, q db.Q, id int64, name string) error {
	return db.Affected(q.Exec(ctx, "UPDATE engagement_themes SET name = ? WHERE id = ?", name, id))
}

// DeleteTheme removes a theme, its tags, and files its quotes under no theme.
func (Store) DeleteTheme(ctx context.Context, q db.Q, id int64) error {
	return db.Affected(q.Exec(ctx, "DELETE FROM engagement_themes WHERE id = ?", id))
}

// TagItem tags a submission or statement with a theme (again is no change).
func (Store) TagItem(ctx context.Context, q db.Q, themeID int64, kind string, itemID int64) error {
	_, err := q.Exec(ctx, "INSERT INTO engagement_theme_items (theme_id, kind, item_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", themeID, kind, itemID)
	return db.MapError(err)
}

// UntagItem removes a tag (a missing one is no change).
func (Store) UntagItem(ctx context.Context, q db.Q, themeID int64, kind string, itemID int64) error {
	_, err := q.Exec(ctx, "DELETE FROM engagement_theme_items WHERE theme_id = ? AND kind = ? AND item_id = ?", themeID, kind, itemID)
	return err
}

// ItemThemes lists the themes an item is tagged with.
func (Store) ItemThemes(ctx context.Context, q db.Q, kind string, itemID int64) ([]int64, error) {
	var out []int64
	err := db.Each(ctx, q, "SELECT theme_id FROM engagement_theme_items WHERE kind = ? AND item_id = ? ORDER BY theme_id", []any{kind, itemID},
		func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			out = append(out, id)
			return err
		})
	return out, err
}

// Quotes lists an engagement's quotes in the order of their themes (those without a theme
// last). Hidden: the quote or its submission is hidden.
func (Store) Quotes(ctx context.Context, q db.Q, engagementID int64) ([]Quote, error) {
	var out []Quote
	err := db.Each(ctx, q, `SELECT qt.id, qt.engagement_id, qt.submission_id, COALESCE(qt.theme_id, 0), COALESCE(t.name, ''), qt.text,
		(qt.hidden_at IS NOT NULL OR s.hidden_at IS NOT NULL)
		FROM engagement_quotes qt JOIN engagement_submissions s ON s.id = qt.submission_id LEFT JOIN engagement_themes t ON t.id = qt.theme_id
		WHERE qt.engagement_id = ? ORDER BY (t.id IS NULL), t.position, t.id, qt.id`, []any{engagementID}, func(rows *sql.Rows) error {
		var x Quote
		err := rows.Scan(&x.ID, &x.EngagementID, &x.SubmissionID, &x.ThemeID, &x.Theme, &x.Text, &x.Hidden)
		out = append(out, x)
		return err
	})
	return out, err
}

// InsertQuote adds a quote.
func (Store) InsertQuote(ctx context.Context, q db.Q, engagementID, submissionID, themeID int64, text string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, "INSERT INTO engagement_quotes (engagement_id, submission_id, theme_id, text) VALUES (?, ?, ?, ?) RETURNING id",
		engagementID, submissionID, nullID(themeID), text).Scan(&id)
	return id, db.MapError(err)
}

// UpdateQuote saves a quote (its moderation state stays).
func (Store) UpdateQuote(ctx context.Context, q db.Q, id, submissionID, themeID int64, text string) error {
	return db.Affected(q.Exec(ctx, "UPDATE engagement_quotes SET submission_id = ?, theme_id = ?, text = ? WHERE id = ?", submissionID, nullID(themeID), text, id))
}

// DeleteQuote removes a quote.
func (Store) DeleteQuote(ctx context.Context, q db.Q, id int64) error {
	return db.Affected(q.Exec(ctx, "DELETE FROM engagement_quotes WHERE id = ?", id))
}

// ---- the report ----

// Report loads the report's texts and publication; ErrNotFound when none is written.
func (Store) Report(ctx context.Context, q db.Q, engagementID int64) (Report, error) {
	r := Report{EngagementID: engagementID}
	var published sql.Null[time.Time]
	err := q.QueryRow(ctx, "SELECT we_asked, you_said, we_did, published_at, updated_at FROM engagement_reports WHERE engagement_id = ?", engagementID).
		Scan(&r.WeAsked, &r.YouSaid, &r.WeDid, &published, &r.UpdatedAt)
	r.PublishedAt, r.UpdatedAt = ptrTime(published), r.UpdatedAt.UTC()
	return r, db.MapError(err)
}

// SaveReport writes the report's texts.
func (Store) SaveReport(ctx context.Context, q db.Q, engagementID int64, weAsked, youSaid, weDid string) error {
	_, err := q.Exec(ctx, `INSERT INTO engagement_reports (engagement_id, we_asked, you_said, we_did, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (engagement_id) DO UPDATE SET we_asked = excluded.we_asked, you_said = excluded.you_said, we_did = excluded.we_did, updated_at = excluded.updated_at`,
		engagementID, weAsked, youSaid, weDid, db.Now())
	return db.MapError(err)
}

// PublishReport marks the report published (the first publication's time and author stay).
func (Store) PublishReport(ctx context.Context, q db.Q, engagementID, userID int64) error {
	now := db.Now()
	return db.Affected(q.Exec(ctx, `UPDATE engagement_reports SET published_at = COALESCE(published_at, ?), published_by = COALESCE(published_by, ?), updated_at = ?
		WHERE engagement_id = ?`, now, nullID(userID), now, engagementID))
}

// Backdate sets when an engagement was created and published and, when reportAt is not zero,
// when its report was published: for demo and imported records that happened in the past.
func (Store) Backdate(ctx context.Context, q db.Q, id int64, created, published, reportAt time.Time) error {
	if err := db.Affected(q.Exec(ctx, "UPDATE engagements SET created_at = ?, updated_at = ?, published_at = ? WHERE id = ?",
		created.UTC(), published.UTC(), published.UTC(), id)); err != nil {
		return err
	}
	if reportAt.IsZero() {
		return nil
	}
	return db.Affected(q.Exec(ctx, "UPDATE engagement_reports SET published_at = ?, updated_at = ? WHERE engagement_id = ?", reportAt.UTC(), reportAt.UTC(), id))
}

// ---- notifying participants ----

// Recipient is a participant to notify.
type Recipient struct {
	ID    int64
	Email string
}

// ClaimRecipients marks up to limit participants who left an email and have not been
// notified as notified, and returns them: two servers publishing at once never email
// anyone twice.
func (Store) ClaimRecipients(ctx context.Context, q db.Q, engagementID int64, limit int) ([]Recipient, error) {
	var out []Recipient
	err := db.Each(ctx, q, `UPDATE engagement_participants SET notified_at = ? WHERE id IN (
		SELECT id FROM engagement_participants WHERE engagement_id = ? AND email <> '' AND notified_at IS NULL ORDER BY id LIMIT ?) RETURNING id, email`,
		[]any{db.Now(), engagementID, limit}, func(rows *sql.Rows) error {
			var r Recipient
			err := rows.Scan(&r.ID, &r.Email)
			out = append(out, r)
			return err
		})
	return out, err
}

// ReleaseRecipients undoes a claim for participants whose email could not be sent.
func (Store) ReleaseRecipients(ctx context.Context, q db.Q, ids []int64) error {
	return db.InBatches(ids, func(args []any, ph string) error {
		_, err := q.Exec(ctx, "UPDATE engagement_participants SET notified_at = NULL WHERE id IN ("+ph+")", args...)
		return err
	})
}

// ForgetEmails blanks the addresses of participants who have been told: they were kept only
// for that.
func (Store) ForgetEmails(ctx context.Context, q db.Q, ids []int64) error {
	return db.InBatches(ids, func(args []any, ph string) error {
		_, err := q.Exec(ctx, "UPDATE engagement_participants SET email = '' WHERE id IN ("+ph+")", args...)
		return err
	})
}

// Notifications counts participants told of the report and those still waiting.
func (Store) Notifications(ctx context.Context, q db.Q, engagementID int64) (notified, waiting int, err error) {
	err = q.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM engagement_participants WHERE engagement_id = ? AND notified_at IS NOT NULL),
		(SELECT COUNT(*) FROM engagement_participants WHERE engagement_id = ? AND email <> '' AND notified_at IS NULL)`,
		engagementID, engagementID).Scan(&notified, &waiting)
	return notified, waiting, err
}
