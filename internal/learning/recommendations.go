package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Recommendations close the OGP chain from "capture learnings" to "provide Government with
// recommendations": each belongs to a learning report, names its audience, priority and
// status, the learnings behind it, and the commitments that answer it. A commitment answers a
// recommendation through the directory's links: commitment —responds to→ recommendation.

// AnswerRelation is the relation of the link from a commitment to the recommendation it
// answers.
const AnswerRelation = "responds_to"

// KindCommitment is the directory kind of commitments (registered by the commitments
// capability).
const KindCommitment = "commitment"

// Priorities of a recommendation.
var RecommendationPriorities = []web.Option{
	{Value: "high", Label: "High"},
	{Value: "medium", Label: "Medium"},
	{Value: "low", Label: "Low"},
}

// Statuses of a recommendation.
var RecommendationStatuses = []web.Option{
	{Value: "proposed", Label: "Proposed"},
	{Value: "accepted", Label: "Accepted"},
	{Value: "in_progress", Label: "In progress"},
	{Value: "implemented", Label: "Implemented"},
	{Value: "not_accepted", Label: "Not accepted"},
}

const (
	maxRecommendationBody = 20_000
	maxRecommendations    = 100
)

// Recommendation is one recommendation of a report.
type Recommendation struct {
	ID            int64         `json:"id"`
	OrgID         int64         `json:"organisation_id"`
	ReportID      int64         `json:"report_id"`
	ReportTitle   string        `json:"report_title,omitempty"`
	Title         string        `json:"title"`
	Body          string        `json:"body"`
	Audience      string        `json:"audience"`
	Priority      string        `json:"priority"`
	Status        string        `json:"status"`
	Position      int           `json:"position"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	LearningIDs   []int64       `json:"learning_ids"`
	Learnings     []LearningRef `json:"learnings"`
	Commitments   []LearningRef `json:"commitments"`
	CommitmentIDs []int64       `json:"commitment_ids"`
}

// URL is the recommendation's page.
func (r Recommendation) URL() string { return "/recommendations/" + strconv.FormatInt(r.ID, 10) }

// PriorityLabel names the priority.
func (r Recommendation) PriorityLabel() string {
	return lrOptionLabel(RecommendationPriorities, r.Priority)
}

// StatusLabel names the status.
func (r Recommendation) StatusLabel() string { return lrOptionLabel(RecommendationStatuses, r.Status) }

// RecommendationInput is what a person writes to add or change a recommendation. Commitments
// are the IDs of the commitments that answer it.
type RecommendationInput struct {
	ReportID      int64   `json:"report_id"`
	Title         string  `json:"title"`
	Body          string  `json:"body"`
	Audience      string  `json:"audience"`
	Priority      string  `json:"priority"`
	Status        string  `json:"status"`
	Position      int     `json:"position"`
	LearningIDs   []int64 `json:"learning_ids"`
	CommitmentIDs []int64 `json:"commitment_ids"`
}

func (in *RecommendationInput) normalize() error {
	in.Title = strings.TrimSpace(in.Title)
	in.Body = lrCleanText(in.Body)
	in.Audience = strings.TrimSpace(in.Audience)
	in.Priority = strings.TrimSpace(in.Priority)
	in.Status = strings.TrimSpace(in.Status)
	if in.Priority == "" {
		in.Priority = "medium"
	}
	if in.Status == "" {
		in.Status = "proposed"
	}
	in.LearningIDs, in.CommitmentIDs = lrUniqueIDs(in.LearningIDs), lrUniqueIDs(in.CommitmentIDs)
	var c valid.Checker
	c.Check(in.ReportID > 0, "report_id", "Choose the report the recommendation belongs to.")
	c.Text("title", in.Title, "the recommendation, in a sentence", maxTitle*2)
	lrLongText(&c, "body", in.Body, maxRecommendationBody)
	c.MaxLen("audience", in.Audience, 300)
	c.Check(!strings.ContainsAny(in.Audience, "\r\n"), "audience", "Use a single line.")
	c.OneOf("priority", in.Priority, lrOptionValues(RecommendationPriorities), "a priority")
	c.OneOf("status", in.Status, lrOptionValues(RecommendationStatuses), "a status")
	c.Check(in.Position >= 0 && in.Position <= maxLayoutPosition, "position", "Enter the position as a whole number, such as 2.")
	c.Check(len(in.LearningIDs) <= maxLinkedRecords, "learnings", fmt.Sprintf("Choose %d learnings or fewer.", maxLinkedRecords))
	c.Check(len(in.CommitmentIDs) <= maxLinkedRecords, "commitments", fmt.Sprintf("Name %d commitments or fewer.", maxLinkedRecords))
	return c.Err()
}

// --- store ---

const recommendationColumns = `m.id, m.organisation_id, COALESCE(m.report_id, 0), COALESCE(r.title, ''), m.title, m.body, m.audience,
	m.priority, m.status, m.position, m.created_at, m.updated_at`

const recommendationFrom = ` FROM recommendations m LEFT JOIN learning_reports r ON r.id = m.report_id`

func scanRecommendation(row interface{ Scan(...any) error }) (Recommendation, error) {
	var m Recommendation
	err := row.Scan(&m.ID, &m.OrgID, &m.ReportID, &m.ReportTitle, &m.Title, &m.Body, &m.Audience, &m.Priority, &m.Status,
		&m.Position, &m.CreatedAt, &m.UpdatedAt)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	m.LearningIDs, m.Learnings, m.Commitments, m.CommitmentIDs = []int64{}, []LearningRef{}, []LearningRef{}, []int64{}
	return m, db.MapError(err)
}

func loadRecommendation(ctx context.Context, q db.Q, id int64) (Recommendation, error) {
	m, err := scanRecommendation(q.QueryRow(ctx, "SELECT "+recommendationColumns+recommendationFrom+" WHERE m.id = ?", id))
	if err != nil {
		return m, err
	}
	ms := []Recommendation{m}
	if err := fillRecommendationLearningIDs(ctx, q, ms); err != nil {
		return m, err
	}
	return ms[0], nil
}

func fillRecommendationLearningIDs(ctx context.Context, q db.Q, ms []Recommendation) error {
	at := map[int64]int{}
	ids := make([]int64, len(ms))
	for i := range ms {
		at[ms[i].ID], ids[i] = i, ms[i].ID
	}
	return db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, "SELECT recommendation_id, learning_id FROM recommendation_learnings WHERE recommendation_id IN ("+ph+") ORDER BY learning_id", args,
			func(rows *sql.Rows) error {
				var mid, lid int64
				if err := rows.Scan(&mid, &lid); err != nil {
					return err
				}
				ms[at[mid]].LearningIDs = append(ms[at[mid]].LearningIDs, lid)
				return nil
			})
	})
}

// answeringCommitmentIDs lists the commitments linked as answering recommendation id: links
// commitment —responds to/implements→ recommendation, and any link recommendation → commitment.
func (s *Service) answeringCommitmentIDs(ctx context.Context, q db.Q, id int64) ([]int64, error) {
	var out []int64
	if s.Dir == nil {
		return out, nil
	}
	in, err := s.Dir.Store.LinksTo(ctx, q, KindRecommendation, id)
	if err != nil {
		return nil, err
	}
	for _, l := range in {
		if l.FromKind == KindCommitment && (l.Relation == AnswerRelation || l.Relation == "implements") {
			out = append(out, l.FromID)
		}
	}
	outl, err := s.Dir.Store.LinksFrom(ctx, q, KindRecommendation, id)
	if err != nil {
		return nil, err
	}
	for _, l := range outl {
		if l.ToKind == KindCommitment {
			out = append(out, l.ToID)
		}
	}
	return lrUniqueIDs(out), nil
}

// fillRecommendation adds the titles of the learnings and answering commitments the viewer
// may see.
func (s *Service) fillRecommendation(ctx context.Context, v Viewer, m *Recommendation) error {
	seen, err := s.visibleLearningIDs(ctx, v, m.LearningIDs)
	if err != nil {
		return err
	}
	var vis []int64
	for _, id := range m.LearningIDs {
		if seen[id] {
			vis = append(vis, id)
		}
	}
	m.Learnings = []LearningRef{}
	err = db.InBatches(vis, func(args []any, ph string) error {
		return db.Each(ctx, s.DB, "SELECT id, title FROM learnings WHERE id IN ("+ph+") ORDER BY lower(title), id", args, func(rows *sql.Rows) error {
			var r LearningRef
			if err := rows.Scan(&r.ID, &r.Title); err != nil {
				return err
			}
			r.URL = "/learnings/" + strconv.FormatInt(r.ID, 10)
			m.Learnings = append(m.Learnings, r)
			return nil
		})
	})
	if err != nil {
		return err
	}
	ids, err := s.answeringCommitmentIDs(ctx, s.DB, m.ID)
	if err != nil {
		return err
	}
	m.Commitments, m.CommitmentIDs = []LearningRef{}, []int64{}
	for _, cid := range ids {
		rec, err := s.Dir.Resolve(ctx, KindCommitment, cid)
		if errors.Is(err, db.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		m.Commitments = append(m.Commitments, LearningRef{ID: cid, Title: rec.Title, URL: rec.URL})
		m.CommitmentIDs = append(m.CommitmentIDs, cid)
	}
	return nil
}

// ReportRecommendations lists the recommendations of a report in order, as the principal in
// ctx may see them (the report must be visible to them).
func (s *Service) ReportRecommendations(ctx context.Context, reportID int64) ([]Recommendation, error) {
	_, v, err := s.visibleReport(ctx, reportID)
	if err != nil {
		return nil, err
	}
	return s.recommendationsOf(ctx, v, reportID)
}

func (s *Service) recommendationsOf(ctx context.Context, v Viewer, reportID int64) ([]Recommendation, error) {
	var out []Recommendation
	err := db.Each(ctx, s.DB, "SELECT "+recommendationColumns+recommendationFrom+" WHERE m.report_id = ? ORDER BY m.position, m.id", []any{reportID},
		func(rows *sql.Rows) error {
			m, err := scanRecommendation(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	if err != nil {
		return nil, err
	}
	if err := fillRecommendationLearningIDs(ctx, s.DB, out); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.fillRecommendation(ctx, v, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Recommendations lists the recommendations the principal in ctx may see (those of published
// reports and of their organisations' drafts), newest first, at most limit+1 after the cursor.
func (s *Service) Recommendations(ctx context.Context, after int64, limit int) ([]Recommendation, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > maxListLimit {
		limit = 50
	}
	cond, args := "r.status = 'published'", []any{}
	if v.P.SiteAdmin {
		cond = "1=1"
	} else if orgs := v.P.Orgs(authz.Read); len(orgs) > 0 {
		ph, a := db.In(orgs)
		cond = "(r.status = 'published' OR m.organisation_id IN (" + ph + "))"
		args = append(args, a...)
	}
	if after > 0 {
		cond += " AND m.id < ?"
		args = append(args, after)
	}
	args = append(args, limit+1)
	var out []Recommendation
	err = db.Each(ctx, s.DB, "SELECT "+recommendationColumns+recommendationFrom+" WHERE "+cond+" ORDER BY m.id DESC LIMIT ?", args,
		func(rows *sql.Rows) error {
			m, err := scanRecommendation(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	if err != nil {
		return nil, err
	}
	if err := fillRecommendationLearningIDs(ctx, s.DB, out); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.fillRecommendation(ctx, v, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// canSeeRecommendation: as its report; a recommendation without a report, its organisation's
// staff.
func canSeeRecommendation(p authz.Principal, m Recommendation, reportStatus string) bool {
	if m.ReportID == 0 {
		return p.Can(authz.Read, m.OrgID)
	}
	return canSeeReport(p, Report{OrgID: m.OrgID, Status: reportStatus})
}

func (s *Service) reportStatus(ctx context.Context, q db.Q, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	var st string
	err := q.QueryRow(ctx, "SELECT status FROM learning_reports WHERE id = ?", id).Scan(&st)
	return st, db.MapError(err)
}

// Recommendation loads a recommendation the principal in ctx may see, with its learnings and
// answering commitments.
func (s *Service) Recommendation(ctx context.Context, id int64) (Recommendation, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return Recommendation{}, err
	}
	m, err := loadRecommendation(ctx, s.DB, id)
	if err != nil {
		return m, err
	}
	st, err := s.reportStatus(ctx, s.DB, m.ReportID)
	if err != nil {
		return m, err
	}
	if !canSeeRecommendation(v.P, m, st) {
		return Recommendation{}, db.ErrNotFound
	}
	return m, s.fillRecommendation(ctx, v, &m)
}

// CanEditRecommendation: the contributors of the organisation that made it.
func CanEditRecommendation(p authz.Principal, m Recommendation) bool {
	return p.Can(authz.Contribute, m.OrgID)
}

// recommendationDoc is the search document of a recommendation: found as its report is.
func recommendationDoc(m Recommendation, published bool) search.Doc {
	vis := search.VisOrg
	if published {
		vis = search.VisPublic
	}
	body := strings.Join([]string{MarkdownText(m.Body), m.Audience, m.ReportTitle}, "\n")
	return search.Doc{Kind: KindRecommendation, RecordID: m.ID, Title: m.Title, Body: valid.Truncate(body, 20_000), URL: m.URL(), Public: published, OrgID: m.OrgID, Visibility: vis}
}

// indexRecommendations indexes the recommendations of a report as the report is seen.
func indexRecommendations(ctx context.Context, tx db.Q, r Report) error {
	var ms []Recommendation
	err := db.Each(ctx, tx, "SELECT "+recommendationColumns+recommendationFrom+" WHERE m.report_id = ?", []any{r.ID}, func(rows *sql.Rows) error {
		m, err := scanRecommendation(rows)
		if err != nil {
			return err
		}
		ms = append(ms, m)
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := search.Index(ctx, tx, recommendationDoc(m, r.Published())); err != nil {
			return err
		}
	}
	return nil
}

// checkRecommendationLinks checks the learnings (visible to the editor, or already linked)
// and the commitments (visible through the links registry).
func (s *Service) checkRecommendationLinks(ctx context.Context, v Viewer, in RecommendationInput, current Recommendation) error {
	var c valid.Checker
	seen, err := s.visibleLearningIDs(ctx, v, in.LearningIDs)
	if err != nil {
		return err
	}
	for _, id := range in.LearningIDs {
		if !seen[id] && !slices.Contains(current.LearningIDs, id) {
			c.Addf("learnings", "There is no learning with the ID %d that you may choose.", id)
		}
	}
	for _, id := range in.CommitmentIDs {
		if s.Dir == nil {
			c.Add("commitments", "Commitments cannot be linked here.")
			break
		}
		if _, err := s.Dir.Resolve(ctx, KindCommitment, id); errors.Is(err, db.ErrNotFound) {
			if !slices.Contains(current.CommitmentIDs, id) {
				c.Addf("commitments", "There is no commitment with the ID %d.", id)
			}
		} else if err != nil {
			return err
		}
	}
	return c.Err()
}

// writeAnswers makes the commitments in ids, and no others, answer recommendation id
// (links commitment —responds to→ recommendation), in tx.
func (s *Service) writeAnswers(ctx context.Context, tx db.Q, id int64, ids []int64, userID int64) error {
	if s.Dir == nil {
		return nil
	}
	links, err := s.Dir.Store.LinksTo(ctx, tx, KindRecommendation, id)
	if err != nil {
		return err
	}
	have := map[int64]bool{}
	for _, l := range links {
		if l.FromKind != KindCommitment || l.Relation != AnswerRelation {
			continue
		}
		if slices.Contains(ids, l.FromID) {
			have[l.FromID] = true
			continue
		}
		if err := s.Dir.Store.DeleteLink(ctx, tx, l.ID); err != nil {
			return err
		}
	}
	// Links the other way (recommendation → commitment) count as answers too; drop those
	// no longer wanted.
	outl, err := s.Dir.Store.LinksFrom(ctx, tx, KindRecommendation, id)
	if err != nil {
		return err
	}
	for _, l := range outl {
		if l.ToKind != KindCommitment {
			continue
		}
		if slices.Contains(ids, l.ToID) {
			have[l.ToID] = true
			continue
		}
		if err := s.Dir.Store.DeleteLink(ctx, tx, l.ID); err != nil {
			return err
		}
	}
	for _, cid := range ids {
		if have[cid] {
			continue
		}
		if _, err := s.Dir.Store.InsertLink(ctx, tx, directory.LinkInput{FromKind: KindCommitment, FromID: cid, Relation: AnswerRelation,
			ToKind: KindRecommendation, ToID: id, Note: "Answers the recommendation"}, userID); err != nil && !errors.Is(err, db.ErrConflict) {
			return err
		}
	}
	return nil
}

func recommendationDetail(m Recommendation, in RecommendationInput) string {
	return fmt.Sprintf("priority %s, status %s; learnings %v; commitments %v", m.Priority, m.Status, in.LearningIDs, in.CommitmentIDs)
}

// CreateRecommendation adds a recommendation to a report (its contributors).
func (s *Service) CreateRecommendation(ctx context.Context, in RecommendationInput) (Recommendation, error) {
	p := authz.From(ctx)
	if !p.SignedIn() && !p.SiteAdmin {
		return Recommendation{}, audit.Deny(ctx, s.DB, "recommendation.create", KindRecommendation, 0)
	}
	var r Report
	var v Viewer
	if in.ReportID > 0 {
		var err error
		r, v, err = s.editableReport(ctx, in.ReportID, "recommendation.create", CanCompileReport)
		if errors.Is(err, db.ErrNotFound) {
			return Recommendation{}, valid.Errors{"report_id": "There is no report with that ID that you may change."}
		} else if err != nil {
			return Recommendation{}, err
		}
	} else if !CanAddLearning(p) {
		return Recommendation{}, audit.Deny(ctx, s.DB, "recommendation.create", KindRecommendation, 0)
	}
	if err := in.normalize(); err != nil {
		return Recommendation{}, err
	}
	if err := s.checkRecommendationLinks(ctx, v, in, Recommendation{}); err != nil {
		return Recommendation{}, err
	}
	var m Recommendation
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var n, last int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*), COALESCE(MAX(position), 0) FROM recommendations WHERE report_id = ?", r.ID).Scan(&n, &last); err != nil {
			return err
		}
		if n >= maxRecommendations {
			return valid.Errors{"": fmt.Sprintf("A report holds at most %d recommendations.", maxRecommendations)}
		}
		if in.Position == 0 {
			in.Position = last + 1
		}
		now := s.Now()
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO recommendations (organisation_id, report_id, title, body, audience, priority, status, position, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.OrgID, r.ID, in.Title, in.Body, in.Audience, in.Priority, in.Status,
			in.Position, now, now).Scan(&id)
		if err != nil {
			return db.MapError(err)
		}
		if err := lrReplaceIDs(ctx, tx, "recommendation_learnings", "recommendation_id", "learning_id", id, in.LearningIDs); err != nil {
			return err
		}
		if err := s.writeAnswers(ctx, tx, id, in.CommitmentIDs, p.UserID); err != nil {
			return err
		}
		if m, err = loadRecommendation(ctx, tx, id); err != nil {
			return err
		}
		if err := search.Index(ctx, tx, recommendationDoc(m, r.Published())); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "recommendation.create", TargetKind: KindRecommendation, TargetID: id, Target: m.Title,
			Detail: fmt.Sprintf("report %d; ", r.ID) + recommendationDetail(m, in)})
	})
	if err != nil {
		return Recommendation{}, err
	}
	return m, s.fillRecommendation(ctx, v, &m)
}

// editableRecommendation loads a recommendation for a change.
func (s *Service) editableRecommendation(ctx context.Context, id int64, action string) (Recommendation, Viewer, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return Recommendation{}, v, err
	}
	m, err := s.Recommendation(ctx, id)
	if err != nil {
		return m, v, err
	}
	if !CanEditRecommendation(v.P, m) {
		return Recommendation{}, v, audit.Deny(ctx, s.DB, action, KindRecommendation, id)
	}
	return m, v, nil
}

// RecommendationForEdit loads a recommendation for its edit form.
func (s *Service) RecommendationForEdit(ctx context.Context, id int64) (Recommendation, error) {
	m, _, err := s.editableRecommendation(ctx, id, "recommendation.update")
	return m, err
}

// UpdateRecommendation changes a recommendation: its text, audience, priority, status,
// position, learnings and answering commitments. The report it belongs to does not change.
func (s *Service) UpdateRecommendation(ctx context.Context, id int64, in RecommendationInput) (Recommendation, error) {
	old, v, err := s.editableRecommendation(ctx, id, "recommendation.update")
	if err != nil {
		return Recommendation{}, err
	}
	in.ReportID = old.ReportID
	if in.Position == 0 {
		in.Position = old.Position
	}
	if err := in.normalize(); err != nil {
		return Recommendation{}, err
	}
	if err := s.checkRecommendationLinks(ctx, v, in, old); err != nil {
		return Recommendation{}, err
	}
	// Learnings the editor may not see stay linked.
	seen, err := s.visibleLearningIDs(ctx, v, old.LearningIDs)
	if err != nil {
		return Recommendation{}, err
	}
	for _, lid := range old.LearningIDs {
		if !seen[lid] && !slices.Contains(in.LearningIDs, lid) {
			in.LearningIDs = append(in.LearningIDs, lid)
		}
	}
	var m Recommendation
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		err := db.Affected(tx.Exec(ctx, `UPDATE recommendations SET title = ?, body = ?, audience = ?, priority = ?, status = ?, position = ?, updated_at = ?
			WHERE id = ?`, in.Title, in.Body, in.Audience, in.Priority, in.Status, in.Position, s.Now(), id))
		if err != nil {
			return err
		}
		if err := lrReplaceIDs(ctx, tx, "recommendation_learnings", "recommendation_id", "learning_id", id, lrUniqueIDs(in.LearningIDs)); err != nil {
			return err
		}
		if err := s.writeAnswers(ctx, tx, id, in.CommitmentIDs, authz.From(ctx).UserID); err != nil {
			return err
		}
		if m, err = loadRecommendation(ctx, tx, id); err != nil {
			return err
		}
		st, err := s.reportStatus(ctx, tx, m.ReportID)
		if err != nil {
			return err
		}
		if err := search.Index(ctx, tx, recommendationDoc(m, st == ReportPublished)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "recommendation.update", TargetKind: KindRecommendation, TargetID: id, Target: m.Title,
			Detail: recommendationDetail(m, in)})
	})
	if err != nil {
		return Recommendation{}, err
	}
	return m, s.fillRecommendation(ctx, v, &m)
}

// FindCommitments turns what a person typed for the answering commitments (IDs, or
// references such as AU0019, one per line or separated by commas) into commitment IDs, using
// the links registry; field errors are reported on "commitments".
func (s *Service) FindCommitments(ctx context.Context, text string) ([]int64, error) {
	var out []int64
	var c valid.Checker
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(out) >= maxLinkedRecords {
			c.Addf("commitments", "Name %d commitments or fewer.", maxLinkedRecords)
			break
		}
		if s.Dir == nil {
			c.Add("commitments", "Commitments cannot be linked here.")
			break
		}
		id, err := s.Dir.FindRecord(ctx, KindCommitment, part)
		if ve, ok := valid.As(err); ok {
			for _, msg := range ve {
				c.Add("commitments", msg)
			}
			continue
		} else if err != nil {
			return nil, err
		}
		if _, err := s.Dir.Resolve(ctx, KindCommitment, id); errors.Is(err, db.ErrNotFound) {
			c.Addf("commitments", "There is no commitment %q.", part)
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return lrUniqueIDs(out), c.Err()
}
