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
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// Learnings: what worked, what did not, improvements and observations, each told as a
// situation, an action, a result and an insight, with where it applies, the themes it bears
// on, how confident its authors are, and the case studies and evidence behind it. Members who
// found the same say so with a "this worked for us too" endorsement.

// Kinds of learning.
const (
	LearningWorked      = "worked"
	LearningDidNotWork  = "did_not_work"
	LearningImprovement = "improvement"
	LearningObservation = "observation"
)

// LearningTypes are the kinds of learning, in the order forms show them.
var LearningTypes = []web.Option{
	{Value: LearningWorked, Label: "What worked"},
	{Value: LearningDidNotWork, Label: "What did not work"},
	{Value: LearningImprovement, Label: "Improvement"},
	{Value: LearningObservation, Label: "Observation"},
}

// Confidence levels of a learning.
var LearningConfidences = []web.Option{
	{Value: "high", Label: "High: seen more than once, backed by evidence"},
	{Value: "medium", Label: "Medium: seen clearly, once"},
	{Value: "low", Label: "Low: an early impression"},
}

// Limits of learnings.
const (
	maxTitle          = 200
	maxLearningText   = 10_000
	maxLinkedRecords  = 50
	maxEndorsementLen = 1000
	maxListLimit      = 200
)

// lrOptionLabel is the label of value among opts (or value itself).
func lrOptionLabel(opts []web.Option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

func lrOptionValues(opts []web.Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}

// ConfidenceWord is the confidence level alone ("High").
func ConfidenceWord(c string) string {
	l := lrOptionLabel(LearningConfidences, c)
	if w, _, ok := strings.Cut(l, ":"); ok {
		return w
	}
	return l
}

// lrVisibilityLabel names a visibility for people.
func lrVisibilityLabel(v string) string {
	for _, o := range Visibilities {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

func lrVisibilityOptions() []web.Option {
	out := make([]web.Option, len(Visibilities))
	for i, v := range Visibilities {
		out[i] = web.Option{Value: v.Value, Label: v.Label}
	}
	return out
}

// LearningRef is a linked record as pages and the API show it.
type LearningRef struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url,omitempty"`
}

// Learning is one learning.
type Learning struct {
	ID            int64         `json:"id"`
	OrgID         int64         `json:"organisation_id"`
	OrgName       string        `json:"organisation_name"`
	Type          string        `json:"type"`
	Title         string        `json:"title"`
	Situation     string        `json:"situation"`
	Action        string        `json:"action"`
	Result        string        `json:"result"`
	Insight       string        `json:"insight"`
	Context       string        `json:"context"`
	Confidence    string        `json:"confidence"`
	Visibility    string        `json:"visibility"`
	CommunityID   int64         `json:"community_id,omitempty"`
	Revision      int           `json:"revision"`
	CreatedBy     int64         `json:"-"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	Archived      bool          `json:"archived"`
	Themes        []LearningRef `json:"themes"`
	CaseStudyIDs  []int64       `json:"case_study_ids"`
	EvidenceIDs   []int64       `json:"evidence_ids"`
	Endorsements  int           `json:"endorsements"`
	CommunityName string        `json:"-"`
}

// URL is the learning's page.
func (l Learning) URL() string { return "/learnings/" + strconv.FormatInt(l.ID, 10) }

// TypeLabel names the kind of learning.
func (l Learning) TypeLabel() string { return lrOptionLabel(LearningTypes, l.Type) }

// ConfidenceLabel names the confidence level.
func (l Learning) ConfidenceLabel() string { return ConfidenceWord(l.Confidence) }

// VisibilityLabel names who may see the learning.
func (l Learning) VisibilityLabel() string { return lrVisibilityLabel(l.Visibility) }

// LearningInput is what a person writes to add or change a learning. Note, when given, is
// kept with the revision ("what I changed").
type LearningInput struct {
	OrgID        int64   `json:"organisation_id"`
	Type         string  `json:"type"`
	Title        string  `json:"title"`
	Situation    string  `json:"situation"`
	Action       string  `json:"action"`
	Result       string  `json:"result"`
	Insight      string  `json:"insight"`
	Context      string  `json:"context"`
	Confidence   string  `json:"confidence"`
	Visibility   string  `json:"visibility"`
	CommunityID  int64   `json:"community_id"`
	ThemeIDs     []int64 `json:"theme_ids"`
	CaseStudyIDs []int64 `json:"case_study_ids"`
	EvidenceIDs  []int64 `json:"evidence_ids"`
	Note         string  `json:"note,omitempty"`
}

func lrCleanText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// lrUniqueIDs sorts and deduplicates ids, dropping zero and negative ones.
func lrUniqueIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// lrLongText checks an optional multi-line text.
func lrLongText(c *valid.Checker, field, s string, n int) {
	c.MaxLen(field, s, n)
	c.Check(utf8.ValidString(s), field, "Use valid text (UTF-8).")
}

// lrCheckVisibility checks the visibility and its community.
func lrCheckVisibility(c *valid.Checker, visibility *string, communityID *int64) {
	if *visibility == "" {
		*visibility = Public
	}
	c.OneOf("visibility", *visibility, []string{Public, Members, Community}, "who may see it")
	if *visibility == Community {
		c.Check(*communityID > 0, "community_id", "Choose the community of practice that may see it.")
	} else {
		*communityID = 0
	}
}

// normalize trims the input and checks what can be checked without the database.
func (in *LearningInput) normalize() error {
	in.Type = strings.TrimSpace(in.Type)
	in.Title = strings.TrimSpace(in.Title)
	for _, p := range []*string{&in.Situation, &in.Action, &in.Result, &in.Insight, &in.Context, &in.Note} {
		*p = lrCleanText(*p)
	}
	in.Confidence = strings.TrimSpace(in.Confidence)
	if in.Confidence == "" {
		in.Confidence = "medium"
	}
	in.Visibility = strings.TrimSpace(in.Visibility)
	in.ThemeIDs, in.CaseStudyIDs, in.EvidenceIDs = lrUniqueIDs(in.ThemeIDs), lrUniqueIDs(in.CaseStudyIDs), lrUniqueIDs(in.EvidenceIDs)
	var c valid.Checker
	c.Check(in.OrgID > 0, "organisation_id", "Choose the organisation the learning belongs to.")
	c.OneOf("type", in.Type, lrOptionValues(LearningTypes), "the kind of learning")
	c.Text("title", in.Title, "a title: the learning in a sentence", maxTitle)
	c.Required("insight", in.Insight, "the insight: what others should take from this")
	for _, f := range []struct {
		name, s string
	}{{"situation", in.Situation}, {"action", in.Action}, {"result", in.Result}, {"insight", in.Insight}, {"context", in.Context}} {
		lrLongText(&c, f.name, f.s, maxLearningText)
	}
	c.MaxLen("note", in.Note, 500)
	c.OneOf("confidence", in.Confidence, lrOptionValues(LearningConfidences), "how confident you are")
	lrCheckVisibility(&c, &in.Visibility, &in.CommunityID)
	c.Check(len(in.ThemeIDs) <= maxLinkedRecords, "themes", fmt.Sprintf("Choose %d themes or fewer.", maxLinkedRecords))
	c.Check(len(in.CaseStudyIDs) <= maxLinkedRecords, "case_studies", fmt.Sprintf("Link %d case studies or fewer.", maxLinkedRecords))
	c.Check(len(in.EvidenceIDs) <= maxLinkedRecords, "evidence", fmt.Sprintf("Link %d evidence items or fewer.", maxLinkedRecords))
	return c.Err()
}

// --- permissions ---

// CanAddLearning: contributors of an organisation (and site admins) add learnings for it.
func CanAddLearning(p authz.Principal) bool { return p.SiteAdmin || p.CanAny(authz.Contribute) }

// CanEditLearning: the owning organisation's contributors and up, and site admins.
func CanEditLearning(p authz.Principal, l Learning) bool { return p.Can(authz.Contribute, l.OrgID) }

// CanArchiveLearning: the owning organisation's managers and site admins.
func CanArchiveLearning(p authz.Principal, l Learning) bool { return p.Can(authz.Manage, l.OrgID) }

// canSeeLearning: those the visibility lets in; an archived learning only its staff.
func canSeeLearning(v Viewer, l Learning) bool {
	if l.Archived {
		return v.P.Can(authz.Read, l.OrgID)
	}
	return v.CanSee(l.Visibility, l.OrgID, l.CommunityID)
}

// --- store ---

const learningColumns = `l.id, l.organisation_id, o.name, l.type, l.title, l.situation, l.action, l.result, l.insight,
	l.context, l.confidence, l.visibility, COALESCE(l.community_id, 0), l.revision, COALESCE(l.created_by, 0),
	l.created_at, l.updated_at, l.archived_at IS NOT NULL,
	(SELECT COUNT(*) FROM endorsements en WHERE en.learning_id = l.id)`

const learningFrom = ` FROM learnings l JOIN organisations o ON o.id = l.organisation_id`

func scanLearning(row interface{ Scan(...any) error }) (Learning, error) {
	var l Learning
	err := row.Scan(&l.ID, &l.OrgID, &l.OrgName, &l.Type, &l.Title, &l.Situation, &l.Action, &l.Result, &l.Insight,
		&l.Context, &l.Confidence, &l.Visibility, &l.CommunityID, &l.Revision, &l.CreatedBy,
		&l.CreatedAt, &l.UpdatedAt, &l.Archived, &l.Endorsements)
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	return l, db.MapError(err)
}

func loadLearning(ctx context.Context, q db.Q, id int64) (Learning, error) {
	l, err := scanLearning(q.QueryRow(ctx, "SELECT "+learningColumns+learningFrom+" WHERE l.id = ?", id))
	if err != nil {
		return l, err
	}
	ls := []Learning{l}
	if err := fillLearnings(ctx, q, ls); err != nil {
		return l, err
	}
	return ls[0], nil
}

// fillLearnings adds the themes and the IDs of the linked case studies and evidence.
func fillLearnings(ctx context.Context, q db.Q, ls []Learning) error {
	if len(ls) == 0 {
		return nil
	}
	at := map[int64]int{}
	ids := make([]int64, len(ls))
	for i := range ls {
		at[ls[i].ID] = i
		ids[i] = ls[i].ID
		ls[i].Themes, ls[i].CaseStudyIDs, ls[i].EvidenceIDs = []LearningRef{}, []int64{}, []int64{}
	}
	return db.InBatches(ids, func(args []any, ph string) error {
		err := db.Each(ctx, q, `SELECT g.record_id, t.id, t.name FROM taggings g JOIN tags t ON t.id = g.tag_id
			WHERE g.kind = 'learning' AND t.scheme = 'theme' AND t.archived_at IS NULL AND g.record_id IN (`+ph+`)
			ORDER BY lower(t.name), t.id`, args, func(rows *sql.Rows) error {
			var lid int64
			var t LearningRef
			if err := rows.Scan(&lid, &t.ID, &t.Title); err != nil {
				return err
			}
			t.URL = "/taxonomy/" + strconv.FormatInt(t.ID, 10)
			ls[at[lid]].Themes = append(ls[at[lid]].Themes, t)
			return nil
		})
		if err != nil {
			return err
		}
		err = db.Each(ctx, q, "SELECT learning_id, case_study_id FROM learning_case_studies WHERE learning_id IN ("+ph+") ORDER BY case_study_id", args,
			func(rows *sql.Rows) error {
				var lid, cid int64
				if err := rows.Scan(&lid, &cid); err != nil {
					return err
				}
				ls[at[lid]].CaseStudyIDs = append(ls[at[lid]].CaseStudyIDs, cid)
				return nil
			})
		if err != nil {
			return err
		}
		return db.Each(ctx, q, "SELECT learning_id, evidence_id FROM learning_evidence WHERE learning_id IN ("+ph+") ORDER BY evidence_id", args,
			func(rows *sql.Rows) error {
				var lid, eid int64
				if err := rows.Scan(&lid, &eid); err != nil {
					return err
				}
				ls[at[lid]].EvidenceIDs = append(ls[at[lid]].EvidenceIDs, eid)
				return nil
			})
	})
}

// LearningFilter selects learnings for a list.
type LearningFilter struct {
	Type       string
	Confidence string
	ThemeID    int64
	PlaceID    int64
	OrgID      int64
	Text       string
	// After is the cursor: learnings with a smaller ID (lists run newest first).
	After int64
	Limit int
	// Archived lists the archived learnings (of the organisations whose staff ask) instead.
	Archived bool
}

// lrLikePattern makes a LIKE pattern that matches s anywhere, with \ as the escape.
func lrLikePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// descendantThemes returns id and the IDs of every theme under it.
func descendantThemes(ctx context.Context, q db.Q, id int64) ([]int64, error) {
	children := map[int64][]int64{}
	err := db.Each(ctx, q, "SELECT id, COALESCE(parent_id, 0) FROM tags WHERE scheme = 'theme'", nil, func(rows *sql.Rows) error {
		var tid, parent int64
		if err := rows.Scan(&tid, &parent); err != nil {
			return err
		}
		children[parent] = append(children[parent], tid)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []int64{id}
	seen := map[int64]bool{id: true}
	for i := 0; i < len(out) && len(out) < 1000; i++ {
		for _, c := range children[out[i]] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// Learnings lists the learnings the principal in ctx may see that match f, newest first,
// with at most f.Limit+1 rows (for the cursor of the next page).
func (s *Service) Learnings(ctx context.Context, f LearningFilter) ([]Learning, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > maxListLimit {
		f.Limit = 50
	}
	cond, args := v.VisibleSQL("l")
	conds := []string{cond}
	if f.Archived {
		orgs := v.P.Orgs(authz.Read)
		if !v.P.SiteAdmin {
			ph, a := db.In(orgs)
			conds = append(conds, "l.organisation_id IN ("+ph+")")
			args = append(args, a...)
		}
		conds = append(conds, "l.archived_at IS NOT NULL")
	} else {
		conds = append(conds, "l.archived_at IS NULL")
	}
	if f.Type != "" {
		conds, args = append(conds, "l.type = ?"), append(args, f.Type)
	}
	if f.Confidence != "" {
		conds, args = append(conds, "l.confidence = ?"), append(args, f.Confidence)
	}
	if f.OrgID != 0 {
		conds, args = append(conds, "l.organisation_id = ?"), append(args, f.OrgID)
	}
	if f.ThemeID != 0 {
		themes, err := descendantThemes(ctx, s.DB, f.ThemeID)
		if err != nil {
			return nil, err
		}
		ph, a := db.In(themes)
		conds = append(conds, "EXISTS (SELECT 1 FROM taggings g WHERE g.kind = 'learning' AND g.record_id = l.id AND g.tag_id IN ("+ph+"))")
		args = append(args, a...)
	}
	if f.PlaceID != 0 {
		csCond, csArgs := v.VisibleSQL("cs")
		conds = append(conds, `EXISTS (SELECT 1 FROM learning_case_studies lc JOIN case_studies cs ON cs.id = lc.case_study_id
			JOIN case_study_places cp ON cp.case_study_id = cs.id
			WHERE lc.learning_id = l.id AND cp.place_id = ? AND cs.archived_at IS NULL AND `+csCond+`)`)
		args = append(append(args, f.PlaceID), csArgs...)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		for _, w := range strings.Fields(t) {
			if len(conds) > 20 {
				break
			}
			p := lrLikePattern(w)
			conds = append(conds, `(lower(l.title) LIKE ? ESCAPE '\' OR lower(l.insight) LIKE ? ESCAPE '\' OR lower(l.situation) LIKE ? ESCAPE '\'
				OR lower(l.action) LIKE ? ESCAPE '\' OR lower(l.result) LIKE ? ESCAPE '\' OR lower(l.context) LIKE ? ESCAPE '\')`)
			args = append(args, p, p, p, p, p, p)
		}
	}
	if f.After > 0 {
		conds, args = append(conds, "l.id < ?"), append(args, f.After)
	}
	args = append(args, f.Limit+1)
	var out []Learning
	err = db.Each(ctx, s.DB, "SELECT "+learningColumns+learningFrom+" WHERE "+strings.Join(conds, " AND ")+" ORDER BY l.id DESC LIMIT ?", args,
		func(rows *sql.Rows) error {
			l, err := scanLearning(rows)
			if err != nil {
				return err
			}
			out = append(out, l)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, fillLearnings(ctx, s.DB, out)
}

// Learning loads a learning the principal in ctx may see: db.ErrNotFound otherwise.
func (s *Service) Learning(ctx context.Context, id int64) (Learning, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return Learning{}, err
	}
	l, err := loadLearning(ctx, s.DB, id)
	if err != nil {
		return Learning{}, err
	}
	if !canSeeLearning(v, l) {
		return Learning{}, db.ErrNotFound
	}
	return l, nil
}

// LearningDetail is a learning with what its page shows beside it.
type LearningDetail struct {
	Learning
	CaseStudies   []LearningRef
	Evidence      []EvidenceItem
	Endorsers     []Endorsement
	MyEndorsement *Endorsement
	Reports       []LearningRef
	// Links are the directory's links of the learning (a turn-the-curve page's "what works",
	// a case study, a commitment…) as the viewer may see them.
	Links      directory.LinkSet
	CanLink    bool
	CanEdit    bool
	CanArchive bool
	CanEndorse bool
}

// Endorsement is a member's "this worked for us too".
type Endorsement struct {
	LearningID int64     `json:"learning_id"`
	UserID     int64     `json:"-"`
	Name       string    `json:"name,omitempty"`
	Note       string    `json:"note"`
	CreatedAt  time.Time `json:"created_at"`
}

// LearningPage loads a learning with its case studies, evidence and endorsements as the
// principal in ctx may see them.
func (s *Service) LearningPage(ctx context.Context, id int64) (LearningDetail, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return LearningDetail{}, err
	}
	l, err := loadLearning(ctx, s.DB, id)
	if err != nil {
		return LearningDetail{}, err
	}
	if !canSeeLearning(v, l) {
		return LearningDetail{}, db.ErrNotFound
	}
	d := LearningDetail{Learning: l, CanEdit: CanEditLearning(v.P, l), CanArchive: CanArchiveLearning(v.P, l),
		CanEndorse: v.P.SignedIn() && !l.Archived}
	if d.CaseStudies, err = s.lrCaseStudyRefs(ctx, s.DB, v, l.CaseStudyIDs); err != nil {
		return d, err
	}
	if d.Evidence, err = s.evidenceByIDs(ctx, s.DB, v, l.EvidenceIDs); err != nil {
		return d, err
	}
	if l.CommunityID != 0 {
		_ = s.DB.QueryRow(ctx, "SELECT name FROM communities WHERE id = ?", l.CommunityID).Scan(&d.CommunityName)
	}
	err = db.Each(ctx, s.DB, `SELECT e.user_id, COALESCE(u.name, ''), e.note, e.created_at FROM endorsements e
		LEFT JOIN users u ON u.id = e.user_id WHERE e.learning_id = ? ORDER BY e.created_at, e.user_id LIMIT 500`, []any{id},
		func(rows *sql.Rows) error {
			e := Endorsement{LearningID: id}
			if err := rows.Scan(&e.UserID, &e.Name, &e.Note, &e.CreatedAt); err != nil {
				return err
			}
			if e.UserID == v.P.UserID && v.P.UserID != 0 {
				mine := e
				d.MyEndorsement = &mine
			}
			if !v.P.SignedIn() {
				e.Name = "" // names of members are for members
			}
			d.Endorsers = append(d.Endorsers, e)
			return nil
		})
	if err != nil {
		return d, err
	}
	if s.Dir != nil {
		if d.Links, err = s.Dir.LinksOf(ctx, KindLearning, id); err != nil {
			return d, err
		}
		d.CanLink = s.Dir.CanLinkFrom(ctx, KindLearning, id)
	}
	// The reports it is part of, as far as the viewer may see them.
	err = db.Each(ctx, s.DB, `SELECT DISTINCT r.id, r.title, r.organisation_id, r.status FROM learning_reports r
		JOIN learning_report_sections sc ON sc.report_id = r.id JOIN learning_report_items it ON it.section_id = sc.id
		WHERE it.learning_id = ? ORDER BY r.id`, []any{id}, func(rows *sql.Rows) error {
		var ref LearningRef
		var org int64
		var status string
		if err := rows.Scan(&ref.ID, &ref.Title, &org, &status); err != nil {
			return err
		}
		if canSeeReport(v.P, Report{OrgID: org, Status: status}) {
			ref.URL = "/reports/" + strconv.FormatInt(ref.ID, 10)
			d.Reports = append(d.Reports, ref)
		}
		return nil
	})
	return d, err
}

// lrCaseStudyRefs returns the case studies of ids that the viewer may see, by title.
func (s *Service) lrCaseStudyRefs(ctx context.Context, q db.Q, v Viewer, ids []int64) ([]LearningRef, error) {
	var out []LearningRef
	err := db.InBatches(ids, func(args []any, ph string) error {
		return db.Each(ctx, q, `SELECT id, title, visibility, organisation_id, COALESCE(community_id, 0), archived_at IS NOT NULL
			FROM case_studies WHERE id IN (`+ph+`)`, args, func(rows *sql.Rows) error {
			var r LearningRef
			var vis string
			var org, comm int64
			var archived bool
			if err := rows.Scan(&r.ID, &r.Title, &vis, &org, &comm, &archived); err != nil {
				return err
			}
			if v.CanSee(vis, org, comm) && (!archived || v.P.Can(authz.Read, org)) {
				r.URL = "/case-studies/" + strconv.FormatInt(r.ID, 10)
				out = append(out, r)
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b LearningRef) int { return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)) })
	return out, err
}

// lrCaseStudyOptions lists the case studies the principal may link a learning to (those they
// may see, not archived), by title.
func (s *Service) lrCaseStudyOptions(ctx context.Context) ([]web.Option, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return nil, err
	}
	cond, args := v.VisibleSQL("cs")
	var out []web.Option
	err = db.Each(ctx, s.DB, "SELECT cs.id, cs.title FROM case_studies cs WHERE cs.archived_at IS NULL AND "+cond+" ORDER BY lower(cs.title), cs.id LIMIT 500", args,
		func(rows *sql.Rows) error {
			var id int64
			var title string
			if err := rows.Scan(&id, &title); err != nil {
				return err
			}
			out = append(out, web.Option{Value: strconv.FormatInt(id, 10), Label: title})
			return nil
		})
	return out, err
}

// lrThemeOptions lists the live themes of the taxonomy, narrower ones after their parent.
func (s *Service) lrThemeOptions(ctx context.Context) ([]web.Option, error) {
	type theme struct {
		id, parent int64
		name       string
	}
	var all []theme
	err := db.Each(ctx, s.DB, "SELECT id, COALESCE(parent_id, 0), name FROM tags WHERE scheme = 'theme' AND archived_at IS NULL ORDER BY lower(name), id", nil,
		func(rows *sql.Rows) error {
			var t theme
			if err := rows.Scan(&t.id, &t.parent, &t.name); err != nil {
				return err
			}
			all = append(all, t)
			return nil
		})
	if err != nil {
		return nil, err
	}
	known := map[int64]bool{}
	for _, t := range all {
		known[t.id] = true
	}
	var out []web.Option
	var walk func(parent int64, prefix string, depth int)
	walk = func(parent int64, prefix string, depth int) {
		if depth > 8 {
			return
		}
		for _, t := range all {
			if t.parent == parent || (parent == 0 && !known[t.parent]) {
				out = append(out, web.Option{Value: strconv.FormatInt(t.id, 10), Label: prefix + t.name})
				walk(t.id, prefix+t.name+" › ", depth+1)
			}
		}
	}
	walk(0, "", 0)
	return out, nil
}

// lrOrgOptions lists the organisations in which the principal may add learnings (every
// organisation for site admins).
func (s *Service) lrOrgOptions(ctx context.Context, perm authz.Permission) ([]web.Option, error) {
	p := authz.From(ctx)
	var out []web.Option
	err := db.Each(ctx, s.DB, "SELECT id, name FROM organisations WHERE archived_at IS NULL ORDER BY lower(name), id", nil, func(rows *sql.Rows) error {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		if p.Can(perm, id) {
			out = append(out, web.Option{Value: strconv.FormatInt(id, 10), Label: name})
		}
		return nil
	})
	return out, err
}

// lrCommunityOptions lists the communities of practice a record may be shared with: those the
// principal belongs to, and every community for staff who contribute (and site admins).
func (s *Service) lrCommunityOptions(ctx context.Context) ([]web.Option, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return nil, err
	}
	var out []web.Option
	err = db.Each(ctx, s.DB, "SELECT id, name FROM communities WHERE archived_at IS NULL ORDER BY lower(name), id", nil, func(rows *sql.Rows) error {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		if v.P.SiteAdmin || v.Communities[id] || v.P.CanAny(authz.Contribute) {
			out = append(out, web.Option{Value: strconv.FormatInt(id, 10), Label: name})
		}
		return nil
	})
	return out, err
}

// checkLearningLinks checks, in q, the organisation, community, themes, case studies and
// evidence a learning names: field errors for those that do not exist or that the author may
// not see.
func (s *Service) checkLearningLinks(ctx context.Context, q db.Q, v Viewer, in LearningInput, current Learning) error {
	var c valid.Checker
	if !v.P.Can(authz.Contribute, in.OrgID) {
		c.Add("organisation_id", "Choose an organisation you contribute to.")
	} else if err := lrCheckOrg(ctx, q, in.OrgID); err != nil {
		if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		c.Add("organisation_id", "Choose an organisation from the list.")
	}
	if in.CommunityID != 0 {
		if err := lrCheckCommunity(ctx, q, in.CommunityID); err != nil {
			if !errors.Is(err, db.ErrNotFound) {
				return err
			}
			c.Add("community_id", "Choose a community of practice from the list.")
		}
	}
	for _, tid := range in.ThemeIDs {
		var scheme string
		var archived bool
		err := q.QueryRow(ctx, "SELECT scheme, archived_at IS NOT NULL FROM tags WHERE id = ?", tid).Scan(&scheme, &archived)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && scheme != "theme") {
			c.Add("themes", fmt.Sprintf("There is no theme with the ID %d: choose themes from the list.", tid))
			continue
		} else if err != nil {
			return err
		}
		if archived && !slices.Contains(lrThemeIDs(current.Themes), tid) {
			c.Add("themes", "That theme is no longer in use: choose another.")
		}
	}
	cs, err := s.lrCaseStudyRefs(ctx, q, v, in.CaseStudyIDs)
	if err != nil {
		return err
	}
	for _, id := range in.CaseStudyIDs {
		if !slices.ContainsFunc(cs, func(r LearningRef) bool { return r.ID == id }) && !slices.Contains(current.CaseStudyIDs, id) {
			c.Add("case_studies", fmt.Sprintf("There is no case study with the ID %d that you may see.", id))
		}
	}
	ev, err := s.evidenceByIDs(ctx, q, v, in.EvidenceIDs)
	if err != nil {
		return err
	}
	for _, id := range in.EvidenceIDs {
		if !slices.ContainsFunc(ev, func(e EvidenceItem) bool { return e.ID == id }) && !slices.Contains(current.EvidenceIDs, id) {
			c.Add("evidence", fmt.Sprintf("There is no evidence with the ID %d that you may see.", id))
		}
	}
	return c.Err()
}

func lrThemeIDs(ts []LearningRef) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func lrCheckOrg(ctx context.Context, q db.Q, id int64) error {
	var one int
	return db.MapError(q.QueryRow(ctx, "SELECT 1 FROM organisations WHERE id = ? AND archived_at IS NULL", id).Scan(&one))
}

func lrCheckCommunity(ctx context.Context, q db.Q, id int64) error {
	var one int
	return db.MapError(q.QueryRow(ctx, "SELECT 1 FROM communities WHERE id = ? AND archived_at IS NULL", id).Scan(&one))
}

// lrReplaceIDs makes table hold exactly ids for owner (column ownerCol) in column idCol.
func lrReplaceIDs(ctx context.Context, q db.Q, table, ownerCol, idCol string, owner int64, ids []int64) error {
	if _, err := q.Exec(ctx, "DELETE FROM "+table+" WHERE "+ownerCol+" = ?", owner); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := q.Exec(ctx, "INSERT INTO "+table+" ("+ownerCol+", "+idCol+") VALUES (?, ?)", owner, id); err != nil {
			return db.MapError(err)
		}
	}
	return nil
}

// learningSnapshot is a learning as its revisions keep it: as people read it.
type learningSnapshot struct {
	Title        string   `json:"title"`
	Type         string   `json:"type"`
	Situation    string   `json:"situation"`
	Action       string   `json:"action"`
	Result       string   `json:"result"`
	Insight      string   `json:"insight"`
	Context      string   `json:"context"`
	Confidence   string   `json:"confidence"`
	Themes       []string `json:"themes"`
	CaseStudies  []string `json:"case_studies"`
	Evidence     []string `json:"evidence"`
	Organisation string   `json:"organisation"`
	Visibility   string   `json:"visibility"`
}

// learningRevisionFields are the fields of a learning's snapshot, in page order.
var learningRevisionFields = []RevisionField{
	{Key: "title", Label: "Title"},
	{Key: "type", Label: "Kind of learning"},
	{Key: "situation", Label: "Situation", Markdown: true},
	{Key: "action", Label: "What was done", Markdown: true},
	{Key: "result", Label: "Result", Markdown: true},
	{Key: "insight", Label: "Insight", Markdown: true},
	{Key: "context", Label: "Where it applies", Markdown: true},
	{Key: "confidence", Label: "Confidence"},
	{Key: "themes", Label: "Themes"},
	{Key: "case_studies", Label: "Case studies"},
	{Key: "evidence", Label: "Evidence"},
	{Key: "organisation", Label: "Organisation"},
	{Key: "visibility", Label: "Who may see it"},
}

// snapshotLearning reads l (as saved in q) as its revision keeps it.
func snapshotLearning(ctx context.Context, q db.Q, l Learning) (learningSnapshot, error) {
	sn := learningSnapshot{Title: l.Title, Type: l.TypeLabel(), Situation: l.Situation, Action: l.Action, Result: l.Result,
		Insight: l.Insight, Context: l.Context, Confidence: l.ConfidenceLabel(), Organisation: l.OrgName, Visibility: l.VisibilityLabel(),
		Themes: []string{}, CaseStudies: []string{}, Evidence: []string{}}
	for _, t := range l.Themes {
		sn.Themes = append(sn.Themes, t.Title)
	}
	titles := func(table string, ids []int64) ([]string, error) {
		out := []string{}
		err := db.InBatches(ids, func(args []any, ph string) error {
			return db.Each(ctx, q, "SELECT title FROM "+table+" WHERE id IN ("+ph+") ORDER BY lower(title), id", args, func(rows *sql.Rows) error {
				var t string
				if err := rows.Scan(&t); err != nil {
					return err
				}
				out = append(out, t)
				return nil
			})
		})
		return out, err
	}
	var err error
	if sn.CaseStudies, err = titles("case_studies", l.CaseStudyIDs); err != nil {
		return sn, err
	}
	sn.Evidence, err = titles("evidence", l.EvidenceIDs)
	return sn, err
}

// learningDoc is the search document of a learning: found by those who may see it, with its
// themes and the places of its case studies as facets.
func learningDoc(l Learning, places []int64) search.Doc {
	var themes []string
	for _, t := range l.Themes {
		themes = append(themes, t.Title)
	}
	body := strings.Join([]string{l.TypeLabel(), strings.Join(themes, " "), MarkdownText(l.Insight), MarkdownText(l.Situation),
		MarkdownText(l.Action), MarkdownText(l.Result), MarkdownText(l.Context), l.OrgName}, "\n")
	return search.Doc{Kind: KindLearning, RecordID: l.ID, Title: l.Title, Body: valid.Truncate(body, 20_000), URL: l.URL(),
		Public: l.Visibility == Public, OrgID: l.OrgID, Visibility: l.Visibility, CommunityID: l.CommunityID,
		Themes: lrThemeIDs(l.Themes), Places: places}
}

// learningPlaces lists the places of the case studies a learning is linked to.
func learningPlaces(ctx context.Context, q db.Q, id int64) ([]int64, error) {
	var out []int64
	err := db.Each(ctx, q, `SELECT DISTINCT cp.place_id FROM learning_case_studies lc JOIN case_study_places cp ON cp.case_study_id = lc.case_study_id
		WHERE lc.learning_id = ? ORDER BY cp.place_id`, []any{id}, func(rows *sql.Rows) error {
		var p int64
		if err := rows.Scan(&p); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// indexLearning writes (or, when archived, removes) a learning's search document.
func indexLearning(ctx context.Context, tx db.Q, l Learning) error {
	if l.Archived {
		return search.Remove(ctx, tx, KindLearning, l.ID)
	}
	places, err := learningPlaces(ctx, tx, l.ID)
	if err != nil {
		return err
	}
	return search.Index(ctx, tx, learningDoc(l, places))
}

// saveLearningLinks writes the themes, case studies and evidence of learning id.
func (s *Service) saveLearningLinks(ctx context.Context, tx db.Q, id int64, in LearningInput) error {
	if s.Dir != nil {
		if err := s.Dir.SetTags(ctx, tx, KindLearning, id, in.ThemeIDs); err != nil {
			return err
		}
	}
	if err := lrReplaceIDs(ctx, tx, "learning_case_studies", "learning_id", "case_study_id", id, in.CaseStudyIDs); err != nil {
		return err
	}
	return lrReplaceIDs(ctx, tx, "learning_evidence", "learning_id", "evidence_id", id, in.EvidenceIDs)
}

// afterLearningSave records the revision, the search document and the audit entry of a
// learning just written in tx.
func (s *Service) afterLearningSave(ctx context.Context, tx db.Q, id int64, action string, before *learningSnapshot, note string) (Learning, error) {
	l, err := loadLearning(ctx, tx, id)
	if err != nil {
		return l, err
	}
	sn, err := snapshotLearning(ctx, tx, l)
	if err != nil {
		return l, err
	}
	summary := "Created"
	if before != nil {
		summary = ChangeSummary(learningRevisionFields, *before, sn, note)
	} else if note != "" {
		summary = note + " (Created)"
	}
	p := authz.From(ctx)
	if err := SaveRevision(ctx, tx, KindLearning, id, l.Revision, p.UserID, summary, sn); err != nil {
		return l, err
	}
	if err := indexLearning(ctx, tx, l); err != nil {
		return l, err
	}
	return l, audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: KindLearning, TargetID: id, Target: l.Title,
		Detail: fmt.Sprintf("revision %d: %s", l.Revision, summary)})
}

// CreateLearning adds a learning (contributors of its organisation).
func (s *Service) CreateLearning(ctx context.Context, in LearningInput) (Learning, error) {
	p := authz.From(ctx)
	if !CanAddLearning(p) {
		return Learning{}, audit.Deny(ctx, s.DB, "learning.create", KindLearning, 0)
	}
	if err := in.normalize(); err != nil {
		return Learning{}, err
	}
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return Learning{}, err
	}
	var l Learning
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkLearningLinks(ctx, tx, v, in, Learning{}); err != nil {
			return err
		}
		now := s.Now()
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO learnings (organisation_id, type, title, situation, action, result, insight, context,
			confidence, visibility, community_id, revision, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
			in.OrgID, in.Type, in.Title, in.Situation, in.Action, in.Result, in.Insight, in.Context, in.Confidence, in.Visibility,
			lrNullID(in.CommunityID), lrNullID(p.UserID), now, now).Scan(&id)
		if err != nil {
			return db.MapError(err)
		}
		if err := s.saveLearningLinks(ctx, tx, id, in); err != nil {
			return err
		}
		l, err = s.afterLearningSave(ctx, tx, id, "learning.create", nil, in.Note)
		return err
	})
	return l, err
}

// editableLearning loads a learning for a change: ErrNotFound for those who may not see it,
// a denial (audited) for those who may see it but not change it.
func (s *Service) editableLearning(ctx context.Context, id int64, action string, may func(authz.Principal, Learning) bool) (Learning, Viewer, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return Learning{}, v, err
	}
	l, err := loadLearning(ctx, s.DB, id)
	if err != nil {
		return Learning{}, v, err
	}
	if !canSeeLearning(v, l) {
		return Learning{}, v, db.ErrNotFound
	}
	if !may(v.P, l) {
		return Learning{}, v, audit.Deny(ctx, s.DB, action, KindLearning, id)
	}
	return l, v, nil
}

// LearningForEdit loads a learning for its edit form.
func (s *Service) LearningForEdit(ctx context.Context, id int64) (Learning, error) {
	l, _, err := s.editableLearning(ctx, id, "learning.update", CanEditLearning)
	return l, err
}

// UpdateLearning changes a learning and keeps the new revision (the organisation's
// contributors and up).
func (s *Service) UpdateLearning(ctx context.Context, id int64, in LearningInput) (Learning, error) {
	old, v, err := s.editableLearning(ctx, id, "learning.update", CanEditLearning)
	if err != nil {
		return Learning{}, err
	}
	if in.OrgID == 0 {
		in.OrgID = old.OrgID
	}
	if err := in.normalize(); err != nil {
		return Learning{}, err
	}
	var l Learning
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkLearningLinks(ctx, tx, v, in, old); err != nil {
			return err
		}
		cur, err := loadLearning(ctx, tx, id)
		if err != nil {
			return err
		}
		before, err := snapshotLearning(ctx, tx, cur)
		if err != nil {
			return err
		}
		err = db.Affected(tx.Exec(ctx, `UPDATE learnings SET organisation_id = ?, type = ?, title = ?, situation = ?, action = ?, result = ?,
			insight = ?, context = ?, confidence = ?, visibility = ?, community_id = ?, revision = revision + 1, updated_at = ? WHERE id = ?`,
			in.OrgID, in.Type, in.Title, in.Situation, in.Action, in.Result, in.Insight, in.Context, in.Confidence, in.Visibility,
			lrNullID(in.CommunityID), s.Now(), id))
		if err != nil {
			return err
		}
		if err := s.saveLearningLinks(ctx, tx, id, in); err != nil {
			return err
		}
		l, err = s.afterLearningSave(ctx, tx, id, "learning.update", &before, in.Note)
		return err
	})
	return l, err
}

// ArchiveLearning archives (or restores) a learning: its managers and site admins. An
// archived learning leaves the lists and search; its staff still see it.
func (s *Service) ArchiveLearning(ctx context.Context, id int64, archived bool) error {
	l, _, err := s.editableLearning(ctx, id, "learning.archive", CanArchiveLearning)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var at any
		if archived {
			at = s.Now()
		}
		if err := db.Affected(tx.Exec(ctx, "UPDATE learnings SET archived_at = ? WHERE id = ?", at, id)); err != nil {
			return err
		}
		action := "learning.archive"
		if !archived {
			action = "learning.restore"
		}
		l.Archived = archived
		if err := indexLearning(ctx, tx, l); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: KindLearning, TargetID: id, Target: l.Title})
	})
}

// Endorse records that the signed-in member found the same ("this worked for us too"), with
// an optional note; endorsing again changes the note. One endorsement per person.
func (s *Service) Endorse(ctx context.Context, id int64, note string) (Endorsement, error) {
	p := authz.From(ctx)
	if !p.SignedIn() {
		return Endorsement{}, audit.Deny(ctx, s.DB, "learning.endorse", KindLearning, id)
	}
	l, err := s.Learning(ctx, id)
	if err != nil {
		return Endorsement{}, err
	}
	if l.Archived {
		return Endorsement{}, valid.Errors{"note": "This learning is archived: it cannot be endorsed."}
	}
	note = lrCleanText(note)
	var c valid.Checker
	lrLongText(&c, "note", note, maxEndorsementLen)
	if err := c.Err(); err != nil {
		return Endorsement{}, err
	}
	e := Endorsement{LearningID: id, UserID: p.UserID, Name: p.Name, Note: note, CreatedAt: s.Now()}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO endorsements (learning_id, user_id, note, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (learning_id, user_id) DO UPDATE SET note = excluded.note`, id, p.UserID, note, e.CreatedAt)
		if err != nil {
			return db.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "learning.endorse", TargetKind: KindLearning, TargetID: id, Target: l.Title,
			Detail: valid.Truncate(note, 300)})
	})
	return e, err
}

// WithdrawEndorsement removes the signed-in member's endorsement, if any.
func (s *Service) WithdrawEndorsement(ctx context.Context, id int64) error {
	p := authz.From(ctx)
	if !p.SignedIn() {
		return audit.Deny(ctx, s.DB, "learning.unendorse", KindLearning, id)
	}
	l, err := s.Learning(ctx, id)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM endorsements WHERE learning_id = ? AND user_id = ?", id, p.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "learning.unendorse", TargetKind: KindLearning, TargetID: id, Target: l.Title})
	})
}

// lrNullID is NULL for 0.
func lrNullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// learningTitles loads the learnings of ids that the principal in ctx may see (archived ones
// for their staff), by ID.
func (s *Service) learningTitles(ctx context.Context, ids []int64) (map[int64]Learning, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]Learning{}
	err = db.InBatches(lrUniqueIDs(ids), func(args []any, ph string) error {
		return db.Each(ctx, s.DB, "SELECT "+learningColumns+learningFrom+" WHERE l.id IN ("+ph+")", args, func(rows *sql.Rows) error {
			l, err := scanLearning(rows)
			if err != nil {
				return err
			}
			if canSeeLearning(v, l) {
				out[l.ID] = l
			}
			return nil
		})
	})
	return out, err
}

// CaseStudyLearnings lists the learnings drawn from a case study that the principal in ctx may
// see, newest first (for the case study's page).
func (s *Service) CaseStudyLearnings(ctx context.Context, caseStudyID int64) ([]LearningRef, error) {
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return nil, err
	}
	cond, args := v.VisibleSQL("l")
	var out []LearningRef
	err = db.Each(ctx, s.DB, `SELECT l.id, l.title FROM learnings l JOIN learning_case_studies lc ON lc.learning_id = l.id
		WHERE lc.case_study_id = ? AND l.archived_at IS NULL AND `+cond+` ORDER BY l.id DESC LIMIT 200`, append([]any{caseStudyID}, args...),
		func(rows *sql.Rows) error {
			var r LearningRef
			if err := rows.Scan(&r.ID, &r.Title); err != nil {
				return err
			}
			r.URL = "/learnings/" + strconv.FormatInt(r.ID, 10)
			out = append(out, r)
			return nil
		})
	return out, err
}
